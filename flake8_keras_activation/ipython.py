"""How IPython reads a cell before Python does: the indentation it removes, the lines it runs as
commands or magics, and the names a cell we cannot read may have changed.

The rules were measured on IPython 8.39 and 9.18 with ipykernel 7.4 (docs/design.md); this is our
own reading of them, not IPython's code.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import keyword
import os.path
import re
from typing import Container, Iterator, NamedTuple, Sequence

# The line magics of an ipykernel kernel (IPython's own, the kernel's, and the shell aliases
# IPython defines on POSIX and on Windows), which IPython runs without their `%` ("automagic")
# when a cell is one line. Magics of extensions (`%tensorboard` after `%load_ext`) are not known.
AUTOMAGIC = frozenset(
    """
    alias alias_magic autoawait autocall automagic autosave bookmark cat cd clear code_wrap colors
    conda config connect_info copy cp ddir debug dhist dirs doctest_mode echo ed edit env gui hist
    history killbgscripts ldir less lf lk ll load load_ext loadpy logoff logon logstart logstate
    logstop ls lsmagic lx macro magic mamba man matplotlib micromamba mkdir more mv notebook page
    pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint precision prun psearch psource pushd
    pwd pycat pylab qtconsole quickref recall rehashx reload_ext ren rep rerun reset reset_selective
    rm rmdir run save sc set_env subshell sx system tb time timeit unalias unload_ext uv who who_ls
    whos xdel xmode
    """.split()
)
# a cell that names none of them cannot shadow one: its bindings need not be looked for
_MAGIC_WORD = re.compile(r"\b(?:%s)\b" % "|".join(sorted(AUTOMAGIC, key=len, reverse=True)))

_MARGIN = re.compile(r"[ \t]*")
# `!ls`, `!!ls`, `%time f()`, `%%bash` out of place: IPython's escapes, at a logical line's start
_ESCAPE = re.compile(r"[ \t]*[!%]")
# `obj?`, `obj??`, `?obj`, `%magic?`: IPython's help syntax
_HELP = re.compile(r"[ \t]*(?:\?{1,2}[\w.%]+|[\w.%]+\?{1,2})[ \t]*")
# after the first `=` of a logical line: `files = !ls`, `home = %env HOME`
_COMMAND = re.compile(r"[ \t]*[!%]")
# what IPython's prefilter calls the function part of a line, and the rest
_FUNCTION = re.compile(r"[ \t]*([\w.*]*)[ \t]*(.*)", re.DOTALL)

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
_AUGMENTED = frozenset({"+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=", ">>=", "<<=", "**="})
# statements whose header ends at the first `:` outside brackets, with a statement after it
_COMPOUND = frozenset({"if", "elif", "else", "while", "for", "try", "except", "finally", "with", "def", "class"})


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
    tokens: tuple[tuple[str, str, int], ...] = ()  # (kind, text, bracket depth) of its names and operators


def logical_lines(lines: Sequence[str], tokens: bool = False) -> Iterator[Logical]:
    """The cell's logical lines (each line's text with its ending, as `source_lines` gives them).

    IPython looks for its escapes only where a logical line starts: a `%` that continues an
    expression inside brackets, or a `?` inside a string, is Python. An escaped line takes the
    lines its backslashes continue. Strings, comments and brackets are followed well enough for
    that on any text, valid or not, in one pass.

    With `tokens`, names and operators are kept, for reading a cell that does not parse; there a
    bracket left open would make the rest of the cell one expression, so a line inside brackets
    that starts with a name, no deeper than the logical line's first, starts a new one.
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
        kept: list[tuple[str, str, int]] = []
        base = len(_MARGIN.match(body).group())  # type: ignore[union-attr]
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
                if depth == 0 or (tokens and _restarts(text, position, base)):
                    break
            elif kind == "string":
                quote = match.group("string").lstrip("rRbBuUfFtT")
                position = _STRING_REST[quote].match(text, position).end()  # type: ignore[union-attr]
            elif kind in ("name", "op"):
                value = match.group()
                level = depth
                if value in _OPENING:
                    depth += 1
                elif value in _CLOSING:
                    depth = level = max(depth - 1, 0)
                elif value == "=" and depth == 0 and first_equal:
                    first_equal = False
                    if _COMMAND.match(text, position):
                        command = continued(lines, bisect.bisect_right(starts, position) - 1)
                if tokens:
                    kept.append((kind, value, level))
                if command is not None:
                    break
        if command is not None:
            yield Logical(at, command, True, tuple(kept))
            at = command + 1
            continue
        last = min(max(bisect.bisect_right(starts, position - 1) - 1, at), len(lines) - 1)
        yield Logical(at, last, False, tuple(kept))
        at = last + 1


def _restarts(text: str, position: int, base: int) -> bool:
    """Whether the line at `position` looks like a statement: a name first, indented no deeper than `base`."""
    margin = _MARGIN.match(text, position).end()  # type: ignore[union-attr]
    if margin - position > base:
        return False
    token = _TOKEN.match(text, margin)
    return token is not None and token.lastgroup == "name"


def automagic(line: str, bound: Container[str]) -> bool:
    """Whether IPython runs the only line of a cell as a magic written without its `%`.

    It does when the line starts with a magic's name, unless what follows is `=` or `,` (an
    assignment to that name), and unless the name is a keyword, a builtin or a name the user's
    code has bound (`bound`): then it is Python.
    """
    match = _FUNCTION.match(line.rstrip("\r\n"))
    assert match is not None  # every part is optional
    name, rest = match.groups()
    if rest[:1] in ("=", ","):
        return False
    return name in AUTOMAGIC and name not in bound and not hasattr(builtins, name) and not keyword.iskeyword(name)


def magic_bindings(text: str) -> frozenset[str]:
    """The magics' names that a module binds in its own scope (IPython then runs a line starting
    with one as Python). Whether a loop ran or a `del` came later is not known: a name bound
    anywhere counts, except `except ... as name`, which Python unbinds after the handler."""
    if not _MAGIC_WORD.search(text):
        return frozenset()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return frozenset()
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            stack.extend(node.decorator_list)
            continue  # the body is another scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.alias) and node.name != "*":
            found.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(found & AUTOMAGIC)


# ---- a cell we cannot read ------------------------------------------------------------------


def unknown_effects(lines: Sequence[str], call: str) -> str:
    """One line of Python that does to the names a cell mentions what anything might have done:
    every name or dotted name the cell mentions goes to one call of `call` (which the analysis
    cannot follow, so a model given to it may have changed), every one it assigns is bound to the
    result of such a call, and whatever it calls `add` on is given such a result as a layer (a
    model compiled before is taken to be finished, so that being handed to the call would not say
    it changed).

    The cell's text need not be Python: strings and comments are skipped, IPython's lines too,
    and anything else is read as far as it goes, in time linear in the text.
    """
    names = _Names({}, {}, {})
    for logical in logical_lines(lines, tokens=True):
        for statement in _statements(_items(logical.tokens)):
            _read_statement(statement, names)
    parts = [f"{call}({', '.join(names.mentioned)})"] if names.mentioned else []
    parts.extend(f"{name}.add({call}({name}))" for name in names.added)
    parts.extend(f"{name} = {call}({name})" for name in names.assigned)
    return "; ".join(parts) or "pass"


class _Names(NamedTuple):
    """What a cell that does not parse does with names, each in the order first seen."""

    mentioned: dict[str, None]
    assigned: dict[str, None]
    added: dict[str, None]  # what `.add(...)` is called on


# A dotted name is kept to its first parts: Python's tree of a longer one is that deep, and a
# model is never further down than `self.a.b`.
_MAX_PARTS = 8


def _items(tokens: Sequence[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """The tokens with names joined into dotted chains (`("chain", "self.model", depth)`); keywords
    and operators as they are; an attribute of something that is not a name is dropped."""
    out: list[tuple[str, str, int]] = []
    index, count = 0, len(tokens)
    while index < count:
        kind, value, depth = tokens[index]
        if kind == "name" and value.isidentifier() and not keyword.iskeyword(value):
            if out and out[-1][:2] == ("op", "."):
                index += 1  # `f(x).y`, `"sep".join`: not a name of its own
                continue
            parts = [value]
            index += 1
            while (
                index + 1 < count
                and tokens[index][:2] == ("op", ".")
                and tokens[index + 1][0] == "name"
                and tokens[index + 1][1].isidentifier()
                and not keyword.iskeyword(tokens[index + 1][1])
            ):
                if len(parts) < _MAX_PARTS:
                    parts.append(tokens[index + 1][1])
                index += 2
            out.append(("chain", ".".join(parts), depth))
            continue
        out.append(("keyword" if kind == "name" else kind, value, depth))
        index += 1
    return out


def _statements(items: list[tuple[str, str, int]]) -> Iterator[list[tuple[str, str, int]]]:
    """A logical line's statements: split at `;`, and after a compound statement's header."""
    start = 0
    for index, (kind, value, depth) in enumerate(items):
        if kind != "op" or depth != 0:
            continue
        if value == ";":
            yield items[start:index]
            start = index + 1
        elif value == ":" and _header(items, start):
            yield items[start : index + 1]
            start = index + 1
    yield items[start:]


def _header(items: list[tuple[str, str, int]], start: int) -> bool:
    """Whether the statement that starts at `start` is a compound statement's header."""
    if start >= len(items):
        return False
    kind, value, _ = items[start]
    if (kind, value) == ("keyword", "async") and start + 1 < len(items):
        kind, value, _ = items[start + 1]
    return kind == "keyword" and value in _COMPOUND


def _read_statement(items: list[tuple[str, str, int]], names: _Names) -> None:
    if not items:
        return
    head = items[1:] if items[0][:2] == ("keyword", "async") else items
    word = head[0][1] if head and head[0][0] == "keyword" else None
    targets: list[str] = []
    if word in ("def", "class"):
        if len(head) > 1 and head[1][0] == "chain":
            targets.append(head[1][1])
    elif word == "import":
        targets.extend(_imported(head[1:], first_part=True))
    elif word == "from":
        after = next((i for i, item in enumerate(head) if item[:2] == ("keyword", "import")), len(head))
        targets.extend(_imported(head[after + 1 :], first_part=False))
    elif word == "del":
        targets.extend(value for kind, value, _ in head if kind == "chain")
    elif word is None:
        targets.extend(_assigned(head))
    # One pass for what binds anywhere in a statement: `for` targets up to their `in` (loops and
    # comprehensions), what follows `as` (a name, or a bracketed group), and walrus targets.
    loops: list[int] = []  # the depths of the `for`s whose `in` has not come yet
    groups: list[int] = []  # the depths of the brackets opened right after an `as`
    for index, (kind, value, depth) in enumerate(items):
        if kind == "chain":
            parts = value.split(".")
            for end in range(1, len(parts) + 1):
                names.mentioned[".".join(parts[:end])] = None
            if len(parts) > 1 and parts[-1] == "add":
                names.added[".".join(parts[:-1])] = None
            if (loops and depth >= loops[-1]) or (groups and depth > groups[-1]):
                targets.append(value)
            elif index and items[index - 1][:2] == ("keyword", "as"):
                targets.append(value)
        elif kind == "keyword" and value == "for":
            loops.append(depth)
        elif kind == "keyword" and value == "in":
            while loops and loops[-1] >= depth:
                loops.pop()
        elif kind == "op" and value in _OPENING and index and items[index - 1][:2] == ("keyword", "as"):
            groups.append(depth)
        elif kind == "op" and value in _CLOSING:
            while groups and groups[-1] >= depth:
                groups.pop()
            while loops and loops[-1] > depth:
                loops.pop()
        elif kind == "op" and value == ":=" and index and items[index - 1][0] == "chain":
            targets.append(items[index - 1][1])
    for target in targets:
        if "__debug__" not in target.split("."):  # the one name Python refuses to bind
            names.assigned[target] = None


def _assigned(items: list[tuple[str, str, int]]) -> list[str]:
    """The targets of a simple statement: what comes before its last `=` or augmented operator
    outside brackets (before an annotation's `:`, not the annotation)."""
    last = max(
        (
            i
            for i, (kind, value, depth) in enumerate(items)
            if kind == "op" and depth == 0 and (value == "=" or value in _AUGMENTED)
        ),
        default=None,
    )
    if last is None:
        return []
    out = []
    annotated = False
    for kind, value, depth in items[:last]:
        if kind == "op" and depth == 0:
            if value == ":":
                annotated = True
            elif value == "=" or value in _AUGMENTED:
                annotated = False
        elif kind == "chain" and not annotated:
            out.append(value)
    return out


def _imported(items: list[tuple[str, str, int]], first_part: bool) -> list[str]:
    """What `import a.b, c` or `from m import (a, b)` binds; an `as` is read where it stands."""
    out = []
    pending: str | None = None
    for kind, value, _ in [*items, ("op", ",", 0)]:
        if kind == "chain":
            pending = value.split(".")[0] if first_part else value
        elif kind == "keyword" and value == "as":
            pending = None
        elif kind == "op" and value in (",", ")"):
            if pending is not None:
                out.append(pending)
            pending = None
    return out
