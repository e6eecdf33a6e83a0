"""Confirm static findings by measurement: rebuild literal models with Keras, or call a factory on request."""

from __future__ import annotations

import ast
import importlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence, TextIO

from ..graph import LayerNode, ModelGraph
from ..source import extract_graphs, source_lines
from .check import CollapsedRun, Report, check_model
from .rebuild import NotRebuildable, Rebuilt, rebuild


_NAMED_LAYERS = 4  # layers named in a message about a collapsed run
_NAME_LIMIT = 80  # characters of one layer's name in it


@dataclass(frozen=True)
class Confirmation:
    """One model of a source file: rebuilt and checked, or why not."""

    graph: ModelGraph
    report: Report | None
    reason: str = ""  # why it was not rebuilt
    sources: dict[int, LayerNode] = field(default_factory=dict)  # id of a rebuilt layer -> its node

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
            names.append(f"{node.label} (line {node.line})" if node is not None else str(getattr(layer, "name", "?")))
        return f"{' -> '.join(name.replace(chr(10), ' ')[:_NAME_LIMIT] for name in names)}: {run.map_text()}"


def confirm_graphs(graphs: Sequence[ModelGraph]) -> list[Confirmation]:
    """Rebuild and check every model graph that is literal; say why for the others."""
    out = []
    for graph in graphs:
        if graph.line is None:
            continue  # a scope's data flow, not a model
        try:
            rebuilt: Rebuilt = rebuild(graph)
        except NotRebuildable as reason:
            out.append(Confirmation(graph, None, str(reason)))
            continue
        except (TypeError, ValueError) as error:  # Keras refused the literal arguments
            out.append(Confirmation(graph, None, f"Keras could not build it: {error}"))
            continue
        sources = {id(layer): graph.node(key) for key, layer in rebuilt.layers.items()}
        out.append(Confirmation(graph, check_model(rebuilt.model), sources=sources))
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


def confirm_file(path: Path, out: TextIO) -> tuple[int, int]:
    """Print what each model in the file measures; returns (models checked, models that collapse)."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as error:
        out.write(f"{path}: not read: {error}\n")
        return 0, 0
    graphs = [g for g in extract_graphs(tree, source_lines(source)) if g.line is not None]
    if not graphs:
        out.write(f"{path}: no Keras model found\n")
        return 0, 0
    checked = collapsing = 0
    for confirmation in confirm_graphs(graphs):
        graph = confirmation.graph
        out.write(f"{path}:{graph.line}: {graph.label}")
        if confirmation.report is None:
            out.write(f": not rebuilt: {confirmation.reason}\n")
            continue
        checked += 1
        report = confirmation.report
        out.write(": rebuilt from its literal layers and checked\n")
        if report.is_affine:
            out.write(f"  affine end to end: {report.map_text()}\n")
        for run in report.collapsed:
            out.write(f"  collapsed: {confirmation.run_text(run)}\n")
        if not report.is_affine and not report.collapsed:
            out.write("  no collapse: every hidden affine layer is followed by a nonlinearity\n")
        collapsing += bool(report.is_affine or report.collapsed)
    return checked, collapsing


def call_factory(spec: str, out: TextIO) -> int:
    """Import `module:function` (from the current directory too), call it, check the model it returns.

    This runs the user's code: it is the explicit opt-in of `confirm --call`.
    """
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        out.write(f"--call needs MODULE:FUNCTION, not {spec!r}\n")
        return 2
    sys.path.insert(0, os.getcwd())
    try:
        factory = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        out.write(f"--call {spec}: {error}\n")
        return 2
    model = factory()
    report = check_model(model)
    out.write(f"{spec}: {getattr(model, 'name', 'model')}\n")
    _print_report(report, out)
    return 1 if report.is_affine or report.collapsed else 0


def main(paths: Sequence[str], call: str | None = None, out: TextIO | None = None) -> int:
    """`flake8-keras-activation confirm`: 1 when a collapse is confirmed, 0 when none, 2 on errors."""
    stream = out or sys.stdout
    status = 0
    if call:
        status = call_factory(call, stream)
        if status == 2:
            return 2
    for name in paths:
        path = Path(name)
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            _, collapsing = confirm_file(file, stream)
            if collapsing:
                status = max(status, 1)
    return status
