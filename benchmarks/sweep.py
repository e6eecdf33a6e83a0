"""Robustness sweep: the analysis and the fixer (as `fix --diff` runs it) over real Python files.

Sources: the standard library the interpreter ships, the installed keras and tensorflow packages,
and the real-code corpus `corpus.py` caches (when it is there). Zero exceptions is the goal; the
script prints files per second and exits 1 if anything raised.

    python benchmarks/sweep.py                 # everything
    python benchmarks/sweep.py --limit 300     # the first 300 files of each source (a fast subset)
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
import sysconfig
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from flake8_keras_activation.plugin import KerasActivationChecker
from flake8_keras_activation.source import analyze_graphs, extract_graphs, source_lines

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from corpus import cache_dir  # noqa: E402  (a script beside this one)


def sources() -> dict[str, Path]:
    found = {"stdlib": Path(sysconfig.get_paths()["stdlib"])}
    for package in ("keras", "tensorflow"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            found[package] = Path(list(spec.submodule_search_locations)[0])
    corpus = cache_dir()
    if corpus.is_dir():
        for tree in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name not in ("sdists", "venvs", "pycache")):
            found["corpus/" + tree.name] = tree
    return found


@dataclass
class Tally:
    files: int = 0
    parsed: int = 0
    findings: int = 0
    fixed: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def sweep_file(path: Path, tally: Tally) -> None:
    """What flake8 and `fix --diff` do with one file, with every exception recorded."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return  # flake8 reports E902 itself; nothing of ours runs
    tally.files += 1
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # E999: nothing of ours runs
    tally.parsed += 1
    lines = source_lines(text)
    try:
        findings = [f for f in KerasActivationChecker(tree, lines).run()]
        tally.findings += len(findings)
        if findings:
            from flake8_keras_activation.fix import FixError, fix_source

            try:
                result = fix_source(text, analyze_graphs(extract_graphs(tree, lines)))
                tally.fixed += result.text != text
            except FixError:
                pass  # reported to the user and left untouched: not a crash
    except Exception:
        tally.failures.append(f"{path}\n{traceback.format_exc()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="files per source (0: all)")
    parser.add_argument("--only", action="append", default=[], help="only sources whose name starts with this")
    args = parser.parse_args(argv)
    failures = 0
    for name, root in sources().items():
        if args.only and not any(name.startswith(prefix) for prefix in args.only):
            continue
        files = sorted(p for p in root.rglob("*.py") if name != "stdlib" or "site-packages" not in p.parts)
        if args.limit:
            files = files[: args.limit]
        tally = Tally()
        start = time.perf_counter()
        for path in files:
            sweep_file(path, tally)
        tally.seconds = time.perf_counter() - start
        rate = tally.files / tally.seconds if tally.seconds else 0.0
        print(
            f"{name:32} {tally.files:6} files {tally.parsed:6} parsed {tally.findings:5} findings "
            f"{tally.fixed:4} fixable  {rate:7.0f} files/s  {len(tally.failures)} exceptions"
        )
        for failure in tally.failures[:5]:
            print(failure, file=sys.stderr)
        failures += len(tally.failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
