"""The flake8 adapter, end to end through the real flake8 command line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import assert_no_traceback_from_us, run_flake8

SEED = textwrap.dedent(
    """\
    from keras.models import Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Dense(20, input_dim=2))
    model.add(Dense(100, input_dim=2))
    model.add(Dense(1))
    """
)


def test_plugin_is_registered_with_flake8() -> None:
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, check=True)
    assert "flake8-keras-activation" in result.stdout


def test_seed_model_output_lines(tmp_path: Path) -> None:
    path = tmp_path / "seed.py"
    path.write_text(SEED)
    result = run_flake8([path], "--select=KA")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:4:9: KA103 Sequential model is affine end to end: its 3 affine layers compute one affine map, "
        'so it cannot fit a nonlinear function; add activation="relu" to the hidden layers',
        f"{path}:5:11: KA101 Dense(20) has no activation and feeds Dense(100) (line 6): "
        'the two collapse into one affine map; add activation="relu"',
        f"{path}:6:11: KA101 Dense(100) has no activation and feeds Dense(1) (line 7): "
        'the two collapse into one affine map; add activation="relu"',
        f"{path}:6:22: KA102 input_dim on Dense(100) is ignored: it is not the first layer of its Sequential "
        "model; give the input shape to the first layer or a keras.Input only",
    ]


def test_noqa_silences_one_code(tmp_path: Path) -> None:
    path = tmp_path / "noqa.py"
    path.write_text(SEED.replace("model.add(Dense(20, input_dim=2))", "model.add(Dense(20, input_dim=2))  # noqa: KA101"))
    codes = [line.split()[1] for line in run_flake8([path], "--select=KA").stdout.splitlines()]
    assert codes == ["KA103", "KA101", "KA102"]


LOSS_ON_LOGITS = """\
import keras

model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(
    optimizer="adam",
    loss="binary_crossentropy",{comment}
)
"""


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("", ["KA203"]),
        ("  # noqa: KA203", []),
        ("  # noqa: KA2", []),
        # the explicit --select=KA selects KA900 too: that comment silences nothing
        ("  # noqa: KA101", ["KA203", "KA900"]),
    ],
)
def test_noqa_on_the_loss_line_silences_an_output_finding(tmp_path: Path, comment: str, expected: list[str]) -> None:
    path = tmp_path / "model.py"
    path.write_text(LOSS_ON_LOGITS.format(comment=comment))
    result = run_flake8([path], "--select=KA", "--format=%(row)d %(code)s")
    assert [line.split()[1] for line in result.stdout.splitlines()] == expected
    assert all(line.split()[0] == "6" for line in result.stdout.splitlines())


def test_extend_ignore_and_select_work_by_prefix(tmp_path: Path) -> None:
    path = tmp_path / "seed.py"
    path.write_text(SEED)
    codes = [line.split()[1] for line in run_flake8([path], "--select=KA", "--extend-ignore=KA101").stdout.splitlines()]
    assert codes == ["KA103", "KA102"]


def _check_quietly(path: Path) -> subprocess.CompletedProcess[str]:
    result = run_flake8([path], "--select=KA,E999,E902")
    assert_no_traceback_from_us(result.stdout + result.stderr)
    return result


def test_syntax_error_gives_e999_and_no_ka_finding(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(SEED + "model.add(Dense(\n")
    result = _check_quietly(path)
    assert " E999 " in result.stdout
    assert " KA1" not in result.stdout


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bom", b"\xef\xbb\xbf" + SEED.encode()),
        ("crlf", SEED.replace("\n", "\r\n").encode()),
        ("tabs", SEED.replace("model.add(Dense(1))", "if True:\n\tmodel.add(Dense(1))").encode()),
        ("form-feed", SEED.replace("\nmodel = ", "\n\x0c\nmodel = ").encode()),
        ("latin-1-with-cookie", b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SEED.encode()),
    ],
)
def test_odd_encodings_and_line_endings_still_report(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    result = _check_quietly(path)
    assert result.stdout.count(" KA101 ") == 2, result.stdout


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("null-byte", SEED.encode() + b"\x00\n"),
        ("invalid-utf8", SEED.encode() + b"# \xff\xfe\n"),
        ("empty", b""),
        ("only-keras-import", b"import keras\n"),
    ],
)
def test_undecodable_or_trivial_files_give_no_traceback(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    result = _check_quietly(path)
    assert result.returncode in (0, 1)


def test_very_long_file(tmp_path: Path) -> None:
    filler = "".join(f"value_{i} = {i} * 2\n" for i in range(50_000))
    path = tmp_path / "long.py"
    path.write_text(SEED + filler + SEED.split("\n\n", 1)[1].replace("model", "other"))
    result = _check_quietly(path)
    assert result.stdout.count(" KA103 ") == 2


def test_flake8_path_imports_neither_tensorflow_nor_keras_nor_libcst_nor_pygls() -> None:
    probe = textwrap.dedent(
        f"""
        import ast, sys
        from flake8_keras_activation.plugin import KerasActivationChecker
        source = {SEED!r}
        findings = list(KerasActivationChecker(ast.parse(source), source.splitlines(True)).run())
        assert len(findings) == 4, findings
        print(sorted(m for m in ("tensorflow", "keras", "libcst", "numpy", "pygls", "lsprotocol") if m in sys.modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_screen_reads_pytorch_words_only_in_a_file_that_names_torch() -> None:
    from flake8_keras_activation.screen import may_hold_finding

    # Keras's own sources say `softmax` and `Loss` in files that build no model: not read
    assert not may_hold_finding("import keras\n\nclass MyLoss(keras.losses.Loss):\n    pass\n")
    assert not may_hold_finding("from keras import ops\n\ny = ops.softmax(x)\n")
    # the same words in a file that names torch, or Keras's own triggers, are read
    assert may_hold_finding("import torch.nn as nn\n\nloss = nn.CrossEntropyLoss()\n")
    assert may_hold_finding("import torch\n\nfc = torch.nn.Linear(2, 1)\n")
    assert may_hold_finding("import keras\n\nlayer = keras.layers.Dense(3)\n")
    assert not may_hold_finding("import numpy as np\n\nfc = Linear(2, 1)\n")


def test_a_torch_import_after_the_first_definition_still_reads_the_pytorch_definitions(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        def helper():
            return 1


        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(2, 20)
                self.fc2 = nn.Linear(20, 1)

            def forward(self, x):
                return self.fc2(self.fc1(x))
        """
    )
    (tmp_path / "late.py").write_text(source)
    result = run_flake8([tmp_path / "late.py"], "--select=KA")
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()] == ["KA103", "KA101"]
