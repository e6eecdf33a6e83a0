"""The fixer: source in, fixed source out, as pairs; no-ops byte-identical; the command on real files."""

from __future__ import annotations

import ast
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_keras_activation import Finding, analyze_source
from flake8_keras_activation.cli import main
from flake8_keras_activation.documents import printable
from flake8_keras_activation.fix import _TORCH_BY_HAND, FIXABLE, FixError, fix_source, preferred_quote
from flake8_keras_activation.screen import OFF_BY_DEFAULT
from flake8_keras_activation.selection import Selection, reported
from tests.conftest import COMMAND, bound_by_permissions, rule_cases, without_capabilities

HEAD = "import keras\nfrom keras import layers\nfrom keras.layers import Dense\n"


def fix_text(source: str, activation: str = "relu") -> str:
    """What `fix` does to a file's text: the reported KA101/KA102 findings, fixed."""
    findings = [f for f in reported(analyze_source(source), source, Selection()) if f.code in FIXABLE]
    return fix_source(source, findings, activation).text


def remaining(source: str) -> list[tuple[int, int, str]]:
    """What is left to fix: every KA101, every KA102 that names arguments to remove (batch_input_shape
    on a Keras 3 first layer has none: moving it is the author's call), and the KA2xx findings that
    have a mechanical fix here (a string loss or a Softmax layer has none, by design: the fixer says
    so and leaves them)."""
    found = [f for f in analyze_source(source) if f.code in FIXABLE and f.code not in OFF_BY_DEFAULT]
    # KA2xx, and KA101 on a PyTorch module: fixable where the module sits in an `nn.Sequential(...)`,
    # not where `forward` applies it (there the fixer says why and leaves it)
    judged = [f for f in found if f.code.startswith("KA2") or (f.code == "KA101" and f.layer.startswith("nn."))]
    fixable = {(f.line, f.col, f.code) for f in fix_source(source, judged).fixed} if judged else set()
    return [
        (f.line, f.col, f.code)
        for f in found
        if (f.code == "KA101" and not f.layer.startswith("nn."))
        or (f.code == "KA102" and f.arguments)
        or (f.line, f.col, f.code) in fixable
    ]


FIX_PAIRS = [
    pytest.param(
        HEAD + "model = keras.Sequential([Dense(20, input_dim=2), Dense(100, input_dim=2), Dense(1)])\n",
        HEAD + 'model = keras.Sequential([Dense(20, input_dim=2, activation="relu"), Dense(100, activation="relu"), '
        "Dense(1)])\n",
        id="one-line-list-add-and-remove",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential()\nmodel.add(Dense(20, input_dim=2))\nmodel.add(Dense(100, input_dim=2))\n"
        "model.add(Dense(1))\n",
        HEAD + 'model = keras.Sequential()\nmodel.add(Dense(20, input_dim=2, activation="relu"))\n'
        'model.add(Dense(100, activation="relu"))\nmodel.add(Dense(1))\n',
        id="add-chain",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n    Dense(20, activation=None),\n    Dense(1),\n])\n",
        HEAD + 'model = keras.Sequential([\n    Dense(20, activation="relu"),\n    Dense(1),\n])\n',
        id="keyword-none-replaced-in-place",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n    Dense(20, activation='linear', use_bias=True),\n    Dense(1),\n])\n",
        HEAD + "model = keras.Sequential([\n    Dense(20, activation='relu', use_bias=True),\n    Dense(1),\n])\n",
        id="keyword-linear-string-keeps-its-quotes",
    ),
    pytest.param(
        HEAD + "ACT = None\nmodel = keras.Sequential([Dense(20, activation=ACT), Dense(1)])\n",
        HEAD + 'ACT = None\nmodel = keras.Sequential([Dense(20, activation="relu"), Dense(1)])\n',
        id="keyword-folded-name-replaced",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n    Dense(20, keras.activations.linear),\n    Dense(1),\n])\n",
        HEAD + 'model = keras.Sequential([\n    Dense(20, "relu"),\n    Dense(1),\n])\n',
        id="positional-linear-function-replaced",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n    Dense(20, None, True),\n    Dense(1),\n])\n",
        HEAD + 'model = keras.Sequential([\n    Dense(20, "relu", True),\n    Dense(1),\n])\n',
        id="positional-none-replaced",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n    Dense(20,),\n    Dense(1),\n])\n",
        HEAD + 'model = keras.Sequential([\n    Dense(20, activation="relu",),\n    Dense(1),\n])\n',
        id="inline-trailing-comma-kept",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(\n"
        "        20,\n"
        "        kernel_initializer=\"he_normal\",\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(\n"
        "        20,\n"
        "        kernel_initializer=\"he_normal\",\n"
        "        activation=\"relu\",\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        id="one-per-line-with-trailing-comma",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(\n"
        "        20\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(\n"
        "        20,\n"
        "        activation=\"relu\"\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        id="one-per-line-without-trailing-comma",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(20,\n"
        "                 use_bias=True),\n"
        "    layers.Dense(1),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(20,\n"
        "                 use_bias=True,\n"
        "                 activation=\"relu\"),\n"
        "    layers.Dense(1),\n"
        "])\n",
        id="hanging-indent",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(  # the hidden layer\n"
        "        20,  # units\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(  # the hidden layer\n"
        "        20,  # units\n"
        "        activation=\"relu\",\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        id="comments-stay-on-their-lines",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(20, input_shape=(2,)),\n"
        "    layers.Dense(\n"
        "        100,\n"
        "        input_shape=(2,),\n"
        "        activation=\"relu\",\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(20, input_shape=(2,), activation=\"relu\"),\n"
        "    layers.Dense(\n"
        "        100,\n"
        "        activation=\"relu\",\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        id="remove-own-line-argument",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(20, input_dim=2, activation=\"tanh\"),\n"
        "    layers.Dense(\n"
        "        100,  # wide\n"
        "        input_dim=2\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    layers.Dense(20, input_dim=2, activation=\"tanh\"),\n"
        "    layers.Dense(\n"
        "        100,  # wide\n"
        "        activation=\"relu\"\n"
        "    ),\n"
        "    layers.Dense(1),\n"
        "])\n",
        id="remove-last-own-line-argument-then-add",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    Dense(20, input_dim=2, activation='relu'),\n"
        "    Dense(10, input_dim=2, activation='relu', name='middle'),\n"
        "    Dense(1, batch_input_shape=(None, 2)),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    Dense(20, input_dim=2, activation='relu'),\n"
        "    Dense(10, activation='relu', name='middle'),\n"
        "    Dense(1),\n"
        "])\n",
        id="remove-middle-and-last-keyword",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    Dense(20, input_dim=2, activation='relu'),\n"
        "    Dense(input_dim=2, units=10, activation='relu'),\n"
        "    Dense(1),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    Dense(20, input_dim=2, activation='relu'),\n"
        "    Dense(units=10, activation='relu'),\n"
        "    Dense(1),\n"
        "])\n",
        id="remove-first-keyword",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([Dense(20, input_dim=2), Dense(1)])\nname = 'x'\nother = 'y'\n",
        HEAD + "model = keras.Sequential([Dense(20, input_dim=2, activation='relu'), Dense(1)])\nname = 'x'\n"
        "other = 'y'\n",
        id="single-quoted-file-gets-single-quotes",
    ),
    pytest.param(
        HEAD + "inputs = keras.Input(shape=(784,))\nh = layers.Dense(512)(inputs)\noutputs = layers.Dense(10)(h)\n"
        "model = keras.Model(inputs, outputs)\n",
        HEAD + "inputs = keras.Input(shape=(784,))\nh = layers.Dense(512, activation=\"relu\")(inputs)\n"
        "outputs = layers.Dense(10)(h)\nmodel = keras.Model(inputs, outputs)\n",
        id="functional-constructor-not-the-application",
    ),
    pytest.param(
        HEAD + "class Net(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.d1 = layers.Dense(64)\n"
        "        self.d2 = layers.Dense(1)\n"
        "\n"
        "    def call(self, x):\n"
        "        return self.d2(self.d1(x))\n",
        HEAD + "class Net(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.d1 = layers.Dense(64, activation=\"relu\")\n"
        "        self.d2 = layers.Dense(1)\n"
        "\n"
        "    def call(self, x):\n"
        "        return self.d2(self.d1(x))\n",
        id="subclassed-model",
    ),
    pytest.param(
        HEAD + "def build():\n\tmodel = keras.Sequential()\n\tmodel.add((Dense(20)))\n\tmodel.add(Dense(1))\n"
        "\treturn model\n",
        HEAD + "def build():\n\tmodel = keras.Sequential()\n\tmodel.add((Dense(20, activation=\"relu\")))\n"
        "\tmodel.add(Dense(1))\n\treturn model\n",
        id="tabs-and-parenthesized-call",
    ),
    pytest.param(
        HEAD + 'label = "couche cachée"; model = keras.Sequential([Dense(20), Dense(1)])\n',
        HEAD + 'label = "couche cachée"; model = keras.Sequential([Dense(20, activation="relu"), Dense(1)])\n',
        id="non-ascii-before-the-call",
    ),
    pytest.param(
        (HEAD + "model = keras.Sequential([\n    Dense(20,\n          input_dim=2),\n    Dense(1),\n])\n").replace(
            "\n", "\r\n"
        ),
        (
            HEAD + "model = keras.Sequential([\n    Dense(20,\n          input_dim=2,\n"
            "          activation=\"relu\"),\n    Dense(1),\n])\n"
        ).replace("\n", "\r\n"),
        id="crlf-line-endings",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([\n"
        "    layers.Conv2D(32, 3, 1, 'valid', None, 1, 1, None),\n"
        "    layers.Conv2D(8, 3),\n"
        "])\n",
        HEAD + "model = keras.Sequential([\n"
        "    layers.Conv2D(32, 3, 1, 'valid', None, 1, 1, 'relu'),\n"
        "    layers.Conv2D(8, 3),\n"
        "])\n",
        id="convolution-positional-activation",
    ),
    pytest.param(
        HEAD + "model = keras.Sequential([Dense(20), Dense(30), Dense(1)])  # noqa: KA103\n",
        HEAD + 'model = keras.Sequential([Dense(20, activation="relu"), Dense(30, activation="relu"), Dense(1)])'
        "  # noqa: KA103\n",
        id="noqa-for-another-code-does-not-stop-the-fix",
    ),
]

NO_OPS = [
    pytest.param(HEAD + 'model = keras.Sequential([Dense(20, activation="relu"), Dense(1)])\n', id="already-fixed"),
    pytest.param(HEAD + "model = keras.Sequential([Dense(20), Dense(1)])  # noqa: KA101\n", id="noqa-on-the-line"),
    pytest.param(
        HEAD + "model = keras.Sequential([\n    Dense(20),  # noqa\n    Dense(1),\n])\n", id="bare-noqa-on-the-layer"
    ),
    pytest.param(
        HEAD + "inputs = keras.Input(shape=(784,))\ncode = layers.Dense(32)(inputs)\noutputs = layers.Dense(784)(code)\n"
        "autoencoder = keras.Model(inputs, outputs)\n",
        id="deliberate-factorization-is-ka104-and-never-fixed",
    ),
    pytest.param(
        HEAD + "def build(activation, **kwargs):\n"
        "    return keras.Sequential([Dense(20, activation=activation), Dense(8, **kwargs), Dense(1)])\n",
        id="unknown-activations",
    ),
    pytest.param("class Dense:\n    pass\n\nmodel = [Dense(), Dense()]\n", id="not-keras"),
    pytest.param(HEAD + "model = keras.Sequential([Dense(1)])\n", id="linear-regression"),
    pytest.param("", id="empty"),
]


def _assert_fixed_well(source: str, fixed: str) -> None:
    ast.parse(fixed)
    assert remaining(fixed) == [], "the fixed code still has KA101/KA102"
    assert fix_text(fixed) == fixed, "a second run changed something"


OUTPUT = "import keras\nfrom keras import layers\n"
HIDDEN = 'layers.Dense(8, activation="relu")'

OUTPUT_FIX_PAIRS = [
    pytest.param(
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(1, activation='softmax')])\n",
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(1, activation='sigmoid')])\n",
        id="ka201-softmax-string-becomes-sigmoid-in-its-quotes",
    ),
    pytest.param(
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(1, "softmax")])\n',
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(1, "sigmoid")])\n',
        id="ka201-positional-activation",
    ),
    pytest.param(
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(1), layers.Activation("softmax")])\n',
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(1), layers.Activation("sigmoid")])\n',
        id="ka201-activation-layer",
    ),
    pytest.param(
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(3, activation="softmax")])\n'
        'm.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n',
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(3, activation="softmax")])\n'
        'm.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy())\n',
        id="ka202-from-logits-removed",
    ),
    pytest.param(
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(1, activation="sigmoid")])\n'
        "m.compile(\n    loss=keras.losses.BinaryCrossentropy(\n        from_logits=True,  # logits\n"
        "        label_smoothing=0.1,\n    ),\n)\n",
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(1, activation="sigmoid")])\n'
        "m.compile(\n    loss=keras.losses.BinaryCrossentropy(\n"
        "        label_smoothing=0.1,\n    ),\n)\n",
        id="ka202-from-logits-line-removed",
    ),
    pytest.param(
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(3, activation="softmax")])\n'
        'm.compile("adam", keras.losses.CategoricalCrossentropy(True))\n',
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(3, activation="softmax")])\n'
        'm.compile("adam", keras.losses.CategoricalCrossentropy(False))\n',
        id="ka202-positional-from-logits",
    ),
    pytest.param(
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(1)])\n"
        'm.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())\n',
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(1)])\n"
        'm.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))\n',
        id="ka203-from-logits-added",
    ),
    pytest.param(
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(4)])\n"
        'm.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False, ignore_class=0))\n',
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(4)])\n"
        'm.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))\n',
        id="ka203-from-logits-false-becomes-true",
    ),
]

OUTPUT_NOT_FIXED = [
    pytest.param(
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(1)])\n"
        'm.compile(optimizer="adam", loss="binary_crossentropy")\n',
        "KA203", "no mechanical fix: use loss=keras.losses.BinaryCrossentropy(from_logits=True)",
        id="ka203-string-loss",
    ),
    pytest.param(
        OUTPUT + f'm = keras.Sequential([{HIDDEN}, layers.Dense(1, activation="relu")])\n'
        'm.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())\n',
        "KA203", "no mechanical fix: use a sigmoid or softmax output, or remove the activation and pass "
        "from_logits=True to the loss",
        id="ka203-relu-output-needs-a-decision",
    ),
    pytest.param(
        OUTPUT + 'loss = keras.losses.BinaryCrossentropy(from_logits=True)\n'
        f'm = keras.Sequential([{HIDDEN}, layers.Dense(1, activation="sigmoid")])\n'
        'm.compile(optimizer="adam", loss=loss)\n',
        "KA202", "no mechanical fix: remove from_logits=True, or the output's sigmoid",
        id="ka202-shared-loss-object",
    ),
    pytest.param(
        OUTPUT + f"m = keras.Sequential([{HIDDEN}, layers.Dense(1), layers.Softmax()])\n",
        "KA201", 'the softmax is not a "softmax" string argument of the call (a Softmax layer or a call): '
        "change it by hand",
        id="ka201-softmax-layer",
    ),
]


@pytest.mark.parametrize(("source", "expected"), OUTPUT_FIX_PAIRS)
def test_output_fix_pairs(source: str, expected: str) -> None:
    assert remaining(source), "the case must have something to fix"
    fixed = fix_text(source)
    assert fixed == expected
    _assert_fixed_well(source, fixed)
    assert not [f for f in analyze_source(fixed) if f.code in ("KA202", "KA203")], "the loss finding is gone"


@pytest.mark.parametrize(("source", "code", "reason"), OUTPUT_NOT_FIXED)
def test_output_findings_without_a_mechanical_fix_are_skipped_with_the_remedy(
    source: str, code: str, reason: str
) -> None:
    findings = [f for f in analyze_source(source) if f.code == code]
    assert findings
    result = fix_source(source, findings)
    assert result.text == source
    assert [(s.finding.code, s.reason) for s in result.skipped] == [(code, reason)]


REGRESSION = OUTPUT + f"m = keras.Sequential([{HIDDEN}, " + "{head}])\nm.compile(optimizer='adam', loss='mse')\n"

BOUNDED_REGRESSION_FIX_PAIRS = [
    pytest.param(
        REGRESSION.format(head='layers.Dense(1, activation="relu")'),
        REGRESSION.format(head="layers.Dense(1)"),
        id="ka210-keyword-removed",
    ),
    pytest.param(
        REGRESSION.format(head='layers.Dense(1, "sigmoid", name="price")'),
        REGRESSION.format(head='layers.Dense(1, name="price")'),
        id="ka210-positional-removed",
    ),
    pytest.param(
        REGRESSION.format(head='layers.Dense(\n    1,\n    "tanh",\n)'),
        REGRESSION.format(head="layers.Dense(\n    1,\n)"),
        id="ka210-trailing-comma-layout-kept",
    ),
    pytest.param(
        REGRESSION.format(head='layers.Conv1D(1, 3, 1, "valid", "channels_last", 1, 1, "relu", False)'),
        REGRESSION.format(head='layers.Conv1D(1, 3, 1, "valid", "channels_last", 1, 1, None, False)'),
        id="ka210-positional-before-others-becomes-none",
    ),
]

_EVERY_CODE = Selection(select=("KA",))


@pytest.mark.parametrize(("source", "expected"), BOUNDED_REGRESSION_FIX_PAIRS)
def test_bounded_regression_outputs_are_made_linear_when_ka210_is_selected(source: str, expected: str) -> None:
    assert fix_text(source) == source, "KA210 is off by default: nothing to fix without selecting it"
    findings = [f for f in reported(analyze_source(source), source, _EVERY_CODE) if f.code == "KA210"]
    assert len(findings) == 1
    fixed = fix_source(source, findings).text
    assert fixed == expected
    ast.parse(fixed)
    assert not [f for f in analyze_source(fixed) if f.code == "KA210"]
    assert fix_source(fixed, [f for f in analyze_source(fixed) if f.code == "KA210"]).text == fixed


def test_a_bounded_activation_layer_after_the_output_is_not_removed() -> None:
    source = REGRESSION.format(head='layers.Dense(1), layers.Activation("relu")')
    findings = [f for f in analyze_source(source) if f.code == "KA210"]
    assert findings
    result = fix_source(source, findings)
    assert result.text == source
    assert [s.finding.code for s in result.skipped] == ["KA210"]


SHAPE_FIX_PAIRS = [
    pytest.param(
        "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n\n"
        "model = Sequential([LSTM(64, input_shape=(10, 8)), LSTM(32), Dense(1)])\n",
        "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n\n"
        "model = Sequential([LSTM(64, input_shape=(10, 8), return_sequences=True), LSTM(32), Dense(1)])\n",
        id="ka302-return-sequences-added-to-the-feeder",
    ),
    pytest.param(
        "from keras.models import Sequential\nfrom keras.layers import GRU, Dense, Dropout\n\n"
        "model = Sequential()\nmodel.add(GRU(\n    64,\n    return_sequences=False,\n    input_shape=(5, 3),\n))\n"
        "model.add(Dropout(0.2))\nmodel.add(GRU(8))\nmodel.add(Dense(1))\n",
        "from keras.models import Sequential\nfrom keras.layers import GRU, Dense, Dropout\n\n"
        "model = Sequential()\nmodel.add(GRU(\n    64,\n    return_sequences=True,\n    input_shape=(5, 3),\n))\n"
        "model.add(Dropout(0.2))\nmodel.add(GRU(8))\nmodel.add(Dense(1))\n",
        id="ka302-return-sequences-false-becomes-true-through-dropout",
    ),
    pytest.param(
        "from keras import layers, Sequential\n\n"
        "model = Sequential([layers.Input((20, 4)), layers.Bidirectional(layers.LSTM(8)), layers.LSTM(4)])\n",
        "from keras import layers, Sequential\n\n"
        "model = Sequential([layers.Input((20, 4)), layers.Bidirectional(layers.LSTM(8, return_sequences=True)), "
        "layers.LSTM(4)])\n",
        id="ka302-inside-bidirectional",
    ),
    pytest.param(
        "import numpy as np\nimport keras\n\nx = np.load('x.npy')\ny = np.load('y.npy')\n"
        "model = keras.Sequential([keras.layers.Dense(4, activation='relu', input_shape=x.shape), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\nmodel.fit(x, y)\n",
        "import numpy as np\nimport keras\n\nx = np.load('x.npy')\ny = np.load('y.npy')\n"
        "model = keras.Sequential([keras.layers.Dense(4, activation='relu', input_shape=x.shape[1:]), "
        "keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\nmodel.fit(x, y)\n",
        id="ka301-one-sample-shape",
    ),
    pytest.param(
        "import numpy as np\nimport keras\n\nx = np.load('x.npy')\ninputs = keras.Input(x.shape)\n"
        "model = keras.Model(inputs, keras.layers.Dense(1)(inputs))\nmodel.fit(x, x)\n",
        "import numpy as np\nimport keras\n\nx = np.load('x.npy')\ninputs = keras.Input(x.shape[1:])\n"
        "model = keras.Model(inputs, keras.layers.Dense(1)(inputs))\nmodel.fit(x, x)\n",
        id="ka301-positional-input-shape",
    ),
]


@pytest.mark.parametrize(("source", "expected"), SHAPE_FIX_PAIRS)
def test_shape_fix_pairs(source: str, expected: str) -> None:
    codes = {f.code for f in analyze_source(source)} & {"KA301", "KA302"}
    assert codes, "the case must have a shape finding to fix"
    fixed = fix_text(source)
    assert fixed == expected
    ast.parse(fixed)
    assert not {f.code for f in analyze_source(fixed)} & codes, "the finding is gone"
    assert fix_text(fixed) == fixed, "a second run changes nothing"


def test_a_rank_finding_whose_feeder_is_not_recurrent_is_skipped_with_the_remedy() -> None:
    source = "import keras\nfrom keras import layers\n\nm = keras.Sequential([layers.Input((12,)), layers.LSTM(4)])\n"
    findings = [f for f in analyze_source(source) if f.code == "KA302"]
    assert findings
    result = fix_source(source, findings)
    assert result.text == source
    assert [(s.finding.code, s.reason) for s in result.skipped] == [
        ("KA302", "no mechanical fix: give each sample the missing axis (a Reshape, or data with one more axis)")
    ]


@pytest.mark.parametrize(("source", "expected"), FIX_PAIRS)
def test_fix_pairs(source: str, expected: str) -> None:
    assert remaining(source), "the case must have something to fix"
    fixed = fix_text(source)
    assert fixed == expected
    _assert_fixed_well(source, fixed)


TORCH = "import torch\nimport torch.nn as nn\n"

TORCH_FIX_PAIRS = [
    pytest.param(
        TORCH + "model = nn.Sequential(nn.Linear(20, 100), nn.Linear(100, 1))\n",
        TORCH + "model = nn.Sequential(nn.Linear(20, 100), nn.ReLU(), nn.Linear(100, 1))\n",
        id="relu-after-the-module-on-one-line",
    ),
    pytest.param(
        TORCH + "model = torch.nn.Sequential(\n    torch.nn.Linear(20, 64),\n    torch.nn.Dropout(0.1),\n"
        "    torch.nn.Linear(64, 64),\n    torch.nn.ReLU(),\n    torch.nn.Linear(64, 1),\n)\n",
        TORCH + "model = torch.nn.Sequential(\n    torch.nn.Linear(20, 64),\n    torch.nn.ReLU(),\n"
        "    torch.nn.Dropout(0.1),\n    torch.nn.Linear(64, 64),\n    torch.nn.ReLU(),\n    torch.nn.Linear(64, 1),\n)\n",
        id="spelled-as-the-module-is-before-the-dropout",
    ),
    pytest.param(
        TORCH + "model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.Conv2d(16, 16, 3), nn.Flatten(), nn.LazyLinear(10))\n",
        TORCH + "model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU(), nn.Flatten(), "
        "nn.LazyLinear(10))\n",
        id="every-collapsing-convolution",
    ),
]

# KA101 where `forward` applies the module, or where the activation's name may not be bound: reported,
# and left for the author, with the reason.
TORCH_LEFT = [
    pytest.param(
        TORCH + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc1 = nn.Linear(20, 64)\n        self.fc2 = nn.Linear(64, 1)\n\n"
        "    def forward(self, x):\n        return self.fc2(self.fc1(x))\n",
        id="in-forward",
    ),
    pytest.param(
        "from torch.nn import Linear, Sequential\n\nmodel = Sequential(Linear(20, 64), Linear(64, 1))\n",
        id="imported-by-name",
    ),
]


@pytest.mark.parametrize(("source", "expected"), TORCH_FIX_PAIRS)
def test_torch_fix_pairs_through_the_command(source: str, expected: str, tmp_path: Path) -> None:
    assert [f.code for f in analyze_source(source) if f.code == "KA101"], "the case must have a KA101"
    path = tmp_path / "model.py"
    path.write_text(source)
    result = subprocess.run([COMMAND, "fix", "--unsafe-fixes", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"Rewriting {path}\n")
    fixed = path.read_text()
    assert fixed == expected
    _assert_fixed_well(source, fixed)
    assert not [f for f in analyze_source(fixed) if f.code in ("KA101", "KA103")]


@pytest.mark.parametrize("source", TORCH_LEFT)
def test_torch_ka101_outside_a_sequential_is_left_with_its_reason(source: str, tmp_path: Path) -> None:
    ka101 = [f for f in analyze_source(source) if f.code == "KA101"]
    assert len(ka101) == 1
    path = tmp_path / "model.py"
    path.write_text(source)
    result = subprocess.run([COMMAND, "fix", "--unsafe-fixes", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert path.read_text() == source
    place = f"{path}:{ka101[0].line}:{ka101[0].col + 1}"
    # nothing changed: the status says so, as for every finding the fixer leaves (a string loss's KA202)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"{place}: KA101 not fixed: {printable(_TORCH_BY_HAND)}\n"


@pytest.mark.parametrize("source", NO_OPS)
def test_no_op_sources_come_back_byte_identical(source: str) -> None:
    assert fix_text(source) == source


def test_chosen_activation_is_written() -> None:
    source = HEAD + "model = keras.Sequential([Dense(20), Dense(1)])\n"
    fixed = fix_text(source, activation="gelu")
    assert 'Dense(20, activation="gelu")' in fixed
    _assert_fixed_well(source, fixed)


def test_fix_source_refuses_an_activation_that_is_not_a_name() -> None:
    with pytest.raises(ValueError):
        fix_source("x = 1\n", [], activation='relu"); import os; ("')


def test_explicit_activation_is_replaced_whatever_else_the_call_unpacks() -> None:
    source = HEAD + "args, kw = (20,), {}\nmodel = keras.Sequential([Dense(*args, activation=None, **kw), Dense(1)])\n"
    fixed = fix_text(source)
    assert 'Dense(*args, activation="relu", **kw)' in fixed
    _assert_fixed_well(source, fixed)


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ("Dense(*args)", "the call unpacks *args: the activation's position is unknown"),
        ("Dense(20, **kw)", "the call passes **kwargs, which may hold an activation"),
    ],
)
def test_calls_whose_activation_may_be_hidden_are_skipped_with_a_reason(call: str, reason: str) -> None:
    # The analysis never reports these (their activation is unknown); the fixer must not guess either.
    source = f"model = keras.Sequential([{call}, Dense(1)])\n"
    finding = Finding(1, source.index(call), "KA101", "synthetic", "layers.Dense")
    result = fix_source(source, [finding])
    assert result.text == source
    assert [s.reason for s in result.skipped] == [reason]
    assert not result.changed


def test_text_libcst_cannot_parse_raises_fix_error() -> None:
    findings = analyze_source(HEAD + "model = keras.Sequential([Dense(20), Dense(1)])\n")
    with pytest.raises(FixError):
        fix_source("model = keras.Sequential([Dense(20), Dense(1)\n", findings)


def test_finding_without_a_call_at_its_position_is_skipped() -> None:
    source = HEAD + "model = keras.Sequential([Dense(20), Dense(1)])\n"
    findings = [f for f in analyze_source(source) if f.code == "KA101"]
    moved = [type(f)(f.line, f.col + 1, f.code, f.message, f.layer, f.arguments) for f in findings]
    result = fix_source(source, moved)
    assert result.text == source
    assert [s.reason for s in result.skipped] == ["no call starts at the reported position"]


@pytest.mark.parametrize(
    ("source", "quote"),
    [
        ("a = 'x'\nb = 'y'\nc = \"z\"\n", "'"),
        ("a = 'x'\nc = \"z\"\n", '"'),
        ('"""Docstring."""\na = \'x\'\n', "'"),
        ("x = (\n", '"'),
    ],
)
def test_preferred_quote_counts_one_line_literals(source: str, quote: str) -> None:
    assert preferred_quote(source) == quote


# ---- generated layouts ------------------------------------------------------------------------

_ACTIVATIONS = st.sampled_from(["", "activation=None", "activation='linear'", "activation='relu'", "None"])


@st.composite
def _layer(draw: st.DrawFn, first: bool) -> str:
    units = draw(st.integers(1, 64))
    parts = [str(units)]
    activation = draw(_ACTIVATIONS)
    if activation == "None":
        parts.append("None")
    elif activation:
        parts.append(activation)
    if draw(st.booleans()):
        parts.append("input_dim=2" if first or draw(st.booleans()) else "input_shape=(2,)")
    if draw(st.booleans()):
        parts.append("use_bias=True")
    if draw(st.booleans()):  # one argument per line
        comma = "," if draw(st.booleans()) else ""
        inner = ",\n".join(f"        {part}" for part in parts)
        return f"    Dense(\n{inner}{comma}\n    ),\n"
    comma = ", " if draw(st.booleans()) else ""
    return f"    Dense({', '.join(parts)}{comma.rstrip()}),\n"


@st.composite
def _model(draw: st.DrawFn) -> str:
    count = draw(st.integers(2, 5))
    layers_text = "".join(draw(_layer(first=i == 0)) for i in range(count))
    return HEAD + "model = keras.Sequential([\n" + layers_text + "])\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_model())
def test_generated_sequential_layouts_fix_completely_and_idempotently(source: str) -> None:
    fixed = fix_text(source)
    _assert_fixed_well(source, fixed)
    if not remaining(source):
        assert fixed == source


# ---- the command on files -----------------------------------------------------------------------

SEED = HEAD + "model = keras.Sequential()\nmodel.add(Dense(20, input_dim=2))\nmodel.add(Dense(100, input_dim=2))\n" \
    "model.add(Dense(1))\n"


def _run_fix(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fix", "--unsafe-fixes", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "latin-1-cookie",
            b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SEED.encode(),
            b"# -*- coding: latin-1 -*-\n# caf\xe9\n"
            + SEED.replace("Dense(20, input_dim=2)", 'Dense(20, input_dim=2, activation="relu")')
            .replace("Dense(100, input_dim=2)", 'Dense(100, activation="relu")')
            .encode(),
        ),
        (
            "bom",
            b"\xef\xbb\xbf" + SEED.encode(),
            b"\xef\xbb\xbf"
            + SEED.replace("Dense(20, input_dim=2)", 'Dense(20, input_dim=2, activation="relu")')
            .replace("Dense(100, input_dim=2)", 'Dense(100, activation="relu")')
            .encode(),
        ),
        (
            "crlf-no-final-newline",
            SEED.rstrip("\n").replace("\n", "\r\n").encode(),
            SEED.replace("Dense(20, input_dim=2)", 'Dense(20, input_dim=2, activation="relu")')
            .replace("Dense(100, input_dim=2)", 'Dense(100, activation="relu")')
            .rstrip("\n")
            .replace("\n", "\r\n")
            .encode(),
        ),
        (
            "cr-only",
            SEED.replace("\n", "\r").encode(),
            SEED.replace("Dense(20, input_dim=2)", 'Dense(20, input_dim=2, activation="relu")')
            .replace("Dense(100, input_dim=2)", 'Dense(100, activation="relu")')
            .replace("\n", "\r")
            .encode(),
        ),
        (
            "cr-only-no-final-newline",
            SEED.rstrip("\n").replace("\n", "\r").encode(),
            SEED.replace("Dense(20, input_dim=2)", 'Dense(20, input_dim=2, activation="relu")')
            .replace("Dense(100, input_dim=2)", 'Dense(100, activation="relu")')
            .rstrip("\n")
            .replace("\n", "\r")
            .encode(),
        ),
    ],
)
def test_fix_keeps_encoding_bom_and_line_endings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: bytes
) -> None:
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    code, _, err = _run_fix(capsys, str(path))
    assert (code, err) == (1, f"Rewriting {path}\n")
    assert path.read_bytes() == expected
    assert _run_fix(capsys, str(path)) == (0, "", "")
    assert path.read_bytes() == expected


def test_fix_keeps_the_file_mode_and_writes_through_a_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "model.py"
    target.write_text(SEED)
    target.chmod(0o640)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert _run_fix(capsys, str(link))[0] == 1
    assert link.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert 'Dense(100, activation="relu")' in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "model.py"], "no temporary file left"


def test_a_walked_link_to_a_file_outside_the_walked_directory_is_named_not_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    walked, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    walked.mkdir()
    elsewhere.mkdir()
    victim = elsewhere / "victim.py"
    victim.write_text(SEED)
    (walked / "link.py").symlink_to(Path("..") / "elsewhere" / "victim.py")
    (walked / "own.py").write_text(SEED)
    (walked / "inner.py").symlink_to("own.py")  # inside the walked tree: fixed through the link
    refused = f"{walked / 'link.py'}: not fixed: it links to {victim}, outside {walked}; name it to have it fixed\n"
    assert _run_fix(capsys, "--diff", str(walked))[2] == refused
    code, _, err = _run_fix(capsys, str(walked))
    assert (code, err) == (1, f"Rewriting {walked / 'inner.py'}\n{refused}")
    assert victim.read_text() == SEED
    assert FIXED_SEED_LINE in (walked / "own.py").read_text() and (walked / "inner.py").is_symlink()
    assert main(["check", "--add-noqa", str(walked)]) == 1
    assert victim.read_text() == SEED
    assert "not changed: it links to" in capsys.readouterr().err
    # named, it is the user's choice: fixed through the link, which stays a link
    assert _run_fix(capsys, str(walked / "link.py"))[:2] == (1, "")
    assert FIXED_SEED_LINE in victim.read_text() and (walked / "link.py").is_symlink()


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    code, out, err = _run_fix(capsys, "--diff", str(path))
    assert code == 1
    assert err == ""
    assert path.read_text() == SEED
    assert out.splitlines()[:2] == [f"--- {path}", f"+++ {path}"]
    assert "-model.add(Dense(100, input_dim=2))" in out.splitlines()
    assert '+model.add(Dense(100, activation="relu"))' in out.splitlines()


def test_diff_of_a_file_without_final_newline_is_well_formed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED.replace("model.add(Dense(100, input_dim=2))\nmodel.add(Dense(1))\n",
                                 "model.add(Dense(100, input_dim=2))"))
    code, out, _ = _run_fix(capsys, "--diff", str(path))
    assert code == 1
    assert out.endswith("\n\\ No newline at end of file\n")


def test_unparsable_file_is_reported_left_untouched_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text(SEED + "model.add(Dense(\n")
    good = tmp_path / "good.py"
    good.write_text(SEED)
    code, _, err = _run_fix(capsys, str(broken), str(good))
    assert code == 1
    assert err.splitlines() == [
        f"{broken}: error: does not parse: '(' was never closed (line 8)",
        f"Rewriting {good}",
    ]
    assert broken.read_text() == SEED + "model.add(Dense(\n"


def test_select_limits_what_is_fixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    assert _run_fix(capsys, "--select", "KA102", str(path))[0] == 1
    assert path.read_text() == SEED.replace("Dense(100, input_dim=2)", "Dense(100)")


def test_clean_tree_exits_zero_and_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "fine.py").write_text(HEAD + "model = keras.Sequential([Dense(20, activation='relu'), Dense(1)])\n")
    assert _run_fix(capsys, str(tmp_path)) == (0, "", "")


def test_python_dash_m_runs_the_fix_command(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", "fix", "--unsafe-fixes", str(path)],
        capture_output=True, text=True, check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"Rewriting {path}\n")


# ---- every case of the rule tables ---------------------------------------------------------------


def _rule_table_cases() -> list:
    return [pytest.param(case.text, id=case.id) for case in rule_cases(with_factorizations=True) if remaining(case.text)]


@pytest.mark.parametrize("source", _rule_table_cases())
def test_every_rule_table_case_is_fixed_completely_and_idempotently(source: str) -> None:
    fixed = fix_text(source)
    assert fixed != source
    _assert_fixed_well(source, fixed)


# ---- the file keeps its identity ------------------------------------------------------------

FIXED_SEED_LINE = 'Dense(100, activation="relu")'


def _only(tmp_path: Path, *names: str) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names), "no temporary or backup file left"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file to another user needs root")
def test_fix_keeps_the_owner_and_group_of_a_file_owned_by_another_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    os.chown(path, 12345, 23456)
    path.chmod(0o664)
    assert _run_fix(capsys, str(path))[0] == 1
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (12345, 23456, 0o664)
    assert FIXED_SEED_LINE in path.read_text()
    _only(tmp_path, "model.py")


def test_fix_keeps_hard_links_and_every_name_sees_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    path.chmod(0o640)
    other = tmp_path / "same_file.txt"
    os.link(path, other)
    inode = path.stat().st_ino
    assert _run_fix(capsys, str(path))[0] == 1
    assert path.stat().st_ino == inode and path.stat().st_nlink == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert other.read_text() == path.read_text() and FIXED_SEED_LINE in other.read_text()
    _only(tmp_path, "model.py", "same_file.txt")


def _posix_acl(path: Path, group_id: int) -> None:
    """An ACL that keeps the owning group to reading and lets one other group write: setfacl when
    it is installed, else the kernel's own format written as the attribute it is stored in."""
    if shutil.which("setfacl"):
        subprocess.run(["setfacl", "-m", f"u::rw-,g::r--,g:{group_id}:rw-,m::rw-,o::---", str(path)], check=True)
        return
    # linux/posix_acl_xattr.h: a version, then (tag, permissions, id) per entry, sorted by tag
    undefined = 0xFFFFFFFF
    entries = [(0x01, 6, undefined), (0x04, 4, undefined), (0x08, 6, group_id), (0x10, 6, undefined),
               (0x20, 0, undefined)]
    value = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)
    os.setxattr(path, "system.posix_acl_access", value)


def _attributes(path: Path) -> dict[str, bytes]:
    return {name: os.getxattr(path, name) for name in os.listxattr(path)}


def _with_attributes(path: Path) -> dict[str, bytes]:
    """`path` given a `user.*` attribute and an ACL; skips when the filesystem refuses them."""
    if not hasattr(os, "setxattr"):
        pytest.skip("no extended attributes on this platform")
    try:
        os.setxattr(path, "user.origin", b"kept by fix")
        _posix_acl(path, 4242)
    except OSError as error:
        pytest.skip(f"this filesystem refuses extended attributes or ACLs: {error}")
    return _attributes(path)


def test_fix_keeps_extended_attributes_and_the_posix_acl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    before = _with_attributes(path)
    assert "system.posix_acl_access" in before and stat.S_IMODE(path.stat().st_mode) == 0o660  # the mask
    assert _run_fix(capsys, str(path))[0] == 1
    assert FIXED_SEED_LINE in path.read_text()
    # without the ACL, the mode's group bits (the mask, rw) were the owning group's own
    assert _attributes(path) == before and stat.S_IMODE(path.stat().st_mode) == 0o660
    _only(tmp_path, "model.py")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or sys.platform != "linux",
                    reason="needs root on Linux, to set an attribute an unprivileged process cannot copy")
def test_an_attribute_a_new_file_cannot_take_makes_fix_rewrite_the_file_in_place(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    _with_attributes(path)
    try:  # readable by anyone, written only with CAP_SYS_ADMIN, which the fixer below lacks
        os.setxattr(path, "security.keras_activation_test", b"kept")
    except OSError as error:
        pytest.skip(f"this system refuses a security.* attribute: {error}")
    before = _attributes(path)
    inode = path.stat().st_ino
    result = subprocess.run([COMMAND, "fix", "--unsafe-fixes", str(path)], capture_output=True, text=True, timeout=120, check=False,
                            preexec_fn=without_capabilities("sys_admin"))
    assert (result.returncode, result.stderr) == (1, f"Rewriting {path}\n")
    assert FIXED_SEED_LINE in path.read_text()
    assert path.stat().st_ino == inode and _attributes(path) == before
    _only(tmp_path, "model.py")


def test_read_only_file_is_left_untouched_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    path.chmod(0o444)
    code, _, err = _run_fix(capsys, str(path))
    assert (code, err) == (1, f"{path}: not fixed: read-only\n")
    assert path.read_text() == SEED and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert _run_fix(capsys, "--diff", str(path))[0] == 1  # --diff writes nothing, so it still shows the fix


def test_a_file_edited_while_fix_runs_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import flake8_keras_activation.fix as fixer

    path = tmp_path / "model.py"
    path.write_text(SEED)
    edited = SEED + "# the user's edit, saved while fix was running\n"
    real = fixer.fix_source

    def fix_then_edit(*args: object, **kwargs: object) -> fixer.FixResult:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(edited)
        return result

    monkeypatch.setattr(fixer, "fix_source", fix_then_edit)
    code, _, err = _run_fix(capsys, str(path))
    assert code == 1
    assert err == f"{path}: not fixed: it changed on disk while fix ran; run fix again\n"
    assert path.read_text() == edited
    _only(tmp_path, "model.py")


def test_a_hard_linked_file_edited_while_fix_runs_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import flake8_keras_activation.fix as fixer

    path = tmp_path / "model.py"
    path.write_text(SEED)
    os.link(path, tmp_path / "other.py")
    real = fixer.fix_source

    def fix_then_edit(*args: object, **kwargs: object) -> fixer.FixResult:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(SEED.replace("Dense(1)", "Dense(2)"))  # same size: the digest tells
        return result

    monkeypatch.setattr(fixer, "fix_source", fix_then_edit)
    code, _, err = _run_fix(capsys, str(path))
    assert (code, "changed on disk" in err) == (1, True)
    assert path.read_text() == SEED.replace("Dense(1)", "Dense(2)")


# ---- in place, after a kill or a failed write -----------------------------------------------------

KILLED_AT = Path(__file__).with_name("killed_at.py")
BACKUP = ".keras-activation-backup"
# `--select KA102` removes an argument: the file shrinks, so new bytes written over the old ones
# and not yet cut short leave a mix of the two
SHRUNK = SEED.replace("Dense(100, input_dim=2)", "Dense(100)")


def _hard_linked(tmp_path: Path) -> Path:
    """A file with a second name, which fix must rewrite in place."""
    path = tmp_path / "model.py"
    path.write_text(SEED)
    os.link(path, tmp_path / "other.py")
    return path


def _killed_at(event: str, tail: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(KILLED_AT), event, tail, "fix", "--unsafe-fixes", *args], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("event", "tail", "left", "note"),
    [
        # the backup written, not yet under its name: the file untouched, nothing to recover
        ("os.rename", BACKUP + ".partial", "old", None),
        # the backup complete and named, its directory being synced: the file untouched
        ("open", "", "old", "an interrupted fix left it unchanged, with its old bytes in {backup}: fixed again"),
        # the new bytes written, the old ones after them not yet cut off: a mix, and the backup
        ("os.truncate", "", "mixed", "an interrupted fix left it half-written, with its old bytes in {backup}: "
         "fixed again"),
        # the new bytes on disk, the backup not yet removed
        ("os.remove", BACKUP, "new", "an interrupted fix had written it; its backup {backup} is removed"),
    ],
    ids=["writing-the-backup", "backup-made", "between-write-and-truncate", "removing-the-backup"],
)
def test_a_kill_at_any_instant_of_an_in_place_rewrite_leaves_old_or_new_bytes_and_the_next_run_finishes(
    tmp_path: Path, event: str, tail: str, left: str, note: str | None
) -> None:
    path = _hard_linked(tmp_path)
    backup = Path(str(path) + BACKUP)
    if event == "open":
        tail = os.path.realpath(tmp_path)  # the directory, opened to sync the backup's name
    killed = _killed_at(event, tail, "--select", "KA102", str(path))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    now = path.read_bytes()
    if left == "old":
        assert now == SEED.encode()
    elif left == "new":
        assert now == SHRUNK.encode()
    else:
        assert now not in (SEED.encode(), SHRUNK.encode()) and now.startswith(SHRUNK.encode())
    # whatever the file holds, the old bytes are findable beside it from the moment it is touched
    assert backup.exists() == (event != "os.rename")
    if backup.exists():
        assert backup.read_bytes() == SEED.encode()
    again = subprocess.run([COMMAND, "fix", "--unsafe-fixes", "--select", "KA102", str(path)], capture_output=True, text=True,
                           timeout=120, check=False)
    expected = (f"{path}: {note.format(backup=backup)}\n" if note else "") + f"Rewriting {path}\n"
    assert (again.returncode, again.stderr) == (1, expected)
    assert path.read_bytes() == SHRUNK.encode() == (tmp_path / "other.py").read_bytes()
    _only(tmp_path, "model.py", "other.py")


@pytest.mark.parametrize(("old", "new"), [(b"Dense(4, input_dim=2)\n", b"Dense(4)\n"),
                                          (b"Dense(4)\n", b'Dense(4, activation="relu")\n')],
                         ids=["shrinking", "growing"])
def test_every_instant_of_a_write_in_place_is_told_from_an_edit(old: bytes, new: bytes) -> None:
    from flake8_keras_activation.documents import Interrupted, _interrupted_state

    def state(current: bytes) -> str:
        return _interrupted_state(Interrupted("backup", old, current), new)

    # k new bytes written over the old ones, before the file is cut to the new length (while the
    # bytes written are the ones there already, the file is still the old one)
    left = {state(new[:k] + old[k:]) for k in range(len(new) + 1)}
    assert left - {"written"} == {"unwritten", "mixed"} and state(new) == "written"
    assert state(old + b"# an edit\n") == "changed" and state(b"#" + new[1:-1]) == "changed"


def test_after_a_kill_a_file_edited_since_is_left_with_its_backup(tmp_path: Path) -> None:
    path = _hard_linked(tmp_path)
    backup = Path(str(path) + BACKUP)
    assert _killed_at("os.truncate", "", "--select", "KA102", str(path)).returncode == -signal.SIGKILL
    edited = path.read_bytes() + b"# the user's edit\n"
    path.write_bytes(edited)
    again = subprocess.run([COMMAND, "fix", "--unsafe-fixes", "--select", "KA102", str(path)], capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 1
    assert again.stderr == (f"{path}: not fixed: {backup} holds its bytes from before an interrupted fix, and it "
                            "has changed since; compare the two, keep what you want, and remove the backup\n")
    assert path.read_bytes() == edited and backup.read_bytes() == SEED.encode()


def _file_size_limited(limit: int) -> Callable[[], None]:
    """For a child process: no file written past `limit` bytes, writes beyond failing with EFBIG
    (the signal that would kill the process ignored), as a full disk fails them with ENOSPC."""

    def limit_files() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return limit_files


def _fix_limited(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, "fix", "--unsafe-fixes", *args], capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=_file_size_limited(limit))


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_a_failed_write_in_place_puts_the_old_bytes_back_and_says_so_in_one_line(tmp_path: Path) -> None:
    path = _hard_linked(tmp_path)
    # room for the backup (the old bytes), not for the fixed file, which is longer
    result = _fix_limited(len(SEED) + 5, str(path))
    assert (result.returncode, result.stderr) == (1, f"{path}: error: cannot be written (File too large); "
                                                     "its old bytes are back\n")
    assert path.read_text() == SEED == (tmp_path / "other.py").read_text()
    _only(tmp_path, "model.py", "other.py")


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_no_room_for_the_backup_leaves_the_file_and_no_partial_copy(tmp_path: Path) -> None:
    path = _hard_linked(tmp_path)
    result = _fix_limited(len(SEED) // 2, str(path))
    assert (result.returncode, result.stderr) == (1, f"{path}: not fixed: no backup of it could be written beside "
                                                     "it (File too large), and it is never rewritten in place "
                                                     "without one\n")
    assert path.read_text() == SEED
    _only(tmp_path, "model.py", "other.py")


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_a_failed_write_of_the_new_file_leaves_the_old_one_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(SEED)
    result = _fix_limited(len(SEED) + 5, str(path))
    assert (result.returncode, result.stderr) == (1, f"{path}: error: cannot be written (File too large); "
                                                     "it is as it was\n")
    assert path.read_text() == SEED
    _only(tmp_path, "model.py")


def test_a_directory_that_refuses_a_backup_gets_no_rewrite_without_one(tmp_path: Path) -> None:
    preexec = bound_by_permissions()
    folder = tmp_path / "read-only"
    folder.mkdir()
    path = folder / "model.py"
    path.write_text(SEED)  # writable, in a directory where no file can be made
    folder.chmod(0o555)
    try:
        result = subprocess.run([COMMAND, "fix", "--unsafe-fixes", str(path)], capture_output=True, text=True, timeout=120,
                                check=False, preexec_fn=preexec)
    finally:
        folder.chmod(0o755)
    assert (result.returncode, result.stderr) == (1, f"{path}: not fixed: no backup of it could be written beside "
                                                     "it (Permission denied), and it is never rewritten in place "
                                                     "without one\n")
    assert path.read_text() == SEED
    _only(folder, "model.py")


def test_locally_connected_gets_its_activation_at_the_sixth_position_not_data_format() -> None:
    head = "from tensorflow.keras import Sequential\nfrom tensorflow.keras.layers import Dense, Flatten, LocallyConnected1D\n"
    source = head + 'model = Sequential([LocallyConnected1D(16, 3, 1, "valid", None, None), Flatten(), Dense(1)])\n'
    assert fix_text(source) == head + (
        'model = Sequential([LocallyConnected1D(16, 3, 1, "valid", None, "relu"), Flatten(), Dense(1)])\n'
    )


def test_ka102_points_at_the_argument_and_its_fix_still_finds_the_call() -> None:
    source = HEAD + "model = keras.Sequential([\n    Dense(8, input_dim=4, activation='relu'),\n    Dense(\n" \
        "        1,\n        input_dim=8,\n    ),\n])\n"
    finding = next(f for f in analyze_source(source) if f.code == "KA102")
    assert (finding.line, finding.col, finding.call) == (8, 8, (6, 4))
    assert fix_text(source) == HEAD + "model = keras.Sequential([\n    Dense(8, input_dim=4, activation='relu'),\n" \
        "    Dense(\n        1,\n    ),\n])\n"


def test_batch_input_shape_on_a_keras3_first_layer_is_reported_and_skipped_with_a_reason() -> None:
    source = HEAD + "model = keras.Sequential([Dense(8, batch_input_shape=(4, 2), activation='relu'), Dense(1)])\n"
    findings = [f for f in analyze_source(source) if f.code == "KA102"]
    assert [f.arguments for f in findings] == [()]
    result = fix_source(source, findings)
    assert result.text == source
    assert [s.reason for s in result.skipped] == ["no automatic fix: give the batch shape to keras.Input"]
