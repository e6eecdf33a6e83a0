"""The files the command works on: Python sources in their own encoding, notebooks as cells.

Both kinds give the analysis one Python text, map its findings back to where the user sees
them, and apply the fixer while keeping every byte the fix does not change.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import errno
import gc
import io
import os
import re
import stat
import tokenize
import warnings
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterator, NamedTuple, Sequence, Union

from .finding import Finding
from .noqa import add_noqa
from .notebook import Notebook, NotebookError, fix_finding, fix_text, read_notebook, unmask
from .screen import LIMIT_TEXT, may_hold_finding, too_large
from .selection import Selection, reported
from .source import analyze_graphs, extract_graphs, source_lines

if TYPE_CHECKING:  # the fixer imports libcst: only the fix command loads it
    from .fix import FixResult


# how codes.py's messages name the line of another layer
_LINE_REFERENCE = re.compile(r"\(line (\d+)\)")
# What a name must not print as it is in a line of text output: a newline or carriage return would
# start a line of the name's choosing (a forged finding), other C0 and C1 controls and DEL drive
# the terminal (colours, cursor moves), the Unicode line and paragraph separators end lines for
# some readers, and the bidirectional overrides and isolates reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` (a path, a message) for one line of text output: the characters above escaped as
    Python and JSON write them (`\\n`, `\\x1b`, `\\u2028`); every other character, accented letters
    and other scripts included, as it is. JSON and GitHub's format escape in their own way."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


class DocumentError(Exception):
    """A file that cannot be read or understood; the message is one line."""


class NotWritten(Exception):
    """A fixed file left as it was on purpose (read-only, changed meanwhile); the message is one line."""


# Beyond this size a file is not even read (a string literal costs its size once in memory);
# below it, the analysis has a limit of its own (screen.MAX_SYNTAX_UNITS), which flake8 keeps too.
MAX_FILE_BYTES = 64 * 2**20


class Stamp(NamedTuple):
    """What a file was when it was read: enough to notice an edit made since."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, info: os.stat_result, data: bytes) -> Stamp:
        import hashlib  # here, as tempfile below: a one-file check starts in milliseconds

        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, hashlib.sha256(data).hexdigest())


class Problem(NamedTuple):
    """Something about a file that needs the user's attention and is not a finding."""

    path: str
    message: str
    cell: int | None = None
    label: str = "error"  # "" for a file left alone on purpose (`path: not fixed: read-only`)

    def __str__(self) -> str:
        path, message = printable(self.path), printable(self.message)
        where = f"{path}:cell_{self.cell}" if self.cell is not None else path
        return f"{where}: {self.label}: {message}" if self.label else f"{where}: {message}"


class Link(NamedTuple):
    """A layer on a finding's chain, where the user sees it (as Located places a finding)."""

    line: int
    col: int
    label: str  # "collapses into Dense(100)"
    cell: int | None = None
    file_line: int | None = None


class Located(NamedTuple):
    """A finding where the user sees it: a line of a file, or a line of a notebook cell."""

    path: str
    finding: Finding
    line: int  # 1-based, in the file or in the cell
    col: int  # 0-based, in characters
    cell: int | None = None  # the notebook cell's number, 1-based, counting every cell
    file_line: int | None = None  # the line of the notebook's JSON text that shows it
    related: tuple[Link, ...] = ()  # the chain, when it was asked for (SARIF)
    end_line: int | None = None  # where the construct ends, when it was asked for
    end_col: int | None = None
    source: str | None = None  # the line's text, for --show-source
    end_file_line: int | None = None  # in a notebook, the line of its JSON text that shows end_line
    fixable: bool = False  # `fix` would fix it, under the run's unsafe-fixes setting (the text format's [*])

    @property
    def place(self) -> str:
        """`path:line:col` (col 1-based, as flake8 prints it), or `path:cell_N:line:col`; the path
        printable on one line."""
        cell = f":cell_{self.cell}" if self.cell is not None else ""
        return f"{printable(self.path)}{cell}:{self.line}:{self.col + 1}"


class Skip(NamedTuple):
    located: Located
    reason: str


class Fixed(NamedTuple):
    """What `fix` did to one file; `new` is None when nothing changed."""

    path: str
    old: str
    new: str | None
    fixed: tuple[Located, ...] = ()
    skipped: tuple[Skip, ...] = ()
    problems: tuple[Problem, ...] = ()


def parse(text: str) -> ast.Module:
    """The module's tree; DocumentError with a one-line reason when it does not parse."""
    try:
        with warnings.catch_warnings():  # the user's invalid escapes are not ours to report
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except SyntaxError as error:
        where = f" (line {error.lineno})" if error.lineno else ""
        raise DocumentError(f"does not parse: {error.msg}{where}") from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise DocumentError(f"does not parse: {error}") from None


class Analysed(NamedTuple):
    """A reported finding of a module, with where its construct ends and its chain when asked for."""

    finding: Finding
    end: tuple[int, int] | None = None  # (line, col) in the module
    links: tuple[Link, ...] = ()


def _analyze(text: str, selection: Selection, detail: bool) -> list[Analysed]:
    """The reported findings of a module; with `detail`, their ends and chains (SARIF, GitHub).

    The screen comes first and the text is parsed once: a file that cannot hold a finding is
    never parsed (flake8 reports a syntax error in it; we have nothing to say about it).
    """
    if not may_hold_finding(text):
        return []
    with _no_cycle_collection():
        return _analyze_parsed(text, parse(text), selection, detail)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for one file's parse and analysis, then one young-generation pass.

    A syntax tree is hundreds of thousands of new objects and no cycles: while it is built and
    read, the collector would walk them again and again for nothing (a quarter of the time of a
    check of many files). What the analysis leaves in cycles is collected once, after the file.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


def _analyze_parsed(text: str, tree: ast.Module, selection: Selection, detail: bool) -> list[Analysed]:
    try:
        lines = source_lines(text)
        graphs = extract_graphs(tree, lines)
        found = reported(analyze_graphs(graphs), text, selection)
        if not detail or not found:
            return [Analysed(finding) for finding in found]
        from .chains import chains
        from .spans import highlighted, spans

        ranges = spans(tree, lines, [(f.line, f.col, highlighted(f)) for f in found])
        out = []
        for finding, layers in zip(found, chains(found, graphs)):
            span = ranges[(finding.line, finding.col, highlighted(finding))]
            links = tuple(Link(n.line, n.col or 0, label) for n, label in layers if n.line is not None)
            out.append(Analysed(finding, (span.end_line, span.end_col), links))
        return out
    except Exception as error:  # a bug of ours must not cost the user the other files
        raise DocumentError(f"the analysis failed ({type(error).__name__}: {error}); please report it") from None


def cell_lines(notebook: Notebook, message: str, cell_number: int) -> str:
    """A message's `(line N)` counts lines of the concatenated cells: say the cell's line instead."""

    def in_cell(match: re.Match[str]) -> str:
        cell, line = notebook.locate(int(match.group(1)))
        return f"(line {line})" if cell.number == cell_number else f"(cell {cell.number}, line {line})"

    return _LINE_REFERENCE.sub(in_cell, message)


class PythonFile(NamedTuple):
    path: str
    text: str
    encoding: str  # the codec that gives the file's bytes back, "utf-8-sig" keeping a BOM
    stamp: Stamp | None = None  # the file as it was read, checked again before a fix writes

    @property
    def module(self) -> str:
        return self.text

    def problems(self) -> tuple[Problem, ...]:
        return ()

    def findings(self, selection: Selection, detail: bool = False) -> list[Located]:
        out = []
        for item in _analyze(self.text, selection, detail):
            f = item.finding
            end_line, end_col = item.end if item.end is not None else (None, None)
            out.append(Located(self.path, f, f.line, f.col, related=item.links, end_line=end_line, end_col=end_col))
        return out

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)

    def add_noqa(self, findings: Sequence[Located]) -> tuple[str | None, list[Located]]:
        """The text with a `# noqa: CODE` on each finding's line (None: unchanged), and the findings
        whose line cannot take a comment (it ends inside a string)."""
        by_finding = {item.finding: item for item in findings}
        new, left = add_noqa(self.text, list(by_finding))
        return (new if new != self.text else None), [by_finding[f] for f in left]

    def fix(self, findings: Sequence[Located], activation: str) -> Fixed:
        from .fix import FixError, fix_source

        by_finding = {item.finding: item for item in findings}
        try:
            result = fix_source(self.text, [item.finding for item in findings], activation)
        except FixError as error:
            return Fixed(self.path, self.text, None, problems=(Problem(self.path, f"not fixed: {error}"),))
        return Fixed(
            self.path,
            self.text,
            result.text if result.changed else None,
            tuple(by_finding[f] for f in result.fixed),
            tuple(Skip(by_finding[s.finding], s.reason) for s in result.skipped),
        )


class NotebookFile(NamedTuple):
    path: str
    notebook: Notebook
    bom: bool
    stamp: Stamp | None = None

    @property
    def text(self) -> str:
        return self.notebook.text

    @property
    def module(self) -> str:
        return self.notebook.module

    def problems(self) -> tuple[Problem, ...]:
        return tuple(
            Problem(self.path, cell.problem, cell.number) for cell in self.notebook.cells if cell.problem is not None
        )

    def locate(self, finding: Finding, analysed: Analysed | None = None) -> Located:
        """Where the user sees a finding: the cell's own line and column (an indented cell's column
        counts the indentation IPython removed)."""
        cell, line = self.notebook.locate(finding.line)
        shown = finding._replace(message=cell_lines(self.notebook, finding.message, cell.number))
        col = cell.column(line, finding.col)
        located = Located(self.path, shown, line, col, cell.number, self.notebook.json_line(cell, line))
        if analysed is None:
            return located
        end_line, end_col, end_file_line = None, None, None
        if analysed.end is not None:
            end_cell, end_line = self.notebook.locate(analysed.end[0])
            end_col = end_cell.column(end_line, analysed.end[1])
            end_file_line = self.notebook.json_line(end_cell, end_line)
            if end_cell.number != cell.number:  # never: a construct is within one cell
                end_line, end_col, end_file_line = None, None, None
        links = tuple(self._link(link) for link in analysed.links)
        return located._replace(related=links, end_line=end_line, end_col=end_col, end_file_line=end_file_line)

    def _link(self, link: Link) -> Link:
        cell, line = self.notebook.locate(link.line)
        return Link(line, cell.column(line, link.col), link.label, cell.number, self.notebook.json_line(cell, line))

    def findings(self, selection: Selection, detail: bool = False) -> list[Located]:
        return [self.locate(item.finding, item) for item in _analyze(self.module, selection, detail)]

    def encode(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode("utf-8")

    def add_noqa(self, findings: Sequence[Located]) -> tuple[str | None, list[Located]]:
        """As for a Python file, in each cell's own lines."""
        new_sources: dict[int, str] = {}
        left: list[Located] = []
        for cell in self.notebook.cells:
            here = {i.finding._replace(line=i.line): i for i in findings if i.cell == cell.number}
            if not here:
                continue
            source, not_silenced = add_noqa(cell.source, list(here), checked=cell.masked)
            left.extend(here[f] for f in not_silenced)
            if source != cell.source:
                new_sources[cell.position] = source
        return (self.notebook.with_sources(new_sources) if new_sources else None), left

    def fix(self, findings: Sequence[Located], activation: str) -> Fixed:
        from .fix import FixError, fix_source, preferred_quote

        quote = preferred_quote(self.module)
        new_sources: dict[int, str] = {}
        fixed: list[Located] = []
        skipped: list[Skip] = []
        problems: list[Problem] = []
        for cell in self.notebook.cells:
            here = {fix_finding(cell, item.finding): item for item in findings if item.cell == cell.number}
            if not here or not cell.python:
                continue
            try:
                result: FixResult = fix_source(fix_text(cell), list(here), activation, quote)
            except FixError as error:
                problems.append(Problem(self.path, f"not fixed: {error}", cell.number))
                continue
            skipped.extend(Skip(here[s.finding], s.reason) for s in result.skipped)
            if not result.changed:
                continue
            restored = unmask(cell, result.text)
            if restored is None:  # pragma: no cover - the fixer never touches a placeholder line
                problems.append(Problem(self.path, "not fixed: its IPython lines could not be restored", cell.number))
                continue
            new_sources[cell.position] = restored
            fixed.extend(here[f] for f in result.fixed)
        new = self.notebook.with_sources(new_sources) if new_sources else None
        return Fixed(self.path, self.text, new, tuple(fixed), tuple(skipped), tuple(problems))


Document = Union[PythonFile, NotebookFile]


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def decode_python(data: bytes) -> tuple[str, str]:
    """The text of Python source bytes and the codec that encodes it back (PEP 263, BOM)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise DocumentError(f"cannot tell its encoding: {error}") from None
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        raise DocumentError(f"cannot be decoded as {encoding}: {error}") from None


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory"))


def _not_regular(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: str) -> tuple[bytes, Callable[[], Stamp]]:
    """A regular file's bytes, and what makes its stamp; DocumentError for anything else, which is never opened.

    Opening a FIFO blocks until a writer comes, and a device may never end: the kind is taken
    from `stat` first, and checked again on the open descriptor in case the path changed between.
    """
    try:
        info = os.stat(path)
    except OSError as error:
        raise DocumentError(f"cannot be read: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(f"skipped: {_not_regular(info.st_mode)}, not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise DocumentError(f"skipped: {info.st_size} bytes, over the limit of {MAX_FILE_BYTES} bytes")
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(descriptor, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise DocumentError(f"skipped: {_not_regular(info.st_mode)}, not a regular file")
            data = _read_bounded(stream)
    except OSError as error:
        raise DocumentError(f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"skipped: over the limit of {MAX_FILE_BYTES} bytes")
    return data, lambda: Stamp.of(info, data)


def read_stream(stream: BinaryIO) -> bytes:
    """All of a stream's bytes (stdin), as a file's are bounded; DocumentError past the limit.

    A pipe has no size to `stat`: `< /dev/zero` would fill memory, so no more than one chunk past
    the limit is ever held.
    """
    try:
        data = _read_bounded(stream)
    except OSError as error:
        raise DocumentError(f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"skipped: over the limit of {MAX_FILE_BYTES} bytes")
    return data


def _read_bounded(stream: BinaryIO) -> bytes:
    # read(n) would reserve n bytes up front, whatever the file's size: read in chunks instead
    chunks, size = [], 0
    while size <= MAX_FILE_BYTES:
        chunk = stream.read(2**20)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def load(path: str, stamped: bool = True) -> Document:
    """Read a Python file or a notebook; DocumentError with a one-line reason when that fails.

    Without `stamped` (a check, which writes nothing) the document has no stamp, and the file's
    bytes are not hashed.
    """
    data, stamp = read_bytes(path)
    return from_bytes(path, data, stamp() if stamped else None)


def from_bytes(path: str, data: bytes, stamp: Stamp | None = None) -> Document:
    """A document from its bytes (a file's, or stdin's named by --stdin-filename); `path` tells its kind."""
    if is_notebook(path):
        bom = data.startswith(codecs.BOM_UTF8)
        try:
            text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode("utf-8")
        except UnicodeDecodeError as error:
            raise DocumentError(f"a notebook must be UTF-8: {error}") from None
        try:
            notebook = NotebookFile(path, read_notebook(text), bom, stamp)
        except NotebookError as error:
            raise DocumentError(str(error)) from None
        _within_limit(notebook.module)
        return notebook
    return python_file(path, data, stamp)


def python_file(path: str, data: bytes, stamp: Stamp | None = None) -> PythonFile:
    """Python source bytes as a document (it is parsed when analysed, and only if the screen passes)."""
    text, encoding = decode_python(data)
    _within_limit(text)
    return PythonFile(path, text, encoding, stamp)


def _within_limit(text: str) -> None:
    # the screen first: a large file that cannot hold a finding costs nothing, as in flake8
    if may_hold_finding(text) and too_large(text):
        raise DocumentError(f"skipped: {LIMIT_TEXT}")


def _read_back(path: str) -> Stamp | None:
    try:
        return read_bytes(path)[1]()
    except DocumentError:
        return None


def _keeps_owner(info: os.stat_result) -> bool:
    """Whether a new file made by this process can be given the old one's owner and group."""
    if not hasattr(os, "chown"):
        return True  # no owners to keep (Windows)
    if os.geteuid() == 0:
        return True
    return info.st_uid == os.geteuid() and (info.st_gid == os.getegid() or info.st_gid in os.getgroups())


# ---- writing ------------------------------------------------------------------------------------

# Beside a file rewritten in place, its old bytes until the new ones are on disk (`model.py` ->
# `model.py.keras-activation-backup`): visible, so that a user finds it after a crash, and at a
# name the next run looks for, so that it can finish or undo what was interrupted.
BACKUP_SUFFIX = ".keras-activation-backup"
_PARTIAL = ".partial"  # the backup while it is written: only a complete one has the name above


class WriteFailed(Exception):
    """Writing failed (a full disk, an I/O error); the message is one line and says where the old bytes are."""


class _Unreplaceable(Exception):
    """A new file cannot stand for the old one (no file may be made in its directory, or one of its
    attributes cannot be given to a new file): rewrite the old one in place instead."""


class Interrupted(NamedTuple):
    """A file whose in-place rewrite was interrupted (a kill, a crash): its backup is beside it."""

    backup: str
    old: bytes  # the backup's bytes: the file's before the interrupted rewrite
    current: bytes  # the file's bytes now


def backup_path(path: str) -> str:
    """Where an in-place rewrite of `path` keeps its old bytes: beside the file itself, links resolved."""
    return os.path.realpath(path) + BACKUP_SUFFIX


def load_for_writing(path: str) -> tuple[Document, Interrupted | None]:
    """The document to fix, and an interrupted earlier rewrite of it, if its backup is there.

    Then the document is the backup's bytes (the file as the user had it), stamped with the file
    as it is now, so that the fix is made again from the same bytes, and `write_fixed` can tell
    whether the file holds the old bytes, the new ones, a mix of the two (and finish the write),
    or something else (and leave both alone).
    """
    backup = backup_path(path)
    if not os.path.lexists(backup):
        return load(path), None
    try:
        old, _ = read_bytes(backup)
    except DocumentError as error:
        raise DocumentError(f"{backup}, left by an interrupted fix, {error}") from None
    current, stamp = read_bytes(path)
    return from_bytes(path, old, stamp()), Interrupted(backup, old, current)


def write_fixed(path: str, data: bytes, stamp: Stamp | None, interrupted: Interrupted | None = None) -> list[str]:
    """Write a fixed file, keeping its owner, group, mode, extended attributes (ACLs included) and
    hard links; the notes for the user (one line each), if any.

    NotWritten when the file is read-only, no longer what was read (an edit made while fix ran),
    or cannot be rewritten safely; WriteFailed when writing fails, and then the old bytes are in
    the file, or, if even putting them back failed, in the backup the message names.
    """
    target = os.path.realpath(path)
    info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        raise NotWritten(f"not fixed: it is now {_not_regular(info.st_mode)}")
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise NotWritten("not fixed: read-only")
    notes: list[str] = []
    kept = None
    if interrupted is not None:
        state = _interrupted_state(interrupted, data)
        if state == "changed":
            raise NotWritten(
                f"not fixed: {interrupted.backup} holds its bytes from before an interrupted fix, and it has "
                "changed since; compare the two, keep what you want, and remove the backup"
            )
        _check_unchanged(target, stamp)
        if state == "written":
            _remove_backup(interrupted.backup, notes)
            return [f"an interrupted fix had written it; its backup {interrupted.backup} is removed", *notes]
        left = "unchanged" if state == "unwritten" else "half-written"
        notes.append(f"an interrupted fix left it {left}, with its old bytes in {interrupted.backup}: fixed again")
        kept = interrupted.backup
    elif os.path.lexists(target + BACKUP_SUFFIX):
        raise NotWritten(f"not fixed: {target + BACKUP_SUFFIX} is in the way; run fix again")
    if info.st_nlink == 1 and _keeps_owner(info):
        try:
            _replace(target, data, info, stamp)
        except _Unreplaceable:
            pass  # a directory we may not create files in, an attribute a new file cannot take
        except OSError as error:
            raise WriteFailed(f"cannot be written ({error.strerror or error}); it is as it was") from None
        else:
            if kept is not None:
                _sync_directory(os.path.dirname(target))  # the new file's name on disk before the backup goes
                _remove_backup(kept, notes)
            return notes
    _rewrite_in_place(target, data, stamp, interrupted, notes)
    return notes


def settle_interrupted(path: str, interrupted: Interrupted) -> list[str]:
    """After an interrupted rewrite, when the file needs no fix now: drop the backup if the file
    still holds its bytes; else leave both (NotWritten), as the file changed since."""
    if interrupted.current != interrupted.old:
        raise NotWritten(
            f"not fixed: {interrupted.backup} holds its bytes from before an interrupted fix, and it has "
            "changed since; compare the two, keep what you want, and remove the backup"
        )
    notes: list[str] = []
    _remove_backup(interrupted.backup, notes)
    return [f"an interrupted fix left it unchanged; its backup {interrupted.backup} is removed", *notes]


def _interrupted_state(interrupted: Interrupted, new: bytes) -> str:
    """What an interrupted in-place rewrite of `old` into `new` left in the file: `unwritten`,
    `written`, `mixed` (the new bytes written up to some point, the old ones after it, as a write
    from the start stopped at any instant leaves them), or `changed` (anything else: an edit)."""
    current, old = interrupted.current, interrupted.old
    if current == old:
        return "unwritten"
    if current == new:
        return "written"
    written = _common_prefix(current, new)
    if len(current) == len(old):
        if len(old) - _common_suffix(current, old) <= written:  # the old bytes resume where the new ones stop
            return "mixed"
    elif len(current) > len(old) and written == len(current):  # the new bytes, up to where they stop
        return "mixed"
    return "changed"


def _common_prefix(a: bytes, b: bytes) -> int:
    # a block at a time, compared in C, then bytes within the first block that differs: a byte at
    # a time in Python would take seconds on a large file, and views compare slowly too
    length, block, at = min(len(a), len(b)), 2**16, 0
    while at < length and a[at : at + block] == b[at : at + block]:
        at += block
    end = min(at + block, length)
    while at < end and a[at] == b[at]:
        at += 1
    return min(at, length)


def _common_suffix(a: bytes, b: bytes) -> int:
    return _common_prefix(a[::-1], b[::-1])


def _check_unchanged(target: str, stamp: Stamp | None) -> None:
    if stamp is not None and _read_back(target) != stamp:
        raise NotWritten("not fixed: it changed on disk while fix ran; run fix again")


def _replace(target: str, data: bytes, info: os.stat_result, stamp: Stamp | None) -> None:
    """A complete new file with the old one's owner, group, mode and extended attributes, renamed
    over it in one step; _Unreplaceable when no such file can be made."""
    directory = os.path.dirname(target)
    import tempfile

    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(target) + ".",
                                                 suffix=".tmp")
    except PermissionError:
        raise _Unreplaceable from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            try:
                if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(stream.fileno(), info.st_uid, info.st_gid)
                # after chown, which drops some of them (security.capability)
                _copy_attributes(target, stream.fileno())
                # after chown, which clears set-id bits, and after the ACL, which sets the group's
                os.chmod(temporary, stat.S_IMODE(info.st_mode))
            except OSError:
                raise _Unreplaceable from None
            os.fsync(stream.fileno())
        _check_unchanged(target, stamp)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _copy_attributes(source: str, descriptor: int) -> None:
    """Give the new file exactly the old one's extended attributes, `system.posix_acl_access` (its
    POSIX ACL) and `user.*` ones included, and none it got from its directory (a default ACL);
    OSError when that cannot be done, and then the file must be rewritten in place.

    Without them, a file whose ACL kept its group to reading came back with the group's bits of
    its mode, which for an ACL are the mask: read-write.
    """
    if not hasattr(os, "listxattr"):
        return  # no extended attributes on this platform
    try:
        names = os.listxattr(source)
        present = os.listxattr(descriptor)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return  # a filesystem without them: nothing to keep
        raise
    for name in names:
        os.setxattr(descriptor, name, os.getxattr(source, name))
    for name in set(present) - set(names):
        os.removexattr(descriptor, name)


def _sync_directory(directory: str) -> None:
    # a new name is on disk only once its directory is: else a crash could lose the rename
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # not every filesystem syncs a directory
    finally:
        os.close(descriptor)


def _rewrite_in_place(target: str, data: bytes, stamp: Stamp | None, interrupted: Interrupted | None,
                      notes: list[str]) -> None:
    """Rewrite the file's own content (its inode, so its links, owner, mode and attributes stay),
    so that a kill at any instant leaves the old bytes or the new ones, and never only a mix.

    The old bytes go to a backup beside the file first, written, synced, and only then given
    its name, so a backup under that name is always complete; the new bytes go into the file
    only after that, and the backup is removed only once they are synced. A kill in between
    leaves the backup, which the next run finds (`load_for_writing`) and finishes from. A failed
    write puts the old bytes back at once; without a backup (a directory that refuses one) the
    file is not rewritten at all.
    """
    descriptor = os.open(target, os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(descriptor)
        current = _read_all(descriptor)
        if stamp is not None and Stamp.of(info, current) != stamp:
            raise NotWritten("not fixed: it changed on disk while fix ran; run fix again")
        original = interrupted.old if interrupted is not None else current
        backup = interrupted.backup if interrupted is not None else _make_backup(target, original)
        try:
            _write_all(descriptor, data)
        except BaseException as error:
            _put_back(descriptor, original, backup, error, notes)
            raise
    finally:
        os.close(descriptor)
    _remove_backup(backup, notes)


def _read_all(descriptor: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(descriptor, 2**20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _write_all(descriptor: int, data: bytes) -> None:
    """The file's bytes become `data`, on disk when this returns: written from the start over the
    old ones, then cut to their length (so a kill in between leaves the new bytes, then the old)."""
    os.lseek(descriptor, 0, os.SEEK_SET)
    _write_from(descriptor, data)
    os.ftruncate(descriptor, len(data))
    os.fsync(descriptor)


def _write_from(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _make_backup(target: str, old: bytes) -> str:
    """The backup of `old` beside `target`, complete and synced, under its name; NotWritten when
    it cannot be made (a full disk, a directory that refuses new files), and then nothing of it is left."""
    backup = target + BACKUP_SUFFIX
    partial = backup + _PARTIAL
    try:
        if os.path.lexists(partial):
            os.unlink(partial)  # a kill while an earlier one was written: the file was never touched
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            _write_from(descriptor, old)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.rename(partial, backup)
        _sync_directory(os.path.dirname(target))
    except OSError as error:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise NotWritten(
            f"not fixed: no backup of it could be written beside it ({error.strerror or error}), and it is "
            "never rewritten in place without one"
        ) from None
    return backup


def _put_back(descriptor: int, original: bytes, backup: str, error: BaseException, notes: list[str]) -> None:
    """After a failed or interrupted write: the old bytes back in the file, and the backup removed
    once they are on disk; a WriteFailed that says so (or where they are) for an OSError."""
    try:
        _write_all(descriptor, original)
    except OSError as again:
        if isinstance(error, OSError):
            raise WriteFailed(
                f"cannot be written ({error.strerror or error}), nor its old bytes put back "
                f"({again.strerror or again}): they are in {backup}"
            ) from None
        return  # the backup stays, for the next run
    _remove_backup(backup, notes)
    if isinstance(error, OSError):
        raise WriteFailed(f"cannot be written ({error.strerror or error}); its old bytes are back") from None


def _remove_backup(backup: str, notes: list[str]) -> None:
    try:
        os.unlink(backup)
    except FileNotFoundError:
        pass
    except OSError as error:
        notes.append(f"its backup {backup} could not be removed ({error.strerror or error}); remove it")
