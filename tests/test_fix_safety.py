"""Safe and unsafe fixes, as ruff draws the line: `fix` makes the safe ones, `--unsafe-fixes` (or
the configuration's `unsafe-fixes`) the others too, and `check` says which is which."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from flake8_keras_activation.codes import CODES, FIXABLE, SAFE, UNSAFE
from flake8_keras_activation.finding import SAFETY_OPENING
from tests.conftest import COMMAND, SEED

IMPORTS = (
    "import numpy as np\nfrom keras import Sequential, layers, Input\nimport keras\n"
    "from keras.layers import Conv2D, Dense, Flatten, LSTM, MaxPooling2D\n"
)
# KA203's documented example is a string loss, which has no mechanical fix: a constructor has one
KA203_FIXABLE = (
    "model = keras.Sequential([layers.Dense(16, activation=\"relu\"), layers.Dense(1)])\n"
    "model.compile(optimizer=\"adam\", loss=keras.losses.BinaryCrossentropy())\n"
)
SUMMARY = (
    "Found 10 findings; [*] 3 fixable with `flake8-keras-activation fix`; "
    "6 more fixable with `flake8-keras-activation fix --unsafe-fixes`.\n"
)


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([COMMAND, *args], cwd=cwd, capture_output=True, text=True, check=False, env=env,
                          timeout=120)


# the codes whose fix edits a model (KA900's edits a comment: tests/test_unused_noqa.py)
MODEL_FIXES = FIXABLE - {"KA900"}


def every_fixable_code(folder: Path) -> None:
    """One file per fixable code, each holding that code's documented example (KA203: a fixable one)."""
    for code in sorted(MODEL_FIXES):
        example = KA203_FIXABLE if code == "KA203" else CODES[code].example
        (folder / f"{code.lower()}.py").write_text(IMPORTS + example)


def remaining(folder: Path) -> dict[str, set[str]]:
    """The fixable codes still reported in each file, every code selected."""
    result = command("check", "--isolated", "--select", "KA", "--format", "json", ".", cwd=folder)
    found: dict[str, set[str]] = {}
    for item in json.loads(result.stdout):
        if item["code"] in MODEL_FIXES:
            found.setdefault(Path(item["path"]).stem.upper(), set()).add(item["code"])
    return found


def test_each_fixable_code_is_safe_or_unsafe_as_ruff_draws_the_line() -> None:
    # safe: the model computes what it did (an argument Keras ignores goes), or it builds where it
    # would not; unsafe: what it computes or learns changes
    assert {code: CODES[code].fix_safety for code in sorted(FIXABLE)} == {
        "KA101": UNSAFE, "KA102": SAFE, "KA201": UNSAFE, "KA202": UNSAFE, "KA203": UNSAFE, "KA210": UNSAFE,
        "KA301": SAFE, "KA302": SAFE, "KA900": SAFE,
    }


def test_each_rule_says_its_fix_safety_in_the_same_words() -> None:
    for code in CODES.values():
        assert code.fix_section == SAFETY_OPENING[code.fix_safety] + code.fix, code.code
        # the opening is the table's alone: no section says it again, or says another
        assert not code.fix.startswith(("Safe", "Unsafe")), code.code
        if code.fix_safety is None:
            assert code.fix.startswith("No automatic fix"), code.code
    from flake8_keras_activation.cli import render

    assert "Fix safety Unsafe (`fix` applies it with `--unsafe-fixes`)" in " ".join(render(CODES["KA101"]).split())
    assert "Fix safety Safe (`fix` applies it)" in " ".join(render(CODES["KA102"]).split())


def test_fix_makes_only_the_safe_fixes_by_default_and_says_what_it_left(tmp_path: Path) -> None:
    every_fixable_code(tmp_path)
    result = command("fix", "--isolated", "--extend-select", "KA210", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Rewriting ./ka102.py",
        "Rewriting ./ka301.py",
        "Rewriting ./ka302.py",
        "flake8-keras-activation: 6 unsafe fixes not made (they change what the model computes); "
        "--unsafe-fixes makes them",
    ]
    assert remaining(tmp_path) == {code: {code} for code in ("KA101", "KA201", "KA202", "KA203", "KA210")}


@pytest.mark.parametrize(
    ("files", "args"),
    [
        ({}, ("--unsafe-fixes",)),
        ({"pyproject.toml": "[tool.flake8-keras-activation]\nunsafe-fixes = true\n"}, ()),
        ({"setup.cfg": "[flake8]\nunsafe-fixes = yes\n"}, ()),
    ],
    ids=["flag", "pyproject", "flake8-ini-section"],
)
def test_the_flag_or_the_configuration_makes_the_unsafe_fixes_too(
    tmp_path: Path, files: dict[str, str], args: tuple[str, ...]
) -> None:
    every_fixable_code(tmp_path)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    isolated = ("--isolated",) if not files else ()
    result = command("fix", *isolated, *args, "--extend-select", "KA210", ".", cwd=tmp_path)
    assert result.returncode == 1 and "not made" not in result.stderr, result.stderr
    assert remaining(tmp_path) == {}


def test_no_unsafe_fixes_goes_over_the_configurations_yes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flake8-keras-activation]\nunsafe-fixes = true\n")
    (tmp_path / "model.py").write_text(SEED)
    result = command("fix", "--no-unsafe-fixes", "model.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "2 unsafe fixes not made" in result.stderr
    assert (tmp_path / "model.py").read_text() == SEED.replace("Dense(100, input_dim=2)", "Dense(100)")


def test_a_bad_unsafe_fixes_value_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flake8-keras-activation]\nunsafe-fixes = "yes"\n')
    (tmp_path / "model.py").write_text(SEED)
    result = command("fix", "model.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.endswith("[tool.flake8-keras-activation] unsafe-fixes: expected true or false\n")


def test_check_marks_what_fix_would_fix_and_ends_with_a_summary_on_stderr(tmp_path: Path) -> None:
    every_fixable_code(tmp_path)
    result = command("check", "--isolated", "--extend-select", "KA210", ".", cwd=tmp_path)
    marked = {line.split(": ")[1].split()[0] for line in result.stdout.splitlines() if " [*] " in line}
    assert marked == {"KA102", "KA301", "KA302"}
    assert "./ka102.py:7:22: KA102 [*] input_dim on Dense(100) is ignored" in result.stdout
    assert result.stderr == SUMMARY
    # with --unsafe-fixes, every finding the fixer would fix is marked (KA103 has no fix of its own)
    unsafe = command("check", "--isolated", "--unsafe-fixes", "--extend-select", "KA210", ".", cwd=tmp_path)
    marked = [line.split(": ")[1].split()[0] for line in unsafe.stdout.splitlines() if " [*] " in line]
    assert sorted(marked) == ["KA101", "KA101", "KA102", "KA201", "KA202", "KA203", "KA210", "KA301", "KA302"]
    assert unsafe.stderr == "Found 10 findings; [*] 9 fixable with `flake8-keras-activation fix --unsafe-fixes`.\n"
    # the configuration's yes makes plain `fix` make them: the summary says so
    (tmp_path / "pyproject.toml").write_text("[tool.flake8-keras-activation]\nextend-select = [\"KA210\"]\n"
                                             "unsafe-fixes = true\n")
    configured = command("check", ".", cwd=tmp_path)
    assert configured.stderr == "Found 10 findings; [*] 9 fixable with `flake8-keras-activation fix`.\n"


def test_the_summary_leaves_quiet_statistics_and_the_other_formats_as_they_were(tmp_path: Path) -> None:
    every_fixable_code(tmp_path)
    quiet = command("check", "--isolated", "-q", ".", cwd=tmp_path)
    assert (quiet.returncode, quiet.stderr) == (1, "")
    assert "[*]" not in quiet.stdout and "./ka102.py\n" in quiet.stdout
    for fmt in ("json", "sarif", "github"):
        other = command("check", "--isolated", "--format", fmt, ".", cwd=tmp_path)
        assert (other.returncode, other.stderr) == (1, ""), fmt
        assert "[*]" not in other.stdout, fmt
    statistics = command("check", "--isolated", "--statistics", ".", cwd=tmp_path)
    counted = [line for line in statistics.stdout.splitlines() if not line.startswith("./")]
    assert "1     KA102 input_dim on Dense(100) is ignored" in counted[1] and "[*]" not in "".join(counted)
    clean = command("check", "--isolated", "ka102.py", cwd=tmp_path)
    assert clean.stderr.startswith("Found 1 finding; [*] 1 fixable")
    (tmp_path / "fine.py").write_text("import keras\n")
    assert command("check", "--isolated", "fine.py", cwd=tmp_path).stderr == ""
