"""Notebook cells as IPython runs them, through the installed command."""

from __future__ import annotations

import subprocess
from pathlib import Path

from flake8_keras_activation.notebook import PLACEHOLDER, mask_cell
from flake8_keras_activation.source import source_lines
from tests.conftest import COMMAND
from tests.test_notebook import code, notebook, write

IMPORTS = "import keras\nfrom keras import layers\n"
# a model no other cell touches: KA103 and KA101 on line 1
OTHER = "other = keras.Sequential([layers.Dense(4), layers.Dense(1)])\n"


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args, "--isolated"], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def check(tmp_path: Path, *cells: str, fmt: str = "text") -> subprocess.CompletedProcess[str]:
    write(tmp_path / "nb.ipynb", notebook(*(code(cell) for cell in cells)))
    return command("check", "--format", fmt, "nb.ipynb", cwd=tmp_path)


def places(result: subprocess.CompletedProcess[str]) -> list[str]:
    """`cell_N:line:col CODE` of each finding of the text output."""
    return [" ".join(line.split(":")[1:4]) + " " + line.split(": ")[1].split()[0] for line in result.stdout.splitlines()]


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
