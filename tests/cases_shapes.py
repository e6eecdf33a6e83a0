"""Shapes and labels (KA301-KA305, and KA206 on a raw input): each rule in the ways models are
written, and the legitimate designs that must stay silent."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    Case(
        "ka301-input-shape-is-the-whole-array",
        """
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense

        x = np.loadtxt("features.csv", delimiter=",")
        y = np.loadtxt("targets.csv", delimiter=",")
        model = Sequential()
        model.add(Dense(32, activation="relu", input_shape=x.shape))
        model.add(Dense(1))
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=10)
        """,
        ((8, 39, "KA301"),),
    ),
    Case(
        "ka301-input-shape-tuple-with-the-batch-axis",
        """
        import pandas as pd
        from tensorflow import keras

        data = pd.read_csv("train.csv")
        X_train = data.drop(columns=["label"]).values
        y_train = data["label"].values
        model = keras.Sequential([
            keras.layers.Dense(16, activation="relu", input_shape=(X_train.shape[0], X_train.shape[1])),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(X_train, y_train)
        """,
        ((8, 46, "KA301"),),
    ),
    Case(
        "ka301-functional-input-after-scaling",
        """
        import numpy as np
        import keras
        from keras import layers

        features = np.load("features.npy")
        features = features.astype("float32") / 255.0
        labels = np.load("labels.npy")
        inputs = keras.Input(shape=features.shape)
        hidden = layers.Dense(8, activation="relu")(inputs)
        model = keras.Model(inputs, layers.Dense(1)(hidden))
        model.compile(optimizer="adam", loss="mse")
        model.fit(x=features[:1000], y=labels[:1000])
        """,
        ((8, 21, "KA301"),),
    ),
    Case(
        "ka302-stacked-lstm-without-return-sequences",
        """
        from keras.models import Sequential
        from keras.layers import LSTM, Dense, Dropout

        model = Sequential()
        model.add(LSTM(128, input_shape=(60, 1)))
        model.add(Dropout(0.2))
        model.add(LSTM(64))
        model.add(Dense(1))
        """,
        ((7, 10, "KA302"),),
    ),
    Case(
        "ka302-lstm-first-with-a-flat-input-shape",
        """
        from tensorflow.keras import Sequential
        from tensorflow.keras.layers import LSTM, Dense

        model = Sequential([LSTM(32, input_shape=(20,)), Dense(1)])
        """,
        ((4, 20, "KA302"),),
    ),
    Case(
        "ka302-conv2d-on-mnist-without-a-channel-axis",
        """
        from keras import layers, models
        from keras.datasets import mnist

        (x_train, y_train), (x_test, y_test) = mnist.load_data()
        x_train = x_train / 255.0
        model = models.Sequential()
        model.add(layers.Conv2D(32, (3, 3), activation="relu"))
        model.add(layers.Flatten())
        model.add(layers.Dense(10, activation="softmax"))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=5)
        """,
        ((7, 10, "KA302"),),
    ),
    Case(
        "ka302-gru-after-dense-functional",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(12,))
        x = layers.Dense(32, activation="relu")(inputs)
        x = layers.GRU(16)(x)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
        """,
        ((6, 4, "KA302"),),
    ),
    Case(
        "ka302-bidirectional-lstm-stack",
        """
        from keras.models import Sequential
        from keras.layers import Bidirectional, Dense, Embedding, LSTM

        model = Sequential([
            Embedding(10000, 64, input_length=100),
            Bidirectional(LSTM(64)),
            Bidirectional(LSTM(32)),
            Dense(1, activation="sigmoid"),
        ])
        """,
        ((7, 4, "KA302"),),
    ),
    Case(
        "ka303-kernel-larger-than-the-pooled-map",
        """
        from keras import Input, Sequential
        from keras.layers import Conv2D, Dense, Flatten, MaxPooling2D

        model = Sequential([
            Input(shape=(28, 28, 1)),
            Conv2D(32, 3, activation="relu"),
            MaxPooling2D(),
            Conv2D(64, 3, activation="relu"),
            MaxPooling2D(),
            Conv2D(64, 3, activation="relu"),
            MaxPooling2D(),
            Conv2D(128, 5, activation="relu"),
            Flatten(),
            Dense(10, activation="softmax"),
        ])
        """,
        ((12, 4, "KA303"),),
    ),
    Case(
        "ka303-channels-first-shape-with-channels-last-default",
        """
        from keras.models import Sequential
        from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense

        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(3, 32, 32)))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Flatten())
        model.add(Dense(10, activation="softmax"))
        """,
        ((6, 10, "KA303"),),
    ),
    Case(
        "ka303-pooling-window-over-a-short-sequence",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(4, 16))
        x = layers.Conv1D(32, 3, activation="relu")(inputs)
        x = layers.MaxPooling1D(pool_size=4)(x)
        outputs = layers.Dense(1)(layers.Flatten()(x))
        """,
        ((6, 4, "KA303"),),
    ),
    Case(
        "ka304-to-categorical-classes-against-output-units",
        """
        import keras
        from keras import layers
        from keras.utils import to_categorical

        num_classes = 10
        y_train = to_categorical(y_train, num_classes)
        model = keras.Sequential([
            layers.Dense(64, activation="relu"),
            layers.Dense(5, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, y_train, epochs=3)
        """,
        ((9, 4, "KA304"),),
    ),
    Case(
        "ka304-cifar100-labels-on-ten-units",
        """
        from tensorflow import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data()
        model = keras.Sequential([
            keras.layers.Flatten(input_shape=(32, 32, 3)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train)
        """,
        ((7, 4, "KA304"),),
    ),
    Case(
        "ka305-sparse-loss-on-one-hot-labels",
        """
        from keras.datasets import mnist
        from keras.models import Sequential
        from keras.layers import Dense, Flatten
        from keras.utils import to_categorical

        (x_train, y_train), (x_test, y_test) = mnist.load_data()
        y_train = to_categorical(y_train)
        model = Sequential([Flatten(input_shape=(28, 28)), Dense(128, activation="relu"), Dense(10, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        model.fit(x_train, y_train)
        """,
        ((9, 19, "KA305"),),
    ),
    Case(
        "ka305-categorical-loss-on-integer-dataset-labels",
        """
        import tensorflow as tf

        (train_images, train_labels), _ = tf.keras.datasets.fashion_mnist.load_data()
        model = tf.keras.Sequential([
            tf.keras.layers.Flatten(input_shape=(28, 28)),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
        model.fit(train_images, train_labels, epochs=10)
        """,
        ((9, 37, "KA305"),),
    ),
    Case(
        "ka206-dense-head-on-the-raw-image-input",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(28, 28))
        x = layers.Dense(128, activation="relu")(inputs)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """,
        ((6, 10, "KA206"),),
    ),
]

VALID = [
    Case(
        "input-shape-from-one-sample",
        """
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense

        x = np.loadtxt("features.csv", delimiter=",")
        y = np.loadtxt("targets.csv", delimiter=",")
        model = Sequential([Dense(32, activation="relu", input_shape=x.shape[1:]), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y)
        """,
    ),
    Case(
        "input-shape-of-an-array-fitted-elsewhere-is-not-judged",
        """
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense

        x = np.loadtxt("features.csv", delimiter=",")
        window = x[0]
        model = Sequential([Dense(32, activation="relu", input_shape=window.shape), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(make_batches(x), epochs=3)
        """,
    ),
    Case(
        "stacked-lstm-with-return-sequences",
        """
        from keras.models import Sequential
        from keras.layers import LSTM, Dense

        model = Sequential()
        model.add(LSTM(64, return_sequences=True, input_shape=(60, 1)))
        model.add(LSTM(32))
        model.add(Dense(1))
        """,
    ),
    Case(
        "conv1d-over-a-sequence",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(20000, 128)(inputs)
        x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
        x = layers.GlobalMaxPooling1D()(x)
        outputs = layers.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        model.compile(loss="binary_crossentropy", optimizer="adam")
        """,
    ),
    Case(
        "same-padding-windows-never-shrink-to-nothing",
        """
        from keras import Input, Sequential
        from keras.layers import Conv2D, MaxPooling2D, GlobalAveragePooling2D, Dense

        model = Sequential([
            Input(shape=(8, 8, 3)),
            Conv2D(16, 5, padding="same", activation="relu"),
            MaxPooling2D(padding="same"),
            MaxPooling2D(padding="same"),
            MaxPooling2D(padding="same"),
            Conv2D(32, 7, padding="same", activation="relu"),
            GlobalAveragePooling2D(),
            Dense(10, activation="softmax"),
        ])
        """,
    ),
    Case(
        "channels-first-code-that-sets-data-format",
        """
        from keras.models import Sequential
        from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense

        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(3, 32, 32), data_format="channels_first"))
        model.add(MaxPooling2D(pool_size=(2, 2), data_format="channels_first"))
        model.add(Flatten())
        model.add(Dense(10, activation="softmax"))
        """,
    ),
    Case(
        "shapes-from-a-tf-data-pipeline-are-unknown",
        """
        import tensorflow as tf
        from tensorflow import keras

        dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(32)
        model = keras.Sequential([keras.layers.LSTM(32), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(dataset, epochs=3)
        """,
    ),
    Case(
        "labels-from-a-function-of-the-user",
        """
        import keras
        from keras import layers

        def load_labels(path):
            return keras.utils.to_categorical(read(path), 10)

        y_train = load_labels("train.txt")
        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train)
        """,
    ),
    Case(
        "one-hot-labels-with-categorical-loss-and-matching-units",
        """
        from keras.datasets import cifar10
        from keras.utils import to_categorical
        from keras import layers, models

        (x_train, y_train), (x_test, y_test) = cifar10.load_data()
        y_train = to_categorical(y_train, 10)
        model = models.Sequential([
            layers.Conv2D(32, 3, activation="relu", input_shape=x_train.shape[1:]),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=2)
        """,
    ),
    Case(
        "mnist-reshaped-for-a-convolution",
        """
        import numpy as np
        from keras import layers, models
        from keras.datasets import mnist

        (x_train, y_train), _ = mnist.load_data()
        x_train = np.expand_dims(x_train, -1).astype("float32") / 255
        model = models.Sequential([
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train)
        """,
    ),
    Case(
        "time-distributed-convolution-over-frames",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(10, 64, 64, 3))
        x = layers.TimeDistributed(layers.Conv2D(16, 3, activation="relu"))(inputs)
        x = layers.TimeDistributed(layers.GlobalAveragePooling2D())(x)
        x = layers.LSTM(32)(x)
        outputs = layers.Dense(4, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        """,
    ),
    Case(
        "tagger-dense-head-on-a-sequence-input",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(None, 300))
        tags = layers.Dense(9, activation="softmax")(inputs)
        model = keras.Model(inputs, tags)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """,
    ),
    Case(
        "flatten-of-flat-samples-is-no-finding",
        """
        from keras.models import Sequential
        from keras.layers import Dense, Flatten

        model = Sequential([Dense(32, activation="relu", input_dim=8), Flatten(), Dense(1)])
        """,
    ),
    Case(
        "loop-of-convolutions-with-same-padding",
        """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(32, 32, 3))
        x = inputs
        for filters in (32, 64, 128):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = layers.MaxPooling2D()(x)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        """,
    ),
    Case(
        "branch-gives-two-shapes-and-the-engine-does-not-guess",
        """
        from keras.models import Sequential
        from keras.layers import Dense, LSTM, Reshape

        model = Sequential()
        if sequences:
            model.add(Reshape((10, 4), input_shape=(40,)))
        else:
            model.add(Dense(40, input_shape=(40,)))
        model.add(LSTM(8))
        """,
    ),
]
