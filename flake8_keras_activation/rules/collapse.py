"""The collapse family (KA101-KA104): linear layers that fold into one affine map, and input shapes
Keras ignores. One pure function over a ModelGraph, shared by the source and runtime halves."""

from __future__ import annotations

import re
from collections import deque
from typing import NamedTuple

from ..catalog import Kind
from ..catalog.torch import torch_activation_module
from ..finding import SAFE, UNSAFE, Code, Finding
from ..graph import LayerNode, ModelGraph


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
        " PyTorch: an `nn.Linear`, `nn.LazyLinear` or convolution module (which never has an activation of "
        "its own) whose output reaches another one with no activation module (`nn.ReLU()`, `nn.GELU()`, ...) "
        "or call (`F.relu(x)`, `torch.relu(x)`, `x.relu()`) between, in an `nn.Sequential(...)` or through "
        "the data flow of `forward`; reported at the module's constructor (in `__init__` for a module "
        "assigned to `self.<name>`)."
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
        "`flake8-keras-activation fix` adds `activation=\"relu\"` (or the "
        "configuration's `activation`, or the one you choose with `--activation`) to the reported "
        "layer, replacing an explicit linear activation in place. The fix changes what the model "
        "computes, which is the point; retrain after applying it."
        " In PyTorch, `fix` inserts `nn.ReLU()` (or the `--activation` module) right after a module written "
        "as `nn.Linear(...)` or `torch.nn.Linear(...)` among the arguments of `nn.Sequential(...)`; in "
        "`forward` there is no mechanical fix, and `fix` says so."
    ),
    fix_safety=UNSAFE,
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
        " In PyTorch, only `torch.nn` modules are read (a `Linear` of another library never is); `forward` "
        "is followed through `self.<name>` modules, `nn.ModuleList`/`nn.ModuleDict` loops, `torch.cat` and "
        "`+`; a call of a helper the file does not define ends what is known."
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
    fix_safety=SAFE,
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
        " PyTorch: an `nn.Sequential(...)` call, or the `class` line of an `nn.Module` whose `forward` "
        "applies only affine and pass-through steps. Two affine layers must be composed: side-by-side "
        "single-layer heads (a detector's class and box `Linear`s) are a linear model per output."
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
        "another affine layer when the pair's form declares a deliberate factorization of one map: "
        "the linear layer's `name=`, or the name its output is assigned to, says so (`bottleneck`, "
        "`latent`, `code`, `z`, `encoded`, `embedding`, `projection`, `lora`, `low_rank`, ...) and it "
        "is not wider than the layer it feeds (a rank limit, as in a bottleneck, LoRA or a linear "
        "autoencoder), or it has `use_bias=False` and feeds the next affine layer without a "
        "normalization in between (its bias would be redundant, and the author removed it), or it "
        "is a pointwise (1x1) convolution feeding a spatial convolution (a channel projection, as "
        "in feature pyramids). This code is off by default: enable it with "
        "`--extend-select=KA104` (an explicit `--select=KA` enables it too, as flake8 lets an "
        "explicit selection win over a plugin's default)."
        " PyTorch: the same forms, with `bias=False`, the name the module is assigned to "
        "(`self.encoder = nn.Linear(...)`), or a grouped (`groups=`, depthwise) convolution before a "
        "pointwise one (a depthwise-separable convolution)."
    ),
    why=(
        "The pair still computes one affine map. When the narrowing is deliberate that is the "
        "point: it limits the rank, or saves parameters. When it is not, it is the bug KA101 "
        "describes, and only the author can tell. A model whose only collapses are such "
        "factorizations is not reported as KA103 either."
    ),
    example=(
        "inputs = keras.Input(shape=(784,))\n"
        "code = layers.Dense(32)(inputs)  # KA104: a declared rank-32 bottleneck, 784 -> 32 -> 784\n"
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
        "A narrow layer is not taken for a factorization by its width alone, known or not: a `Dense(1)` "
        "before `Dense(4, activation=\"softmax\")` is a rank-1 bottleneck by mistake as often as by "
        "design, so it is KA101 unless its name declares it. Kernel sizes are known only from literal "
        "`kernel_size`."
    ),
)


CODES = (KA101, KA102, KA103, KA104)

# What KA101's fix writes, and its message names, unless the configuration says another
DEFAULT_ACTIVATION = "relu"
# How KA101, KA103 and KA104 end: the Keras argument, or the PyTorch module, of the activation
_REMEDY = 'add activation="{}"'
_TORCH_MODULE = "nn.{}()"
_KERAS_REMEDY = _REMEDY.format(DEFAULT_ACTIVATION)
_TORCH_DEFAULT = _TORCH_MODULE.format(torch_activation_module(DEFAULT_ACTIVATION))
_TORCH_REMEDY = f"add {_TORCH_DEFAULT} after it"


def with_activation(finding: Finding, activation: str) -> Finding:
    """The finding with its remedy naming `activation`, the one the project's configuration says
    `fix` writes (the analysis words it with the default)."""
    if activation == DEFAULT_ACTIVATION or finding.code not in ("KA101", "KA103", "KA104"):
        return finding
    for default, chosen in (
        (_KERAS_REMEDY, _REMEDY.format(activation)),
        (_TORCH_DEFAULT, _TORCH_MODULE.format(torch_activation_module(activation))),
    ):
        head, found, tail = finding.message.rpartition(default)
        if found:
            return finding._replace(message=head + chosen + tail)
    return finding


def remedy_for(node: LayerNode) -> str:
    """What to add, in the layer's framework: an activation argument, or a PyTorch activation module."""
    return _TORCH_REMEDY if node.layer.startswith("nn.") else _KERAS_REMEDY


def ka101(
    source: str, has_what: str, target: str, target_line: int | None, via: tuple[str, ...], remedy: str = _KERAS_REMEDY
) -> str:
    where = f" (line {target_line})" if target_line is not None else ""
    through = f" through {', '.join(via)}" if via else ""
    return f"{source} {has_what} and feeds {target}{where}{through}: the two collapse into one affine map; {remedy}"


def ka101_loop(source: str, has_what: str, remedy: str = _KERAS_REMEDY) -> str:
    return (
        f"{source} {has_what} and feeds itself (it is applied again in a loop, or called twice): "
        f"the applications collapse into one affine map; {remedy}"
    )


def ka104(source: str, target: str, target_line: int | None, why: str, remedy: str = _KERAS_REMEDY) -> str:
    where = f" (line {target_line})" if target_line is not None else ""
    return (
        f"{source} has no activation and feeds {target}{where}: {why}; the two compose into one affine "
        f"map, which is right for a deliberate factorization; otherwise {remedy}"
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


def ka103(model: str, affine_count: int, torch: bool = False) -> str:
    remedy = f"add {_TORCH_DEFAULT} between the layers" if torch else f"{_KERAS_REMEDY} to the hidden layers"
    return (
        f"{model} is affine end to end: its {affine_count} affine layers compute one "
        f"affine map, so it cannot fit a nonlinear function; {remedy}"
    )


class Collapse(NamedTuple):
    """`source` (a linear affine layer) reaches the affine layer `target` through `via` only."""

    source: LayerNode
    target: LayerNode
    via: tuple[LayerNode, ...]


def affine_outputs(graph: ModelGraph) -> frozenset[int]:
    """The nodes whose output is an affine function of the graph's inputs along every path.

    This is what decides whether a merge (Add, Concatenate, ...) keeps a chain affine: it does
    when every one of its inputs is affine. A greatest fixed point, so that a layer applied in
    a loop is decided by its other inputs.
    """
    affine = {
        node.key
        for node in graph.nodes
        if node.kind in (Kind.INPUT, Kind.PASS, Kind.MERGE) or node.is_linear_affine
    }
    queue = deque(node.key for node in graph.nodes if node.key not in affine)
    while queue:
        key = queue.popleft()
        for successor in graph.successors(key):
            if successor in affine and graph.node(successor).kind is not Kind.INPUT:
                affine.discard(successor)
                queue.append(successor)
    return frozenset(affine)


def _keeps_chain(node: LayerNode, affine: frozenset[int]) -> bool:
    return node.kind is Kind.PASS or (node.kind is Kind.MERGE and node.key in affine)


def find_collapses(graph: ModelGraph, affine: frozenset[int] | None = None) -> list[Collapse]:
    """Each linear affine layer all of whose output reaches other affine layers through pass-throughs.

    Every path out of the layer must end at an affine layer after affine steps only: a path that
    meets a nonlinear or unknown step first, or leaves the graph (an output, a returned tensor),
    means the layer also shapes a feature that is used as it is, and it is not reported. Edges
    are may-flow edges, so an extra edge only ever silences a layer. One collapse per source
    layer: the nearest target, in breadth-first order.
    """
    if affine is None:
        affine = affine_outputs(graph)
    found: list[Collapse] = []
    # A layer object applied at several places (shared, or made outside a loop and applied in it)
    # is one layer: it collapses only when each of its applications does.
    applications: dict[int, list[LayerNode]] = {}
    for node in graph.nodes:
        if node.is_linear_affine:
            applications.setdefault(node.layer_object, []).append(node)
    for nodes in applications.values():
        collapses = [_collapse_from(graph, node, affine) for node in nodes]
        # An application that another application of the same object collapses into continues that
        # map (`x = d(x); out = d(x)` computes d(d(x)), one affine map), so it does not keep the
        # object from being reported; an application whose output is used for itself does.
        continued = {
            c.target.key for c in collapses if c is not None and c.target.layer_object == c.source.layer_object
        }
        if any(collapses) and all(c is not None or n.key in continued for n, c in zip(nodes, collapses)):
            found.extend(c for c in collapses if c is not None)
    return found


def _collapse_from(graph: ModelGraph, source: LayerNode, affine: frozenset[int]) -> Collapse | None:
    # parent[k]: the node before k on the breadth-first path from `source`
    parent: dict[int, int] = {}
    queue: deque[int] = deque()
    successors = graph.successors(source.key)
    if not successors:
        return None
    for key in successors:
        if key not in parent:
            parent[key] = source.key
            queue.append(key)
    target = None
    while queue:
        key = queue.popleft()
        node = graph.node(key)
        if node.kind is Kind.AFFINE:
            target = target or node
            continue
        if not _keeps_chain(node, affine):
            return None  # this path meets a nonlinear or unknown step first
        following = graph.successors(key)
        if not following:
            return None  # this path leaves the graph with the layer's output unchanged
        for nxt in following:
            if nxt not in parent:
                parent[nxt] = key
                queue.append(nxt)
    if target is None:
        return None
    via = []
    step = parent[target.key]
    while step != source.key:
        via.append(graph.node(step))
        step = parent[step]
    return Collapse(source, target, tuple(reversed(via)))


def affine_applications(graph: ModelGraph) -> int:
    """How many affine maps the model applies: its linear affine layers, a looped one counting twice."""
    count = 0
    for node in graph.nodes:
        if node.kind is Kind.AFFINE:
            count += 2 if (node.key, node.key) in graph.edges else 1
    return count


def is_affine(graph: ModelGraph, affine: frozenset[int] | None = None) -> bool:
    """Every node of a complete graph is affine: the model computes one affine map."""
    if not graph.complete or not graph.nodes:
        return False
    if affine is None:
        affine = affine_outputs(graph)
    return all(node.key in affine for node in graph.nodes)


def is_affine_end_to_end(graph: ModelGraph, affine: frozenset[int] | None = None) -> bool:
    """KA103: the model is one affine map made of at least two affine maps, one applied after the
    other. Side-by-side affine layers that never feed each other (a detector's class and box heads,
    each one `Linear` on the same features) are one linear layer per output: a linear model, which
    is legitimate as a single `Dense(1)` is."""
    return is_affine(graph, affine) and affine_applications(graph) >= 2 and _composes(graph)


def _composes(graph: ModelGraph) -> bool:
    """Some affine layer's output reaches an affine layer (itself, in a loop, included)."""
    layers = {node.key for node in graph.nodes if node.kind is Kind.AFFINE}
    for start in layers:
        seen: set[int] = set()
        stack = list(graph.successors(start))
        while stack:
            key = stack.pop()
            if key in layers:
                return True
            if key not in seen:
                seen.add(key)
                stack.extend(graph.successors(key))
    return False


def collapsed_runs(graph: ModelGraph, collapses: list[Collapse] | None = None) -> list[tuple[LayerNode, ...]]:
    """Chains of collapses, as paths: `Dense -> Dropout -> Dense -> Dense(softmax)` is one run
    of three affine layers when the first two are linear; the last contributes its pre-activation."""
    if collapses is None:
        collapses = find_collapses(graph)
    by_source = {c.source.key: c for c in collapses}
    targets = {c.target.key for c in collapses if c.target.key != c.source.key}
    runs = []
    for collapse in collapses:
        if collapse.source.key in targets:
            continue  # it continues a run that starts earlier
        path: list[LayerNode] = [collapse.source]
        seen = {collapse.source.key}
        step: Collapse | None = collapse
        while step is not None:
            path.extend(step.via)
            if step.target.key in seen:
                break
            path.append(step.target)
            seen.add(step.target.key)
            step = by_source.get(step.target.key)
        runs.append(tuple(path))
    return runs


# Names that declare a layer (or the tensor it makes) a deliberate narrowing of a map.
_DECLARED = re.compile(
    r"bottleneck|latent|encod|embed|proj|low_?rank|lora|compress|factori|(?:^|_)(?:code|z)(?:_|$)", re.IGNORECASE
)


def deliberate(graph: ModelGraph, collapse: Collapse) -> str | None:
    """Why a collapse looks like a deliberate factorization (KA104), or None (KA101).

    Told by the pair's form, never by widths alone: a narrow linear layer is a bug (a rank-1
    `Dense(1)` before a softmax) as often as a choice, and whether the input width happens to be
    known must not decide between the two."""
    source, target = collapse.source, collapse.target
    inner, outer = source.width, target.width
    declared = next((name for name in (source.name, source.binding) if name and _DECLARED.search(name)), None)
    if declared is not None and not (inner is not None and outer is not None and inner > outer):
        return f"its name {declared!r} declares it a bottleneck: a factorization"
    if not source.bias and not any(node.layer == "layers.BatchNormalization" for node in collapse.via):
        return "it has no bias, which would be redundant before another affine layer: a factorization"
    if source.kernel == 1 and target.kernel is not None and target.kernel > 1:
        return "a pointwise convolution projecting channels before a spatial one: a factorization"
    if source.grouped and target.kernel == 1:
        return "a grouped (depthwise) convolution before a pointwise one: a depthwise-separable factorization"
    return None


def _same_layer(a: LayerNode, b: LayerNode) -> bool:
    """Two applications of one layer object (a loop, a shared layer): the same constructor call."""
    return a.key == b.key or (a.line is not None and (a.line, a.col) == (b.line, b.col))


def _has_what(node: LayerNode) -> str:
    return "has a linear activation" if node.activation_given else "has no activation"


def _shape_findings(graph: ModelGraph, node: LayerNode) -> list[Finding]:
    """KA102, at each input-shape argument that Keras ignores (or, in Keras 3, refuses)."""
    assert node.line is not None
    remedy = None
    if graph.kind == "sequential":
        ignored = node.key in graph.preceded
        where = "it is not the first layer of its Sequential model"
    else:
        ignored = node.called  # a layer called on a tensor takes that tensor's shape
        where = "the layer is called on a tensor, whose shape it takes"
        remedy = "remove it; the keras.Input the tensor comes from gives the shape"
    found = []
    positions = node.shape_positions or ((node.line, node.col or 0),) * len(node.shape_args)
    for name, (line, col) in zip(node.shape_args, positions):
        call = (node.line, node.col or 0)
        # Keras 3 takes input_dim and input_shape from a layer's keyword arguments one at a time:
        # input_dim wins and input_shape is left over, as is batch_input_shape, and Layer raises.
        together = name == "input_dim" and "input_shape" in node.shape_args
        if node.keras3 and (name == "batch_input_shape" or together):
            message = ka102_raises(name, node.label, together)
            # the fix removes what Keras would ignore elsewhere; on a first layer batch_input_shape
            # is the model's shape, and only the author can move it to keras.Input(batch_shape=...)
            removable = ignored or together
            found.append(Finding(line, col, "KA102", message, node.layer, (name,) if removable else (), call))
        elif ignored and not (name == "input_shape" and "input_dim" in node.shape_args and node.keras3):
            message = ka102(name, node.label, where) if remedy is None else ka102(
                name, node.label, where, remedy
            )
            found.append(Finding(line, col, "KA102", message, node.layer, (name,), call))
    return found


def collapse_message(collapse: Collapse) -> str:
    """The KA101 message for a collapse, in the source half and the runtime half alike."""
    source = collapse.source
    if _same_layer(collapse.target, source):
        return ka101_loop(source.label, _has_what(source), remedy_for(source))
    return ka101(
        source.label,
        _has_what(source),
        collapse.target.label,
        collapse.target.line,
        tuple(node.label for node in collapse.via),
        remedy_for(source),
    )


def _torch(graph: ModelGraph) -> bool:
    """A model made of PyTorch modules."""
    return any(node.layer.startswith("nn.") for node in graph.nodes if node.kind is Kind.AFFINE)


def analyze(graph: ModelGraph) -> list[Finding]:
    """All findings for one model graph, in source order."""
    findings = []
    affine = affine_outputs(graph)
    collapses = find_collapses(graph, affine)
    # Several nodes can share a constructor call (its applications, its instances in a loop's
    # passes): the call is reported once, KA101 if any of them is a plain collapse.
    judged = sorted(((c, deliberate(graph, c)) for c in collapses), key=lambda pair: pair[1] is not None)
    reported: set[tuple[int, int]] = set()
    for collapse, why in judged:
        source = collapse.source
        if source.line is None or source.col is None or (source.line, source.col) in reported:
            continue
        reported.add((source.line, source.col))
        if why is not None:
            message = ka104(source.label, collapse.target.label, collapse.target.line, why, remedy_for(source))
            findings.append(Finding(source.line, source.col, "KA104", message, source.layer))
            continue
        findings.append(Finding(source.line, source.col, "KA101", collapse_message(collapse), source.layer))
    for node in graph.nodes:
        if node.shape_args and node.line is not None and node.kind is not Kind.INPUT:
            findings.extend(_shape_findings(graph, node))
    deliberate_only = bool(judged) and all(why is not None for _, why in judged)
    if graph.line is not None and not deliberate_only and is_affine_end_to_end(graph, affine):
        findings.append(
            Finding(graph.line, graph.col or 0, "KA103", ka103(graph.label, affine_applications(graph), _torch(graph)))
        )
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings
