"""Functional API: the collapse analysis follows tensors from layer to layer."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "feature-extraction-head",
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        def build_head(conv_base):
            inputs = keras.Input(shape=(5, 5, 512))
            x = layers.Flatten()(inputs)
            x = layers.Dense(256)(x)
            x = layers.Dropout(0.5)(x)
            outputs = layers.Dense(1, activation="sigmoid")(x)
            return keras.Model(inputs, outputs)
        """,
        ((7, 8, "KA101"),),
    ),
    Case(
        "linear-model-end-to-end",
        """
        import keras
        from keras.models import Model
        from keras.layers import BatchNormalization, Dense, Input

        inp = Input(shape=(2,))
        h = Dense(20)(inp)
        h = BatchNormalization()(h)
        h = Dense(100)(h)
        out = Dense(1)(h)
        model = Model(inputs=inp, outputs=out)
        """,
        ((6, 4, "KA101"), (8, 4, "KA101"), (10, 8, "KA103")),
    ),
    Case(
        "nested-calls",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(8,))
        outputs = layers.Dense(1)(layers.Dense(16)(inputs))
        model = keras.Model(inputs, outputs)
        """,
        ((5, 26, "KA101"), (6, 8, "KA103")),
    ),
    Case(
        "layer-object-bound-then-called",
        """
        import tensorflow as tf

        hidden = tf.keras.layers.Dense(32)
        head = tf.keras.layers.Dense(10, activation="softmax")

        def forward(x):
            return head(hidden(x))
        """,
        ((3, 9, "KA101"),),
    ),
    Case(
        "shared-layer-applied-twice-in-a-chain",
        """
        import keras
        from keras import layers

        def tower(x):
            shared = layers.Dense(64)
            return layers.Dense(1, activation="sigmoid")(shared(shared(x)))
        """,
        ((5, 13, "KA101"),),
    ),
    Case(
        "layer-object-applied-twice-in-a-row-as-the-output",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(8,))
        d = layers.Dense(8)
        x = layers.Dense(8, activation="relu")(inputs)
        x = d(x)
        outputs = d(x)
        model = keras.Model(inputs, outputs)
        """,
        ((5, 4, "KA101"),),
    ),
    Case(
        "layer-object-applied-twice-in-a-row-whole-model-affine",
        """
        from tensorflow import keras

        def build():
            inputs = keras.Input(shape=(4,))
            block = keras.layers.Dense(4)
            hidden = block(inputs)
            return keras.Model(inputs, block(hidden))
        """,
        ((5, 12, "KA101"), (7, 11, "KA103")),
    ),
    Case(
        "merge-of-affine-inputs",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16,))
        a = layers.Dense(8)(inputs)
        b = layers.Dense(8)(inputs)
        merged = layers.add([a, b])
        summed = a + b
        outputs = layers.Dense(1, activation="sigmoid")(layers.Concatenate()([merged, summed]))
        """,
        ((5, 4, "KA101"), (6, 4, "KA101")),
    ),
    Case(
        "layers-applied-in-a-loop",
        """
        import keras
        from keras import layers

        def mlp(x, depth):
            for _ in range(depth):
                x = layers.Dense(64)(x)
                x = layers.Dropout(0.1)(x)
            return layers.Dense(1)(x)
        """,
        ((6, 12, "KA101"),),
    ),
    Case(
        "loop-over-a-list-of-layers",
        """
        import keras
        from keras import layers

        stack = [layers.Dense(64), layers.Dense(32), layers.Dense(1, activation="sigmoid")]

        def apply(x):
            for layer in stack:
                x = layer(x)
            return x
        """,
        ((4, 9, "KA101"), (4, 27, "KA101")),
    ),
    Case(
        "conv-chain-through-pooling",
        """
        from tensorflow.keras import Input, Model, layers

        inputs = Input(shape=(32, 32, 3))
        x = layers.Conv2D(32, 3, padding="same")(inputs)
        x = layers.AveragePooling2D()(x)
        x = layers.Conv2D(64, 3, activation="relu")(x)
        x = layers.GlobalMaxPooling2D()(x)
        model = Model(inputs, layers.Dense(10)(x))
        """,
        ((4, 4, "KA101"),),
    ),
    Case(
        "linear-then-scaled-then-dense",
        """
        import keras
        from keras import layers

        x = keras.Input(shape=(4,))
        y = layers.Dense(8)(x) * 0.5 - 1.0
        z = layers.Dense(1)(-y)
        """,
        ((5, 4, "KA101"),),
    ),
    Case(
        # the alias holds "Conv" but not a layer's name: the function is read through the alias
        "layers-called-by-an-alias-that-only-starts-like-a-conv-layer",
        """
        import keras
        from keras.layers import Conv2D as ConvLayer

        def build():
            inputs = keras.Input((32, 32, 3))
            x = ConvLayer(8, 3)(inputs)
            outputs = ConvLayer(1, 3)(x)
            return keras.Model(inputs, outputs)
        """,
        ((6, 8, "KA101"), (8, 11, "KA103")),
    ),
]

VALID = [
    Case(
        "side-by-side-single-dense-heads-are-a-linear-model",
        """
        import keras
        from keras import layers

        first = keras.Input(shape=(10,))
        second = keras.Input(shape=(10,))
        model = keras.Model([first, second], [layers.Dense(5)(first), layers.Dense(3)(second)])
        """,
    ),
    Case(
        # `input_shape` parameters and `convert_...` calls are not model definitions
        "a-custom-layer-with-input-shape-parameters-between-dense-layers",
        """
        import keras
        from keras import layers, ops

        class Scale(layers.Layer):
            def build(self, input_shape):
                self.gamma = self.add_weight(shape=(input_shape[-1],))

            def call(self, x):
                return ops.convert_to_tensor(x) * self.gamma

            def compute_output_shape(self, input_shape):
                return input_shape

        model = keras.Sequential([layers.Dense(64, activation="relu"), Scale(), layers.Dense(1)])
        """,
    ),
    Case(
        "attention-projections",
        """
        import tensorflow as tf
        from tensorflow.keras import layers
        from keras import ops

        def attention(x, d):
            q = layers.Dense(d)(x)
            k = layers.Dense(d)(x)
            v = layers.Dense(d)(x)
            scores = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) / d ** 0.5)
            context = ops.einsum("bij,bjd->bid", scores, v)
            return layers.Dense(d)(context)

        def mha(x):
            q = layers.Dense(64)(x)
            v = layers.Dense(64)(x)
            return layers.MultiHeadAttention(num_heads=4, key_dim=16)(q, v)
        """,
    ),
    Case(
        "residual-projection-then-activation",
        """
        from keras import layers

        def block(x, shortcut):
            y = layers.Conv2D(64, 3, padding="same")(x)
            y = layers.BatchNormalization()(y)
            shortcut = layers.Conv2D(64, 1)(shortcut)
            y = layers.add([y, shortcut])
            y = layers.Activation("relu")(y)
            return layers.Conv2D(64, 3, activation="relu")(y)
        """,
    ),
    Case(
        "glu-gating",
        """
        from keras import layers

        def glu(x):
            linear = layers.Dense(128)(x)
            gate = layers.Dense(128, activation="sigmoid")(x)
            y = layers.multiply([linear, gate])
            return layers.Dense(64)(y)

        def swiglu(x):
            a = layers.Dense(128)(x)
            b = layers.Dense(128, activation="swish")(x)
            return layers.Dense(64)(a * b)
        """,
    ),
    Case(
        "vae-heads-into-sampling",
        """
        import keras
        from keras import layers

        class Sampling(layers.Layer):
            def call(self, inputs):
                z_mean, z_log_var = inputs
                return z_mean + keras.ops.exp(0.5 * z_log_var)

        encoder_inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Flatten()(encoder_inputs)
        x = layers.Dense(16, activation="relu")(x)
        z_mean = layers.Dense(2, name="z_mean")(x)
        z_log_var = layers.Dense(2, name="z_log_var")(x)
        z = Sampling()([z_mean, z_log_var])
        decoded = layers.Dense(784, activation="sigmoid")(z)
        """,
    ),
    Case(
        "logits-normalized-or-fed-to-a-loss",
        """
        import tensorflow as tf
        from tensorflow.keras import layers

        def embed(x):
            e = layers.Dense(128)(x)
            return tf.nn.l2_normalize(e, axis=-1)

        def logits(x, labels):
            z = layers.Dense(10)(x)
            return tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z)
        """,
    ),
    Case(
        "activation-applied-later-as-a-call",
        """
        import keras
        import tensorflow as tf
        from keras import layers

        def f(x):
            x = layers.Dense(64)(x)
            x = tf.nn.relu(x)
            x = layers.Dense(64)(x)
            x = keras.ops.gelu(x)
            x = layers.Dense(64)(x)
            x = keras.activations.swish(x)
            x = layers.Dense(64)(x)
            x = tf.math.sigmoid(x)
            x = layers.Dense(64)(x)
            x = layers.ReLU()(x)
            return layers.Dense(1)(x)
        """,
    ),
    Case(
        "dense-output-split-into-two-heads",
        """
        import tensorflow as tf
        from keras import layers, ops

        def heads(x):
            both = layers.Dense(4)(x)
            mean, log_var = tf.split(both, 2, axis=-1)
            a, b = ops.split(layers.Dense(4)(x), 2, axis=-1)
            first = layers.Dense(4)(x)[..., :2]
            return layers.Dense(1)(mean), layers.Dense(1)(a), layers.Dense(1)(first)
        """,
    ),
    Case(
        "dense-batchnorm-relu-functional",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(20,))
        x = layers.Dense(64, use_bias=False)(inputs)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        model = keras.Model(inputs, layers.Dense(1)(x))
        """,
    ),
    Case(
        "merge-with-a-nonlinear-branch",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16,))
        linear = layers.Dense(8)(inputs)
        nonlinear = layers.Dense(8, activation="relu")(inputs)
        merged = layers.Concatenate()([linear, nonlinear])
        outputs = layers.Dense(1)(merged)
        """,
    ),
    Case(
        "user-function-between-layers",
        """
        from keras import layers
        from mylib import my_block

        def f(x):
            x = layers.Dense(64)(x)
            x = my_block(x)
            return layers.Dense(1)(x)
        """,
    ),
    Case(
        "activation-from-a-parameter-in-functional-code",
        """
        from keras import layers

        def f(x, activation=None, **kwargs):
            x = layers.Dense(64, activation=activation)(x)
            x = layers.Dense(64, **kwargs)(x)
            return layers.Dense(1)(x)
        """,
    ),
    Case(
        "shared-layer-one-application-feeds-a-nonlinearity",
        """
        import keras
        from keras import layers

        def siamese(left, right):
            shared = layers.Dense(64)
            a = layers.ReLU()(shared(left))
            b = layers.Dense(1)(shared(right))
            return a, b
        """,
    ),
    Case(
        "shared-dropout-does-not-join-two-chains",
        """
        import keras
        from keras import layers

        class Mlp(layers.Layer):
            def __init__(self, dim):
                super().__init__()
                self.dense_1 = layers.Dense(dim * 4, activation="gelu")
                self.dense_2 = layers.Dense(dim)
                self.dropout = layers.Dropout(0.1)

            def call(self, x):
                x = self.dense_1(x)
                x = self.dropout(x)
                x = self.dense_2(x)
                return self.dropout(x)
        """,
    ),
    Case(
        "only-one-linear-output-layer",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(3,))
        model = keras.Model(inputs, layers.Dense(1)(inputs))
        """,
    ),
]
