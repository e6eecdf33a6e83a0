"""The PyTorch catalog checked against PyTorch itself: every module, function and loss it names
exists, and the argument positions it reads widths from are PyTorch's. The analysis never imports
torch; this test does, to keep the catalog honest."""

from __future__ import annotations

import inspect

import pytest

torch = pytest.importorskip("torch", reason="checking the catalog against PyTorch needs torch")

from flake8_keras_activation import catalog  # noqa: E402
from flake8_keras_activation.catalog import torch as tc  # noqa: E402


def _module(key: str) -> type:
    assert key.startswith("nn."), key
    return getattr(torch.nn, key[len("nn."):])


def _positional(cls: type) -> list[str]:
    return [
        p.name for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]


MODULES = sorted(set(tc.AFFINE) | tc.PASS | tc.NONLINEAR | set(tc.WIDTH_DECLARED) | tc.WIDTH_KEEPING | set(tc.ACTIVATIONS))


@pytest.mark.parametrize("key", MODULES)
def test_every_module_the_catalog_names_exists_in_torch_nn(key: str) -> None:
    assert issubclass(_module(key), torch.nn.Module)


@pytest.mark.parametrize("key", sorted(tc.AFFINE))
def test_affine_modules_read_widths_and_kernel_at_torchs_positions(key: str) -> None:
    names = _positional(_module(key))
    spec = tc.AFFINE[key]
    for given in (spec.takes, spec.makes):
        if given is not None:
            assert names[given[1]] == given[0], (key, names)
    if spec.kernel is not None:
        assert names[spec.kernel] == "kernel_size", (key, names)


@pytest.mark.parametrize("key", sorted(tc.AFFINE))
def test_affine_modules_are_affine_and_bias_and_groups_sit_where_the_front_end_reads_them(key: str) -> None:
    assert catalog.layer_info(key) is not None and catalog.layer_info(key).kind is catalog.Kind.AFFINE
    names = _positional(_module(key))
    if key == "nn.Linear":
        assert names[2] == "bias"
    elif key in tc.CONVOLUTIONS and not key.startswith("nn.Lazy"):
        assert names[6] == "groups" and names[7] == "bias", (key, names)


@pytest.mark.parametrize("key", sorted(tc.WIDTH_DECLARED))
def test_declared_widths_are_read_at_torchs_positions(key: str) -> None:
    name, index = tc.WIDTH_DECLARED[key]
    assert _positional(_module(key))[index] == name


@pytest.mark.parametrize("key", sorted(tc.LOSSES))
def test_every_loss_exists(key: str) -> None:
    if key.startswith("F."):
        assert callable(getattr(torch.nn.functional, key[len("F."):]))
    else:
        assert issubclass(_module(key), torch.nn.modules.loss._Loss)


@pytest.mark.parametrize("name", sorted(tc.FUNCTIONAL_IDENTITY | tc.FUNCTIONAL_PASS))
def test_every_functional_step_exists(name: str) -> None:
    assert callable(getattr(torch.nn.functional, name[len("F."):]))


@pytest.mark.parametrize("name", sorted(tc.MERGES | tc.RESHAPES))
def test_every_torch_function_exists(name: str) -> None:
    assert callable(getattr(torch, name[len("torch."):]))


@pytest.mark.parametrize("method", sorted(set(tc.TENSOR_ACTIVATIONS) | tc.TENSOR_RESHAPES | tc.TENSOR_IDENTITIES))
def test_every_tensor_method_exists(method: str) -> None:
    assert callable(getattr(torch.zeros(1), method))


# cuda() needs a GPU to run; it returns the module as to() does (both are nn.Module._apply)
@pytest.mark.parametrize("method", sorted(tc.RETURNS_SELF - {"cuda"}))
def test_methods_that_return_the_module_return_it(method: str) -> None:
    module = torch.nn.Linear(2, 2)
    args = ("cpu",) if method == "to" else ()
    assert getattr(module, method)(*args) is module


def test_activation_modules_apply_what_the_catalog_says() -> None:
    x = torch.linspace(-3, 3, 7).reshape(1, 7)
    for key, name in tc.ACTIVATIONS.items():
        cls = _module(key)
        module = cls(dim=1) if name in tc.DIM_ACTIVATIONS else cls(0.5, 0.0) if key == "nn.Threshold" else cls()
        module.eval()
        y = module(x)
        assert y.shape == x.shape, key
        if name in ("relu", "relu6"):
            assert float(y.min()) == 0.0, key
        if name == "sigmoid":
            assert 0.0 < float(y.min()) and float(y.max()) < 1.0, key
        if name == "softmax":
            assert torch.allclose(y.sum(dim=1), torch.ones(1))
