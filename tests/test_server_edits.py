"""The server's text edits: minimal diffs that give back the fixer's text, and noqa comments."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flake8_keras_activation.selection import Selection
from flake8_keras_activation.server.analysis import analyze_python
from flake8_keras_activation.server.edits import apply, minimal_edits, noqa

# lines built from a few pieces, with every line ending ast knows, so that diffs are interesting
_piece = st.sampled_from(["a", "b", "é", "🧠", " ", "(", ")", "\r", "\n", "\r\n", "Dense(1)"])
_text = st.lists(_piece, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(_text, _text)
@example("\r\ra", "\r\na\ra")  # two insertions at one position: they keep their order, as in LSP
def test_minimal_edits_turn_the_old_text_into_the_new(old: str, new: str) -> None:
    assert apply(old, minimal_edits(old, new)) == new


def test_an_inserted_argument_is_one_insertion() -> None:
    old = "a = 1\nlayers.Dense(16)\nb = 2\n"
    new = 'a = 1\nlayers.Dense(16, activation="relu")\nb = 2\n'
    [edit] = minimal_edits(old, new)
    assert (edit.line, edit.col, edit.end_line, edit.end_col, edit.text) == (1, 15, 1, 15, ', activation="relu"')


def test_changes_on_separate_lines_are_separate_edits() -> None:
    old = "x(1)\ny = 2\nz(3)\n"
    new = "x(1, a)\ny = 2\nz(3, a)\n"
    assert [(e.line, e.text) for e in minimal_edits(old, new)] == [(0, ", a"), (2, ", a")]


def test_no_noqa_is_offered_where_the_line_ends_inside_a_string() -> None:
    text = (
        "from keras import layers, Sequential\n"
        'model = Sequential([layers.Dense(4, name="""a\n'
        'b"""), layers.Dense(1)])\n'
    )
    analysis = analyze_python("file:///t.py", 1, text, Selection())
    ka101 = [d for d in analysis.diagnosed if d.finding.code == "KA101"]
    assert ka101 and noqa(analysis, ka101[0]) is None


def test_an_argument_fix_in_a_later_notebook_cell_finds_its_call() -> None:
    # KA102 points at the keyword; the fixer finds the call by its line, counted in the cell
    from flake8_keras_activation.server.analysis import CellText, analyze_notebook
    from flake8_keras_activation.server.edits import fixes

    cell = "model = keras.Sequential([\n    layers.Dense(8, activation='relu'),\n    layers.Dense(1, input_shape=(3,)),\n])\n"
    cells = [CellText("c1", "import keras\nfrom keras import layers\n", 0, True), CellText("c2", cell, 1, True)]
    analysis = analyze_notebook("nb", 1, cells, Selection())
    assert [d.finding.code for d in analysis.diagnosed] == ["KA102"]
    [part] = fixes(analysis, list(analysis.diagnosed), "relu")
    assert part.uri == "c2"
    assert apply(cell, part.edits) == cell.replace(", input_shape=(3,)", "")
