"""Where the project's pages are: the one address every surface links to.

The rule pages (docs/rules/KA101.md ...) are generated from the table of codes and committed, so a
link to them in the repository works for every install (a `file:` link into the installed package
did not: a wheel carries no README or docs). pyproject.toml's `[project.urls]` declares the same
address (tests/test_docs.py holds them together).
"""

from __future__ import annotations

REPOSITORY = "https://github.com/flake8-keras-activation/flake8-keras-activation"
BRANCH = "main"
RULES_DIR = "docs/rules"


def rule_page(code: str) -> str:
    """The rule's page in the repository, as a forge shows it."""
    return f"{REPOSITORY}/blob/{BRANCH}/{RULES_DIR}/{code}.md"
