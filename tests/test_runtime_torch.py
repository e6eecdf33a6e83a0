"""check_model on real PyTorch modules with an example input: hooks for the structure, the real
forward pass for the measurement. Each flagged model has a legitimate counterpart that is not."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the PyTorch runtime tests need torch: pip install '.[test]'")
nn = torch.nn
F = torch.nn.functional

from flake8_keras_activation.runtime import check_model  # noqa: E402
from flake8_keras_activation.runtime.measure import NotFinite  # noqa: E402
from flake8_keras_activation.testing import assert_not_affine, assert_output_fits_loss  # noqa: E402

torch.manual_seed(0)  # the modules' weights; the check itself must hold for any


def codes(report) -> list[str]:
    return [finding.code for finding in report.findings]


def hooks_left(module) -> list[str]:
    """Every forward hook or pre-hook still registered on the module or any module inside it."""
    return [
        f"{name or 'model'}.{kind}"
        for name, sub in module.named_modules()
        for kind in ("_forward_hooks", "_forward_pre_hooks")
        if getattr(sub, kind)
    ]


class TwoLayers(nn.Module):
    """fc1 -> fc2, with F.relu between them in forward or not: the module list is the same."""

    def __init__(self, relu: bool) -> None:
        super().__init__()
        self.relu = relu
        self.fc1 = nn.Linear(10, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        h = self.fc1(x)
        if self.relu:
            h = F.relu(h)
        return self.fc2(h)


# ---- flagged, and the legitimate counterpart ---------------------------------------------------


def test_three_linear_layers_are_one_affine_map_end_to_end() -> None:
    model = nn.Sequential(nn.Linear(2, 20), nn.Linear(20, 100), nn.Linear(100, 3))
    report = check_model(model, torch.randn(4, 2))
    assert report.is_affine and report.measured_affine and report.structure_affine
    assert report.method == "both"
    assert report.input_width == 2 and report.output_width == 3 and report.rank == 2
    assert report.kernel.shape == (2, 3) and report.bias.shape == (3,)
    x = torch.randn(16, 2)
    with torch.no_grad():
        expected = model(x).double().numpy()
    assert np.abs(x.double().numpy() @ report.kernel + report.bias - expected).max() < 1e-4
    [run] = report.collapsed
    assert run.layers == (
        "0 (Linear(in_features=2, out_features=20, bias=True))",
        "1 (Linear(in_features=20, out_features=100, bias=True))",
        "2 (Linear(in_features=100, out_features=3, bias=True))",
    )
    assert run.map_text() == "one affine map 2 -> 3, rank 2"
    assert run.objects == (model[0], model[1], model[2])  # the user's modules, not the float64 copy
    assert codes(report) == ["KA101", "KA101"]
    assert report.findings[0].message == (
        "0 (Linear(in_features=2, out_features=20, bias=True)) has no activation and feeds "
        "1 (Linear(in_features=20, out_features=100, bias=True)): the two collapse into one affine map; "
        "add nn.ReLU() after it"
    )
    assert report.summary().splitlines()[0] == "affine: one affine map 2 -> 3, rank 2"


def test_relu_between_the_layers_is_not_affine_and_nothing_collapses() -> None:
    model = nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 100), nn.ReLU(), nn.Linear(100, 3))
    report = check_model(model, torch.randn(4, 2))
    assert not report.is_affine and not report.structure_affine
    assert report.kernel is None and report.rank is None
    assert report.collapsed == () and report.findings == ()
    assert report.max_error > 1e-2


def test_functional_relu_in_forward_breaks_the_chain_though_no_hook_sees_it() -> None:
    report = check_model(TwoLayers(relu=True), torch.randn(3, 10))
    assert not report.is_affine and report.collapsed == () and report.findings == ()


def test_the_same_module_without_the_functional_relu_collapses() -> None:
    report = check_model(TwoLayers(relu=False), torch.randn(3, 10))
    assert report.is_affine and report.rank == 4
    [run] = report.collapsed
    assert [label.split(" ")[0] for label in run.layers] == ["fc1", "fc2"]
    assert run.map_text() == "one affine map 10 -> 4, rank 4"
    assert codes(report) == ["KA101"] and report.findings[0].established == "both"
    assert report.findings[0].message.startswith("fc1 (Linear(in_features=10, out_features=32, bias=True)) ")


def test_an_in_place_relu_is_seen_by_the_measurement_not_by_the_structure() -> None:
    class InPlace(TwoLayers):
        def forward(self, x):
            h = self.fc1(x)
            h.relu_()  # fc2 receives the very tensor fc1 returned: the hooks link them
            return self.fc2(h)

    report = check_model(InPlace(relu=False), torch.randn(3, 10))
    assert report.structure_affine and not report.measured_affine and not report.is_affine
    assert report.collapsed == () and report.findings == ()
    assert any("the structure says affine but the measurement disagrees" in note for note in report.notes)


def test_a_segment_is_measured_in_the_real_forward_pass() -> None:
    # the guard behind every collapse: the map from fc1's input to fc2's output, probed through
    # forward itself, holds the in-place relu that calling fc1 then fc2 would leave out
    from flake8_keras_activation.runtime.measure import affine_error, trial_rows
    from flake8_keras_activation.runtime.pytorch import Measurer, inference, run, units

    class InPlace(TwoLayers):
        def forward(self, x):
            h = self.fc1(x)
            h.relu_()
            return self.fc2(h)

    def segment_error(model) -> float:
        x = torch.randn(2, 10)
        with inference(model):
            calls = []
            run(model, (x,), watch=units(model), record=calls)
            f, shape, _ = Measurer(model, (x,), calls).segment(calls[0], calls[1])
            trials = trial_rows(10, 0, 2**21)
            return affine_error(trials, f(trials.rows))

    assert segment_error(InPlace(relu=False)) > 1e-2
    assert segment_error(TwoLayers(relu=False)) < 1e-6


def test_two_convolutions_with_nothing_between_collapse() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2))
    report = check_model(model, torch.randn(2, 3, 8, 8))
    assert not report.is_affine
    [run] = report.collapsed
    assert run.layers == (
        "0 (Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)))",
        "1 (Conv2d(8, 4, kernel_size=(3, 3), stride=(1, 1)))",
    )
    assert (run.input_width, run.output_width) == (3 * 8 * 8, 4 * 4 * 4)
    assert run.rank == 64  # 192 -> 64, full rank for random weights
    assert codes(report) == ["KA101"]


def test_two_convolutions_with_a_relu_between_do_not() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2))
    report = check_model(model, torch.randn(2, 3, 8, 8))
    assert not report.is_affine and report.collapsed == () and report.findings == ()


def test_a_low_rank_factorization_is_ka104_with_its_rank() -> None:
    # as the Keras side: no bias before another affine layer declares a factorization
    model = nn.Sequential(nn.Linear(64, 8, bias=False), nn.Linear(8, 64))
    report = check_model(model, torch.randn(2, 64))
    assert report.is_affine and report.rank == 8
    [run] = report.collapsed
    assert run.map_text() == "one affine map 64 -> 64, rank 8"
    assert codes(report) == ["KA104"]
    message = report.findings[0].message
    assert "it has no bias, which would be redundant before another affine layer: a factorization" in message
    assert message.endswith("otherwise add nn.ReLU() after it")


def test_the_same_pair_with_a_bias_is_ka101() -> None:
    report = check_model(nn.Sequential(nn.Linear(64, 8), nn.Linear(8, 64)), torch.randn(2, 64))
    assert codes(report) == ["KA101"] and report.collapsed[0].rank == 8


def test_a_module_applied_twice_in_a_row_feeds_itself() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 6)

        def forward(self, x):
            return self.fc(self.fc(x))

    report = check_model(Twice(), torch.randn(2, 6))
    assert report.is_affine and codes(report) == ["KA101"]
    assert "feeds itself" in report.findings[0].message


def test_batch_norm_in_eval_and_dropout_pass_through_a_chain_as_in_keras() -> None:
    model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.Dropout(0.5), nn.Linear(16, 1))
    model.train()
    report = check_model(model, torch.randn(3, 4))
    assert report.is_affine  # eval mode: batch statistics frozen, dropout the identity
    [run] = report.collapsed
    assert [label.split(" ")[0] for label in run.path] == ["0", "1", "2", "3"]
    assert len(run.layers) == 2 and codes(report) == ["KA101"]
    assert "through 1 (BatchNorm1d(16, " in report.findings[0].message


# ---- legitimate designs: not flagged ---------------------------------------------------------


def test_a_linear_regression_head_after_relu_batch_norm_dropout_and_identity() -> None:
    model = nn.Sequential(
        nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.BatchNorm1d(16), nn.Identity(), nn.Linear(16, 1)
    )
    report = check_model(model, torch.randn(3, 4))
    assert not report.is_affine and report.collapsed == () and report.findings == ()


def test_a_residual_block_is_not_flagged() -> None:
    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1, self.fc2, self.head = nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 1)

        def forward(self, x):
            return self.head(F.relu(x + self.fc2(F.relu(self.fc1(x)))))

    report = check_model(Residual(), torch.randn(2, 16))
    assert not report.is_affine and report.collapsed == () and report.findings == ()


def test_a_layer_whose_output_is_also_used_elsewhere_is_not_a_collapse() -> None:
    # `fc2(h) + h`: the hooks see fc1 feed fc2 and nothing else; perturbing fc1's output and
    # perturbing fc2's input give different outputs, so h is used for itself (Keras's every-path rule)
    class Shortcut(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(16, 16), nn.Linear(16, 16)

        def forward(self, x):
            h = self.fc1(x)
            return torch.tanh(self.fc2(h) + h)

    class Alone(Shortcut):
        def forward(self, x):
            return torch.tanh(self.fc2(self.fc1(x)))

    assert check_model(Shortcut(), torch.randn(2, 16)).findings == ()
    assert codes(check_model(Alone(), torch.randn(2, 16))) == ["KA101"]


def test_a_stem_feeding_batch_norm_relu_and_a_pointwise_shortcut_is_not_flagged() -> None:
    class Stem(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem, self.bn, self.shortcut = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Conv2d(8, 8, 1)

        def forward(self, x):
            h = self.stem(x)
            return F.relu(self.bn(h)) + self.shortcut(h)

    report = check_model(Stem(), torch.randn(2, 3, 6, 6))
    assert report.collapsed == () and report.findings == ()


def test_attention_between_linear_layers_is_not_flagged() -> None:
    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(8, 16)
            self.attention = nn.MultiheadAttention(16, 2, batch_first=True)
            self.out = nn.Linear(16, 3)

        def forward(self, x):
            h = self.embed(x)
            attended, _ = self.attention(h, h, h)
            return self.out(attended)

    report = check_model(Attention(), torch.randn(2, 5, 8))
    assert not report.is_affine and report.collapsed == () and report.findings == ()


def test_logits_for_cross_entropy_are_not_flagged() -> None:
    # no softmax at the output is right for nn.CrossEntropyLoss; no loss is known at run time anyway
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))
    report = check_model(model, torch.randn(2, 1, 28, 28))
    assert not report.is_affine and report.findings == ()


def test_a_single_linear_layer_is_affine_but_nothing_collapses() -> None:
    report = check_model(nn.Linear(3, 2), torch.randn(1, 3))
    assert report.is_affine and report.rank == 2 and report.collapsed == () and report.findings == ()


def test_softmax_over_one_unit_is_ka201_confirmed_by_the_outputs() -> None:
    report = check_model(nn.Sequential(nn.Linear(4, 1), nn.Softmax(dim=-1)), torch.randn(2, 4))
    assert codes(report) == ["KA201"] and report.findings[0].established == "both"
    assert "(measured: the output is 1.0 on every probe)" in report.findings[0].message
    with pytest.raises(AssertionError, match="KA201"):
        assert_output_fits_loss(nn.Sequential(nn.Linear(4, 1), nn.Softmax(dim=-1)), torch.randn(2, 4))
    assert_output_fits_loss(nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=-1)), torch.randn(2, 4))


def test_several_positional_inputs_are_flattened_in_order() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc, self.out = nn.Linear(5, 3), nn.Linear(3, 2)

        def forward(self, a, b):
            return self.out(self.fc(torch.cat([a, b], dim=1)))

    report = check_model(Two(), (torch.randn(2, 2), torch.randn(2, 3)))
    assert report.is_affine and report.kernel.shape == (5, 2) and codes(report) == ["KA101"]
    assert any("argument 1 (2 values, kernel rows 0-1), argument 2 (3 values, kernel rows 2-4)" in n for n in report.notes)


def test_a_module_that_refuses_float64_is_measured_in_its_own_dtype() -> None:
    class Float32Only(TwoLayers):
        def forward(self, x):
            assert x.dtype == torch.float32, "float32 only"
            return super().forward(x)

    report = check_model(Float32Only(relu=False), torch.randn(3, 10))
    assert report.is_affine and codes(report) == ["KA101"]
    assert any(note.startswith("measured in the module's own dtype (no float64 copy: AssertionError: float32 only")
               for note in report.notes)


# ---- the module is left as it was ----------------------------------------------------------------


def test_training_modes_and_hooks_are_restored() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))
    model.train()
    model[2].eval()  # a mixed state: each module gets its own flag back
    before = [m.training for m in model.modules()]
    weights = [p.detach().clone() for p in model.parameters()]
    statistics = model[1].running_mean.clone()
    check_model(model, torch.randn(5, 4))
    assert [m.training for m in model.modules()] == before
    assert hooks_left(model) == []
    assert all(torch.equal(a, b) for a, b in zip(weights, model.parameters()))
    assert torch.equal(statistics, model[1].running_mean)  # eval mode: the running statistics untouched
    assert all(p.grad is None for p in model.parameters())


def test_hooks_and_mode_are_restored_when_forward_fails() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    model.train()
    with pytest.raises(ValueError):
        check_model(model, torch.randn(2, 5))
    assert model.training and all(m.training for m in model.modules())
    assert hooks_left(model) == []


def test_a_hook_of_the_users_own_stays() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    seen = []
    model[0].register_forward_hook(lambda module, args, output: seen.append(tuple(output.shape)))
    check_model(model, torch.randn(2, 3))
    assert len(model[0]._forward_hooks) == 1 and seen[0] == (2, 4)


# ---- clear errors ------------------------------------------------------------------------------


def test_a_wrong_example_shape_is_one_value_error_naming_it() -> None:
    with pytest.raises(ValueError) as raised:
        check_model(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)), torch.randn(2, 5))
    message = str(raised.value)
    assert message.startswith("check_model: Sequential.forward fails on the example input of shape (2, 5): RuntimeError: ")
    assert "\n" not in message and "mat1 and mat2 shapes cannot be multiplied" in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.parametrize(
    ("given", "error", "expected"),
    [
        ((object(), torch.randn(1, 2)), TypeError, r"or a PyTorch nn.Module with an example input, not a builtins.object"),
        ((nn.Linear(3, 2),), TypeError, r"check_model needs an example input for a PyTorch module \(Linear\)"),
        ((nn.Linear(3, 2), [[1.0, 2.0, 3.0]]), TypeError, r"is a torch.Tensor .*, not a builtins.list"),
        ((nn.Linear(3, 2), np.ones((1, 3))), TypeError, r"is a torch.Tensor .*, not a numpy.ndarray"),
        (
            (nn.Embedding(10, 3), torch.tensor([[1, 2]])),
            TypeError,
            r"a tensor of torch.int64; the measurement perturbs it, so it must be floating point",
        ),
        ((nn.Linear(3, 2), torch.tensor(1.0)), ValueError, r"has shape \(\): give it a batch axis first"),
    ],
    ids=["not-a-module", "no-example", "list", "numpy", "integer", "scalar"],
)
def test_bad_arguments_are_one_clear_error(given, error, expected: str) -> None:
    with pytest.raises(error, match=expected):
        check_model(*given)


def test_a_forward_with_a_fixed_batch_size_is_one_value_error() -> None:
    class TwoRows(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x).reshape(2, 2)

    model = TwoRows()
    with pytest.raises(ValueError, match=r"^check_model: TwoRows.forward fails on a batch of \d+ trial inputs .*"
                       r"\(it must take any batch size\): RuntimeError: shape '\[2, 2\]' is invalid"):
        check_model(model, torch.randn(2, 3))
    assert hooks_left(model) == [] and model.training


def test_a_view_between_a_convolution_and_a_linear_layer_keeps_the_chain() -> None:
    class ConvView(nn.Module):
        def __init__(self, relu: bool) -> None:
            super().__init__()
            self.relu, self.conv, self.fc = relu, nn.Conv2d(1, 4, 3), nn.Linear(4 * 4 * 4, 2)

        def forward(self, x):
            x = self.conv(x)
            if self.relu:
                x = F.relu(x)
            return self.fc(x.view(x.size(0), -1))

    report = check_model(ConvView(relu=False), torch.randn(2, 1, 6, 6))
    assert report.is_affine and codes(report) == ["KA101"] and report.collapsed[0].map_text() == (
        "one affine map 36 -> 2, rank 2"
    )
    assert check_model(ConvView(relu=True), torch.randn(2, 1, 6, 6)).findings == ()


def test_input_shape_is_for_keras() -> None:
    with pytest.raises(TypeError, match="input_shape is for Keras models; a PyTorch module takes an example input"):
        check_model(nn.Linear(3, 2), torch.randn(1, 3), input_shape=(3,))


def test_a_nan_weight_is_named() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    with torch.no_grad():
        model[1].weight[0, 0] = float("nan")
    with pytest.raises(NotFinite, match=r"outputs are NaN on the example input, .*the parameter 1.weight holds NaN"):
        check_model(model, torch.randn(1, 3))


def test_a_forward_that_returns_no_tensor_is_a_type_error() -> None:
    class Nothing(nn.Module):
        def forward(self, x):
            return None

    with pytest.raises(TypeError, match=r"Nothing.forward it returned no tensor \(NoneType\)"):
        check_model(Nothing(), torch.randn(1, 3))


# ---- testing helpers -----------------------------------------------------------------------------


def test_assert_not_affine_takes_a_module_and_an_example() -> None:
    with pytest.raises(AssertionError) as raised:
        assert_not_affine(TwoLayers(relu=False), torch.randn(2, 10))
    lines = str(raised.value).splitlines()
    assert lines[0] == "TwoLayers is affine end to end: one affine map 10 -> 4, rank 4"
    assert lines[1].startswith("  collapsed: fc1 (Linear(in_features=10, out_features=32, bias=True)) -> fc2 ")
    assert lines[-1] == "  add nn.ReLU() (or another nonlinearity) between the layers"
    assert_not_affine(TwoLayers(relu=True), torch.randn(2, 10))


def test_assert_not_affine_forbids_a_partial_collapse_when_asked() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2))
    assert_not_affine(model, torch.randn(1, 3, 8, 8))
    with pytest.raises(AssertionError, match="Sequential has layers that collapse into one affine map"):
        assert_not_affine(model, torch.randn(1, 3, 8, 8), forbid_collapsed_runs=True)


# ---- what is imported ----------------------------------------------------------------------------


def test_a_torch_module_never_imports_keras() -> None:
    script = textwrap.dedent(
        """
        import sys
        import torch
        from flake8_keras_activation.runtime import check_model
        from flake8_keras_activation.testing import assert_not_affine
        model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
        check_model(model, torch.randn(1, 2))
        assert_not_affine(model, torch.randn(1, 2))
        print(sorted(m for m in ("keras", "tensorflow", "jax", "tf_keras") if m in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_importing_the_runtime_does_not_import_torch() -> None:
    script = "import sys, flake8_keras_activation.runtime, flake8_keras_activation.testing; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
