"""Documents whose URIs hold percent-escapes: found, analysed and answered under the URI the client sent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from flake8_keras_activation.server.uris import key, path_of
from tests.test_server import ONE_FIX, actions, applied, client, diagnostics_for, open_file, replace_all

__all__ = ["client"]  # the fixture, shared with test_server.py

ESCAPED = [
    pytest.param("file:///virtual/my%20models/mlp.py", id="space"),
    pytest.param("file:///virtual/mod%C3%A8le_%CE%B4.py", id="non-ascii"),
    pytest.param("file:///c%3A/Users/x/model.py", id="vscode-windows-drive"),
    pytest.param("untitled:Untitled%201", id="unsaved-buffer"),
]


async def close_file(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    count = len(client.published)  # type: ignore[attr-defined]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    for _ in range(6000):
        for params in client.published[count:]:  # type: ignore[attr-defined]
            if params.uri == uri:
                return list(params.diagnostics)
        await asyncio.sleep(0.01)
    pytest.fail(f"nothing published for {uri} on close")


@pytest.mark.parametrize("uri", ESCAPED)
@pytest.mark.asyncio
async def test_a_document_whose_uri_holds_escapes_gets_diagnostics_fixes_and_hover_under_that_uri(
    client: LanguageClient, uri: str
) -> None:
    open_file(client, uri, ONE_FIX)
    [finding] = await diagnostics_for(client, uri, 1)
    assert finding.code == "KA101"
    assert {params.uri for params in client.published} == {uri}  # type: ignore[attr-defined]
    [fix] = [a for a in await actions(client, uri, 5, 8) if a.title.startswith("Fix KA101")]
    assert list(fix.edit.changes) == [uri]
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(line=5, character=8))
    )
    assert hover is not None and hover.contents.value.startswith("**KA101**")
    replace_all(client, uri, applied(ONE_FIX, fix.edit.changes[uri]), 2)
    assert await diagnostics_for(client, uri, 2) == []
    replace_all(client, uri, ONE_FIX, 3)
    assert len(await diagnostics_for(client, uri, 3)) == 1
    assert await close_file(client, uri) == []


@pytest.mark.asyncio
async def test_requests_that_spell_the_uri_with_other_escapes_reach_the_same_document(client: LanguageClient) -> None:
    opened = "file:///c%3A/Users/x/model%20one.py"
    other = "file:///c:/Users/x/model%20one.py"  # the colon unescaped, as another client writes it
    open_file(client, opened, ONE_FIX)
    await diagnostics_for(client, opened, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=other), types.Position(line=5, character=8))
    )
    assert hover is not None and hover.contents.value.startswith("**KA101**")
    [fix] = [a for a in await actions(client, other, 5, 8) if a.title.startswith("Fix KA101")]
    assert list(fix.edit.changes) == [opened]  # the document's own URI, as it was opened
    replace_all(client, other, ONE_FIX.replace("Dense(16)", 'Dense(16, activation="relu")'), 2)
    # published under the URI the document was opened with, not the one of the change
    assert await diagnostics_for(client, opened, 2) == []
    assert all(params.uri == opened for params in client.published)  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_a_notebook_whose_cell_uris_hold_escapes_gets_its_diagnostics_on_the_cells(
    client: LanguageClient,
) -> None:
    notebook_uri = "file:///c%3A/Users/x/my%20notes/r%C3%A9seau.ipynb"
    cells = [
        ("python", "import keras\nfrom keras import layers\n"),
        ("python", "model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(16),\n"
         "    layers.Dense(1, activation='sigmoid')])\n"),
    ]
    # as VS Code writes them on Windows: the notebook's path, and an escaped fragment per cell
    cell_uris = [
        "vscode-notebook-cell:/c%3A/Users/x/my%20notes/r%C3%A9seau.ipynb#W0sZmlsZQ%3D%3D",
        "vscode-notebook-cell:/c%3A/Users/x/my%20notes/r%C3%A9seau.ipynb#W1sZmlsZQ%3D%3D",
    ]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=u) for u in cell_uris],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=u, language_id=lang, version=1, text=text)
                for (lang, text), u in zip(cells, cell_uris)
            ],
        )
    )
    [finding] = await diagnostics_for(client, cell_uris[1])
    assert finding.code == "KA101" and finding.range.start.line == 0
    assert await diagnostics_for(client, cell_uris[0]) == []
    [fix] = [a for a in await actions(client, cell_uris[1], 0, 55) if a.title.startswith("Fix KA101")]
    assert list(fix.edit.changes) == [cell_uris[1]]
    fixed = applied(cells[1][1], fix.edit.changes[cell_uris[1]])
    client.published.clear()  # type: ignore[attr-defined]
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cell_uris[1], version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
                        )
                    ]
                )
            ),
        )
    )
    assert await diagnostics_for(client, cell_uris[1]) == []


@pytest.mark.asyncio
async def test_project_configuration_reaches_a_file_in_a_directory_with_a_space_and_its_watched_changes(
    client: LanguageClient, tmp_path: Path
) -> None:
    project = tmp_path / "my project é"
    project.mkdir()
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.flake8-keras-activation]\nextend-ignore = ["KA101"]\n')
    model = project / "model.py"
    model.write_text(ONE_FIX)
    uri = model.as_uri()
    assert "%20" in uri and "%C3%A9" in uri
    open_file(client, uri, ONE_FIX)
    assert await diagnostics_for(client, uri, 1) == []
    pyproject.write_text("[tool.flake8-keras-activation]\n")
    count = len(client.published)  # type: ignore[attr-defined]
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    for _ in range(6000):
        fresh = [p for p in client.published[count:] if p.uri == uri]  # type: ignore[attr-defined]
        if fresh:
            assert [d.code for d in fresh[0].diagnostics] == ["KA101"]
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the watched configuration change was not applied")


@pytest.mark.parametrize(
    "uri, windows, expected",
    [
        ("file:///home/x/my%20models/mlp.py", False, "/home/x/my models/mlp.py"),
        ("file:///home/x/mod%C3%A8le.py", False, "/home/x/modèle.py"),
        ("file:///c%3A/Users/x/model.py", False, "/c:/Users/x/model.py"),  # absolute, not relative to the cwd
        ("file:///c%3A/Users/x/model.py", True, "c:\\Users\\x\\model.py"),
        ("file:///C:/Users/x/a%20b.py", True, "C:\\Users\\x\\a b.py"),
        ("file://server/share/m.py", True, "\\\\server\\share\\m.py"),
        ("file://server/share/m.py", False, None),
        ("file://localhost/home/x/m.py", False, "/home/x/m.py"),
        ("untitled:Untitled-1", False, None),
        ("vscode-notebook-cell:/home/x/n.ipynb#W0sZmlsZQ%3D%3D", False, None),
    ],
)
def test_the_file_a_uri_names(uri: str, windows: bool, expected: str | None) -> None:
    assert path_of(uri, windows=windows) == expected


def test_one_document_is_one_key_whatever_its_escapes() -> None:
    assert key("file:///c%3A/x%20y.py") == key("file:///c:/x y.py") == key("file:///c%3a/x%20y.py")
    assert key("file:///a%2520b.py") != key("file:///a%20b.py")  # an escaped percent sign stays one
