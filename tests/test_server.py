"""The language server, end to end: a real LSP client drives `python -m flake8_keras_activation server` over stdio."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from flake8_keras_activation.cli import main as cli_main
from flake8_keras_activation.codes import CODES, markdown
from flake8_keras_activation.server.edits import Edit, apply

ROOT = Path(__file__).resolve().parent.parent
COLLAPSED = (ROOT / "examples" / "collapsed_mlp.py").read_text(encoding="utf-8")
WAIT = 60.0  # seconds: a bound against hanging, not a latency assertion

ONE_FIX = """\
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(16),
    layers.Dropout(0.5),
    layers.Dense(1, activation="sigmoid"),
])
"""


def _recording_client() -> LanguageClient:
    """pytest-lsp's client, keeping every publishDiagnostics with its version."""
    client = LanguageClient(converter_factory=default_converter)
    features = {k: v for k, v in DEFAULT_CLIENT_FEATURES.items() if k != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}
    register_lsp_features(client, features)
    client.published = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        # as an editor does: it now watches the files and sends workspace/didChangeWatchedFiles
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)  # type: ignore[attr-defined]
        client.diagnostics[params.uri] = params.diagnostics

    return client


def _capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities, with the notebook synchronization that newer releases have."""
    capabilities = client_capabilities("visual-studio-code")
    capabilities.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities()
    )
    return capabilities


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "flake8_keras_activation", "server"],
        client_factory=_recording_client,
    ),
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    lsp_client.initialized_with = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=_capabilities(),
            root_uri=ROOT.as_uri(),
            initialization_options={"debounceMs": 20},
        )
    )
    yield
    server = lsp_client._server
    if server is not None and server.returncode is None:
        await lsp_client.shutdown_session()
        assert server.returncode == 0
    assert lsp_client.messages == [], "the server must never pop a message up"


async def diagnostics_for(client: LanguageClient, uri: str, version: int | None = None) -> list[types.Diagnostic]:
    """The first published diagnostics for `uri` (of `version`, when given), waiting for them."""
    deadline = time.monotonic() + WAIT
    seen = 0
    while time.monotonic() < deadline:
        published = client.published  # type: ignore[attr-defined]
        for params in published[seen:]:
            if params.uri == uri and (version is None or params.version == version):
                return list(params.diagnostics)
        seen = len(published)
        await asyncio.sleep(0.01)
    pytest.fail(f"no diagnostics for {uri} version {version}")


def open_file(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text))
    )


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def utf16_to_edit(text: str, edit: types.TextEdit) -> Edit:
    """A client's edit (UTF-16 positions) as an Edit in characters, for applying it to the text."""
    lines = text.splitlines(True)

    def col(line: int, units: int) -> int:
        content = lines[line] if line < len(lines) else ""
        count = 0
        for index, char in enumerate(content):
            if count >= units:
                return index
            count += 2 if ord(char) > 0xFFFF else 1
        return len(content)

    start, end = edit.range.start, edit.range.end
    return Edit(start.line, col(start.line, start.character), end.line, col(end.line, end.character), edit.new_text)


def applied(text: str, edits: Any) -> str:
    return apply(text, [utf16_to_edit(text, edit) for edit in edits])


async def actions(
    client: LanguageClient, uri: str, line: int, character: int, only: list[str] | None = None
) -> list[types.CodeAction]:
    where = types.Position(line=line, character=character)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=where, end=where),
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


def fixed_by_command(tmp_path: Path, text: str, name: str = "model.py", *options: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    cli_main(["fix", *options, str(path)])
    return path.read_bytes().decode("utf-8")


# ---- the tests ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_initialize_advertises_sync_code_actions_hover_and_notebooks(client: LanguageClient) -> None:
    capabilities = client.initialized_with.capabilities  # type: ignore[attr-defined]
    assert capabilities.hover_provider
    assert set(capabilities.code_action_provider.code_action_kinds) == {"quickfix", "source.fixAll"}
    sync = capabilities.text_document_sync
    assert sync.change == types.TextDocumentSyncKind.Incremental and sync.open_close
    notebook = capabilities.notebook_document_sync
    assert notebook.notebook_selector[0].cells[0].language == "python"


@pytest.mark.asyncio
async def test_diagnostics_on_open_carry_code_link_source_range_and_chain(client: LanguageClient) -> None:
    uri = (ROOT / "examples" / "collapsed_mlp.py").as_uri()
    open_file(client, uri, COLLAPSED)
    found = await diagnostics_for(client, uri, 1)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in found] == [
        ("KA103", 12, 8),
        ("KA101", 13, 10),
        ("KA101", 14, 10),
        ("KA102", 14, 21),
    ]
    ka101 = found[1]
    assert ka101.source == "flake8-keras-activation"
    assert ka101.severity == types.DiagnosticSeverity.Warning
    # the layer's whole call, `Dense(20, input_dim=2)`
    assert (ka101.range.end.line, ka101.range.end.character) == (13, 32)
    # the rule's page in the repository (a file: link into an installed package led nowhere)
    href = ka101.code_description.href
    assert href == "https://github.com/flake8-keras-activation/flake8-keras-activation/blob/main/docs/rules/KA101.md"
    assert "# KA101 `collapsing-hidden-layer`" in (ROOT / "docs" / "rules" / "KA101.md").read_text(encoding="utf-8")
    [related] = ka101.related_information
    assert related.message == "collapses into Dense(100)" and related.location.uri == uri
    assert (related.location.range.start.line, related.location.range.start.character) == (14, 10)
    # KA102's range is the ignored argument itself
    ka102 = found[3]
    assert COLLAPSED.splitlines()[14][ka102.range.start.character : ka102.range.end.character] == "input_dim=2"
    ka103 = found[0]
    assert [r.message for r in ka103.related_information] == [
        "affine layer Dense(20)",
        "affine layer Dense(100)",
        "affine layer Dense(1)",
    ]


@pytest.mark.asyncio
async def test_a_chain_through_a_pass_through_names_both_layers(client: LanguageClient) -> None:
    uri = "file:///virtual/chain.py"
    open_file(client, uri, ONE_FIX)
    [found] = await diagnostics_for(client, uri, 1)
    assert found.code == "KA101" and found.range.start.line == 5
    assert [(r.message, r.location.range.start.line) for r in found.related_information] == [
        ("collapses into Dense(1)", 7),
        ("through Dropout(0.5)", 6),
    ]


@pytest.mark.asyncio
async def test_diagnostics_follow_incremental_changes_to_the_buffer(client: LanguageClient) -> None:
    uri = "file:///virtual/changing.py"
    open_file(client, uri, ONE_FIX)
    assert len(await diagnostics_for(client, uri, 1)) == 1
    # type `, activation="relu"` after `Dense(16` one character at a time
    typed = ', activation="relu"'
    at = ONE_FIX.splitlines()[5].index(")")
    for offset, char in enumerate(typed):
        where = types.Position(line=5, character=at + offset)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=2 + offset),
                [types.TextDocumentContentChangePartial(range=types.Range(start=where, end=where), text=char)],
            )
        )
    assert await diagnostics_for(client, uri, 1 + len(typed)) == []
    # the file on disk (there is none) plays no part: the buffer is what is read
    replace_all(client, uri, ONE_FIX, 100)
    assert [d.code for d in await diagnostics_for(client, uri, 100)] == ["KA101"]


@pytest.mark.asyncio
async def test_quick_fix_equals_the_fix_command_and_clears_the_finding(client: LanguageClient, tmp_path: Path) -> None:
    uri = "file:///virtual/one_fix.py"
    open_file(client, uri, ONE_FIX)
    [finding] = await diagnostics_for(client, uri, 1)
    offered = await actions(client, uri, finding.range.start.line, finding.range.start.character + 3, ["quickfix"])
    [fix] = [a for a in offered if a.title.startswith("Fix KA101")]
    # offered, but not preferred: an editor may apply a preferred fix on a keystroke, and this one
    # changes what the model computes
    assert fix.kind == types.CodeActionKind.QuickFix and not fix.is_preferred and "unsafe" in fix.title
    assert [d.code for d in fix.diagnostics] == ["KA101"]
    edits = fix.edit.changes[uri]
    # minimal: one insertion, not the whole document
    assert len(edits) == 1 and edits[0].range.start == edits[0].range.end and edits[0].new_text == ', activation="relu"'
    new = applied(ONE_FIX, edits)
    assert new == fixed_by_command(tmp_path, ONE_FIX, "model.py", "--unsafe-fixes")
    replace_all(client, uri, new, 2)
    assert await diagnostics_for(client, uri, 2) == []


RANK_FIX = """\
from keras.models import Sequential
from keras.layers import LSTM, Dense

model = Sequential()
model.add(LSTM(64, input_shape=(10, 8)))
model.add(LSTM(32))
model.add(Dense(1))
"""


@pytest.mark.asyncio
async def test_a_rank_finding_is_fixed_at_the_layer_that_feeds_it(client: LanguageClient, tmp_path: Path) -> None:
    uri = "file:///virtual/rank_fix.py"
    open_file(client, uri, RANK_FIX)
    [finding] = await diagnostics_for(client, uri, 1)
    assert finding.code == "KA302" and finding.range.start.line == 5  # at LSTM(32), which cannot take its input
    offered = await actions(client, uri, 5, finding.range.start.character + 1, ["quickfix"])
    [fix] = [a for a in offered if a.title.startswith("Fix KA302")]
    assert fix.is_preferred and "unsafe" not in fix.title  # the model would not build without it
    edits = fix.edit.changes[uri]
    # the edit is on the line of LSTM(64), the layer that must return its sequences
    assert [(e.range.start.line, e.new_text) for e in edits] == [(4, ", return_sequences=True")]
    new = applied(RANK_FIX, edits)
    assert new == fixed_by_command(tmp_path, RANK_FIX)
    replace_all(client, uri, new, 2)
    assert await diagnostics_for(client, uri, 2) == []


LOSS_FIX = """\
import keras
from keras import layers

model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""


@pytest.mark.asyncio
async def test_a_loss_finding_covers_the_loss_argument_and_its_quick_fix_equals_fix(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = "file:///virtual/loss_fix.py"
    open_file(client, uri, LOSS_FIX)
    [finding] = await diagnostics_for(client, uri, 1)
    assert finding.code == "KA202"
    line = LOSS_FIX.splitlines()[4]
    start = line.index("keras.losses")
    assert (finding.range.start.line, finding.range.start.character) == (4, start)
    assert (finding.range.end.line, finding.range.end.character) == (4, len(line) - 1)
    offered = await actions(client, uri, 4, start + 2, ["quickfix"])
    [fix] = [a for a in offered if a.title.startswith("Fix KA202")]
    new = applied(LOSS_FIX, fix.edit.changes[uri])
    assert new == fixed_by_command(tmp_path, LOSS_FIX, "model.py", "--unsafe-fixes")
    assert "from_logits" not in new
    replace_all(client, uri, new, 2)
    assert await diagnostics_for(client, uri, 2) == []


@pytest.mark.parametrize(
    "name, text",
    [
        ("collapsed", COLLAPSED),
        ("crlf-and-astral-comments", "# 🧠 dense net, café\r\n" + COLLAPSED.replace("\n", "\r\n").replace(
            "model.add(Dense(1))", "model.add(Dense(1))  # 🎯 head"
        )),
        ("single-quotes", COLLAPSED.replace('"', "'")),
    ],
)
@pytest.mark.asyncio
async def test_fix_all_equals_the_fix_command(client: LanguageClient, tmp_path: Path, name: str, text: str) -> None:
    uri = f"file:///virtual/{name}.py"
    open_file(client, uri, text)
    found = await diagnostics_for(client, uri, 1)
    assert {d.code for d in found} >= {"KA101", "KA102"}
    [fix_all] = await actions(client, uri, 0, 0, ["source.fixAll"])
    assert fix_all.kind == types.CodeActionKind.SourceFixAll
    edits = fix_all.edit.changes[uri]
    assert all(e.range.end.line - e.range.start.line <= 1 for e in edits), "edits, not a whole document"
    new = applied(text, edits)
    assert new == fixed_by_command(tmp_path, text)
    replace_all(client, uri, new, 2)
    # the safe fix only, as `fix` makes it: KA101's would change what the model computes
    assert {d.code for d in await diagnostics_for(client, uri, 2)} & {"KA101", "KA102"} == {"KA101"}


@pytest.mark.asyncio
async def test_fix_all_makes_the_unsafe_fixes_only_when_the_settings_or_the_project_ask(
    client: LanguageClient, tmp_path: Path
) -> None:
    model = tmp_path / "model.py"
    model.write_text(COLLAPSED)
    uri = model.as_uri()
    open_file(client, uri, COLLAPSED)
    await diagnostics_for(client, uri, 1)

    async def fixed_all() -> str:
        [fix_all] = await actions(client, uri, 0, 0, ["source.fixAll"])
        return applied(COLLAPSED, fix_all.edit.changes[uri])

    def settings(values: dict[str, Any]) -> None:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=values))

    safe, unsafe = fixed_by_command(tmp_path, COLLAPSED, "safe.py"), fixed_by_command(
        tmp_path, COLLAPSED, "unsafe.py", "--unsafe-fixes"
    )
    assert 'activation="relu"' not in safe and 'activation="relu"' in unsafe
    # by default, on save: what keeps the model's meaning (KA102's), as `fix` does
    assert await fixed_all() == safe
    # the quick fixes still offer the unsafe ones, one by one
    assert [a.title for a in await actions(client, uri, 13, 12, ["quickfix"]) if a.title.startswith("Fix KA101")]
    settings({"unsafeFixes": True})
    assert await fixed_all() == unsafe
    # the project's configuration says it for the editor too, and the editor's setting goes over it
    settings({})
    (tmp_path / "pyproject.toml").write_text("[tool.flake8-keras-activation]\nunsafe-fixes = true\n")
    assert await fixed_all() == unsafe
    settings({"unsafeFixes": False})
    assert await fixed_all() == safe


@pytest.mark.asyncio
async def test_noqa_action_silences_the_finding_and_joins_an_existing_list(client: LanguageClient) -> None:
    uri = "file:///virtual/noqa.py"
    text = COLLAPSED.replace("model.add(Dense(100, input_dim=2))", "model.add(Dense(100, input_dim=2))  # noqa: KA102")
    open_file(client, uri, text)
    found = await diagnostics_for(client, uri, 1)
    assert [(d.code, d.range.start.line) for d in found] == [("KA103", 12), ("KA101", 13), ("KA101", 14)]
    offered = await actions(client, uri, 14, 12)
    [silence] = [a for a in offered if a.title == "Silence KA101 with # noqa: KA101"]
    new = applied(text, silence.edit.changes[uri])
    assert new.splitlines()[14] == "model.add(Dense(100, input_dim=2))  # noqa: KA102, KA101"
    offered = await actions(client, uri, 13, 12)
    [silence] = [a for a in offered if a.title == "Silence KA101 with # noqa: KA101"]
    new = applied(new, silence.edit.changes[uri])
    assert new.splitlines()[13] == "model.add(Dense(20, input_dim=2))  # noqa: KA101"
    replace_all(client, uri, new, 2)
    assert [d.code for d in await diagnostics_for(client, uri, 2)] == ["KA103"]
    # KA103 has no mechanical fix, but it can be silenced too
    offered = await actions(client, uri, 12, 9)
    assert [a.title for a in offered] == ["Silence KA103 with # noqa: KA103"]


@pytest.mark.asyncio
async def test_hover_on_a_finding_shows_the_rule_documentation(client: LanguageClient) -> None:
    uri = "file:///virtual/hover.py"
    open_file(client, uri, ONE_FIX)
    await diagnostics_for(client, uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(line=5, character=8))
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("**KA101** Dense(16) has no activation")
    assert markdown(CODES["KA101"]) in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(line=0, character=2))
    )
    assert nothing is None


REGRESSION_WITH_ACCURACY = """\
import keras

model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="relu")])
model.compile(optimizer="adam", loss="mse", metrics=["mae", "accuracy"])
"""


@pytest.mark.asyncio
async def test_a_metric_finding_covers_the_metric_and_an_off_by_default_code_stays_off(client: LanguageClient) -> None:
    uri = "file:///virtual/regression.py"
    open_file(client, uri, REGRESSION_WITH_ACCURACY)
    diagnostics = await diagnostics_for(client, uri, 1)
    # KA210 (the relu on the regression's output) is off unless selected, as in flake8 and check
    assert [d.code for d in diagnostics] == ["KA211"]
    where = diagnostics[0].range
    assert (where.start.line, where.start.character, where.end.line, where.end.character) == (3, 60, 3, 70)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(line=3, character=60))
    )
    assert hover is not None and hover.contents.value.startswith("**KA211** \"accuracy\" on a regression")
    assert markdown(CODES["KA211"]) in hover.contents.value


def _notebook_cells() -> list[tuple[str, str]]:
    return [
        ("markdown", "# A notebook\n"),
        ("python", "import keras\nfrom keras import layers\n%matplotlib inline\n"),
        ("python", "model = keras.Sequential([\n    keras.Input(shape=(4,)),\n    layers.Dense(16),\n"
         "    layers.Dense(1, activation=\"sigmoid\"),\n])"),
    ]


def open_notebook(client: LanguageClient, name: str, cells: list[tuple[str, str]]) -> list[str]:
    """Open a notebook of (language, text) cells, as VS Code sends it; the cells' URIs."""
    cell_uris = [f"vscode-notebook-cell:/virtual/{name}.ipynb#cell{i}" for i in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=f"file:///virtual/{name}.ipynb",
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(
                        kind=types.NotebookCellKind.Markup if lang == "markdown" else types.NotebookCellKind.Code,
                        document=cell_uri,
                    )
                    for (lang, _), cell_uri in zip(cells, cell_uris)
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=cell_uri, language_id=lang, version=1, text=text)
                for (lang, text), cell_uri in zip(cells, cell_uris)
            ],
        )
    )
    return cell_uris


def notebook_json(cells: list[tuple[str, str]]) -> str:
    """The .ipynb file of the same cells, for the fix command."""
    return json.dumps({
        "cells": [
            {"cell_type": "markdown" if lang == "markdown" else "code", "metadata": {}, "source": text,
             **({} if lang == "markdown" else {"outputs": [], "execution_count": None})}
            for lang, text in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    })


@pytest.mark.asyncio
async def test_a_notebook_is_read_as_one_module_and_fixed_cell_by_cell(client: LanguageClient, tmp_path: Path) -> None:
    notebook_uri = "file:///virtual/analysis.ipynb"
    cells = _notebook_cells()
    cell_uris = open_notebook(client, "analysis", cells)
    [finding] = await diagnostics_for(client, cell_uris[2])
    assert finding.code == "KA101"
    assert (finding.range.start.line, finding.range.start.character) == (2, 4)  # the cell's own line
    assert "(line 4)" in finding.message  # the layer it feeds, counted in the same cell
    assert finding.related_information[0].location.uri == cell_uris[2]
    [fix] = [a for a in await actions(client, cell_uris[2], 2, 6) if a.title.startswith("Fix KA101")]
    assert list(fix.edit.changes) == [cell_uris[2]]
    new_cell = applied(cells[2][1], fix.edit.changes[cell_uris[2]])
    # what `fix` writes into the .ipynb file for that cell
    written = fixed_by_command(tmp_path, notebook_json(cells), "analysis.ipynb", "--unsafe-fixes")
    assert json.loads(written)["cells"][2]["source"] == new_cell
    # edit the cell: the notebook is analysed again and the cell's diagnostics clear
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cell_uris[2], version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=new_cell)],
                        )
                    ]
                )
            ),
        )
    )
    client.published.clear()  # type: ignore[attr-defined]
    assert await diagnostics_for(client, cell_uris[2]) == []


INDENTED_CELL = (
    "    model = keras.Sequential()\n"
    "    model.add(layers.Dense(16, input_shape=(4,)))\n"
    "    model.add(layers.Dense(8))\n"
)


@pytest.mark.asyncio
async def test_an_indented_cell_has_its_diagnostics_fixes_and_noqa_in_its_own_columns(
    client: LanguageClient, tmp_path: Path
) -> None:
    cells = [
        ("python", "import keras\nfrom keras import layers\n"),
        ("python", INDENTED_CELL),
        ("python", 'model.add(layers.Dense(1, activation="sigmoid"))\n'),
    ]
    uris = open_notebook(client, "indented", cells)
    found = await diagnostics_for(client, uris[1])
    lines = INDENTED_CELL.splitlines()
    first = lines[1].index("layers.Dense(16")
    second = lines[2].index("layers.Dense(8")
    assert [(d.code, d.range.start.line, d.range.start.character, d.range.end.character) for d in found] == [
        ("KA101", 1, first, first + len("layers.Dense(16, input_shape=(4,))")),
        ("KA101", 2, second, second + len("layers.Dense(8)")),
    ]
    related = found[0].related_information[0].location
    assert (related.uri, related.range.start.line, related.range.start.character) == (uris[1], 2, second)
    # a position in the indentation IPython removed holds no finding; one in the call does
    assert await actions(client, uris[1], 1, 2, ["quickfix"]) == []
    offered = await actions(client, uris[1], 1, first + 2)
    [fix] = [a for a in offered if a.title.startswith("Fix KA101")]
    new_cell = applied(INDENTED_CELL, fix.edit.changes[uris[1]])
    assert new_cell.splitlines()[1] == '    model.add(layers.Dense(16, input_shape=(4,), activation="relu"))'
    [silence] = [a for a in offered if a.title == "Silence KA101 with # noqa: KA101"]
    silenced = applied(INDENTED_CELL, silence.edit.changes[uris[1]])
    assert silenced.splitlines()[1] == lines[1] + "  # noqa: KA101"
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uris[1]), types.Position(line=2, character=second + 3))
    )
    assert hover is not None and hover.contents.value.startswith("**KA101** Dense(8) has no activation")
    assert (hover.range.start.line, hover.range.start.character) == (2, second)
    # "Fix all" writes what `fix` writes into the .ipynb file (both asked for the unsafe fixes too)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"unsafeFixes": True}))
    [fix_all] = await actions(client, uris[1], 0, 0, ["source.fixAll"])
    written = json.loads(fixed_by_command(tmp_path, notebook_json(cells), "indented.ipynb", "--unsafe-fixes"))
    assert applied(INDENTED_CELL, fix_all.edit.changes[uris[1]]) == written["cells"][1]["source"]
    assert written["cells"][1]["source"].splitlines()[0] == lines[0]


@pytest.mark.asyncio
async def test_ipython_lines_and_a_cell_that_does_not_parse_in_a_notebook(client: LanguageClient) -> None:
    imports = "import keras\nfrom keras import layers\n"
    cells = [
        ("python", "!pip install \\\n    keras\n" + imports),
        ("python", "pip install jax\n"),
        ("python", "model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation='relu')])\n"),
        ("python", "model.add(layers.Flatten(\n"),
        ("python", "model.add(layers.Dense(10, activation='softmax'))\nmodel.compile(loss='categorical_crossentropy')\n"),
        ("python", "other = keras.Sequential([layers.Dense(4), layers.Dense(1)])\n"),
    ]
    uris = open_notebook(client, "ipython", cells)
    assert [d.code for d in await diagnostics_for(client, uris[5])] == ["KA103", "KA101"]
    published = {params.uri: params.diagnostics for params in client.published}  # type: ignore[attr-defined]
    # no KA206 on the head: the Flatten is in the cell that does not parse
    assert [list(published[uri]) for uri in uris[:5]] == [[], [], [], [], []]


@pytest.mark.asyncio
async def test_a_buffer_that_does_not_parse_gives_no_diagnostics_and_no_error(client: LanguageClient) -> None:
    uri = "file:///virtual/broken.py"
    open_file(client, uri, ONE_FIX)
    assert len(await diagnostics_for(client, uri, 1)) == 1
    replace_all(client, uri, ONE_FIX.replace("layers.Dense(16),", "layers.Dense(16,"), 2)
    assert await diagnostics_for(client, uri, 2) == []
    assert await actions(client, uri, 5, 8) == []
    # nonsense the server must survive: a change to a document it never saw, requests about it
    replace_all(client, "file:///virtual/never-opened.py", "x = 1\n", 7)
    assert await actions(client, "file:///virtual/never-opened.py", 0, 0) == []
    null_bytes = "import keras\x00\nlayers.Dense(1)\n"
    replace_all(client, uri, null_bytes, 3)
    assert await diagnostics_for(client, uri, 3) == []
    # and it still works
    replace_all(client, uri, ONE_FIX, 4)
    assert len(await diagnostics_for(client, uri, 4)) == 1
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error and "analysis failed" in m.message]


@pytest.mark.asyncio
async def test_configuration_from_the_editor_is_honoured(client: LanguageClient) -> None:
    uri = "file:///virtual/configured.py"
    open_file(client, uri, COLLAPSED)
    assert "KA102" in {d.code for d in await diagnostics_for(client, uri, 1)}
    client.published.clear()  # type: ignore[attr-defined]
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"flake8-keras-activation": {"ignore": ["KA102", "KA103"]}})
    )
    assert [d.code for d in await diagnostics_for(client, uri, 1)] == ["KA101", "KA101"]


@pytest.mark.asyncio
async def test_the_documentation_url_setting_places_the_code_links(client: LanguageClient) -> None:
    uri = "file:///virtual/linked.py"
    open_file(client, uri, ONE_FIX)
    [found] = await diagnostics_for(client, uri, 1)
    assert found.code_description.href.endswith("/blob/main/docs/rules/KA101.md")
    for setting, href in (
        ("https://docs.example.org/rules/{code}.html", "https://docs.example.org/rules/KA101.html"),
        ("https://docs.example.org/README.md", "https://docs.example.org/README.md#ka101-collapsing-hidden-layer"),
    ):
        client.published.clear()  # type: ignore[attr-defined]
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"flake8-keras-activation": {"documentationUrl": setting}})
        )
        [found] = await diagnostics_for(client, uri, 1)
        assert found.code_description.href == href


async def next_codes(client: LanguageClient, uri: str, after: int) -> list[str]:
    """The codes of the first diagnostics for `uri` published after the first `after` publications."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for params in client.published[after:]:  # type: ignore[attr-defined]
            if params.uri == uri:
                return sorted(str(d.code) for d in params.diagnostics)
        await asyncio.sleep(0.01)
    pytest.fail(f"no new diagnostics for {uri}")


@pytest.mark.asyncio
async def test_project_configuration_is_honoured_and_read_again_when_it_changes(
    client: LanguageClient, tmp_path: Path
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.flake8-keras-activation]\nper-file-ignores = { "models/*" = ["KA101"] }\n')
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "mlp.py"
    model.write_text(COLLAPSED)
    uri = model.as_uri()
    open_file(client, uri, COLLAPSED)
    # the command and the editor agree, and the per-file-ignore silences KA101 in models/
    assert sorted(str(d.code) for d in await diagnostics_for(client, uri, 1)) == ["KA102", "KA103"]
    assert codes_of(cli_output("check", str(model))) == ["KA102", "KA103"]

    # an edit of the file, noticed on the next analysis (by its modification time)
    count = len(client.published)  # type: ignore[attr-defined]
    pyproject.write_text('[tool.flake8-keras-activation]\nextend-ignore = ["KA102"]\n')
    replace_all(client, uri, COLLAPSED + "\n", 2)
    assert await next_codes(client, uri, count) == ["KA101", "KA101", "KA103"]

    # and one the editor announces, with no change to the buffer: it was asked to watch the files
    registrations = client.registrations  # type: ignore[attr-defined]
    watched = [r for r in registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    globs = {w["globPattern"] for r in watched for w in r.register_options["watchers"]}  # JSON, as sent
    assert {"**/pyproject.toml", "**/setup.cfg", "**/tox.ini", "**/.flake8"} <= globs
    count = len(client.published)  # type: ignore[attr-defined]
    pyproject.write_text('[tool.flake8-keras-activation]\nselect = ["KA103"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert await next_codes(client, uri, count) == ["KA103"]

    # an unusable file is logged, and the editor's own settings still apply
    count = len(client.published)  # type: ignore[attr-defined]
    pyproject.write_text('[tool.flake8-keras-activation]\nselct = ["KA103"]\n')
    replace_all(client, uri, COLLAPSED, 3)
    assert await next_codes(client, uri, count) == ["KA101", "KA101", "KA102", "KA103"]
    assert any("unknown key 'selct'" in m.message for m in client.log_messages)


def cli_output(*args: str) -> str:
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", *args], capture_output=True, text=True, check=False
    )
    return result.stdout


def codes_of(out: str) -> list[str]:
    return sorted(line.split(": ", 1)[1].split()[0] for line in out.splitlines())


@pytest.mark.asyncio
async def test_shutdown_then_exit_ends_the_server_with_status_0(client: LanguageClient) -> None:
    await client.shutdown_session()
    assert client._server is not None and client._server.returncode == 0


def test_exit_without_shutdown_is_status_1() -> None:
    import subprocess

    def message(body: dict[str, Any]) -> bytes:
        data = json.dumps(body).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(data), data)

    stream = message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
    stream += message({"jsonrpc": "2.0", "method": "exit"})
    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", "server"], input=stream, capture_output=True, timeout=WAIT
    )
    assert result.returncode == 1, result.stderr


def test_server_without_pygls_says_what_to_install(tmp_path: Path) -> None:
    import subprocess

    blocker = tmp_path / "pygls"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('pygls is not installed')\n")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", "server"], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=WAIT,
    )
    assert result.returncode == 2
    assert "pip install 'flake8-keras-activation[lsp]'" in result.stderr


@pytest.mark.asyncio
async def test_the_projects_configuration_is_the_servers_with_the_editors_settings_on_top(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.flake8-keras-activation]\n"
        'activation = "gelu"\n'
        "unsafe-fixes = true\n"
        'per-file-ignores = { "legacy/*" = ["KA101"] }\n'
        'exclude = ["generated"]\n'
    )
    model = tmp_path / "model.py"
    model.write_text(ONE_FIX)
    uri = model.as_uri()
    open_file(client, uri, ONE_FIX)
    [finding] = await diagnostics_for(client, uri, 1)
    # the message names what the fixes write: the project's activation, as `check` names it
    assert finding.code == "KA101" and finding.message.endswith('add activation="gelu"'), finding.message
    # fix-all (the project's unsafe-fixes = true) and the quick fix write what `fix` writes there
    [fix_all] = await actions(client, uri, 0, 0, ["source.fixAll"])
    new = applied(ONE_FIX, fix_all.edit.changes[uri])
    assert new == fixed_by_command(tmp_path, ONE_FIX, "by_command.py") and 'Dense(16, activation="gelu")' in new
    offered = await actions(client, uri, finding.range.start.line, finding.range.start.character + 3, ["quickfix"])
    [fix] = [a for a in offered if a.title.startswith("Fix KA101")]
    assert applied(ONE_FIX, fix.edit.changes[uri]) == new
    # per-file-ignores and exclude hold in the editor as in `check`
    for name in ("legacy/old.py", "generated/made.py"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(ONE_FIX)
        open_file(client, path.as_uri(), ONE_FIX)
        assert await diagnostics_for(client, path.as_uri(), 1) == [], name
    # the editor's settings go over the project's
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"activation": "tanh", "unsafeFixes": False})
    )
    assert await actions(client, uri, 0, 0, ["source.fixAll"]) == []  # KA101's fix is unsafe: none left
    offered = await actions(client, uri, finding.range.start.line, finding.range.start.character + 3, ["quickfix"])
    [fix] = [a for a in offered if a.title.startswith("Fix KA101")]
    assert 'Dense(16, activation="tanh")' in applied(ONE_FIX, fix.edit.changes[uri])


@pytest.mark.asyncio
async def test_an_unused_noqa_is_a_diagnostic_when_selected_and_fix_all_takes_it_out(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = ONE_FIX.replace('layers.Dense(1, activation="sigmoid"),', 'layers.Dense(1, activation="sigmoid"),  # noqa: E501, KA101')
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"extendSelect": ["KA900"]}))
    model = tmp_path / "model.py"
    model.write_text(text)
    uri = model.as_uri()
    open_file(client, uri, text)
    found = await diagnostics_for(client, uri, 1)
    assert sorted(d.code for d in found) == ["KA101", "KA900"]
    [unused] = [d for d in found if d.code == "KA900"]
    assert unused.range.start.line == 7 and unused.message.startswith("unused noqa: KA101")
    # a safe fix: fix-all makes it (and not KA101's), as `fix` does
    [fix_all] = await actions(client, uri, 0, 0, ["source.fixAll"])
    new = applied(text, fix_all.edit.changes[uri])
    assert new == ONE_FIX.replace('activation="sigmoid"),', 'activation="sigmoid"),  # noqa: E501')
    assert new == fixed_by_command(tmp_path, text, "by_command.py", "--extend-select", "KA900")
