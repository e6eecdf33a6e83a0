"""How `check` prints its findings: flake8's text (with colour, source and statistics), JSON, SARIF, GitHub, GitLab."""

from __future__ import annotations

import os
import re
from typing import Any, Mapping, NamedTuple, Sequence

from .codes import CODES
from .documents import Located, Problem, printable

FORMATS = ("text", "json", "sarif", "github", "gitlab")

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


def repository_root(start: str | None = None) -> str:
    """The top of the git work tree holding `start` (the current directory), else `start` itself.

    Found by looking for `.git` (a directory, or the file of a worktree or submodule) upward rather
    than by asking `git rev-parse`: no process to start, and an answer where git is missing or
    refuses a checkout owned by another user (its "dubious ownership" check, common in CI containers).
    """
    here = os.path.realpath(start if start is not None else os.getcwd())
    directory = here
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return here
        directory = parent


def repository_path(path: str, root: str) -> str:
    """`path` as code hosts name a file of the repository: relative to `root`, with forward slashes
    and no `./`; a file outside `root` keeps its absolute path (no page can show it anyway)."""
    absolute = os.path.abspath(path)
    for candidate in (absolute, os.path.realpath(absolute)):  # a path through a link to the tree
        try:
            relative = os.path.relpath(candidate, root)
        except ValueError:  # another drive
            continue
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return relative.replace(os.sep, "/")
    return absolute.replace(os.sep, "/")


def _escape_data(value: str) -> str:
    # GitHub's workflow-command escaping: the message may hold any character but these three
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Located], problems: Sequence[Problem] = (), root: str | None = None) -> str:
    """One `::warning` workflow command per finding (`::error` per file that could not be checked):
    GitHub Actions shows them on the pull request's lines, when the file is named from the
    repository's root (`root`, by default the git work tree of the current directory)."""
    base = root if root is not None else repository_root()
    lines = []
    for item in findings:
        file = f"file={_escape_property(repository_path(item.path, base))}"
        if item.cell is not None:  # a notebook is one JSON file: the line that shows the cell's line
            properties = [file, f"line={item.file_line or 1}"]
        else:
            properties = [file, f"line={item.line}", f"col={item.col + 1}"]
        if item.cell is None and item.end_line is not None and item.end_col is not None:
            properties += [f"endLine={item.end_line}", f"endColumn={item.end_col + 1}"]
        properties.append(f"title={_escape_property(item.finding.code)}")
        where = f"cell {item.cell}, line {item.line}, column {item.col + 1}: " if item.cell is not None else ""
        message = f"{where}{item.finding.code} {item.finding.message}"
        lines.append(f"::warning {','.join(properties)}::{_escape_data(message)}")
    for problem in problems:
        file = _escape_property(repository_path(problem.path, base))
        lines.append(f"::error file={file}::{_escape_data(str(problem))}")
    return "".join(line + "\n" for line in lines)


# GitLab's scale is info, minor, major, critical, blocker. Every code is a mistake in the model or its
# training (it cannot learn what it is meant to, trains on a wrong loss, or fails at `fit`): major.
# The two codes that are off by default are judgement calls the user opted into: KA104 is a
# collapse that looks deliberate, KA210 a bounded output that some targets justify.
GITLAB_SEVERITY = {"KA104": "info", "KA210": "minor"}
GITLAB_DEFAULT_SEVERITY = "major"
# where a message names another line (`(line 15)`, `(cell 2, line 3)`, `(y_train, line 9)`): inserting
# lines above a finding must not change its fingerprint
_LINE_NUMBER = re.compile(r"\b(?:cell \d+, )?line \d+")


def fingerprint_text(message: str) -> str:
    """A message without the line (and cell) numbers it names, which move when code is inserted above."""
    return _LINE_NUMBER.sub("line", message)


def gitlab(findings: Sequence[Located], root: str | None = None) -> list[dict[str, Any]]:
    """GitLab Code Quality issues, one per finding, named from the repository's root (`root`, by
    default the git work tree of the current directory), as GitLab's merge request pages name files.

    GitLab matches a finding across pipelines by its fingerprint: here the path, the code and the
    message without line numbers, so that code inserted above leaves it unchanged, with an
    occurrence number among the same (path, code, message) so that two identical findings in one
    file stay two (GitLab shows one entry per fingerprint).
    """
    import hashlib  # here: only this format hashes

    base = root if root is not None else repository_root()
    seen: dict[tuple[str, str, str], int] = {}
    issues = []
    for item in findings:
        path, code = repository_path(item.path, base), item.finding.code
        text = fingerprint_text(item.finding.message)
        occurrence = seen.get((path, code, text), 0)
        seen[(path, code, text)] = occurrence + 1
        identity = "\0".join((path, code, text, str(occurrence)))
        description = item.finding.message
        if item.cell is None:
            begin, end = item.line, item.end_line or item.line
        else:  # a notebook is one JSON file: the lines that show the cell's, the cell named in the text
            begin = item.file_line or 1
            end = max(begin, item.end_file_line or begin)
            description = f"{description} (cell {item.cell}, line {item.line}, column {item.col + 1})"
        issues.append({
            "description": description,
            "check_name": code,
            "fingerprint": hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest(),
            "severity": GITLAB_SEVERITY.get(code, GITLAB_DEFAULT_SEVERITY),
            "location": {"path": path, "lines": {"begin": begin, "end": end}},
        })
    return issues


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
    if format == "gitlab":  # a file that could not be read has no place in it: stderr says so, exit 1
        return _dumps(gitlab(findings))
    if format == "github":
        report = github(findings, problems)
        return report + ("".join(line + "\n" for line in statistics(findings)) if style.statistics else "")
    return text(findings, style)
