"""The output rules (KA201-KA211): what a model's output applies, against its loss and metrics.

One pure function over a ModelGraph, shared by the source and runtime halves, like the collapse
analysis. A question the graph cannot answer (an unknown activation, a width that is not
literal, an output made on several paths) is never answered with a finding.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from .. import catalog, shapes
from ..catalog import LINEAR_ACTIVATIONS, Kind
from ..catalog.shape_rules import Shape
from ..catalog import torch as tc
from ..catalog.torch import LOG_PROBABILITY_ACTIVATIONS
from ..catalog.torch import LOSSES as TORCH_LOSSES
from ..finding import UNSAFE, Code, Finding
from ..graph import LayerNode, Loss, ModelGraph

KA201 = Code(
    code="KA201",
    slug="softmax-over-one-unit",
    summary="Softmax over a single unit always outputs 1.0",
    what=(
        "Reports a softmax applied to a last axis of size one: `Dense(1, activation=\"softmax\")`, a "
        "one-filter convolution with a softmax over its channels, or a `Dense(1)` followed by "
        "`Activation(\"softmax\")`, `Softmax()` or a softmax call (`tf.nn.softmax`, `keras.ops.softmax`, "
        "`keras.activations.softmax`, any spelling) on the last axis. Reported at the layer or call "
        "that applies the softmax, compiled or not."
        " PyTorch: `nn.Softmax(dim=-1)`, `F.softmax(x, dim=-1)`, `torch.softmax` or `x.softmax(-1)` over the "
        "output of an `nn.Linear(h, 1)`; with `dim=1`, over a one-channel convolution, or over an "
        "`nn.Linear(h, 1)` whose input was flattened to (batch, features) before it."
    ),
    why=(
        "Softmax normalizes over its axis: over one unit it divides a number by itself, so the output "
        "is exactly 1.0 for every input. The loss is then constant, its gradient is zero, and the model "
        "learns nothing, without any error from Keras."
    ),
    example=(
        "model = keras.Sequential([\n"
        "    layers.Dense(16, activation=\"relu\"),\n"
        "    layers.Dense(1, activation=\"softmax\"),  # KA201\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")\n"
    ),
    instead=(
        "model = keras.Sequential([\n"
        "    layers.Dense(16, activation=\"relu\"),\n"
        "    layers.Dense(1, activation=\"sigmoid\"),  # one unit: a probability of the positive class\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")\n"
    ),
    fix=(
        "`flake8-keras-activation fix` writes `\"sigmoid\"` in place of a `\"softmax\"` string given as "
        "the layer's activation (`activation=`, `Dense`'s second positional argument, or "
        "`Activation(\"softmax\")`). The model then computes a probability, which changes what it "
        "learns: that is the point. A `Softmax()` layer or a softmax call is not rewritten."
    ),
    fix_safety=UNSAFE,
    limits=(
        "A softmax over another axis (`Softmax(axis=1)` or `tf.nn.softmax(scores, axis=1)` over the "
        "positions of a sequence, as in attention pooling) is right and never reported. The width must "
        "be a literal (`Dense(1)`, `filters=1` in a channels-last convolution); a layer in between must "
        "keep the width (dropout, noise, batch normalization, activation layers)."
        " In PyTorch a softmax with `dim=1` over a linear layer's output is reported only when that output "
        "is known to be a matrix: over a sequence, axis 1 is the steps (attention pooling), and that is "
        "right; a softmax whose `dim` is not a literal is never reported."
    ),
)

KA202 = Code(
    code="KA202",
    slug="logits-loss-on-probabilities",
    summary="from_logits=True on an output that already applies softmax or sigmoid",
    what=(
        "Reports a loss given `from_logits=True` (`BinaryCrossentropy`, `CategoricalCrossentropy`, "
        "`SparseCategoricalCrossentropy` and their focal variants) in `compile()`, when the output it "
        "applies to ends with a softmax or sigmoid: as the activation of its last layer, an "
        "`Activation`/`Softmax` layer, or a softmax or sigmoid call. Reported at the loss argument."
        " PyTorch: the output of a softmax or log-softmax applied to `nn.CrossEntropyLoss` or "
        "`F.cross_entropy`, or of a sigmoid to `nn.BCEWithLogitsLoss` or "
        "`F.binary_cross_entropy_with_logits` (criterion objects made at module level or in the same "
        "function, functional losses), reported at the call that applies the loss: "
        "`loss = criterion(model(x), y)`, or `out = model(x)` then `criterion(out, y)`."
    ),
    why=(
        "With `from_logits=True` the loss applies the softmax or sigmoid itself. On outputs that are "
        "already probabilities it squashes them a second time: the predicted distribution is "
        "flattened towards uniform, the loss can never reach zero, and training converges slowly to a "
        "worse model, again without any error."
    ),
    example=(
        "outputs = layers.Dense(10, activation=\"softmax\")(features)\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(\n"
        "    optimizer=\"adam\",\n"
        "    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),  # KA202\n"
        ")\n"
    ),
    instead=(
        "outputs = layers.Dense(10, activation=\"softmax\")(features)\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(optimizer=\"adam\", loss=keras.losses.SparseCategoricalCrossentropy())\n"
    ),
    fix=(
        "`flake8-keras-activation fix` removes `from_logits=True` from the loss's constructor call "
        "when the call is written in `compile()` itself. The model still outputs probabilities, and "
        "the loss now reads them as such instead of applying a second softmax or sigmoid: the loss "
        "changes, and with it what training learns; retrain after applying it. A loss object bound "
        "to a name first is not rewritten, as it may serve other models."
        " A PyTorch loss has no automatic fix: remove the activation from the model's output (or use the "
        "loss that reads probabilities) by hand."
    ),
    fix_safety=UNSAFE,
    limits=(
        "`from_logits` must be a literal. A loss whose output activation the analysis cannot resolve, "
        "or a model that overrides `train_step` or `compute_loss`, is never reported."
    ),
)

KA203 = Code(
    code="KA203",
    slug="probability-loss-on-non-probabilities",
    summary="A cross-entropy that reads probabilities on an output that is not one",
    what=(
        "Reports a cross-entropy loss that reads probabilities (`from_logits` absent or `False`, as a "
        "string such as `\"binary_crossentropy\"`, a `keras.losses` function or a loss object) on an "
        "output whose last activation is not a probability: linear (no activation), `relu`, `tanh`, "
        "`elu`, `selu`, `softplus`, `gelu`, `swish`, and the like, or a recurrent layer (`LSTM`, `GRU`, "
        "`SimpleRNN`, a `Bidirectional` one) that makes the output itself, whose values lie in "
        "[-1, 1] (its tanh). Reported at the loss argument."
        " PyTorch: an output that is not in (0, 1) (linear, relu, tanh) applied to `nn.BCELoss` or "
        "`F.binary_cross_entropy`, and an output that is not log-probabilities (linear, or a softmax "
        "without the log) applied to `nn.NLLLoss` or `F.nll_loss`, reported at the call that applies the "
        "loss."
    ),
    why=(
        "A cross-entropy on probabilities takes their logarithm, so Keras first clips the values into "
        "(0, 1). Outputs outside that range are clipped to a constant: their gradient is zero and the "
        "model stops learning from those samples, or the loss is meaningless. A linear output is a "
        "logit, which the loss reads correctly only when told `from_logits=True`."
    ),
    example=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(1),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")  # KA203\n"
    ),
    instead=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(1),  # a logit\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=keras.losses.BinaryCrossentropy(from_logits=True))\n"
    ),
    fix=(
        "when the output is linear and the loss is a constructor call written in `compile()`, "
        "`flake8-keras-activation fix` adds `from_logits=True` (or turns a literal `False` into "
        "`True`): the loss then applies the sigmoid or softmax itself, the model's outputs are read as "
        "the logits they are, and predictions are logits too (apply the sigmoid or softmax to read "
        "them as probabilities). A string loss has no mechanical fix: the message names the class to "
        "write. An output with another activation (`relu`, `tanh`) has none either: use a sigmoid or "
        "softmax output, or remove the activation and use `from_logits=True`; after a recurrent layer, "
        "add a `Dense` output layer with a sigmoid or softmax."
        " A PyTorch loss has no automatic fix."
    ),
    fix_safety=UNSAFE,
    limits=(
        "Only the cross-entropies are checked. A custom loss, a loss or activation the analysis cannot "
        "resolve (`hp.Choice`, a parameter), `from_logits` computed at run time, or a model that "
        "overrides `train_step` or `compute_loss` is never reported."
    ),
)

KA204 = Code(
    code="KA204",
    slug="categorical-loss-on-one-unit",
    summary="Categorical cross-entropy on a single output unit",
    what=(
        "Reports `categorical_crossentropy` or `sparse_categorical_crossentropy` (strings, functions "
        "or loss objects) compiled for an output whose last axis has a single unit. Reported at the "
        "loss argument."
        " PyTorch: `nn.CrossEntropyLoss` or `F.cross_entropy` applied to the output of an "
        "`nn.Linear(h, 1)`."
    ),
    why=(
        "A categorical cross-entropy compares a distribution over classes: with one unit there is "
        "one class, its probability is 1, and the loss is zero whatever the model outputs. The model "
        "does not learn; with sparse integer labels above 0 some backends fail at `fit()` instead."
    ),
    example=(
        "model = keras.Sequential([layers.Dense(16, activation=\"relu\"), layers.Dense(1, activation=\"sigmoid\")])\n"
        "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\")  # KA204\n"
    ),
    instead=(
        "model = keras.Sequential([layers.Dense(16, activation=\"relu\"), layers.Dense(1, activation=\"sigmoid\")])\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")\n"
    ),
    fix=(
        "No automatic fix: use binary cross-entropy with a sigmoid output for two classes, or one "
        "output unit per class with a softmax; which one depends on the labels."
    ),
    limits=(
        "The output width must be a literal (`Dense(1)`, a one-filter channels-last convolution) on "
        "the layer that makes the output, or before layers that keep the width."
    ),
)

KA205 = Code(
    code="KA205",
    slug="binary-loss-on-softmax",
    summary="Binary cross-entropy on a softmax over more than two units",
    what=(
        "Reports binary cross-entropy (or binary focal cross-entropy) compiled for an output that "
        "ends with a softmax over more than two units. Reported at the loss argument."
    ),
    why=(
        "A softmax says the classes exclude each other; binary cross-entropy scores each unit as an "
        "independent yes/no question. The gradients then push the units apart in ways the softmax "
        "cannot follow, and under tf_keras (Keras 2) `metrics=[\"accuracy\"]` becomes binary accuracy, "
        "which reads far higher than the real accuracy (90% for a model that is always wrong on 10 "
        "classes)."
    ),
    example=(
        "outputs = layers.Dense(10, activation=\"softmax\")(features)\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\", metrics=[\"accuracy\"])  # KA205\n"
    ),
    instead=(
        "outputs = layers.Dense(10, activation=\"softmax\")(features)\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\", metrics=[\"accuracy\"])\n"
    ),
    fix=(
        "No automatic fix: `categorical_crossentropy` fits one-hot labels and "
        "`sparse_categorical_crossentropy` integer labels; for independent labels (multi-label), use "
        "a sigmoid output with binary cross-entropy."
    ),
    limits=(
        "The softmax's width must be a literal. A softmax over two units with binary cross-entropy "
        "computes the same loss as a categorical one on one-hot labels, and is not reported."
    ),
)

KA206 = Code(
    code="KA206",
    slug="dense-head-on-feature-map",
    summary="A Dense output head on a feature map that was never flattened or pooled",
    what=(
        "Reports a `Dense` layer that makes a model's output (through its activation, dropout or "
        "noise only) when what it receives is the output of a 2D or 3D convolution or pooling layer, "
        "through layers that act on each position alone (other `Dense` layers, batch or layer "
        "normalization, activations, dropout), without a `Flatten`, a global pooling layer, a "
        "`Reshape` or a recurrent layer in between; and, under a cross-entropy, such a head fed that way "
        "by the model's input itself when its samples have more than one axis (`Input(shape=(28, 28))` "
        "then `Dense(10, activation=\"softmax\")`)."
    ),
    why=(
        "`Dense` acts on the last axis only. On a feature map of shape `(batch, 26, 26, 64)` it makes "
        "one prediction per position, `(batch, 26, 26, 10)`, not one per sample. Keras may only fail "
        "at `fit()` when the labels do not broadcast, or not at all, and then the model trains on the "
        "wrong question."
    ),
    example=(
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(28, 28, 1)),\n"
        "    layers.Conv2D(32, 3, activation=\"relu\"),\n"
        "    layers.MaxPooling2D(),\n"
        "    layers.Dense(10, activation=\"softmax\"),  # KA206\n"
        "])\n"
    ),
    instead=(
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(28, 28, 1)),\n"
        "    layers.Conv2D(32, 3, activation=\"relu\"),\n"
        "    layers.MaxPooling2D(),\n"
        "    layers.Flatten(),\n"
        "    layers.Dense(10, activation=\"softmax\"),\n"
        "])\n"
    ),
    fix="No automatic fix: `Flatten()` and `GlobalAveragePooling2D()` both fit, and they differ.",
    limits=(
        "A `Dense` that feeds a global pooling or a `Flatten` is fine and not reported. One-dimensional "
        "feature maps are sequences, where a prediction per step is a common design (taggers, "
        "forecasters, CTC heads), so a `Dense` head after `Conv1D` or 1D pooling is never reported, "
        "and neither is a missing `GlobalMaxPooling1D` in a text classifier. A model that predicts "
        "per pixel on purpose with a `Dense` head is reported: silence it with `# noqa: KA206`; "
        "per-pixel heads are usually 1x1 convolutions, which are never reported. A head on the raw "
        "input is judged only under a cross-entropy and when the input's shape is known: samples of "
        "rank 3 or more, or of rank 2 with both axes literal (a sequence of any length, `(None, 300)`, "
        "is a tagger's input, where one prediction per step is the point)."
    ),
)


KA207 = Code(
    code="KA207",
    slug="categorical-loss-on-sigmoid",
    summary="Categorical cross-entropy on several sigmoid units",
    what=(
        "Reports a categorical cross-entropy (`categorical_crossentropy`, "
        "`sparse_categorical_crossentropy`, `categorical_focal_crossentropy`, as strings, functions or "
        "loss objects) compiled for an output of several units that ends with a `sigmoid` (or "
        "`hard_sigmoid`). The mirror of KA205. Reported at the loss argument."
    ),
    why=(
        "A categorical cross-entropy reads the output as one distribution over classes that exclude "
        "each other. Sigmoid units are independent probabilities that do not sum to one: Keras divides "
        "them by their sum before it takes the logarithm, so the loss trains only their ratios, while "
        "what the model predicts (and what a threshold reads) are the raw values, which it never "
        "learned to calibrate. The model and the loss disagree on what the output means."
    ),
    example=(
        "outputs = layers.Dense(10, activation=\"sigmoid\")(features)\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")  # KA207\n"
    ),
    instead=(
        "outputs = layers.Dense(10, activation=\"softmax\")(features)  # one label per sample\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")\n"
    ),
    fix=(
        "No automatic fix: for one label per sample use a softmax output; for several labels per "
        "sample (multi-label) keep the sigmoid and use `binary_crossentropy`. Only the labels tell which."
    ),
    limits=(
        "With `from_logits=True` the finding is KA202 instead (the loss applies a softmax to what "
        "already is a sigmoid). An output whose width is a literal 1 is KA204. A loss or activation the "
        "analysis cannot resolve is never reported."
    ),
)

KA208 = Code(
    code="KA208",
    slug="regression-loss-on-softmax",
    summary="A regression loss on a softmax classifier",
    what=(
        "Reports a regression loss (`mse`, `mae`, `mape`, `msle`, `huber`, `log_cosh`, in every "
        "spelling: strings, functions, loss objects) compiled for an output of several units that ends "
        "with a softmax. Sigmoid outputs are not reported: a regression towards targets in [0, 1] is "
        "legitimate. Reported at the loss argument."
    ),
    why=(
        "A softmax output is a classifier; a regression loss measures each unit's distance to its "
        "target independently. Through the softmax the gradient of a squared or absolute error is damped "
        "by the softmax's own slope, which vanishes exactly when the model is confidently wrong, so the "
        "classifier learns slowly and gets stuck; cross-entropy is the loss whose gradient is the error "
        "itself (prediction minus label)."
    ),
    example=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(10, activation=\"softmax\"),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\")  # KA208\n"
    ),
    instead=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(10, activation=\"softmax\"),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")\n"
    ),
    fix=(
        "No automatic fix: `categorical_crossentropy` fits one-hot labels, `sparse_categorical_crossentropy` "
        "integer labels."
    ),
    limits=(
        "A model that predicts a distribution on purpose (proportions, a teacher's soft labels) with a "
        "regression loss is reported too: `kl_divergence` is the loss for distributions, or silence it "
        "with `# noqa: KA208`. A softmax over a width that is a literal 1 is KA201."
    ),
)

KA209 = Code(
    code="KA209",
    slug="double-probability-activation",
    summary="A softmax or sigmoid applied to what already is a softmax or sigmoid",
    what=(
        "Reports a softmax or sigmoid (an `Activation` layer, a `Softmax()` layer, or an activation call "
        "such as `tf.nn.softmax` or `keras.ops.sigmoid`, on the last axis) applied to the output of a "
        "layer or call that already applies a softmax or sigmoid (its own `activation=`, an activation "
        "layer or a call), directly or through dropout, noise and identity steps. Reported at the "
        "second activation."
    ),
    why=(
        "The second squash receives values in (0, 1), not logits: a softmax over them can make one "
        "class at most e times as likely as another (over 10 classes no class gets above 23%), and a "
        "sigmoid of a sigmoid lies in (0.5, 0.73), so a 0.5 threshold says yes to every sample. The "
        "output is pressed towards uniform, the loss can never reach its minimum, and gradients shrink."
    ),
    example=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(10, activation=\"softmax\"),\n"
        "    layers.Activation(\"softmax\"),  # KA209\n"
        "])\n"
    ),
    instead=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(10),\n"
        "    layers.Activation(\"softmax\", dtype=\"float32\"),  # one softmax, in float32\n"
        "])\n"
    ),
    fix="No automatic fix: keep one of the two (the activation layer, when it is there to set a dtype).",
    limits=(
        "A softmax over another axis than the last (attention over time steps) is not a probability over "
        "the classes and is never reported; a step the analysis cannot follow (a `Lambda`, a custom layer) "
        "between the two keeps them from being reported."
    ),
)

KA210 = Code(
    code="KA210",
    slug="bounded-regression-output",
    summary="A bounded activation on the output of a regression",
    what=(
        "Reports a bounded activation (`relu`, `sigmoid`, `tanh`, `softmax`, `softplus`, `elu` and "
        "their kin) applied by the layer that makes the output of a model compiled with a regression "
        "loss (`mse`, `mae`, `mape`, `msle`, `huber`, `log_cosh`). Reported at the output layer. This code "
        "is off by default: enable it with `--extend-select=KA210` (an explicit `--select=KA` enables "
        "it too)."
    ),
    why=(
        "The last layer of a regression is normally linear, so that its output can reach every target. "
        "A bounded activation caps it: a sigmoid cannot predict above 1, relu below 0, tanh outside "
        "(-1, 1). Targets beyond the range are out of reach, and the gradient vanishes where the "
        "activation saturates (a relu output whose pre-activation turns negative predicts a constant 0 "
        "and stops learning). When the targets are known to lie in the range (non-negative counts, "
        "fractions in [0, 1]) the activation is a deliberate constraint, hence off by default."
    ),
    example=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(1, activation=\"relu\"),  # KA210\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\")\n"
    ),
    instead=(
        "model = keras.Sequential([\n"
        "    layers.Dense(64, activation=\"relu\"),\n"
        "    layers.Dense(1),  # linear: any real target is reachable\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\")\n"
    ),
    fix=(
        "`flake8-keras-activation fix` removes the activation the output layer is given as an "
        "argument (`activation=\"relu\"`, or the positional one), which makes the output linear and "
        "changes what the model predicts: apply it only when the targets can leave the range, and "
        "retrain. An activation layer or call after the output layer is not removed."
    ),
    fix_safety=UNSAFE,
    limits=(
        "Only an output whose activation and loss the analysis resolves is judged. Whether the targets "
        "lie in the activation's range is not known from the source, which is why the rule is opt-in."
    ),
)

KA211 = Code(
    code="KA211",
    slug="accuracy-on-regression",
    summary="The accuracy metric on a regression model",
    what=(
        "Reports the metric `\"accuracy\"` (or `\"acc\"`, or `keras.metrics.Accuracy`) in `compile()` "
        "when every output it measures is a regression: compiled with a regression loss (`mse`, `mae`, "
        "`mape`, `msle`, `huber`, `log_cosh`) on an output that is not a probability (linear, `relu`, "
        "`tanh`, ...), of one unit for the `\"accuracy\"` string, of any width for "
        "`keras.metrics.Accuracy`. Reported at the metric."
    ),
    why=(
        "`\"accuracy\"` counts predictions equal to their labels: Keras resolves it to binary accuracy "
        "(the prediction thresholded at 0.5, compared with the label) for one output unit and to "
        "categorical accuracy (the arg max compared) for several; `keras.metrics.Accuracy` compares "
        "values for exact equality. Real-valued targets almost never equal the prediction, so the metric "
        "reads near zero however well the model fits, and the number that should say how well it does "
        "says nothing."
    ),
    example=(
        "model = keras.Sequential([layers.Dense(64, activation=\"relu\"), layers.Dense(1)])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\", metrics=[\"accuracy\"])  # KA211\n"
    ),
    instead=(
        "model = keras.Sequential([layers.Dense(64, activation=\"relu\"), layers.Dense(1)])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\", metrics=[\"mae\"])\n"
    ),
    fix=(
        "No automatic fix: `\"mae\"` or `keras.metrics.RootMeanSquaredError()` measure a regression; "
        "which one to watch is the user's choice."
    ),
    limits=(
        "A model trained with a regression loss on a sigmoid or softmax output (a classifier trained "
        "with `mse`, where accuracy means something) is not reported, nor is a metric for a model with "
        "several outputs of which one is a classifier, nor a loss the analysis cannot resolve. The "
        "labels are not read: an output of several linear units with `\"accuracy\"` may be a classifier "
        "trained with `mse` on one-hot labels (the arg max then means something), so it is not reported, "
        "and neither is one whose width is not a literal. A one-unit linear output trained with `mse` on "
        "0/1 labels, where a 0.5 threshold means something, is reported: silence it with `# noqa: KA211`."
    ),
)

CODES = (KA201, KA202, KA203, KA204, KA205, KA206, KA207, KA208, KA209, KA210, KA211)


def ka201(layer: str, torch: bool = False) -> str:
    remedy = (
        "use a sigmoid (nn.Sigmoid(), or logits with nn.BCEWithLogitsLoss)" if torch else 'use activation="sigmoid"'
    )
    return (
        f"{layer} applies softmax over a single unit: its output is always 1.0, so the model learns "
        f"nothing; {remedy} for one unit, or one unit per class"
    )


def loss_name(key: str) -> str:
    """`nn.CrossEntropyLoss` and `F.cross_entropy` as a reader of PyTorch's docs knows them."""
    return {
        "F.cross_entropy": "CrossEntropyLoss", "F.nll_loss": "NLLLoss", "F.binary_cross_entropy": "BCELoss",
        "F.binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    }.get(key, key.rsplit(".", 1)[-1])


def ka202_torch(loss: str, name: str, layer: str, activation: str) -> str:
    if name == "CrossEntropyLoss" and activation == "log_softmax":
        return (
            f"{loss} gets {layer}, which applies log_softmax, but CrossEntropyLoss applies log_softmax itself: "
            "use nn.NLLLoss after log_softmax, or give CrossEntropyLoss the logits"
        )
    itself = "the sigmoid" if name == "BCEWithLogitsLoss" else "log_softmax"
    remedy = "use nn.BCELoss on probabilities" if name == "BCEWithLogitsLoss" else "apply it only to read predictions"
    return (
        f"{loss} gets {layer}, which applies {activation}, but {name} applies {itself} itself and wants logits: "
        f"the output is squashed twice and the model learns slowly; remove the {activation} ({remedy})"
    )


def ka203_torch(loss: str, name: str, layer: str, activation: str) -> str:
    applies = "has no activation" if activation in LINEAR_ACTIVATIONS else f"applies {activation}"
    if name == "NLLLoss":
        return (
            f"{loss} reads log-probabilities, but {layer} {applies}: NLLLoss only picks the target's value, so "
            "the loss means nothing; apply log_softmax first, or use nn.CrossEntropyLoss on logits"
        )
    return (
        f"{loss} reads probabilities in (0, 1), but {layer} {applies}: BCELoss fails or clamps outside them; "
        "use nn.BCEWithLogitsLoss on the logits, or end with a sigmoid"
    )


def ka204_torch(loss: str, layer: str) -> str:
    return (
        f"{loss} on the single unit of {layer}: a cross-entropy over one class is always zero; use "
        "nn.BCEWithLogitsLoss with one unit, or one unit per class"
    )


def ka202(loss: str, layer: str, activation: str) -> str:
    return (
        f"{loss} has from_logits=True but the output {layer} already applies {activation}: the loss "
        f"applies it a second time; remove from_logits=True, or the output's {activation}"
    )


_LOSS_CLASSES = {
    "binary": "BinaryCrossentropy",
    "categorical": "CategoricalCrossentropy",
    "sparse": "SparseCategoricalCrossentropy",
}


def ka203(loss: str, layer: str, activation: str, family: str, inline: bool, recurrent: bool = False) -> str:
    linear = activation in LINEAR_ACTIVATIONS
    applies = "has no activation" if linear else f"applies {activation}"
    if recurrent:
        remedy = "add a Dense output layer with a sigmoid or softmax after it"
    elif not linear:
        remedy = "use a sigmoid or softmax output, or remove the activation and pass from_logits=True to the loss"
    elif inline or family not in _LOSS_CLASSES:
        remedy = "pass from_logits=True to the loss"
    else:
        remedy = f"use loss=keras.losses.{_LOSS_CLASSES[family]}(from_logits=True)"
    return (
        f"{loss} reads probabilities but the output {layer} {applies}: Keras clips its values into "
        f"(0, 1), so gradients vanish; {remedy}"
    )


def ka204(loss: str, layer: str) -> str:
    return (
        f"{loss} on the single unit of {layer}: the categorical loss of one class is always zero; "
        'use "binary_crossentropy" with a sigmoid, or one unit per class'
    )


def ka205(loss: str, layer: str, units: int) -> str:
    return (
        f"{loss} on the softmax over {units} units of {layer}: it scores each unit as an independent "
        "yes/no although a softmax makes the classes exclusive (and tf_keras then reports binary "
        'accuracy); use "categorical_crossentropy" or "sparse_categorical_crossentropy"'
    )


def ka206_input(layer: str, sample: tuple[int | None, ...]) -> str:
    shown = ", ".join("None" if d is None else str(d) for d in sample)
    return (
        f"{layer} makes the model's output from its input's samples of shape ({shown}) under a "
        "cross-entropy: Dense acts on the last axis only, so the model predicts once per row, not once "
        "per sample; add Flatten() before it"
    )


def ka206(layer: str, source: str, source_line: int | None) -> str:
    where = f" (line {source_line})" if source_line is not None else ""
    return (
        f"{layer} makes the model's output from the feature map of {source}{where}: Dense acts on the "
        "last axis only, so the model predicts once per position, not once per sample; add Flatten() "
        "or a global pooling layer before it"
    )


def _units(units: int | None, act: str) -> str:
    return f"the {act} over {units} units" if units is not None else f"the {act} output"


def ka207(loss: str, layer: str, activation: str, units: int | None) -> str:
    return (
        f"{loss} on {_units(units, activation)} of {layer}: a categorical loss reads one distribution "
        f"over exclusive classes, and {activation} units do not sum to one; use a softmax output for one "
        'label per sample, or "binary_crossentropy" for several labels per sample'
    )


def ka208(loss: str, layer: str, activation: str, units: int | None) -> str:
    return (
        f"{loss} is a regression loss on {_units(units, activation)} of {layer}: a classifier trained as a "
        "regression learns slowly where it is confidently wrong; use \"categorical_crossentropy\" or "
        '"sparse_categorical_crossentropy"'
    )


def ka209(layer: str, activation: str, first: str, first_activation: str) -> str:
    return (
        f"{layer} applies {activation} to the output of {first}, which already applies {first_activation}: "
        "the second squash reads probabilities as logits and presses the output towards uniform; keep one "
        "of the two"
    )


# The range each bounded activation keeps its output in, for KA210's message.
_RANGES = {
    "relu": "[0, inf)", "relu6": "[0, 6]", "softplus": "(0, inf)", "exponential": "(0, inf)", "exp": "(0, inf)",
    "elu": "(-1, inf)", "selu": "(-1.76, inf)", "celu": "(-1, inf)", "sigmoid": "(0, 1)", "hard_sigmoid": "[0, 1]",
    "sparse_sigmoid": "[0, 1]", "softmax": "(0, 1)", "sparsemax": "[0, 1]", "tanh": "(-1, 1)",
    "hard_tanh": "[-1, 1]", "softsign": "(-1, 1)", "log_sigmoid": "(-inf, 0)", "log_softmax": "(-inf, 0]",
}


def ka210(layer: str, activation: str, loss: str) -> str:
    within = _RANGES.get(activation, "a bounded range")
    return (
        f"{layer} applies {activation} to the output of a regression ({loss}): it can only predict values in "
        f"{within}, so targets outside are out of reach; make the output layer linear, unless the targets "
        "lie in that range"
    )


def ka211(metric: str, losses: str) -> str:
    return (
        f"{metric} on a regression ({losses}): accuracy counts predictions equal to their real-valued "
        'targets and reads near zero however well the model fits; use "mae" or '
        "keras.metrics.RootMeanSquaredError()"
    )


_CROSS_ENTROPIES = frozenset({"binary", "categorical", "sparse", "crossentropy"})
_CATEGORICAL = frozenset({"categorical", "sparse"})
_RESHAPING = frozenset({"layers.Flatten", "layers.Reshape", "layers.Permute"})


class Step(NamedTuple):
    """What an output applies last: the activation's name ("" when unknown), the size of the axis
    it applies over (None when unknown), and the node that applies it."""

    act: str
    channels: int | None
    node: LayerNode


def _only_predecessor(graph: ModelGraph, key: int) -> int | None:
    predecessors = graph.predecessors(key)
    return predecessors[0] if len(predecessors) == 1 else None


def _sets_width(node: LayerNode) -> bool:
    """A node that makes its own output features (an affine or recurrent layer, an input)."""
    return node.kind in (Kind.AFFINE, Kind.INPUT) or node.layer in catalog.RECURRENT_LAYERS or (
        node.layer == catalog.BIDIRECTIONAL
    )


def _is_activation(node: LayerNode) -> bool:
    """An activation layer or call: it applies a function and keeps the shape of what it receives."""
    return bool(node.act_name) and not _sets_width(node)


def _is_identity(node: LayerNode) -> bool:
    """A step that changes nothing at inference: dropout, noise, `Identity`, `Activation("linear")`,
    `Activation(None)`, `Lambda(lambda x: x)` (the mixed-precision recipe casts the output so)."""
    return node.layer in catalog.TRANSPARENT_LAYERS or (_is_activation(node) and node.act_name in LINEAR_ACTIVATIONS)


def _first_before(graph: ModelGraph, node: LayerNode, through: Callable[[LayerNode], bool]) -> LayerNode | None:
    """The first node before `node`, along single predecessors, that `through` does not pass;
    None where a node has several inputs (or none) first."""
    seen = {node.key}
    key = node.key
    while True:
        before = _only_predecessor(graph, key)
        if before is None or before in seen:
            return None
        seen.add(before)
        previous = graph.node(before)
        if not through(previous):
            return previous
        key = before


def _keeps_width(node: LayerNode) -> bool:
    if _sets_width(node):
        return False
    return node.layer in catalog.WIDTH_PRESERVING or node.layer in tc.WIDTH_KEEPING or _is_activation(node)


def channels_into(graph: ModelGraph, node: LayerNode) -> int | None:
    """The size of the last axis of what `node` receives, where the layer that sets it says it."""
    source = _first_before(graph, node, _keeps_width)
    return source.channels if source is not None and _sets_width(source) else None


def applied(graph: ModelGraph, node: LayerNode) -> Step | None:
    """The activation a node applies to its last axis, or None when it applies none we know of."""
    if _sets_width(node) and node.kind is not Kind.INPUT:
        return Step(node.act_name, node.channels, node)
    if _is_activation(node):
        # an activation keeps its input's last axis, which its own output's shape says where the layer
        # before does not (at run time: after a reshape, a merge, or an operation of the user's)
        channels = channels_into(graph, node)
        return Step(node.act_name, channels if channels is not None else node.channels, node)
    return None


def output_step(graph: ModelGraph, key: int) -> Step | None:
    """What the output made by `key` applies last, through identity steps (dropout, noise, a linear
    activation), which keep it, and reshaping, which keeps the activation but not the width."""
    seen: set[int] = set()
    reshaped = False
    while key not in seen:
        seen.add(key)
        node = graph.node(key)
        if not _is_identity(node):
            step = applied(graph, node)
            if step is not None:
                return step._replace(channels=None) if reshaped else step
            if node.layer not in _RESHAPING:
                return None
            reshaped = True
        before = _only_predecessor(graph, key)
        if before is None:
            return None
        key = before
    return None


def heads_for(graph: ModelGraph, output: int | str | None) -> list[int]:
    """The output nodes a loss or metric applies to: each single-node output it names (all, by
    index, by layer name); none when one of them is made on several paths."""
    heads = [head[0] for head in graph.heads if len(head) == 1]
    if output is None:
        return heads if len(heads) == len(graph.heads) else []
    if isinstance(output, int):
        if len(graph.heads) > output and len(graph.heads[output]) == 1:
            return [graph.heads[output][0]]
        return []
    return [key for key in heads if graph.node(key).name == output]


def _torch_loss_findings(graph: ModelGraph, loss: Loss) -> list[Finding]:
    """KA202-KA204 for a PyTorch criterion applied to a model's output: what the output (and an
    activation applied to it on the way) gives the loss, against what the loss reads."""
    family, takes_logits = TORCH_LOSSES[loss.key or ""]
    found: dict[str, Finding] = {}
    name = loss_name(loss.key or "")
    for key in heads_for(graph, loss.output):
        step = output_step(graph, key)
        if step is None and not loss.applied:
            continue
        act = loss.applied or (step.act if step is not None else "")
        units = step.channels if step is not None else None
        layer = step.node.label if step is not None else "the model"
        if loss.applied:
            layer = f"{loss.applied} of {layer}"
        if not act:
            continue
        code, message = "", ""
        squashed = act in catalog.PROBABILITY_ACTIVATIONS or (family == "categorical" and act == "log_softmax")
        if takes_logits and squashed:
            code, message = "KA202", ka202_torch(loss.label, name, layer, act)
        elif family == "binary" and not takes_logits and act in catalog.NOT_PROBABILITY_ACTIVATIONS:
            code, message = "KA203", ka203_torch(loss.label, name, layer, act)
        elif family == "log_probabilities" and act not in LOG_PROBABILITY_ACTIVATIONS and (
            act in catalog.NOT_PROBABILITY_ACTIVATIONS or act in catalog.PROBABILITY_ACTIVATIONS
        ):
            code, message = "KA203", ka203_torch(loss.label, name, layer, act)
        if code:
            found.setdefault(code, Finding(loss.line, loss.col, code, message, loss.key or ""))
        if family == "categorical" and units == 1:
            found.setdefault("KA204", Finding(loss.line, loss.col, "KA204", ka204_torch(loss.label, layer)))
    return list(found.values())


def _loss_findings(graph: ModelGraph, loss: Loss) -> list[Finding]:
    if (loss.key or "") in TORCH_LOSSES:
        return _torch_loss_findings(graph, loss)
    family = catalog.loss_family(loss.key)
    if family is None:
        return []
    found: dict[str, Finding] = {}

    def report(code: str, message: str, fixable: tuple[str, ...] = ()) -> None:
        found.setdefault(code, Finding(loss.line, loss.col, code, message, loss.key or "", fixable))

    for key in heads_for(graph, loss.output):
        step = output_step(graph, key)
        if step is None:
            continue
        act, units, layer = step.act, step.channels, step.node.label
        if loss.from_logits is True and act in catalog.PROBABILITY_ACTIVATIONS:
            report("KA202", ka202(loss.label, layer, act), ("from_logits",) if loss.inline else ())
        if loss.from_logits is False and family in _CROSS_ENTROPIES and act in catalog.NOT_PROBABILITY_ACTIVATIONS:
            linear = act in LINEAR_ACTIVATIONS
            fixable = ("from_logits",) if loss.inline and linear and family != "crossentropy" else ()
            recurrent = not linear and step.node.kind is not Kind.AFFINE and _sets_width(step.node)
            report("KA203", ka203(loss.label, layer, act, family, loss.inline, recurrent), fixable)
        if family in _CATEGORICAL and units == 1:
            report("KA204", ka204(loss.label, layer))
        if family == "binary" and act == "softmax" and units is not None and units > 2:
            report("KA205", ka205(loss.label, layer, units))
        several = units is None or units > 1
        if family in _CATEGORICAL and act in catalog.INDEPENDENT_PROBABILITY_ACTIVATIONS and several:
            if loss.from_logits is not True:  # with from_logits=True, KA202 says what is wrong first
                report("KA207", ka207(loss.label, layer, act, units))
        if family == "regression" and act in catalog.DISTRIBUTION_ACTIVATIONS and several:
            report("KA208", ka208(loss.label, layer, act, units))
    return list(found.values())


def _bounded_regressions(graph: ModelGraph) -> list[Finding]:
    """KA210: an output trained with a regression loss through an activation with a bounded range."""
    found: dict[int, Finding] = {}
    for loss in graph.losses:
        if catalog.loss_family(loss.key) != "regression":
            continue
        for key in heads_for(graph, loss.output):
            step = output_step(graph, key)
            node = step.node if step is not None else None
            if step is None or node is None or step.act not in catalog.BOUNDED_ACTIVATIONS:
                continue
            # the fix removes an activation the layer is given as a string: the output becomes linear
            fixable = ("activation",) if node.kind is Kind.AFFINE and node.activation_given else ()
            message = ka210(node.label, step.act, loss.label)
            # a node read from a built model has no position (line 0, as for the other runtime findings)
            finding = Finding(node.line or 0, node.col or 0, "KA210", message, node.layer, fixable)
            found.setdefault(node.key, finding)
    return list(found.values())


def _accuracy_on_regressions(graph: ModelGraph) -> list[Finding]:
    """KA211: an accuracy metric where every output it measures is a regression (a regression loss on
    an output that is not a probability), so that it counts predictions equal to real-valued targets.

    The "accuracy" string becomes categorical accuracy (an arg max) on an output of several units,
    which means something when a classifier is trained with mse on one-hot labels: the labels are
    not read, so only one-unit outputs are judged for it. `keras.metrics.Accuracy` compares values
    for equality, which no linear output meets, whatever its width."""
    found = []
    for metric in graph.metrics:
        losses = [loss for loss in graph.losses if loss.compile == metric.compile]
        heads = heads_for(graph, metric.output)
        regression = bool(heads)
        judged: list[Loss] = []  # the losses of the outputs the metric measures, which the message names
        for key in heads:
            applying = [loss for loss in losses if key in heads_for(graph, loss.output)]
            judged += applying
            step = output_step(graph, key)
            if (
                not applying
                or any(catalog.loss_family(loss.key) != "regression" for loss in applying)
                or step is None
                or not step.act
                or step.act in catalog.PROBABILITY_ACTIVATIONS
                or (metric.key != "metrics.Accuracy" and step.channels != 1)
            ):
                regression = False
                break
        if regression:
            losses_named = ", ".join(dict.fromkeys(loss.label for loss in judged))
            found.append(Finding(metric.line, metric.col, "KA211", ka211(metric.label, losses_named)))
    return found


def _double_probabilities(graph: ModelGraph) -> list[Finding]:
    """KA209: a softmax or sigmoid applied to what a softmax or sigmoid already made."""
    found = []
    for node in graph.nodes:
        if not _is_activation(node) or node.act_name not in catalog.PROBABILITY_ACTIVATIONS:
            continue
        before = _first_before(graph, node, _is_identity)
        first = applied(graph, before) if before is not None else None
        if first is not None and first.act in catalog.PROBABILITY_ACTIVATIONS:
            message = ka209(node.label, node.act_name, first.node.label, first.act)
            found.append(Finding(node.line or 0, node.col or 0, "KA209", message, node.layer))
    return found


def _positionwise(node: LayerNode) -> bool:
    if node.layer in catalog.SPATIAL_LAYERS:
        return False
    return node.layer in catalog.POSITIONWISE_LAYERS or _is_activation(node)


def _spatial_source(graph: ModelGraph, node: LayerNode) -> LayerNode | None:
    """The convolution or pooling layer whose feature map reaches `node` through layers that act on
    each position alone, or None when something flattens, pools globally or is unknown first."""
    source = _first_before(graph, node, _positionwise)
    return source if source is not None and source.layer in catalog.SPATIAL_LAYERS else None


def _unflattened_heads(graph: ModelGraph) -> list[Finding]:
    """KA206: a Dense output head that receives a feature map, so it predicts once per position."""
    found = []
    for head in graph.heads:
        if len(head) != 1:
            continue
        key: int | None = head[0]
        seen: set[int] = set()
        while key is not None and key not in seen:
            seen.add(key)
            node = graph.node(key)
            if node.kind is Kind.AFFINE or not (_is_activation(node) or node.layer in catalog.TRANSPARENT_LAYERS):
                break
            key = _only_predecessor(graph, key)
        if key is None:
            continue
        dense = graph.node(key)
        if dense.layer != "layers.Dense":
            continue
        source = _spatial_source(graph, dense)
        if source is not None:
            message = ka206(dense.label, source.label, source.line)
            found.append(Finding(dense.line or 0, dense.col or 0, "KA206", message, dense.layer))
            continue
        sample = _raw_input(graph, dense)
        if sample is not None and _classifies(graph, head[0]):
            message = ka206_input(dense.label, sample)
            found.append(Finding(dense.line or 0, dense.col or 0, "KA206", message, dense.layer))
    return found


def _raw_input(graph: ModelGraph, dense: LayerNode) -> Shape | None:
    """The samples of the model's input that reach `dense` through layers acting on each position
    alone, when they have more than one axis: an image or a table of rows that was never flattened.
    Rank 2 counts only when both axes are literal (a sequence of any length is a tagger's input)."""
    key = dense.key
    seen = {key}
    sample: Shape | None = None
    while True:
        predecessors = graph.predecessors(key)
        if not predecessors:
            if graph.kind == "sequential" and key in graph.inputs:
                sample = shapes.of(graph).received.get(key)
            break
        if len(predecessors) != 1 or predecessors[0] in seen:
            return None
        node = graph.node(predecessors[0])
        seen.add(node.key)
        if node.kind is Kind.INPUT:
            sample = shapes.of(graph).output.get(node.key)
            break
        if not _positionwise(node):
            return None
        key = node.key
    if sample is None or len(sample) < 2:
        return None
    return sample if len(sample) >= 3 or all(d is not None for d in sample) else None


def _classifies(graph: ModelGraph, head: int) -> bool:
    """A cross-entropy, which scores one prediction per sample, is compiled for this output."""
    return any(
        catalog.loss_family(loss.key) in _CROSS_ENTROPIES and head in heads_for(graph, loss.output)
        for loss in graph.losses
    )


def softmax_over_one_unit(graph: ModelGraph) -> list[Finding]:
    """KA201, wherever a softmax is applied to a last axis of size one, compiled or not."""
    found = []
    for node in graph.nodes:
        if node.act_name != "softmax":
            continue
        step = applied(graph, node)
        size = step.channels if step is not None and node.axis is None else _axis_one_size(graph, node)
        if size == 1:
            torch = node.layer.startswith("nn.") or node.framework == "torch"
            found.append(Finding(node.line or 0, node.col or 0, "KA201", ka201(node.label, torch), node.layer))
    return found


def _axis_one_size(graph: ModelGraph, node: LayerNode) -> int | None:
    """The size of axis 1 of what a PyTorch softmax over `dim=1` receives, where it is known: the
    channels of a convolution (batch, channels, ...), or the features of a linear layer whose input
    is known to be a matrix (after a flatten to (batch, features)). A linear layer applied to a
    sequence makes (batch, steps, features), where axis 1 is the steps: attention pooling's
    `softmax(score(x), dim=1)` over a one-unit score is right, so nothing else is judged."""
    if node.axis != 1:
        return None
    source = _first_before(graph, node, _keeps_width)
    if source is None or source.kind is not Kind.AFFINE or source.width is None:
        return None
    if source.layer in tc.CONVOLUTIONS:
        return source.width
    if source.layer in ("nn.Linear", "nn.LazyLinear") and _matrix_before(graph, source):
        return source.width
    return None


def _matrix_before(graph: ModelGraph, node: LayerNode) -> bool:
    """A linear layer's input is a matrix: a flatten to (batch, features) comes before it, through
    linear layers and steps that keep the shape."""
    before = _first_before(
        graph, node, lambda n: n.layer in ("nn.Linear", "nn.LazyLinear") or _keeps_width(n) or _is_identity(n)
    )
    return before is not None and before.layer == tc.MATRIX


def analyze(graph: ModelGraph) -> list[Finding]:
    """All output findings for one model graph, in source order."""
    # a scope's graph has no heads and no losses: only what a layer or call does by itself is judged
    findings = softmax_over_one_unit(graph) + _double_probabilities(graph) + _unflattened_heads(graph)
    for loss in graph.losses:
        findings += _loss_findings(graph, loss)
    findings += _bounded_regressions(graph) + _accuracy_on_regressions(graph)
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings
