"""Checking many files: one file's work, and a pool of processes that keeps the files' order."""

from __future__ import annotations

import os
from typing import Iterator, NamedTuple, Sequence

from .documents import Document, DocumentError, Located, Problem, from_bytes, load
from .selection import Selection
from .source import source_lines

# below this many files per process, starting the processes costs more than it saves
_FILES_PER_JOB = 8


class Task(NamedTuple):
    path: str  # as shown; for stdin, the --stdin-filename (or "stdin")
    selection: Selection
    detail: bool = False  # ends and chains, for SARIF, GitHub and GitLab
    show_source: bool = False
    data: bytes | None = None  # stdin's bytes; None: read the file


class Outcome(NamedTuple):
    findings: tuple[Located, ...] = ()
    problems: tuple[Problem, ...] = ()


def _with_sources(document: Document, found: list[Located]) -> list[Located]:
    """The findings with the text of their lines (a notebook's from its cell), each text split once."""
    split: dict[int | None, list[str]] = {}
    out = []
    for item in found:
        if item.cell not in split:
            if item.cell is not None:
                cell = next(c for c in document.notebook.cells if c.number == item.cell)  # type: ignore[union-attr]
                split[item.cell] = source_lines(cell.source)
            else:
                split[None] = source_lines(document.text)
        lines = split[item.cell]
        out.append(item._replace(source=lines[item.line - 1] if 1 <= item.line <= len(lines) else ""))
    return out


def check(task: Task) -> Outcome:
    """One file's findings and problems; never raises for the file's sake."""
    try:
        document = from_bytes(task.path, task.data) if task.data is not None else load(task.path, stamped=False)
    except DocumentError as error:
        return Outcome(problems=(Problem(task.path, str(error)),))
    problems = list(document.problems())
    try:
        found = document.findings(task.selection, task.detail)
    except DocumentError as error:
        return Outcome(problems=(*problems, Problem(task.path, str(error))))
    if task.show_source:
        found = _with_sources(document, found)
    return Outcome(tuple(found), tuple(problems))


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # the CPUs this process may use
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


def check_all(tasks: Sequence[Task], jobs: int) -> Iterator[Outcome]:
    """Every task's outcome, in the tasks' order whatever the number of processes."""
    jobs = min(jobs, max(1, len(tasks) // _FILES_PER_JOB))
    if jobs <= 1:
        yield from map(check, tasks)
        return
    import multiprocessing  # here: a check of a few files never pays for the pool's modules
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    # fork starts in milliseconds and nothing heavy is loaded yet; elsewhere, the platform's default
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(check, tasks, chunksize=max(1, len(tasks) // (jobs * 16)))
