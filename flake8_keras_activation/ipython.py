"""How IPython reads a cell before Python does: the indentation it removes, and the lines it runs
as commands or magics (a cell of one line may call one without its `%`).

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
from typing import AbstractSet, Iterator, NamedTuple, Sequence

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


def automagic(line: str, bound: AbstractSet[str]) -> bool:
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


def magic_bindings(tree: ast.Module, text: str) -> frozenset[str]:
    """The magics' names that a module binds in its own scope (IPython then runs a line starting
    with one as Python). Whether a loop ran or a `del` came later is not known: a name bound
    anywhere counts, except `except ... as name`, which Python unbinds after the handler."""
    if not _MAGIC_WORD.search(text):
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
