"""Which files a PATH argument stands for: Python files and notebooks, minus the usual excludes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

if TYPE_CHECKING:
    from .config import Configurations

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


class Unreadable(NamedTuple):
    """A directory the walk could not list: its files are unknown, which the user must hear."""

    path: str
    reason: str


class Discovered(NamedTuple):
    files: tuple[str, ...]
    missing: tuple[str, ...]  # arguments that name nothing on disk
    unreadable: tuple[Unreadable, ...] = ()
    # walked symbolic links to files outside the directory that was walked, with that directory:
    # `fix DIR` must not write there (a file named on the command line is the user's choice)
    outside: tuple[tuple[str, str], ...] = ()
    excluded: tuple[str, ...] = ()  # files named on the command line that the configuration excludes


def _excluded_dir(parent: str, name: str, configurations: Configurations | None) -> bool:
    config = configurations.for_directory(os.path.abspath(parent)) if configurations is not None else None
    if config is not None and config.excludes(os.path.join(parent, name)):
        return True
    # a configured `exclude` replaces the built-in list, as flake8's does
    if (config is None or config.exclude is None) and (name in EXCLUDED_DIRS or name.endswith(".egg-info")):
        return True
    # any virtual environment, whatever it is called (`env`, `.env311`, ...)
    return os.path.isfile(os.path.join(parent, name, "pyvenv.cfg"))


class _Entry(NamedTuple):
    name: str
    is_dir: bool  # a directory, or a link to one (listed as os.walk lists it, never entered)
    is_link: bool


def _entries(directory: str) -> list[_Entry]:
    """A directory's entries; OSError when it cannot be listed."""
    found = []
    with os.scandir(directory) as listing:
        for entry in listing:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            try:
                is_link = entry.is_symlink()
            except OSError:
                is_link = False
            found.append(_Entry(entry.name, is_dir, is_link))
    return found


def _walk(root: str, configurations: Configurations | None, unreadable: list[Unreadable],
          links: list[str]) -> Iterator[str]:
    """The source files under `root`, each directory's files before its subdirectories', in
    order of name, as os.walk gives them; but with a stack of its own, not recursion (os.walk
    recursed until Python 3.12: a file 1,000 directories deep ended in a RecursionError), and
    saying which directories could not be read (os.walk drops them without a word). Links to
    directories are not followed; the links to files are added to `links`."""
    pending = [root]
    while pending:
        parent = pending.pop()
        try:
            entries = _entries(parent)
        except OSError as error:
            unreadable.append(Unreadable(parent, error.strerror or str(error)))
            continue
        config = configurations.for_directory(os.path.abspath(parent)) if configurations is not None else None
        for entry in sorted((e for e in entries if not e.is_dir), key=lambda e: e.name):
            if entry.name.endswith(SOURCE_SUFFIXES):
                path = os.path.join(parent, entry.name)
                if config is None or not config.excludes(path):
                    if entry.is_link:
                        links.append(path)
                    yield path
        subdirectories = sorted(e.name for e in entries if e.is_dir and not e.is_link)
        kept = [name for name in subdirectories if not _excluded_dir(parent, name, configurations)]
        pending.extend(os.path.join(parent, name) for name in reversed(kept))


def _outside(root: str, links: Iterable[str]) -> list[tuple[str, str]]:
    """The links whose file is not under `root` (once every link on the way is resolved), each with `root`."""
    base = os.path.realpath(root)
    out = []
    for link in links:
        target = os.path.realpath(link)
        try:
            inside = os.path.commonpath([base, target]) == base
        except ValueError:  # another drive
            inside = False
        if not inside:
            out.append((link, root))
    return out


def excluded(path: str, configurations: Configurations | None) -> bool:
    """Whether the configuration excludes a file named on the command line (pre-commit names every
    file: its excludes must hold there too); the built-in list is for walking only."""
    return configurations is not None and configurations.for_path(path).excludes(path)


def git_ignored(root: str, paths: Iterable[str]) -> set[str]:
    """The paths (under `root`) that git ignores; empty when git is missing or `root` is no work tree."""
    import shutil
    import subprocess  # here: a check of named files never starts git

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


def discover(arguments: Iterable[str], configurations: Configurations | None = None) -> Discovered:
    """Named files count unless the configuration excludes them; directories are walked, skipping
    excluded and git-ignored paths. ConfigError when a configuration file on the way is unusable."""
    files: list[str] = []
    missing: list[str] = []
    unreadable: list[Unreadable] = []
    outside: list[tuple[str, str]] = []
    named: set[str] = set()
    named_excluded: list[str] = []
    seen: set[str] = set()
    for argument in arguments:
        if os.path.isdir(argument):
            links: list[str] = []
            found = list(_walk(argument, configurations, unreadable, links))
            # a directory named on the command line is checked even when git ignores it, as a
            # named file is: then git would ignore everything under it, and it is not consulted
            named_ignored = bool(git_ignored(argument, [os.path.join(argument, "")]))
            ignored = set() if named_ignored else git_ignored(argument, found)
            candidates = [path for path in found if path not in ignored]
            outside.extend(pair for pair in _outside(argument, links) if pair[0] not in ignored)
        elif os.path.exists(argument):
            candidates = [argument]
            if excluded(argument, configurations):
                candidates = []
                named_excluded.append(argument)
            named.add(os.path.normpath(os.path.abspath(argument)))
        else:
            missing.append(argument)
            continue
        for path in candidates:
            key = os.path.normpath(os.path.abspath(path))
            if key not in seen:
                seen.add(key)
                files.append(path)
    # a link both walked and named is the user's choice
    kept = tuple(pair for pair in outside if os.path.normpath(os.path.abspath(pair[0])) not in named)
    return Discovered(tuple(files), tuple(missing), tuple(unreadable), kept, tuple(named_excluded))
