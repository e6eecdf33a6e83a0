"""The project's configuration for the command and the server: pyproject.toml, else flake8's INI files."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from typing import Any, Iterable, Mapping, NamedTuple

from .catalog import LINEAR_ACTIVATIONS
from .codes import CODES
from .selection import Selection, parse_codes

TABLE = "flake8-keras-activation"  # [tool.flake8-keras-activation]
# flake8's order within one directory; pyproject.toml comes first, as it holds our own table
INI_FILES = ("setup.cfg", "tox.ini", ".flake8")
CONFIG_FILES = ("pyproject.toml", *INI_FILES)
KEYS = ("select", "extend-select", "ignore", "extend-ignore", "per-file-ignores", "exclude", "extend-exclude",
        "activation", "unsafe-fixes")
# configparser's words for a boolean, which is how an INI file says `unsafe-fixes = true`
_INI_BOOLEANS = {"1": True, "yes": True, "true": True, "on": True, "0": False, "no": False, "false": False,
                 "off": False}
# the fixer's own rule for what it may write (fix.py imports it from here, so that reading the
# configuration never loads libcst)
ACTIVATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# The largest configuration file read: the largest real pyproject.toml files are a few hundred KB,
# and a 3 GiB sparse one cost 6 GB of memory before anything was parsed (tomllib's objects cost
# many times the text, so this stays far below the 64 MiB of a source file).
MAX_CONFIG_BYTES = 4 * 2**20
# Nesting deeper than this in a TOML value is named as the reason when tomllib runs out of stack
# (it recurses once or twice per level, so it fails near 500); real configurations nest twice.
_DEEP = 100
# flake8's per-file-ignores syntax: `glob:CODES` pairs, separated by whitespace or commas
_PER_FILE_TOKEN = re.compile(r"\s*(?:(?P<colon>:)|(?P<sep>,)|(?P<code>[A-Z]+[0-9]*)(?=[\s,]|$)|(?P<file>[^\s:,]+))")


class ConfigError(Exception):
    """A configuration the command cannot use; the message is one line naming the file and the key."""


class Config(NamedTuple):
    """What one configuration file says; relative globs are read from `root`, its directory."""

    root: str
    source: str | None = None  # the file, None when there is none (or --isolated)
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] | None = None
    extend_ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] | None = None  # None: the built-in excludes of discovery.py
    extend_exclude: tuple[str, ...] = ()
    activation: str | None = None
    unsafe_fixes: bool | None = None  # None: not said here (fix applies only the safe fixes)

    def excludes(self, path: str) -> bool:
        """Whether `path` (a file or directory) matches `exclude` or `extend-exclude`."""
        patterns = (*(self.exclude or ()), *self.extend_exclude)
        return bool(patterns) and matches(path, patterns, self.root)

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """The codes per-file-ignores ignores in `path`."""
        return tuple(code for glob, codes in self.per_file_ignores if matches(path, (glob,), self.root)
                     for code in codes)


class Overrides(NamedTuple):
    """The command line's selection, over the file's: --select and --ignore replace, the extend- options add."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] | None = None
    extend_ignore: tuple[str, ...] = ()


def selection(config: Config, path: str | None, overrides: Overrides = Overrides()) -> Selection:
    """The codes reported in `path` (None: no file): flake8's composition of the file and the command line."""
    select = overrides.select if overrides.select is not None else config.select
    ignore = overrides.ignore if overrides.ignore is not None else (config.ignore or ())
    per_file = config.ignored_for(path) if path is not None else ()
    return Selection(
        select=select,
        extend_select=(*config.extend_select, *overrides.extend_select),
        ignore=(*ignore, *config.extend_ignore, *overrides.extend_ignore, *per_file),
    )


def matches(path: str, patterns: Iterable[str], root: str) -> bool:
    """flake8's matching: a pattern with a slash is a path relative to `root` (a directory matches what
    it holds); one without matches the name of the file or of any directory on its way from `root`."""
    absolute = os.path.normpath(os.path.abspath(path))
    relative = os.path.relpath(absolute, root) if absolute.startswith(root.rstrip(os.sep) + os.sep) else None
    names = relative.split(os.sep) if relative is not None else [os.path.basename(absolute)]
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        if "/" in pattern or os.sep in pattern:
            full = os.path.normpath(os.path.join(root, pattern))
            if fnmatch.fnmatch(absolute, full) or absolute.startswith(full.rstrip(os.sep) + os.sep):
                return True
        elif any(fnmatch.fnmatch(name, pattern) for name in names):
            return True
    return False


# ---- reading ----------------------------------------------------------------------------------


def _fail(source: str, key: str, expected: str) -> ConfigError:
    return ConfigError(f"{source}: [{_section(source)}] {key}: {expected}")


def _section(source: str) -> str:
    return f"tool.{TABLE}" if os.path.basename(source) == "pyproject.toml" else "flake8"


def _our_codes(source: str, key: str, codes: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [code for code in codes if not any(known.startswith(code) for known in CODES)]
    if unknown:
        raise _fail(source, key, f"unknown code or prefix {', '.join(unknown)} (the codes are {', '.join(CODES)})")
    return codes


def _toml_codes(source: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return _our_codes(source, key, parse_codes(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return _our_codes(source, key, parse_codes(",".join(value)))
    raise _fail(source, key, "expected a list of codes")


def _toml_globs(source: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _fail(source, key, "expected a list of paths or globs")


def _activation(source: str, key: str, value: Any) -> str:
    if isinstance(value, str) and ACTIVATION_NAME.match(value) and value not in LINEAR_ACTIVATIONS:
        return value
    raise _fail(source, key, "expected the name of a nonlinear activation")


def from_table(source: str, table: Mapping[str, Any]) -> Config:
    """[tool.flake8-keras-activation]: every key ours, every value checked."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{source}: [tool.{TABLE}] unknown key {key!r} (the keys are {', '.join(KEYS)})")
        name = key.replace("-", "_")
        if key in ("exclude", "extend-exclude"):
            values[name] = _toml_globs(source, key, value)
        elif key == "activation":
            values[name] = _activation(source, key, value)
        elif key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise _fail(source, key, "expected true or false")
            values[name] = value
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise _fail(source, key, "expected a table of glob = [codes]")
            values[name] = tuple(
                (str(glob), _toml_codes(source, f"{key}.{glob}", codes)) for glob, codes in value.items()
            )
        else:
            values[name] = _toml_codes(source, key, value)
    return Config(root=os.path.dirname(os.path.abspath(source)), source=source, **values)


def _ini_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[,\n]", value) if part.strip())


def parse_per_file_ignores(source: str, value: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """flake8's `glob:CODES` pairs (`tests/*: E501,KA101  setup.py:E1`)."""
    pairs: list[tuple[str, tuple[str, ...]]] = []
    files: list[str] = []
    codes: list[str] = []
    after_colon = False
    position = 0
    while position < len(value):
        match = _PER_FILE_TOKEN.match(value, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        if match.group("colon"):
            if not files:
                raise _fail(source, "per-file-ignores", "expected `glob:CODES` pairs")
            after_colon = True
        elif match.group("code") and after_colon:
            codes.append(match.group("code"))
        elif match.group("code") or match.group("file"):
            if after_colon:
                pairs.extend((name, tuple(codes)) for name in files)
                files, codes, after_colon = [], [], False
            files.append(match.group("code") or match.group("file"))
    if files and not after_colon:
        raise _fail(source, "per-file-ignores", "expected `glob:CODES` pairs")
    pairs.extend((name, tuple(codes)) for name in files)
    return tuple(pairs)


def from_ini(source: str, section: Mapping[str, str]) -> Config:
    """flake8's section: our keys read (as flake8 spells them, dashes or underscores), the others left
    to flake8. Codes of other tools are kept: flake8's selection treats them the same way."""
    values: dict[str, Any] = {}
    for raw_key, value in section.items():
        key = raw_key.replace("_", "-")
        if key not in KEYS:
            continue
        name = key.replace("-", "_")
        if key in ("exclude", "extend-exclude"):
            values[name] = _ini_list(value)
        elif key == "activation":
            values[name] = _activation(source, key, value.strip())
        elif key == "unsafe-fixes":
            flag = _INI_BOOLEANS.get(value.strip().lower())
            if flag is None:
                raise _fail(source, key, "expected true or false")
            values[name] = flag
        elif key == "per-file-ignores":
            values[name] = parse_per_file_ignores(source, value)
        else:
            values[name] = parse_codes(value)
    return Config(root=os.path.dirname(os.path.abspath(source)), source=source, **values)


def _load_toml(source: str, text: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        return dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    except RecursionError:
        # tomllib recurses per level of arrays and inline tables: say where, not its 3,000 frames
        deep = too_deep(text, _DEEP)
        if deep is None:
            raise ConfigError(f"{source}: not valid TOML: nested too deeply to be read") from None
        table, key, line = deep
        where = f"[{table}] {key}" if table else key
        raise ConfigError(f"{source}: {where}: nested more than {_DEEP} levels deep (line {line})") from None


def too_deep(text: str, limit: int) -> tuple[str, str, int] | None:
    """The table, key and line of the first TOML value that nests arrays or inline tables more
    than `limit` deep, or None. A scan of brackets outside strings and comments: it only names the
    place once tomllib has failed, so an approximation costs a message, never a configuration."""
    table, key, key_line, depth, line, position, start = "", "", 0, 0, 1, 0, 0
    while position < len(text):
        char = text[position]
        if char == "\n":
            line, start = line + 1, position + 1
        elif char == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        elif char in "\"'":
            position, line = _past_string(text, position, line)
            continue
        elif char == "[" and depth == 0 and not text[start:position].strip():
            end = text.find("]", position)
            table = text[position:end].strip("[] \t") if end > 0 else table
        elif char in "[{":
            depth += 1
            if depth > limit:
                return table, key, key_line
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "=" and depth == 0:
            key, key_line = text[start:position].strip(), line
        position += 1
    return None


def _past_string(text: str, position: int, line: int) -> tuple[int, int]:
    """Where a TOML string that opens at `position` ends, and the line it ends on."""
    quote = text[position]
    delimiter = quote * 3 if text.startswith(quote * 3, position) else quote
    at = position + len(delimiter)
    while at < len(text):
        if text[at] == "\\" and quote == '"':
            at += 2
            continue
        if text.startswith(delimiter, at):
            end = at + len(delimiter)
            return end, line + text.count("\n", position, end)
        if text[at] == "\n" and len(delimiter) == 1:
            break  # an unclosed one-line string: tomllib has said so already
        at += 1
    return at, line + text.count("\n", position, at)


def _read_text(source: str) -> str:
    """A configuration file's text: a regular file of at most MAX_CONFIG_BYTES, told by `stat`
    before it is opened and again on the descriptor (as a source is: a FIFO would block, and
    /dev/zero would never end)."""
    try:
        info = os.stat(source)
        _check_size(source, info)
        descriptor = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(descriptor, "rb") as stream:
            _check_size(source, os.fstat(stream.fileno()))
            data = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{source}: cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_CONFIG_BYTES:  # it grew since fstat
        raise ConfigError(f"{source}: not read: over the limit of {MAX_CONFIG_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{source}: cannot be read: {error}") from None


def _check_size(source: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{source}: cannot be read: not a regular file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{source}: not read: {info.st_size} bytes, over the limit of {MAX_CONFIG_BYTES} bytes")


def read_file(source: str, explicit: bool = False) -> Config | None:
    """The configuration a file holds, or None when it has no section of ours (an explicit --config
    must have one)."""
    text = _read_text(source)
    if os.path.basename(source) == "pyproject.toml" or (explicit and source.endswith(".toml")):
        if TABLE not in text and not explicit:
            return None  # the common case: no need to parse the whole file
        tool = _load_toml(source, text).get("tool", {})
        table = tool.get(TABLE) if isinstance(tool, dict) else None
        if table is None:
            if explicit:
                raise ConfigError(f"{source}: no [tool.{TABLE}] table")
            return None
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [tool.{TABLE}] must be a table")
        return from_table(source, table)
    import configparser  # only where a project has an INI file

    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source)
    except configparser.Error as error:
        first = str(error).strip().splitlines()
        raise ConfigError(f"{source}: not a valid INI file: {first[0] if first else type(error).__name__}") from None
    if not parser.has_section("flake8"):
        if explicit:
            raise ConfigError(f"{source}: no [flake8] section")
        return None
    return from_ini(source, dict(parser.items("flake8")))


class Configurations:
    """The configuration of each path: the nearest file with a section of ours, from the path's
    directory upward (one directory's pyproject.toml first, then setup.cfg, tox.ini, .flake8);
    --config names one file for every path, --isolated reads none."""

    def __init__(self, explicit: str | None = None, isolated: bool = False) -> None:
        self.isolated = isolated
        self.fixed: Config | None = None
        self._by_dir: dict[str, Config] = {}
        if isolated:
            self.fixed = Config(root=os.getcwd())
        elif explicit is not None:
            if not os.path.isfile(explicit):
                raise ConfigError(f"{explicit}: --config: no such file")
            self.fixed = read_file(explicit, explicit=True)

    def for_path(self, path: str) -> Config:
        """The configuration that governs a file or directory."""
        if self.fixed is not None:
            return self.fixed
        absolute = os.path.abspath(path)
        directory = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
        return self.for_directory(directory)

    def for_directory(self, directory: str) -> Config:
        if self.fixed is not None:
            return self.fixed
        # upward in a loop, not by recursion: a file 1,000 directories deep exhausted Python's stack
        passed: list[str] = []
        current = directory
        while True:
            found = self._by_dir.get(current)
            if found is not None:
                break
            found = self._read_directory(current)
            if found is not None:
                self._by_dir[current] = found
                break
            passed.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                found = Config(root=os.getcwd())
                break
            current = parent
        for name in passed:  # the directories without a file of ours take the one above them
            self._by_dir[name] = found
        return found

    @staticmethod
    def _read_directory(directory: str) -> Config | None:
        """The configuration of the first file in `directory` with a section of ours, if any."""
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                config = read_file(candidate)
                if config is not None:
                    return config
        return None


def _states(path: str) -> dict[str, tuple[int, int] | None]:
    """Every file that could configure `path`, from its directory up, with its modification time and
    size (None: absent)."""
    directory = os.path.dirname(os.path.abspath(path))
    found: dict[str, tuple[int, int] | None] = {}
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            try:
                info = os.stat(candidate)
                found[candidate] = (info.st_mtime_ns, info.st_size)
            except OSError:
                found[candidate] = None
        parent = os.path.dirname(directory)
        if parent == directory:
            return found
        directory = parent


class Reloading:
    """Configurations for a long-running process (the language server): read again when any file they
    came from, or could come from, is created, changed or removed."""

    def __init__(self) -> None:
        self._current = Configurations()
        self._known: dict[str, tuple[int, int] | None] = {}

    def forget(self) -> None:
        """Read everything again next time (a watched configuration file changed)."""
        self._current = Configurations()
        self._known = {}

    def for_path(self, path: str) -> Config:
        """The configuration of `path` as its files are now; ConfigError as Configurations gives it."""
        states = _states(path)
        if any(name in self._known and self._known[name] != state for name, state in states.items()):
            self.forget()
        self._known.update(states)
        return self._current.for_path(path)
