"""KA900: the codes of ours in a `# noqa` comment that silence nothing, found as ruff's RUF100 finds
them, and the safe fix that takes them out of the comment.

Light on purpose: the flake8 plugin reports KA900 too, and imports this with the analysis.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable, NamedTuple, Sequence

from .finding import Finding
from .screen import UNUSED_NOQA
from .selection import _NOQA, _SEPARATORS, logical_spans, physical_lines

# A `# noqa:` whose line goes on to name a code of ours: a superset of what is judged, found
# without tokenizing the file
_ANY_OF_OURS = re.compile(r"# noqa:[^\r\n]*KA[0-9]", re.IGNORECASE)
# A code of ours as a `# noqa` lists it (flake8 compares codes as written, so `ka101` is ours but
# silences nothing); KA9xx is left alone, as a `# noqa: KA900` may silence this very report.
_OURS = re.compile(r"KA[0-9]", re.IGNORECASE)
_OWN = re.compile(r"KA9", re.IGNORECASE)


class _Comment(NamedTuple):
    row: int  # 0-based
    col: int  # where its `# noqa` starts, in characters
    codes: tuple[str, ...]


def _directives(text: str) -> list[_Comment] | None:
    """Every `# noqa: CODES` written in a comment (one in a string is not a comment, and a bare
    `# noqa` lists nothing to judge); None when the text does not tokenize."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = _NOQA.search(token.string)
            if match is None or match.group("codes") is None:
                continue
            codes = tuple(part for part in _SEPARATORS.split(match.group("codes")) if part)
            found.append(_Comment(token.start[0] - 1, token.start[1] + match.start(), codes))
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def _deciding(lines: Sequence[str], spans: Sequence[tuple[int, int]], line: int) -> tuple[int, int] | None:
    """Where (row, col) the `# noqa` that flake8 reads for a finding on `line` starts: the first one
    in the lines of its statement (selection.silenced reads the same)."""
    if not 1 <= line <= len(lines):
        return None
    first, last = spans[line - 1]
    searched = "\n".join(lines[first : last + 1])
    match = _NOQA.search(searched)
    if match is None:
        return None
    before = searched[: match.start()]
    row = first + before.count("\n")
    return row, match.start() - (before.rfind("\n") + 1)


def unused_noqa(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """A KA900 finding for each `# noqa` comment listing codes of ours that silence none of `findings`
    (every finding of the module, before any selection: a code silences what it would silence
    under any selection, so the editor, flake8 and the command agree on what is unused)."""
    if _ANY_OF_OURS.search(text) is None:  # most files: no `# noqa` lists a code of ours
        return []
    comments = _directives(text)
    if not comments:
        return []
    lines = physical_lines(text)
    spans = logical_spans(text)
    if spans is None:
        return []
    used: dict[tuple[int, int], set[str]] = {}
    for finding in findings:
        where = _deciding(lines, spans, finding.line)
        if where is not None:
            used.setdefault(where, set()).add(finding.code)
    out = []
    for comment in comments:
        silenced = used.get((comment.row, comment.col), set())
        unused = tuple(
            code for code in comment.codes
            if _OURS.match(code) and not _OWN.match(code) and not any(found.startswith(code) for found in silenced)
        )
        if unused:
            listed = ", ".join(unused)
            verb = "silences" if len(unused) == 1 else "silence"
            out.append(Finding(comment.row + 1, comment.col, UNUSED_NOQA,
                               f"unused noqa: {listed} {verb} nothing here; remove it from the comment",
                               arguments=unused))
    return out


def with_unused_noqa(text: str, findings: list[Finding]) -> list[Finding]:
    """`findings` and their KA900 findings, in order of position."""
    unused = unused_noqa(text, findings)
    if not unused:
        return findings
    return sorted([*findings, *unused], key=lambda f: (f.line, f.col, f.code))


# ---- the fix --------------------------------------------------------------------------------

_ENDING = re.compile(r"\r\n|\r|\n")


def without_codes(line: str, col: int, codes: Sequence[str]) -> str | None:
    """The physical `line` (without its ending) with `codes` taken out of the `# noqa` at `col`: the
    whole directive when none is left (text after it stays a comment), else the list in its own
    style. None when there is no such directive there."""
    match = _NOQA.match(line, col)
    if match is None or match.group("codes") is None:
        return None
    listed = match.group("codes")
    kept = [code for code in _SEPARATORS.split(listed) if code and code not in codes]
    if not kept:
        after = line[match.end():]
        if after.strip():  # `# noqa: KA101 because ...` keeps `# because ...`
            return line[:match.start()] + "# " + after.lstrip()
        return line[:match.start()].rstrip()
    body = listed.rstrip(", \t")
    separator = ", " if ", " in body else "," if "," in body else " "
    tail = listed[len(body):].replace(",", "")
    return line[: match.start("codes")] + separator.join(kept) + tail + line[match.end("codes"):]


def remove_unused(text: str, findings: Iterable[Finding]) -> tuple[str, list[Finding]]:
    """`text` with each KA900 finding's codes taken out of its comment, and the findings fixed."""
    pieces = _ENDING.split(text)
    endings = _ENDING.findall(text)
    fixed = []
    for finding in findings:
        row = finding.line - 1
        if finding.code != UNUSED_NOQA or not 0 <= row < len(pieces):
            continue
        new = without_codes(pieces[row], finding.col, finding.arguments)
        if new is not None:
            pieces[row] = new
            fixed.append(finding)
    if not fixed:
        return text, []
    endings.append("")
    return "".join(piece + ending for piece, ending in zip(pieces, endings)), fixed
