"""Findings as a SARIF 2.1.0 log, the format code-scanning pages read."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .codes import CODES, OFF_BY_DEFAULT, Code, markdown
from .links import REPOSITORY, rule_page
from .documents import Link, Located, Problem

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
VERSION = "2.1.0"
TOOL = "flake8-keras-activation"
SOURCE_ROOT = "%SRCROOT%"  # relative URIs are relative to the directory the command ran in


def help_text(code: Code) -> str:
    """The rule's documentation as plain text."""
    return (
        f"{code.what}\n\nWhy is this bad? {code.why}\n\nExample:\n\n{code.example}\n"
        f"Use instead:\n\n{code.instead}\nFix safety: {code.fix_section}\n\nKnown limits: {code.limits}"
    )


def rule(code: Code) -> dict[str, Any]:
    return {
        "id": code.code,
        "name": code.slug,
        "shortDescription": {"text": code.summary},
        "fullDescription": {"text": code.what},
        "help": {"text": help_text(code), "markdown": markdown(code)},
        "helpUri": rule_page(code.code),
        "defaultConfiguration": {"level": "warning", "enabled": code.code not in OFF_BY_DEFAULT},
        "properties": {"tags": ["keras", "correctness"]},
    }


def _artifact(path: str, root: Path) -> dict[str, str]:
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": urllib.parse.quote(relative.as_posix()), "uriBaseId": SOURCE_ROOT}


def result(item: Located, root: Path, rule_index: dict[str, int]) -> dict[str, Any]:
    finding = item.finding
    text = finding.message
    region: dict[str, int]
    properties: dict[str, int] = {}
    if item.cell is None:
        region = {"startLine": item.line, "startColumn": item.col + 1}
        if item.end_line is not None and item.end_col is not None:
            region.update(endLine=item.end_line, endColumn=item.end_col + 1)
    else:
        # A notebook is one JSON file: the region is the file's line that shows the cell's line,
        # and the cell, line and column in the cell are told in the message and the properties.
        region = {"startLine": item.file_line or 1}
        text = f"{text} (cell {item.cell}, line {item.line}, column {item.col + 1})"
        properties = {"cell": item.cell, "cellLine": item.line, "cellColumn": item.col + 1}
    out: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index[finding.code],
        "level": "warning",
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(item.path, root), "region": region}}],
    }
    if item.related:
        out["relatedLocations"] = [_related(item, link, root, number) for number, link in enumerate(item.related, 1)]
    if properties:
        out["properties"] = properties
    return out


def _related(item: Located, link: Link, root: Path, number: int) -> dict[str, Any]:
    """A layer of the finding's chain (what it collapses into, the steps between), as a code-scanning
    page shows it beside the result."""
    text = link.label
    if link.cell is None:
        region = {"startLine": link.line, "startColumn": link.col + 1}
    else:
        region = {"startLine": link.file_line or 1}
        text = f"{text} (cell {link.cell}, line {link.line}, column {link.col + 1})"
    return {
        "id": number,
        "message": {"text": text},
        "physicalLocation": {"artifactLocation": _artifact(item.path, root), "region": region},
    }


def notification(problem: Problem, root: Path) -> dict[str, Any]:
    text = problem.message if problem.cell is None else f"cell {problem.cell}: {problem.message}"
    return {
        "level": "error",
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(problem.path, root)}}],
    }


def sarif_log(findings: Sequence[Located], problems: Sequence[Problem] = (), root: str | None = None) -> dict[str, Any]:
    """One run with every rule (so a page can show the help of each) and the findings as results."""
    base = Path(os.path.abspath(root if root is not None else os.getcwd()))
    rule_index = {code: index for index, code in enumerate(CODES)}
    return {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": REPOSITORY,
                        "rules": [rule(code) for code in CODES.values()],
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        # a file that could not be read was not checked: the run did not do its job
                        "executionSuccessful": not problems,
                        "toolExecutionNotifications": [notification(p, base) for p in problems],
                    }
                ],
                "results": [result(item, base, rule_index) for item in findings],
            }
        ],
    }
