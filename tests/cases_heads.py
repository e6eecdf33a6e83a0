"""The output against its training (KA203 on tanh and recurrent outputs, KA207-KA211): each rule in the
ways models are written, and the legitimate look-alikes that must stay silent. Expected findings are
with every code selected (KA210 is off by default: tests/test_rule_tables.py checks plain flake8 too)."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "accuracy-on-several-linear-units-may-be-one-hot-labels",
        """
        from keras.models import Sequential
        from keras.layers import Dense
        from keras.optimizers import SGD

        model = Sequential()
        model.add(Dense(30, input_shape=(784,), activation="sigmoid"))
        model.add(Dense(10))
        model.compile(optimizer=SGD(learning_rate=3.0), loss="mean_squared_error", metrics=["accuracy"])
        """,
    ),
    Case(
        "ka207-sigmoid-multi-unit-categorical-sequential",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            layers.Dense(64, activation="relu"),
            layers.Dense(5, activation="sigmoid"),
        ])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        """,
        ((8, 37, "KA207"),),
    ),
    Case(
        "ka207-sparse-loss-object-functional",
        """
        import tensorflow as tf

        inputs = tf.keras.Input(shape=(32,))
        x = tf.keras.layers.Dense(64, activation="relu")(inputs)
        outputs = tf.keras.layers.Dense(10, activation="sigmoid")(x)
        model = tf.keras.Model(inputs=inputs, outputs=outputs)
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy())
        """,
        ((7, 37, "KA207"),),
    ),
    Case(
        "ka207-focal-function-add-chain-activation-layer",
        """
        from keras.models import Sequential
        from keras.layers import Activation, Dense
        from keras.losses import categorical_focal_crossentropy

        num_classes = 7
        model = Sequential()
        model.add(Dense(32, activation="relu", input_shape=(16,)))
        model.add(Dense(num_classes))
        model.add(Activation("sigmoid"))
        model.compile("adam", categorical_focal_crossentropy)
        """,
        ((10, 22, "KA207"),),
    ),
    Case(
        "ka208-mse-on-softmax-sequential",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
        model.compile(optimizer="sgd", loss="mean_squared_error")
        """,
        ((4, 63, "KA210"), (5, 36, "KA208")),
    ),
    Case(
        "ka208-huber-object-on-softmax-call-functional",
        """
        import keras
        from keras import layers, ops

        inputs = keras.Input(shape=(20,))
        logits = layers.Dense(3)(layers.Dense(32, activation="relu")(inputs))
        model = keras.Model(inputs, ops.softmax(logits))
        model.compile(optimizer="adam", loss=keras.losses.Huber())
        """,
        ((6, 28, "KA210"), (7, 37, "KA208")),
    ),
    Case(
        "ka208-mae-subclassed-compiled-where-made",
        """
        import keras

        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = keras.layers.Dense(32, activation="relu")
                self.out = keras.layers.Dense(4, activation="softmax")

            def call(self, x):
                return self.out(self.hidden(x))

        model = Classifier()
        model.compile(optimizer="adam", loss="mae")
        """,
        ((7, 19, "KA210"), (13, 37, "KA208")),
    ),
    Case(
        "ka209-softmax-layer-after-softmax-dense",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
            layers.Softmax(),
        ])
        """,
        ((7, 4, "KA209"),),
    ),
    Case(
        "ka209-sigmoid-call-after-sigmoid-through-dropout",
        """
        import tensorflow as tf
        from tensorflow.keras import layers

        def head(features):
            probabilities = layers.Dense(1, activation="sigmoid")(features)
            probabilities = layers.Dropout(0.1)(probabilities)
            return tf.math.sigmoid(probabilities)
        """,
        ((7, 11, "KA209"),),
    ),
    Case(
        "ka209-activation-softmax-after-activation-sigmoid",
        """
        from keras.models import Sequential
        from keras.layers import Activation, Dense

        model = Sequential([Dense(16, activation="relu"), Dense(3), Activation("sigmoid"), Activation("softmax")])
        """,
        ((4, 83, "KA209"),),
    ),
    Case(
        "ka210-relu-regression-head",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1, activation="relu")])
        model.compile(optimizer="adam", loss=keras.losses.MeanAbsoluteError())
        """,
        ((4, 63, "KA210"),),
    ),
    Case(
        "ka210-sigmoid-regression-functional-msle",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(8,))
        hidden = layers.Dense(16, activation="relu")(inputs)
        price = layers.Dense(1, "tanh")(hidden)
        model = keras.Model(inputs, price)
        model.compile(optimizer="adam", loss="msle")
        """,
        ((6, 8, "KA210"),),
    ),
    Case(
        "ka211-accuracy-on-linear-regression",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(13,)), layers.Dense(1)])
        model.compile(optimizer="rmsprop", loss="mse", metrics=["mae", "accuracy"])
        """,
        ((5, 63, "KA211"),),
    ),
    Case(
        "ka211-accuracy-object-and-acc-per-output-dict",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(8,))
        hidden = layers.Dense(16, activation="relu")(inputs)
        age = layers.Dense(1, name="age")(hidden)
        income = layers.Dense(1, name="income")(hidden)
        model = keras.Model(inputs, [age, income])
        model.compile(
            optimizer="adam",
            loss={"age": "mse", "income": "huber"},
            metrics={"age": [keras.metrics.Accuracy()], "income": "acc"},
        )
        """,
        ((12, 21, "KA211"), (12, 58, "KA211")),
    ),
    Case(
        "ka211-positional-metrics-tf-keras",
        """
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.layers import Dense

        model = Sequential()
        model.add(Dense(10, input_dim=4, activation="relu"))
        model.add(Dense(1))
        model.compile("adam", "mean_absolute_error", ["accuracy"])
        """,
        ((7, 46, "KA211"),),
    ),
    Case(
        "ka203-tanh-output-binary-crossentropy",
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="tanh")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
        ((4, 37, "KA203"),),
    ),
    Case(
        "ka203-lstm-is-the-output",
        """
        from keras.models import Sequential
        from keras.layers import LSTM, Embedding

        model = Sequential()
        model.add(Embedding(5000, 32))
        model.add(LSTM(1))
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
        ((7, 19, "KA203"),),
    ),
    Case(
        "ka203-bidirectional-gru-output-categorical",
        """
        import tensorflow as tf
        from tensorflow.keras import layers

        inputs = tf.keras.Input(shape=(None, 16))
        outputs = layers.Bidirectional(layers.GRU(5), merge_mode="sum")(inputs)
        model = tf.keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
        ((7, 37, "KA203"),),
    ),
    Case(
        "ka203-simple-rnn-default-tanh-output",
        """
        import keras

        model = keras.Sequential([keras.Input(shape=(10, 3)), keras.layers.SimpleRNN(1)])
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())
        """,
        ((4, 37, "KA203"),),
    ),
    Case(
        "identity-after-linear-output-is-looked-through",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
            layers.Activation("linear", dtype="float32"),
        ])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
        ((9, 37, "KA203"),),
    ),
    Case(
        "sigmoid-regression-to-unit-interval-with-mse",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(3, activation="sigmoid")])
        model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
        """,
        ((4, 63, "KA210"),),
    ),
    Case(
        "lstm-regression-output",
        """
        import keras

        model = keras.Sequential([keras.Input(shape=(30, 4)), keras.layers.LSTM(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        """,
        ((3, 54, "KA210"),),
    ),
    Case(
        "ka202-not-ka207-sigmoid-with-from-logits",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10, activation="sigmoid")])
        model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        ((5, 37, "KA202"),),
    ),
    Case(
        "ka209-sigmoid-then-softmax-call-in-subclass",
        """
        import keras

        class Head(keras.Model):
            def __init__(self):
                super().__init__()
                self.out = keras.layers.Dense(3, activation="sigmoid")

            def call(self, x):
                return keras.activations.softmax(self.out(x))
        """,
        ((9, 15, "KA209"),),
    ),
    Case(
        "ka211-accuracy-object-on-several-linear-units",
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(30)])
        model.compile(optimizer="adam", loss="mse", metrics=[keras.metrics.Accuracy()])
        """,
        ((4, 53, "KA211"),),
    ),
]

VALID = [
    Case(
        "mixed-precision-linear-activation-after-softmax",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
            layers.Activation("linear", dtype="float32"),
        ])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        """,
    ),
    Case(
        "identity-layers-after-sigmoid-output",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(8,))
        x = layers.Dense(1, activation="sigmoid")(layers.Dense(16, activation="relu")(inputs))
        x = layers.Activation(None)(x)
        x = layers.Identity()(x)
        outputs = layers.Lambda(lambda t: t)(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    ),
    Case(
        "multi-label-sigmoid-with-binary-crossentropy",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(20, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
        """,
    ),
    Case(
        "linear-regression-with-mae-metric",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae", keras.metrics.RootMeanSquaredError()])
        """,
    ),
    Case(
        "softmax-over-sequence-axis-feeding-attention",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(50, 64))
        scores = layers.Dense(1, activation="tanh")(inputs)
        weights = layers.Softmax(axis=1)(scores)
        context = layers.Dot(axes=1)([weights, inputs])
        outputs = layers.Dense(5, activation="softmax")(layers.Flatten()(context))
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
    ),
    Case(
        "gan-discriminator-logits",
        """
        import keras
        from keras import layers

        discriminator = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(64, 3, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ])
        discriminator.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """,
    ),
    Case(
        "multi-output-losses-matched-per-output",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16,))
        hidden = layers.Dense(32, activation="relu")(inputs)
        kind = layers.Dense(4, activation="softmax", name="kind")(hidden)
        size = layers.Dense(1, name="size")(hidden)
        tags = layers.Dense(6, activation="sigmoid", name="tags")(hidden)
        model = keras.Model(inputs, [kind, size, tags])
        model.compile(
            optimizer="adam",
            loss={"kind": "categorical_crossentropy", "size": "mse", "tags": "binary_crossentropy"},
            metrics={"kind": ["accuracy"], "size": ["mae"], "tags": ["accuracy"]},
        )
        model.compile(optimizer="adam", loss=["categorical_crossentropy", "mse", "binary_crossentropy"], metrics=["accuracy"])
        """,
    ),
    Case(
        "accuracy-with-a-custom-loss-is-not-judged",
        """
        import keras

        def weighted_mse(y_true, y_pred):
            return keras.ops.mean((y_true - y_pred) ** 2)

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=weighted_mse, metrics=["accuracy"])
        """,
    ),
    Case(
        "lstm-feeding-a-sigmoid-head",
        """
        from keras.models import Sequential
        from keras.layers import LSTM, Dense, Embedding

        model = Sequential([Embedding(5000, 32), LSTM(64), Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
    ),
    Case(
        "softmax-with-from-logits-false-and-sigmoid-binary",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(8,))
        x = layers.Dense(16, activation="relu")(inputs)
        gate = layers.Dense(16, activation="sigmoid")(x)
        mixed = layers.Multiply()([x, gate])
        outputs = layers.Dense(1, activation="sigmoid")(mixed)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=False))
        """,
    ),
    Case(
        "two-activations-of-which-one-is-not-a-probability",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(10, activation="relu"), layers.Activation("softmax")])
        """,
    ),
    Case(
        "sigmoid-gate-then-softmax-elsewhere-is-silent",
        """
        import keras
        from keras import layers

        def block(x):
            gate = layers.Dense(8, activation="sigmoid")(x)
            gated = layers.Multiply()([x, gate])
            return layers.Dense(4, activation="softmax")(gated)
        """,
    ),
]
