"""Embedding, padding/resampling and loss modules against torch.nn: parity (eager and compiled),
defaults, buffers, signatures, errors."""

import inspect
import warnings

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn
from torchlean.nn.layers import loss, resample, sparse

from .parity import check

R = np.random.default_rng(2)


def rnd(*shape):
    return R.standard_normal(shape)


# ----- Embedding --------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"sparse": True}])
def test_embedding_matches_torch(kw):
    ids = R.integers(0, 10, (3, 4))
    ids[0, :2] = (2, 9)  # the padding rows are looked up
    tkw = {k: v for k, v in kw.items() if k != "sparse"}  # ours: a dense gradient of the same values
    check(nn.Embedding(10, 3, **kw), torch.nn.Embedding(10, 3, **tkw), ids)


def test_embedding_default_init_is_a_seeded_standard_normal_with_the_padding_row_zeroed():
    tl.manual_seed(3)
    a = nn.Embedding(400, 50, padding_idx=-2)
    tl.manual_seed(3)
    b = nn.Embedding(400, 50, padding_idx=-2)
    w = a.weight.value
    assert a.padding_idx == 398 and w.dtype == np.float32 and w.shape == (400, 50)
    np.testing.assert_array_equal(w, b.weight.value)
    assert not np.any(w[398]) and np.all(w[397] != 0)
    rest = np.delete(w, 398, axis=0)
    assert abs(rest.mean()) < 0.02 and abs(rest.std() - 1.0) < 0.02
    assert nn.Embedding(4, 2, dtype=np.float64).weight.dtype == np.float64


def test_embedding_from_pretrained_and_weight_arguments():
    w = rnd(6, 3)
    a, t = nn.Embedding.from_pretrained(w), torch.nn.Embedding.from_pretrained(torch.tensor(w))
    assert not a.weight.requires_grad and not t.weight.requires_grad
    np.testing.assert_array_equal(a.weight.value, w)  # float64 kept, padding row not zeroed (torch's)
    check(nn.Embedding.from_pretrained(w, freeze=False, padding_idx=1),
          torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, padding_idx=1), R.integers(0, 6, (7,)))
    e = nn.Embedding.from_pretrained(torch.tensor(w), padding_idx=1)
    assert e.padding_idx == 1 and np.any(e.weight.value[1])
    w[0, 0] = 99.0  # a copy
    assert e.weight.value[0, 0] != 99.0
    assert nn.Embedding(6, 3, _weight=w, _freeze=True).weight.requires_grad is False
    s = tl.Session(dtype=np.float64)
    out = e(s.input(np.array([[0, 5]])))
    assert out.shape == (1, 2, 3)


# ----- padding and resampling ------------------------------------------------------------------------
RESAMPLE = [
    ("ZeroPad1d", (2,), {}, (2, 3, 4)),
    ("ZeroPad2d", ((1, 2, 0, 3),), {}, (2, 3, 4, 4)),
    ("ZeroPad3d", (1,), {}, (1, 2, 3, 3, 3)),
    ("ConstantPad1d", ((2, 0), 1.5), {}, (3, 4)),
    ("ConstantPad2d", ((1, 2, 0, 3), -1.0), {}, (2, 3, 4, 4)),
    ("ConstantPad3d", (1, 2.0), {}, (1, 2, 3, 3, 3)),
    ("ReflectionPad1d", (2,), {}, (2, 3, 4)),
    ("ReflectionPad2d", ((1, 2, 0, 3),), {}, (2, 3, 4, 4)),
    ("ReflectionPad3d", (1,), {}, (1, 2, 3, 3, 3)),
    ("ReplicationPad1d", (2,), {}, (2, 3, 4)),
    ("ReplicationPad2d", ((1, 2, 0, 3),), {}, (3, 4, 4)),
    ("ReplicationPad3d", (1,), {}, (1, 2, 3, 3, 3)),
    ("CircularPad1d", (2,), {}, (2, 3, 4)),
    ("CircularPad2d", ((1, 2, 0, 3),), {}, (2, 3, 4, 4)),
    ("CircularPad3d", (1,), {}, (1, 2, 3, 3, 3)),
    ("Upsample", (), dict(scale_factor=2), (2, 3, 4, 4)),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear"), (2, 3, 4, 4)),
    ("Upsample", (), dict(scale_factor=1.5, mode="linear", align_corners=True), (2, 3, 4)),
    ("Upsample", (), dict(scale_factor=(2, 1, 3), mode="trilinear"), (1, 2, 2, 3, 2)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), (2, 3, 3, 3)),
    ("UpsamplingBilinear2d", (), dict(size=5), (2, 3, 3, 3)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 3)),
    ("PixelUnshuffle", (2,), {}, (2, 2, 4, 6)),
    ("Unfold", ((2, 3),), dict(padding=1, stride=2), (2, 3, 5, 6)),
    ("Fold", ((4, 5), 2), {}, (2, 12, 12)),
    ("Fold", ((5, 5), (2, 3)), dict(stride=2, padding=1, dilation=1), (12, 9)),
    ("ChannelShuffle", (3,), {}, (2, 6, 3, 2)),
]


@pytest.mark.parametrize("name, args, kw, shape", RESAMPLE, ids=[f"{c[0]}-{i}" for i, c in enumerate(RESAMPLE)])
def test_resample_layers_match_torch(name, args, kw, shape):
    check(getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw), rnd(*shape))


def test_layer_attributes_follow_torch():
    assert nn.ZeroPad2d(1).padding == torch.nn.ZeroPad2d(1).padding == (1, 1, 1, 1)
    assert nn.ConstantPad1d(2, 3.5).value == 3.5
    up, tup = nn.Upsample(scale_factor=(2, 3)), torch.nn.Upsample(scale_factor=(2, 3))
    assert up.scale_factor == tup.scale_factor == (2.0, 3.0) and isinstance(up.scale_factor[0], float)
    assert nn.UpsamplingBilinear2d(scale_factor=2).align_corners is True
    assert nn.MaxPool2d(3).stride == torch.nn.MaxPool2d(3).stride == 3
    assert nn.AvgPool1d(3).kernel_size == torch.nn.AvgPool1d(3).kernel_size == (3,)


# ----- losses --------------------------------------------------------------------------------------
def _classes():
    x, y = rnd(6, 4), R.integers(0, 4, 6)
    y[1] = -100
    return x, y


W = R.uniform(0.5, 2.0, 4)


def _loss_cases(red):
    x, y = _classes()
    probs, soft = R.uniform(0.05, 0.95, (6, 4)), R.uniform(0, 1, (6, 4))
    logp = np.log(R.dirichlet(np.ones(4), 6))
    tw = torch.tensor(W)
    return [
        ("CrossEntropyLoss", dict(weight=W, label_smoothing=0.1), dict(weight=tw, label_smoothing=0.1), (x, y)),
        ("CrossEntropyLoss", dict(ignore_index=2), dict(ignore_index=2), (rnd(3, 4, 5), R.integers(0, 4, (3, 5)))),
        ("CrossEntropyLoss", {}, {}, (x, R.dirichlet(np.ones(4), 6))),
        ("NLLLoss", dict(weight=W), dict(weight=tw), (logp, y)),
        ("MSELoss", {}, {}, (x, rnd(6, 4))),
        ("L1Loss", {}, {}, (x, rnd(6, 4))),
        ("SmoothL1Loss", dict(beta=0.5), dict(beta=0.5), (x, rnd(6, 4))),
        ("HuberLoss", dict(delta=0.7), dict(delta=0.7), (x, rnd(6, 4))),
        ("BCELoss", dict(weight=W), dict(weight=tw), (probs, soft)),
        ("BCEWithLogitsLoss", dict(weight=W, pos_weight=W[::-1].copy()),
         dict(weight=tw, pos_weight=torch.tensor(W[::-1].copy())), (x, soft)),
        ("KLDivLoss", {}, {}, (logp, R.dirichlet(np.ones(4), 6))),
        ("KLDivLoss", dict(log_target=True), dict(log_target=True), (logp, logp[::-1].copy())),
    ]


@pytest.mark.parametrize("red", ["mean", "sum", "none"])
@pytest.mark.parametrize("i", range(12))
def test_loss_modules_match_torch(i, red):
    name, kw, tkw, inputs = _loss_cases(red)[i]
    if name == "KLDivLoss" and red == "mean":
        red = "batchmean"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's KLDivLoss 'mean' warning
        check(getattr(nn, name)(reduction=red, **kw), getattr(torch.nn, name)(reduction=red, **tkw), *inputs)


def test_loss_buffers_and_legacy_reduction_are_torchs():
    ce, tce = nn.CrossEntropyLoss(weight=W), torch.nn.CrossEntropyLoss(weight=torch.tensor(W))
    assert list(ce.state_dict()) == list(tce.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == [] and nn.CrossEntropyLoss().weight is None
    bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(W))
    assert list(bce.state_dict()) == list(torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(W)).state_dict())
    assert ce.weight.dtype == np.float64 and ce.float().weight.dtype == np.float32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sa, r in ((None, False), (False, None), (False, True), (True, False)):
            assert nn.MSELoss(sa, r).reduction == torch.nn.MSELoss(sa, r).reduction
        x, y = _classes()
        y[1] = 0
        check(nn.NLLLoss(size_average=False), torch.nn.NLLLoss(size_average=False), x, y)


@pytest.mark.parametrize("name", [*loss.__all__, *resample.__all__, *sparse.__all__])
def test_constructor_signature_is_torchs(name):
    def params(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(getattr(nn, name).__init__) == params(getattr(torch.nn, name).__init__)
    if name == "Embedding":
        assert params(nn.Embedding.from_pretrained) == params(torch.nn.Embedding.from_pretrained)


@pytest.mark.parametrize("make, err, match", [
    (lambda: nn.Embedding(5, 2, padding_idx=5), tl.ArgumentError, "Embedding: padding_idx"),
    (lambda: nn.Embedding(5, 2, max_norm=1.0), tl.ArgumentError, "max_norm"),
    (lambda: nn.Embedding(5, 2, scale_grad_by_freq=True), tl.ArgumentError, "scale_grad_by_freq"),
    (lambda: nn.Embedding(-1, 2), tl.ArgumentError, "num_embeddings"),
    (lambda: nn.Embedding(5, 2, _weight=np.zeros((5, 3))), tl.ShapeError, "_weight has shape"),
    (lambda: nn.Embedding.from_pretrained(np.zeros(5)), tl.ShapeError, "2-dimensional"),
    (lambda: nn.ZeroPad2d((1, 2, 3)), tl.ArgumentError, "ZeroPad2d: padding must be an int or a tuple of 4"),
    (lambda: nn.ReflectionPad1d(1.5), tl.ArgumentError, "ReflectionPad1d: padding"),
    (lambda: nn.ConstantPad1d(1, "x"), tl.ArgumentError, "value must be a number"),
    (lambda: nn.Upsample(), tl.ArgumentError, "exactly one of size and scale_factor"),
    (lambda: nn.Upsample(scale_factor=2, mode="cubic"), tl.ArgumentError, "Upsample: mode"),
    (lambda: nn.Upsample(scale_factor=-2), tl.ArgumentError, "scale_factor must be a positive"),
    (lambda: nn.PixelShuffle(0), tl.ArgumentError, "upscale_factor"),
    (lambda: nn.Unfold((2, 2, 2)), tl.ArgumentError, "Unfold: kernel_size"),
    (lambda: nn.Fold(4, 2, stride=0), tl.ArgumentError, "Fold: stride"),
    (lambda: nn.ChannelShuffle(0), tl.ArgumentError, "groups"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), tl.ArgumentError, "CrossEntropyLoss: reduction"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), tl.ArgumentError, "label_smoothing"),
    (lambda: nn.NLLLoss(ignore_index=1.0), tl.ArgumentError, "ignore_index"),
    (lambda: nn.HuberLoss(delta=0.0), tl.ArgumentError, "delta must be positive"),
    (lambda: nn.SmoothL1Loss(beta=-1.0), tl.ArgumentError, "beta"),
    (lambda: nn.KLDivLoss(log_target="yes"), tl.ArgumentError, "log_target"),
    (lambda: nn.BCELoss(weight=np.array([1, 2])), tl.ArgumentError, "weight must be float data"),
])
def test_bad_constructor_arguments_raise_naming_the_layer(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_bad_inputs_raise():
    s = tl.Session(dtype=np.float64)
    for layer, x, err, match in [
        (nn.CircularPad2d(1), np.ones((3, 3)), tl.ShapeError, r"CircularPad2d: expected 3D or 4D input \(got 2D"),
        (nn.ChannelShuffle(4), np.ones((2, 6, 3)), tl.ShapeError, r"channels \(6\) must be divisible by groups"),
        (nn.ChannelShuffle(2), np.ones((2, 6)), tl.ShapeError, "at least 3 dimensions"),
        (nn.Embedding(4, 2), np.array([1, 4]), tl.ArgumentError, "embedding"),
        (nn.Embedding(4, 2), np.array([1.0, 2.0]), tl.DTypeError, "int64"),
        (nn.CrossEntropyLoss(weight=np.ones(3)), np.ones((2, 4)), tl.ShapeError, "weight"),
    ]:
        with pytest.raises(err, match=match):
            if isinstance(layer, nn.CrossEntropyLoss):
                layer(s.input(x), s.input(np.array([0, 1])))
            else:
                layer(s.input(x))
