"""Notebook cells as IPython runs them, through the installed command: indented cells, commands
continued with a backslash, magics without `%`, and cells that do not parse."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_keras_activation.notebook import PLACEHOLDER, mask_cell, unknown_name
from flake8_keras_activation.source import source_lines
from tests.conftest import COMMAND, without_summary
from tests.test_notebook import code, notebook, write

IMPORTS = "import keras\nfrom keras import layers\n"
CONV = "model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation='relu')])\n"
HEAD = "model.add(layers.Dense(10, activation='softmax'))\nmodel.compile(loss='categorical_crossentropy')\n"
# a model no other cell touches: KA103 and KA101 on line 1
OTHER = "other = keras.Sequential([layers.Dense(4), layers.Dense(1)])\n"


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed command, its stderr less `check`'s summary line; `fix` makes every fix, unsafe ones too."""
    extra = ["--unsafe-fixes"] if args[:1] == ("fix",) else []
    result = subprocess.run(
        [COMMAND, *args, *extra, "--isolated"], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    result.stderr = without_summary(result.stderr)
    return result


def check(tmp_path: Path, *cells: str, fmt: str = "text") -> subprocess.CompletedProcess[str]:
    write(tmp_path / "nb.ipynb", notebook(*(code(cell) for cell in cells)))
    return command("check", "--format", fmt, "nb.ipynb", cwd=tmp_path)


def places(result: subprocess.CompletedProcess[str]) -> list[str]:
    """`cell_N:line:col CODE` of each finding of the text output."""
    return [" ".join(line.split(":")[1:4]) + " " + line.split(": ")[1].split()[0] for line in result.stdout.splitlines()]


# ---- 1. an indented cell is read as IPython dedents it -----------------------------------------

INDENTED = (
    "    model = keras.Sequential()\n"
    "    model.add(layers.Dense(20, input_shape=(2,)))\n"
    "    model.add(layers.Dense(\n"
    "        100,\n"
    "    ))\n"
)


def test_a_model_split_over_an_indented_cell_and_the_next_is_reported_in_the_cells_columns(tmp_path: Path) -> None:
    result = check(tmp_path, IMPORTS, INDENTED, "model.add(layers.Dense(1))\n")
    assert (result.returncode, result.stderr) == (1, "")
    lines = INDENTED.splitlines()
    dense20 = lines[1].index("layers.Dense(20") + 1
    dense100 = lines[2].index("layers.Dense(") + 1
    assert places(result) == [
        f"cell_2 1 {lines[0].index('keras.Sequential') + 1} KA103",
        f"cell_2 2 {dense20} KA101",
        f"cell_2 3 {dense100} KA101",
    ]
    assert "feeds Dense(100) (line 3)" in result.stdout and "feeds Dense(1) (cell 3, line 1)" in result.stdout
    reported = json.loads(check(tmp_path, IMPORTS, INDENTED, "model.add(layers.Dense(1))\n", fmt="json").stdout)
    assert [(f["cell"], f["line"], f["column"]) for f in reported if f["code"] == "KA101"] == [
        (2, 2, dense20), (2, 3, dense100)
    ]
    sarif = json.loads(check(tmp_path, IMPORTS, INDENTED, "model.add(layers.Dense(1))\n", fmt="sarif").stdout)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "KA101"]
    assert [r["properties"] for r in results] == [
        {"cell": 2, "cellLine": 2, "cellColumn": dense20}, {"cell": 2, "cellLine": 3, "cellColumn": dense100}
    ]
    # the layer each one collapses into, in its own cell's columns too
    assert results[0]["relatedLocations"][0]["message"]["text"].endswith(f"(cell 2, line 3, column {dense100})")


def test_a_cell_only_ipython_8_reads_keeps_each_lines_own_column(tmp_path: Path) -> None:
    # IPython 8 removed the first line's indentation from the lines that start with it; IPython 9
    # removes the margin all lines share, which leaves this cell's first line indented
    cell = "        model = keras.Sequential([\n    layers.Dense(8),\n    layers.Dense(1)])\n"
    result = check(tmp_path, IMPORTS, cell)
    assert (result.returncode, result.stderr) == (1, "")
    assert places(result) == [f"cell_2 1 {cell.index('keras.Sequential') + 1} KA103", "cell_2 2 5 KA101"]


def test_an_indented_cell_of_a_nonlinear_model_stays_silent(tmp_path: Path) -> None:
    cell = "    model = keras.Sequential([\n        layers.Dense(8, activation='relu'),\n        layers.Dense(1),\n    ])\n"
    result = check(tmp_path, IMPORTS, cell)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_comment_indented_above_unindented_code_is_read_as_it_stands(tmp_path: Path) -> None:
    # IPython 9 leaves this cell alone (no margin is shared); IPython 8 would have broken its `if`
    cell = "  # the model\nif True:\n  model = keras.Sequential([layers.Dense(4), layers.Dense(1)])\n"
    assert mask_cell(0, cell, 1).masked == cell
    result = check(tmp_path, IMPORTS, cell)
    assert places(result) == ["cell_2 3 11 KA103", "cell_2 3 29 KA101"]


def test_fix_in_an_indented_cell_keeps_its_indentation_and_every_other_byte(tmp_path: Path) -> None:
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}]
    data = notebook(code(IMPORTS), code(INDENTED, outputs, 3), code("model.add(layers.Dense(1))\n"))
    path = tmp_path / "nb.ipynb"
    old = write(path, data)
    fixed = command("fix", "nb.ipynb", cwd=tmp_path)
    assert (fixed.returncode, fixed.stderr) == (1, "Rewriting nb.ipynb\n")
    new = path.read_text(encoding="utf-8")
    # one argument added on its line, one line added indented like the argument above it
    expected = old.replace(
        '"    model.add(layers.Dense(20, input_shape=(2,)))\\n",',
        '"    model.add(layers.Dense(20, input_shape=(2,), activation=\\"relu\\"))\\n",',
    ).replace('    "        100,\\n",\n', '    "        100,\\n",\n    "        activation=\\"relu\\",\\n",\n')
    assert expected != old
    assert new == expected
    assert json.loads(new)["cells"][1]["outputs"] == outputs
    assert command("check", "nb.ipynb", cwd=tmp_path).stdout == ""
    again = command("fix", "nb.ipynb", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "")
    assert path.read_text(encoding="utf-8") == new


def test_add_noqa_in_an_indented_cell_goes_at_the_end_of_the_cells_line(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    write(path, notebook(code(IMPORTS), code(INDENTED), code("model.add(layers.Dense(1))\n")))
    assert command("check", "--add-noqa", "nb.ipynb", cwd=tmp_path).returncode == 0
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"]
    assert source[:3] == [
        "    model = keras.Sequential()  # noqa: KA103\n",
        "    model.add(layers.Dense(20, input_shape=(2,)))  # noqa: KA101\n",
        "    model.add(layers.Dense(  # noqa: KA101\n",
    ]
    assert command("check", "nb.ipynb", cwd=tmp_path).stdout == ""


# ---- 2. a command continued with a backslash is one command ------------------------------------


def test_a_shell_command_continued_with_backslashes_is_masked_whole(tmp_path: Path) -> None:
    cell = "!pip install \\\n    keras \\\n    jax\n" + IMPORTS
    masked = source_lines(mask_cell(0, cell, 1).masked)
    assert [line.strip() == PLACEHOLDER for line in masked] == [True, True, True, False, False]
    result = check(tmp_path, cell, OTHER)
    assert (result.returncode, result.stderr) == (1, "")
    assert places(result) == ["cell_2 1 9 KA103", "cell_2 1 27 KA101"]


def test_a_magic_continued_with_a_backslash_inside_a_block_is_masked_whole(tmp_path: Path) -> None:
    cell = IMPORTS + "for size in (4, 8):\n    %time run(size, \\\n  verbose=True)\n" + OTHER
    result = check(tmp_path, cell)
    assert (result.returncode, result.stderr) == (1, "")
    assert places(result) == ["cell_1 6 9 KA103", "cell_1 6 27 KA101"]


def test_a_percent_operator_or_question_mark_that_is_python_is_not_masked(tmp_path: Path) -> None:
    # the cell needs masking (`!ls`), but `%` continuing an expression and `?` in a string are Python
    cell = (
        "!ls\n"
        "name = ('dense_%d'\n"
        "        % 3)\n"
        'note = """Why linear?\n'
        '!not a command\n'
        '"""\n'
        + OTHER
    )
    masked = mask_cell(0, cell, 1)
    assert masked.masked_lines == ("!ls\n",)
    result = check(tmp_path, IMPORTS, cell)
    assert (result.returncode, result.stderr) == (1, "")
    assert places(result) == ["cell_2 7 9 KA103", "cell_2 7 27 KA101"]


# ---- 3. a cell of one line that starts with a magic's name is that magic ------------------------


@pytest.mark.parametrize("line", ["pip install keras", "cd data", "ls -la", "pwd", "  pip install -q 'keras>=3'\n"])
def test_a_one_line_cell_naming_a_magic_is_run_as_the_magic(tmp_path: Path, line: str) -> None:
    result = check(tmp_path, line, IMPORTS + OTHER)
    assert (result.returncode, result.stderr) == (1, "")
    assert places(result) == ["cell_2 3 9 KA103", "cell_2 3 27 KA101"]


def test_a_magics_name_in_a_cell_of_several_lines_is_python(tmp_path: Path) -> None:
    # IPython's automagic reads only a cell of one line: here `pip install` is a syntax error
    result = check(tmp_path, "pip install keras\n" + IMPORTS, IMPORTS + OTHER)
    assert result.stderr == "nb.ipynb:cell_1: error: does not parse: invalid syntax (line 1)\n"
    # and `ls` used as a list in a cell of several lines is the user's list
    cell = "ls = [layers.Dense(8)]\nls.append(layers.Dense(1))\nls\nmodel = keras.Sequential(ls)\n"
    result = check(tmp_path, IMPORTS, cell)
    assert (result.returncode, result.stderr) == (1, "")
    assert places(result) == ["cell_2 1 7 KA101", "cell_2 4 9 KA103"]


def test_a_magics_name_the_user_has_bound_is_python_in_a_cell_of_one_line(tmp_path: Path) -> None:
    # `import time` shadows %time: IPython runs `time fit()` as Python, a syntax error
    result = check(tmp_path, IMPORTS + "import time\n", "time fit()\n", OTHER)
    assert result.stderr == "nb.ipynb:cell_2: error: does not parse: invalid syntax (line 1)\n"
    assert mask_cell(0, "history\n", 1, bound={"history"}).masked == "history\n"
    assert mask_cell(0, "history\n", 1).masked == PLACEHOLDER + "\n"
    assert mask_cell(0, "ls = 3\n", 1).masked == "ls = 3\n"


# ---- 4. a cell that does not parse makes the analysis silent about what it mentions ------------


def test_a_flatten_in_a_cell_that_does_not_parse_gives_no_ka206(tmp_path: Path) -> None:
    result = check(tmp_path, IMPORTS, CONV, "model.add(layers.Flatten(\n", HEAD, OTHER)
    assert result.returncode == 1
    assert result.stderr == "nb.ipynb:cell_3: error: does not parse: '(' was never closed (line 1)\n"
    # the model the broken cell mentions is not judged; the other one is
    assert places(result) == ["cell_5 1 9 KA103", "cell_5 1 27 KA101"]


def test_a_model_the_broken_cell_does_not_mention_is_still_judged(tmp_path: Path) -> None:
    result = check(tmp_path, IMPORTS, CONV, "print('training'\n", HEAD)
    assert result.stderr == "nb.ipynb:cell_3: error: does not parse: '(' was never closed (line 1)\n"
    assert places(result) == ["cell_4 1 11 KA206"]


def test_layers_around_a_broken_cell_that_mentions_the_model_do_not_collapse(tmp_path: Path) -> None:
    cells = [IMPORTS, "model = keras.Sequential()\nmodel.add(layers.Dense(20))\n", "model.add(layers.Activation(\n"]
    result = check(tmp_path, *cells, "model.add(layers.Dense(1))\n")
    assert (result.returncode, result.stdout) == (1, "")
    # a tensor the broken cell assigns is a new, unknown one
    cells = [IMPORTS + "x = keras.Input((4,))\nx = layers.Dense(8)(x)\n", "for block in range(2):\n  x = act(x\n"]
    result = check(tmp_path, *cells, "y = layers.Dense(1)(x)\n")
    assert (result.returncode, result.stdout) == (1, "")


def test_a_compiled_model_a_broken_cell_adds_to_is_not_judged_with_its_later_head(tmp_path: Path) -> None:
    # a model handed to unknown code after compile() is taken to be trained, not changed: the
    # stand-in says that something was added to it
    compiled = CONV + "model.compile(loss='categorical_crossentropy')\n"
    result = check(tmp_path, IMPORTS, compiled, "model.add(layers.Flatten(\n", HEAD)
    assert (result.stdout, result.stderr) == ("", "nb.ipynb:cell_3: error: does not parse: '(' was never closed (line 1)\n")


def test_the_stand_in_of_a_broken_cell_rebinds_what_it_binds_and_mentions_the_rest() -> None:
    cell = (
        "model.add(layers.Flatten(\n"  # never closed: each line below that starts a statement is one
        "x = 'a # not a comment'  # nor=this\n"
        "for i, (a, b) in enumerate(pairs): pass\n"
        "import os.path, numpy as np\n"
        "from m import (p, q as r)\n"
        "with open(f) as handle: pass\n"
        "def build(units=8): return keras.Sequential()\n"
        "self.head.layers[0].trainable = False\n"
        "if (n := len(xs)) > 2: y: int = 3\n"
        "!echo not = python\n"
    )
    [line] = [line for line in source_lines(mask_cell(0, cell, 1).masked) if line.strip()]
    mentioned, *rest = line.rstrip("\n").split("; ")
    assert mentioned == (
        "__ka_unknown__(model, model.add, layers, layers.Flatten, x, i, a, b, enumerate, pairs, os, os.path, numpy, np, m, "
        "p, q, r, open, f, handle, build, units, keras, keras.Sequential, self, self.head, self.head.layers, n, len, "
        "xs, y, int)"
    )
    assert rest == ["model.add(__ka_unknown__(model))"] + [
        f"{name} = __ka_unknown__({name})"
        for name in ["x", "i", "a", "b", "os", "np", "p", "r", "handle", "build", "self.head.layers", "n", "y"]
    ]


def test_the_broken_cells_stand_in_never_collides_with_the_users_names(tmp_path: Path) -> None:
    # were the stand-in `__ka_unknown__`, this notebook's own would be called: `print` ignores the
    # model, which would keep its Conv2D head and give KA206
    cells = [IMPORTS, "__ka_unknown__ = print\n", CONV, "model.add(layers.Flatten(\n", HEAD]
    result = check(tmp_path, *cells)
    assert (result.stdout, result.stderr) == ("", "nb.ipynb:cell_4: error: does not parse: '(' was never closed (line 1)\n")
    assert unknown_name(["__ka_unknown__", "__ka_unknown_1__ __ka_unknown_3__"]) == "__ka_unknown_2__"
    assert unknown_name(["model.fit(x)"]) == "__ka_unknown__"


def test_fix_never_rewrites_a_cell_that_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    broken = "model.add(layers.Dense(8)\nmodel.add(layers.Dense(1))\n"
    write(path, notebook(code(IMPORTS), code("model = keras.Sequential()\n"), code(broken), code(OTHER)))
    fixed = command("fix", "nb.ipynb", cwd=tmp_path)
    assert fixed.returncode == 1
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[2]["source"]) == broken
    assert "activation" in "".join(cells[3]["source"])


_PIECES = [
    "x", " ", "\t", "\n", "\r\n", "\r", "=", ":=", "+=", "==", "(", ")", "[", "]", "{", "}", ":", ";", ",", ".",
    "'", '"', "'''", '"""', "\\", "#", "!", "%", "?", "1.5", "f'", 'rb"', "é", "\x00", "for", "in", "as", "import",
    "from", "def", "class", "del", "if", "else", "lambda", "async", "with", "model", "self", "__debug__", "ls", "pip",
]


# invalid escapes in the generated text (a DeprecationWarning before Python 3.12)
@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)))
def test_any_text_as_a_cell_is_python_with_as_many_lines(text: str) -> None:
    def endings(value: str) -> int:
        return sum(1 for line in source_lines(value) if line.endswith(("\n", "\r")))

    cell = mask_cell(0, text, 1)
    assert endings(cell.masked) == endings(text)
    ast.parse(cell.masked)  # the stand-in of a cell that does not parse too
    assert cell.python or cell.problem is not None or not cell.masked.strip()


@pytest.mark.parametrize(
    "garbage",
    [
        lambda n: "model.add(" * n,  # brackets never closed
        lambda n: "".join(f"x{i} = f(y{i}, '''\n" for i in range(n)),  # strings never closed
        lambda n: "".join(f"for a{i} in b as (c{i}, d.e.f.g.h.i.j.k{i} :=\n" for i in range(n)),
        lambda n: "a." * n + "b = \\\n" * n,  # one dotted name as long as the cell
        lambda n: " ".join(f"n{i}" for i in range(n)),  # names on one line
    ],
    ids=["open-brackets", "open-strings", "binding-keywords", "long-dotted-name", "names-on-one-line"],
)
def test_a_huge_broken_cell_costs_work_linear_in_its_size(garbage: Any) -> None:
    from tests.conftest import bytecodes

    def work(n: int) -> int:
        text = garbage(n)
        cell = mask_cell(0, text, 1)
        assert cell.problem is not None and not cell.python
        return bytecodes(lambda: mask_cell(0, text, 1))

    small, large = work(500), work(4_000)
    assert large < 8 * small * 1.3, (small, large)  # 8 times the text; quadratic would be 64 times
