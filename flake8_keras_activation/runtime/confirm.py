"""Confirm static findings by measurement: rebuild literal models with Keras, or call a factory on request."""

from __future__ import annotations

import ast
import importlib
import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Sequence, TextIO

from ..discovery import discover
from ..documents import Document, DocumentError, NotebookFile, load
from ..graph import LayerNode, ModelGraph
from ..source import BoundGraph, extract_bound_graphs, source_lines
from .check import CollapsedRun, NeedsInputShape, Report, check_model
from .rebuild import NotRebuildable, Rebuilt, line_text, rebuild


_NAMED_LAYERS = 4  # layers named in a message about a collapsed run
_NAME_LIMIT = 80  # characters of one layer's name in it


@dataclass(frozen=True)
class Confirmation:
    """One model of a source file: rebuilt and checked, or why not."""

    graph: ModelGraph
    report: Report | None
    reason: str = ""  # why it was not rebuilt
    sources: dict[int, LayerNode] = field(default_factory=dict)  # id of a rebuilt layer -> its node
    error: bool = False  # the reason is a failure (Keras refused it, the check failed), not a refusal
    place: Callable[[int | None], str] = line_text  # how a layer's line is named: `line 4`, `cell 3, line 4`

    def run_text(self, run: CollapsedRun) -> str:
        """One line of bounded length: a run of hundreds of layers is named by its ends, as the
        message is repeated on each of its layers (all of them would grow with the square of depth)."""
        objects = list(run.objects)
        if len(objects) > _NAMED_LAYERS:
            shown = [*objects[: _NAMED_LAYERS - 1], None, objects[-1]]
        else:
            shown = objects
        names = []
        for layer in shown:
            if layer is None:
                names.append(f"... {len(objects) - _NAMED_LAYERS} more ...")
                continue
            node = self.sources.get(id(layer))
            if node is None:
                names.append(str(getattr(layer, "name", "?")))
            else:
                names.append(f"{node.label} ({self.place(node.line)})")
        return f"{' -> '.join(name.replace(chr(10), ' ')[:_NAME_LIMIT] for name in names)}: {run.map_text()}"


def _failure(error: BaseException) -> str:
    """One line for whatever Keras or the measurement raised (never a traceback)."""
    if isinstance(error, MemoryError):
        return "out of memory"
    if isinstance(error, RecursionError):
        return "too deep for Python's recursion limit"
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def confirm_graphs(
    graphs: Sequence[ModelGraph], place: Callable[[int | None], str] = line_text
) -> list[Confirmation]:
    """Rebuild and check every model graph that is literal; say why for the others.

    A model that Keras refuses, or whose check fails, gets an `error` and the others are still
    checked: one bad model never costs the rest. `place` names a layer's line in the messages.
    """
    out = []
    for graph in graphs:
        if graph.line is None:
            continue  # a scope's data flow, not a model
        try:
            rebuilt: Rebuilt = rebuild(graph, place=place)
        except NotRebuildable as reason:
            out.append(Confirmation(graph, None, str(reason), place=place))
            continue
        except Exception as error:  # noqa: BLE001 - Keras refused the literal arguments
            refused = f"Keras could not build it: {_failure(error)}"
            out.append(Confirmation(graph, None, refused, error=True, place=place))
            continue
        sources = {id(layer): graph.node(key) for key, layer in rebuilt.layers.items()}
        try:
            report = check_model(rebuilt.model)
        except Exception as error:  # noqa: BLE001 - out of memory, a dtype error, a recursion error
            failed = f"the check failed: {_failure(error)}"
            out.append(Confirmation(graph, None, failed, sources, error=True, place=place))
            continue
        out.append(Confirmation(graph, report, sources=sources, place=place))
    return out


def suffixes(confirmations: Sequence[Confirmation]) -> dict[tuple[int, int, str], str]:
    """What `--keras-confirm` appends to KA101/KA103 messages, by (line, col, code): the measured map."""
    out: dict[tuple[int, int, str], str] = {}
    for confirmation in confirmations:
        report = confirmation.report
        if report is None:
            continue
        graph = confirmation.graph
        if report.is_affine:
            out[(graph.line or 0, graph.col or 0, "KA103")] = f" (confirmed: {report.map_text()})"
        for run in report.collapsed:
            for layer in run.objects[:-1]:
                node = confirmation.sources.get(id(layer))
                if node is not None and node.line is not None:
                    out[(node.line, node.col or 0, "KA101")] = f" (confirmed: {confirmation.run_text(run)})"
    return out


def _print_report(report: Report, out: TextIO, indent: str = "  ") -> None:
    for line in report.summary().splitlines():
        out.write(f"{indent}{line}\n")


@dataclass
class Tally:
    """What a confirm run found, for its exit status."""

    checked: int = 0
    collapsing: int = 0
    errors: int = 0

    @property
    def status(self) -> int:
        if self.errors:
            return 2
        return 1 if self.collapsing else 0


def _source(document: Document) -> tuple[str, Callable[[int], str], Callable[[int | None], str]]:
    """The Python text of a file or notebook, how a model's line is shown at the start of its
    message (`cell_2:5` in a notebook, as `check` shows it), and how a line is named inside a
    message (`line 5`; `cell 2, line 5` in a notebook, as `check --format github` names it)."""
    if isinstance(document, NotebookFile):
        notebook = document.notebook

        def place(line: int) -> str:
            cell, in_cell = notebook.locate(line)
            return f"cell_{cell.number}:{in_cell}"

        def named(line: int | None) -> str:
            if line is None:
                return "line ?"
            cell, in_cell = notebook.locate(line)
            return f"cell {cell.number}, line {in_cell}"

        return document.module, place, named
    return document.text, str, line_text


def _lines(lines: Sequence[int], named: Callable[[int | None], str]) -> str:
    """`line 30`, `lines 30, 31`; in a notebook `cell 2, line 4; cell 3, line 1`."""
    names = [named(line) for line in lines]
    if len(names) > 1 and all(name.startswith("line ") for name in names):
        return "lines " + ", ".join(name[len("line "):] for name in names)
    return "; ".join(names)


def _binding(bound: BoundGraph, named: Callable[[int | None], str]) -> str:
    """What the model's function's parameters were given: ` (build_model as called at line 30)`."""
    if bound.function is None:
        return ""
    if bound.call is None:
        return f" ({bound.function} with its defaults)"
    return f" ({bound.function} as called at {named(bound.call)})"


def confirm_document(document: Document, out: TextIO, tally: Tally, err: TextIO | None = None) -> None:
    """Print what each model of one file or notebook measures; errors go to `err` (stderr)."""
    errors = err or sys.stderr
    text, place, named = _source(document)
    path = document.path
    try:
        tree = ast.parse(text)
        found = [b for b in extract_bound_graphs(tree, source_lines(text)) if b.graph.line is not None]
    except Exception as error:  # noqa: BLE001 - a bug of ours must not cost the other files
        errors.write(f"{path}: error: not analysed: {_failure(error)}\n")
        tally.errors += 1
        return
    if not found:
        out.write(f"{path}: no Keras model found\n")
        return
    confirmations = confirm_graphs([b.graph for b in found], named)
    # a model refused for the same reason whatever its calls give: one line names all those calls
    refused: dict[tuple[int, int, str | None, str], list[int]] = {}
    for bound, confirmation in zip(found, confirmations):
        if confirmation.report is None and not confirmation.error and bound.call is not None:
            key = (bound.graph.line or 0, bound.graph.col or 0, bound.function, confirmation.reason)
            refused.setdefault(key, []).append(bound.call)
    shown = set()
    for bound, confirmation in zip(found, confirmations):
        graph = confirmation.graph
        key = (graph.line or 0, graph.col or 0, bound.function, confirmation.reason)
        if key in refused and bound.call is not None:
            if key in shown:
                continue
            shown.add(key)
            binding = f" ({bound.function} as called at {_lines(refused[key], named)})"
        else:
            binding = _binding(bound, named)
        where = f"{path}:{place(graph.line or 0)}: {graph.label}{binding}"
        if confirmation.report is None:
            if confirmation.error:
                tally.errors += 1
                errors.write(f"{where}: error: {confirmation.reason}\n")
            else:
                out.write(f"{where}: not rebuilt: {confirmation.reason}\n")
            continue
        tally.checked += 1
        report = confirmation.report
        out.write(f"{where}: rebuilt from its literal layers and checked\n")
        if report.is_affine:
            out.write(f"  affine end to end: {report.map_text()}\n")
        for run in report.collapsed:
            out.write(f"  collapsed: {confirmation.run_text(run)}\n")
        if not report.is_affine and not report.collapsed:
            out.write("  no collapse: every hidden affine layer is followed by a nonlinearity\n")
        tally.collapsing += bool(report.is_affine or report.collapsed)


def call_factory(
    spec: str, out: TextIO, input_shape: Sequence[int] | None = None, err: TextIO | None = None
) -> int:
    """Import `module:function` (from the current directory too), call it, check the model it returns.

    This runs the user's code: it is the explicit opt-in of `confirm --call`. Errors go to `err`.
    """
    errors = err or sys.stderr
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        errors.write(f"--call needs MODULE:FUNCTION, not {spec!r}\n")
        return 2
    sys.path.insert(0, os.getcwd())
    try:
        factory = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:  # noqa: BLE001 - the user's module may raise anything on import
        errors.write(f"--call {spec}: error: {_failure(error)}\n")
        return 2
    try:
        model = factory()
    except Exception as error:  # noqa: BLE001
        errors.write(f"--call {spec}: error: the factory raised {_failure(error)}\n")
        return 2
    try:
        report = check_model(model, input_shape=input_shape)
    except NeedsInputShape:
        errors.write(
            f"--call {spec}: error: the model does not say its input shape (a subclassed model not yet "
            "called): give the shape of one sample with --input-shape, e.g. --input-shape 5 or 28,28,1\n"
        )
        return 2
    except Exception as error:  # noqa: BLE001
        errors.write(f"--call {spec}: error: the check failed: {_failure(error)}\n")
        return 2
    out.write(f"{spec}: {getattr(model, 'name', 'model')}\n")
    _print_report(report, out)
    return 1 if report.is_affine or report.collapsed else 0


def main(
    paths: Sequence[str],
    call: str | None = None,
    out: TextIO | None = None,
    input_shape: Sequence[int] | None = None,
    err: TextIO | None = None,
) -> int:
    """`flake8-keras-activation confirm`: 1 when a collapse is confirmed, 2 when any error occurred, else 0.

    Files are found as `check` finds them (the same walk and excludes, notebooks, PEP 263
    encodings); a missing path, or no path and no --call at all, is an error. What was measured
    goes to `out` (stdout), each error as one line to `err` (stderr), as every command does.
    """
    stream = out or sys.stdout
    errors = err or sys.stderr
    if not paths and not call:
        errors.write("confirm: error: nothing to confirm: give files or directories, or --call MODULE:FUNCTION\n")
        return 2
    tally = Tally()
    if call:
        status = call_factory(call, stream, input_shape, errors)
        tally.errors += status == 2
        tally.collapsing += status == 1
    if paths:
        discovered = discover(paths)
        for missing in discovered.missing:
            errors.write(f"{missing}: error: no such file or directory\n")
            tally.errors += 1
        if not discovered.files and not discovered.missing:
            errors.write(f"confirm: error: nothing checked: no Python file or notebook in {', '.join(paths)}\n")
            tally.errors += 1
        for name in discovered.files:
            try:
                document = load(name)
            except DocumentError as error:
                errors.write(f"{name}: error: {error}\n")
                tally.errors += 1
                continue
            confirm_document(document, stream, tally, errors)
    return tally.status
