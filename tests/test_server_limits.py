"""The server on input beyond the ordinary: huge buffers, many findings, a configuration the reader chokes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from flake8_keras_activation.documents import MAX_FILE_BYTES
from flake8_keras_activation.screen import LIMIT_TEXT
from flake8_keras_activation.selection import Selection
from flake8_keras_activation.server.analysis import CellText, analyze_notebook, analyze_python
from flake8_keras_activation.server.convert import Columns, publications
from tests.test_server import COLLAPSED, ONE_FIX, client, diagnostics_for, open_file, replace_all

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


def synthetic(models: int, pad: int = 0) -> str:
    """Collapsed models, four findings each; `pad` characters of comment per model."""
    comment = f"  # {'x' * pad}" if pad else ""
    return "from keras.layers import Dense\nfrom keras.models import Sequential\n\n" + "".join(
        f"model{i} = Sequential()\nmodel{i}.add(Dense(20, input_dim=2)){comment}\n"
        f"model{i}.add(Dense(100, input_dim=2))\nmodel{i}.add(Dense(1))\n"
        for i in range(models)
    )


@pytest.mark.asyncio
async def test_a_buffer_beyond_the_limit_of_the_analysis_gets_no_diagnostics_and_one_log_line(
    client: LanguageClient,
) -> None:
    uri = "file:///virtual/generated.py"
    open_file(client, uri, COLLAPSED)
    assert len(await diagnostics_for(client, uri, 1)) == 4
    huge = COLLAPSED + "table = [" + "1," * 260_000 + "]\n"  # past 250,000 lines, calls, commas and brackets
    replace_all(client, uri, huge, 2)
    assert await diagnostics_for(client, uri, 2) == []
    replace_all(client, uri, huge + "\n", 3)
    assert await diagnostics_for(client, uri, 3) == []
    said = [m.message for m in client.log_messages if "generated.py" in m.message]
    assert said == [f"flake8-keras-activation: /virtual/generated.py: skipped: {LIMIT_TEXT}"]
    replace_all(client, uri, COLLAPSED, 4)
    assert len(await diagnostics_for(client, uri, 4)) == 4


def test_a_buffer_over_64_mib_is_not_analysed_and_says_so() -> None:
    text = COLLAPSED + "#" * (MAX_FILE_BYTES - len(COLLAPSED) + 1)
    analysis = analyze_python("file:///virtual/big.py", 1, text, Selection())
    assert analysis.diagnosed == ()
    assert analysis.skipped == f"skipped: {MAX_FILE_BYTES + 1} bytes, over the limit of {MAX_FILE_BYTES} bytes"
    # bytes as the file would hold them: two-byte characters count twice
    wide = COLLAPSED + "é" * ((MAX_FILE_BYTES - len(COLLAPSED)) // 2 + 1)
    assert analyze_python("file:///virtual/big.py", 1, wide, Selection()).skipped.startswith("skipped: ")
    assert analyze_python("file:///virtual/big.py", 1, wide[: len(wide) // 2], Selection()).skipped == ""
    cells = [CellText("c0", COLLAPSED, 0, True), CellText("c1", "#" * MAX_FILE_BYTES, 1, True)]
    notebook = analyze_notebook("file:///virtual/big.ipynb", 1, cells, Selection())
    assert notebook.diagnosed == () and "over the limit" in notebook.skipped


@pytest.mark.asyncio
async def test_a_small_document_is_not_kept_waiting_behind_a_big_one(client: LanguageClient) -> None:
    big = synthetic(3000, pad=100)  # about 500 KB and 12,000 findings: a second or more of analysis
    open_file(client, "file:///virtual/big.py", big)
    open_file(client, "file:///virtual/small.py", ONE_FIX)
    [finding] = await diagnostics_for(client, "file:///virtual/small.py", 1)
    assert finding.code == "KA101"
    published = [params.uri for params in client.published]  # type: ignore[attr-defined]
    assert "file:///virtual/big.py" not in published, "the small document waited for the big one"
    assert len(await diagnostics_for(client, "file:///virtual/big.py", 1)) == 12_000


def test_publishing_grows_linearly_with_the_findings() -> None:
    from pygls.protocol import default_converter

    from tests.conftest import bytecodes

    converter = default_converter()

    def work(models: int) -> int:
        analysis = analyze_python("file:///virtual/many.py", 1, synthetic(models), Selection())
        assert len(analysis.diagnosed) == 4 * models

        def publish() -> None:
            [message] = publications(analysis, Columns(None), {}, converter)
            assert message.count(b'"code": "KA101"') == 2 * models

        return bytecodes(publish)

    small, large = work(50), work(400)
    assert large < 8 * small * 1.5, (small, large)  # 8 times the findings; a re-split per finding is 64 times
