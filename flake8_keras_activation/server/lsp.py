"""The protocol: pygls handlers that turn editor buffers into diagnostics, code actions and hovers."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import default_converter
from pygls.workspace import TextDocument

from .. import __version__
from ..codes import CODES, SAFE, fix_offered, markdown
from ..links import rule_page
from .analysis import Analysis, CellText, Diagnosed, analyze_notebook, analyze_python
from .convert import Columns, publications
from .edits import fixable, fixes, noqa
from .lanes import Lane
from .protocol import KerasProtocol, run_stdio
from ..config import CONFIG_FILES, Reloading
from .settings import DocumentOptions, Settings, configured, read_settings
from .uris import key, path_of

NAME = "flake8-keras-activation"
LOG = logging.getLogger(__name__)
_ANCHOR_DROP = re.compile(r"[^\w\- ]")
# A text of more characters than this (a file of some 2,500 lines) is analysed on a lane of its
# own: a 3 MiB file takes seconds, and the files being typed in must not wait behind it.
LARGE = 100_000
SWITCH_INTERVAL = 0.001  # seconds
T = TypeVar("T")


def anchor(code: str) -> str:
    """The README's anchor for a rule's section, as a Markdown renderer makes it from the heading."""
    heading = markdown(CODES[code]).splitlines()[0].lstrip("#").strip()
    return _ANCHOR_DROP.sub("", heading.lower()).replace(" ", "-")


@lru_cache(maxsize=4)
def _links(base: str | None) -> Mapping[str, str]:
    """Each code's page: in the repository, or where the `documentationUrl` setting says (with
    `{code}` in it, the code goes there; else it names one page of rule sections, as the README)."""
    if base is None:
        return {code: rule_page(code) for code in CODES}
    if "{code}" in base:
        return {code: base.replace("{code}", code) for code in CODES}
    return {code: f"{base}#{anchor(code)}" for code in CODES}


@dataclass(frozen=True)
class Job:
    """An analysis of a document's text as it is now, and the lane to run it on."""

    analyse: Callable[[], Analysis]
    lane: Lane[Any]


def _kind_wanted(kind: str, only: Sequence[str] | None) -> bool:
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


class KerasLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME,
            __version__,
            protocol_cls=KerasProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        cells=[types.NotebookCellLanguage(language="python")], notebook="*"
                    )
                ],
                save=True,
            ),
        )
        self.settings = Settings()
        self.configurations = Reloading()  # pyproject.toml, setup.cfg..., as `check` reads them
        self.config_problems: set[str] = set()  # logged already: once each, not once per keystroke
        # Two lanes, one thread each: analyses of one kind queue rather than compete for the
        # interpreter, and a big document's (seconds) never delays a small one's (milliseconds).
        self.lane: Lane[Any] = Lane("ka-analysis")
        self.large_lane: Lane[Any] = Lane("ka-analysis-large", pause_collector=True)
        self.converter = default_converter()  # serializes diagnostics on the lanes
        self.over_limit: set[str] = set()  # documents beyond the limits, already named in the log
        # keyed by uris.key: a client may spell one document's URI with different escapes
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.results: dict[str, Analysis] = {}
        self.published: dict[str, set[str]] = {}  # document -> the part URIs (as the client sent them) with diagnostics

    # ---- errors: logged, never shown as a pop-up (the user is typing) ----------------------

    def report_server_error(self, error: Exception, source: Any) -> None:
        self.log(f"{type(error).__name__}: {error}", types.MessageType.Error)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=f"{NAME}: {message}"))
        except Exception:  # no connection to log to: stderr is all there is
            LOG.warning("%s", message)

    # ---- documents -------------------------------------------------------------------------

    def text_document(self, uri: str) -> TextDocument | None:
        """The open text document (a file or a notebook cell) whatever escaping `uri` has."""
        document: TextDocument | None = self.workspace.text_documents.get(key(uri))
        return document

    def notebook(self, uri: str) -> types.NotebookDocument | None:
        """The open notebook whatever escaping `uri` has."""
        notebook: types.NotebookDocument | None = self.workspace.notebook_documents.get(key(uri))
        return notebook

    def owner(self, uri: str) -> str:
        """The document a URI belongs to: a notebook for one of its cells, else itself; as the
        client spelled it when it opened the document."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            return str(notebook.uri)
        document = self.text_document(uri)
        return document.uri if document is not None else uri

    def doc_version(self, uri: str) -> int | None | str:
        """The editor's current version of a document; "closed" when it holds none."""
        notebook = self.notebook(uri)
        if notebook is not None:
            return notebook.version
        document = self.text_document(uri)
        return "closed" if document is None else document.version

    def lane_for(self, size: int) -> Lane[Any]:
        """The lane for a text of `size` characters."""
        return self.large_lane if size > LARGE else self.lane

    def options(self, uri: str) -> DocumentOptions:
        """What the project's configuration and the editor's settings give the document at `uri`."""
        options, problem = configured(path_of(uri), self.settings, self.configurations)
        if problem and problem not in self.config_problems:  # the user sees it in the log; check says it too
            self.config_problems.add(problem)
            self.log(f"configuration ignored: {problem}", types.MessageType.Warning)
        return options

    def job(self, uri: str) -> Job | None:
        """What analysing the document's current text takes, read now, run later on a lane."""
        options = self.options(uri)
        selection, activation = options.selection, options.activation
        notebook = self.notebook(uri)
        if notebook is not None:
            uri = notebook.uri  # as the client spelled it: its diagnostics go back under it
            cells = []
            for index, cell in enumerate(notebook.cells):
                document = self.text_document(cell.document)
                if document is None:
                    continue
                code = cell.kind == types.NotebookCellKind.Code and document.language_id in (None, "python")
                cells.append(CellText(cell.document, document.source, index, code))
            notebook_version = notebook.version
            size = sum(len(cell.text) for cell in cells)
            return Job(lambda: analyze_notebook(uri, notebook_version, cells, selection, activation),
                       self.lane_for(size))
        document = self.text_document(uri)
        if document is None:
            return None
        uri = document.uri
        if document.language_id not in (None, "python") and not uri.endswith((".py", ".pyi")):
            return None
        text, version = document.source, document.version
        return Job(lambda: analyze_python(uri, version, text, selection, activation), self.lane_for(len(text)))

    async def run(self, lane: Lane[Any], work: Callable[[], T], what: str = "the analysis") -> T | None:
        """Run work on a lane; a failure is logged from the protocol loop (the transport is not the
        worker's to write to) and gives no result."""
        try:
            result: T = await lane.run(work)
            return result
        except Exception as error:  # a bug of ours: keep serving
            LOG.debug("%s failed", what, exc_info=True)
            self.log(f"{what} failed ({type(error).__name__}: {error}); please report it", types.MessageType.Error)
            return None

    def schedule(self, uri: str, delay: float) -> None:
        earlier = self.pending.pop(key(uri), None)
        if earlier is not None:
            # debounce: only the last change of a burst is analysed; a superseded analysis still
            # waiting for its lane is skipped there
            earlier.cancel()
        self.pending[key(uri)] = asyncio.ensure_future(self.lint(uri, delay))

    async def lint(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            job = self.job(uri)
            if job is None:
                return
            version = self.doc_version(uri)
            columns, links, converter = self.columns(), self.links(), self.converter

            def work() -> tuple[Analysis, list[bytes]]:
                analysis = job.analyse()
                return analysis, publications(analysis, columns, links, converter)

            outcome = await self.run(job.lane, work)
            if outcome is None or self.doc_version(uri) != version:
                return  # the editor has moved past this version: its result would be stale
            analysis, messages = outcome
            self.results[key(uri)] = analysis
            self.publish(analysis, messages)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # the connection is gone, or a bug of ours: keep serving
            LOG.debug("lint failed", exc_info=True)
            self.log(f"diagnostics failed ({type(error).__name__}: {error})", types.MessageType.Error)
        finally:
            if self.pending.get(key(uri)) is asyncio.current_task():
                del self.pending[key(uri)]

    async def current(self, uri: str) -> Analysis | None:
        """The analysis of the document's current version, from the last run when it is still current."""
        owner = self.owner(uri)
        cached = self.results.get(key(owner))
        if cached is not None and cached.version == self.doc_version(owner):
            return cached
        job = self.job(owner)
        if job is None:
            return None
        return await self.run(job.lane, job.analyse)

    def forget(self, uri: str) -> None:
        task = self.pending.pop(key(uri), None)
        if task is not None:
            task.cancel()
        self.results.pop(key(uri), None)
        self.over_limit.discard(key(uri))
        for part in self.published.pop(key(uri), set()):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=part, diagnostics=[]))

    def publish(self, analysis: Analysis, messages: Sequence[bytes]) -> None:
        """Send an analysis's publishDiagnostics (serialized on its lane), and say once in the log
        why a document beyond the limits has none."""
        document = key(analysis.uri)
        if not analysis.skipped:
            self.over_limit.discard(document)
        elif document not in self.over_limit:
            self.over_limit.add(document)
            self.log(f"{path_of(analysis.uri) or analysis.uri}: {analysis.skipped}", types.MessageType.Warning)
        protocol = self.protocol
        assert isinstance(protocol, KerasProtocol)
        for message in messages:
            protocol.send_json(message)
        parts = {part.uri for part in analysis.parts}
        for uri in self.published.get(document, set()) - parts:  # a cell that was deleted keeps no diagnostics
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.published[document] = parts

    # ---- conversions -----------------------------------------------------------------------

    def columns(self) -> Columns:
        return Columns(self.workspace.position_encoding)

    def links(self) -> Mapping[str, str]:
        """Each code's link to its documentation."""
        return _links(self.settings.documentation_url)

    # ---- requests --------------------------------------------------------------------------

    def at(
        self, analysis: Analysis, uri: str, start: types.Position, end: types.Position, columns: Columns
    ) -> list[Diagnosed]:
        """The findings of one part whose range meets [start, end] (client positions)."""
        part = analysis.part(uri)
        if part is None:
            return []
        lines = part.lines

        def module(position: types.Position) -> tuple[int, int]:
            text = lines[position.line] if 0 <= position.line < len(lines) else ""
            col = part.analysed_column(position.line, columns.chars(text, position.character))
            return position.line + part.first_line, col

        low, high = module(start), module(end)
        return [
            item
            for item in analysis.in_part(uri)
            if (item.span.line, item.span.col) <= high and low <= (item.span.end_line, item.span.end_col)
        ]

    def code_actions(
        self, analysis: Analysis, params: types.CodeActionParams, columns: Columns, links: Mapping[str, str]
    ) -> list[types.CodeAction]:
        only = params.context.only
        uri = params.text_document.uri
        actions = []
        options = self.options(analysis.uri)
        activation = options.activation
        if _kind_wanted(types.CodeActionKind.QuickFix, only):
            for item in self.at(analysis, uri, params.range.start, params.range.end, columns):
                diagnostic = [columns.diagnostic(analysis, item, links)]
                code = item.finding.code
                if fixable(item):
                    edits = fixes(analysis, [item], activation)
                    if edits:
                        safe = fix_offered(item.finding) == SAFE
                        title = f"Fix {code} ({CODES[code].slug})" if code in CODES else f"Fix {code}"
                        actions.append(
                            types.CodeAction(
                                # an unsafe fix is offered, as ruff's server offers it, but never
                                # preferred: an editor applies a preferred fix on a keystroke
                                title=title if safe else f"{title} (unsafe: changes what the model computes)",
                                kind=types.CodeActionKind.QuickFix,
                                diagnostics=diagnostic,
                                is_preferred=safe,
                                edit=columns.workspace_edit(analysis, edits),
                            )
                        )
                silence = noqa(analysis, item)
                if silence is not None:
                    actions.append(
                        types.CodeAction(
                            title=f"Silence {code} with # noqa: {code}",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=diagnostic,
                            edit=columns.workspace_edit(analysis, [silence]),
                        )
                    )
        if _kind_wanted(types.CodeActionKind.SourceFixAll, only):
            # fix-all runs on save, unasked: only what keeps the model's meaning, unless the
            # settings or the project's `unsafe-fixes` say otherwise (as `fix` decides)
            chosen = [item for item in analysis.diagnosed if fixable(item)
                      and (options.unsafe_fixes or fix_offered(item.finding) == SAFE)]
            everything = fixes(analysis, chosen, activation)
            if everything:
                actions.append(
                    types.CodeAction(
                        title=f"Fix all {NAME} findings",
                        kind=types.CodeActionKind.SourceFixAll,
                        edit=columns.workspace_edit(analysis, everything),
                    )
                )
        return actions

    def hover(self, analysis: Analysis, params: types.HoverParams) -> types.Hover | None:
        columns = self.columns()
        found = self.at(analysis, params.text_document.uri, params.position, params.position, columns)
        if not found:
            return None
        sections = []
        for item in found:
            code = item.finding.code
            docs = markdown(CODES[code]) if code in CODES else ""
            sections.append(f"**{code}** {item.finding.message}\n\n{docs}")
        _, where = columns.span_range(analysis, found[0].span)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(sections)),
            range=where,
        )


def _warm_up() -> None:
    """Import the fixer (and libcst) before the first code action asks for it."""
    try:
        from .. import fix  # noqa: F401
    except Exception:  # the first code action will say what is wrong
        pass


def watch_configuration(ls: KerasLanguageServer) -> None:
    """Ask the editor to tell of changes to configuration files, where it can; without it, each
    analysis still notices them by their modification times."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is None or not watched.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILES]
    )
    registration = types.Registration(
        id="ka-configuration", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    try:
        ls.client_register_capability(types.RegistrationParams(registrations=[registration]))
    except Exception as error:  # the mtimes still tell
        ls.log(f"cannot watch configuration files: {error}", types.MessageType.Warning)


def build() -> KerasLanguageServer:
    server = KerasLanguageServer()

    def delay() -> float:
        return server.settings.debounce_ms / 1000

    def configure(raw: Any) -> None:
        server.settings = read_settings(raw)
        for problem in server.settings.problems:
            server.log(f"setting ignored: {problem}", types.MessageType.Warning)

    @server.feature(types.INITIALIZE)
    def initialize(ls: KerasLanguageServer, params: types.InitializeParams) -> None:
        configure(params.initialization_options)

    @server.feature(types.INITIALIZED)
    def initialized(ls: KerasLanguageServer, params: types.InitializedParams) -> None:
        threading.Thread(target=_warm_up, name="ka-warm-up", daemon=True).start()
        watch_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def changed_configuration(ls: KerasLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        if params.settings is not None:
            configure(params.settings)
        for analysis in list(ls.results.values()):
            ls.schedule(analysis.uri, 0)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def changed_files(ls: KerasLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        # a configuration file changed: read them all again, and analyse every document again
        if any(key(change.uri).rsplit("/", 1)[-1] in CONFIG_FILES for change in params.changes):
            ls.configurations.forget()
            ls.config_problems.clear()  # a file the user fixes and breaks again is named again
            for analysis in list(ls.results.values()):
                ls.schedule(analysis.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerasLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerasLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, delay())

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KerasLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerasLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: KerasLanguageServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: KerasLanguageServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, delay())

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: KerasLanguageServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: KerasLanguageServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget(params.notebook_document.uri)
        for cell in params.cell_text_documents:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell.uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
        ),
    )
    async def code_action(ls: KerasLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        try:
            analysis = await ls.current(params.text_document.uri)
            if analysis is None:
                return None
            columns, links = ls.columns(), ls.links()
            # the fixer parses with libcst: off the protocol loop, like the analysis
            return await ls.run(
                ls.lane_for(len(analysis.module)),
                lambda: ls.code_actions(analysis, params, columns, links),
                "code actions",
            )
        except Exception as error:
            LOG.debug("code action failed", exc_info=True)
            ls.log(f"code actions failed ({type(error).__name__}: {error})", types.MessageType.Error)
            return None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: KerasLanguageServer, params: types.HoverParams) -> types.Hover | None:
        try:
            analysis = await ls.current(params.text_document.uri)
            return ls.hover(analysis, params) if analysis is not None else None
        except Exception as error:
            LOG.debug("hover failed", exc_info=True)
            ls.log(f"hover failed ({type(error).__name__}: {error})", types.MessageType.Error)
            return None

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: KerasLanguageServer, params: None) -> None:
        for task in list(ls.pending.values()):
            task.cancel()
        ls.lane.close()
        ls.large_lane.close()

    return server


def serve() -> int:
    """Run the server on stdin and stdout until the client says exit or closes stdin: 0 after a
    shutdown request, 1 otherwise, as the protocol asks."""
    server = build()
    protocol = server.protocol
    assert isinstance(protocol, KerasProtocol)
    # A message goes from the reading thread to the loop, to a lane and back: with a big
    # analysis holding the interpreter, each hop waits for the switch interval, 5 ms by default.
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        run_stdio(protocol, sys.stdin.buffer, sys.stdout.buffer)
    except (KeyboardInterrupt, BrokenPipeError):  # the editor is gone: nothing to answer
        pass
    return 0 if protocol._shutdown else 1
