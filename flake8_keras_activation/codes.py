"""Every code the tool reports, with its message and its documentation: the one table."""

from __future__ import annotations

from typing import NamedTuple

from .catalog import LINEAR_ACTIVATIONS
from .screen import OFF_BY_DEFAULT

__all__ = ["CODES", "OFF_BY_DEFAULT", "Code", "Finding"]


class Code(NamedTuple):
    code: str
    slug: str
    summary: str  # one line, for listings and SARIF's shortDescription
    what: str
    why: str
    example: str
    instead: str
    fix: str
    limits: str


class Finding(NamedTuple):
    """One report: flake8's position (1-based line, 0-based column) and the full message."""

    line: int
    col: int
    code: str
    message: str  # without the code
    layer: str = ""  # the catalog key of the reported layer ("layers.Dense"), for fixes
    arguments: tuple[str, ...] = ()  # KA102: the input-shape keywords to remove
    call: tuple[int, int] | None = None  # the call that holds the reported argument (KA102), for fixes

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"


KA101 = Code(
    code="KA101",
    slug="collapsing-hidden-layer",
    summary="Hidden affine layer without activation feeds another affine layer",
    what=(
        "Reports a `Dense`, `EinsumDense` or convolution layer whose activation is linear "
        "(no `activation=` argument, `None`, `\"linear\"` or `keras.activations.linear`) and "
        "whose output reaches another affine layer through nothing but affine steps: directly, "
        "or through `Dropout`, noise layers, `BatchNormalization`, `Flatten`, `Reshape`, "
        "`Permute`, `RepeatVector`, average pooling, padding, cropping, up-sampling, "
        "`Activation(\"linear\")`, or an `Add`/`Concatenate`/`Average` of affine inputs. "
        "Every path out of the layer must reach an affine layer so: when one path meets a "
        "nonlinear or unknown step first, or leaves the model as it is, the layer shapes a "
        "feature that is used for itself (a ResNet stem feeding both BatchNormalization -> ReLU "
        "and a 1x1 shortcut) and it is not reported. A layer constructed in a loop body is a new "
        "layer on each iteration, judged per iteration (the last one by the paths that leave the "
        "loop); a layer object applied several times is one layer, judged by all its "
        "applications. The finding is reported at the layer's constructor call and names the "
        "layer it collapses into."
    ),
    why=(
        "The composition of two affine maps is one affine map: `W2 (W1 x + b1) + b2` is "
        "`(W2 W1) x + (W2 b1 + b2)`. A hidden layer without an activation adds parameters and "
        "training time but no expressive power, and a model whose hidden layers all lack one "
        "cannot fit anything nonlinear (it cannot learn `x1**2 + x2**2` however long it "
        "trains). Keras layers default to `activation=None`, so this happens by omission."
    ),
    example=(
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(2,)),\n"
        "    layers.Dense(20),  # KA101\n"
        "    layers.Dense(100),  # KA101\n"
        "    layers.Dense(1),\n"
        "])\n"
    ),
    instead=(
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(2,)),\n"
        "    layers.Dense(20, activation=\"relu\"),\n"
        "    layers.Dense(100, activation=\"relu\"),\n"
        "    layers.Dense(1),  # a linear output layer is right for regression\n"
        "])\n"
    ),
    fix=(
        "`flake8-keras-activation fix` adds `activation=\"relu\"` (or the activation you "
        "choose with `--activation`) to the reported layer, replacing an explicit linear "
        "activation in place. The fix changes what the model computes, which is the point; "
        "retrain after applying it."
    ),
    limits=(
        "A final linear layer is never reported, nor is a layer followed by `Activation`, "
        "`ReLU`, `LeakyReLU`, `PReLU`, `ELU`, `Softmax`, max pooling, normalization other "
        "than batch normalization, attention, a recurrent layer, or anything the analysis "
        "cannot resolve (a `Lambda`, a custom layer, an unknown call). An activation it "
        "cannot resolve to a constant (a function parameter, `**kwargs`) is never reported. "
        "Layers added in a loop are assumed to be added at least twice, so a layer added in "
        "a loop feeds itself; a deliberate low-rank factorization is reported too: silence "
        "it with `# noqa: KA101`. Which iteration is the last is known only from tests such as "
        "`i == n - 1` in `for i in range(n)` or `enumerate(xs)`; otherwise every pass may be it."
    ),
)

KA102 = Code(
    code="KA102",
    slug="misplaced-input-shape",
    summary="Input shape argument that Keras ignores or refuses",
    what=(
        "Reports `input_dim`, `input_shape` or `batch_input_shape` given to a layer that is "
        "not the first of its `Sequential` model, or to a layer called on a tensor (functional "
        "code, a subclassed model's `call`). A `keras.Input` or `InputLayer` entry counts as the "
        "first layer. Where the file imports `keras` itself (Keras 3 spellings), it also reports "
        "`batch_input_shape` on any layer but `Input`/`InputLayer`, and `input_dim` together with "
        "`input_shape`, which raise there. The finding points at the argument itself. "
        "`Embedding(input_dim=...)` is a vocabulary size, not a shape, and is never reported."
    ),
    why=(
        "Only the first layer of a Sequential model receives the model's input; Keras "
        "ignores the argument anywhere else, and a layer called on a tensor takes that tensor's "
        "shape (Keras 3 warns on each such layer, tf_keras says nothing). Code that passes it "
        "further down usually reflects a belief that it sets the shape of that layer, and the "
        "belief hides the real shape the layer receives. Keras 3 takes `input_dim` and "
        "`input_shape` from a layer's keyword arguments one at a time, and refuses what is "
        "left over: `batch_input_shape`, or `input_shape` after `input_dim`."
    ),
    example=(
        "model = Sequential()\n"
        "model.add(Dense(20, input_dim=2, activation=\"relu\"))\n"
        "model.add(Dense(100, input_dim=2, activation=\"relu\"))  # KA102\n"
        "model.add(Dense(1))\n"
    ),
    instead=(
        "model = Sequential()\n"
        "model.add(Dense(20, input_dim=2, activation=\"relu\"))\n"
        "model.add(Dense(100, activation=\"relu\"))\n"
        "model.add(Dense(1))\n"
    ),
    fix=(
        "`flake8-keras-activation fix` removes the argument where Keras ignored it (the model "
        "is unchanged), and `input_dim` where `input_shape` is given too (tf_keras used "
        "`input_shape`). `batch_input_shape` on the first layer of a Keras 3 model has no "
        "automatic fix: it is the model's batch shape; move it to `keras.Input(batch_shape=...)`."
    ),
    limits=(
        "A layer added inside a loop is not reported when the loop may add it first (for "
        "example under `if i == 0:`). A layer that is made but never placed in a model or called "
        "on a tensor is not checked. `import keras` is taken for Keras 3 unless the file also "
        "imports `tf_keras`."
    ),
)

KA103 = Code(
    code="KA103",
    slug="affine-model",
    summary="The whole model is one affine map",
    what=(
        "Reports a model with at least two affine layers and no nonlinear or unknown step "
        "anywhere, final activation included: a `Sequential(...)` call, a "
        "`keras.Model(...)` call, or the `class` line of a subclassed model."
    ),
    why=(
        "However many layers it has, such a model computes `x @ W + b`: a linear regression "
        "with extra parameters. It cannot fit a nonlinear target, and its depth costs "
        "training time for nothing."
    ),
    example=(
        "model = Sequential([Dense(20, input_dim=2), Dense(100), Dense(1)])  # KA103\n"
    ),
    instead=(
        "model = Sequential([\n"
        "    Dense(20, input_dim=2, activation=\"relu\"),\n"
        "    Dense(100, activation=\"relu\"),\n"
        "    Dense(1),\n"
        "])\n"
    ),
    fix=(
        "No automatic fix of its own: fixing the KA101 findings inside the model fixes it. "
        "If a linear model is what you want, one `Dense` layer says so."
    ),
    limits=(
        "A single-layer linear model (a linear regression) is never reported. Any layer the "
        "analysis cannot resolve, or any call that receives the model and may change it, "
        "keeps the model from being reported."
    ),
)

KA104 = Code(
    code="KA104",
    slug="linear-factorization",
    summary="Two affine layers compose into one map, in a way that looks deliberate",
    what=(
        "Reports, instead of KA101 (under the same every-path rule), a linear affine layer feeding "
        "another affine layer when the pair looks like a deliberate factorization of one map: the "
        "linear layer is narrower than both its input and the layer it feeds (a rank limit, as "
        "in a bottleneck, LoRA or a "
        "linear autoencoder), or it has `use_bias=False` and feeds the next affine layer without a "
        "normalization in between (its bias would be redundant, and the author removed it), or it "
        "is a pointwise (1x1) convolution feeding a spatial convolution (a channel projection, as "
        "in feature pyramids). This code is off by default: enable it with "
        "`--extend-select=KA104` (an explicit `--select=KA` enables it too, as flake8 lets an "
        "explicit selection win over a plugin's default)."
    ),
    why=(
        "The pair still computes one affine map. When the narrowing is deliberate that is the "
        "point: it limits the rank, or saves parameters. When it is not, it is the bug KA101 "
        "describes, and only the author can tell. A model whose only collapses are such "
        "factorizations is not reported as KA103 either."
    ),
    example=(
        "inputs = keras.Input(shape=(784,))\n"
        "code = layers.Dense(32)(inputs)  # KA104: 784 -> 32 -> 784 is a rank-32 map\n"
        "outputs = layers.Dense(784)(code)\n"
        "autoencoder = keras.Model(inputs, outputs)\n"
    ),
    instead=(
        "inputs = keras.Input(shape=(784,))\n"
        "code = layers.Dense(32, activation=\"relu\")(inputs)  # a nonlinear autoencoder\n"
        "outputs = layers.Dense(784, activation=\"sigmoid\")(code)\n"
        "autoencoder = keras.Model(inputs, outputs)\n"
    ),
    fix="No automatic fix: whether the factorization is deliberate is a design decision.",
    limits=(
        "Widths are known only from literal arguments (`Dense(32)`, `keras.Input(shape=(784,))`) "
        "and kernel sizes only from literal `kernel_size`; where they are not literal the pair is "
        "reported as KA101."
    ),
)

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
    limits=(
        "A softmax over another axis (`Softmax(axis=1)` or `tf.nn.softmax(scores, axis=1)` over the "
        "positions of a sequence, as in attention pooling) is right and never reported. The width must "
        "be a literal (`Dense(1)`, `filters=1` in a channels-last convolution); a layer in between must "
        "keep the width (dropout, noise, batch normalization, activation layers)."
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
        "when the call is written in `compile()` itself. The model keeps its meaning (it still outputs "
        "probabilities) and the loss reads them as such. A loss object bound to a name first is not "
        "rewritten, as it may serve other models."
    ),
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
        "`elu`, `selu`, `softplus`, `gelu`, `swish`, and the like. Reported at the loss argument."
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
        "When the output is linear and the loss is a constructor call written in `compile()`, "
        "`flake8-keras-activation fix` adds `from_logits=True` (or turns a literal `False` into "
        "`True`): the loss then applies the sigmoid or softmax itself, the model's outputs are read as "
        "the logits they are, and predictions are logits too (apply the sigmoid or softmax to read "
        "them as probabilities). A string loss has no mechanical fix: the message names the class to "
        "write. An output with another activation (`relu`, `tanh`) has none either: use a sigmoid or "
        "softmax output, or remove the activation and use `from_logits=True`."
    ),
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
        "`Reshape` or a recurrent layer in between."
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
        "per-pixel heads are usually 1x1 convolutions, which are never reported."
    ),
)

CODES: dict[str, Code] = {c.code: c for c in (KA101, KA102, KA103, KA104, KA201, KA202, KA203, KA204, KA205, KA206)}


def ka101(source: str, has_what: str, target: str, target_line: int | None, via: tuple[str, ...]) -> str:
    where = f" (line {target_line})" if target_line is not None else ""
    through = f" through {', '.join(via)}" if via else ""
    return (
        f"{source} {has_what} and feeds {target}{where}{through}: the two collapse into one "
        f'affine map; add activation="relu"'
    )


def ka101_loop(source: str, has_what: str) -> str:
    return (
        f"{source} {has_what} and feeds itself (it is applied again in a loop, or called twice): "
        'the applications collapse into one affine map; add activation="relu"'
    )


def ka104(source: str, target: str, target_line: int | None, why: str) -> str:
    where = f" (line {target_line})" if target_line is not None else ""
    return (
        f"{source} has no activation and feeds {target}{where}: {why}; the two compose into one affine "
        'map, which is right for a deliberate factorization; otherwise add activation="relu"'
    )


_KA102_REMEDY = "give the input shape to the first layer or a keras.Input only"


def ka102(argument: str, layer: str, where: str, remedy: str = _KA102_REMEDY) -> str:
    return f"{argument} on {layer} is ignored: {where}; {remedy}"


def ka102_raises(argument: str, layer: str, together: bool) -> str:
    if together:
        return (
            f"input_dim together with input_shape on {layer} raises in Keras 3 (it takes input_dim "
            "and refuses the input_shape left over); give one of them"
        )
    return (
        f"{argument} on {layer} raises in Keras 3: only keras.Input and InputLayer take a batch "
        "shape; use keras.Input(batch_shape=...)"
    )


def ka103(model: str, affine_count: int) -> str:
    return (
        f"{model} is affine end to end: its {affine_count} affine layers compute one "
        'affine map, so it cannot fit a nonlinear function; add activation="relu" to the '
        "hidden layers"
    )


def ka201(layer: str) -> str:
    return (
        f"{layer} applies softmax over a single unit: its output is always 1.0, so the model learns "
        'nothing; use activation="sigmoid" for one unit, or one unit per class'
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


def ka203(loss: str, layer: str, activation: str, family: str, inline: bool) -> str:
    linear = activation in LINEAR_ACTIVATIONS
    applies = "has no activation" if linear else f"applies {activation}"
    if not linear:
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


def ka206(layer: str, source: str, source_line: int | None) -> str:
    where = f" (line {source_line})" if source_line is not None else ""
    return (
        f"{layer} makes the model's output from the feature map of {source}{where}: Dense acts on the "
        "last axis only, so the model predicts once per position, not once per sample; add Flatten() "
        "or a global pooling layer before it"
    )


def markdown(code: Code) -> str:
    """The README section for a code, in ruff's template."""
    return (
        f"### {code.code} `{code.slug}`\n\n"
        f"**What it does.** {code.what}\n\n"
        f"**Why is this bad?** {code.why}\n\n"
        f"**Example**\n\n```python\n{code.example}```\n\n"
        f"**Use instead**\n\n```python\n{code.instead}```\n\n"
        f"**Fix safety.** {code.fix}\n\n"
        f"**Known limits.** {code.limits}\n"
    )
