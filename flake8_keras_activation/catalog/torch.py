"""What each `torch.nn` module, activation function and loss is, keyed by a canonical name.

Every import spelling maps to one key: `torch.nn.Linear`, `torch.nn.modules.linear.Linear` and
`from torch.nn import Linear` are `nn.Linear`; `torch.nn.functional.relu` is `F.relu`;
`torch.relu` stays `torch.relu`. The keys never collide with Keras's (`layers.`, `models.`,
`losses.`, `activations.`, `ops.`, `tf.`), so both frameworks share one catalog and one graph.
"""

from __future__ import annotations

from typing import NamedTuple


def torch_key(qualname: str) -> str | None:
    """The catalog key of a name under `torch`, or None for any other name."""
    if qualname == "torch" or qualname.startswith("torch."):
        parts = qualname.split(".")
        if parts[:3] == ["torch", "nn", "functional"]:
            return "F" if len(parts) == 3 else "F." + parts[-1]
        if parts[:2] == ["torch", "nn"]:
            if len(parts) == 2:
                return "nn"
            if parts[2] in ("modules", "utils", "init", "parameter", "parallel"):
                # torch.nn.modules.linear.Linear is nn.Linear; nn.utils and nn.init are not modules
                return "nn." + parts[-1] if parts[2] == "modules" and len(parts) > 3 else "nn." + ".".join(parts[2:])
            return "nn." + parts[-1]
        return qualname
    return None


class Module(NamedTuple):
    """An affine module: where its constructor gives the width it takes and the width it makes."""

    takes: tuple[str, int] | None  # (parameter, positional index) of the input width; None for Lazy modules
    makes: tuple[str, int]  # (parameter, positional index) of the output width
    kernel: int | None = None  # positional index of kernel_size (convolutions)


AFFINE: dict[str, Module] = {
    "nn.Linear": Module(("in_features", 0), ("out_features", 1)),
    "nn.LazyLinear": Module(None, ("out_features", 0)),
}
for _dims in ("1d", "2d", "3d"):
    for _name in (f"Conv{_dims}", f"ConvTranspose{_dims}"):
        AFFINE["nn." + _name] = Module(("in_channels", 0), ("out_channels", 1), 2)
    for _name in (f"LazyConv{_dims}", f"LazyConvTranspose{_dims}"):
        AFFINE["nn." + _name] = Module(None, ("out_channels", 0), 1)

# Affine at inference (dropout is the identity, batch normalization a fixed scale and shift,
# average pooling, padding, flattening and up-sampling fixed linear maps): a chain stays affine.
PASS = frozenset(
    "nn." + name
    for name in (
        "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout BatchNorm1d BatchNorm2d "
        "BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d SyncBatchNorm Flatten Unflatten Identity "
        "AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d ZeroPad1d "
        "ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d "
        "ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d CircularPad1d CircularPad2d "
        "CircularPad3d PixelShuffle PixelUnshuffle ChannelShuffle UpsamplingNearest2d UpsamplingBilinear2d"
    ).split()
)
# The activation each activation module applies (over `dim` for the softmax family).
ACTIVATIONS = {
    "nn.ReLU": "relu", "nn.ReLU6": "relu6", "nn.LeakyReLU": "leaky_relu", "nn.PReLU": "prelu", "nn.RReLU": "leaky_relu",
    "nn.ELU": "elu", "nn.SELU": "selu", "nn.CELU": "celu", "nn.GELU": "gelu", "nn.SiLU": "silu", "nn.Mish": "mish",
    "nn.Sigmoid": "sigmoid", "nn.Hardsigmoid": "hard_sigmoid", "nn.Tanh": "tanh", "nn.Hardtanh": "hard_tanh",
    "nn.Hardswish": "hard_swish", "nn.Softplus": "softplus", "nn.Softsign": "softsign", "nn.LogSigmoid": "log_sigmoid",
    "nn.Softmax": "softmax", "nn.LogSoftmax": "log_softmax", "nn.Tanhshrink": "tanh_shrink",
    "nn.Softshrink": "soft_shrink", "nn.Hardshrink": "hard_shrink", "nn.Threshold": "threshold",
}
# The activations that take a `dim` (first positional argument of the module, second of the functions).
DIM_ACTIVATIONS = frozenset({"softmax", "log_softmax"})
# Break a chain: nonlinear in their input (normalization by the input's own statistics, max pooling,
# attention, recurrence), or a lookup (Embedding).
NONLINEAR = frozenset(
    "nn." + name
    for name in (
        "MaxPool1d MaxPool2d MaxPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d FractionalMaxPool2d "
        "FractionalMaxPool3d LPPool1d LPPool2d LPPool3d LayerNorm GroupNorm RMSNorm InstanceNorm1d InstanceNorm2d "
        "InstanceNorm3d LocalResponseNorm MultiheadAttention RNN LSTM GRU RNNCell LSTMCell GRUCell Embedding "
        "EmbeddingBag Transformer TransformerEncoder TransformerDecoder TransformerEncoderLayer "
        "TransformerDecoderLayer Bilinear Softmax2d Softmin GLU CosineSimilarity PairwiseDistance"
    ).split()
) | frozenset(ACTIVATIONS)
# Modules that keep the width (features or channels) of what they receive, and declare it.
WIDTH_DECLARED = {
    "nn.BatchNorm1d": ("num_features", 0), "nn.BatchNorm2d": ("num_features", 0), "nn.BatchNorm3d": ("num_features", 0),
    "nn.InstanceNorm1d": ("num_features", 0), "nn.InstanceNorm2d": ("num_features", 0),
    "nn.InstanceNorm3d": ("num_features", 0), "nn.SyncBatchNorm": ("num_features", 0),
}
WIDTH_KEEPING = frozenset(
    "nn." + name
    for name in (
        "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout BatchNorm1d BatchNorm2d BatchNorm3d "
        "LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d SyncBatchNorm Identity InstanceNorm1d InstanceNorm2d "
        "InstanceNorm3d LocalResponseNorm MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d "
        "AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d "
        "ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d "
        "ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d UpsamplingNearest2d UpsamplingBilinear2d"
    ).split()
) | frozenset(ACTIVATIONS)
TRANSPARENT = frozenset(
    "nn." + name for name in "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout Identity".split()
)

# Methods of a module that return the module itself (`model = Net().to(device)`).
RETURNS_SELF = frozenset("to cuda cpu train eval float double half bfloat16 requires_grad_ share_memory".split())

SEQUENTIAL = "nn.Sequential"
MODULE_LIST = "nn.ModuleList"
MODULE_DICT = "nn.ModuleDict"
MODULE = "nn.Module"

# Functions on tensors: activation functions by their key, merges, and steps that keep a chain affine.
# Functions that are the identity at inference (dropout), and functions that keep a chain affine but
# not necessarily its width (average pooling, padding).
FUNCTIONAL_IDENTITY = frozenset(
    "F." + name for name in "dropout dropout1d dropout2d dropout3d alpha_dropout feature_alpha_dropout".split()
)
FUNCTIONAL_PASS = frozenset(
    "F." + name
    for name in (
        "avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d pad"
    ).split()
)
MERGES = frozenset({"torch.cat", "torch.concat", "torch.concatenate", "torch.stack", "torch.add", "torch.sub"})
RESHAPES = frozenset({"torch.flatten", "torch.reshape", "torch.squeeze", "torch.unsqueeze", "torch.transpose",
                      "torch.permute", "torch.mean", "torch.sum"})
# Methods of a tensor: the activation they apply, or a reshape (PASS) that keeps a chain affine.
TENSOR_ACTIVATIONS = {
    "relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "log_softmax": "log_softmax",
}
# The layer key of a reshaping step in the graph (`torch.flatten(x, 1)`, `x.view(n, -1)`): it keeps a
# chain affine but not its width; MATRIX marks one known to give a matrix (batch, features), after
# which axis 1 is the features' axis.
RESHAPE = "torch.reshape"
MATRIX = "torch.reshape.matrix"
CONVOLUTIONS = frozenset(key for key in AFFINE if "Conv" in key)
TENSOR_RESHAPES = frozenset(
    "view reshape flatten squeeze unsqueeze permute transpose mean sum view_as reshape_as expand expand_as".split()
)
# Methods that give the same values in another layout or type: the identity here.
TENSOR_IDENTITIES = frozenset("contiguous float double half clone detach".split())

# Losses: the family the output rules read, and whether the loss takes logits (it applies the
# softmax or sigmoid itself). `probabilities`: the loss reads probabilities; `log_probabilities`:
# NLLLoss reads log-probabilities (a log_softmax output).
LOSSES = {
    "nn.CrossEntropyLoss": ("categorical", True),
    "F.cross_entropy": ("categorical", True),
    "nn.BCEWithLogitsLoss": ("binary", True),
    "F.binary_cross_entropy_with_logits": ("binary", True),
    "nn.BCELoss": ("binary", False),
    "F.binary_cross_entropy": ("binary", False),
    "nn.NLLLoss": ("log_probabilities", False),
    "F.nll_loss": ("log_probabilities", False),
}
LOG_PROBABILITY_ACTIVATIONS = frozenset({"log_softmax", "log_sigmoid"})


# The module that applies each activation a fix may write (`--activation`, the configuration's
# `activation`), in PyTorch: what KA101's fix inserts and the messages name
ACTIVATION_MODULES = {
    "relu": "ReLU", "gelu": "GELU", "elu": "ELU", "selu": "SELU", "silu": "SiLU", "swish": "SiLU", "mish": "Mish",
    "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU", "relu6": "ReLU6", "softplus": "Softplus",
}


def torch_activation_module(activation: str) -> str:
    """`gelu` -> `GELU`; an activation with no module of its own stays ReLU."""
    return ACTIVATION_MODULES.get(activation, "ReLU")
