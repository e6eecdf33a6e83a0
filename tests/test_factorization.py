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
        "sequential-bottleneck-declared-by-its-name",
        """
        from keras import Input, Sequential
        from keras.layers import Dense

        model = Sequential([Input(shape=(512,)), Dense(16, name="bottleneck"), Dense(512)])
        """,
        ((4, 41, "KA104"),),
    ),
    Case(
        "latent-tensor-of-unknown-input-width",
        """
        from keras import layers

        def encoder_decoder(x):
            z = layers.Dense(2)(x)
            return layers.Dense(64)(z)
        """,
        ((4, 8, "KA104"),),
    ),
    Case(
        "attribute-named-as-a-projection",
        """
        import keras

        class LowRank(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.down_proj = keras.layers.Dense(8)
                self.up = keras.layers.Dense(256)

            def call(self, x):
                return self.up(self.down_proj(x))
        """,
        ((6, 25, "KA104"),),
    ),
]

STILL_KA101 = [
    Case(
        "narrow-layer-of-known-input-width-is-no-declaration",
        """
        from keras import Input, Sequential
        from keras.layers import Dense

        model = Sequential([Input(shape=(512,)), Dense(16), Dense(512)])
        """,
        ((4, 8, "KA103"), (4, 41, "KA101")),
    ),
    Case(
        "rank-one-bottleneck-before-softmax-with-known-input-width",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(8,))
        hidden = layers.Dense(1)(inputs)
        outputs = layers.Dense(4, activation="softmax")(hidden)
        """,
        ((5, 9, "KA101"),),
    ),
    Case(
        "rank-one-bottleneck-before-softmax-with-unknown-input-width",
        """
        from keras import layers

        def head(features):
            hidden = layers.Dense(1)(features)
            return layers.Dense(4, activation="softmax")(hidden)
        """,
        ((4, 13, "KA101"),),
    ),
    Case(
        "declared-name-on-a-wider-layer-is-no-bottleneck",
        """
        from keras import layers

        def head(features):
            embedding = layers.Dense(512)(features)
            return layers.Dense(16)(embedding)
        """,
        ((4, 16, "KA101"),),
    ),
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
