"""How IPython reads a cell before Python does: the indentation it removes, and the lines it runs
as commands or magics.

The rules were measured on IPython 8.39 and 9.18 with ipykernel 7.4 (docs/design.md); this is our
own reading of them, not IPython's code.
"""

from __future__ import annotations

import bisect
import os.path
import re
from typing import Iterator, NamedTuple, Sequence

_MARGIN = re.compile(r"[ \t]*")
# `!ls`, `!!ls`, `%time f()`, `%%bash` out of place: IPython's escapes, at a logical line's start
_ESCAPE = re.compile(r"[ \t]*[!%]")
# `obj?`, `obj??`, `?obj`, `%magic?`: IPython's help syntax
_HELP = re.compile(r"[ \t]*(?:\?{1,2}[\w.%]+|[\w.%]+\?{1,2})[ \t]*")
# after the first `=` of a logical line: `files = !ls`, `home = %env HOME`
_COMMAND = re.compile(r"[ \t]*[!%]")

# Python's tokens, as far as the scans below need them (`string` is a string's opening, whose
# rest `_STRING_REST` reads); `other` takes any character the others do not, so a scan never
# stops on garbage.
_TOKEN = re.compile(
    r"""
    (?P<newline>\r\n|\r|\n)
  | (?P<skip>[ \t\f]+|\\(?:\r\n|\r|\n)|\#[^\r\n]*)
  | (?P<string>[rRbBuUfFtT]{0,2}(?:'''|\"\"\"|'|"))
  | (?P<name>[^\W\d]\w*)
  | (?P<number>\d[\w.]*)
  | (?P<op>\*\*=|//=|>>=|<<=|[-+*/%@&|^<>!=:]=|->|[^\s\w])
  | (?P<other>[\s\S])
    """,
    re.VERBOSE,
)
# A string's body up to its closing quote, or to where Python would give up on it. The loops'
# alternatives start with different characters and the optional end always matches: no backtracking.
_STRING_REST = {
    "'": re.compile(r"(?:[^'\\\r\n]+|\\(?:\r\n|[\s\S]))*'?"),
    '"': re.compile(r'(?:[^"\\\r\n]+|\\(?:\r\n|[\s\S]))*"?'),
    "'''": re.compile(r"(?:[^'\\]+|\\[\s\S]|'(?!''))*(?:''')?"),
    '"""': re.compile(r'(?:[^"\\]+|\\[\s\S]|"(?!""))*(?:""")?'),
}
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


def dedent_cuts(lines: Sequence[str]) -> list[tuple[int, ...]]:
    """How many characters IPython removes from the start of each line, by each rule it has had:
    `()` for none.

    IPython 9 removes the margin that all lines but blank ones share; IPython 8 removed the first
    line's indentation (blank lines before it aside) from each line that starts with it. The two
    agree on most cells; the first one is IPython's of today. Empty: the cell is not indented.
    """
    content = [line for line in lines if line.strip()]
    if not content:
        return []
    first = _MARGIN.match(content[0]).group()  # type: ignore[union-attr]
    if not first:
        return []
    margin = first
    for line in content[1:]:
        margin = os.path.commonprefix([margin, _MARGIN.match(line).group()])  # type: ignore[union-attr]
        if not margin:
            break
    out: list[tuple[int, ...]] = []
    for prefix in (margin, first):
        cuts = tuple(len(prefix) if prefix and line.startswith(prefix) else 0 for line in lines)
        cuts = cuts if any(cuts) else ()
        if cuts not in out:
            out.append(cuts)
    return out


def continued(lines: Sequence[str], at: int) -> int:
    """The last line of the command that starts on line `at`: IPython joins the next line to a line
    that ends with a backslash right before its "\\n" (not before "\\r\\n", nor before a space)."""
    last = at
    while last + 1 < len(lines) and lines[last].endswith("\\\n"):
        last += 1
    return last


class Logical(NamedTuple):
    """A logical line of a cell, as IPython's transformations find them."""

    first: int  # index of its first physical line
    last: int  # index of its last physical line
    ipython: bool  # a command, a magic, an assignment of one, or a help request: not Python


def logical_lines(lines: Sequence[str]) -> Iterator[Logical]:
    """The cell's logical lines (each line's text with its ending, as `source_lines` gives them).

    IPython looks for its escapes only where a logical line starts: a `%` that continues an
    expression inside brackets, or a `?` inside a string, is Python. An escaped line takes the
    lines its backslashes continue. Strings, comments and brackets are followed well enough for
    that on any text, valid or not, in one pass.
    """
    text = "".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    at = 0
    while at < len(lines):
        body = lines[at].rstrip("\r\n")
        if _ESCAPE.match(body) or _HELP.fullmatch(body):
            last = continued(lines, at)
            yield Logical(at, last, True)
            at = last + 1
            continue
        depth = 0
        first_equal = True
        position = starts[at]
        command = None
        while position < len(text):
            match = _TOKEN.match(text, position)
            assert match is not None  # `other` matches any character
            kind = match.lastgroup
            position = match.end()
            if kind == "newline":
                if depth == 0:
                    break
            elif kind == "string":
                quote = match.group("string").lstrip("rRbBuUfFtT")
                position = _STRING_REST[quote].match(text, position).end()  # type: ignore[union-attr]
            elif kind == "op":
                value = match.group()
                if value in _OPENING:
                    depth += 1
                elif value in _CLOSING:
                    depth = max(depth - 1, 0)
                elif value == "=" and depth == 0 and first_equal:
                    first_equal = False
                    if _COMMAND.match(text, position):
                        command = continued(lines, bisect.bisect_right(starts, position) - 1)
                        break
        if command is not None:
            yield Logical(at, command, True)
            at = command + 1
            continue
        last = min(max(bisect.bisect_right(starts, position - 1) - 1, at), len(lines) - 1)
        yield Logical(at, last, False)
        at = last + 1
