"""Generated Keras programs: no exception, and invariants that must hold whatever the program."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_keras_activation import analyze_source

ACTIVATIONS = [None, '"relu"', '"linear"', "None", '"tanh"']
PASS_LAYERS = ["Dropout(0.1)", "BatchNormalization()", "Flatten()", 'Activation("linear")']
NONLINEAR_LAYERS = ["ReLU()", "LeakyReLU(0.2)", 'Activation("relu")', "LayerNormalization()"]
SPELLINGS = {
    # import lines, prefix of layer names, Sequential, Input
    "from-keras-layers": (
        "from keras.layers import *\nfrom keras import Sequential, Input, Model",
        "",
        "Sequential",
        "Input",
        "Model",
    ),
    "keras-layers-module": ("import keras\nfrom keras import layers", "layers.", "keras.Sequential", "keras.Input", "keras.Model"),
    "tf-keras": ("import tensorflow as tf", "tf.keras.layers.", "tf.keras.Sequential", "tf.keras.Input", "tf.keras.Model"),
    "alias": (
        "from tensorflow.keras import layers as L\nfrom tensorflow import keras",
        "L.",
        "keras.models.Sequential",
        "keras.Input",
        "keras.models.Model",
    ),
}


@dataclass(frozen=True)
class Layer:
    kind: str  # "dense", "pass", "nonlinear"
    text: str  # constructor without the module prefix, e.g. 'Dense(8, activation="relu")'
    linear: bool = False  # a Dense without a nonlinear activation


def dense(units: int, activation: str | None) -> Layer:
    argument = "" if activation is None else f", activation={activation}"
    return Layer("dense", f"Dense({units}{argument})", activation in (None, '"linear"', "None"))


layer_strategy = st.one_of(
    st.builds(dense, st.integers(1, 64), st.sampled_from(ACTIVATIONS)),
    st.sampled_from(PASS_LAYERS).map(lambda text: Layer("pass", text)),
    st.sampled_from(NONLINEAR_LAYERS).map(lambda text: Layer("nonlinear", text)),
)
layers_strategy = st.lists(layer_strategy, min_size=1, max_size=8)
forms = st.sampled_from(["list", "add", "functional", "subclassed"])
spellings = st.sampled_from(sorted(SPELLINGS))


def render(layers: list[Layer], form: str, spelling: str, expanded: bool) -> str:
    imports, prefix, sequential, input_name, model = SPELLINGS[spelling]
    calls = [prefix + layer.text for layer in layers]
    lines = [imports, ""]
    if form == "list":
        if expanded:
            lines += [f"net = {sequential}(", "    [", f"        {input_name}(shape=(4,)),"]
            lines += [f"        {call},  # a comment" for call in calls]
            lines += ["    ],", ")"]
        else:
            lines.append(f"net = {sequential}([{input_name}(shape=(4,)), {', '.join(calls)}])")
    elif form == "add":
        lines.append(f"net = {sequential}()")
        lines.append(f"net.add({input_name}(shape=(4,)))")
        for call in calls:
            lines += ["net.add(", f"    {call}", ")"] if expanded else [f"net.add({call})"]
    elif form == "functional":
        lines.append(f"inputs = {input_name}(shape=(4,))")
        lines.append("x = inputs")
        for call in calls:
            lines += [f"x = {call}(", "    x", ")"] if expanded else [f"x = {call}(x)"]
        lines.append(f"net = {model}(inputs, x)")
    else:
        base = f"{prefix}Layer" if prefix else "Layer"
        lines += [f"class Net({base}):", "    def __init__(self):", "        super().__init__()"]
        lines += [f"        self.layer_{i} = {call}" for i, call in enumerate(calls)]
        lines += ["", "    def call(self, x):"]
        lines += [f"        x = self.layer_{i}(x)" for i in range(len(calls))]
        lines.append("        return x")
    return "\n".join(lines) + "\n"


def expected_collapses(layers: list[Layer]) -> int:
    """A reference for KA101 on a chain: a linear Dense whose next non-pass layer is a Dense."""
    count = 0
    for i, layer in enumerate(layers):
        if layer.kind != "dense" or not layer.linear:
            continue
        for later in layers[i + 1 :]:
            if later.kind == "pass":
                continue
            count += later.kind == "dense"
            break
    return count


def codes(source: str) -> list[str]:
    return [f.code for f in analyze_source(source)]


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(layers_strategy, forms, spellings, st.booleans())
def test_generated_programs_match_the_reference_count_of_collapses(layers, form, spelling, expanded) -> None:
    found = codes(render(layers, form, spelling, expanded))
    assert found.count("KA101") + found.count("KA104") == expected_collapses(layers)


@FUZZ
@given(layers_strategy, forms, spellings)
def test_a_nonlinear_activation_on_every_affine_layer_leaves_no_collapse(layers, form, spelling) -> None:
    fixed = [dense(8, '"relu"') if layer.kind == "dense" else layer for layer in layers]
    found = codes(render(fixed, form, spelling, expanded=False))
    assert "KA101" not in found and "KA103" not in found


@FUZZ
@given(layers_strategy, forms, spellings)
def test_findings_do_not_depend_on_formatting(layers, form, spelling) -> None:
    compact = codes(render(layers, form, spelling, expanded=False))
    expanded = codes(render(layers, form, spelling, expanded=True))
    assert sorted(compact) == sorted(expanded)


@FUZZ
@given(layers_strategy, forms)
def test_findings_do_not_depend_on_the_import_spelling(layers, form) -> None:
    results = {spelling: sorted(codes(render(layers, form, spelling, expanded=False))) for spelling in SPELLINGS}
    assert len({tuple(found) for found in results.values()}) == 1, results


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("keras.Dense()[]=:,\n x1\"'#\\\t")), max_size=200))
def test_random_text_never_raises(text: str) -> None:
    analyze_source("import keras\nfrom keras.layers import Dense\n" + text)


@FUZZ
@given(layers_strategy, forms, spellings, st.booleans())
def test_the_fixer_leaves_no_ka101_or_ka102_and_a_second_run_changes_nothing(layers, form, spelling, expanded) -> None:
    import ast

    from flake8_keras_activation.fix import fix_source

    source = render(layers, form, spelling, expanded)
    fixed = fix_source(source, analyze_source(source)).text
    ast.parse(fixed)
    remaining = analyze_source(fixed)
    assert not [f for f in remaining if f.code in ("KA101", "KA102")]
    assert fix_source(fixed, remaining).text == fixed


# ---- the output rules: random heads and losses against a reference verdict ---------------------

OUTPUT_ACTIVATIONS = [None, "relu", "tanh", "sigmoid", "softmax", "linear", "elu"]
PROBABILITIES = {"sigmoid", "softmax"}
LOSSES = {
    # written form -> (family, from_logits)
    '"binary_crossentropy"': ("binary", False),
    '"categorical_crossentropy"': ("categorical", False),
    '"sparse_categorical_crossentropy"': ("sparse", False),
    '"mse"': ("regression", False),
    '"huber"': ("regression", False),
    "keras.losses.BinaryCrossentropy()": ("binary", False),
    "keras.losses.BinaryCrossentropy(from_logits=True)": ("binary", True),
    "keras.losses.CategoricalCrossentropy(from_logits=False)": ("categorical", False),
    "keras.losses.SparseCategoricalCrossentropy(from_logits=True)": ("sparse", True),
    "keras.losses.binary_crossentropy": ("binary", False),
    "keras.losses.MeanAbsoluteError()": ("regression", False),
    '"poisson"': ("other", False),
}
BOUNDED = {"relu", "tanh", "sigmoid", "softmax", "elu"}


def expected_output_codes(width: int, activation: str | None, loss: str, accuracy: bool) -> set[str]:
    """The verdict, from the rules' definitions alone."""
    act = activation or "linear"
    family, from_logits = LOSSES[loss]
    codes = set()
    if act == "softmax" and width == 1:
        codes.add("KA201")
    if from_logits and act in PROBABILITIES:
        codes.add("KA202")
    if family in ("binary", "categorical", "sparse") and not from_logits and act not in PROBABILITIES:
        codes.add("KA203")
    if family in ("categorical", "sparse") and width == 1:
        codes.add("KA204")
    if family == "binary" and act == "softmax" and width > 2:
        codes.add("KA205")
    if family in ("categorical", "sparse") and act == "sigmoid" and width > 1 and not from_logits:
        codes.add("KA207")
    if family == "regression" and act == "softmax" and width > 1:
        codes.add("KA208")
    if family == "regression" and act in BOUNDED:
        codes.add("KA210")
    if accuracy and family == "regression" and act not in PROBABILITIES and width == 1:
        codes.add("KA211")
    return codes


def output_program(width: int, activation: str | None, loss: str, style: str, bound: bool, accuracy: bool) -> str:
    argument = "" if activation is None else f', activation="{activation}"'
    head = f"layers.Dense({width}{argument})"
    lines = ["import keras", "from keras import layers", ""]
    if style == "sequential":
        lines.append(f'model = keras.Sequential([layers.Dense(16, activation="relu"), {head}])')
    elif style == "add":
        lines += ["model = keras.Sequential()", 'model.add(layers.Dense(16, activation="relu"))', f"model.add({head})"]
    else:
        lines += [
            "inputs = keras.Input(shape=(4,))",
            'hidden = layers.Dense(16, activation="relu")(inputs)',
            f"model = keras.Model(inputs, {head}(hidden))",
        ]
    metrics = ', metrics=["mae", "accuracy"]' if accuracy else ""
    if bound:
        lines += [f"loss = {loss}", f'model.compile(optimizer="adam", loss=loss{metrics})']
    else:
        lines.append(f'model.compile(optimizer="adam", loss={loss}{metrics})')
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([1, 2, 3, 10]),
    st.sampled_from(OUTPUT_ACTIVATIONS),
    st.sampled_from(sorted(LOSSES)),
    st.sampled_from(["sequential", "add", "functional"]),
    st.booleans(),
    st.booleans(),
)
def test_generated_heads_and_losses_get_the_reference_verdict(
    width: int, activation: str | None, loss: str, style: str, bound: bool, accuracy: bool
) -> None:
    source = output_program(width, activation, loss, style, bound, accuracy)
    found = {f.code for f in analyze_source(source) if f.code.startswith("KA2")}
    assert found == expected_output_codes(width, activation, loss, accuracy), source
