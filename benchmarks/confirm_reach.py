"""How many models `confirm` rebuilds in a tree of Keras code (docs/design.md gives the figures).

    python benchmarks/confirm_reach.py DIR... [--batch 20] [--timeout 600] [--raw OUT]

Runs `python -m flake8_keras_activation confirm` (the package on this interpreter's path: set
PYTHONPATH to measure another checkout) over the tree's .py files and notebooks in batches, each
with a timeout, and counts the model lines: `rebuilt` (rebuilt and checked), `not rebuilt` (a
refusal, with its reason), `error` (Keras refused the literal arguments, or the check failed). A
batch that times out is counted and named. Nothing of the tree is run: confirm only reads it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

_MODEL = re.compile(
    r"^(?P<path>.+?):(?:cell_\d+:)?\d+: (?:Sequential|Functional|Subclassed) model.*?: "
    r"(?P<what>rebuilt from|not rebuilt|error)"
)


def files(roots: list[str]) -> list[str]:
    found: list[str] = []
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in (".py", ".ipynb") and path.is_file():
                found.append(str(path))
    return found


def measure(
    paths: list[str], batch: int, timeout: float, raw: TextIO | None = None
) -> tuple[Counter[str], Counter[str], list[str]]:
    """(model lines by outcome, outcomes by file kind, batches that timed out)."""
    counts: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    slow: list[str] = []
    env = dict(os.environ, KERAS_BACKEND=os.environ.get("KERAS_BACKEND", "jax"))
    for start in range(0, len(paths), batch):
        chunk = paths[start : start + batch]
        try:
            done = subprocess.run(
                [sys.executable, "-m", "flake8_keras_activation", "confirm", *chunk],
                capture_output=True, text=True, timeout=timeout, env=env,
            )
        except subprocess.TimeoutExpired:
            slow.append(chunk[0])
            continue
        if raw is not None:
            raw.write(done.stdout + done.stderr)
        for line in (done.stdout + done.stderr).splitlines():
            match = _MODEL.match(line)
            if match is None:
                continue
            what = {"rebuilt from": "rebuilt", "not rebuilt": "not rebuilt", "error": "error"}[match["what"]]
            counts[what] += 1
            by_kind[f"{Path(match['path']).suffix} {what}"] += 1
    return counts, by_kind, slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--raw", help="also write confirm's own output to this file")
    options = parser.parse_args()
    paths = files(options.roots)
    if options.raw:
        with open(options.raw, "w", encoding="utf-8") as raw:
            counts, by_kind, slow = measure(paths, options.batch, options.timeout, raw)
    else:
        counts, by_kind, slow = measure(paths, options.batch, options.timeout)
    total = sum(counts.values())
    print(f"{len(paths)} files, {total} models: {counts['rebuilt']} rebuilt, "
          f"{counts['not rebuilt']} not rebuilt, {counts['error']} errors")
    for key in sorted(by_kind):
        print(f"  {key}: {by_kind[key]}")
    for first in slow:
        print(f"  a batch timed out (from {first})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
