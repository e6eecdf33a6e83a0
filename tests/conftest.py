"""Shared helpers: cases as data, and one real flake8 run over many of them."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Callable

import pytest

# The runtime extra installs Keras with JAX, and Keras falls back to TensorFlow when nothing is
# chosen: the tests that build models in this process use JAX (which also trains, unlike the
# NumPy backend), unless KERAS_BACKEND says otherwise. test_backends.py runs the others.
if importlib.util.find_spec("jax") is not None:
    os.environ.setdefault("KERAS_BACKEND", "jax")

# The installed console script, and the seed model (KA101 twice, KA102 and KA103), for the
# tests of the command.
COMMAND = str(Path(sys.executable).with_name("flake8-keras-activation"))
SEED = textwrap.dedent(
    """\
    from keras.models import Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Dense(20, input_dim=2))
    model.add(Dense(100, input_dim=2))
    model.add(Dense(1))
    """
)


# the line `check` ends a text report with on stderr, and the mark of a finding `fix` would fix
_SUMMARY = re.compile(r"^Found \d+ findings?[.;].*\n", re.MULTILINE)
_MARK = re.compile(r"(: KA\d+) \[\*\] ")


def without_summary(err: str) -> str:
    """stderr without the summary line of `check`: what a test of other lines compares."""
    return _SUMMARY.sub("", err)


def unmarked(out: str) -> str:
    """The text report without its [*] marks: flake8's own lines, for comparing with flake8's output."""
    return _MARK.sub(r"\1 ", out)


@dataclass(frozen=True)
class Case:
    """A source and the exact (line, col, code) findings it must give, in order."""

    id: str
    source: str
    expected: tuple[tuple[int, int, str], ...] = ()

    @property
    def text(self) -> str:
        return textwrap.dedent(self.source).lstrip("\n")


def bytecodes(work: "Callable[[], object]") -> int:
    """How many Python bytecode instructions `work()` runs: a deterministic measure of work, for the
    tests that check growth (linear, not quadratic) without timing anything."""
    count = 0

    def trace(frame: FrameType, event: str, arg: object) -> object:
        nonlocal count
        if event == "call":
            frame.f_trace_opcodes = True
        elif event == "opcode":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)  # type: ignore[arg-type]
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


def params(cases: list[Case]) -> list:
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return [pytest.param(case, id=case.id) for case in cases]


def run_flake8(paths: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    """The real flake8 command line, in this interpreter's environment."""
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def memory_capped(limit: int = 2**30) -> None:
    """For a child process (`preexec_fn`): an address-space limit, so that reading without a bound
    fails fast instead of taking the machine's memory."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# Linux's capability numbers (linux/capability.h) and prctl's request to drop one from the bounding set
CAPABILITIES = {"chown": 0, "dac_override": 1, "dac_read_search": 2, "fowner": 3, "sys_admin": 21}
_PR_CAPBSET_DROP = 24


def without_capabilities(*names: str) -> Callable[[], None]:
    """For a child process (`preexec_fn`): drop these capabilities from its bounding set, so the
    program it runs has them neither, even as root. Permission bits then bind root as they bind a
    user (`dac_override`, `dac_read_search`), and so does a file's ownership (`fowner`); without
    `sys_admin`, `security.*` attributes can be read but not written."""

    def drop() -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for name in names:
            if libc.prctl(_PR_CAPBSET_DROP, CAPABILITIES[name], 0, 0, 0) != 0:
                os._exit(126)  # the test's probe sees it and skips

    return drop


# exits 0 when a directory without permissions cannot be listed by this process
_PROBE = """
import os, sys, tempfile
locked = tempfile.mkdtemp()
os.chmod(locked, 0)
try:
    os.listdir(locked)
    refused = False
except PermissionError:
    refused = True
os.chmod(locked, 0o700)
os.rmdir(locked)
sys.exit(0 if refused else 1)
"""


def bound_by_permissions() -> Callable[[], None]:
    """A `preexec_fn` under which a child is refused what the permission bits refuse: nothing to
    do for a user; root drops the capabilities that let it read and write anything. Skips the test
    when the system cannot drop them."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return lambda: None
    if sys.platform != "linux":
        pytest.skip("root ignores permission bits, and only Linux lets this test drop that power")
    drop = without_capabilities("dac_override", "dac_read_search")
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], preexec_fn=drop, capture_output=True, check=False, timeout=60
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make root honour permission bits here (probe exit {probe.returncode})")
    return drop


def assert_no_traceback_from_us(output: str) -> None:
    """No traceback, or only flake8's own: on Python 3.10, flake8 itself crashes on a file with
    null bytes (ast.parse raises ValueError there, before any plugin runs)."""
    if "Traceback" in output:
        assert "flake8_keras_activation" not in output, output
        assert sys.version_info < (3, 11) and "null bytes" in output, output


def flake8_findings(
    cases: list[Case], tmp_path: Path, *args: str, select: str = "--select=KA"
) -> dict[str, list[tuple[int, int, str]]]:
    """Run flake8 once over every case, each written to its own file; findings per case id (with
    every KA code selected, or with `select`, such as "" for flake8's default selection)."""
    paths = {}
    for number, case in enumerate(cases):
        path = tmp_path / f"case_{number}.py"
        path.write_text(case.text, encoding="utf-8")
        paths[str(path)] = case.id
    selection = [select] if select else []
    result = run_flake8([tmp_path], *selection, "--format=%(path)s\t%(row)d\t%(col)d\t%(code)s", *args)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    found: dict[str, list[tuple[int, int, str]]] = {case.id: [] for case in cases}
    for line in result.stdout.splitlines():
        path, row, col, code = line.split("\t")
        if not code.startswith("KA"):
            continue  # flake8's own codes, in its default selection
        # flake8 shows 1-based columns; the plugin reports 0-based ones
        found[paths[path]].append((int(row), int(col) - 1, code))
    return found


def rule_cases(with_factorizations: bool = False) -> list[Case]:
    """Every case of the rule tables, its id prefixed by its table: the one list the plugin,
    the command and the fixer are all checked against."""
    from dataclasses import replace

    from tests import (
        cases_catalog,
        cases_functional,
        cases_heads,
        cases_input_shapes,
        cases_output,
        cases_paths,
        cases_sequential,
        cases_shapes,
        cases_subclassed,
        cases_torch,
        test_factorization,
    )

    tables = {
        "sequential": cases_sequential,
        "functional": cases_functional,
        "subclassed": cases_subclassed,
        "output": cases_output,
        "heads": cases_heads,
        "shapes": cases_shapes,
        "catalog": cases_catalog,
        "paths": cases_paths,
        "input-shapes": cases_input_shapes,
        "torch": cases_torch,
    }
    found = [(name, case) for name, table in tables.items() for case in (*table.INVALID, *table.VALID)]
    if with_factorizations:
        found += [("factorization", case) for case in test_factorization.DELIBERATE]
    return [replace(case, id=f"{name}/{case.id}") for name, case in found]
