"""The README's runtime commands, as written, in a fresh virtual environment with only the runtime extra."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Builds a virtual environment and installs Keras and JAX into it: about 30 s from pip's cache on
# two busy cores. `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
RUNTIME = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")  # the runtime's page, which the README links
SKIPPED = shutil.ignore_patterns(".venv", ".git", ".tox", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")


def _bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)


def _section(heading: str, text: str = README) -> str:
    start = text.index(heading)
    following = text.find("\n#", start + len(heading))
    return text[start : following if following != -1 else len(text)]


def _run(command: list[str] | str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if isinstance(command, str):
        command = ["bash", "-euo", "pipefail", "-c", command]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.skipif(sys.platform == "win32", reason="the README's commands are for a POSIX shell")
def test_the_readme_runtime_commands_work_in_a_fresh_environment_with_only_the_runtime_extra(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=SKIPPED)
    # The environment of a user who has chosen nothing: Keras would load TensorFlow.
    base = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "KERAS_HOME", "VIRTUAL_ENV", "PYTHONPATH")}

    quick = [block for block in _bash_blocks(_section("## Quick start")) if "KERAS_BACKEND" in block]
    assert len(quick) == 1, "the quick start shows one runtime block"
    install, *use = quick[0].splitlines()
    assert ".[runtime]" in install
    started = time.monotonic()
    installed = _run(install, clone, base)  # the user's own pip configuration and cache
    took = time.monotonic() - started
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    python = clone / ".venv" / "bin" / "python"
    assert _run([str(python), "-c", "import importlib.util as u; print(u.find_spec('tensorflow'))"], clone, base).stdout.strip() == "None"

    # From here on, a home without ~/.keras: a user who has never run Keras.
    user = dict(base, HOME=str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    quick_run = _run("\n".join(use), clone, user)
    assert quick_run.returncode == 0, quick_run.stderr
    assert "affine: one affine map 2 -> 1, rank 1" in quick_run.stdout

    # Without the choice: Keras's own error in a process that imports Keras first ...
    alone = _run([str(python), "-c", "import keras"], clone, user)
    assert alone.returncode == 1 and "No module named 'tensorflow'" in alone.stderr
    # ... one line where our code imports it ...
    command = clone / ".venv" / "bin" / "flake8-keras-activation"
    refused = _run([str(command), "confirm", "examples/collapsed_mlp.py"], clone, dict(user, KERAS_BACKEND="tensorflow"))
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "flake8-keras-activation confirm: error: Keras's backend is tensorflow (KERAS_BACKEND), which is not "
        "installed; jax is: set KERAS_BACKEND=jax"
    ]
    assert _run([str(command), "confirm", "examples/collapsed_mlp.py"], clone, user).returncode == 1  # its own choice
    # ... and an installed backend where our module is imported first.
    first = _run([str(python), "-c", "import flake8_keras_activation.runtime, keras; print(keras.backend.backend())"],
                 clone, user)
    assert first.returncode == 0 and first.stdout.strip() == "jax", first.stderr

    # The runtime section's commands for every process: keras.json, then a process that imports Keras first.
    runtime = _bash_blocks(_section("### Choosing the backend", RUNTIME))
    assert runtime[0] == "export KERAS_BACKEND=jax"
    fresh = dict(base, HOME=str(tmp_path / "home2"), PATH=f"{clone / '.venv' / 'bin'}{os.pathsep}{base['PATH']}")
    (tmp_path / "home2").mkdir()
    for block in runtime:
        chosen = _run(f"{block}\npython -c 'import keras; print(keras.backend.backend())'", clone, fresh)
        assert chosen.returncode == 0 and chosen.stdout.strip() == "jax", block + chosen.stderr
    assert '"backend": "jax"' in (tmp_path / "home2" / ".keras" / "keras.json").read_text()
    print(f"fresh install of the runtime extra: {took:.1f} s")
