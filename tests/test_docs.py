"""The docs say what the code does: rule sections, the commands, the shipped examples."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from flake8_keras_activation.codes import CODES, markdown
from tests.conftest import run_flake8

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rules_are_as_generated_from_the_code_table() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    from generate_rules import rewrite

    assert rewrite(README) == README, "run python docs/generate_rules.py"
    for code in CODES.values():
        assert markdown(code) in README


def test_rule_pages_are_as_generated_from_the_code_table() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    from generate_rules import pages

    wanted = pages()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "docs" / "rules").glob("*")}
    assert sorted(on_disk) == sorted(wanted), "run python docs/generate_rules.py"
    for name, text in wanted.items():
        assert on_disk[name] == text, f"docs/rules/{name}: run python docs/generate_rules.py"
    # the README's table links each code to its page
    for code in CODES:
        assert f"| [{code}](docs/rules/{code}.md) |" in README


def test_the_project_urls_are_the_address_the_links_use() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the project's dependency on 3.10
        import tomli as tomllib

    from flake8_keras_activation.links import REPOSITORY, rule_page

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Homepage"] == REPOSITORY
    assert all(url.startswith(REPOSITORY + "/") for name, url in urls.items() if name != "Homepage")
    assert urls["Changelog"].endswith("/blob/main/CHANGELOG.md") and (ROOT / "CHANGELOG.md").is_file()
    assert rule_page("KA101") == f"{REPOSITORY}/blob/main/docs/rules/KA101.md"


def test_each_rule_section_follows_the_template() -> None:
    for code in CODES.values():
        section = markdown(code)
        for heading in ("**What it does.**", "**Why is this bad?**", "**Example**", "**Use instead**",
                        "**Fix safety.**", "**Known limits.**"):
            assert heading in section


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert ci_command in blocks
    assert "pytest" in ci_command


def test_shipped_examples_report_what_the_readme_shows() -> None:
    result = run_flake8([ROOT / "examples"], "--select=KA")
    shown = [
        line for line in README.splitlines() if re.match(r"examples/(collapsed_mlp|torch_mlp)\.py:\d+:\d+: KA", line)
    ]
    reported = [line.replace(str(ROOT) + "/", "") for line in result.stdout.splitlines()]
    assert reported == shown


def test_examples_of_each_rule_in_the_docs_behave_as_documented() -> None:
    from flake8_keras_activation import analyze_source

    imports = (
        "import numpy as np\nfrom keras import Sequential, layers, Input\nimport keras\n"
        "from keras.layers import Conv2D, Dense, Flatten, LSTM, MaxPooling2D\n"
    )
    torch_imports = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
    for code in CODES.values():
        # a PyTorch example (KA306's) gets PyTorch's imports instead
        head = torch_imports if "nn." in code.example else imports
        flagged = {f.code for f in analyze_source(head + code.example)}
        assert code.code in flagged, code.code
        assert analyze_source(head + code.instead) == [], code.code


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    # as a forge makes an anchor from a heading: lower case, punctuation dropped, spaces to hyphens
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(text: str) -> set[str]:
    fence = False
    found = set()
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and line.startswith("#"):
            found.add(_slug(line.lstrip("#")))
    return found


def _documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md")),
            ROOT / "benchmarks" / "README.md"]


def test_every_relative_link_of_the_docs_reaches_a_file_and_its_heading() -> None:
    broken = []
    for document in _documents():
        text = document.read_text(encoding="utf-8")
        for target in _LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
                continue
            path, _, fragment = target.partition("#")
            file = (document.parent / path).resolve() if path else document
            if not file.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}: no such file")
            elif fragment and file.suffix == ".md" and fragment not in _anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{document.relative_to(ROOT)}: {target}: no such heading")
    assert broken == []
