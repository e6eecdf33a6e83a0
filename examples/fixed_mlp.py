"""The same regression model, written as the experts advise: no findings.

ReLU on every hidden layer, a linear output for regression, the input shape on the first
layer only.
"""

import numpy as np
import keras
from keras import layers

x = np.random.uniform(-1, 1, size=(1000, 2))
y = (x**2).sum(axis=1)

model = keras.Sequential(
    [
        keras.Input(shape=(2,)),
        layers.Dense(20, activation="relu"),
        layers.Dense(100, activation="relu"),
        layers.Dense(1),
    ]
)
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=10, verbose=0)
