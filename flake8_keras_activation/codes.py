"""Every code the tool reports, with its message and its documentation: the one table, collected
from the rule families (each family's module holds its own codes)."""

from __future__ import annotations

from .finding import Code, Finding
from .rules import collapse, output, shapes
from .screen import OFF_BY_DEFAULT

__all__ = ["CODES", "OFF_BY_DEFAULT", "Code", "Finding", "markdown"]

CODES: dict[str, Code] = {code.code: code for family in (collapse, output, shapes) for code in family.CODES}


def markdown(code: Code, level: int = 3) -> str:
    """The documentation of a code in ruff's template: a section (level 3) or a page (level 1)."""
    return (
        f"{'#' * level} {code.code} `{code.slug}`\n\n"
        f"**What it does.** {code.what}\n\n"
        f"**Why is this bad?** {code.why}\n\n"
        f"**Example**\n\n```python\n{code.example}```\n\n"
        f"**Use instead**\n\n```python\n{code.instead}```\n\n"
        f"**Fix safety.** {code.fix}\n\n"
        f"**Known limits.** {code.limits}\n"
    )
