"""What a rule reports: one finding, and the documentation record of a code."""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    code: str
    slug: str
    summary: str  # one line, for listings and SARIF's shortDescription
    what: str
    why: str
    example: str
    instead: str
    fix: str
    limits: str


class Finding(NamedTuple):
    """One report: flake8's position (1-based line, 0-based column) and the full message."""

    line: int
    col: int
    code: str
    message: str  # without the code
    layer: str = ""  # the catalog key of the reported layer ("layers.Dense"), for fixes
    arguments: tuple[str, ...] = ()  # KA102: the input-shape keywords to remove
    call: tuple[int, int] | None = None  # the call that holds the reported argument (KA102), for fixes

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"
