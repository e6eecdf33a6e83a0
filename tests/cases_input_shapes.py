"""KA102 as Keras 3 and tf_keras treat input shapes: functional calls, arguments that raise, the argument's position."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "input-shape-on-a-layer-called-on-a-tensor",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(10,))
        x = layers.Dense(64, activation="relu", input_shape=(10,))(inputs)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
        """,
        ((5, 40, "KA102"),),
    ),
    Case(
        "input-dim-on-a-called-layer-in-tf-keras-code",
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        def head(features):
            x = layers.Dense(32, input_dim=128, activation="relu")(features)
            return layers.Dense(1, activation="sigmoid")(x)
        """,
        ((5, 25, "KA102"),),
    ),
    Case(
        "input-shape-on-a-layer-of-a-subclassed-model",
        """
        import keras
        from keras import layers

        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(64, activation="relu", input_shape=(784,))
                self.out = layers.Dense(10, activation="softmax")

            def call(self, x):
                return self.out(self.hidden(x))
        """,
        ((7, 58, "KA102"),),
    ),
    Case(
        "input-dim-with-input-shape-raises-in-keras-3-even-on-the-first-layer",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            layers.Dense(64, activation="relu", input_dim=8, input_shape=(8,)),
            layers.Dense(1),
        ])
        """,
        ((5, 40, "KA102"),),
    ),
    Case(
        "batch-input-shape-on-the-first-layer-raises-in-keras-3",
        """
        from keras.models import Sequential
        from keras.layers import LSTM, Dense

        model = Sequential()
        model.add(LSTM(32, stateful=True, batch_input_shape=(16, 10, 1)))
        model.add(Dense(1))
        """,
        ((5, 34, "KA102"),),
    ),
    Case(
        "input-dim-and-input-shape-on-a-later-layer-in-tf-keras-code-are-both-ignored",
        """
        import tensorflow as tf

        model = tf.keras.Sequential([
            tf.keras.layers.Dense(64, activation="relu", input_shape=(8,)),
            tf.keras.layers.Dense(1, input_dim=64, input_shape=(64,)),
        ])
        """,
        ((5, 29, "KA102"), (5, 43, "KA102")),
    ),
    Case(
        # the only word that makes the function worth reading is the keyword, spaced
        "spaced-input-shape-keyword-in-a-function-without-a-dense-or-conv-layer",
        """
        import keras
        from keras import layers

        def encoder(features):
            x = layers.LSTM(16, return_sequences=True)(features)
            return layers.LSTM(8, input_shape = (10, 4))(x)
        """,
        ((6, 26, "KA102"),),
    ),
]

VALID = [
    Case(
        "embedding-input-dim-is-a-vocabulary-size-in-functional-code",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(20,), dtype="int32")
        x = layers.Embedding(input_dim=1000, output_dim=64)(inputs)
        x = layers.GlobalAveragePooling1D()(x)
        outputs = layers.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        """,
    ),
    Case(
        "batch-input-shape-on-the-first-layer-is-fine-in-tf-keras",
        """
        import tf_keras as keras

        model = keras.Sequential([
            keras.layers.LSTM(32, stateful=True, batch_input_shape=(16, 10, 1)),
            keras.layers.Dense(1),
        ])
        """,
    ),
    Case(
        "batch-shape-on-keras-input-and-input-layer",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            layers.InputLayer(batch_input_shape=(16, 10, 1)),
            layers.LSTM(32, stateful=True),
            layers.Dense(1),
        ])
        inputs = keras.Input(batch_shape=(16, 10, 1))
        """,
    ),
    Case(
        "input-shape-on-the-first-sequential-layer-keras-3",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(8,)), layers.Dense(1)])
        """,
    ),
]
