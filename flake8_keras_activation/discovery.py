"""Which files a PATH argument stands for: Python files and notebooks, minus the usual excludes."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Iterable, Iterator

SOURCE_SUFFIXES = (".py", ".ipynb")
# Directories that hold no code of the user's own, or only copies of it.
EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".pytest_cache",
    }
)


@dataclass(frozen=True)
class Discovered:
    files: tuple[str, ...]
    missing: tuple[str, ...]  # arguments that name nothing on disk


def _excluded_dir(parent: str, name: str) -> bool:
    if name in EXCLUDED_DIRS or name.endswith(".egg-info"):
        return True
    # any virtual environment, whatever it is called (`env`, `.env311`, ...)
    return os.path.isfile(os.path.join(parent, name, "pyvenv.cfg"))


def _walk(root: str) -> Iterator[str]:
    for parent, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _excluded_dir(parent, d))
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.join(parent, name)


def git_ignored(root: str, paths: Iterable[str]) -> set[str]:
    """The paths (under `root`) that git ignores; empty when git is missing or `root` is no work tree."""
    paths = list(paths)
    git = shutil.which("git")
    if not paths or git is None:
        return set()
    relative = {os.path.relpath(path, root): path for path in paths}
    try:
        result = subprocess.run(
            [git, "check-ignore", "-z", "--stdin"],
            cwd=root,
            input="\0".join(relative).encode("utf-8", "surrogateescape"),
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    # 0: some are ignored, 1: none is, 128: not a work tree (or another fatal error)
    if result.returncode != 0:
        return set()
    ignored = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    return {relative[name] for name in ignored if name in relative}


def discover(arguments: Iterable[str]) -> Discovered:
    """Named files always count; directories are walked, skipping excluded and git-ignored paths."""
    files: list[str] = []
    missing: list[str] = []
    seen: set[str] = set()
    for argument in arguments:
        if os.path.isdir(argument):
            found = list(_walk(argument))
            # a directory named on the command line is checked even when git ignores it, as a
            # named file is: then git would ignore everything under it, and it is not consulted
            named_ignored = bool(git_ignored(argument, [os.path.join(argument, "")]))
            ignored = set() if named_ignored else git_ignored(argument, found)
            candidates = [path for path in found if path not in ignored]
        elif os.path.exists(argument):
            candidates = [argument]
        else:
            missing.append(argument)
            continue
        for path in candidates:
            key = os.path.normpath(os.path.abspath(path))
            if key not in seen:
                seen.add(key)
                files.append(path)
    return Discovered(tuple(files), tuple(missing))
