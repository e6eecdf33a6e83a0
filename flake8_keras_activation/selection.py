"""Which findings the command reports: flake8's --select/--ignore rules and its noqa comments."""

from __future__ import annotations

import io
import re
import sys
import tokenize
from typing import Iterable, NamedTuple, Sequence

from .finding import Finding
from .screen import OFF_BY_DEFAULT, UNUSED_NOQA

# flake8's inline syntax: `# noqa` alone silences every code on the line, `# noqa: A1,B2` (or
# `# noqa:A1 B2`) the codes that start with a listed one. As in flake8, the word is matched
# in any case but the codes are compared as written, and the list is read as flake8 reads it:
# codes one after the other, each followed or not by separators, so `# noqa:KA101KA102` lists
# one code, `KA101KA102`, which silences nothing (real flake8 7 run on it).
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>(?:[A-Z]+[0-9]+[,\s]*)+))?", re.IGNORECASE)
# A line that starts with `# flake8: noqa` skips the whole file, as flake8 does (codes or not).
_FILE_NOQA = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,\s]+")
# ast counts lines at these endings only; str.splitlines would also split at \x0c, \x1c, \u2028, ...
_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")


def parse_codes(value: str) -> tuple[str, ...]:
    """`KA101, ka102` -> ("KA101", "KA102"), as flake8 reads a list of codes or prefixes."""
    return tuple(part.upper() for part in _SEPARATORS.split(value) if part)


class Selection(NamedTuple):
    """flake8's decision: the longest matching prefix wins, and an explicit --select turns on
    codes that are off by default."""

    select: tuple[str, ...] | None = None  # None: every code that is on by default
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, code: str) -> bool:
        chosen = self._selected(code)
        if chosen is None:
            return False
        ignored = max((len(prefix) for prefix in self.ignore if code.startswith(prefix)), default=-1)
        return chosen > ignored

    def _selected(self, code: str) -> int | None:
        """How specific the selection of `code` is (0: by default), or None if it is not selected."""
        explicit = [len(p) for p in (*(self.select or ()), *self.extend_select) if code.startswith(p)]
        if explicit:
            return max(explicit)
        if self.select is None and code not in OFF_BY_DEFAULT:
            return 0
        return None


def physical_lines(text: str) -> list[str]:
    """The lines as ast numbers them (without their endings)."""
    return _LINE_ENDINGS.split(text)


def silenced_for_file(lines: Iterable[str]) -> bool:
    """True when a line starting with `# flake8: noqa` asks to skip the file."""
    return any(_FILE_NOQA.match(line) for line in lines)


def logical_spans(text: str) -> list[tuple[int, int]] | None:
    """For each physical line (0-based), the first and last rows of the lines its statement's
    tokens run over without a line break of the tokenizer's own: what flake8 searches for the
    `# noqa` of a finding on that line. Lines joined by a backslash, or by a string that goes on
    past the end of a line, share one span; inside brackets each line is its own (the tokenizer
    ends each with NL). None when the text does not tokenize (flake8 then reads the physical line).

    Found by running flake8 7 on such files: a `# noqa` after a backslash continuation silences
    the statement's first line, a `# noqa` inside a triple-quoted string silences its lines, and
    the first `# noqa` in the span decides, even one in a string.
    """
    lines = physical_lines(text)
    spans = [(row, row) for row in range(len(lines))]
    if not _may_join_lines(text):
        return spans
    first = last = -1
    try:
        # universal newlines, so rows are counted at \r\n, \r and \n, as ast and flake8 count them
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue  # placed on the next statement's line, which they do not join
            start, end = token.start[0] - 1, token.end[0] - 1
            first = start if first < 0 else min(first, start)
            last = max(last, end)
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                for row in range(first, min(last, len(lines) - 1) + 1):
                    spans[row] = (first, last)
                first = last = -1
    except (tokenize.TokenError, SyntaxError):
        return None
    return spans


def _may_join_lines(text: str) -> bool:
    # A token runs past its line only in a string continued by a backslash or written with
    # triple quotes, and a statement only with a backslash; Python 3.12's f-strings may also hold
    # line breaks within their braces. Else no span has two lines, and tokenizing (about 15 ms
    # per 1,000 lines here) is saved; `reported` needs it only when a `# noqa` is there at all.
    return "\\" in text or '"""' in text or "'''" in text or sys.version_info >= (3, 12)


def searched(lines: Sequence[str], spans: Sequence[tuple[int, int]] | None, line: int) -> str:
    """The text searched for the `# noqa` of a finding on `line` (1-based): its span's lines."""
    if spans is None:
        return lines[line - 1]
    first, last = spans[line - 1]
    return "\n".join(lines[first : last + 1])


def silenced(finding: Finding, lines: Sequence[str], spans: Sequence[tuple[int, int]] | None = None) -> bool:
    """True when a noqa comment covers the finding's code: on its physical line, or, given
    `logical_spans`, the first one in its span's lines, as flake8 decides."""
    if not 1 <= finding.line <= len(lines):
        return False
    match = _NOQA.search(searched(lines, spans, finding.line))
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    return finding.code.startswith(tuple(part for part in _SEPARATORS.split(codes) if part))


def reported(findings: Iterable[Finding], text: str, selection: Selection) -> list[Finding]:
    """The findings that survive the selection and the noqa comments of `text`; with KA900 selected,
    the unused codes of those comments too (judged against every finding, selected or not)."""
    if selection.wants(UNUSED_NOQA):
        from .unused_noqa import with_unused_noqa  # it reads this module's comments

        findings = with_unused_noqa(text, list(findings))
    wanted = [f for f in findings if selection.wants(f.code)]
    if not wanted:
        return []
    lines = physical_lines(text)
    if silenced_for_file(lines):
        return []
    if not _NOQA.search(text):
        return wanted  # nothing to silence: the spans are never needed
    spans = logical_spans(text)
    return [f for f in wanted if not silenced(f, lines, spans)]
