"""Linear layers that are right where they are: none of these is reported."""

import tensorflow as tf
from tensorflow.keras import layers


def generator(latent_dim=100):
    # Dense without activation, then batch normalization, then LeakyReLU: not a collapse.
    model = tf.keras.Sequential()
    model.add(layers.Dense(7 * 7 * 256, use_bias=False, input_shape=(latent_dim,)))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Reshape((7, 7, 256)))
    model.add(layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding="same", use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", activation="tanh"))
    return model


def classifier(vocabulary_size=10_000):
    # Embedding's input_dim is a vocabulary size, not an input shape.
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(200,)),
            layers.Embedding(input_dim=vocabulary_size, output_dim=32),
            layers.GlobalAveragePooling1D(),
            layers.Dense(32),
            layers.Activation("relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
