"""The cheap first screen, and what flake8 needs at start-up: nothing heavy is imported here."""

# Words without which a file cannot hold a finding: every affine layer's name contains one of
# the first four (Keras 2's `Deconv2D` is the one without `Conv`), a recurrent layer may make the
# output a loss reads (and SimpleRNN is affine when linear), KA102 needs an input-shape keyword,
# and a model needs its constructor.
KERAS_TRIGGERS = (
    "Dense", "Conv", "Deconv", "LocallyConnected", "RNN", "LSTM", "GRU", "input_dim", "input_shape", "Sequential",
)
# In a file that names PyTorch, also its affine modules and the losses and softmaxes the output
# rules read (only there: Keras's own sources say `softmax` and `Loss` in files without a model)
TRIGGERS = (*KERAS_TRIGGERS, "Linear", "Loss", "cross_entropy", "nll_loss", "softmax")

# Within a file that passes, what makes a function or class worth interpreting (a regular
# expression, with the file's aliases of layers added): the same words narrowed to the uses that
# can matter, so an input-shape keyword and not a parameter named `input_shape` (every
# `compute_output_shape` has one), `Conv2D` or `Convolution2D` and not `Convert`, and a
# `.compile(` call, since a function may compile the model it is given.
KERAS_DEFINITION_WORDS = (
    r"Dense|Conv(?:\d|olution)|Deconv|LocallyConnected|RNN|LSTM|GRU|Sequential|input_(?:dim|shape)\s*=|\.compile\("
)
TORCH_DEFINITION_WORDS = r"Linear|Conv[123]d|Loss\(|cross_entropy|nll_loss"  # in a file that imports torch
DEFINITION_WORDS = f"{KERAS_DEFINITION_WORDS}|{TORCH_DEFINITION_WORDS}"

# The most source the analysis reads, counted in lines, calls, commas and brackets together (a
# cheap count of what becomes ast nodes; a long string literal costs nothing). Beyond it a file
# gets no KA findings and one message: the analysis is linear, but Python's ast tree and our
# graphs cost about 2 KB per unit, so a 50 MB generated file would need gigabytes.
MAX_SYNTAX_UNITS = 250_000
LIMIT_TEXT = f"more than {MAX_SYNTAX_UNITS:,} lines, calls, commas and brackets, the limit of the analysis"


def too_large(text: str) -> bool:
    """True for a source beyond MAX_SYNTAX_UNITS, which the analysis skips."""
    return sum(text.count(mark) for mark in "\n(,[") > MAX_SYNTAX_UNITS


# Codes flake8 leaves out unless they are selected.
UNUSED_NOQA = "KA900"  # the code of a `# noqa` that silences nothing
OFF_BY_DEFAULT = ("KA104", "KA210", UNUSED_NOQA)


def may_hold_finding(text: str) -> bool:
    """False means the file cannot hold a finding: it names neither Keras nor PyTorch, or no trigger word."""
    if "torch" in text:
        return any(word in text for word in TRIGGERS)
    return "keras" in text and any(word in text for word in KERAS_TRIGGERS)
