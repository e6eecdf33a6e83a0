"""The files the command works on: Python sources in their own encoding, notebooks as cells.

Both kinds give the analysis one Python text, map its findings back to where the user sees
them, and apply the fixer while keeping every byte the fix does not change.
"""

from __future__ import annotations

import ast
import codecs
import dataclasses
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence, Union

from .codes import Finding
from .notebook import Notebook, NotebookError, read_notebook, unmask
from .selection import Selection, reported
from .source import analyze_source

if TYPE_CHECKING:  # the fixer imports libcst: only the fix command loads it
    from .fix import FixResult


# how codes.py's messages name the line of another layer
_LINE_REFERENCE = re.compile(r"\(line (\d+)\)")


class DocumentError(Exception):
    """A file that cannot be read or understood; the message is one line."""


@dataclass(frozen=True)
class Problem:
    """Something about a file that needs the user's attention and is not a finding."""

    path: str
    message: str
    cell: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:cell_{self.cell}" if self.cell is not None else self.path
        return f"{where}: error: {self.message}"


@dataclass(frozen=True)
class Located:
    """A finding where the user sees it: a line of a file, or a line of a notebook cell."""

    path: str
    finding: Finding
    line: int  # 1-based, in the file or in the cell
    col: int  # 0-based, in characters
    cell: int | None = None  # the notebook cell's number, 1-based, counting every cell
    file_line: int | None = None  # the line of the notebook's JSON text that shows it

    @property
    def place(self) -> str:
        """`path:line:col` (col 1-based, as flake8 prints it), or `path:cell_N:line:col`."""
        cell = f":cell_{self.cell}" if self.cell is not None else ""
        return f"{self.path}{cell}:{self.line}:{self.col + 1}"


@dataclass(frozen=True)
class Skip:
    located: Located
    reason: str


@dataclass(frozen=True)
class Fixed:
    """What `fix` did to one file; `new` is None when nothing changed."""

    path: str
    old: str
    new: str | None
    fixed: tuple[Located, ...] = ()
    skipped: tuple[Skip, ...] = ()
    problems: tuple[Problem, ...] = ()


def _analyze(text: str) -> list[Finding]:
    try:
        return analyze_source(text)
    except Exception as error:  # a bug of ours must not cost the user the other files
        raise DocumentError(f"the analysis failed ({type(error).__name__}: {error}); please report it") from None


@dataclass(frozen=True)
class PythonFile:
    path: str
    text: str
    encoding: str  # the codec that gives the file's bytes back, "utf-8-sig" keeping a BOM

    @property
    def module(self) -> str:
        return self.text

    def problems(self) -> tuple[Problem, ...]:
        return ()

    def findings(self, selection: Selection) -> list[Located]:
        found = reported(_analyze(self.text), self.text, selection)
        return [Located(self.path, f, f.line, f.col) for f in found]

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)

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


@dataclass(frozen=True)
class NotebookFile:
    path: str
    notebook: Notebook
    bom: bool

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

    def locate(self, finding: Finding) -> Located:
        cell, line = self.notebook.locate(finding.line)
        shown = dataclasses.replace(finding, message=self._cell_lines(finding.message, cell.number))
        return Located(self.path, shown, line, finding.col, cell.number, self.notebook.json_line(cell, line))

    def _cell_lines(self, message: str, cell_number: int) -> str:
        """A message's `(line N)` counts lines of the concatenated cells: say the cell's line instead."""

        def in_cell(match: re.Match[str]) -> str:
            cell, line = self.notebook.locate(int(match.group(1)))
            return f"(line {line})" if cell.number == cell_number else f"(cell {cell.number}, line {line})"

        return _LINE_REFERENCE.sub(in_cell, message)

    def findings(self, selection: Selection) -> list[Located]:
        found = reported(_analyze(self.module), self.module, selection)
        return [self.locate(f) for f in found]

    def encode(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode("utf-8")

    def fix(self, findings: Sequence[Located], activation: str) -> Fixed:
        from .fix import FixError, fix_source, preferred_quote

        quote = preferred_quote(self.module)
        new_sources: dict[int, str] = {}
        fixed: list[Located] = []
        skipped: list[Skip] = []
        problems: list[Problem] = []
        for cell in self.notebook.cells:
            here = {
                dataclasses.replace(item.finding, line=item.line, call=_shifted(item.finding, item.line)): item
                for item in findings
                if item.cell == cell.number
            }
            if not here or not cell.python:
                continue
            try:
                result: FixResult = fix_source(cell.masked, list(here), activation, quote)
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
            new_sources[cell.index] = restored
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


def load(path: str) -> Document:
    """Read a Python file or a notebook; DocumentError with a one-line reason when that fails."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as error:
        raise DocumentError(f"cannot be read: {error.strerror or error}") from None
    if is_notebook(path):
        bom = data.startswith(codecs.BOM_UTF8)
        try:
            text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode("utf-8")
        except UnicodeDecodeError as error:
            raise DocumentError(f"a notebook must be UTF-8: {error}") from None
        try:
            return NotebookFile(path, read_notebook(text), bom)
        except NotebookError as error:
            raise DocumentError(str(error)) from None
    text, encoding = decode_python(data)
    try:
        ast.parse(text)
    except SyntaxError as error:
        where = f" (line {error.lineno})" if error.lineno else ""
        raise DocumentError(f"does not parse: {error.msg}{where}") from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise DocumentError(f"does not parse: {error}") from None
    return PythonFile(path, text, encoding)


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file's content in one step, keeping its mode (and the file a symlink points to)."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(target) + ".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _shifted(finding: Finding, line: int) -> tuple[int, int] | None:
    """A finding's call position, counted like its line (a cell's lines instead of the module's)."""
    if finding.call is None:
        return None
    return finding.call[0] - finding.line + line, finding.call[1]
