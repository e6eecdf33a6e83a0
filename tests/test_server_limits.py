"""The server on input beyond the ordinary: huge buffers, many findings, a configuration the reader chokes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.test_server import COLLAPSED, client, diagnostics_for, open_file, replace_all

__all__ = ["client"]  # the fixture, shared with test_server.py


@pytest.mark.asyncio
async def test_a_configuration_the_reader_chokes_on_is_named_once_and_the_editor_settings_still_apply(
    client: LanguageClient, tmp_path: Path
) -> None:
    depth = 10_000
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.flake8-keras-activation]\nselect = " + "[" * depth + '"KA101"' + "]" * depth + "\n")
    model = tmp_path / "model.py"
    model.write_text(COLLAPSED)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"flake8-keras-activation": {"ignore": ["KA103"]}})
    )
    uri = model.as_uri()
    open_file(client, uri, COLLAPSED)
    # the document is served, with the editor's settings
    assert [d.code for d in await diagnostics_for(client, uri, 1)] == ["KA101", "KA101", "KA102"]
    replace_all(client, uri, COLLAPSED + "\n", 2)
    assert [d.code for d in await diagnostics_for(client, uri, 2)] == ["KA101", "KA101", "KA102"]
    named = [m.message for m in client.log_messages if str(pyproject) in m.message]
    assert len(named) == 1, client.log_messages
    assert "configuration ignored" in named[0] and "\n" not in named[0]
