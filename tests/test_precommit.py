"""The pre-commit hooks: valid by pre-commit's own schema, and working when pre-commit runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pre_commit.clientlib import load_manifest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
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
NOTEBOOK_CELL = "import keras\nfrom keras import layers\nmodel = keras.Sequential([layers.Dense(8), layers.Dense(1)])\n"


def test_hooks_are_valid_by_pre_commits_own_schema() -> None:
    hooks = {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}
    assert list(hooks) == ["flake8-keras-activation", "keras-activation", "keras-activation-fix"]
    assert hooks["keras-activation"]["entry"] == "flake8-keras-activation check"
    assert hooks["keras-activation-fix"]["entry"] == "flake8-keras-activation fix --unsafe-fixes"
    for name in ("keras-activation", "keras-activation-fix"):
        assert hooks[name]["language"] == "python"
        assert hooks[name]["types_or"] == ["python", "jupyter"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'flake8-keras-activation = "flake8_keras_activation.cli:main"' in pyproject


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _hook_repository(destination: Path, env: dict[str, str]) -> Path:
    """This project as pre-commit clones it: its committed files, in a repository of their own."""
    shutil.copytree(ROOT / "flake8_keras_activation", destination / "flake8_keras_activation",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, destination / name)
    _git(destination, env, "init", "-q")
    _git(destination, env, "add", "-A")
    _git(destination, env, "commit", "-q", "-m", "hooks under test")
    return destination


def _notebook() -> str:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": NOTEBOOK_CELL.splitlines(keepends=True)}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git, and git is not installed")
def test_hooks_run_under_pre_commit_try_repo(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "PRE_COMMIT_COLOR": "never",
    }
    hooks = _hook_repository(tmp_path / "hooks", env)
    sample = tmp_path / "sample"
    sample.mkdir()
    (sample / "model.py").write_text(SEED)
    (sample / "explore.ipynb").write_text(_notebook())
    # flake8's own configuration: every hook must honour it, the flake8 one and the command's alike
    (sample / "setup.cfg").write_text("[flake8]\nper-file-ignores = legacy/*: KA101,KA103\nextend-exclude = generated/*\n")
    (sample / "legacy").mkdir()
    (sample / "legacy" / "old.py").write_text(SEED)
    (sample / "generated").mkdir()
    (sample / "generated" / "made.py").write_text(SEED)
    (sample / "head.py").write_text(
        "import keras\n\nm = keras.Sequential([keras.layers.Dense(8, activation='relu'), keras.layers.Dense(1)])\n"
        "m.compile(optimizer='adam', loss=keras.losses.BinaryCrossentropy())\n"
    )
    # a relu regression with accuracy: KA211 is on by default, KA210 is not, in every hook
    (sample / "price.py").write_text(
        "import keras\n\nm = keras.Sequential([keras.layers.Dense(8, activation='relu'), "
        "keras.layers.Dense(1, activation='relu')])\nm.compile(optimizer='adam', loss='mse', metrics=['accuracy'])\n"
    )
    _git(sample, env, "init", "-q")
    _git(sample, env, "add", "-A")

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook, "--all-files", "--verbose"],
            cwd=sample, env=env, capture_output=True, text=True, check=False, timeout=480,
        )

    checked = try_repo("keras-activation")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "model.py:5:11: KA101" in checked.stdout
    assert "explore.ipynb:cell_1:3:27: KA101" in checked.stdout
    assert re.search(r"legacy/old.py:6:\d+: KA102", checked.stdout)
    assert "legacy/old.py:5:11: KA101" not in checked.stdout
    assert "generated" not in checked.stdout
    assert "head.py:4:34: KA203" in checked.stdout

    through_flake8 = try_repo("flake8-keras-activation")
    assert through_flake8.returncode == 1, through_flake8.stdout + through_flake8.stderr
    assert "model.py:5:11: KA101" in through_flake8.stdout
    # the same answers as the command's hook
    assert re.search(r"legacy/old.py:6:\d+: KA102", through_flake8.stdout)
    assert "legacy/old.py:5:11: KA101" not in through_flake8.stdout
    assert "generated" not in through_flake8.stdout
    assert "head.py:4:34: KA203" in through_flake8.stdout
    for output in (checked.stdout, through_flake8.stdout):
        assert "price.py:4:50: KA211" in output
        assert "KA210" not in output
    _git(sample, env, "rm", "-q", "-f", "price.py")  # KA211 has no mechanical fix: the clean run below needs it gone

    fixed = try_repo("keras-activation-fix")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "files were modified by this hook" in fixed.stdout
    assert "Rewriting model.py" in fixed.stdout
    assert 'model.add(Dense(100, activation="relu"))' in (sample / "model.py").read_text()
    assert 'layers.Dense(8, activation=\\"relu\\")' in (sample / "explore.ipynb").read_text()
    # what the configuration silences is not fixed either; what it excludes is not touched
    legacy = (sample / "legacy" / "old.py").read_text()
    assert "model.add(Dense(20, input_dim=2))" in legacy and "model.add(Dense(100))" in legacy
    assert (sample / "generated" / "made.py").read_text() == SEED
    assert "loss=keras.losses.BinaryCrossentropy(from_logits=True)" in (sample / "head.py").read_text()

    _git(sample, env, "add", "-A")
    again = try_repo("keras-activation-fix")
    assert again.returncode == 0, again.stdout + again.stderr
    clean = try_repo("keras-activation")
    assert clean.returncode == 0, clean.stdout + clean.stderr
