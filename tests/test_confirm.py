"""Confirming static findings: literal models rebuilt with Keras (no user code runs), factories on request."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("keras", reason="confirming needs Keras: pip install '.[runtime]'")

from flake8_keras_activation.runtime.confirm import main  # noqa: E402
from tests.conftest import run_flake8  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

LITERAL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(20),
        layers.Dense(100, activation="relu"),
        layers.Dense(30),
        layers.Dropout(0.5),
        layers.Dense(4, activation="softmax"),
    ])

    inputs = keras.Input(shape=(3,))
    outputs = layers.Dense(1)(layers.Dense(2 * 4)(inputs))
    functional = keras.Model(inputs, outputs)
    """
)

NOT_LITERAL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    def build(units):
        return keras.Sequential([keras.Input(shape=(2,)), layers.Dense(units), layers.Dense(1)])

    touched = []
    open_file = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    touched.append(open("side-effect.txt", "w"))
    """
)


def confirm(tmp_path: Path, source: str) -> tuple[int, str]:
    path = tmp_path / "model.py"
    path.write_text(source)
    out = io.StringIO()
    return main([str(path)], out=out), out.getvalue()


def test_literal_models_are_rebuilt_and_their_collapses_measured(tmp_path: Path) -> None:
    status, text = confirm(tmp_path, LITERAL)
    assert status == 1
    assert "model.py:4: Sequential model: rebuilt from its literal layers and checked" in text
    assert "collapsed: Dense(30) (line 8) -> Dense(4) (line 10): one affine map 100 -> 4, rank 4" in text
    assert "collapsed: Dense(20) (line 6) -> Dense(100) (line 7): one affine map 2 -> 100, rank 2" in text
    assert "model.py:15: Functional model: rebuilt from its literal layers and checked" in text
    assert "affine end to end: one affine map 3 -> 1, rank 1" in text


def test_models_that_are_not_literal_are_refused_with_a_reason_and_nothing_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, text = confirm(tmp_path, NOT_LITERAL)
    assert status == 0
    assert "model.py:5: Sequential model: not rebuilt: Dense(units) (line 5) is not a Keras layer call" in text
    assert "model.py:8: Sequential model: not rebuilt: the input shape is not in the source" in text
    assert not (tmp_path / "side-effect.txt").exists()


def test_call_runs_the_named_factory_only_on_request(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "factory.py").write_text(
        "import keras\n"
        "def make():\n"
        "    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(5), keras.layers.Dense(2)])\n"
    )
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main([], call="factory:make", out=out) == 1
    assert "affine: one affine map 3 -> 2, rank 2" in out.getvalue()
    assert main([], call="factory", out=io.StringIO()) == 2


def test_flake8_keras_confirm_adds_the_measured_map(tmp_path: Path) -> None:
    result = run_flake8([ROOT / "examples" / "collapsed_mlp.py"], "--select=KA", "--keras-confirm")
    lines = result.stdout.splitlines()
    assert any(" KA103 " in line and line.endswith("(confirmed: one affine map 2 -> 1, rank 1)") for line in lines)
    assert sum(" KA101 " in line and "(confirmed: Dense(20) (line 14) -> " in line for line in lines) == 2
    assert "Traceback" not in result.stderr


def test_flake8_keras_confirm_without_keras_fails_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "seed.py"
    path.write_text(LITERAL)
    hide_keras = (
        "import importlib.abc, sys\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'keras' or name.startswith('keras.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from flake8.main.cli import main\n"
        f"main(['--select=KA', '--keras-confirm', {str(path)!r}])\n"
    )
    result = subprocess.run([sys.executable, "-c", hide_keras], capture_output=True, text=True)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "flake8-keras-activation: --keras-confirm needs Keras: pip install 'flake8-keras-activation[runtime]'"
    ]


def test_confirmed_messages_of_a_deep_model_stay_one_short_line_each(tmp_path: Path) -> None:
    depth = 60
    path = tmp_path / "deep.py"
    path.write_text(
        "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input(shape=(4,)),\n"
        + "".join("    layers.Dense(4),\n" for _ in range(depth))
        + "])\n"
    )
    result = run_flake8([path], "--select=KA101", "--keras-confirm")
    lines = result.stdout.splitlines()
    assert len(lines) == depth - 1
    assert all("(confirmed: Dense(4) (line 6) -> " in line and "... 56 more ..." in line for line in lines)
    assert max(len(line) for line in lines) < 400
