"""Jupyter notebooks as one Python module: code cells in order, IPython syntax masked, lines mapped back."""

from __future__ import annotations

import ast
import bisect
import re
from typing import Any, Callable, Container, Iterable, Mapping, NamedTuple, Sequence

from .codes import Finding
from .ipython import automagic, dedent_cuts, logical_lines, magic_bindings, unknown_effects
from .source import source_lines

# Cell magics whose body is Python that IPython runs; any other cell magic (%%bash, %%html,
# %%writefile, ...) holds no Python for us.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})

# An IPython line becomes this statement, at the line's own indentation, so that the module
# parses and keeps its line numbers; the marker lets a fixed cell get its original lines back.
PLACEHOLDER = "pass  # flake8-keras-activation: IPython line"

# A cell that does not parse becomes one line of calls of this function (a name no cell holds),
# which the analysis cannot follow: every model the cell mentions may have changed there.
UNKNOWN_CALL = "__ka_unknown__"
_UNKNOWN_CALLS = re.compile(r"__ka_unknown(?:_(\d+))?__")

# An indented cell is given to the fixer in its own columns, as the body of this line.
_WRAPPER = "if True:"

_INDENT = re.compile(r"[ \t]*")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_JUPYTER_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


class NotebookError(ValueError):
    """The file is not a notebook we can read."""


class Cell(NamedTuple):
    """One code cell: its text, and the Python the analysis sees in its place."""

    position: int  # position in the notebook's `cells` list, 0-based
    source: str  # the cell's text as stored
    masked: str  # the same number of lines, IPython lines replaced by PLACEHOLDER statements
    masked_lines: tuple[str, ...]  # the original lines that were replaced, in order
    first_line: int  # where the cell starts in the notebook's module, 1-based
    python: bool  # False: another language's cell magic, or a cell that does not parse
    problem: str | None = None  # why a cell that should be Python is not analysed
    indents: tuple[int, ...] = ()  # per line, the characters of indentation IPython removes; () for none

    @property
    def number(self) -> int:
        """The cell's number as the command shows it: 1-based, counting every cell."""
        return self.position + 1

    def column(self, line: int, col: int) -> int:
        """The column in the cell's text of a column of `masked`, on the cell's 1-based line."""
        return col + self.indents[line - 1] if 0 < line <= len(self.indents) else col

    def masked_column(self, line: int, col: int) -> int:
        """The column in `masked` of a column of the cell's text (in removed indentation: 0)."""
        return max(col - self.indents[line - 1], 0) if 0 < line <= len(self.indents) else col

    @property
    def line_count(self) -> int:
        return len(source_lines(self.masked))


class _Source(NamedTuple):
    """Where a cell's `source` value is in the notebook's JSON text."""

    start: int
    end: int
    elements: tuple[tuple[int, int], ...] | None  # the array's strings; None when it is one string
    aligned: bool  # one array element per line, as Jupyter writes it


class Notebook(NamedTuple):
    text: str  # the file's JSON text
    cells: tuple[Cell, ...]  # the code cells, in order
    module: str  # the Python text of every code cell, concatenated
    sources: Mapping[int, _Source]  # by cell index

    def locate(self, line: int) -> tuple[Cell, int]:
        """The cell that holds a line of the module, and the 1-based line within that cell."""
        starts = [cell.first_line for cell in self.cells]
        at = bisect.bisect_right(starts, line) - 1
        cell = self.cells[max(at, 0)]
        return cell, line - cell.first_line + 1

    def json_line(self, cell: Cell, line: int) -> int:
        """The 1-based line of the notebook file that shows the cell's line (for SARIF)."""
        source = self.sources[cell.position]
        offset = source.start
        if source.elements is not None and source.aligned and 1 <= line <= len(source.elements):
            offset = source.elements[line - 1][0]
        return self.text.count("\n", 0, offset) + 1

    def with_sources(self, new_sources: Mapping[int, str]) -> str:
        """The notebook's JSON text with some cells' sources replaced and every other byte kept."""
        ascii_only = self.text.isascii()
        text = self.text
        for index in sorted(new_sources, key=lambda i: self.sources[i].start, reverse=True):
            source = self.sources[index]
            rendered = self._render(source, new_sources[index], ascii_only)
            text = text[: source.start] + rendered + text[source.end :]
        return text

    def _render(self, source: _Source, new: str, ascii_only: bool) -> str:
        import json

        def dump(line: str) -> str:
            return json.dumps(line, ensure_ascii=ascii_only)

        if source.elements is None:
            return dump(new)
        # Jupyter stores a cell as a list of lines split after each "\n"
        new_lines = _JUPYTER_LINE.findall(new)
        if not new_lines:
            return "[]"
        raw = [self.text[start:end] for start, end in source.elements]
        if not raw:
            return "[\n" + ",\n".join(dump(line) for line in new_lines) + "\n]"
        lead = self.text[source.start + 1 : source.elements[0][0]]
        trail = self.text[source.elements[-1][1] : source.end - 1]
        separator = (
            self.text[source.elements[0][1] : source.elements[1][0]] if len(raw) > 1 else "," + lead
        )
        rendered: list[str] = []
        if source.aligned:
            old_lines = [json.loads(element) for element in raw]
            import difflib  # fix only: check need not load it

            matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    rendered.extend(raw[i1:i2])  # unchanged lines keep their exact bytes
                else:
                    rendered.extend(dump(line) for line in new_lines[j1:j2])
        else:
            rendered = [dump(line) for line in new_lines]
        return "[" + lead + separator.join(rendered) + trail + "]"


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _parse(text: str) -> ast.Module | SyntaxError:
    try:
        return ast.parse(text)
    except SyntaxError as error:
        return error
    except (ValueError, MemoryError, RecursionError) as error:  # null bytes, absurd nesting
        return SyntaxError(str(error))


def _blank(lines: Sequence[str]) -> str:
    # "\n" for every ending: a "\r" left before the next line's "\n" would make one ending of two
    return "".join("\n" for line in lines if _ending(line))


def _first_content(lines: Sequence[str]) -> int:
    """The first line that is not blank: IPython drops the ones before it."""
    return next((number for number, line in enumerate(lines) if line.strip()), len(lines))


def mask_cell(
    index: int, source: str, first_line: int, bound: Container[str] = frozenset(), unknown: str = UNKNOWN_CALL
) -> Cell:
    """The cell as IPython runs it, as Python the analysis reads, with as many lines.

    IPython's indentation is removed (`Cell.indents` keeps how much), its lines (`!cmd`, `%magic`,
    `files = !ls`, `obj?`, and a one-line cell's magic without `%`, unless `bound` or Python names
    it) become PLACEHOLDER statements, and a cell of another language is blank. A cell that still
    does not parse becomes calls of `unknown` on what it mentions (`unknown_effects`), with its
    problem said; `bound` holds the magics' names that earlier cells bind.
    """
    lines = source_lines(source)
    start = _first_content(lines)
    magic = lines[start].lstrip()[2:].split() if start < len(lines) and lines[start].lstrip().startswith("%%") else None
    if magic is not None and (not magic or magic[0] not in PYTHON_CELL_MAGICS):
        return Cell(index, source, _blank(lines), (), first_line, python=False)
    error: SyntaxError | None = None
    # IPython 9's reading of an indented cell first, then IPython 8's where they differ
    for cuts in dedent_cuts(lines) or [()]:
        body = [line[cut:] for line, cut in zip(lines, cuts)] if cuts else list(lines)
        read = _read(body, start, magic is not None, bound)
        if isinstance(read, SyntaxError):
            error = error or read
            continue
        text, masked = read
        return Cell(index, source, text, tuple(lines[number] for number in masked), first_line, True, None, cuts)
    assert error is not None
    return _unreadable(index, source, lines, first_line, error, unknown)


def _read(body: list[str], start: int, cell_magic: bool, bound: Container[str]) -> tuple[str, list[int]] | SyntaxError:
    """The masked text of a cell's lines as IPython has them, and the lines masked."""
    out = list(body)
    masked: list[int] = []

    def mask(first: int, last: int) -> None:
        # the lines a backslash continues take the command's indentation, so that the block holds
        indent = _INDENT.match(body[first]).group()  # type: ignore[union-attr]
        for number in range(first, last + 1):
            out[number] = indent + PLACEHOLDER + _ending(body[number])
            masked.append(number)

    if cell_magic:
        mask(start, start)
    elif len(body) - start == 1 and automagic(body[start], bound):
        # IPython's prefilter, automagic included, reads only a cell of one line (trailing blank
        # lines count): `pip install keras` alone is `%pip`, and Python after another line
        mask(start, start)
    tree = _parse("".join(out))
    if isinstance(tree, SyntaxError):
        # IPython's own syntax is only looked for in cells that are not Python as they stand, and
        # only where a logical line starts, so that `%` continuing an expression or a `?` in a
        # string is never taken for it
        for logical in [logical for logical in logical_lines(out) if logical.ipython]:
            mask(logical.first, logical.last)
        tree = _parse("".join(out))
    if isinstance(tree, SyntaxError):
        return tree
    return "".join(out), sorted(masked)


def _unreadable(index: int, source: str, lines: list[str], first_line: int, error: SyntaxError, unknown: str) -> Cell:
    """A cell that does not parse: on its first line, what it may have done to the names it mentions.

    Blanking it would let the analysis judge a model without the layers the cell added (a
    Flatten lost there makes a later Dense head KA206): instead every model it mentions is
    handed to code the analysis cannot follow, which makes it silent about that model.
    """
    where = f" (line {error.lineno})" if error.lineno else ""
    problem = f"does not parse: {error.msg}{where}"
    effects = unknown_effects(lines, unknown)
    if lines and not isinstance(_parse(effects), ast.Module):  # pragma: no cover - names are identifiers
        effects = "pass"
    masked = effects + _blank(lines) if lines else ""
    return Cell(index, source, masked, (), first_line, python=False, problem=problem)


def unknown_name(texts: Iterable[str]) -> str:
    """UNKNOWN_CALL, or `__ka_unknown_N__` with the first N that none of the texts holds."""
    taken: set[int] = set()
    for text in texts:
        taken.update(int(match.group(1) or 0) for match in _UNKNOWN_CALLS.finditer(text))
    if 0 not in taken:
        return UNKNOWN_CALL
    number = next(n for n in range(1, len(taken) + 2) if n not in taken)
    return f"__ka_unknown_{number}__"


class _Bound:
    """The magics' names that the cells read so far bind (IPython runs a line starting with one as
    Python). A cell's tree is walked for them only when a cell of one line starts with a magic's
    name, which few notebooks have: walking every cell doubled the time a notebook took to read."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.unread: list[str] = []  # the Python of the cells not walked yet

    def __contains__(self, name: object) -> bool:
        for text in self.unread:
            self.names |= magic_bindings(text)
        self.unread.clear()
        return name in self.names


def mask_cells(entries: Sequence[tuple[int, str, bool]]) -> tuple[tuple[Cell, ...], str]:
    """Code cells (position, text, whether Python) as one module: the masked cells, and its text."""
    unknown = unknown_name(text for _, text, python in entries if python)
    bound = _Bound()
    cells = []
    module: list[str] = []
    line = 1
    for index, text, python in entries:
        if python:
            cell = mask_cell(index, text, line, bound, unknown)
            bound.unread.append(cell.masked)  # a cell that does not parse binds what it stands for
        else:
            cell = Cell(index, text, _blank(source_lines(text)), (), line, python=False)
        cells.append(cell)
        masked = cell.masked
        if masked and not masked.endswith(("\n", "\r")):
            masked += "\n"
        module.append(masked)
        line += cell.line_count
    return tuple(cells), "".join(module)


def fix_text(cell: Cell) -> str:
    """The cell as the fixer rewrites it: in its own lines and columns, its IPython lines masked.

    An indented cell does not parse as it stands: it becomes the body of an `if True:` line put
    first (`unmask` takes it away), so that every byte the fix does not change stays the user's.
    """
    if not cell.indents:
        return cell.masked
    source = source_lines(cell.source)
    lines = [line[:cut] + masked for line, cut, masked in zip(source, cell.indents, source_lines(cell.masked))]
    return _WRAPPER + (_ending(lines[0]) or "\n") + "".join(lines)


def fix_finding(cell: Cell, finding: Finding) -> Finding:
    """A finding of the notebook's module, placed where the fixer meets it in `fix_text(cell)`."""
    wrapper = 1 if cell.indents else 0

    def place(line: int, col: int) -> tuple[int, int]:
        in_cell = line - cell.first_line + 1
        return in_cell + wrapper, cell.column(in_cell, col)

    line, col = place(finding.line, finding.col)
    return finding._replace(line=line, col=col, call=place(*finding.call) if finding.call is not None else None)


def unmask(cell: Cell, fixed: str) -> str | None:
    """The fixer's rewrite of `fix_text(cell)` as the cell's text, its IPython lines put back; None if
    they are lost."""
    lines = source_lines(fixed)
    if cell.indents:
        if not lines or lines[0].rstrip("\r\n") != _WRAPPER:
            return None
        lines = lines[1:]
    originals = iter(cell.masked_lines)
    out = []
    restored = 0
    for line in lines:
        if line.strip() == PLACEHOLDER:
            original = next(originals, None)
            if original is None:
                return None
            out.append(original)
            restored += 1
        else:
            out.append(line)
    if restored != len(cell.masked_lines):
        return None
    return "".join(out)


# ---- reading the JSON text with positions --------------------------------------------------

_Scan = Callable[[str, int], "tuple[Any, int]"]


def _skip(text: str, at: int) -> int:
    match = _WHITESPACE.match(text, at)
    return match.end() if match else at


def _members(text: str, at: int, scan: _Scan) -> dict[str, tuple[int, int]]:
    """key -> (start, end) of its value, for the object that starts at `at`; the last key wins."""
    members: dict[str, tuple[int, int]] = {}
    at = _skip(text, at + 1)
    if text[at] == "}":
        return members
    while True:
        key, at = scan(text, at)
        at = _skip(text, at)
        if text[at] != ":":
            raise ValueError("expected ':'")
        start = _skip(text, at + 1)
        _, end = scan(text, start)
        members[key] = (start, end)
        at = _skip(text, end)
        if text[at] == "}":
            return members
        if text[at] != ",":
            raise ValueError("expected ','")
        at = _skip(text, at + 1)


def _elements(text: str, at: int, scan: _Scan) -> list[tuple[int, int]]:
    """(start, end) of each value of the array that starts at `at`."""
    elements: list[tuple[int, int]] = []
    at = _skip(text, at + 1)
    if text[at] == "]":
        return elements
    while True:
        _, end = scan(text, at)
        elements.append((at, end))
        at = _skip(text, end)
        if text[at] == "]":
            return elements
        if text[at] != ",":
            raise ValueError("expected ','")
        at = _skip(text, at + 1)


def _source_spans(text: str, stored: list[Any]) -> dict[int, _Source]:
    import json

    scan: _Scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    top = _members(text, _skip(text, 0), scan)
    cells = _elements(text, top["cells"][0], scan)
    spans = {}
    for index, (start, _) in enumerate(cells):
        source_start, source_end = _members(text, start, scan)["source"]
        elements = None
        aligned = False
        if text[source_start] == "[":
            elements = tuple(_elements(text, source_start, scan))
            lines = stored[index]["source"]
            aligned = all("\n" not in line[:-1] for line in lines) and all(
                line.endswith("\n") for line in lines[:-1]
            )
        spans[index] = _Source(source_start, source_end, elements, aligned)
    return spans


def _language(metadata: Any) -> str | None:
    if not isinstance(metadata, dict):
        return None
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str):
            return str(section[field]).lower()
    return None


def read_notebook(text: str) -> Notebook:
    """Parse a notebook's JSON text; NotebookError when it is not a notebook of format 4."""
    import json  # here, not at the top: a check without notebooks never loads it

    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise NotebookError(f"not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError("not a Jupyter notebook (no list of cells; only nbformat 4 is read)")
    stored = data["cells"]
    for number, cell in enumerate(stored, 1):
        source = cell.get("source") if isinstance(cell, dict) else None
        if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))):
            raise NotebookError(f"cell {number} has no source text")
    try:
        spans = _source_spans(text, stored)
    except (ValueError, KeyError, IndexError, StopIteration) as error:  # pragma: no cover - json.loads agreed
        raise NotebookError(f"cannot locate the cells: {error}") from None
    language = _language(data.get("metadata"))
    python = language is None or language == "python"
    entries = []
    for index, stored_cell in enumerate(stored):
        if stored_cell.get("cell_type") == "code":
            source = stored_cell["source"]
            entries.append((index, source if isinstance(source, str) else "".join(source), python))
    cells, module = mask_cells(entries)
    return Notebook(text, cells, module, spans)
