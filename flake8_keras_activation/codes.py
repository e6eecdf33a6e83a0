"""Every code the tool reports, with its message and its documentation: the one table, collected
from the rule families (each family's module holds its own codes)."""

from __future__ import annotations

from .finding import SAFE, UNSAFE, Code, Finding
from .rules import collapse, comments, output, shapes
from .screen import OFF_BY_DEFAULT

__all__ = [
    "CODES", "FIXABLE", "OFF_BY_DEFAULT", "SAFE", "UNSAFE", "Code", "Finding", "applied", "fix_offered", "markdown"
]

CODES: dict[str, Code] = {code.code: code for family in (collapse, output, shapes, comments)
                          for code in family.CODES}
# The codes with a mechanical fix, each of them safe or unsafe as the table says
FIXABLE = frozenset(code for code, entry in CODES.items() if entry.fix_safety is not None)
# Their fix is tried at the reported call itself (an `**kwargs` or a `Softmax()` layer may still
# refuse it); every other fixable code's finding names in `arguments` what its fix edits, and names
# nothing when there is no mechanical fix (a string loss, `batch_input_shape` on a first layer).
_TRIED_AT_THE_CALL = frozenset({"KA101", "KA201"})


def fix_offered(finding: Finding) -> str | None:
    """The safety (SAFE or UNSAFE) of the fix `fix` would make for this finding; None when it has none."""
    entry = CODES.get(finding.code)
    if entry is None or entry.fix_safety is None:
        return None
    if finding.code in _TRIED_AT_THE_CALL or finding.arguments:
        return entry.fix_safety
    return None


def applied(finding: Finding, unsafe_fixes: bool) -> bool:
    """Whether `fix` (with `--unsafe-fixes` or not) makes this finding's fix."""
    safety = fix_offered(finding)
    return safety == SAFE or (safety == UNSAFE and unsafe_fixes)


def markdown(code: Code, level: int = 3) -> str:
    """The documentation of a code in ruff's template: a section (level 3) or a page (level 1)."""
    return (
        f"{'#' * level} {code.code} `{code.slug}`\n\n"
        f"**What it does.** {code.what}\n\n"
        f"**Why is this bad?** {code.why}\n\n"
        f"**Example**\n\n```python\n{code.example}```\n\n"
        f"**Use instead**\n\n```python\n{code.instead}```\n\n"
        f"**Fix safety.** {code.fix_section}\n\n"
        f"**Known limits.** {code.limits}\n"
    )
