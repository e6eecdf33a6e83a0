"""What each Keras layer, model constructor and activation is, keyed by a canonical name."""

from __future__ import annotations

import enum
from typing import NamedTuple

from . import torch as _torch
from .torch import torch_key


class Kind(enum.Enum):
    """What a node does to the question "is this still affine?"."""

    AFFINE = "affine"  # an affine map followed by its own activation
    PASS = "pass"  # affine at inference: keeps an affine chain affine
    MERGE = "merge"  # pass-through when every input is affine (Add, Concatenate, ...)
    NONLINEAR = "nonlinear"  # breaks the chain
    UNKNOWN = "unknown"  # breaks the chain: we never guess a bug
    INPUT = "input"  # keras.Input / InputLayer


class Act(enum.Enum):
    """What an affine layer's own activation is, as far as the source tells."""

    LINEAR = "linear"
    NONLINEAR = "nonlinear"
    UNKNOWN = "unknown"


class LayerInfo(NamedTuple):
    kind: Kind
    # Index of `activation` among the positional parameters, for affine layers.
    activation_arg: int | None = None
    # What an affine layer's activation is when no argument sets it: linear for all but SimpleRNN,
    # which counts as affine only when its activation is linear (like LSTM otherwise).
    default_activation: Act = Act.LINEAR


# The prefixes under which Keras's public API lives. Order matters: longest first.
_KERAS_ROOTS = (
    "tensorflow.python.keras.",
    "tensorflow.compat.v1.keras.",
    "tensorflow.compat.v2.keras.",
    "tensorflow._api.v2.keras.",
    "tensorflow.keras.",
    "keras._tf_keras.keras.",
    "keras.api._v2.keras.",
    "keras.api.",
    "keras.src.",
    "keras.",
    "tf_keras.src.",
    "tf_keras.",
)
_KERAS_ROOT_MODULES = frozenset(root[:-1] for root in _KERAS_ROOTS)

_MODEL_NAMES = frozenset({"Sequential", "Model", "Input", "Functional"})


def canonical(qualname: str) -> str | None:
    """Map a fully qualified name to the catalog's key, or None when it is not Keras, TF or PyTorch.

    `tensorflow.keras.layers.core.Dense`, `tf_keras.layers.Dense` and `keras.src.layers.Dense`
    all become `layers.Dense`; `keras.Sequential` becomes `models.Sequential`;
    `tensorflow.nn.relu` becomes `tf.nn.relu`; `torch.nn.Linear` becomes `nn.Linear`
    (`catalog.torch`).
    """
    if qualname.startswith("torch"):
        key = torch_key(qualname)
        if key is not None:
            return key
    for root in _KERAS_ROOTS:
        if qualname.startswith(root):
            rest = qualname[len(root) :]
            break
    else:
        if qualname in _KERAS_ROOT_MODULES:
            return ""
        if qualname.startswith("tensorflow."):
            return "tf." + qualname[len("tensorflow.") :]
        if qualname.startswith("jax.nn."):
            return qualname
        return None
    parts = rest.split(".")
    head, last = parts[0], parts[-1]
    if len(parts) == 1:
        if last in _MODEL_NAMES:
            return "models." + last
        return last
    if head == "layers":
        return "layers." + last
    if head in ("models", "engine", "src") and last in _MODEL_NAMES:
        return "models." + last
    if head in ("activations", "ops", "backend"):
        return head + "." + last
    return rest


# Checked against the constructors of Keras 3 and tf_keras (tests/test_runtime_catalog.py builds
# each layer from positional arguments and reads its config back).
_AFFINE = {
    # name: positional index of `activation`
    "Dense": 1,
    "EinsumDense": 2,
    "Conv1D": 7,
    "Conv2D": 7,
    "Conv3D": 7,
    "Convolution1D": 7,
    "Convolution2D": 7,
    "Convolution3D": 7,
    "Conv1DTranspose": 7,
    "Conv2DTranspose": 7,
    "Conv3DTranspose": 7,
    "Convolution1DTranspose": 7,
    "Convolution2DTranspose": 7,
    "Convolution3DTranspose": 7,
    "SeparableConv1D": 7,
    "SeparableConv2D": 7,
    "SeparableConvolution1D": 7,
    "SeparableConvolution2D": 7,
    "DepthwiseConv1D": 6,
    "DepthwiseConv2D": 6,
    # tf_keras only: filters, kernel_size, strides, padding, data_format, activation
    "LocallyConnected1D": 5,
    "LocallyConnected2D": 5,
    # Keras 2 aliases of the transposed convolutions. In Keras 2, Conv3DTranspose had no
    # dilation_rate, so its activation came one place earlier.
    "Deconvolution2D": 7,
    "Deconv2D": 7,
    "Deconvolution3D": 6,
    "Deconv3D": 6,
    # h_t = f(W x_t + U h_(t-1) + b): affine in its input sequence when f is linear (tanh by default)
    "SimpleRNN": 1,
}
_NONLINEAR_BY_DEFAULT = frozenset({"SimpleRNN"})

_PASS = (
    "Dropout SpatialDropout1D SpatialDropout2D SpatialDropout3D AlphaDropout GaussianDropout "
    "GaussianNoise ActivityRegularization BatchNormalization Flatten Reshape Permute RepeatVector "
    "AveragePooling1D AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D "
    "GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D GlobalAvgPool1D "
    "GlobalAvgPool2D GlobalAvgPool3D AdaptiveAveragePooling1D AdaptiveAveragePooling2D "
    "AdaptiveAveragePooling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D Cropping1D Cropping2D "
    "Cropping3D UpSampling1D UpSampling2D UpSampling3D Identity Rescaling Normalization "
    # batch normalization with statistics shared across devices: the same map at inference
    "SyncBatchNormalization "
    # image resizing and cropping: a fixed linear map of the pixels (interpolation weights)
    "Resizing CenterCrop "
    # random augmentation: the identity at inference (RandomCrop: a center crop and resize)
    "RandomFlip RandomRotation RandomTranslation RandomZoom RandomCrop RandomContrast "
    "RandomBrightness RandomHeight RandomWidth"
).split()

_MERGE = "Add Subtract Concatenate Average add subtract concatenate average".split()

_NONLINEAR = (
    "ReLU LeakyReLU PReLU ELU ThresholdedReLU Softmax MaxPooling1D MaxPooling2D MaxPooling3D "
    "MaxPool1D MaxPool2D MaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D "
    "GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D AdaptiveMaxPooling1D AdaptiveMaxPooling2D "
    "AdaptiveMaxPooling3D LayerNormalization GroupNormalization UnitNormalization "
    "RMSNormalization Attention AdditiveAttention MultiHeadAttention GroupQueryAttention "
    "LSTM GRU RNN ConvLSTM1D ConvLSTM2D ConvLSTM3D CuDNNLSTM CuDNNGRU Bidirectional "
    "Multiply Dot Maximum Minimum multiply dot maximum minimum Embedding ReversibleEmbedding "
    "Masking CategoryEncoding Discretization Hashing HashedCrossing IntegerLookup StringLookup "
    "TextVectorization"
).split()

LAYERS: dict[str, LayerInfo] = {}
for _name, _index in _AFFINE.items():
    _default = Act.NONLINEAR if _name in _NONLINEAR_BY_DEFAULT else Act.LINEAR
    LAYERS["layers." + _name] = LayerInfo(Kind.AFFINE, _index, _default)
for _name in _PASS:
    LAYERS["layers." + _name] = LayerInfo(Kind.PASS)
for _name in _MERGE:
    LAYERS["layers." + _name] = LayerInfo(Kind.MERGE)
for _name in _NONLINEAR:
    LAYERS["layers." + _name] = LayerInfo(Kind.NONLINEAR)
for _name in ("layers.Input", "layers.InputLayer", "models.Input"):
    LAYERS[_name] = LayerInfo(Kind.INPUT)
# PyTorch's modules: affine ones have no activation of their own (it is a module or a call after them)
for _name in _torch.AFFINE:
    LAYERS[_name] = LayerInfo(Kind.AFFINE)
for _name in _torch.PASS:
    LAYERS[_name] = LayerInfo(Kind.PASS)
for _name in _torch.NONLINEAR:
    LAYERS[_name] = LayerInfo(Kind.NONLINEAR)

# Layers whose kind depends on their arguments; the source and runtime halves decide them.
ACTIVATION_LAYER = "layers.Activation"
# Wrappers whose layer is the wrapped one at inference (SpectralNormalization divides the kernel
# by a stored norm): affine when the wrapped layer is.
WRAPPERS = frozenset({"layers.TimeDistributed", "layers.SpectralNormalization"})
# Masking zeroes the time steps whose features all equal mask_value: with the default 0.0 that
# changes no value (it only sets a mask), with another value it is a nonlinear step.
MASKING = "layers.Masking"
SEQUENTIAL = "models.Sequential"
MODEL = frozenset({"models.Model", "models.Functional"})
INPUTS = frozenset({"layers.Input", "models.Input", "layers.InputLayer"})

# Pass-through layers whose output has as many features as their input.
WIDTH_PRESERVING = frozenset(
    "layers." + name
    for name in (
        "Dropout AlphaDropout GaussianDropout GaussianNoise ActivityRegularization BatchNormalization "
        "Identity Activation SpatialDropout1D SpatialDropout2D SpatialDropout3D"
    ).split()
)

# `input_dim` is a vocabulary size here, not a shape.
INPUT_DIM_IS_NOT_A_SHAPE = frozenset({"layers.Embedding", "layers.ReversibleEmbedding"})
INPUT_SHAPE_ARGS = ("input_dim", "input_shape", "batch_input_shape")

# The layer arguments that Keras 3 documents as taking a dict, by keyword. Every other dict
# reaches a deserializer (an activation, initializer, regularizer, constraint or dtype policy
# given as a dict is a serialized object), so confirm rebuilds no layer from one.
# BatchNormalization: `renorm_clipping`, {"rmax": ..., "rmin": ..., "dmax": ...} of numbers
# (keras/src/layers/normalization/batch_normalization.py). Cropping1D and ZeroPadding1D say
# "or dictionary" in their docstrings, but standardize_tuple refuses one.
DICT_ARGUMENTS: dict[str, frozenset[str]] = {"layers.BatchNormalization": frozenset({"renorm_clipping"})}

LINEAR_ACTIVATIONS = frozenset({"linear", "identity"})
NONLINEAR_ACTIVATIONS = frozenset(
    (
        "relu relu6 elu selu gelu silu swish sigmoid hard_sigmoid tanh softmax log_softmax softplus "
        "softsign exponential leaky_relu mish celu glu hard_shrink hard_silu hard_swish hard_tanh "
        "log_sigmoid soft_shrink sparse_plus sparse_sigmoid sparsemax squareplus tanh_shrink "
        "threshold crelu exp"
    ).split()
)

# Activation functions referenced or called by name: keras.activations.relu, keras.ops.relu,
# tf.nn.relu, tf.math.sigmoid, tf.sigmoid, jax.nn.relu.
_ACTIVATION_NAMESPACES = ("activations.", "ops.", "backend.", "tf.nn.", "tf.math.", "tf.", "jax.nn.", "F.", "torch.")


def activation_function(key: str) -> Act | None:
    """Classify a canonical name used as an activation function, or None if it is not one."""
    for prefix in _ACTIVATION_NAMESPACES:
        if key.startswith(prefix):
            name = key[len(prefix) :]
            if "." in name:
                return None
            if name in LINEAR_ACTIVATIONS:
                return Act.LINEAR
            if name in NONLINEAR_ACTIVATIONS:
                return Act.NONLINEAR
            return None
    return None


def activation_string(name: str) -> Act:
    """Classify an activation given by its Keras string identifier."""
    if name in LINEAR_ACTIVATIONS:
        return Act.LINEAR
    if name in NONLINEAR_ACTIVATIONS:
        return Act.NONLINEAR
    return Act.UNKNOWN


def layer_info(key: str) -> LayerInfo | None:
    return LAYERS.get(key)


def is_keras_layer(key: str) -> bool:
    """Anything under keras.layers, known to the catalog or not."""
    return key.startswith("layers.")


def star_members(module_key: str) -> frozenset[str]:
    """Names a star import of the Keras module with this canonical key brings in."""
    if module_key == "":
        return frozenset(
            {"Sequential", "Model", "Input", "layers", "models", "activations", "ops", "backend"}
        )
    if module_key == "layers" or module_key.startswith("layers."):
        return _LAYER_NAMES
    if module_key == "models":
        return frozenset({"Sequential", "Model"})
    if module_key in ("activations", "ops", "backend"):
        return frozenset(LINEAR_ACTIVATIONS | NONLINEAR_ACTIVATIONS)
    return frozenset()


_LAYER_NAMES = frozenset(
    key[len("layers.") :] for key in LAYERS if key.startswith("layers.")
) | frozenset({"Activation", "TimeDistributed", "SpectralNormalization", "Lambda", "Layer", "Input"})


# ---- outputs and losses (the KA2xx rules) ---------------------------------------------------

# Activation layers and the function each applies to the last axis (Softmax with its default axis).
ACTIVATION_LAYERS = {
    "layers.Softmax": "softmax",
    "layers.ReLU": "relu",
    "layers.LeakyReLU": "leaky_relu",
    "layers.PReLU": "prelu",
    "layers.ELU": "elu",
    "layers.ThresholdedReLU": "threshold",
}
# Outputs in [0, 1] that a loss may read as probabilities.
PROBABILITY_ACTIVATIONS = frozenset({"softmax", "sigmoid", "hard_sigmoid", "sparse_sigmoid", "sparsemax"})
# Outputs that sum to one over the last axis (a distribution over classes), and outputs of independent
# units in [0, 1] (one probability per label).
DISTRIBUTION_ACTIVATIONS = frozenset({"softmax", "sparsemax"})
INDEPENDENT_PROBABILITY_ACTIVATIONS = PROBABILITY_ACTIVATIONS - DISTRIBUTION_ACTIVATIONS
# Activations whose range is not the whole real line (bounded above, below, or both): on the output of a
# regression they keep it from reaching some targets.
BOUNDED_ACTIVATIONS = frozenset(
    (
        "relu relu6 elu selu celu gelu silu swish mish hard_silu hard_swish softplus squareplus exponential exp "
        "sigmoid hard_sigmoid sparse_sigmoid log_sigmoid tanh hard_tanh softsign softmax sparsemax log_softmax"
    ).split()
)
# Outputs that are certainly not probabilities: unbounded, negative, or above 1.
NOT_PROBABILITY_ACTIVATIONS = frozenset(
    (
        "linear identity relu relu6 elu selu gelu silu swish tanh softplus softsign exponential exp leaky_relu "
        "mish celu log_softmax log_sigmoid hard_silu hard_swish hard_tanh squareplus tanh_shrink prelu"
    ).split()
)

# The losses whose arguments the rules read, keyed as `canonical` spells them (`losses.X`), and
# the strings Keras 3 (`keras.losses.get`, plus compile's "crossentropy"/"ce") and tf_keras
# (module-level aliases of keras.losses) resolve to them. Each maps to its family:
# "binary", "categorical", "sparse", "crossentropy" (chosen from the labels at fit time),
# or "other" (a loss that reads no probabilities).
_LOSS_FAMILIES = {
    "binary": "binary_crossentropy BinaryCrossentropy bce BCE binary_focal_crossentropy BinaryFocalCrossentropy",
    "categorical": (
        "categorical_crossentropy CategoricalCrossentropy categorical_focal_crossentropy "
        "CategoricalFocalCrossentropy"
    ),
    "sparse": "sparse_categorical_crossentropy SparseCategoricalCrossentropy",
    "crossentropy": "crossentropy ce",
    # the distance between a prediction and a real-valued target
    "regression": (
        "mean_squared_error MeanSquaredError mse MSE mean_absolute_error MeanAbsoluteError mae MAE "
        "mean_absolute_percentage_error MeanAbsolutePercentageError mape MAPE mean_squared_logarithmic_error "
        "MeanSquaredLogarithmicError msle MSLE huber Huber huber_loss log_cosh LogCosh logcosh"
    ),
    "other": (
        "hinge Hinge squared_hinge SquaredHinge categorical_hinge CategoricalHinge cosine_similarity "
        "CosineSimilarity poisson Poisson kl_divergence KLDivergence kld KLD kullback_leibler_divergence "
        "dice Dice tversky Tversky ctc CTC circle Circle"
    ),
}
LOSS_FAMILY = {name: family for family, names in _LOSS_FAMILIES.items() for name in names.split()}
# The metrics that count predictions equal to their labels: on a regression they read near zero.
# Keras resolves the strings by the loss and the output's shape (binary, categorical or sparse
# accuracy, which threshold or take the arg max), `Accuracy` compares values for equality.
ACCURACY_METRICS = frozenset({"accuracy", "acc", "Accuracy", "metrics.Accuracy"})

# Positional index of `from_logits` in the constructors of the losses that take it.
FROM_LOGITS_ARG = {
    "BinaryCrossentropy": 0,
    "CategoricalCrossentropy": 0,
    "SparseCategoricalCrossentropy": 0,
    "BinaryFocalCrossentropy": 3,
    "CategoricalFocalCrossentropy": 2,
}


def loss_family(key: str | None) -> str | None:
    """The family of a canonical loss key (`losses.BinaryCrossentropy`, `nn.CrossEntropyLoss`) or a loss string."""
    if key is None:
        return None
    if key in _torch.LOSSES:
        return _torch.LOSSES[key][0]
    return LOSS_FAMILY.get(key[len("losses.") :] if key.startswith("losses.") else key)


# Recurrent layers: each step's output is their activation (tanh unless given) of a state, so their
# output lies in [-1, 1]; the positional index of `activation` (None where it cannot be given).
RECURRENT_LAYERS = {
    "layers.SimpleRNN": 1,
    "layers.LSTM": 1,
    "layers.GRU": 1,
    "layers.CuDNNLSTM": None,
    "layers.CuDNNGRU": None,
}
RECURRENT_ACTIVATION = "tanh"
# Runs a recurrent layer both ways and merges the two outputs (concatenated unless merge_mode says).
BIDIRECTIONAL = "layers.Bidirectional"

# Layers whose output keeps the spatial positions of an image or a volume (a Dense after them acts
# per position). One-dimensional feature maps are sequences, where a prediction per step is a
# common design (taggers, forecasters, CTC heads), so they are left out.
SPATIAL_LAYERS = frozenset(
    "layers." + name
    for name in (
        "Conv2D Conv3D Convolution2D Convolution3D Conv2DTranspose Conv3DTranspose Convolution2DTranspose "
        "Convolution3DTranspose SeparableConv2D SeparableConvolution2D DepthwiseConv2D LocallyConnected2D "
        "MaxPooling2D MaxPooling3D MaxPool2D MaxPool3D AveragePooling2D AveragePooling3D AvgPool2D AvgPool3D "
        "UpSampling2D UpSampling3D ZeroPadding2D ZeroPadding3D Cropping2D Cropping3D SpatialDropout2D "
        "SpatialDropout3D"
    ).split()
)
# Layers that act on each position alone: what they receive keeps its positions.
POSITIONWISE_LAYERS = frozenset(
    "layers." + name
    for name in (
        "Dense Dropout AlphaDropout GaussianDropout GaussianNoise ActivityRegularization BatchNormalization "
        "LayerNormalization Identity Activation Softmax ReLU LeakyReLU PReLU ELU ThresholdedReLU"
    ).split()
)
# Layers that only drop or add noise: what an output applies is decided before them.
TRANSPARENT_LAYERS = frozenset(
    "layers." + name
    for name in "Dropout AlphaDropout GaussianDropout GaussianNoise ActivityRegularization Identity".split()
)


# ---- data (the KA3xx rules) -------------------------------------------------------------------

# keras.datasets: what load_data() gives as ((x_train, y_train), (x_test, y_test)): one sample's
# shape of x (None for sequences of varying length) and the number of classes its integer labels
# index (y is (n,), or (n, 1) for the CIFAR sets). The regression sets (boston_housing,
# california_housing) give no labels to check.
DATASETS: dict[str, tuple[tuple[int, ...] | None, int]] = {
    "mnist": ((28, 28), 10),
    "fashion_mnist": ((28, 28), 10),
    "cifar10": ((32, 32, 3), 10),
    "cifar100": ((32, 32, 3), 100),  # 20 with label_mode="coarse"
    "imdb": (None, 2),
    "reuters": (None, 46),
}
# Functions that turn integer labels into one-hot rows, with the positional index of the class count.
ONE_HOT = {"utils.to_categorical": 1, "utils.np_utils.to_categorical": 1, "tf.one_hot": 1, "ops.one_hot": 1}
ONE_HOT_COUNT = {"utils.to_categorical": "num_classes", "utils.np_utils.to_categorical": "num_classes",
                 "tf.one_hot": "depth", "ops.one_hot": "num_classes"}
# What a model is trained on: (the positional index of x, of y).
FIT_METHODS = frozenset({"fit", "train_on_batch"})
