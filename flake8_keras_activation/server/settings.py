"""The server's options, from the editor, and the one decision of which codes a document gets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from ..catalog import LINEAR_ACTIVATIONS
from ..config import CONFIG_FILES, Config, ConfigError, Overrides, Reloading, read_file, selection
from ..rules.collapse import DEFAULT_ACTIVATION
from ..selection import Selection, parse_codes

SECTION = "flake8-keras-activation"  # the key clients nest these settings under
DEFAULT_DEBOUNCE_MS = 40  # the latency goal is 100 ms from a keystroke to its diagnostics


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    activation: str | None = None  # None: the project's configuration says, else relu
    unsafe_fixes: bool | None = None  # None: the project's configuration says, else no
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    documentation_url: str | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)  # what was not understood, for the log


def _codes(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return parse_codes(value)
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return parse_codes(",".join(value))
    return None


def read_settings(raw: Any) -> Settings:
    """Settings from initializationOptions or workspace/didChangeConfiguration; what does not fit is
    left at its default and named in `problems`, never an error (the editor has no one to tell)."""
    if isinstance(raw, Mapping) and isinstance(raw.get(SECTION), Mapping):
        raw = raw[SECTION]
    if not isinstance(raw, Mapping):
        return Settings()
    values: dict[str, Any] = {}
    problems = []
    for key, name in (("select", "select"), ("extendSelect", "extend_select"), ("ignore", "ignore")):
        if key in raw and raw[key] is not None:
            codes = _codes(raw[key])
            if codes is None:
                problems.append(f"{key}: expected a list of codes")
            else:
                values[name] = codes
    activation = raw.get("activation")
    if activation is not None:
        from ..config import ACTIVATION_NAME  # the fixer's own rule for what it may write

        if isinstance(activation, str) and ACTIVATION_NAME.match(activation) and activation not in LINEAR_ACTIVATIONS:
            values["activation"] = activation
        else:
            problems.append("activation: expected the name of a nonlinear activation")
    unsafe = raw.get("unsafeFixes")
    if unsafe is not None:
        if isinstance(unsafe, bool):
            values["unsafe_fixes"] = unsafe
        else:
            problems.append("unsafeFixes: expected true or false")
    debounce = raw.get("debounceMs")
    if debounce is not None:
        if isinstance(debounce, (int, float)) and not isinstance(debounce, bool) and 0 <= debounce <= 10_000:
            values["debounce_ms"] = int(debounce)
        else:
            problems.append("debounceMs: expected milliseconds between 0 and 10000")
    url = raw.get("documentationUrl")
    if url is not None:
        if isinstance(url, str):
            values["documentation_url"] = url
        else:
            problems.append("documentationUrl: expected a string")
    return Settings(**values, problems=tuple(problems))


NOTHING = Selection(select=())  # what an excluded file reports


class DocumentOptions(NamedTuple):
    """What one document gets: the project's configuration for its path, with the editor's settings on top."""

    selection: Selection
    activation: str = DEFAULT_ACTIVATION  # what KA101's fix writes and its message names
    unsafe_fixes: bool = False  # whether fix-all makes the unsafe fixes too (quick fixes offer them anyway)


def options_for(path: str | None, settings: Settings, configurations: Reloading | None = None) -> DocumentOptions:
    """What the document at `path` (None: not a file on disk) gets.

    The configuration `check` reads for that path (pyproject.toml, else flake8's INI files: the
    selection with per-file-ignores, `exclude`, `activation` and `unsafe-fixes`), and the editor's
    settings on top: its `select` replaces the file's, its `extendSelect` and `ignore` add to them,
    its `activation` and `unsafeFixes` win.
    An unusable file is logged by the caller and left out.
    """
    config = Config(root=os.getcwd())
    if path is not None and configurations is not None:
        config = configurations.for_path(path)
    overrides = Overrides(select=settings.select, extend_select=settings.extend_select, extend_ignore=settings.ignore)
    unsafe = settings.unsafe_fixes if settings.unsafe_fixes is not None else config.unsafe_fixes
    chosen = selection(config, path, overrides)
    if path is not None and config.excludes(path):
        chosen = NOTHING  # as `check` skips a file its configuration excludes, named or not
    return DocumentOptions(
        selection=chosen,
        activation=settings.activation or config.activation or DEFAULT_ACTIVATION,
        unsafe_fixes=bool(unsafe),
    )


def selection_for(path: str | None, settings: Settings, configurations: Reloading | None = None) -> Selection:
    """Which codes to report for the document at `path`: `options_for`'s selection."""
    return options_for(path, settings, configurations).selection


def configured(path: str | None, settings: Settings, configurations: Reloading) -> tuple[DocumentOptions, str]:
    """`options_for` that never fails: when the project's configuration cannot be used, the
    editor's settings alone, and one line saying why ("" when nothing went wrong).

    Any failure of the configuration reader counts, not only its ConfigError: a file it chokes on
    (a RecursionError from arrays nested ten thousand deep) must not cost the editor its
    diagnostics. The line names the file, and the key when the reader says it.
    """
    try:
        return options_for(path, settings, configurations), ""
    except ConfigError as error:
        problem = str(error)
    except Exception as error:  # a bug of the reader's, or a file beyond its means: still serve
        source = _unreadable(path) if path is not None else None
        problem = f"{source or 'the configuration of ' + str(path)}: cannot be read ({type(error).__name__}: {error})"
    return options_for(path, settings), problem


def _unreadable(path: str) -> str | None:
    """The configuration file the reader fails on, looked for in the reader's own order (each
    directory's files from `path` upward, up to the first one with a section of ours)."""
    directory = os.path.dirname(os.path.abspath(path))
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                try:
                    if read_file(candidate) is not None:
                        return None
                except Exception:
                    return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
