"""A fast subset of the robustness sweep: real files from the standard library and installed packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SWEEP = Path(__file__).resolve().parent.parent / "benchmarks" / "sweep.py"


def test_analysis_and_fixer_raise_on_no_real_file() -> None:
    result = subprocess.run(
        [sys.executable, str(SWEEP), "--limit", "80", "--only", "stdlib", "--only", "keras", "--only", "tensorflow"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("stdlib") for line in lines)
    assert all(line.rstrip().endswith("0 exceptions") for line in lines)
