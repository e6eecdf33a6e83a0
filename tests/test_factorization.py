"""KA104: pairs that compose into one map but look like a deliberate factorization."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_keras_activation import analyze_source
from tests.conftest import Case, flake8_findings, params, run_flake8

DELIBERATE = [
    Case(
        "linear-autoencoder-is-a-rank-limit-not-ka103",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(784,))
        code = layers.Dense(32)(inputs)
        outputs = layers.Dense(784)(code)
        autoencoder = keras.Model(inputs, outputs)
        """,
        ((5, 7, "KA104"),),
    ),
    Case(
        "lora-style-projection-without-bias",
        """
        from keras import layers

        def adapter(x, rank, dim):
            down = layers.Dense(rank, use_bias=False)(x)
            return layers.Dense(dim, use_bias=False)(down)
        """,
        ((4, 11, "KA104"),),
    ),
    Case(
        "pointwise-projection-before-a-spatial-convolution",
        """
        from keras import layers

        def pyramid_level(feature):
            lateral = layers.Conv2D(256, 1, padding="same")(feature)
            return layers.Conv2D(256, 3, padding="same")(lateral)
        """,
        ((4, 14, "KA104"),),
    ),
    Case(
        "sequential-bottleneck-with-input-width",
        """
        from keras import Input, Sequential
        from keras.layers import Dense

        model = Sequential([Input(shape=(512,)), Dense(16), Dense(512)])
        """,
        ((4, 41, "KA104"),),
    ),
]

STILL_KA101 = [
    Case(
        "no-bias-then-batchnorm-then-dense-is-a-forgotten-activation",
        """
        from keras import layers

        def f(x):
            x = layers.Dense(64, use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            return layers.Dense(10)(x)
        """,
        ((4, 8, "KA101"),),
    ),
    Case(
        "wider-middle-layer-is-no-rank-limit",
        """
        from keras import Input, Sequential
        from keras.layers import Dense

        model = Sequential([Input(shape=(2,)), Dense(20), Dense(100), Dense(1)])
        """,
        ((4, 8, "KA103"), (4, 39, "KA101"), (4, 50, "KA101")),
    ),
    Case(
        "same-kernel-convolutions",
        """
        from keras import layers

        def f(x):
            x = layers.Conv2D(32, 3)(x)
            return layers.Conv2D(32, 3, activation="relu")(x)
        """,
        ((4, 8, "KA101"),),
    ),
]


@pytest.mark.parametrize("case", params(DELIBERATE + STILL_KA101))
def test_factorizations_are_told_apart_from_collapses(case: Case) -> None:
    found = [(f.line, f.col, f.code) for f in analyze_source(case.text)]
    assert found == sorted(case.expected)


def test_ka104_is_off_in_plain_flake8_and_on_when_selected(tmp_path: Path) -> None:
    cases = DELIBERATE + STILL_KA101
    selected = flake8_findings(cases, tmp_path, "--extend-select=KA104")
    assert {k: sorted(v) for k, v in selected.items()} == {c.id: sorted(c.expected) for c in cases}

    for number, case in enumerate(DELIBERATE):
        path = tmp_path / f"plain_{number}.py"
        path.write_text(case.text)
    plain = run_flake8(sorted(tmp_path.glob("plain_*.py")))
    assert " KA104 " not in plain.stdout
    assert " KA1" not in plain.stdout
