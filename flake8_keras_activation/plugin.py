"""The flake8 adapter: screen cheaply, analyze flake8's own ast, report; TensorFlow only for --keras-confirm."""

from __future__ import annotations

import ast
import logging
import sys
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from . import __version__
from .screen import LIMIT_TEXT, OFF_BY_DEFAULT, UNUSED_NOQA, may_hold_finding, too_large

if TYPE_CHECKING:
    from .finding import Finding

LOG = logging.getLogger(__name__)


class KerasActivationChecker:
    name = "flake8-keras-activation"
    version = __version__
    confirm = False
    unused_noqa = False  # KA900 is off by default: computed only where the options select it

    @staticmethod
    def add_options(parser: Any) -> None:
        parser.extend_default_ignore(list(OFF_BY_DEFAULT))
        parser.add_option(
            "--keras-confirm",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="Rebuild literal models with Keras and add the measured affine map to KA101/KA103 "
            "messages (needs flake8-keras-activation[runtime]; slow: imports TensorFlow).",
        )

    @classmethod
    def parse_options(cls, option_manager: Any, options: Any, filenames: Any) -> None:
        cls.confirm = bool(getattr(options, "keras_confirm", False))
        # an off-by-default code is reported only when a --select or --extend-select names it or a
        # prefix of it (`KA`, `KA9`); otherwise reading every comment of the file is wasted
        chosen = [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]
        cls.unused_noqa = any(code and UNUSED_NOQA.startswith(code) for code in (str(c).strip() for c in chosen))
        if cls.confirm:
            from .backends import BackendMissing, prepare_process
            from .installed import Shadowed, installed_only

            # flake8 runs us in its own process: under `python -m flake8` (or PYTHONPATH=.) the
            # analysed directory is first on sys.path, so Keras is imported without it.
            try:
                with installed_only():
                    prepare_process()  # before the runtime package, which leaves a chosen backend alone
                    from .runtime.backend import load_keras  # (quiets TensorFlow's log)

                    load_keras()  # once, before flake8 forks its workers
            except (Shadowed, BackendMissing) as error:
                sys.exit(f"flake8-keras-activation: --keras-confirm: {error}")
            except ImportError:
                sys.exit(
                    "flake8-keras-activation: --keras-confirm needs Keras: "
                    "pip install 'flake8-keras-activation[runtime]'"
                )

    def __init__(self, tree: ast.Module, lines: Sequence[str], filename: str = "stdin") -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        text = "".join(self.lines)
        if not may_hold_finding(text):
            return
        if too_large(text):
            LOG.warning(  # shown on stderr: one line, and the file gets no KA findings
                "%s: flake8-keras-activation skipped it: %s", self.filename, LIMIT_TEXT
            )
            return
        from .source import analyze_graphs, extract_graphs  # only now: most files never get here

        try:
            graphs = extract_graphs(self.tree, self.lines)
            findings = analyze_graphs(graphs)
            if self.confirm and findings:
                findings = self._confirmed(graphs, findings)
            # KA900: flake8 reads the `# noqa` comments as we do (selection.py), so the codes of
            # ours that silence none of these findings are known here; flake8 then applies the
            # comments to it as to any finding
            if self.unused_noqa:
                from .unused_noqa import with_unused_noqa

                findings = with_unused_noqa(text, findings)
        except Exception:  # the contract: a flake8 run never raises because of us
            LOG.debug("flake8-keras-activation: analysis failed", exc_info=True)
            return
        for finding in findings:
            yield finding.line, finding.col, finding.text, type(self)

    @staticmethod
    def _confirmed(graphs: Sequence[Any], findings: list[Finding]) -> list[Finding]:
        from .installed import installed_only

        try:
            # Keras imports some modules only when a layer first needs them: not from this directory
            with installed_only():
                from .runtime.confirm import confirm_graphs, suffixes

                extra = suffixes(confirm_graphs(graphs))
        except Exception:  # a model Keras refuses to build, a shadowing module: report without the measurement
            LOG.debug("flake8-keras-activation: confirmation failed", exc_info=True)
            return findings
        return [f._replace(message=f.message + extra.get((f.line, f.col, f.code), "")) for f in findings]
