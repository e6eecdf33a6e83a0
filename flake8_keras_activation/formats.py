"""How `check` prints its findings: flake8's text (with colour, source and statistics), JSON, SARIF, GitHub."""

from __future__ import annotations

import os
from typing import Any, Mapping, NamedTuple, Sequence

from .codes import CODES
from .documents import Located, Problem, printable

FORMATS = ("text", "json", "sarif", "github")

# flake8's colours for its default format
_BOLD, _RED, _CYAN, _RESET = "\033[1m", "\033[31m", "\033[36m", "\033[m"


class Style(NamedTuple):
    """How the text format looks."""

    colour: bool = False
    show_source: bool = False
    quiet: int = 0  # 1: each file's name once; 2: nothing
    statistics: bool = False


def wants_colour(choice: str, is_terminal: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """--color, else NO_COLOR and FORCE_COLOR (set and not empty), else whether output is a terminal."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return is_terminal and environ.get("TERM") != "dumb"


def _text_line(item: Located, colour: bool) -> str:
    # one finding, one line: a name or message cannot add lines, nor colours (printable)
    code, message = item.finding.code, printable(item.finding.message)
    if item.fixable:  # as ruff marks what its --fix would fix
        message = f"[*] {message}"
    if not colour:
        return f"{item.place}: {code} {message}"
    cell = f"{_CYAN}:{_RESET}cell_{item.cell}" if item.cell is not None else ""
    colon = f"{_CYAN}:{_RESET}"
    return (
        f"{_BOLD}{printable(item.path)}{_RESET}{cell}{colon}{item.line}{colon}{item.col + 1}{colon} "
        f"{_BOLD}{_RED}{code}{_RESET} {message}"
    )


def _source(item: Located) -> str:
    """flake8's --show-source: the line, and a caret under the column (tabs kept, so it lines up)."""
    line = (item.source or "").rstrip("\r\n")
    pad = "".join(char if char == "\t" else " " for char in line[: item.col])
    return f"{line}\n{pad}^"


def statistics(findings: Sequence[Located]) -> list[str]:
    """flake8's --statistics: per code, the count and the first message."""
    first: dict[str, Located] = {}
    count: dict[str, int] = {}
    for item in findings:
        first.setdefault(item.finding.code, item)
        count[item.finding.code] = count.get(item.finding.code, 0) + 1
    return [f"{count[code]:<5} {code} {printable(first[code].finding.message)}" for code in sorted(count)]


def text(findings: Sequence[Located], style: Style) -> str:
    lines: list[str] = []
    if style.quiet >= 2:
        return ""
    if style.quiet == 1:
        seen: dict[str, None] = {}
        for item in findings:
            seen.setdefault(printable(item.path))
        lines = list(seen)
    else:
        for item in findings:
            lines.append(_text_line(item, style.colour))
            if style.show_source and item.source is not None:
                lines.append(_source(item))
    if style.statistics:
        lines.extend(statistics(findings))
    return "".join(line + "\n" for line in lines)


def as_json(item: Located) -> dict[str, Any]:
    return {
        "path": item.path,
        "cell": item.cell,
        "line": item.line,
        "column": item.col + 1,
        "code": item.finding.code,
        "name": CODES[item.finding.code].slug,
        "message": item.finding.message,
    }


def _escape_data(value: str) -> str:
    # GitHub's workflow-command escaping: the message may hold any character but these three
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Located], problems: Sequence[Problem] = ()) -> str:
    """One `::warning` workflow command per finding (`::error` per file that could not be checked):
    GitHub Actions shows them on the pull request's lines."""
    lines = []
    for item in findings:
        if item.cell is not None:  # a notebook is one JSON file: the line that shows the cell's line
            properties = [f"file={_escape_property(item.path)}", f"line={item.file_line or 1}"]
        else:
            properties = [f"file={_escape_property(item.path)}", f"line={item.line}", f"col={item.col + 1}"]
        if item.cell is None and item.end_line is not None and item.end_col is not None:
            properties += [f"endLine={item.end_line}", f"endColumn={item.end_col + 1}"]
        properties.append(f"title={_escape_property(item.finding.code)}")
        where = f"cell {item.cell}, line {item.line}, column {item.col + 1}: " if item.cell is not None else ""
        message = f"{where}{item.finding.code} {item.finding.message}"
        lines.append(f"::warning {','.join(properties)}::{_escape_data(message)}")
    for problem in problems:
        lines.append(f"::error file={_escape_property(problem.path)}::{_escape_data(str(problem))}")
    return "".join(line + "\n" for line in lines)


def _dumps(value: Any) -> str:
    import json  # here: the text format starts faster without it

    return json.dumps(value, indent=2) + "\n"


def render(format: str, findings: Sequence[Located], problems: Sequence[Problem], style: Style) -> str:
    """The whole report in one format."""
    if format == "json":
        return _dumps([as_json(item) for item in findings])
    if format == "sarif":
        from .sarif import sarif_log

        return _dumps(sarif_log(findings, problems))
    if format == "github":
        report = github(findings, problems)
        return report + ("".join(line + "\n" for line in statistics(findings)) if style.statistics else "")
    return text(findings, style)
