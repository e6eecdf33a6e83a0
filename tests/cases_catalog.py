"""Catalog facts as rule cases: positional activations, wrappers and layers that are affine at inference."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "locally-connected-linear-at-its-sixth-positional-argument",
        """
        from tensorflow.keras import Sequential
        from tensorflow.keras.layers import Dense, Flatten, LocallyConnected1D

        model = Sequential([LocallyConnected1D(16, 3, 1, "valid", None, None), Flatten(), Dense(1)])
        """,
        ((4, 8, "KA103"), (4, 20, "KA101")),
    ),
    Case(
        "spectral-normalization-of-a-linear-dense",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(8,)),
            layers.SpectralNormalization(layers.Dense(16)),
            layers.Dense(1, activation="sigmoid"),
        ])
        """,
        ((6, 33, "KA101"),),
    ),
    Case(
        "sync-batch-normalization-passes-the-chain",
        """
        import tensorflow as tf

        model = tf.keras.Sequential([
            tf.keras.layers.Dense(64, input_shape=(8,)),
            tf.keras.layers.experimental.SyncBatchNormalization(),
            tf.keras.layers.Dense(1, activation="sigmoid"),
        ])
        """,
        ((4, 4, "KA101"),),
    ),
    Case(
        "conv-then-resize-crop-and-augmentation-then-dense",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(64, 64, 3)),
            layers.Conv2D(8, 3),
            layers.Resizing(32, 32),
            layers.CenterCrop(24, 24),
            layers.RandomFlip(),
            layers.RandomRotation(0.1),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        """,
        ((6, 4, "KA101"),),
    ),
    Case(
        "masking-with-its-default-value-passes-the-chain",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(10, 4)),
            layers.Dense(8),
            layers.Masking(),
            layers.Dense(1, activation="sigmoid"),
        ])
        """,
        ((6, 4, "KA101"),),
    ),
    Case(
        "simple-rnn-with-linear-activation-feeds-dense",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(10, 4)),
            layers.SimpleRNN(32, activation=None),
            layers.Dense(1, activation="sigmoid"),
        ])
        """,
        ((6, 4, "KA101"),),
    ),
    Case(
        "keras2-deconvolution-alias-is-affine",
        """
        from keras.models import Sequential
        from keras.layers import Dense, Deconvolution2D, Flatten

        model = Sequential()
        model.add(Dense(7 * 7 * 16, input_dim=100, activation="relu"))
        model.add(Deconvolution2D(8, 3))
        model.add(Flatten())
        model.add(Dense(1, activation="sigmoid"))
        """,
        ((6, 10, "KA101"),),
    ),
]

VALID = [
    Case(
        "locally-connected-relu-at-its-sixth-positional-argument",
        """
        from tensorflow.keras import Sequential
        from tensorflow.keras.layers import Dense, Flatten, LocallyConnected1D

        model = Sequential([LocallyConnected1D(16, 3, 1, "valid", None, "relu"), Flatten(), Dense(1)])
        """,
    ),
    Case(
        "masking-with-another-value-is-nonlinear",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(10, 4)),
            layers.Dense(8),
            layers.Masking(mask_value=-1.0),
            layers.Dense(1, activation="sigmoid"),
        ])
        """,
    ),
    Case(
        "simple-rnn-with-its-default-tanh",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(10, 4)),
            layers.Dense(16),
            layers.SimpleRNN(32),
            layers.Dense(1),
        ])
        """,
    ),
    Case(
        "spectral-normalization-of-a-relu-dense",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(8,)),
            layers.SpectralNormalization(layers.Dense(16, activation="relu")),
            layers.Dense(1, activation="sigmoid"),
        ])
        """,
    ),
]
