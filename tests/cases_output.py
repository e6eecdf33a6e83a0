"""The output rules (KA201-KA206): the output layer against its loss, in every way a model is written."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    # ---- KA201: softmax over one unit
    Case(
        "softmax-on-one-unit-sequential",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            layers.Dense(16, activation="relu"),
            layers.Dense(1, activation="softmax"),
        ])
        """,
        ((6, 4, "KA201"),),
    ),
    Case(
        "softmax-positional-activation-add-chain",
        """
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.layers import Dense

        model = Sequential()
        model.add(Dense(32, activation="relu", input_dim=8))
        model.add(Dense(1, "softmax"))
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
        ((6, 10, "KA201"),),
    ),
    Case(
        "softmax-layer-after-one-unit",
        """
        import tensorflow as tf

        inputs = tf.keras.Input(shape=(4,))
        x = tf.keras.layers.Dense(8, activation="tanh")(inputs)
        x = tf.keras.layers.Dense(1)(x)
        outputs = tf.keras.layers.Softmax()(x)
        model = tf.keras.Model(inputs, outputs)
        """,
        ((6, 10, "KA201"),),
    ),
    Case(
        "activation-softmax-after-dropout",
        """
        from keras.models import Sequential
        from keras.layers import Activation, Dense, Dropout

        model = Sequential([Dense(64, activation="relu"), Dense(1), Dropout(0.2), Activation("softmax")])
        """,
        ((4, 74, "KA201"),),
    ),
    Case(
        "softmax-call-on-one-unit",
        """
        import keras
        import tensorflow as tf

        def head(x):
            score = keras.layers.Dense(1)(x)
            return tf.nn.softmax(score)
        """,
        ((6, 11, "KA201"),),
    ),
    Case(
        "softmax-ops-call-axis-minus-one",
        """
        import keras
        from keras import ops

        def head(x):
            return ops.softmax(keras.layers.Dense(1)(x), axis=-1)
        """,
        ((5, 11, "KA201"),),
    ),
    Case(
        "one-filter-conv-with-softmax",
        """
        from keras import layers

        def segment(x):
            return layers.Conv2D(1, 1, activation="softmax")(x)
        """,
        ((4, 11, "KA201"),),
    ),
    Case(
        "one-filter-conv1d-with-softmax",
        """
        from keras import layers

        def tag(x):
            return layers.Conv1D(filters=1, kernel_size=3, activation="softmax")(x)
        """,
        ((4, 11, "KA201"),),
    ),
    Case(
        "softmax-activation-function-object",
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1, activation=keras.activations.softmax)])
        """,
        ((3, 68, "KA201"),),
    ),
    Case(
        "subclassed-softmax-on-one-unit",
        """
        import keras

        class Scorer(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = keras.layers.Dense(32, activation="relu")
                self.out = keras.layers.Dense(1, activation="softmax")

            def call(self, x):
                return self.out(self.hidden(x))
        """,
        ((7, 19, "KA201"),),
    ),
    # ---- KA202: from_logits=True on probabilities
    Case(
        "from-logits-on-softmax-functional",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(20,))
        x = layers.Dense(64, activation="relu")(inputs)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """,
        ((8, 37, "KA202"),),
    ),
    Case(
        "from-logits-on-sigmoid-loss-bound-to-name",
        """
        import tensorflow as tf
        from tensorflow import keras

        loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
        """,
        ((6, 37, "KA202"),),
    ),
    Case(
        "from-logits-on-activation-layer-positional-compile",
        """
        from keras.models import Sequential
        from keras.layers import Activation, Dense
        from keras.losses import CategoricalCrossentropy

        model = Sequential()
        model.add(Dense(64, activation="relu"))
        model.add(Dense(10))
        model.add(Activation("softmax"))
        model.compile("adam", CategoricalCrossentropy(True))
        """,
        ((9, 22, "KA202"),),
    ),
    Case(
        "from-logits-subclassed-compiled-where-made",
        """
        import keras

        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.body = keras.layers.Dense(64, activation="relu")
                self.head = keras.layers.Dense(3, activation="softmax")

            def call(self, x):
                return self.head(self.body(x))

        model = Classifier()
        model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        ((13, 37, "KA202"),),
    ),
    Case(
        "from-logits-softmax-call-in-subclassed-call",
        """
        import keras
        import tensorflow as tf

        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.body = keras.layers.Dense(64, activation="relu")
                self.head = keras.layers.Dense(3)

            def call(self, x):
                return tf.nn.softmax(self.head(self.body(x)))

        model = Classifier()
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """,
        ((14, 37, "KA202"),),
    ),
    Case(
        "model-passed-to-a-training-function-of-the-file",
        """
        import keras
        from keras import layers

        def run_experiment(model):
            model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
            return model.fit(x_train, y_train)

        def create_model():
            inputs = keras.Input(shape=(4,))
            x = layers.Dense(8, activation="relu")(inputs)
            outputs = layers.Dense(3, activation="softmax")(x)
            return keras.Model(inputs, outputs)

        run_experiment(create_model())
        """,
        ((5, 41, "KA202"),),
    ),
    # ---- KA203: probabilities expected, none given
    Case(
        "bce-string-on-linear-output",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """,
        ((5, 37, "KA203"),),
    ),
    Case(
        "cce-object-on-relu-output",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(10,))
        outputs = layers.Dense(5, activation="relu")(layers.Dense(32, activation="relu")(inputs))
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy())
        """,
        ((7, 36, "KA203"),),
    ),
    Case(
        "loss-function-object-on-tanh-output",
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1, activation="tanh")])
        model.compile(optimizer="adam", loss=keras.losses.binary_crossentropy)
        """,
        ((5, 37, "KA203"),),
    ),
    Case(
        "bce-explicit-from-logits-false-on-linear",
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=False), optimizer="adam")
        """,
        ((4, 19, "KA203"),),
    ),
    Case(
        "model-built-in-a-function-compiled-by-its-caller",
        """
        import keras
        from keras import layers

        def build_model():
            inputs = keras.Input(shape=(28, 28, 1))
            x = layers.Conv2D(32, 3, activation="relu")(inputs)
            x = layers.GlobalAveragePooling2D()(x)
            outputs = layers.Dense(10)(x)
            return keras.Model(inputs, outputs)

        model = build_model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """,
        ((12, 37, "KA203"),),
    ),
    Case(
        "list-of-losses-by-output-order",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16,))
        h = layers.Dense(32, activation="relu")(inputs)
        age = layers.Dense(1)(h)
        gender = layers.Dense(1)(h)
        model = keras.Model(inputs, [age, gender])
        model.compile(optimizer="adam", loss=["mse", "binary_crossentropy"])
        """,
        ((9, 45, "KA203"),),
    ),
    Case(
        "dict-of-losses-by-layer-name",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16,))
        h = layers.Dense(32, activation="relu")(inputs)
        price = layers.Dense(1, name="price")(h)
        label = layers.Dense(4, name="label")(h)
        model = keras.Model(inputs, [price, label])
        model.compile(
            optimizer="adam",
            loss={"price": "mse", "label": "categorical_crossentropy"},
        )
        """,
        ((11, 35, "KA203"),),
    ),
    Case(
        "wrapper-model-compiled-with-its-own-loss",
        """
        import keras
        from keras import layers

        base_inputs = keras.Input(shape=(8,))
        base_outputs = layers.Dense(1)(layers.Dense(16, activation="relu")(base_inputs))
        base = keras.Model(base_inputs, base_outputs)

        inputs = keras.Input(shape=(8,))
        model = keras.Model(inputs, base(inputs))
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
        ((10, 37, "KA203"),),
    ),
    Case(
        "generic-crossentropy-string-on-linear",
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
        model.compile(optimizer="adam", loss="crossentropy")
        """,
        ((4, 37, "KA203"),),
    ),
    # ---- KA204: categorical loss on one unit
    Case(
        "sparse-categorical-on-one-sigmoid-unit",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        """,
        ((5, 37, "KA204"),),
    ),
    Case(
        "categorical-on-one-softmax-unit",
        """
        from keras.models import Sequential
        from keras.layers import Dense

        model = Sequential()
        model.add(Dense(8, input_dim=4, activation="relu"))
        model.add(Dense(1, activation="softmax"))
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
        ((6, 10, "KA201"), (7, 19, "KA204")),
    ),
    # ---- KA205: binary loss on a multi-class softmax
    Case(
        "bce-on-ten-way-softmax",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(784,))
        x = layers.Dense(128, activation="relu")(inputs)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        """,
        ((8, 40, "KA205"),),
    ),
    Case(
        "bce-object-on-softmax-layer-tf-keras",
        """
        import tf_keras

        model = tf_keras.Sequential([tf_keras.layers.Dense(5, activation="relu"), tf_keras.layers.Dense(3), tf_keras.layers.Softmax()])
        model.compile(optimizer="adam", loss=tf_keras.losses.BinaryCrossentropy())
        """,
        ((4, 37, "KA205"),),
    ),
    # ---- KA206: Dense head on an unflattened feature map
    Case(
        "dense-head-after-pooling-sequential",
        """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Dense(10, activation="softmax"),
        ])
        """,
        ((8, 4, "KA206"),),
    ),
    Case(
        "dense-head-after-conv-functional",
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        inputs = keras.Input(shape=(32, 32, 3))
        x = layers.Conv2D(64, 3, activation="relu")(inputs)
        x = layers.BatchNormalization()(x)
        x = layers.Dense(64, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        """,
        ((9, 10, "KA206"),),
    ),
]

VALID = [
    Case(
        "sigmoid-with-binary-crossentropy",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """,
    ),
    Case(
        "multi-label-sigmoid-with-binary-crossentropy",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(100,))
        x = layers.Dense(64, activation="relu")(inputs)
        outputs = layers.Dense(20, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())
        """,
    ),
    Case(
        "logits-with-from-logits-true",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10)])
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        gan_head = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
        gan_head.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """,
    ),
    Case(
        "softmax-with-categorical-crossentropy",
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
    ),
    Case(
        "custom-loss-function",
        """
        import keras
        import tensorflow as tf

        def my_loss(y_true, y_pred):
            return tf.reduce_mean(tf.square(y_true - y_pred))

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=my_loss)
        """,
    ),
    Case(
        "unknown-activation-from-hyperparameter",
        """
        import keras

        def build(hp):
            model = keras.Sequential()
            model.add(keras.layers.Dense(32, activation="relu"))
            model.add(keras.layers.Dense(1, activation=hp.Choice("act", ["sigmoid", "linear"])))
            model.compile(optimizer="adam", loss="binary_crossentropy")
            return model
        """,
    ),
    Case(
        "from-logits-from-a-parameter",
        """
        import keras

        def build(logits):
            model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=logits))
            return model
        """,
    ),
    Case(
        "regression-head-with-mse",
        """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        mae_head = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
        mae_head.compile(optimizer="adam", loss=keras.losses.MeanAbsoluteError())
        """,
    ),
    Case(
        "attention-pooling-softmax-over-positions",
        """
        import keras
        import tensorflow as tf
        from keras import layers

        def attention_pool(sequence):
            scores = layers.Dense(1)(sequence)
            weights = tf.nn.softmax(scores, axis=1)
            other = layers.Softmax(axis=1)(layers.Dense(1)(sequence))
            return tf.reduce_sum(weights * sequence, axis=1), other
        """,
    ),
    Case(
        "two-unit-softmax-with-binary-crossentropy",
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    ),
    Case(
        "dense-before-global-pooling",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(32, 32, 3))
        x = layers.Conv2D(32, 3, activation="relu")(inputs)
        x = layers.Dense(16, activation="relu")(x)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
    ),
    Case(
        "per-position-head-is-a-pointwise-conv",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(128, 128, 3))
        x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
        outputs = layers.Conv2D(4, 1, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """,
    ),
    Case(
        "custom-train-step-decides-the-loss",
        """
        import keras

        class GAN(keras.Model):
            def __init__(self):
                super().__init__()
                self.critic = keras.layers.Dense(64, activation="relu")
                self.score = keras.layers.Dense(1)

            def call(self, x):
                return self.score(self.critic(x))

            def train_step(self, data):
                return {}

        gan = GAN()
        gan.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    ),
    Case(
        "loss-for-another-output-of-a-list",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16,))
        h = layers.Dense(32, activation="relu")(inputs)
        value = layers.Dense(1)(h)
        policy = layers.Dense(4, activation="softmax")(h)
        model = keras.Model(inputs, [value, policy])
        model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
        model.compile(optimizer="adam", loss={"value": "mse"})
        """,
    ),
    Case(
        "sequential-passed-to-a-function-before-compile",
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(8, activation="relu")])
        add_head(model)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    ),
    Case(
        "not-keras-losses",
        """
        import keras
        import mylib

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=mylib.losses.BinaryCrossentropy())
        """,
    ),
    Case(
        "channels-first-conv-softmax",
        """
        from keras import layers

        def head(x):
            return layers.Conv2D(1, 1, data_format="channels_first", activation="softmax")(x)
        """,
    ),
    Case(
        "dense-head-on-a-sequence-is-a-tagger",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(1000, 64)(inputs)
        x = layers.LSTM(64, return_sequences=True)(x)
        outputs = layers.Dense(9, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """,
    ),
    Case(
        "dense-head-on-a-conv1d-sequence-predicts-per-step",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(None, 8))
        x = layers.Conv1D(32, 5, padding="causal", activation="relu")(inputs)
        outputs = layers.Dense(1)(x)
        forecaster = keras.Model(inputs, outputs)
        forecaster.compile(optimizer="adam", loss="mse")
        """,
    ),
    Case(
        "flatten-after-conv-before-head",
        """
        import keras

        model = keras.Sequential()
        model.add(keras.layers.Conv2D(16, 3, activation="relu", input_shape=(28, 28, 1)))
        model.add(keras.layers.Flatten())
        model.add(keras.layers.Dense(1, activation="sigmoid"))
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    ),
    Case(
        # each branch compiles its own head and returns it: neither loss meets the other's head
        "two-heads-compiled-on-their-own-paths-of-an-early-return",
        """
        import keras
        from keras import layers

        def build(binary):
            model = keras.Sequential([keras.Input((20,)), layers.Dense(8, activation="relu")])
            if binary:
                model.add(layers.Dense(1, activation="sigmoid"))
                model.compile(optimizer="adam", loss="binary_crossentropy")
                return model
            model.add(layers.Dense(10, activation="softmax"))
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            return model
        """,
    ),
]
