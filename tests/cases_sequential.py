"""Sequential models: every form and spelling, as INVALID cases with exact positions and VALID ones."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "layer-list-rebound-in-both-arms-each-ending-nonlinear",
        """
        import keras
        from keras import layers

        def build(wide):
            if wide:
                stack = [layers.Dense(256, activation="relu")]
            else:
                stack = [layers.Dense(32), layers.ReLU()]
            stack += [layers.Dense(1)]
            return keras.Sequential(stack)
        """,
    ),
    Case(
        "passed-to-a-function-of-the-file-that-may-change-it",
        """
        import keras

        def add_head(m):
            m.add(keras.layers.Dense(1, activation="sigmoid"))

        model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(4)])
        add_head(model)
        """,
        ((6, 26, "KA101"),),
    ),
    Case(
        "seed-add-chain",
        """
        from keras.models import Sequential
        from keras.layers import Dense

        model = Sequential()
        model.add(Dense(20, input_dim=2))
        model.add(Dense(100, input_dim=2))
        model.add(Dense(1))
        """,
        ((4, 8, "KA103"), (5, 10, "KA101"), (6, 10, "KA101"), (6, 21, "KA102")),
    ),
    Case(
        "list-import-keras",
        """
        import keras

        model = keras.Sequential([
            keras.Input(shape=(2,)),
            keras.layers.Dense(20),
            keras.layers.Dense(1),
        ])
        """,
        ((3, 8, "KA103"), (5, 4, "KA101")),
    ),
    Case(
        "layers-keyword",
        """
        from keras import Sequential, layers

        model = Sequential(layers=[layers.Dense(8, input_shape=(4,)), layers.Dense(1)])
        """,
        ((3, 8, "KA103"), (3, 27, "KA101")),
    ),
    Case(
        "from-tensorflow-import-keras",
        """
        from tensorflow import keras

        model = keras.models.Sequential([keras.layers.Dense(8), keras.layers.Dense(1, activation="sigmoid")])
        """,
        ((3, 33, "KA101"),),
    ),
    Case(
        "tf-keras-attribute-chain",
        """
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(64), tf.keras.layers.Dense(10, activation="softmax")])
        """,
        ((3, 29, "KA101"),),
    ),
    Case(
        "tf-keras-package",
        """
        import tf_keras

        model = tf_keras.Sequential([tf_keras.layers.Dense(64), tf_keras.layers.Dense(1)])
        """,
        ((3, 8, "KA103"), (3, 29, "KA101")),
    ),
    Case(
        "keras-layers-core-spelling",
        """
        from keras.models import Sequential
        from keras.layers.core import Dense

        model = Sequential([Dense(64, input_dim=8), Dense(1)])
        """,
        ((4, 8, "KA103"), (4, 20, "KA101")),
    ),
    Case(
        "module-alias",
        """
        from keras import layers as L
        from keras import models

        model = models.Sequential([L.Dense(32), L.Dropout(0.5), L.Dense(1, activation="sigmoid")])
        """,
        ((4, 27, "KA101"),),
    ),
    Case(
        "class-alias",
        """
        from tensorflow.keras.layers import Dense as FC
        from tensorflow.keras.models import Sequential as Seq

        net = Seq([FC(32), FC(1)])
        """,
        ((4, 6, "KA103"), (4, 11, "KA101")),
    ),
    Case(
        "star-imports",
        """
        from keras.models import *
        from keras.layers import *

        model = Sequential([Dense(32), Dense(1)])
        """,
        ((4, 8, "KA103"), (4, 20, "KA101")),
    ),
    Case(
        "assigned-alias",
        """
        import tensorflow as tf

        Dense = tf.keras.layers.Dense
        layers = tf.keras.layers
        model = tf.keras.Sequential([Dense(32), layers.Dense(1)])
        """,
        ((5, 8, "KA103"), (5, 29, "KA101")),
    ),
    Case(
        "list-bound-to-a-name-first",
        """
        from keras import Sequential
        from keras.layers import Dense, Dropout

        stack = [Dense(64), Dropout(0.2), Dense(1)]
        model = Sequential(stack)
        """,
        ((5, 8, "KA103"), (4, 9, "KA101")),
    ),
    Case(
        "through-batchnorm-and-flatten",
        """
        from keras import Sequential, layers

        model = Sequential([
            layers.Conv2D(16, 3, input_shape=(28, 28, 1)),
            layers.BatchNormalization(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        """,
        ((4, 4, "KA101"),),
    ),
    Case(
        "linear-activation-layer-is-pass-through",
        """
        from keras import Sequential, layers

        model = Sequential([layers.Dense(8, activation="relu"), layers.Dense(8), layers.Activation("linear"), layers.Dense(1)])
        """,
        ((3, 56, "KA101"),),
    ),
    Case(
        "explicit-linear-activations",
        """
        import keras
        from keras import activations, layers

        model = keras.Sequential([
            layers.Dense(8, activation=None),
            layers.Dense(8, activation="linear"),
            layers.Dense(8, activation=activations.linear),
            layers.Dense(8, None),
            layers.Dense(8, activation=keras.activations.linear),
            layers.Dense(1, activation="sigmoid"),
        ])
        """,
        ((5, 4, "KA101"), (6, 4, "KA101"), (7, 4, "KA101"), (8, 4, "KA101"), (9, 4, "KA101")),
    ),
    Case(
        "folded-module-constant",
        """
        from keras import Sequential
        from keras.layers import Dense

        activation = None

        model = Sequential([Dense(8, activation=activation), Dense(1, activation="sigmoid")])
        """,
        ((6, 20, "KA101"),),
    ),
    Case(
        "folded-constant-seen-from-a-function",
        """
        from keras import Sequential
        from keras.layers import Dense

        HIDDEN_ACTIVATION = "linear"

        def build():
            act = None
            return Sequential([
                Dense(8, activation=HIDDEN_ACTIVATION),
                Dense(8, activation=act),
                Dense(1, activation="sigmoid"),
            ])
        """,
        ((9, 8, "KA101"), (10, 8, "KA101")),
    ),
    Case(
        "add-chain-inside-function",
        """
        from tensorflow.keras import Sequential
        from tensorflow.keras.layers import Dense, Dropout

        def build_model(n_features):
            model = Sequential()
            model.add(Dense(64, input_dim=n_features))
            model.add(Dropout(0.3))
            model.add(Dense(32, activation="relu"))
            model.add(Dense(1))
            model.compile(optimizer="adam", loss="mse")
            return model
        """,
        ((6, 14, "KA101"),),
    ),
    Case(
        "two-models-interleaved-kept-apart",
        """
        from keras import Sequential
        from keras.layers import Dense

        a = Sequential()
        b = Sequential()
        a.add(Dense(8, input_dim=3))
        b.add(Dense(8, input_dim=3, activation="relu"))
        a.add(Dense(1))
        b.add(Dense(1))
        """,
        ((4, 4, "KA103"), (6, 6, "KA101")),
    ),
    Case(
        "layers-added-in-a-loop-follow-themselves",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential()
        for units in [64, 32, 16]:
            model.add(Dense(units))
        model.add(Dense(1, activation="sigmoid"))
        """,
        ((6, 14, "KA101"),),
    ),
    Case(
        "layer-before-a-loop-feeds-the-loop",
        """
        from keras import Input, Sequential
        from keras.layers import Dense

        model = Sequential([Input(shape=(4,))])
        model.add(Dense(16))
        for _ in range(3):
            model.add(Dense(16, activation="relu"))
        model.add(Dense(1))
        """,
        ((5, 10, "KA101"),),
    ),
    Case(
        "list-comprehension-of-layers",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential([Dense(32) for _ in range(4)] + [Dense(1)])
        """,
        ((4, 8, "KA103"), (4, 20, "KA101")),
    ),
    Case(
        "list-built-with-append",
        """
        from keras import Sequential
        from keras.layers import Dense

        stack = []
        stack.append(Dense(32, input_dim=4))
        stack.append(Dense(1))
        model = Sequential(stack)
        """,
        ((7, 8, "KA103"), (5, 13, "KA101")),
    ),
    Case(
        "branch-that-adds-a-linear-layer",
        """
        from keras import Sequential
        from keras.layers import Dense

        def build(deep):
            model = Sequential()
            model.add(Dense(32, input_dim=4, activation="relu"))
            if deep:
                model.add(Dense(32))
            else:
                model.add(Dense(32, activation="relu"))
            model.add(Dense(1))
            return model
        """,
        ((8, 18, "KA101"),),
    ),
    Case(
        "input-layer-counts-as-first",
        """
        from keras import Input, Sequential
        from keras.layers import Dense, InputLayer

        a = Sequential([Input(shape=(2,)), Dense(4, input_shape=(2,), activation="relu"), Dense(1)])
        b = Sequential([InputLayer(input_shape=(2,)), Dense(4, input_dim=2, activation="relu"), Dense(1)])
        """,
        ((4, 44, "KA102"), (5, 55, "KA102")),
    ),
    Case(
        "batch-input-shape-on-a-later-layer",
        """
        from keras import Sequential
        from keras.layers import LSTM, Dense

        model = Sequential([
            LSTM(32, return_sequences=True, batch_input_shape=(16, 10, 1)),
            LSTM(32, batch_input_shape=(16, 10, 1)),
            Dense(1),
        ])
        """,
        # Keras 3 spelling: batch_input_shape raises on the first layer too
        ((5, 36, "KA102"), (6, 13, "KA102")),
    ),
    Case(
        "nested-sequential-as-a-layer",
        """
        from keras import Sequential
        from keras.layers import Dense

        encoder = Sequential([Dense(16, input_dim=8, activation="relu"), Dense(4)])
        model = Sequential([encoder, Dense(1)])
        """,
        ((4, 65, "KA101"),),
    ),
    Case(
        "time-distributed-reported-at-the-wrapped-layer",
        """
        from keras import Sequential
        from keras.layers import TimeDistributed, Dense, LSTM

        model = Sequential([
            LSTM(16, return_sequences=True, input_shape=(10, 3)),
            TimeDistributed(Dense(8)),
            TimeDistributed(Dense(1)),
        ])
        """,
        ((6, 20, "KA101"),),
    ),
    Case(
        "conv-stack",
        """
        from keras import Sequential, layers

        model = Sequential([
            layers.Conv1D(8, 3, input_shape=(100, 1)),
            layers.AveragePooling1D(2),
            layers.Conv1D(8, 3, activation="relu"),
            layers.GlobalMaxPooling1D(),
            layers.Dense(1),
        ])
        """,
        ((4, 4, "KA101"),),
    ),
    Case(
        "model-on-self-attribute",
        """
        import keras

        class Trainer:
            def build(self):
                self.model = keras.Sequential()
                self.model.add(keras.layers.Dense(10, input_shape=(3,)))
                self.model.add(keras.layers.Dense(1))
        """,
        ((5, 21, "KA103"), (6, 23, "KA101")),
    ),
    Case(
        "non-ascii-text-before-the-call",
        """
        from keras import Sequential
        from keras.layers import Dense

        modèle = Sequential([Dense(8), Dense(1)])
        """,
        ((4, 9, "KA103"), (4, 21, "KA101")),
    ),
    Case(
        "layer-list-rebound-in-both-arms-then-extended",
        """
        import keras
        from keras import layers

        def build(deep):
            if deep:
                stack = [layers.Dense(64, activation="relu"), layers.Dense(32)]
            else:
                stack = [layers.Dense(16)]
            stack.extend([layers.Dense(1)])
            return keras.Sequential(stack)
        """,
        ((6, 54, "KA101"), (8, 17, "KA101")),
    ),
    Case(
        "model-handed-to-a-method-of-an-unknown-object-is-not-claimed-affine",
        """
        from keras import layers, models
        from keras.export import ExportArchive

        archive = ExportArchive()
        model = models.Sequential([layers.Input((10,)), layers.Dense(2), layers.Dense(2)])
        archive.track(model)
        """,
        ((5, 48, "KA101"),),
    ),
]

VALID = [
    Case(
        "hidden-relu-final-linear",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential([Dense(20, input_dim=2, activation="relu"), Dense(100, activation="relu"), Dense(1)])
        """,
    ),
    Case(
        "single-layer-linear-regression",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential([Dense(1, input_dim=3)])
        model.compile(optimizer="sgd", loss="mse")
        """,
    ),
    Case(
        "dense-then-activation-layers",
        """
        from keras import Sequential
        from keras.layers import Activation, Dense, ELU, LeakyReLU, PReLU, ReLU, Softmax

        model = Sequential([
            Dense(64, input_dim=10), Activation("relu"),
            Dense(64), ReLU(),
            Dense(64), LeakyReLU(0.2),
            Dense(64), PReLU(),
            Dense(64), ELU(),
            Dense(10), Softmax(),
        ])
        """,
    ),
    Case(
        "dense-batchnorm-relu",
        """
        from keras import Sequential, layers

        model = Sequential([
            layers.Dense(128, use_bias=False, input_shape=(20,)),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Dense(1),
        ])
        """,
    ),
    Case(
        "gan-generator",
        """
        import tensorflow as tf
        from tensorflow.keras import layers

        def make_generator_model():
            model = tf.keras.Sequential()
            model.add(layers.Dense(7 * 7 * 256, use_bias=False, input_shape=(100,)))
            model.add(layers.BatchNormalization())
            model.add(layers.LeakyReLU())
            model.add(layers.Reshape((7, 7, 256)))
            model.add(layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding="same", use_bias=False))
            model.add(layers.BatchNormalization())
            model.add(layers.LeakyReLU())
            model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", activation="tanh"))
            return model
        """,
    ),
    Case(
        "embedding-input-dim-is-a-vocabulary",
        """
        from keras import Input, Sequential
        from keras.layers import Dense, Embedding, GlobalAveragePooling1D

        model = Sequential([
            Input(shape=(20,)),
            Embedding(input_dim=1000, output_dim=16),
            GlobalAveragePooling1D(),
            Dense(1, activation="sigmoid"),
        ])
        """,
    ),
    Case(
        "activation-from-a-parameter",
        """
        from keras import Sequential
        from keras.layers import Dense

        def build(activation, **kwargs):
            return Sequential([
                Dense(32, activation=activation),
                Dense(32, **kwargs),
                Dense(32, activation=pick_activation()),
                Dense(1),
            ])
        """,
    ),
    Case(
        "custom-activation-string-is-unknown",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential([Dense(32, activation="my_registered_act"), Dense(1)])
        """,
    ),
    Case(
        "activation-given-positionally",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential([Dense(32, "relu"), Dense(1)])
        """,
    ),
    Case(
        "activation-as-a-function-or-layer-object",
        """
        import tensorflow as tf
        from keras import Sequential, layers

        model = Sequential([
            layers.Dense(32, activation=tf.nn.relu),
            layers.Dense(32, activation=layers.LeakyReLU(0.1)),
            layers.Dense(32, activation=tf.keras.activations.gelu),
            layers.Dense(1),
        ])
        """,
    ),
    Case(
        "unknown-layers-break-the-chain",
        """
        from keras import Sequential, layers
        from mypackage import MyBlock

        model = Sequential([
            layers.Dense(32, input_dim=4),
            layers.Lambda(lambda t: t ** 2),
            layers.Dense(32),
            MyBlock(),
            layers.Dense(1),
        ])
        """,
    ),
    Case(
        "nonlinear-layers-break-the-chain",
        """
        from keras import Sequential, layers

        model = Sequential([
            layers.Conv2D(16, 3, input_shape=(32, 32, 3)),
            layers.MaxPooling2D(),
            layers.Conv2D(16, 3),
            layers.LayerNormalization(),
            layers.Flatten(),
            layers.Dense(32),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ])
        """.replace("layers.Dense(32),", 'layers.Dense(32, activation="relu"),'),
    ),
    Case(
        "not-keras-dense-and-sequential",
        """
        from mylib import Dense, Sequential

        model = Sequential([Dense(20, input_dim=2), Dense(100, input_dim=2), Dense(1)])
        """,
    ),
    Case(
        "local-class-shadows-a-star-import",
        """
        from keras.layers import *
        from keras.models import Sequential

        class Dense:
            def __init__(self, units, input_dim=None):
                self.units = units

        model = Sequential([Dense(20), Dense(1)])
        """,
    ),
    Case(
        "input-shape-on-the-first-layer",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential()
        model.add(Dense(20, input_shape=(2,), activation="relu"))
        model.add(Dense(1))
        """,
    ),
    Case(
        "input-dim-in-a-loop-under-a-first-iteration-guard",
        """
        from keras import Sequential
        from keras.layers import Dense

        def build(sizes, n_in):
            model = Sequential()
            for i, units in enumerate(sizes):
                if i == 0:
                    model.add(Dense(units, input_dim=n_in, activation="relu"))
                else:
                    model.add(Dense(units, activation="relu"))
            model.add(Dense(1))
            return model
        """,
    ),
    Case(
        "loop-with-final-layer-under-a-condition",
        """
        from keras import Sequential
        from keras.layers import Dense

        def build(n):
            model = Sequential()
            for i in range(n):
                if i < n - 1:
                    model.add(Dense(64, activation="relu"))
                else:
                    model.add(Dense(1))
            return model
        """,
    ),
    Case(
        "loop-over-a-single-element",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential()
        model.add(Dense(8, input_dim=4, activation="relu"))
        for units in [1]:
            model.add(Dense(units))
        """,
    ),
    Case(
        "pop-makes-the-model-unknown",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential([Dense(8, input_dim=4, activation="relu"), Dense(8)])
        model.pop()
        model.add(Dense(1))
        """,
    ),
    Case(
        "final-sigmoid-is-not-ka103",
        """
        from keras import Sequential
        from keras.layers import Dense

        model = Sequential([Dense(1, input_dim=4, activation="sigmoid")])
        """,
    ),
    Case(
        "keras-file-without-models",
        """
        import keras

        def loss(y_true, y_pred):
            return keras.ops.mean((y_true - y_pred) ** 2)
        """,
    ),
]

# Code we cannot follow may add layers to a model it receives before compile(), so such a
# model is not claimed affine end to end; after compile() it only trains or saves it.
INVALID.append(
    Case(
        "model-passed-to-unknown-code-before-compile-is-not-ka103",
        """
        from keras import Sequential
        from keras.layers import Dense
        from mylib import add_head

        model = Sequential([Dense(8, input_dim=4), Dense(8)])
        add_head(model)
        """,
        ((5, 20, "KA101"),),
    )
)
INVALID.append(
    Case(
        "model-passed-to-unknown-code-after-compile",
        """
        from keras import Sequential
        from keras.layers import Dense
        from mylib import train

        model = Sequential([Dense(8, input_dim=4), Dense(1)])
        model.compile(loss="mse")
        train(model)
        """,
        ((5, 8, "KA103"), (5, 20, "KA101")),
    )
)
