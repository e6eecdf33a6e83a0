"""The flake8 adapter: screen cheaply, analyze flake8's own ast, report; never imports TensorFlow."""

from __future__ import annotations

import ast
import logging
from typing import Any, Iterator, Sequence

from . import __version__
from .codes import OFF_BY_DEFAULT
from .source import analyze_tree, may_hold_finding

LOG = logging.getLogger(__name__)


class KerasActivationChecker:
    name = "flake8-keras-activation"
    version = __version__

    @staticmethod
    def add_options(parser: Any) -> None:
        parser.extend_default_ignore(list(OFF_BY_DEFAULT))

    def __init__(self, tree: ast.Module, lines: Sequence[str]) -> None:
        self.tree = tree
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        if not may_hold_finding("".join(self.lines)):
            return
        try:
            findings = analyze_tree(self.tree, self.lines)
        except Exception:  # the contract: a flake8 run never raises because of us
            LOG.debug("flake8-keras-activation: analysis failed", exc_info=True)
            return
        for finding in findings:
            yield finding.line, finding.col, finding.text, type(self)
