"""The README's install lines, as written, work before any release: pip's VCS form and
pre-commit with a commit as `rev` (the repository has no tag). The repository's address is
replaced by a local clone of this project, the only change."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_keras_activation.links import REPOSITORY
from tests.test_precommit import SEED, _git, _hook_repository

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "PRE_COMMIT_COLOR": "never",
    }


def _head(repository: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_readme_pre_commit_snippet_works_with_a_commit_as_rev(tmp_path: Path) -> None:
    env = _env(tmp_path)
    [snippet] = [block for block in re.findall(r"```yaml\n(.*?)```", README, flags=re.S) if "rev:" in block]
    assert f"repo: {REPOSITORY}" in snippet and "rev: <a commit of main>" in snippet
    hooks = _hook_repository(tmp_path / "hooks", env)
    config = snippet.replace(REPOSITORY, hooks.as_uri()).replace("<a commit of main>", _head(hooks))
    sample = tmp_path / "sample"
    sample.mkdir()
    (sample / ".pre-commit-config.yaml").write_text(textwrap.dedent(config))
    (sample / "model.py").write_text(SEED)
    _git(sample, env, "init", "-q")
    _git(sample, env, "add", "-A")
    ran = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=sample, env=env,
                         capture_output=True, text=True, check=False, timeout=480)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "model.py:5:11: KA101" in ran.stdout


def test_the_readme_pip_vcs_install_works(tmp_path: Path) -> None:
    env = _env(tmp_path)
    [line] = sorted(set(re.findall(r'pip install "flake8-keras-activation @ git\+[^"]+"', README)))
    hooks = _hook_repository(tmp_path / "hooks", env)
    # file://localhost/...: a URL with a host, which the pip a fresh venv has (23.x) insists on
    requirement = line.split('"')[1].replace(REPOSITORY, f"file://localhost{hooks}") + "@" + _head(hooks)
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", requirement], env=env,
                               capture_output=True, text=True, check=False, timeout=600)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    (tmp_path / "model.py").write_text(SEED)
    flake8 = subprocess.run([str(python), "-m", "flake8", "--select=KA", "model.py"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False)
    assert flake8.returncode == 1 and "model.py:5:11: KA101" in flake8.stdout, flake8.stdout + flake8.stderr
