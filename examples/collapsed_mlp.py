"""A regression model that cannot learn y = x1**2 + x2**2: every hidden layer is linear.

`flake8 --select=KA examples/` reports KA101, KA102 and KA103 here.
"""

import numpy as np
from keras.layers import Dense
from keras.models import Sequential

x = np.random.uniform(-1, 1, size=(1000, 2))
y = (x**2).sum(axis=1)

model = Sequential()
model.add(Dense(20, input_dim=2))
model.add(Dense(100, input_dim=2))
model.add(Dense(1))
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=10, verbose=0)
