"""Which findings the command reports: flake8's --select/--ignore rules and its noqa comments."""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple, Sequence

from .finding import Finding
from .screen import OFF_BY_DEFAULT

# flake8's inline syntax: `# noqa` alone silences every code on the line, `# noqa: A1,B2` (or
# `# noqa:A1 B2`) the codes that start with a listed one. As in flake8, the word is matched
# in any case but the codes are compared as written.
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
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


def silenced(finding: Finding, lines: Sequence[str]) -> bool:
    """True when the finding's physical line carries a noqa comment that covers its code."""
    if not 1 <= finding.line <= len(lines):
        return False
    match = _NOQA.search(lines[finding.line - 1])
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    return finding.code.startswith(tuple(part for part in _SEPARATORS.split(codes) if part))


def reported(findings: Iterable[Finding], text: str, selection: Selection) -> list[Finding]:
    """The findings that survive the selection and the noqa comments of `text`."""
    wanted = [f for f in findings if selection.wants(f.code)]
    if not wanted:
        return []
    lines = physical_lines(text)
    if silenced_for_file(lines):
        return []
    return [f for f in wanted if not silenced(f, lines)]
