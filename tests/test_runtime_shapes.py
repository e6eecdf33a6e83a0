"""The shape engine's rules, checked against Keras itself: every catalog layer that changes a shape,
over a grid of arguments and input shapes, and every positional parameter the rules read."""

from __future__ import annotations

import inspect
import itertools
import os
from typing import Any

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras", reason="the shape rules are checked against Keras: pip install '.[runtime]'")

from flake8_keras_activation import catalog  # noqa: E402
from flake8_keras_activation.catalog import shape_rules  # noqa: E402
from flake8_keras_activation.catalog.shape_rules import ShapeError, output_shape  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


def _grid(**axes: list[Any]) -> list[dict[str, Any]]:
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*axes.values())]


def _case(layer: str, args: dict[str, Any], sample: tuple[int | None, ...]) -> Any:
    return pytest.param(layer, args, sample, id=f"{layer}-{args}-{sample}")


CASES: list[Any] = []
for dims, samples in ((1, [(9, 4), (2, 3), (None, 5)]), (2, [(9, 8, 3), (3, 3, 2), (3, 32, 32)]), (3, [(7, 6, 5, 2)])):
    spatial = {1: [1, 3], 2: [1, 3, (2, 3)], 3: [2]}[dims]
    paddings = ["valid", "same"] + (["causal"] if dims == 1 else [])
    for name in (f"Conv{dims}D", f"Convolution{dims}D"):
        for args in _grid(kernel_size=spatial, strides=[1, 2], padding=paddings, dilation_rate=[1, 2],
                          data_format=["channels_last", "channels_first"]):
            if args["strides"] > 1 and args["dilation_rate"] > 1:
                continue  # Keras refuses both at once
            if args["padding"] == "causal" and args["data_format"] == "channels_first":
                continue
            for sample in samples:
                if args["data_format"] == "channels_first" and None in sample:
                    continue  # Keras needs the channel axis defined
                CASES.append(_case(f"layers.{name}", {"filters": 4, **args}, sample))
    if dims < 3:
        for name in (f"SeparableConv{dims}D", f"DepthwiseConv{dims}D"):
            for args in _grid(kernel_size=spatial, strides=[1, 2], padding=["valid", "same"]):
                extra = {"filters": 5} if "Separable" in name else {"depth_multiplier": 2}
                for sample in samples:
                    CASES.append(_case(f"layers.{name}", {**extra, **args}, sample))
    for name in (f"Conv{dims}DTranspose",):
        for args in _grid(kernel_size=spatial, strides=[1, 2], padding=["valid", "same"], output_padding=[None, 1]):
            if args["output_padding"] is not None and args["output_padding"] >= args["strides"]:
                continue  # Keras: output padding must be below the stride
            for sample in samples:
                CASES.append(_case(f"layers.{name}", {"filters": 3, **args}, sample))
    for name in (f"MaxPooling{dims}D", f"AveragePooling{dims}D", f"MaxPool{dims}D", f"AvgPool{dims}D"):
        for args in _grid(pool_size=[2, 3], strides=[None, 1, 2], padding=["valid", "same"],
                          data_format=["channels_last", "channels_first"]):
            for sample in samples:
                CASES.append(_case(f"layers.{name}", args, sample))
    for name in (f"GlobalMaxPooling{dims}D", f"GlobalAveragePooling{dims}D"):
        for args in _grid(keepdims=[False, True], data_format=["channels_last", "channels_first"]):
            for sample in samples:
                CASES.append(_case(f"layers.{name}", args, sample))
    for prefix, key, values in (("UpSampling", "size", [2, 3]), ("ZeroPadding", "padding", [1, 2]),
                                ("Cropping", "cropping", [0, 1])):
        for value in values:
            for sample in samples:
                if all(d is not None and d > 2 for d in sample):
                    CASES.append(_case(f"layers.{prefix}{dims}D", {key: value}, sample))
for units in (1, 6):
    for sample in [(5,), (3, 5), (2, 3, 5)]:
        CASES.append(_case("layers.Dense", {"units": units}, sample))
for name in ("LSTM", "GRU", "SimpleRNN"):
    for args in _grid(units=[3], return_sequences=[False, True]):
        for sample in [(7, 4), (None, 4), (5,), (2, 3, 4)]:
            CASES.append(_case(f"layers.{name}", args, sample))
for merge in ("concat", "sum", "ave", "mul"):
    for sequences in (False, True):
        inner = ("layers.LSTM", {"units": 3, "return_sequences": sequences})
        CASES.append(_case("layers.Bidirectional", {"layer": inner, "merge_mode": merge}, (7, 4)))
for inner in [("layers.Dense", {"units": 3}), ("layers.Conv2D", {"filters": 2, "kernel_size": 3}),
              ("layers.MaxPooling2D", {}), ("layers.Flatten", {})]:
    for sample in [(5, 8, 8, 3), (5, 4)]:
        CASES.append(_case("layers.TimeDistributed", {"layer": inner}, sample))
for sample in [(5,), (3, 4), (2, 3, 4)]:
    CASES.append(_case("layers.Flatten", {}, sample))
    CASES.append(_case("layers.Embedding", {"input_dim": 50, "output_dim": 8}, sample))
for target, sample in [((6,), (2, 3)), ((-1,), (2, 3)), ((3, -1), (2, 3, 2)), ((4, 3), (12,)), ((-1, 2), (None, 4))]:
    CASES.append(_case("layers.Reshape", {"target_shape": target}, sample))
for dims, sample in [((2, 1), (3, 4)), ((1, 3, 2), (2, 3, 4))]:
    CASES.append(_case("layers.Permute", {"dims": dims}, sample))
for sample in [(5,), (3, 5)]:
    CASES.append(_case("layers.RepeatVector", {"n": 4}, sample))
for name in ("Resizing", "CenterCrop"):
    CASES.append(_case(f"layers.{name}", {"height": 4, "width": 5}, (8, 9, 3)))
for name in sorted(shape_rules.SAME_SHAPE):
    if name.split(".")[1] in ("SyncBatchNormalization", "ThresholdedReLU"):
        continue
    sample = (6, 6, 3) if "2D" in name else (6, 3) if "1D" in name else (4, 6, 6, 3) if "3D" in name else (5, 3)
    CASES.append(_case(name, {}, sample))
for sample in [(8, 8, 3), (5,)]:
    for name in ("AdaptiveAveragePooling2D", "AdaptiveMaxPooling2D"):
        CASES.append(_case(f"layers.{name}", {"output_size": 2}, sample))


def _build(layer: str, args: dict[str, Any]) -> Any:
    cls = getattr(keras.layers, layer.split(".", 1)[1])
    built = dict(args)
    if "layer" in built:
        inner_key, inner_args = built["layer"]
        built["layer"] = _build(inner_key, inner_args)
    if layer.endswith("Activation"):
        built.setdefault("activation", "relu")
    if layer.endswith(("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
                       "GaussianDropout")):
        built.setdefault("rate", 0.5)
    if layer.endswith("GaussianNoise"):
        built.setdefault("stddev", 0.1)
    if layer.endswith(("RandomRotation", "RandomZoom", "RandomContrast")):
        built.setdefault("factor" if "Zoom" not in layer else "height_factor", 0.1)
    if layer.endswith("RandomTranslation"):
        built.update(height_factor=0.1, width_factor=0.1)
    if layer.endswith("RandomBrightness"):
        built.setdefault("factor", 0.1)
    if layer.endswith("Rescaling"):
        built.setdefault("scale", 0.5)
    if layer.endswith("GroupNormalization"):
        built.setdefault("groups", 1)
    if layer.endswith("Masking"):
        built.setdefault("mask_value", 0.0)
    return cls(**built)


@pytest.mark.parametrize(("layer", "args", "sample"), CASES)
def test_the_engine_gives_what_keras_builds(layer: str, args: dict[str, Any], sample: tuple[int | None, ...]) -> None:
    try:
        ours = output_shape(layer, args, [sample])
        refused = None
    except ShapeError as error:
        ours, refused = None, error
    try:
        built = _build(layer, args)
        theirs = tuple(built(keras.Input(shape=sample)).shape[1:])
    except (ValueError, TypeError, NotImplementedError) as error:
        if refused is None and ours is not None:
            pytest.fail(f"Keras refuses it ({error}), the engine gives {ours}")
        return
    assert refused is None, f"the engine refuses it ({refused.detail}), Keras gives {theirs}"
    if ours is not None:
        assert ours == theirs


def test_the_engine_refuses_what_keras_refuses() -> None:
    """Enough refusals in the grid: the comparison above is not vacuous on the error side."""
    refusals = 0
    for case in CASES:
        layer, args, sample = case.values
        try:
            output_shape(layer, args, [sample])
        except ShapeError:
            refusals += 1
    assert refusals >= 40


@pytest.mark.parametrize("layer", sorted(shape_rules.PARAMETERS))
def test_positional_parameters_are_keras_3s(layer: str) -> None:
    name = layer.split(".", 1)[1]
    cls = getattr(keras.layers, name, None) or getattr(keras, name, None)
    if cls is None:
        pytest.skip(f"{name} is not in Keras 3")
    target = cls if inspect.isfunction(cls) else cls.__init__
    parameters = [p.name for p in inspect.signature(target).parameters.values() if p.name != "self"]
    expected = list(shape_rules.PARAMETERS[layer])
    assert parameters[: len(expected)] == expected


def test_every_catalog_layer_that_changes_a_shape_has_a_rule() -> None:
    """A layer either keeps the shape, has a rule, or is listed here as left unknown on purpose."""
    unknown_on_purpose = {
        # several inputs whose order the may-edges do not keep, or outputs that depend on data
        "Concatenate", "concatenate", "Dot", "dot", "Attention", "AdditiveAttention", "MultiHeadAttention",
        "GroupQueryAttention", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "CategoryEncoding",
        "Discretization", "Hashing", "HashedCrossing", "IntegerLookup", "StringLookup", "TextVectorization",
        "EinsumDense", "ReversibleEmbedding", "LocallyConnected1D", "LocallyConnected2D", "CuDNNLSTM", "CuDNNGRU",
        "Deconvolution2D", "Deconv2D", "Deconvolution3D", "Deconv3D", "RandomHeight", "RandomWidth",
    }
    ruled = set(shape_rules.PARAMETERS) | shape_rules.SAME_SHAPE | shape_rules.ELEMENTWISE_MERGES
    missing = [
        key for key in catalog.LAYERS
        if key.startswith("layers.") and key not in ruled and key.split(".", 1)[1] not in unknown_on_purpose
    ]
    assert missing == []


def test_the_engine_knows_almost_every_case_of_the_grid() -> None:
    """The comparison is not vacuous on the shape side either: unknown is rare where all is literal."""
    unknown = []
    for case in CASES:
        layer, args, sample = case.values
        try:
            if output_shape(layer, args, [sample]) is None:
                unknown.append(case.id)
        except ShapeError:
            pass
    assert len(unknown) <= len(CASES) // 50, unknown[:10]
