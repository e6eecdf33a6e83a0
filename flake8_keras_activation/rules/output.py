"""The output rules: what a model's output applies, against the loss it is compiled with (KA201-KA206).

One pure function over a ModelGraph, shared by the source and runtime halves, like the collapse
analysis. A question the graph cannot answer (an unknown activation, a width that is not
literal, an output made on several paths) is never answered with a finding.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from .. import catalog
from ..catalog import LINEAR_ACTIVATIONS, Kind
from ..finding import Code, Finding
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


CODES = (KA201, KA202, KA203, KA204, KA205, KA206)


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


_CROSS_ENTROPIES = frozenset({"binary", "categorical", "sparse", "crossentropy"})
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


def _is_activation(node: LayerNode) -> bool:
    """An activation layer or call: it applies a function and keeps the shape of what it receives."""
    return node.kind is not Kind.AFFINE and bool(node.act_name)


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
    if node.kind in (Kind.AFFINE, Kind.INPUT):
        return False
    return node.layer in catalog.WIDTH_PRESERVING or _is_activation(node)


def channels_into(graph: ModelGraph, node: LayerNode) -> int | None:
    """The size of the last axis of what `node` receives, where the layer that sets it says it."""
    source = _first_before(graph, node, _keeps_width)
    return source.channels if source is not None and source.kind in (Kind.AFFINE, Kind.INPUT) else None


def applied(graph: ModelGraph, node: LayerNode) -> Step | None:
    """The activation a node applies to its last axis, or None when it applies none we know of."""
    if node.kind is Kind.AFFINE:
        return Step(node.act_name, node.channels, node)
    if _is_activation(node):
        return Step(node.act_name, channels_into(graph, node), node)
    return None


def output_step(graph: ModelGraph, key: int) -> Step | None:
    """What the output made by `key` applies last, through dropout and noise (which keep it) and
    reshaping (which keeps the activation but not the width)."""
    seen: set[int] = set()
    reshaped = False
    while key not in seen:
        seen.add(key)
        node = graph.node(key)
        step = applied(graph, node)
        if step is not None:
            return step._replace(channels=None) if reshaped else step
        if node.layer not in catalog.TRANSPARENT_LAYERS and node.layer not in _RESHAPING:
            return None
        reshaped = reshaped or node.layer in _RESHAPING
        before = _only_predecessor(graph, key)
        if before is None:
            return None
        key = before
    return None


def _heads_of(graph: ModelGraph, loss: Loss) -> list[int]:
    """The output nodes a loss applies to: each single-node output it names (all, by index, by name)."""
    heads = [head[0] for head in graph.heads if len(head) == 1]
    if loss.output is None:
        return heads if len(heads) == len(graph.heads) else []
    if isinstance(loss.output, int):
        if len(graph.heads) > loss.output and len(graph.heads[loss.output]) == 1:
            return [graph.heads[loss.output][0]]
        return []
    return [key for key in heads if graph.node(key).name == loss.output]


def _loss_findings(graph: ModelGraph, loss: Loss) -> list[Finding]:
    family = catalog.loss_family(loss.key)
    if family is None:
        return []
    found: dict[str, Finding] = {}
    for key in _heads_of(graph, loss):
        step = output_step(graph, key)
        if step is None:
            continue
        layer = step.node.label
        if loss.from_logits is True and step.act in catalog.PROBABILITY_ACTIVATIONS:
            fixable = ("from_logits",) if loss.inline else ()
            message = ka202(loss.label, layer, step.act)
            found.setdefault("KA202", Finding(loss.line, loss.col, "KA202", message, loss.key or "", fixable))
        if loss.from_logits is False and family in _CROSS_ENTROPIES and step.act in catalog.NOT_PROBABILITY_ACTIVATIONS:
            linear = step.act in catalog.LINEAR_ACTIVATIONS
            fixable = ("from_logits",) if loss.inline and linear and family != "crossentropy" else ()
            message = ka203(loss.label, layer, step.act, family, loss.inline)
            found.setdefault("KA203", Finding(loss.line, loss.col, "KA203", message, loss.key or "", fixable))
        if family in ("categorical", "sparse") and step.channels == 1:
            found.setdefault("KA204", Finding(loss.line, loss.col, "KA204", ka204(loss.label, layer)))
        if family == "binary" and step.act == "softmax" and step.channels is not None and step.channels > 2:
            message = ka205(loss.label, layer, step.channels)
            found.setdefault("KA205", Finding(loss.line, loss.col, "KA205", message))
    return list(found.values())


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
    return found


def softmax_over_one_unit(graph: ModelGraph) -> list[Finding]:
    """KA201, wherever a softmax is applied to a last axis of size one, compiled or not."""
    found = []
    for node in graph.nodes:
        if node.act_name != "softmax":
            continue
        step = applied(graph, node)
        if step is not None and step.channels == 1:
            found.append(Finding(node.line or 0, node.col or 0, "KA201", ka201(node.label), node.layer))
    return found


def analyze(graph: ModelGraph) -> list[Finding]:
    """All output findings for one model graph, in source order."""
    findings = softmax_over_one_unit(graph) + _unflattened_heads(graph)  # a scope's graph has no heads
    for loss in graph.losses:
        findings += _loss_findings(graph, loss)
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings
