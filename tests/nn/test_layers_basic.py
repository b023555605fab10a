"""Linear, Bilinear, convolutions, activations, Flatten and dropout layers against torch.nn."""

import inspect

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn

from .parity import check

R = np.random.default_rng(0)


def rnd(*shape):
    return R.standard_normal(shape)


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    check(nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias), rnd(4, 5))
    check(nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias), rnd(2, 6, 5))


def test_bilinear():
    check(nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2), rnd(5, 3), rnd(5, 4))


CONVS = [
    ("Conv1d", (3, 4, 3), dict(padding=1), (2, 3, 9)),
    ("Conv1d", (4, 6, 3), dict(groups=2, dilation=2, padding="same"), (2, 4, 9)),
    ("Conv2d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 8, 7)),
    ("Conv2d", (3, 4, (3, 2)), dict(padding=(1, 2), padding_mode="reflect"), (2, 3, 6, 7)),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="circular"), (1, 2, 5, 5)),
    ("Conv2d", (2, 2, 3), dict(padding=1, padding_mode="replicate", bias=False), (2, 5, 5)),
    ("Conv3d", (2, 3, 2), dict(padding=1), (1, 2, 4, 4, 3)),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2, output_padding=1), (2, 3, 5)),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1, groups=2), (2, 4, 4, 5)),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2, dilation=1), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("name, args, kw, shape", CONVS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONVS)])
def test_conv(name, args, kw, shape):
    check(getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw), rnd(*shape))


@pytest.mark.parametrize("name, kw", [
    ("ReLU", {}), ("ReLU6", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.7}),
    ("SELU", {}), ("CELU", {}), ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Mish", {}),
    ("Softplus", {"beta": 2.0}), ("Hardtanh", {"min_val": -0.5}), ("Hardsigmoid", {}), ("Hardswish", {}),
    ("LogSigmoid", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": -1}),
    ("Softmin", {"dim": 0}), ("GLU", {}),
])
def test_activation_modules(name, kw):
    # torch's CPU hardsigmoid backward multiplies by the float32 constant 1.0f/6 even in float64
    # (a 3e-8 relative error); ours uses 1/6 of the tensor's dtype.
    rtol = 1e-7 if name == "Hardsigmoid" else 1e-10
    check(getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw), rnd(3, 4) * 3, rtol=rtol)


def test_flatten_unflatten_identity():
    check(nn.Flatten(), torch.nn.Flatten(), rnd(2, 3, 4))
    check(nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)), rnd(4, 6))
    check(nn.Identity(54, unused=1), torch.nn.Identity(54, unused=1), rnd(3))


@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"])
def test_dropout_layers_are_the_identity_in_eval_and_drop_in_train(name):
    shape = {"Dropout1d": (4, 3, 5), "Dropout3d": (2, 3, 2, 2, 2)}.get(name, (4, 3, 5, 5))
    check(getattr(nn, name)(0.3).eval(), getattr(torch.nn, name)(0.3).eval(), rnd(*shape))
    s = tl.Session(dtype=np.float64, seed=1)
    m = getattr(nn, name)(0.5)
    y = m(s.input(np.ones(shape))).numpy()
    assert (y != 1.0).any() and m.training


LAYERS = ["Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
          "ConvTranspose3d", "Flatten", "Unflatten", "Dropout", "Dropout2d", "GELU", "Softmax", "LeakyReLU"]


@pytest.mark.parametrize("name", LAYERS)
def test_constructor_signature_is_torchs(name):
    def params(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]

    ours, theirs = getattr(nn, name), getattr(torch.nn, name)
    if name in ("GELU", "Softmax", "LeakyReLU"):  # generated classes take *args/**kwargs, checked by name
        assert ours(**{p.name: p.default for p in list(inspect.signature(theirs.__init__).parameters.values())[1:]})
        return
    assert params(ours) == params(theirs)


def test_default_init_follows_torchs_bounds_and_the_seeded_stream():
    tl.manual_seed(5)
    a = nn.Conv2d(3, 8, 3)
    tl.manual_seed(5)
    b = nn.Conv2d(3, 8, 3)
    assert np.array_equal(a.weight.value, b.weight.value) and a.weight.dtype == np.float32
    bound = 1 / np.sqrt(3 * 9)
    assert np.abs(a.weight.value).max() <= bound and np.abs(a.weight.value).max() > 0.8 * bound
    assert np.abs(a.bias.value).max() <= bound
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert t.weight.shape == (4, 3, 3, 3) and np.abs(t.weight.value).max() <= 1 / np.sqrt(3 * 9)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.Linear(-1, 3), "in_features"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), "divisible by groups"),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="mirror"), "padding_mode"),
    (lambda: nn.Conv2d(3, 4, (3, 3, 3)), "kernel_size"),
    (lambda: nn.Linear(3, 4, dtype=np.int64), "float32 or float64"),
    (lambda: nn.Dropout(1.5), "p must be"),
    (lambda: nn.LeakyReLU(0.1, False, 3), "at most"),
])
def test_bad_constructor_arguments_raise_naming_the_layer(make, match):
    with pytest.raises(tl.TorchLeanError, match=match):
        make()
