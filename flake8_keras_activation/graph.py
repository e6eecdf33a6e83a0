"""The neutral model graph that both the source half and the runtime half produce."""

from __future__ import annotations

from typing import Any, NamedTuple

from .catalog import Act, Kind

# Immutable records as NamedTuples rather than frozen dataclasses: the flake8 path imports this
# module on every run that meets Keras code, and building dataclass methods at import time cost
# more (about 4 ms) than analyzing a typical file.


class LayerConfig(NamedTuple):
    """How to rebuild a layer with Keras: its canonical class and literal arguments."""

    key: str  # canonical catalog key, e.g. "layers.Dense"
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    inner: LayerConfig | None = None  # the wrapped layer of a wrapper such as TimeDistributed


class Loss(NamedTuple):
    """One loss a model is compiled with, as written in `compile(loss=...)`."""

    key: str | None  # canonical catalog key ("losses.BinaryCrossentropy", "losses.mse"), None when unknown
    label: str  # the loss expression as the user wrote it
    line: int
    col: int
    from_logits: bool | None = False  # None when it is not a literal
    output: int | str | None = None  # the output it applies to: list index, dict key, or None for all
    inline: bool = False  # the loss argument is the constructor call itself (a fix can edit it there)
    compile: int = 0  # identifies the compile() call that gave it, to pair it with that call's metrics
    instance: int = 0  # which of the models a function or class makes it was given to (0: every one)
    applied: str = ""  # an activation applied to the output on its way to the loss (torch: F.log_softmax(out))


class Metric(NamedTuple):
    """One metric a model is compiled with, as written in `compile(metrics=...)`."""

    key: str  # the name Keras resolves ("accuracy"), or the canonical class key ("metrics.Accuracy")
    label: str  # the metric expression as the user wrote it
    line: int
    col: int
    output: int | str | None = None  # the output it applies to: list index, dict key, or None for all
    compile: int = 0  # the compile() call that gave it
    instance: int = 0  # which of the models a function or class makes it was given to (0: every one)


class ShapeOf(NamedTuple):
    """`x.shape` (start 0) or `x.shape[1:]` (start 1) of an array the file computes, given as a
    layer's shape argument: `origin` names the array, `sample` is its shape without the first axis
    where the file fixes it (a dataset's `load_data()`, a literal `reshape`)."""

    origin: int
    start: int
    sample: tuple[int | None, ...] | None = None
    array: str = ""  # the array as written (`x_train`), for messages


class DimOf(NamedTuple):
    """`x.shape[i]` of an array the file computes: its value where the file fixes it."""

    origin: int
    axis: int
    value: int | None = None
    array: str = ""  # the array as written, for messages


class NestedLayer(NamedTuple):
    """A layer given as an argument of another (the recurrent layer of a Bidirectional)."""

    key: str
    arguments: tuple[tuple[str, Any], ...] | None
    line: int | None = None  # where its own call is, for fixes
    col: int | None = None
    label: str = ""


class Labels(NamedTuple):
    """What the file knows of the labels it fits a model on."""

    encoding: str  # "one_hot" (to_categorical, one_hot) or "integer" (a dataset's class indices)
    classes: int | None  # how many classes, where a literal or the dataset says it
    source: str  # how they were made, for messages: "to_categorical(y, 10)", "mnist.load_data()"
    line: int = 0
    col: int = 0


class Fit(NamedTuple):
    """One `fit` (or `train_on_batch`) call of a model: the arrays it is given, where the file knows them."""

    x: int | None  # the origin of the array given as x
    y: Labels | None
    line: int
    col: int
    sample: tuple[int | None, ...] | None = None  # x's shape without its first axis, where known
    instance: int = 0  # which of the models a function or class makes was fitted (0: every one)

    def pairs_with(self, loss: Loss) -> bool:
        """Whether this fit trains with `loss`: both were given to the same model."""
        return not self.instance or not loss.instance or self.instance == loss.instance


class LayerNode(NamedTuple):
    """One layer of a model: what it is, where it is written, and what it was given."""

    key: int  # unique within its graph
    kind: Kind
    label: str  # "Dense(20)", as the user wrote it
    activation: Act = Act.LINEAR  # meaningful for AFFINE nodes
    activation_given: bool = False  # an explicit `activation=` (or positional) argument
    line: int | None = None  # 1-based
    col: int | None = None  # 0-based, in characters
    shape_args: tuple[str, ...] = ()  # input-shape keywords given to this layer
    config: LayerConfig | None = None  # None when the call is not literal
    width: int | None = None  # output units, when known (runtime, or a literal Dense or Input)
    layer: str = ""  # the catalog key ("layers.Dense"), or "" for what is not a Keras layer
    bias: bool = True  # False for a literal use_bias=False
    kernel: int | None = None  # the largest literal kernel dimension of a convolution
    act_name: str = ""  # the activation this node applies to its last axis ("softmax", "linear"), "" if unknown
    channels: int | None = None  # the size of the output's last axis, where a literal says it
    name: str | None = None  # the layer's literal `name=`
    # The layer object this node applies, when the node is one application of it (0: the node's key).
    # Applications of one object are judged together; a layer made anew on each pass of a loop is
    # one object per pass.
    origin: int = 0
    shape_positions: tuple[tuple[int, int], ...] = ()  # (line, col) of each of shape_args
    called: bool = False  # applied to a tensor at a call site (functional code, a subclass's call())
    keras3: bool = False  # the file spells Keras 3 (imports keras, not tf_keras)
    binding: str = ""  # the name the code assigns the layer, or its output, to (`code = Dense(32)(x)`)
    # The arguments the call gives, by parameter name: literals as values, others as NOT_LITERAL
    # (catalog.shape_rules), an array's shape as ShapeOf/DimOf; None when the call unpacks
    # *args or **kwargs or is not a constructor call.
    arguments: tuple[tuple[str, Any], ...] | None = None
    wrapper: str = ""  # "layers.TimeDistributed" when the node applies its layer through one
    shape_at: tuple[int, int] | None = None  # where the call gives the model's input shape (line, col)
    in_width: int | None = None  # the width of its input a PyTorch module declares (Linear's in_features)
    axis: int | None = None  # the axis its activation applies over, when not the last (torch's dim=1)
    framework: str = ""  # "torch" for what PyTorch code applies (its activation calls), for messages
    grouped: bool = False  # a convolution whose `groups` is given and not 1 (a depthwise one, in PyTorch)

    def with_key(self, key: int) -> LayerNode:
        """The same layer as another node of a graph (another application of it)."""
        return self._replace(key=key, origin=self.origin or self.key)

    @property
    def layer_object(self) -> int:
        return self.origin or self.key

    @property
    def is_linear_affine(self) -> bool:
        return self.kind is Kind.AFFINE and self.activation is Act.LINEAR


class ModelGraph:
    """A model as a graph of layers.

    `edges` are the may-flow edges: (a, b) means the output of `a` can reach `b` directly.
    `preceded` holds the layers that come after another layer on every path into them,
    within this model's own layer list (it is how KA102 knows a layer is not the first).
    `complete` is False when something the analysis could not follow may have changed the
    model (a call that received it, a `pop()`): then nothing is claimed about the whole model.
    `heads` are its outputs in order; `losses` and `metrics` are what its `compile()` calls say.
    Built once and never changed; its neighbour lists are derived at construction.
    """

    __slots__ = (
        "kind", "label", "nodes", "edges", "line", "col", "inputs", "outputs", "preceded", "complete",
        "heads", "losses", "metrics", "fits", "origin", "cache", "_by_key", "_succ", "_pred",
    )

    def __init__(
        self,
        kind: str,  # "sequential", "functional", "subclassed" or "runtime"
        label: str,
        nodes: tuple[LayerNode, ...],
        edges: frozenset[tuple[int, int]],
        line: int | None = None,
        col: int | None = None,
        inputs: tuple[int, ...] = (),
        outputs: tuple[int, ...] = (),
        preceded: frozenset[int] = frozenset(),
        complete: bool = True,
        heads: tuple[tuple[int, ...], ...] | None = None,
        losses: tuple[Loss, ...] = (),
        origin: int = 0,
        metrics: tuple[Metric, ...] = (),
    ) -> None:
        self.kind = kind
        self.label = label
        self.nodes = nodes
        self.edges = edges
        self.line = line
        self.col = col
        self.inputs = inputs
        self.outputs = outputs
        self.preceded = preceded
        self.complete = complete
        # The model's outputs in order, each as the nodes that may produce it (one output of a
        # multi-output model per entry); by default, one output made by all of `outputs`.
        self.heads = heads if heads is not None else ((tuple(outputs),) if outputs else ())
        self.losses = losses  # what compile() says, matched to `heads` by order or layer name
        self.metrics = metrics  # what compile() says to measure, paired with its losses by `compile`
        self.fits: tuple[Fit, ...] = ()  # what fit() is given
        self.cache: dict[str, Any] = {}  # what rules derive from the graph once (its shapes)
        self.origin = origin  # identifies the model's construction, so that a later compile() finds it
        self._by_key = {node.key: node for node in nodes}
        self._succ: dict[int, list[int]] = {}
        self._pred: dict[int, list[int]] = {}
        # Neighbours in source order, so that messages do not depend on memory addresses.
        order = {node.key: (node.line or 0, node.col or 0, index) for index, node in enumerate(nodes)}
        for a, b in sorted(edges, key=lambda e: (order.get(e[0], ()), order.get(e[1], ()))):
            self._succ.setdefault(a, []).append(b)
            self._pred.setdefault(b, []).append(a)

    def __repr__(self) -> str:
        return f"ModelGraph({self.kind!r}, {self.label!r}, {len(self.nodes)} nodes, {len(self.edges)} edges)"

    def with_training(self, entries: tuple[Loss | Metric | Fit, ...]) -> ModelGraph:
        """The same model, compiled and fitted with these losses, metrics and fits (and no others)."""
        graph = ModelGraph(
            self.kind, self.label, self.nodes, self.edges, self.line, self.col, self.inputs, self.outputs,
            self.preceded, self.complete, self.heads,
            tuple(entry for entry in entries if isinstance(entry, Loss)),
            self.origin,
            tuple(entry for entry in entries if isinstance(entry, Metric)),
        )
        graph.fits = tuple(entry for entry in entries if isinstance(entry, Fit))
        return graph

    @property
    def training(self) -> tuple[Loss | Metric | Fit, ...]:
        return (*self.losses, *self.metrics, *self.fits)

    def node(self, key: int) -> LayerNode:
        return self._by_key[key]

    def successors(self, key: int) -> list[int]:
        return self._succ.get(key, [])

    def predecessors(self, key: int) -> list[int]:
        return self._pred.get(key, [])
