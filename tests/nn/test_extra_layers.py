"""The extra activations, distances and margin/likelihood losses against torch.nn (float64,
forward, parameter and input gradients, eager and compiled), their reductions, and bad
arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn as tnn

from .parity import check

R = np.random.default_rng(3)
X = R.standard_normal((4, 5)) * 2
Y = R.standard_normal((4, 5))
Z = R.standard_normal((4, 5))
SIGN = np.sign(R.standard_normal((4, 5)))
POSITIVE = np.abs(R.standard_normal((4, 5))) + 0.05

CASES = {
    "Softsign": ((), (X,)),
    "Tanhshrink": ((), (X,)),
    "Hardshrink": ((0.8,), (X,)),
    "Softshrink": ((0.3,), (X,)),
    "Threshold": ((0.1, -2.0), (X,)),
    "PReLU": ((), (X,)),
    "PReLU-channels": ((4,), (R.standard_normal((2, 4, 3)),)),
    "CosineSimilarity": ((), (X, Y)),
    "PairwiseDistance": ((1.5,), (X, Y)),
    "SoftMarginLoss": ((), (X, SIGN)),
    "MarginRankingLoss": ((0.5,), (X[:, 0], Y[:, 0], SIGN[:, 0])),
    "HingeEmbeddingLoss": ((0.7,), (X, SIGN)),
    "CosineEmbeddingLoss": ((0.2,), (X, Y, SIGN[:, 0])),
    "TripletMarginLoss": ((1.0,), (X, Y, Z)),
    "MultiLabelSoftMarginLoss": ((), (X, (SIGN > 0).astype(np.float64))),
    "PoissonNLLLoss": ((), (X, POSITIVE * 3)),
    "GaussianNLLLoss": ((), (X, Y, POSITIVE)),
}
NO_TARGET_GRAD = {"SoftMarginLoss", "MultiLabelSoftMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
                  "CosineEmbeddingLoss"}  # torch refuses a target that requires a gradient


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_matches_torch(name):
    args, inputs = CASES[name]
    cls = name.split("-")[0]
    inputs = list(inputs)
    if cls in NO_TARGET_GRAD:  # give the target as int data, so neither side differentiates it
        inputs[-1] = inputs[-1].astype(np.int64)
    tl.manual_seed(0)
    check(getattr(tnn, cls)(*args), getattr(torch.nn, cls)(*args), *inputs)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("name", ["SoftMarginLoss", "HingeEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss",
                                  "GaussianNLLLoss", "MultiLabelSoftMarginLoss"])
def test_reductions_match_torch(name, reduction):
    _, inputs = CASES[name]
    inputs = list(inputs)
    if name in NO_TARGET_GRAD:
        inputs[-1] = inputs[-1].astype(np.int64)
    check(getattr(tnn, name)(reduction=reduction), getattr(torch.nn, name)(reduction=reduction), *inputs)


@pytest.mark.parametrize(("kw", "swap"), [({"p": 1.0}, True), ({"margin": 0.3}, False)])
def test_triplet_swap_and_norms(kw, swap):
    check(tnn.TripletMarginLoss(swap=swap, **kw), torch.nn.TripletMarginLoss(swap=swap, **kw), X, Y, Z)


def test_poisson_full_and_linear_input_and_gaussian_var_shapes():
    check(tnn.PoissonNLLLoss(log_input=False, full=True), torch.nn.PoissonNLLLoss(log_input=False, full=True),
          POSITIVE, POSITIVE * 4)
    check(tnn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True), X, Y, POSITIVE[:, :1])
    check(tnn.GaussianNLLLoss(), torch.nn.GaussianNLLLoss(), X, Y, POSITIVE[:, 0])
    check(tnn.GaussianNLLLoss(eps=0.5), torch.nn.GaussianNLLLoss(eps=0.5), X, Y, POSITIVE)  # clamped, gradient kept


def test_bad_arguments_are_clear_and_change_nothing():
    s = tl.Session(dtype=np.float64)
    x, y, w3 = s.input(X), s.input(Y), s.input(np.ones(3))
    neg_var, short_var = s.input(-POSITIVE), s.input(POSITIVE[:2])
    y3, sign, sign0 = s.input(Y[:, :3]), s.input(SIGN), s.input(SIGN[:, 0])
    n = len(s.tape.nodes)
    F = tnn.functional
    bad = [(lambda: F.prelu(x, w3), tl.ShapeError, "prelu"),
           (lambda: F.softshrink(x, -1.0), tl.ArgumentError, "lambd"),
           (lambda: F.gaussian_nll_loss(x, y, neg_var), tl.ArgumentError, "negative"),
           (lambda: F.gaussian_nll_loss(x, y, short_var), tl.ShapeError, "incompatible"),
           (lambda: F.cosine_embedding_loss(x, y3, sign0), tl.ShapeError, "shape"),
           (lambda: F.triplet_margin_loss(x, y, y, margin=0.0), tl.ArgumentError, "margin"),
           (lambda: F.soft_margin_loss(x, SIGN), tl.ArgumentError, "target must be a tensor"),
           (lambda: F.hinge_embedding_loss(x, sign, reduction="avg"), tl.ArgumentError, "reduction")]
    for call, error, words in bad:
        with pytest.raises(error, match=words):
            call()
    assert len(s.tape.nodes) == n
    with pytest.raises(tl.ArgumentError, match="num_parameters"):
        tnn.PReLU(0)
