"""A layer collapses only when every path out of it reaches an affine layer; layers made in loops, per iteration."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "stem-whose-only-consumer-is-a-linear-shortcut",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(32, 32, 3))
        stem = layers.Conv2D(64, 3, padding="same")(inputs)
        shortcut = layers.Conv2D(128, 1)(stem)
        x = layers.ReLU()(shortcut)
        model = keras.Model(inputs, x)
        """,
        ((5, 7, "KA101"),),
    ),
    Case(
        "last-iteration-decoder-feeds-the-output-layer",
        """
        import keras
        from keras import layers

        def decoder(x):
            for filters in (64, 32):
                x = layers.BatchNormalization()(x)
                x = layers.ReLU()(x)
                x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
            x = layers.UpSampling2D()(x)
            return layers.Conv2DTranspose(3, 3, padding="same", activation="sigmoid")(x)
        """,
        ((8, 12, "KA101"),),
    ),
    Case(
        "last-iteration-decoder-in-a-range-loop",
        """
        import keras
        from keras import layers

        def decoder(x, n):
            for _ in range(n):
                x = layers.BatchNormalization()(x)
                x = layers.ReLU()(x)
                x = layers.Conv2DTranspose(32, 3, padding="same")(x)
            x = layers.UpSampling2D()(x)
            return layers.Conv2DTranspose(3, 3, padding="same", activation="sigmoid")(x)
        """,
        ((8, 12, "KA101"),),
    ),
    Case(
        "linear-model-inside-a-loop",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16,))
        x = inputs
        for _ in range(3):
            x = layers.Dense(32)(x)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
        """,
        ((7, 8, "KA101"), (9, 8, "KA103")),
    ),
    Case(
        "layer-made-outside-the-loop-applied-inside-feeds-itself-and-a-dense",
        """
        import keras
        from keras import layers

        def tower(x):
            shared = layers.Dense(64)
            for _ in range(3):
                x = shared(x)
            return layers.Dense(1, activation="sigmoid")(x)
        """,
        ((5, 13, "KA101"),),
    ),
    Case(
        "continue-takes-the-linear-output-past-the-rest-of-the-body",
        """
        import keras
        from keras import layers

        def net(x, n):
            for i in range(n):
                y = layers.Dense(32)(x)
                if i % 2:
                    x = y
                    continue
                x = layers.ReLU()(x)
            return layers.Dense(1)(x)
        """,
        ((6, 12, "KA101"),),
    ),
    Case(
        "keras-input-bound-to-a-name-carried-through-an-if",
        """
        import keras
        from keras import layers

        def build(flag):
            inputs = keras.Input(shape=(8,))
            x = inputs
            if flag:
                x = layers.Dropout(0.2)(x)
            x = layers.Dense(16)(x)
            outputs = layers.Dense(1)(x)
            return keras.Model(inputs, outputs)
        """,
        ((9, 8, "KA101"), (11, 11, "KA103")),
    ),
    Case(
        "layer-added-on-every-iteration-but-the-last-feeds-the-next-one",
        """
        import keras
        from keras import layers

        def net(x, n):
            for i in range(n):
                x = layers.Dense(32, activation="relu")(x)
                if i < n - 1:
                    x = layers.Dense(64)(x)
            return x
        """,
        ((8, 16, "KA101"),),
    ),
    Case(
        # a return ends its path: the branch that returns and the code after it are two models,
        # and a collapse on either is still found
        "collapses-on-both-sides-of-an-early-return",
        """
        import keras
        from keras import layers

        def build(deep):
            model = keras.Sequential([layers.Dense(8, activation="relu")])
            if deep:
                model.add(layers.Dense(8))
                model.add(layers.Dense(1))
                return model
            model.add(layers.Dense(16))
            model.add(layers.Dense(1))
            return model
        """,
        ((7, 18, "KA101"), (10, 14, "KA101")),
    ),
    Case(
        # a raise inside `with` may be suppressed by its manager: the code after it still runs
        "a-model-built-after-a-raise-a-with-block-may-suppress",
        """
        import contextlib

        import keras
        from keras import layers

        def build():
            with contextlib.suppress(ValueError):
                raise ValueError("ignored")
            return keras.Sequential([layers.Dense(8), layers.Dense(1)])
        """,
        ((9, 11, "KA103"), (9, 29, "KA101")),
    ),
]

VALID = [
    Case(
        "resnet-stem-feeds-batchnorm-relu-and-a-linear-shortcut",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(32, 32, 3))
        stem = layers.Conv2D(64, 3, padding="same")(inputs)
        shortcut = layers.Conv2D(128, 1)(stem)
        x = layers.BatchNormalization()(stem)
        x = layers.ReLU()(x)
        x = layers.Conv2D(128, 3, padding="same")(x)
        x = layers.Add()([x, shortcut])
        outputs = layers.ReLU()(x)
        model = keras.Model(inputs, outputs)
        """,
    ),
    Case(
        "densenet-transition-concatenated-forward-and-normalized",
        """
        import keras
        from keras import layers

        def transition(x):
            x = layers.Conv2D(64, 1)(x)
            x = layers.AveragePooling2D()(x)
            y = layers.BatchNormalization()(x)
            y = layers.ReLU()(y)
            y = layers.Conv2D(32, 3, padding="same")(y)
            return layers.Concatenate()([x, y])
        """,
    ),
    Case(
        "shared-projection-with-a-nonlinear-and-a-linear-auxiliary-head",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(128,))
        projection = layers.Dense(64)(inputs)
        main = layers.Dense(64, activation="relu")(projection)
        main = layers.Dense(10, activation="softmax")(main)
        auxiliary = layers.Dense(10)(projection)
        hidden = layers.LayerNormalization()(projection)
        model = keras.Model(inputs, [main, auxiliary, hidden])
        """,
    ),
    Case(
        "earlier-decoder-iterations-feed-batchnorm-relu-and-the-last-feeds-a-nonlinear-head",
        """
        import keras
        from keras import layers

        def decoder(x):
            for filters in (64, 32):
                x = layers.BatchNormalization()(x)
                x = layers.ReLU()(x)
                x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
            return layers.Conv2DTranspose(3, 3, padding="same", activation="sigmoid")(x)
        """,
    ),
    Case(
        "layer-made-outside-the-loop-applied-inside-and-to-relu",
        """
        import keras
        from keras import layers

        def decoder(x):
            conv = layers.Conv2D(32, 3, padding="same")
            for _ in range(2):
                x = layers.ReLU()(conv(x))
            return layers.Conv2D(3, 3, activation="sigmoid")(conv(x))
        """,
    ),
    Case(
        "densenet-loop-skips-the-transition-on-the-last-block",
        """
        import keras
        from keras import layers

        def densenet(x, blocks):
            for i in range(blocks):
                y = layers.BatchNormalization()(x)
                y = layers.ReLU()(y)
                x = layers.Concatenate()([x, layers.Conv2D(32, 3, padding="same")(y)])
                if i == blocks - 1:
                    continue
                x = layers.Conv2D(64, 1)(x)
                x = layers.AveragePooling2D()(x)
            x = layers.GlobalAveragePooling2D()(x)
            return layers.Dense(10, activation="softmax")(x)
        """,
    ),
    Case(
        "densenet-enumerate-loop-skips-the-transition-on-the-last-block",
        """
        import keras
        from keras import layers

        def densenet(x, sizes):
            for i, size in enumerate(sizes):
                y = layers.ReLU()(layers.BatchNormalization()(x))
                x = layers.Concatenate()([x, layers.Conv2D(size, 3, padding="same")(y)])
                if i != len(sizes) - 1:
                    x = layers.Conv2D(64, 1)(x)
                    x = layers.AveragePooling2D()(x)
            return layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(x))
        """,
    ),
    Case(
        "break-takes-the-linear-output-out-of-the-loop-to-a-nonlinear-step",
        """
        import keras
        from keras import layers

        def net(x, limit):
            for i in range(4):
                x = layers.Dense(32)(x)
                if i >= limit:
                    break
                x = layers.Dense(32, activation="relu")(x)
            return layers.LayerNormalization()(x)
        """,
    ),
    Case(
        "layer-made-outside-the-loop-is-one-layer-and-its-last-application-feeds-relu",
        """
        import keras
        from keras import layers

        def tower(x):
            shared = layers.Dense(64)
            for _ in range(3):
                x = shared(x)
            return layers.ReLU()(x)
        """,
    ),
    Case(
        "layer-added-on-the-last-iteration-only-feeds-no-next-iteration",
        """
        import keras
        from keras import layers

        def net(x, n):
            for i in range(n):
                x = layers.Dense(32, activation="relu")(x)
                if i == n - 1:
                    x = layers.Dense(64)(x)
            return x
        """,
    ),
    Case(
        # the returned branch's last layer is its output: nothing after the return follows it
        "an-early-return-with-its-own-output-layer",
        """
        import keras
        from keras import layers

        def build(deep):
            model = keras.Sequential()
            model.add(layers.Dense(8, activation="relu"))
            if deep:
                model.add(layers.Dense(8, activation="relu"))
                model.add(layers.Dense(1))
                return model
            model.add(layers.Dense(1))
            return model
        """,
    ),
    Case(
        # a path that raises builds no model
        "a-layer-added-on-a-path-that-raises",
        """
        import keras
        from keras import layers

        def build(kind):
            model = keras.Sequential([layers.Dense(8, activation="relu")])
            if kind not in ("regression", "ranking"):
                model.add(layers.Dense(4))
                raise ValueError(f"unknown kind {kind!r}")
            model.add(layers.Dense(1))
            return model
        """,
    ),
    Case(
        # in call(), a return in one branch: the output layer is reached once on each path
        "subclassed-call-returning-early-in-training",
        """
        import keras
        from keras import layers

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(8, activation="relu")
                self.out = layers.Dense(1)

            def call(self, x, training=False):
                x = self.hidden(x)
                if training:
                    return self.out(layers.Dropout(0.1)(x))
                return self.out(x)
        """,
    ),
]
