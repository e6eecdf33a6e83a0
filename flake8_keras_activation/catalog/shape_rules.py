"""What shape each Keras layer gives one sample, from its literal arguments, by Keras 3's own rules.

A shape here is one sample's: the batch axis is left out, so `Input(shape=(28, 28))` is `(28, 28)`.
A dimension the source does not fix is None, and a shape whose rank is unknown is None as a whole.
A rule reads only the arguments it needs; an argument that is given but not a literal (the
`NOT_LITERAL` marker), or a call that unpacks `*args` or `**kwargs`, makes what depends on it
unknown, never guessed. A layer fed a rank it cannot take, or a window larger than the axis it
slides over, is a `ShapeError`: Keras refuses to build it.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional, Sequence

Shape = tuple[Optional[int], ...]
Args = Mapping[str, Any]


class _NotLiteral:
    """An argument the call gives whose value the source does not fix."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_LITERAL"

    def __reduce__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL = _NotLiteral()


class ShapeError(Exception):
    """The layer cannot take what it receives: `kind` is "rank" or "window"."""

    def __init__(self, kind: str, detail: str, expected: int | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.expected = expected  # the rank of one sample the layer needs ("rank" errors)


class _Unknown(Exception):
    """What a rule needs is not known: the output shape is unknown."""


# The positional parameters of each layer's constructor, as far as the shape rules read them
# (Keras 3; tests/test_runtime_shapes.py checks them against the installed Keras).
_CONV = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
_CONV_TRANSPOSE = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate")
_POOL = ("pool_size", "strides", "padding", "data_format")
_RECURRENT = ("units",)
PARAMETERS: dict[str, tuple[str, ...]] = {
    "layers.Dense": ("units",),
    "layers.Input": ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape"),
    "models.Input": ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape"),
    "layers.InputLayer": ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape"),
    "layers.Flatten": ("data_format",),
    "layers.Reshape": ("target_shape",),
    "layers.Permute": ("dims",),
    "layers.RepeatVector": ("n",),
    "layers.Embedding": ("input_dim", "output_dim"),
    "layers.Concatenate": ("axis",),
    "layers.Bidirectional": ("layer", "merge_mode"),
    "layers.TimeDistributed": ("layer",),
    "layers.Conv3DTranspose": ("filters", "kernel_size", "strides", "padding", "data_format", "output_padding",
                               "dilation_rate"),
    "layers.Convolution3DTranspose": ("filters", "kernel_size", "strides", "padding", "data_format",
                                      "output_padding", "dilation_rate"),
    "layers.DepthwiseConv1D": ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate"),
    "layers.DepthwiseConv2D": ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate"),
    "layers.UpSampling1D": ("size",),
    "layers.UpSampling2D": ("size", "data_format"),
    "layers.UpSampling3D": ("size", "data_format"),
    "layers.ZeroPadding1D": ("padding", "data_format"),
    "layers.ZeroPadding2D": ("padding", "data_format"),
    "layers.ZeroPadding3D": ("padding", "data_format"),
    "layers.Cropping1D": ("cropping",),
    "layers.Cropping2D": ("cropping", "data_format"),
    "layers.Cropping3D": ("cropping", "data_format"),
    "layers.Resizing": ("height", "width"),
    "layers.CenterCrop": ("height", "width", "data_format"),
    "layers.RandomCrop": ("height", "width", "seed", "data_format"),
}
for _suffix in ("1D", "2D", "3D"):
    for _name in (f"Conv{_suffix}", f"Convolution{_suffix}"):
        PARAMETERS["layers." + _name] = _CONV
    for _name in (f"MaxPooling{_suffix}", f"MaxPool{_suffix}", f"AveragePooling{_suffix}", f"AvgPool{_suffix}"):
        PARAMETERS["layers." + _name] = _POOL
    for _name in (f"GlobalMaxPooling{_suffix}", f"GlobalMaxPool{_suffix}", f"GlobalAveragePooling{_suffix}",
                  f"GlobalAvgPool{_suffix}"):
        PARAMETERS["layers." + _name] = ("data_format", "keepdims")
    for _name in (f"AdaptiveMaxPooling{_suffix}", f"AdaptiveAveragePooling{_suffix}"):
        PARAMETERS["layers." + _name] = ("output_size", "data_format")
for _suffix in ("1D", "2D"):
    for _name in (f"Conv{_suffix}Transpose", f"Convolution{_suffix}Transpose"):
        PARAMETERS["layers." + _name] = _CONV_TRANSPOSE
    for _name in (f"SeparableConv{_suffix}", f"SeparableConvolution{_suffix}"):
        PARAMETERS["layers." + _name] = _CONV
for _name in ("LSTM", "GRU", "SimpleRNN"):
    PARAMETERS["layers." + _name] = _RECURRENT

# Layers whose output has the shape of their input (for one input), whatever their arguments.
SAME_SHAPE = frozenset(
    "layers." + name
    for name in (
        "Dropout AlphaDropout GaussianDropout GaussianNoise ActivityRegularization BatchNormalization "
        "SyncBatchNormalization LayerNormalization GroupNormalization UnitNormalization RMSNormalization "
        "Identity Activation ReLU LeakyReLU PReLU ELU ThresholdedReLU Softmax Masking Rescaling "
        "Normalization RandomFlip RandomRotation RandomTranslation RandomZoom RandomContrast RandomBrightness "
        "SpatialDropout1D SpatialDropout2D SpatialDropout3D"
    ).split()
)
# Layers that combine several inputs of one shape (broadcasting aside) into that shape.
ELEMENTWISE_MERGES = frozenset(
    "layers." + name
    for name in "Add Subtract Average Maximum Minimum Multiply add subtract average maximum minimum multiply".split()
)
# What one sample's rank must be for each family of layers that checks it (Keras's input spec).
RECURRENT = frozenset({"layers.LSTM", "layers.GRU", "layers.SimpleRNN", "layers.CuDNNLSTM", "layers.CuDNNGRU"})


def _spatial_rank(key: str) -> int | None:
    for dims in (1, 2, 3):
        if key.endswith(f"{dims}D") or key.endswith(f"{dims}DTranspose"):
            return dims
    return None


def _value(args: Args, name: str, default: Any = None) -> Any:
    """A literal argument, its default when it is not given, or _Unknown when it is not a literal."""
    if "*" in args:
        raise _Unknown
    value = args.get(name, default)
    if value is NOT_LITERAL:
        raise _Unknown
    return value


def _ints(value: Any, count: int) -> tuple[int, ...]:
    """`3` or `(3, 3)` as `count` integers."""
    if type(value) is int:
        return (value,) * count
    if isinstance(value, (tuple, list)) and len(value) == count and all(type(v) is int for v in value):
        return tuple(value)
    raise _Unknown


def _layout(args: Args) -> str:
    layout = _value(args, "data_format", None)
    if layout is None:
        return "channels_last"  # Keras's default image_data_format, unless keras.json says otherwise
    if layout not in ("channels_last", "channels_first"):
        raise _Unknown
    return layout


def _need_rank(shape: Shape, rank: int, layer: str, what: str) -> None:
    if len(shape) != rank:
        raise ShapeError("rank", f"{layer} needs {what}", rank)


def _split(shape: Shape, layout: str) -> tuple[Shape, int | None]:
    """One sample's spatial axes and its channels."""
    return (shape[:-1], shape[-1]) if layout == "channels_last" else (shape[1:], shape[0])


def _join(spatial: Sequence[int | None], channels: int | None, layout: str) -> Shape:
    return (*spatial, channels) if layout == "channels_last" else (channels, *spatial)


_SPATIAL_WORDS = {1: "(steps, channels)", 2: "(rows, cols, channels)", 3: "(dim1, dim2, dim3, channels)"}


def _window(
    size: int | None, window: int, stride: int, dilation: int, padding: str, layer: str, axis: int
) -> int | None:
    """The length of one spatial axis after a convolution or pooling window slides over it."""
    if padding in ("same", "causal"):
        return None if size is None else (size - 1) // stride + 1
    if padding != "valid":
        raise _Unknown
    if size is None:
        return None
    span = dilation * (window - 1) + 1
    length = (size - span) // stride + 1
    if length <= 0:
        raise ShapeError("window", f"{layer}'s window of {span} over axis {axis} of length {size}")
    return length


def _convolution(key: str, args: Args, shape: Shape, label: str) -> Shape:
    dims = _spatial_rank(key)
    assert dims is not None
    layout = _layout(args)
    _need_rank(shape, dims + 1, label, f"one sample of rank {dims + 1}, {_SPATIAL_WORDS[dims]}")
    spatial, channels = _split(shape, layout)
    depthwise = "Depthwise" in key
    kernel = _ints(_value(args, "kernel_size"), dims)
    strides = _ints(_value(args, "strides", 1), dims)
    dilation = _ints(_value(args, "dilation_rate", 1), dims)
    padding = _value(args, "padding", "valid")
    padding = padding.lower() if isinstance(padding, str) else padding
    if not isinstance(padding, str):
        raise _Unknown
    out = [
        _window(size, kernel[i], strides[i], dilation[i], padding, label, i + 1) for i, size in enumerate(spatial)
    ]
    if depthwise:
        multiplier = _value(args, "depth_multiplier", 1)
        filters = channels * multiplier if channels is not None and type(multiplier) is int else None
    else:
        filters = _value(args, "filters")
        filters = filters if type(filters) is int else None
    return _join(out, filters, layout)


def _transpose(key: str, args: Args, shape: Shape, label: str) -> Shape:
    dims = _spatial_rank(key)
    assert dims is not None
    layout = _layout(args)
    _need_rank(shape, dims + 1, label, f"one sample of rank {dims + 1}, {_SPATIAL_WORDS[dims]}")
    spatial, _ = _split(shape, layout)
    kernel = _ints(_value(args, "kernel_size"), dims)
    strides = _ints(_value(args, "strides", 1), dims)
    dilation = _ints(_value(args, "dilation_rate", 1), dims)
    given = _value(args, "output_padding", None)
    extra = None if given is None else _ints(given, dims)
    padding = _value(args, "padding", "valid")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise _Unknown
    out: list[int | None] = []
    for i, size in enumerate(spatial):
        if size is None:
            out.append(None)
            continue
        span = (kernel[i] - 1) * dilation[i] + 1
        if padding.lower() == "valid":
            pad = max(span, strides[i]) - span if extra is None else extra[i]
            out.append((size - 1) * strides[i] + span + pad)
        elif extra is None:
            out.append(size * strides[i])
        else:
            out.append((size - 1) * strides[i] + span % 2 + extra[i])
    filters = _value(args, "filters")
    return _join(out, filters if type(filters) is int else None, layout)


def _pooling(key: str, args: Args, shape: Shape, label: str) -> Shape:
    dims = _spatial_rank(key)
    assert dims is not None
    layout = _layout(args)
    _need_rank(shape, dims + 1, label, f"one sample of rank {dims + 1}, {_SPATIAL_WORDS[dims]}")
    spatial, channels = _split(shape, layout)
    window = _ints(_value(args, "pool_size", 2), dims)
    given = _value(args, "strides", None)
    strides = window if given is None else _ints(given, dims)
    padding = _value(args, "padding", "valid")
    if not isinstance(padding, str):
        raise _Unknown
    padding = padding.lower()
    out = [_window(size, window[i], strides[i], 1, padding, label, i + 1) for i, size in enumerate(spatial)]
    return _join(out, channels, layout)


def _global_pooling(key: str, args: Args, shape: Shape, label: str) -> Shape:
    dims = _spatial_rank(key)
    assert dims is not None
    layout = _layout(args)
    _need_rank(shape, dims + 1, label, f"one sample of rank {dims + 1}, {_SPATIAL_WORDS[dims]}")
    _, channels = _split(shape, layout)
    if _value(args, "keepdims", False):
        return _join((1,) * dims, channels, layout)
    return (channels,)


def _adaptive_pooling(key: str, args: Args, shape: Shape, label: str) -> Shape:
    dims = _spatial_rank(key)
    assert dims is not None
    layout = _layout(args)
    if len(shape) != dims + 1:
        raise _Unknown  # Keras does not check the rank of adaptive pooling's input
    _, channels = _split(shape, layout)
    return _join(_ints(_value(args, "output_size"), dims), channels, layout)


def _resampling(key: str, args: Args, shape: Shape, label: str) -> Shape:
    """UpSampling, ZeroPadding and Cropping: each spatial axis grows or shrinks by literal amounts."""
    dims = _spatial_rank(key)
    assert dims is not None
    layout = "channels_last" if dims == 1 else _layout(args)
    _need_rank(shape, dims + 1, label, f"one sample of rank {dims + 1}, {_SPATIAL_WORDS[dims]}")
    spatial, channels = _split(shape, layout)
    if "UpSampling" in key:
        factors = _ints(_value(args, "size", 2), dims)
        out = [None if s is None else s * f for s, f in zip(spatial, factors)]
    else:
        name = "padding" if "Padding" in key else "cropping"
        amounts = _pairs(_value(args, name, 1 if name == "padding" else 0), dims)
        sign = 1 if name == "padding" else -1
        out = [None if s is None else s + sign * (a + b) for s, (a, b) in zip(spatial, amounts)]
    return _join(out, channels, layout)


def _pairs(value: Any, dims: int) -> list[tuple[int, int]]:
    """ZeroPadding's and Cropping's amounts: an int, one per axis, or (before, after) per axis."""
    if type(value) is int:
        return [(value, value)] * dims
    if isinstance(value, (tuple, list)) and len(value) == dims:
        out = []
        for item in value:
            if type(item) is int:
                out.append((item, item))
            elif isinstance(item, (tuple, list)) and len(item) == 2 and all(type(v) is int for v in item):
                out.append((item[0], item[1]))
            else:
                raise _Unknown
        return out
    if dims == 1 and isinstance(value, (tuple, list)) and len(value) == 2 and all(type(v) is int for v in value):
        return [(value[0], value[1])]
    raise _Unknown


def _recurrent(key: str, args: Args, shape: Shape, label: str) -> Shape:
    _need_rank(shape, 2, label, "one sample of rank 2, (timesteps, features)")
    if _value(args, "return_state", False):
        raise _Unknown  # a list of tensors
    units = _value(args, "units")
    units = units if type(units) is int else None
    if _value(args, "return_sequences", False):
        return (shape[0], units)
    return (units,)


def _bidirectional(args: Args, shape: Shape, label: str) -> Shape:
    inner = _value(args, "layer")
    if not (isinstance(inner, tuple) and len(inner) == 2 and inner[0] in RECURRENT):
        raise _Unknown
    out = _recurrent(inner[0], inner[1], shape, label)
    merge = _value(args, "merge_mode", "concat")
    if merge == "concat":
        return (*out[:-1], None if out[-1] is None else 2 * out[-1])
    if merge in ("sum", "ave", "mul"):
        return out
    raise _Unknown


def _time_distributed(args: Args, shape: Shape, label: str) -> Shape:
    inner = _value(args, "layer")
    if not (isinstance(inner, tuple) and len(inner) == 2) or not shape:
        raise _Unknown
    out = output_shape(inner[0], inner[1], [shape[1:]], label)
    if out is None:
        raise _Unknown
    return (shape[0], *out)


def _reshape(args: Args, shape: Shape) -> Shape:
    target = _value(args, "target_shape")
    if not (isinstance(target, (tuple, list)) and all(type(v) is int for v in target)):
        raise _Unknown
    if -1 not in target:
        return tuple(target)
    known = math.prod(v for v in target if v != -1)
    if None in shape or target.count(-1) != 1 or known == 0:
        return tuple(None if v == -1 else v for v in target)
    total = math.prod(v for v in shape if v is not None)
    return tuple(total // known if v == -1 else v for v in target)


def _permute(args: Args, shape: Shape) -> Shape:
    dims = _value(args, "dims")
    if not (isinstance(dims, (tuple, list)) and sorted(dims) == list(range(1, len(shape) + 1))):
        raise _Unknown
    return tuple(shape[d - 1] for d in dims)


def _flatten(shape: Shape) -> Shape:
    if not shape:
        return (1,)
    if None in shape:
        return (None,)
    return (math.prod(v for v in shape if v is not None),)


def _input(args: Args) -> Shape:
    batch = _value(args, "batch_shape", None)
    if batch is not None:
        if not isinstance(batch, (tuple, list)) or not batch:
            raise _Unknown
        return _dims(batch[1:])
    return _dims(_value(args, "shape"))


def _dims(value: Any) -> Shape:
    if type(value) is int:
        return (value,)
    if isinstance(value, (tuple, list)) and all(v is None or type(v) is int for v in value):
        return tuple(value)
    raise _Unknown


def given_input(args: Args) -> Shape | None:
    """The shape of one sample that a layer's own `input_shape`, `input_dim` or `batch_input_shape`
    gives it (the first layer of a Sequential model), or None."""
    try:
        if args.get("batch_input_shape") is not None:
            batch = _value(args, "batch_input_shape")
            if isinstance(batch, (tuple, list)) and batch:
                return _dims(batch[1:])
            return None
        if args.get("input_shape") is not None:
            return _dims(_value(args, "input_shape"))
        if args.get("input_dim") is not None:
            dim = _value(args, "input_dim")
            return (dim,) if type(dim) is int else None
    except _Unknown:
        return None
    return None


_RULES: dict[str, Callable[[str, Args, Shape, str], Shape]] = {}
for _key in PARAMETERS:
    if _key in RECURRENT:
        _RULES[_key] = _recurrent
    elif "Transpose" in _key:
        _RULES[_key] = _transpose
    elif "Global" in _key:
        _RULES[_key] = _global_pooling
    elif "Adaptive" in _key:
        _RULES[_key] = _adaptive_pooling
    elif "Pool" in _key:
        _RULES[_key] = _pooling
    elif "Conv" in _key:
        _RULES[_key] = _convolution
    elif any(word in _key for word in ("UpSampling", "ZeroPadding", "Cropping")):
        _RULES[_key] = _resampling


def output_shape(key: str, args: Args, inputs: list[Shape | None], label: str = "") -> Shape | None:
    """One sample's output shape for a layer with these literal arguments and these input shapes
    (one per input; None where unknown); None when the source does not fix it. ShapeError when
    Keras would refuse the input."""
    label = label or key.rsplit(".", 1)[-1]
    try:
        if key in ("layers.Input", "models.Input", "layers.InputLayer"):
            return _input(args)
        if key in ELEMENTWISE_MERGES:
            return join(inputs) if inputs and all(shape is not None for shape in inputs) else None
        if len(inputs) != 1:
            return None
        shape = inputs[0]
        if shape is None:
            return _whatever_received(key, args, label)
        if key in SAME_SHAPE:
            return shape
        if key in _RULES:
            return _RULES[key](key, args, shape, label)
        if key == "layers.Dense":
            if not shape:
                return None
            units = _value(args, "units")
            return (*shape[:-1], units if type(units) is int else None)
        if key == "layers.Flatten":
            return _flatten(shape)
        if key == "layers.Reshape":
            return _reshape(args, shape)
        if key == "layers.Permute":
            return _permute(args, shape)
        if key == "layers.RepeatVector":
            _need_rank(shape, 1, label, "one sample of rank 1, (features,)")
            n = _value(args, "n")
            return (n if type(n) is int else None, shape[0])
        if key == "layers.Embedding":
            dim = _value(args, "output_dim")
            return (*shape, dim if type(dim) is int else None)
        if key == "layers.Bidirectional":
            return _bidirectional(args, shape, label)
        if key == "layers.TimeDistributed":
            return _time_distributed(args, shape, label)
        if key in ("layers.Resizing", "layers.CenterCrop", "layers.RandomCrop"):
            height, width = _value(args, "height"), _value(args, "width")
            if len(shape) != 3 or type(height) is not int or type(width) is not int:
                raise _Unknown
            if key != "layers.Resizing" and _layout(args) == "channels_first":
                return (shape[0], height, width)
            return (height, width, shape[2])
    except _Unknown:
        return None
    return None


def _whatever_received(key: str, args: Args, label: str) -> Shape | None:
    """What a layer gives whatever it receives (when it builds at all): a recurrent layer without its
    sequences gives one vector per sample, as do Flatten and global pooling."""
    if key in RECURRENT:
        if _value(args, "return_sequences", False) or _value(args, "return_state", False):
            return None
        units = _value(args, "units")
        return (units if type(units) is int else None,)
    if key == "layers.Bidirectional":
        inner = _value(args, "layer")
        if not (isinstance(inner, tuple) and len(inner) == 2 and inner[0] in RECURRENT):
            return None
        out = _whatever_received(inner[0], inner[1], label)
        merge = _value(args, "merge_mode", "concat")
        if out is None or merge not in ("concat", "sum", "ave", "mul"):
            return None
        return (None if out[0] is None else 2 * out[0],) if merge == "concat" else out
    if key == "layers.Flatten":
        return (None,)
    if key in PARAMETERS and "Global" in key and not _value(args, "keepdims", False):
        return (None,)
    return None


def join(shapes: Sequence[Shape | None]) -> Shape | None:
    """What a tensor that may have any of these shapes is known to have: the dimensions they agree on."""
    if not shapes or any(shape is None for shape in shapes):
        return None
    first = shapes[0]
    assert first is not None
    if any(shape is None or len(shape) != len(first) for shape in shapes):
        return None
    return tuple(
        dims[0] if all(d == dims[0] for d in dims) else None
        for dims in zip(*(shape for shape in shapes if shape is not None))
    )
