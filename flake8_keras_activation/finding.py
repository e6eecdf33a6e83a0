"""What a rule reports: one finding, and the documentation record of a code."""

from __future__ import annotations

from typing import NamedTuple

# How far a code's fix may be trusted, as ruff draws the line: a safe fix keeps what the model
# computes (it removes what Keras ignores, or makes a model build that would not), so `fix` and
# the editor's fix-all apply it; an unsafe one changes what the model computes or learns (often
# the point: a missing activation), so it waits for `--unsafe-fixes` or a quick fix chosen by hand.
SAFE = "safe"
UNSAFE = "unsafe"
# How each rule's "Fix safety" section opens, so that the docs say the table's word for it
SAFETY_OPENING = {
    SAFE: "Safe (`fix` applies it): ",
    UNSAFE: "Unsafe (`fix` applies it with `--unsafe-fixes`): ",
    None: "",  # those sections say "No automatic fix" themselves
}


class Code(NamedTuple):
    code: str
    slug: str
    summary: str  # one line, for listings and SARIF's shortDescription
    what: str
    why: str
    example: str
    instead: str
    fix: str  # the "Fix safety" section after its opening, which `fix_section` takes from `fix_safety`
    limits: str
    fix_safety: str | None = None  # SAFE or UNSAFE; None: no mechanical fix

    @property
    def fix_section(self) -> str:
        """The "Fix safety" section as the docs, `explain` and SARIF give it: the table's word first."""
        return SAFETY_OPENING[self.fix_safety] + self.fix


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
