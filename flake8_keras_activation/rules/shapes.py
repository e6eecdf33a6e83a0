"""The shapes and labels family (KA301-KA305): what a model receives against what it can take.

One pure function over a ModelGraph and the shapes the engine (`shapes.infer`) gives its nodes,
with what the file fits the model on (`ModelGraph.fits`). A shape, a width or a label encoding the
source does not fix is never guessed: the rule stays silent.
"""

from __future__ import annotations

from .. import catalog
from ..catalog import Kind
from ..catalog.shape_rules import PARAMETERS, SAME_SHAPE, Shape
from ..catalog.torch import CONVOLUTIONS, WIDTH_KEEPING
from ..finding import SAFE, Code, Finding
from ..graph import DimOf, Labels, LayerNode, Loss, ModelGraph, NestedLayer, ShapeOf
from .. import shapes
from ..shapes import Problem, Shapes
from .output import heads_for, output_step

KA301 = Code(
    code="KA301",
    slug="input-shape-includes-batch",
    summary="An input shape that includes the batch axis of the data the model is fitted on",
    what=(
        "Reports `input_shape=X.shape`, `Input(shape=X.shape)` or `input_shape=(X.shape[0], X.shape[1])` "
        "when `X` is the array the same file passes to the same model's `fit` (or `train_on_batch`) as "
        "`x`: its first axis counts the samples. The link to `fit` is required, so that the first axis is "
        "known to be the batch axis; `X` is followed through plain assignments, `load_data()`, slicing, "
        "`astype` and arithmetic with a constant. Reported at the shape argument."
    ),
    why=(
        "Keras adds the batch axis itself: `input_shape` is the shape of one sample. Given the whole "
        "array's shape, the model expects every sample to be the whole data set, and `fit` fails at once "
        "with an incompatible-shape error (a 2D table becomes a model that expects 3D samples), or, "
        "worse, a model that happens to build learns from the wrong axes."
    ),
    example=(
        "x = np.loadtxt(\"data.csv\")\n"
        "model = Sequential([Dense(16, activation=\"relu\", input_shape=x.shape), Dense(1)])  # KA301\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\")\n"
        "model.fit(x, y)\n"
    ),
    instead=(
        "x = np.loadtxt(\"data.csv\")\n"
        "model = Sequential([Dense(16, activation=\"relu\", input_shape=x.shape[1:]), Dense(1)])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\")\n"
        "model.fit(x, y)\n"
    ),
    fix=(
        "`flake8-keras-activation fix` writes `x.shape[1:]` in place of `x.shape`: the model then "
        "expects the samples `fit` gives it, where it could not be fitted on them before, and computes "
        "what it was meant to. A tuple of dimensions is left to you."
    ),
    fix_safety=SAFE,
    limits=(
        "Only an array passed to the same model's `fit` as `x` is judged; one that reaches `fit` "
        "through a function, `train_test_split` or a `tf.data` pipeline is not followed, and the rule "
        "stays silent."
    ),
)

KA302 = Code(
    code="KA302",
    slug="wrong-input-rank",
    summary="A layer fed a tensor of a rank it cannot take",
    what=(
        "Reports a recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, a `Bidirectional` one), a convolution, "
        "a pooling layer or `RepeatVector` that receives, by the shapes the source fixes, samples of "
        "another rank than it needs: the classic is an `LSTM` after an `LSTM` without "
        "`return_sequences=True`, after a `Dense` on rank-2 data, or first with `input_shape=(n,)`; a "
        "`Conv2D` or `MaxPooling2D` fed anything but (rows, cols, channels) samples (28x28 MNIST arrays "
        "without a channel axis). Reported at the layer that cannot take its input."
    ),
    why=(
        "Keras checks the rank when it builds the layer and raises (\"expected ndim=3, found ndim=2\"), "
        "often only when `fit` first calls the model, after the data is loaded. The shape is already "
        "wrong in the source."
    ),
    example=(
        "model = Sequential([\n"
        "    LSTM(64, input_shape=(10, 8)),\n"
        "    LSTM(32),  # KA302: receives (64,), one vector per sample\n"
        "    Dense(1),\n"
        "])\n"
    ),
    instead=(
        "model = Sequential([\n"
        "    LSTM(64, return_sequences=True, input_shape=(10, 8)),\n"
        "    LSTM(32),\n"
        "    Dense(1),\n"
        "])\n"
    ),
    fix=(
        "when the layer that feeds it is a recurrent layer, `flake8-keras-activation fix` gives that "
        "layer `return_sequences=True` (the model would not build otherwise). Other cases need a reshape "
        "the author chooses."
    ),
    fix_safety=SAFE,
    limits=(
        "A rank is judged only where the source fixes it: from a `keras.Input`, a first layer's "
        "`input_shape`, or an array of known shape the model is fitted on, through layers whose shape "
        "rule is known. A `Lambda`, a custom layer or an unknown call ends what is known. A `Flatten` "
        "of samples that are already flat is not a finding."
    ),
)

KA303 = Code(
    code="KA303",
    slug="window-larger-than-axis",
    summary="A convolution or pooling window larger than the axis it slides over",
    what=(
        "Reports a convolution kernel or pooling window, with `padding=\"valid\"`, over a spatial axis the "
        "source fixes to be shorter than the window (dilation included): a 5x5 kernel after three "
        "poolings of a 28x28 image; `input_shape=(3, 32, 32)` with the default channels-last layout, "
        "where the message names `data_format`. Reported at that layer."
    ),
    why=(
        "The output would have no positions: Keras raises \"Computed output size would be zero or "
        "negative\" when it builds the layer, at `fit` or at the first call, after the data is loaded."
    ),
    example=(
        "model = Sequential([\n"
        "    Input(shape=(28, 28, 1)),\n"
        "    Conv2D(32, 3, activation=\"relu\"), MaxPooling2D(),\n"
        "    Conv2D(64, 3, activation=\"relu\"), MaxPooling2D(),\n"
        "    Conv2D(64, 3, activation=\"relu\"), MaxPooling2D(),\n"
        "    Conv2D(128, 5, activation=\"relu\"),  # KA303: the map is 1x1 by now\n"
        "])\n"
    ),
    instead=(
        "model = Sequential([\n"
        "    Input(shape=(28, 28, 1)),\n"
        "    Conv2D(32, 3, activation=\"relu\"), MaxPooling2D(),\n"
        "    Conv2D(64, 3, activation=\"relu\"), MaxPooling2D(),\n"
        "    Conv2D(64, 3, activation=\"relu\"), MaxPooling2D(),\n"
        "    Conv2D(128, 5, padding=\"same\", activation=\"relu\"),\n"
        "])\n"
    ),
    fix="No automatic fix: `padding=\"same\"`, a smaller window or fewer poolings each change the model.",
    limits=(
        "The axis must be known from the source at every step (literal shapes, kernel sizes, strides "
        "and padding); `padding=\"same\"` windows are never reported. The channels-first hint is given "
        "when a channels-last input's first axis looks like channels (1 or 3) and its last does not."
    ),
)

KA304 = Code(
    code="KA304",
    slug="output-units-mismatch-classes",
    summary="Output units that do not match the number of classes of the labels",
    what=(
        "Reports the output layer of a model compiled with a categorical cross-entropy when the labels "
        "the file passes to its `fit` have another number of classes than the layer has units: labels "
        "made by `to_categorical(y, k)` or `one_hot(y, k)` (one-hot rows of `k` columns) against any "
        "other width, and integer labels of a `keras.datasets` set (MNIST's 10 classes) against fewer "
        "units. Reported at the output layer."
    ),
    why=(
        "One-hot labels of `k` columns and predictions of another width do not fit: `fit` fails with an "
        "incompatible-shape error after the data is loaded. Integer labels above the last unit are out "
        "of range: some backends fail, others compute a loss on garbage and train on nothing."
    ),
    example=(
        "y_train = keras.utils.to_categorical(y_train, 10)\n"
        "model = keras.Sequential([layers.Dense(64, activation=\"relu\"), layers.Dense(5, activation=\"softmax\")])  "
        "# KA304\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")\n"
        "model.fit(x_train, y_train)\n"
    ),
    instead=(
        "y_train = keras.utils.to_categorical(y_train, 10)\n"
        "model = keras.Sequential([layers.Dense(64, activation=\"relu\"), layers.Dense(10, activation=\"softmax\")])\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")\n"
        "model.fit(x_train, y_train)\n"
    ),
    fix="No automatic fix: one of the two counts is wrong, and only the author knows which.",
    limits=(
        "The class count must be a literal (or a name bound to one) in `to_categorical`, or the "
        "dataset's own; the width a literal. Labels that reach `fit` through a function or a "
        "`tf.data` pipeline are not followed. A one-unit output is KA204's."
    ),
)

KA305 = Code(
    code="KA305",
    slug="labels-do-not-fit-the-loss",
    summary="Labels whose encoding does not fit the loss",
    what=(
        "Reports `sparse_categorical_crossentropy` compiled for a model whose `fit` labels went through "
        "`to_categorical` or `one_hot`, and `categorical_crossentropy` for one whose labels come straight "
        "from a `keras.datasets` set's `load_data()` as integer class indices. Reported at the loss "
        "argument of `compile()`."
    ),
    why=(
        "The sparse loss reads one integer class per sample, the categorical one a row of one-hot "
        "probabilities. The wrong pair fails at `fit` with a shape error, or, where the shapes happen "
        "to broadcast, trains on a loss that means nothing."
    ),
    example=(
        "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation=\"softmax\")])\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")  # KA305\n"
        "model.fit(x_train, y_train)\n"
    ),
    instead=(
        "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation=\"softmax\")])\n"
        "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\")\n"
        "model.fit(x_train, y_train)\n"
    ),
    fix=(
        "No automatic fix: the loss or the labels may change, and `to_categorical` elsewhere in the file "
        "may be what the author meant."
    ),
    limits=(
        "Labels are followed from `load_data()`, `to_categorical` and `one_hot` to `fit` through plain "
        "assignments, slicing and `astype`; labels the file makes otherwise are never judged, and "
        "`\"crossentropy\"` (which Keras chooses from the labels) neither."
    ),
)

KA306 = Code(
    code="KA306",
    slug="declared-input-width-mismatch",
    summary="A layer's declared input width is not the width it receives",
    what=(
        "Reports a layer that declares the width of its input (PyTorch's `nn.Linear(in_features, ...)`, "
        "`nn.Conv2d(in_channels, ...)` and the other convolutions, `nn.BatchNorm1d(num_features)`) when the "
        "layer that feeds it, through steps that keep the width (dropout, activations, batch normalization, "
        "pooling, padding), makes another width: `nn.Linear(20, 100)` then `nn.Linear(50, 1)`, "
        "`nn.Conv2d(3, 16, 3)` then `nn.Conv2d(32, 64, 3)`. Reported at the layer whose declared width is wrong."
    ),
    why=(
        "PyTorch checks nothing when the model is made: the first forward pass fails with \"mat1 and mat2 "
        "shapes cannot be multiplied\" (or a channel mismatch for a convolution), often after the data is "
        "loaded, and the message names shapes, not the layer. Keras layers infer their input width, so "
        "there the question does not arise."
    ),
    example=(
        "model = nn.Sequential(\n"
        "    nn.Linear(20, 100),\n"
        "    nn.ReLU(),\n"
        "    nn.Linear(50, 1),  # KA306: it receives 100 features\n"
        ")\n"
    ),
    instead=(
        "model = nn.Sequential(\n"
        "    nn.Linear(20, 100),\n"
        "    nn.ReLU(),\n"
        "    nn.Linear(100, 1),\n"
        ")\n"
    ),
    fix="No automatic fix: either width may be the wrong one.",
    limits=(
        "Both widths must be literals (or names bound to one), and the path between the two layers one "
        "chain of steps that keep the width (dropout, activations, batch normalization, pooling, padding): "
        "a flatten, a `view` or `reshape`, a mean, a transpose, a concatenation or anything unknown in "
        "between ends what is known, and the widths must be on the same axis (a convolution's channels "
        "into a convolution or a normalization, a linear layer's features into a linear layer). Keras "
        "layers infer the width of their input and declare none: `input_dim`/`input_shape` on a later "
        "layer is ignored by Keras (KA102), not a width it checks, so in practice KA306 is reported in "
        "PyTorch code only."
    ),
)

CODES = (KA301, KA302, KA303, KA304, KA305, KA306)


def ka301(argument: str, array: str, whole: bool, fit_line: int) -> str:
    written = f"{array}.shape" if whole else f"({array}.shape[0], ...)"
    return (
        f"{argument}={written} includes the batch axis: {array} is what this model is fitted on (line "
        f"{fit_line}), whose first axis counts its samples, and Keras adds the batch axis itself; use "
        f"{array}.shape[1:]"
    )


def _shown(shape: Shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def ka302(layer: str, received: Shape, feeder: str | None, feeder_line: int | None, needs: str, remedy: str) -> str:
    where = f" from {feeder}" + (f" (line {feeder_line})" if feeder_line is not None else "") if feeder else ""
    return (
        f"{layer} receives samples of shape {_shown(received)}{where} but {needs}: Keras refuses to build "
        f"it; {remedy}"
    )


def ka303(layer: str, detail: str, received: Shape, hint: str) -> str:
    return (
        f"{detail}: samples of shape {_shown(received)} are too small for it with padding=\"valid\", and Keras "
        f"raises that the output size would be zero or negative; {hint}"
    )


def ka304(layer: str, units: int, labels: str, classes: int, line: int) -> str:
    return (
        f"{layer} has {units} units but the labels fitted on ({labels}, line {line}) have {classes} classes: "
        f"the output and the labels do not fit; use {classes} units, or the labels' real class count"
    )


def ka305(loss: str, labels: str, line: int, one_hot: bool) -> str:
    if one_hot:
        return (
            f"{loss} reads one integer class per sample, but the labels fitted on went through {labels} "
            f"(line {line}) and are one-hot rows; use \"categorical_crossentropy\", or fit on the integer labels"
        )
    return (
        f"{loss} reads one-hot rows, but the labels fitted on come straight from {labels} (line {line}) as "
        'integer class indices; use "sparse_categorical_crossentropy", or keras.utils.to_categorical on them'
    )


def _batch_axis(node: LayerNode, graph: ModelGraph) -> list[Finding]:
    """KA301: the model's input shape given as the whole shape of the array it is fitted on."""
    fitted = {fit.x: fit for fit in graph.fits if fit.x is not None}
    if not fitted or node.arguments is None or node.shape_at is None:
        return []
    names = ("shape", "batch_shape") if node.kind is Kind.INPUT else ("input_shape",)
    for name, value in node.arguments:
        if name not in names or name == "batch_shape":
            continue
        origin, array = None, ""
        if isinstance(value, ShapeOf) and value.start == 0:
            origin, array = value.origin, value.array
        elif isinstance(value, tuple) and value and isinstance(value[0], DimOf) and value[0].axis == 0:
            origin, array = value[0].origin, value[0].array
        if origin in fitted:
            fit = fitted[origin]
            fixable = (name,) if isinstance(value, ShapeOf) else ()
            line, col = node.shape_at
            message = ka301(name, array, isinstance(value, ShapeOf), fit.line)
            call = (node.line, node.col or 0) if node.line is not None else None
            return [Finding(line, col, "KA301", message, node.layer, fixable, call)]
    return []


# Layers that check the rank of what they receive, and layers whose output's rank is known whatever
# they receive.
_CHECKING_WORDS = ("Conv", "Pool", "Sampling", "Padding", "Cropping")
RANK_CHECKED = frozenset(
    key for key in PARAMETERS if key in catalog.RECURRENT_LAYERS or any(word in key for word in _CHECKING_WORDS)
) | {catalog.BIDIRECTIONAL, "layers.RepeatVector"}
RANK_SOURCES = frozenset(catalog.RECURRENT_LAYERS) | {catalog.BIDIRECTIONAL, "layers.Flatten"} | frozenset(
    key for key in PARAMETERS if "Global" in key
)


def _rank_maker(graph: ModelGraph, feeder: LayerNode | None) -> LayerNode | None:
    """The layer that made what a layer receives, looking back through layers that keep the shape."""
    seen: set[int] = set()
    while feeder is not None and feeder.layer in SAME_SHAPE and feeder.key not in seen:
        seen.add(feeder.key)
        before = graph.predecessors(feeder.key)
        feeder = graph.node(before[0]) if len(before) == 1 else None
    return feeder


def _rank_remedy(graph: ModelGraph, problem: Problem) -> tuple[str, tuple[str, ...], tuple[int, int] | None]:
    """What to do about a layer fed the wrong rank, and the fix when its feeder is a recurrent layer."""
    feeder = _rank_maker(graph, problem.feeder)
    short = problem.expected is not None and len(problem.received) + 1 == problem.expected
    if feeder is not None and feeder.layer in catalog.RECURRENT_LAYERS and feeder.line is not None and short:
        return f"add return_sequences=True to {feeder.label}", ("return_sequences",), (feeder.line, feeder.col or 0)
    if feeder is not None and feeder.layer == catalog.BIDIRECTIONAL and short:
        inner = dict(feeder.arguments or ()).get("layer")
        if isinstance(inner, NestedLayer) and inner.key in catalog.RECURRENT_LAYERS and inner.line is not None:
            return (
                f"add return_sequences=True to {inner.label} in {feeder.label}",
                ("return_sequences",),
                (inner.line, inner.col or 0),
            )
    if problem.expected is not None and len(problem.received) + 1 == problem.expected:
        return "give each sample the missing axis (a Reshape, or data with one more axis)", (), None
    return "reshape what it receives to the rank it needs", (), None


def _rank_findings(graph: ModelGraph, shapes: Shapes) -> list[Finding]:
    found = []
    for key, problem in shapes.problems.items():
        node = graph.node(key)
        if node.line is None:
            continue
        if problem.kind == "rank":
            remedy, fixable, call = _rank_remedy(graph, problem)
            feeder = _rank_maker(graph, problem.feeder)
            feeder = feeder if feeder is not None and feeder.kind is not Kind.INPUT else None
            needs = problem.detail.split(" needs ", 1)[-1]
            message = ka302(
                node.label, problem.received, feeder.label if feeder else None, feeder.line if feeder else None,
                f"it needs {needs}", remedy,
            )
            found.append(Finding(node.line, node.col or 0, "KA302", message, node.layer, fixable, call))
        elif problem.kind == "window":
            received = problem.received
            hint = 'use padding="same", a smaller window, or fewer poolings before it'
            if (
                len(received) == 3
                and received[0] in (1, 3)
                and received[2] is not None
                and received[2] > 4
                and dict(node.arguments or ()).get("data_format") is None
            ):
                hint = (
                    f'the samples look channels-first {_shown(received)}: set data_format="channels_first", '
                    "or give them channels last"
                )
            found.append(Finding(node.line, node.col or 0, "KA303", ka303(node.label, problem.detail, received, hint),
                                 node.layer))
    return found


def _label_findings(graph: ModelGraph) -> list[Finding]:
    """KA304 and KA305: the labels fitted on against the output layer and the loss."""
    found: dict[tuple[int, int, str], Finding] = {}
    if len(graph.heads) != 1:
        return []
    for fit in graph.fits:
        labels = fit.y
        if labels is None:
            continue
        for loss in graph.losses:
            if not fit.pairs_with(loss):
                continue
            family = catalog.loss_family(loss.key)
            if family not in ("categorical", "sparse"):
                continue
            one_hot = labels.encoding == "one_hot"
            if (family == "sparse") == one_hot:
                message = ka305(loss.label, labels.source, labels.line, one_hot)
                found.setdefault((loss.line, loss.col, "KA305"), Finding(loss.line, loss.col, "KA305", message))
                continue
            found.update(_class_count(graph, loss, labels, one_hot))
    return list(found.values())


def _class_count(graph: ModelGraph, loss: Loss, labels: Labels, one_hot: bool) -> dict[tuple[int, int, str], Finding]:
    """KA304: an output layer whose width is not the labels' class count (for integer labels, fewer
    units than classes: more are unused but harmless)."""
    out: dict[tuple[int, int, str], Finding] = {}
    if labels.classes is None:
        return out
    for key in heads_for(graph, loss.output):
        step = output_step(graph, key)
        if step is None or step.channels is None or step.channels <= 1:
            continue
        units, node = step.channels, step.node
        if units == labels.classes or (not one_hot and units > labels.classes) or node.line is None:
            continue
        message = ka304(node.label, units, labels.source, labels.classes, labels.line)
        out[(node.line, node.col or 0, "KA304")] = Finding(node.line, node.col or 0, "KA304", message, node.layer)
    return out


def ka306(layer: str, takes: int, source: str, source_line: int | None, makes: int, what: str) -> str:
    """`what` is the target's kind: "linear" (features), "conv" or "norm" (channels)."""
    where = f" (line {source_line})" if source_line is not None else ""
    unit = "features" if what == "linear" else "channels"
    error = {
        "linear": "mat1 and mat2 shapes cannot be multiplied",
        "conv": f"expected input to have {takes} channels, but got {makes} channels instead",
        "norm": f"running_mean should contain {makes} elements not {takes}",
    }[what]
    return (
        f"{layer} takes {takes} input {unit} but {source}{where} makes {makes}: the first forward pass "
        f"fails ({error}); make the two agree"
    )


def _keeps_declared_width(node: LayerNode) -> bool:
    """A step that gives what it receives at the same width: a width-keeping module, or an
    activation call, a dropout or arithmetic with a constant in the code (a reshape, which has a
    layer key, does not)."""
    if node.layer:
        return node.layer in WIDTH_KEEPING
    return node.kind is Kind.PASS or (node.kind is Kind.NONLINEAR and bool(node.act_name))


def _same_axis(source: LayerNode, target: LayerNode) -> bool:
    """The width the source makes is the one the target declares: a convolution's channels (axis 1)
    into a convolution or a normalization, a linear layer's features (the last axis) into a linear
    layer or a normalization. A linear layer right after a convolution reads its last spatial axis."""
    if source.layer in CONVOLUTIONS:
        return target.layer not in _LINEAR
    return target.layer not in CONVOLUTIONS


_LINEAR = frozenset({"nn.Linear", "nn.LazyLinear"})


def _declared_widths(graph: ModelGraph) -> list[Finding]:
    """KA306: a layer whose declared input width is not what the layer before it makes."""
    found = []
    for node in graph.nodes:
        if node.in_width is None or node.line is None:
            continue
        key, seen = node.key, {node.key}
        source = None
        while True:
            before = graph.predecessors(key)
            if len(before) != 1 or before[0] in seen:
                break
            previous = graph.node(before[0])
            seen.add(previous.key)
            if not _keeps_declared_width(previous) or previous.in_width is not None and previous.kind is Kind.AFFINE:
                source = previous
                break
            key = previous.key
        if source is None or source.kind is not Kind.AFFINE or source.width is None or not _same_axis(source, node):
            continue
        if source.width != node.in_width:
            what = "linear" if node.layer in _LINEAR else "conv" if node.layer in CONVOLUTIONS else "norm"
            message = ka306(node.label, node.in_width, source.label, source.line, source.width, what)
            found.append(Finding(node.line, node.col or 0, "KA306", message, node.layer))
    return found


def _shaped(graph: ModelGraph) -> bool:
    """Whether the engine can find a problem: some layer checks what it receives, and something
    gives a shape to start from (an input, a first layer's input shape, data of known shape, or a
    layer whose output's rank does not depend on its input)."""
    checks = starts = False
    for node in graph.nodes:
        key = node.layer
        checks = checks or key in RANK_CHECKED or node.wrapper != ""
        starts = starts or node.kind is Kind.INPUT or bool(node.shape_args) or key in RANK_SOURCES
    return checks and (starts or any(fit.sample is not None for fit in graph.fits))


def analyze(graph: ModelGraph) -> list[Finding]:
    """All shape and label findings for one model graph, in source order."""
    findings: list[Finding] = []
    for node in graph.nodes:
        if node.shape_at is not None:
            findings += _batch_axis(node, graph)
    if _shaped(graph):
        findings += _rank_findings(graph, shapes.of(graph))
    findings += _label_findings(graph) + _declared_widths(graph)
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings
