"""Rewrite the README's rule table and rule sections from the one table of codes.

Run `python docs/generate_rules.py` after changing a code in flake8_keras_activation/rules/;
`tests/test_docs.py` fails while the README is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flake8_keras_activation.codes import CODES, OFF_BY_DEFAULT, markdown  # noqa: E402

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"


def rules_markdown() -> str:
    rows = ["| code | name | summary |", "| --- | --- | --- |"]
    for code in CODES.values():
        note = " (off by default)" if code.code in OFF_BY_DEFAULT else ""
        rows.append(f"| {code.code} | {code.slug} | {code.summary}{note} |")
    sections = "\n".join(markdown(code) for code in CODES.values())
    return "\n".join(rows) + "\n\n" + sections


def rewrite(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{rules_markdown()}{END}{tail}"


if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(rewrite(readme.read_text(encoding="utf-8")), encoding="utf-8")
