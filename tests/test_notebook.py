"""Notebooks: code cells as one module, IPython syntax masked, findings in cell coordinates, fixes in place."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from flake8_keras_activation import analyze_source
from flake8_keras_activation.cli import main
from flake8_keras_activation.notebook import PLACEHOLDER, mask_cell, read_notebook
from flake8_keras_activation.source import source_lines
from tests.conftest import without_summary

IMPORTS = "import keras\nfrom keras import layers"
MODEL = (
    "model = keras.Sequential([\n"
    "    keras.Input(shape=(2,)),\n"
    "    layers.Dense(20),\n"
    "    layers.Dense(100, input_shape=(2,)),\n"
    "    layers.Dense(1),\n"
    "])"
)
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def code(source: str, outputs: list[dict[str, Any]] | None = None, count: int | None = 1) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {"tags": ["model"]},
        "outputs": outputs or [],
        "source": source.splitlines(keepends=True),
    }


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(keepends=True)}


def notebook(*cells: dict[str, Any], language: str = "python") -> dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"},
            "language_info": {"name": language, "version": "3.11.4"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(path: Path, data: dict[str, Any], indent: int = 1, ensure_ascii: bool = False) -> str:
    """As Jupyter writes a notebook: sorted keys, one-space indent, a final newline."""
    text = json.dumps(data, indent=indent, sort_keys=True, ensure_ascii=ensure_ascii) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command's status, stdout and stderr, less `check`'s summary line."""
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, without_summary(captured.err)


# ---- masking -------------------------------------------------------------------------------


def test_ipython_lines_are_masked_keeping_the_line_count() -> None:
    source = (
        "!pip install keras\n"
        "%matplotlib inline\n"
        "files = !ls\n"
        "import keras\n"
        "keras.Sequential?\n"
        "??keras.layers\n"
        "for name in files:\n"
        "    !echo {name}\n"
        "x = 1"
    )
    cell = mask_cell(0, source, 1)
    assert cell.python and cell.problem is None
    masked = source_lines(cell.masked)
    assert len(masked) == len(source_lines(source))
    ast.parse(cell.masked)
    placeholders = [line.strip() == PLACEHOLDER for line in masked]
    assert placeholders == [True, True, True, False, True, True, False, True, False]
    assert masked[7] == "    " + PLACEHOLDER + "\n", "the indentation of a masked line is kept"
    assert cell.masked_lines == (
        "!pip install keras\n", "%matplotlib inline\n", "files = !ls\n", "keras.Sequential?\n", "??keras.layers\n",
        "    !echo {name}\n",
    )


def test_a_cell_that_parses_is_never_masked() -> None:
    source = 'x = (1\n% 2)\ndoc = """Is this a question?\n!not shell\n"""\n'
    cell = mask_cell(0, source, 1)
    assert cell.masked == source
    assert cell.masked_lines == ()


def test_cell_magic_of_another_language_is_skipped_silently() -> None:
    cell = mask_cell(0, "%%bash\necho hi\nfor x in a b; do echo $x; done\n", 1)
    assert not cell.python and cell.problem is None
    assert cell.masked == "\n\n\n"


def test_timing_cell_magic_keeps_its_python_body() -> None:
    cell = mask_cell(0, "%%time\nmodel.fit(x, y)\n", 1)
    assert cell.python
    assert source_lines(cell.masked) == [PLACEHOLDER + "\n", "model.fit(x, y)\n"]


def test_cell_that_does_not_parse_becomes_unknown_effects_with_a_problem() -> None:
    cell = mask_cell(0, "model = keras.Sequential([\n", 1)
    assert not cell.python
    assert cell.problem == "does not parse: '[' was never closed (line 1)"
    assert cell.masked == "__ka_unknown__(model, keras, keras.Sequential); model = __ka_unknown__(model)\n"


# ---- checking ------------------------------------------------------------------------------


def test_model_built_across_cells_is_reported_in_cell_coordinates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.ipynb"
    write(
        path,
        notebook(
            markdown("# A model é"),
            code("!pip install keras\n" + IMPORTS),
            code("model = keras.Sequential()\nmodel.add(layers.Dense(20, input_dim=2))"),
            markdown("More layers:"),
            code("%%time\nmodel.add(layers.Dense(100, input_dim=2))\nmodel.add(layers.Dense(1))\n"),
        ),
    )
    status, out, err = run(capsys, "check", str(path))
    assert (status, err) == (1, "")
    assert out.splitlines() == [
        f"{path}:cell_3:1:9: KA103 Sequential model is affine end to end: its 3 affine layers compute one affine map, "
        'so it cannot fit a nonlinear function; add activation="relu" to the hidden layers',
        f"{path}:cell_3:2:11: KA101 Dense(20) has no activation and feeds Dense(100) (cell 5, line 2): "
        'the two collapse into one affine map; add activation="relu"',
        f"{path}:cell_5:2:11: KA101 Dense(100) has no activation and feeds Dense(1) (line 3): "
        'the two collapse into one affine map; add activation="relu"',
        f"{path}:cell_5:2:29: KA102 [*] input_dim on Dense(100) is ignored: it is not the first layer of its "
        "Sequential model; give the input shape to the first layer or a keras.Input only",
    ]


def test_noqa_in_a_cell_silences_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.ipynb"
    write(path, notebook(code(IMPORTS), code(MODEL.replace("layers.Dense(20),", "layers.Dense(20),  # noqa: KA101"))))
    _, out, _ = run(capsys, "check", str(path))
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["KA103", "KA101", "KA102"]
    assert ":cell_2:3:" not in out


def test_unparsable_cell_is_reported_and_the_others_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.ipynb"
    write(path, notebook(code(IMPORTS), code("def broken(:\n    pass"), code(MODEL)))
    status, out, err = run(capsys, "check", str(path))
    assert status == 1
    assert err == f"{path}:cell_2: error: does not parse: invalid syntax (line 1)\n"
    assert f"{path}:cell_3:3:5: KA101" in out


def test_notebook_of_another_language_is_not_analysed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.ipynb"
    write(path, notebook(code(IMPORTS), code(MODEL), language="R"))
    assert run(capsys, "check", str(path)) == (0, "", "")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (b'{"worksheets": []}', "not a Jupyter notebook (no list of cells; only nbformat 4 is read)"),
        (b'{"cells": [{"cell_type": "code", "source": 3}]}', "cell 1 has no source text"),
        (b'{"cells": []}\xff', "a notebook must be UTF-8: 'utf-8' codec can't decode byte 0xff in position 13: "
                               "invalid start byte"),
    ],
)
def test_broken_notebooks_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    other = tmp_path / "model.ipynb"
    write(other, notebook(code(IMPORTS), code(MODEL)))
    status, out, err = run(capsys, "check", str(path), str(other))
    assert status == 1
    assert err == f"{path}: error: {message}\n"
    assert "KA101" in out


def test_json_line_points_at_the_line_of_the_notebook_file(tmp_path: Path) -> None:
    text = write(tmp_path / "demo.ipynb", notebook(markdown("# Title"), code(IMPORTS), code(MODEL)))
    parsed = read_notebook(text)
    cell, line = parsed.locate(parsed.cells[1].first_line + 2)
    assert (cell.number, line) == (3, 3)
    assert text.splitlines()[parsed.json_line(cell, line) - 1].strip() == json.dumps("    layers.Dense(20),\n") + ","


# ---- fixing --------------------------------------------------------------------------------


def _changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    assert len(old_lines) == len(new_lines)
    return [(a, b) for a, b in zip(old_lines, new_lines) if a != b]


def _without_sources(data: dict[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    for cell in copy["cells"]:
        cell.pop("source")
    return copy


def test_fix_changes_only_the_fixed_lines_of_the_fixed_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.ipynb"
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": ["Epoch 1/10\n", "loss: 0.5\n"]},
        {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": ["<Figure>"]}, "metadata": {}},
    ]
    data = notebook(markdown("# Démo"), code("%matplotlib inline\n" + IMPORTS), code(MODEL, outputs, 7))
    old = write(path, data)
    status, out, err = run(capsys, "fix", "--unsafe-fixes", str(path))
    assert (status, out, err) == (1, "", f"Rewriting {path}\n")
    new = path.read_text(encoding="utf-8")
    assert _changed_lines(old, new) == [
        ('    "    layers.Dense(20),\\n",', '    "    layers.Dense(20, activation=\\"relu\\"),\\n",'),
        ('    "    layers.Dense(100, input_shape=(2,)),\\n",', '    "    layers.Dense(100, activation=\\"relu\\"),\\n",'),
    ]
    assert _without_sources(json.loads(new)) == _without_sources(data)
    module = read_notebook(new).module
    assert [f.code for f in analyze_source(module) if f.code in ("KA101", "KA102")] == []
    assert run(capsys, "fix", "--unsafe-fixes", str(path)) == (0, "", "")
    assert path.read_text(encoding="utf-8") == new


def test_fix_adds_a_line_to_a_cell_in_the_notebook_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.ipynb"
    cell = (
        "!nvidia-smi\n"
        "model = keras.Sequential([\n"
        "    layers.Dense(\n"
        "        20,\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n"
        "model.summary?"
    )
    old = write(path, notebook(code(IMPORTS), code(cell)), indent=2)
    assert run(capsys, "fix", "--unsafe-fixes", str(path))[0] == 1
    new = path.read_text(encoding="utf-8")
    stored = json.loads(new)["cells"][1]["source"]
    assert stored == [
        "!nvidia-smi\n",
        "model = keras.Sequential([\n",
        "    layers.Dense(\n",
        "        20,\n",
        '        activation="relu",\n',
        "    ),\n",
        "    layers.Dense(1),\n",
        "])\n",
        "model.summary?",
    ]
    added = [line for line in new.splitlines() if line not in old.splitlines()]
    assert added == ['        "        activation=\\"relu\\",\\n",'], "the new line is indented like its neighbours"


def test_fix_keeps_an_ascii_escaped_notebook_ascii(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.ipynb"
    old = write(path, notebook(code(IMPORTS), code("# modèle\n" + MODEL)), ensure_ascii=True)
    assert run(capsys, "fix", "--unsafe-fixes", str(path))[0] == 1
    new = path.read_text(encoding="utf-8")
    assert new.isascii()
    assert "mod\\u00e8le" in new
    assert len(_changed_lines(old, new)) == 2


def test_fix_of_a_source_stored_as_one_string(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.ipynb"
    data = notebook(code(IMPORTS), code(MODEL))
    data["cells"][1]["source"] = MODEL
    write(path, data)
    assert run(capsys, "fix", "--unsafe-fixes", str(path))[0] == 1
    stored = json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"]
    assert stored == MODEL.replace("Dense(20)", 'Dense(20, activation="relu")').replace(
        "Dense(100, input_shape=(2,))", 'Dense(100, activation="relu")'
    )


def test_fix_keeps_crlf_and_bom_of_the_notebook_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.ipynb"
    text = json.dumps(notebook(code(IMPORTS), code(MODEL)), indent=1).replace("\n", "\r\n") + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert run(capsys, "fix", "--unsafe-fixes", str(path))[0] == 1
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == text.count("\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_fix_leaves_an_unparsable_cell_and_fixes_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.ipynb"
    write(path, notebook(code(IMPORTS), code("def broken(:\n"), code(MODEL)))
    status, _, err = run(capsys, "fix", "--unsafe-fixes", str(path))
    assert status == 1
    assert err.splitlines() == [f"{path}:cell_2: error: does not parse: invalid syntax (line 1)", f"Rewriting {path}"]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert cells[1]["source"] == ["def broken(:\n"]
    assert 'activation=\\"relu\\"' in json.dumps(cells[2]["source"])


def test_diff_of_a_notebook_shows_its_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.ipynb"
    old = write(path, notebook(code(IMPORTS), code(MODEL)))
    status, out, _ = run(capsys, "fix", "--unsafe-fixes", "--diff", str(path))
    assert status == 1
    assert path.read_text(encoding="utf-8") == old
    assert '+    "    layers.Dense(20, activation=\\"relu\\"),\\n",' in out.splitlines()
