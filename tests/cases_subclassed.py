"""Subclassed models and layers: layers made in __init__/build, data flow through call()."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "model-whose-call-chains-linear-layers",
        """
        import keras
        from keras import layers

        class Regressor(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(64)
                self.dropout = layers.Dropout(0.2)
                self.out = layers.Dense(1)

            def call(self, inputs, training=False):
                x = self.hidden(inputs)
                x = self.dropout(x, training=training)
                return self.out(x)
        """,
        ((4, 0, "KA103"), (7, 22, "KA101")),
    ),
    Case(
        "layers-made-in-build",
        """
        import tensorflow as tf

        class Projection(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.a = tf.keras.layers.Dense(32)
                self.b = tf.keras.layers.Dense(8, activation="tanh")

            def call(self, x):
                return self.b(self.a(x))
        """,
        ((5, 17, "KA101"),),
    ),
    Case(
        "list-comprehension-of-layers-applied-in-a-loop",
        """
        import keras

        class DeepLinear(keras.Model):
            def __init__(self, sizes):
                super().__init__()
                self.blocks = [keras.layers.Dense(size) for size in sizes]

            def call(self, x):
                for block in self.blocks:
                    x = block(x)
                return x
        """,
        ((3, 0, "KA103"), (6, 23, "KA101")),
    ),
    Case(
        "list-built-with-append-in-init",
        """
        import keras

        class Tower(keras.layers.Layer):
            def __init__(self, depth):
                super().__init__()
                self.stack = []
                for _ in range(depth):
                    self.stack.append(keras.layers.Dense(16))
                self.head = keras.layers.Dense(1, activation="sigmoid")

            def call(self, x):
                for layer in self.stack:
                    x = layer(x)
                return self.head(x)
        """,
        ((8, 30, "KA101"),),
    ),
    Case(
        "inherited-layers-and-call",
        """
        from keras import Model
        from keras.layers import Dense

        class Base(Model):
            def __init__(self):
                super().__init__()
                self.first = Dense(16)
                self.second = Dense(4)

        class Child(Base):
            def call(self, x):
                return self.second(self.first(x))
        """,
        ((7, 21, "KA101"), (10, 0, "KA103")),
    ),
    Case(
        "custom-layer-affine-end-to-end",
        """
        from tensorflow.keras.layers import Dense, Layer

        class TwoProjections(Layer):
            def __init__(self, units):
                super().__init__()
                self.dense_1 = Dense(units)
                self.dense_2 = Dense(units)

            def call(self, inputs):
                return self.dense_2(self.dense_1(inputs))
        """,
        ((3, 0, "KA103"), (6, 23, "KA101")),
    ),
    Case(
        "sequential-attribute-used-in-call",
        """
        import keras
        from keras import layers

        class Wrapper(keras.Model):
            def __init__(self):
                super().__init__()
                self.body = keras.Sequential([layers.Dense(32), layers.Dense(32, activation="relu")])
                self.head = layers.Dense(1)

            def call(self, x):
                return self.head(self.body(x))
        """,
        ((7, 38, "KA101"),),
    ),
]

VALID = [
    Case(
        "activation-applied-in-call",
        """
        import keras
        import tensorflow as tf
        from keras import layers

        class Mlp(keras.Model):
            def __init__(self):
                super().__init__()
                self.d1 = layers.Dense(64)
                self.d2 = layers.Dense(64)
                self.d3 = layers.Dense(1)

            def call(self, x):
                x = tf.nn.relu(self.d1(x))
                x = self.d2(x)
                x = keras.ops.gelu(x)
                return self.d3(x)
        """,
    ),
    Case(
        "attention-layer-subclass",
        """
        import keras
        from keras import layers, ops

        class SelfAttention(layers.Layer):
            def __init__(self, dim):
                super().__init__()
                self.query = layers.Dense(dim)
                self.key = layers.Dense(dim)
                self.value = layers.Dense(dim)
                self.out = layers.Dense(dim)

            def call(self, x):
                q, k, v = self.query(x), self.key(x), self.value(x)
                weights = ops.softmax(ops.matmul(q, ops.transpose(k, (0, 2, 1))))
                return self.out(ops.matmul(weights, v))
        """,
    ),
    Case(
        "blocks-each-followed-by-an-activation",
        """
        import keras

        class ResidualMlp(keras.Model):
            def __init__(self):
                super().__init__()
                self.blocks = [keras.layers.Dense(64) for _ in range(4)]
                self.norm = keras.layers.LayerNormalization()
                self.head = keras.layers.Dense(1)

            def call(self, x):
                for block in self.blocks:
                    x = self.norm(x + keras.activations.relu(block(x)))
                return self.head(x)
        """,
    ),
    Case(
        "not-a-keras-class",
        """
        from keras import layers

        class Helper:
            def __init__(self):
                self.a = layers.Dense(8)
                self.b = layers.Dense(8)

            def call(self, x):
                return self.b(self.a(x))
        """,
    ),
    Case(
        "call-through-an-unknown-method",
        """
        import keras

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.a = keras.layers.Dense(8)
                self.b = keras.layers.Dense(1)

            def call(self, x):
                return self.b(self.mix(self.a(x)))

            def mix(self, x):
                return x * x
        """,
    ),
]
