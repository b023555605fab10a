"""gumbel_softmax, pdist, channel_shuffle, embedding_bag and their modules against torch
(float64, values and gradients, eager and compiled), and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlean as tl
import torchlean.nn as tnn
import torchlean.nn.functional as F

from .parity import check

R = np.random.default_rng(11)
W = R.standard_normal((10, 4))


def _grads_match(fn_tl, fn_torch, *arrays, compiled=False, rtol=1e-10):
    """Forward and the gradient of every float input for one random cotangent, vs torch."""
    s = tl.Session(dtype=np.float64)
    xs = [s.input(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    f = tl.compile(fn_tl) if compiled else fn_tl
    y = f(*xs)
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ty = fn_torch(*ts)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=rtol, atol=1e-12)
    cot = R.standard_normal(tuple(ty.shape))
    (y * s.input(cot)).sum().backward()
    (ty * torch.tensor(cot)).sum().backward()
    for x, t in zip(xs, ts):
        if t.requires_grad:
            np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, float("inf")])
def test_pdist_matches_torch(p, compiled):
    x = R.standard_normal((5, 3))
    _grads_match(lambda a: F.pdist(a, p), lambda a: TF.pdist(a, p), x, compiled=compiled)


def test_pdist_p0_and_one_row():
    s = tl.Session(dtype=np.float64)
    x = np.array([[1.0, 2.0], [1.0, 3.0], [0.0, 3.0]])
    np.testing.assert_array_equal(F.pdist(s.input(x), 0.0).numpy(), TF.pdist(torch.tensor(x), 0.0).numpy())
    assert F.pdist(s.input(x[:1])).shape == (0,)


@pytest.mark.parametrize("compiled", [False, True])
def test_channel_shuffle_matches_torch(compiled):
    x = R.standard_normal((2, 6, 3, 2))
    _grads_match(lambda a: F.channel_shuffle(a, 3), lambda a: TF.channel_shuffle(a, 3), x, compiled=compiled)
    check(tnn.ChannelShuffle(2), torch.nn.ChannelShuffle(2), x)


def test_softmax2d_matches_torch():
    check(tnn.Softmax2d(), torch.nn.Softmax2d(), R.standard_normal((2, 3, 4, 2)))
    check(tnn.Softmax2d(), torch.nn.Softmax2d(), R.standard_normal((3, 4, 2)))


IDS = np.array([1, 2, 4, 5, 4, 3, 2, 9, 7])
OFFSETS = np.array([0, 4, 4, 6])  # an empty bag in the middle


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("last", [False, True])
def test_embedding_bag_offsets_match_torch(mode, last, compiled):
    off = np.append(OFFSETS, len(IDS) - 1) if last else OFFSETS  # the last bag stops before the end
    _grads_match(lambda w, i, o: F.embedding_bag(i, w, o, mode=mode, include_last_offset=last),
                 lambda w, i, o: TF.embedding_bag(i, w, o, mode=mode, include_last_offset=last),
                 W, IDS, off, compiled=compiled)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_with_padding_matches_torch(mode, compiled):
    ids = R.integers(0, 10, (3, 4))
    ids[1] = 2  # a bag made of padding only
    _grads_match(lambda w, i: F.embedding_bag(i, w, mode=mode, padding_idx=2),
                 lambda w, i: TF.embedding_bag(i, w, mode=mode, padding_idx=2), W, ids, compiled=compiled)


@pytest.mark.parametrize("compiled", [False, True])
def test_embedding_bag_per_sample_weights_match_torch(compiled):
    psw = R.standard_normal(len(IDS))
    _grads_match(lambda w, i, o, q: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=q),
                 lambda w, i, o, q: TF.embedding_bag(i, w, o, mode="sum", per_sample_weights=q),
                 W, IDS, OFFSETS, psw, compiled=compiled)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_module_matches_torch(mode):
    check(tnn.EmbeddingBag(10, 4, mode=mode), torch.nn.EmbeddingBag(10, 4, mode=mode), IDS, OFFSETS)
    check(tnn.EmbeddingBag(10, 4, mode=mode, padding_idx=3), torch.nn.EmbeddingBag(10, 4, mode=mode, padding_idx=3),
          R.integers(0, 10, (2, 5)))
    bag = tnn.EmbeddingBag.from_pretrained(W, mode=mode)
    assert not bag.weight.requires_grad
    s = tl.Session(dtype=np.float64)
    out = bag(s.input(IDS), s.input(OFFSETS)).numpy()
    ref = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(W), mode=mode)(torch.tensor(IDS), torch.tensor(OFFSETS))
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-12)


def test_gumbel_softmax_samples_and_straight_through():
    s = tl.Session(dtype=np.float64)
    logits = s.input(R.standard_normal((6, 5)), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.numpy().sum(-1), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True, dim=0)
    h = hard.numpy()
    assert set(np.unique(h)) <= {0.0, 1.0} and np.all(h.sum(0) == 1.0)
    (hard * s.input(R.standard_normal((6, 5)))).sum().backward()
    assert logits.grad is not None and np.all(np.isfinite(logits.grad)) and np.any(logits.grad != 0)
    # the noise comes from the session's stream: the same seed gives the same sample
    a = F.gumbel_softmax(tl.Session(dtype=np.float64).input(np.zeros(4))).numpy()
    b = F.gumbel_softmax(tl.Session(dtype=np.float64).input(np.zeros(4))).numpy()
    np.testing.assert_array_equal(a, b)


def test_gumbel_softmax_distribution_matches_the_softmax():
    s = tl.Session(dtype=np.float64)
    logits = np.log(np.array([0.5, 0.3, 0.2]))
    x = s.input(np.tile(logits, (4000, 1)))
    freq = F.gumbel_softmax(x, hard=True).numpy().mean(0)
    np.testing.assert_allclose(freq, [0.5, 0.3, 0.2], atol=0.03)


def _i(a):
    return lambda s: s.input(np.asarray(a))


@pytest.mark.parametrize("fn, args, kw, err, msg", [
    (F.pdist, [_i(np.ones(3))], {}, tl.ShapeError, "pdist: expected a 2-D input"),
    (F.pdist, [_i(np.ones((2, 2))), lambda s: -1.0], {}, tl.ArgumentError, "pdist: p must be >= 0"),
    (F.channel_shuffle, [_i(np.ones((1, 5, 2))), lambda s: 2], {}, tl.ShapeError, "divisible by groups"),
    (F.channel_shuffle, [_i(np.ones((5, 2))), lambda s: 1], {}, tl.ShapeError, "at least 3 dimensions"),
    (F.embedding_bag, [_i(IDS), _i(W)], {}, tl.ArgumentError, "a 1-D input needs offsets"),
    (F.embedding_bag, [_i(IDS), _i(W), _i([1, 3])], {}, tl.ArgumentError, r"offsets\[0\] has to be 0"),
    (F.embedding_bag, [_i(IDS), _i(W), _i([0, 5, 3])], {}, tl.ArgumentError, "non-decreasing"),
    (F.embedding_bag, [_i(IDS), _i(W), _i(OFFSETS)], {"mode": "median"}, tl.ArgumentError, "mode must be one of"),
    (F.embedding_bag, [_i(IDS), _i(W), _i(OFFSETS)], {"mode": "mean", "per_sample_weights": np.ones(9)},
     tl.ArgumentError, "only supported for mode='sum'"),
    (F.embedding_bag, [_i(IDS.astype(np.float64)), _i(W), _i(OFFSETS)], {}, tl.DTypeError, "integer tensor of ids"),
    (F.embedding_bag, [_i([0, 10]), _i(W), _i([0])], {}, tl.ArgumentError, "out of range"),
    (F.gumbel_softmax, [_i(np.ones(3))], {"dim": 2}, tl.ShapeError, "dim 2 is out of range"),
    (F.gumbel_softmax, [_i(np.ones(3))], {"hard": 1}, tl.ArgumentError, "hard must be a bool"),
])
def test_bad_arguments_raise_and_record_nothing(fn, args, kw, err, msg):
    s = tl.Session(dtype=np.float64)
    if "per_sample_weights" in kw:
        kw = dict(kw, per_sample_weights=s.input(kw["per_sample_weights"]))
    vals = [a(s) for a in args]
    before, counter = len(s), s.rng_counter
    with pytest.raises(err, match=msg):
        fn(*vals, **kw)
    assert len(s) == before and s.rng_counter == counter


def test_module_constructor_errors():
    with pytest.raises(tl.ArgumentError, match="EmbeddingBag: mode"):
        tnn.EmbeddingBag(3, 2, mode="min")
    with pytest.raises(tl.ArgumentError, match="ChannelShuffle: groups"):
        tnn.ChannelShuffle(0)
    with pytest.raises(tl.ShapeError, match="Softmax2d: expected a 3-D or 4-D"):
        tnn.Softmax2d()(tl.Session().input(np.ones((2, 2))))


@pytest.mark.parametrize("p", [2.0, 1.5, float("inf")])
def test_lp_pool3d_matches_torch(p):
    x = np.abs(R.standard_normal((2, 2, 4, 4, 5))) + 0.1
    check(tnn.LPPool3d(p, 2, stride=(2, 1, 2)), torch.nn.LPPool3d(p, 2, stride=(2, 1, 2)), x)


@pytest.mark.parametrize("name, args", [("max_pool1d", (2,)), ("max_pool2d", (2, 1)), ("max_pool3d", (2,)),
                                        ("adaptive_max_pool1d", (3,)), ("adaptive_max_pool2d", ((2, 3),)),
                                        ("adaptive_max_pool3d", (2,))])
def test_with_indices_spellings_match_torch(name, args):
    d = int(name[-2])
    x = R.standard_normal((2, 3) + (6,) * d)
    s = tl.Session(dtype=np.float64)
    v, i = getattr(F, f"{name}_with_indices")(s.input(x), *args)
    tv, ti = getattr(TF, f"{name}_with_indices")(torch.tensor(x), *args)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_triplet_margin_with_distance_loss_matches_torch(swap, reduction):
    a, p, n = (R.standard_normal((4, 3)) for _ in range(3))
    check(tnn.TripletMarginWithDistanceLoss(margin=0.7, swap=swap, reduction=reduction),
          torch.nn.TripletMarginWithDistanceLoss(margin=0.7, swap=swap, reduction=reduction), a, p, n)

    def l1(x, y):
        return (x - y).abs().sum(-1)

    _grads_match(lambda x, y, z: F.triplet_margin_with_distance_loss(x, y, z, distance_function=l1, swap=swap,
                                                                      reduction=reduction),
                 lambda x, y, z: TF.triplet_margin_with_distance_loss(x, y, z, distance_function=l1, swap=swap,
                                                                      reduction=reduction), a, p, n)


def test_feature_alpha_dropout_module():
    m = tnn.FeatureAlphaDropout(0.4)
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones((3, 4, 5)))
    m.eval()
    np.testing.assert_array_equal(m(x).numpy(), np.ones((3, 4, 5)))
    m.train()
    y = m(x).numpy()
    assert all(len(np.unique(y[i, c])) == 1 for i in range(3) for c in range(4))  # whole channels
    with pytest.raises(tl.ArgumentError, match="between 0 and 1"):
        tnn.FeatureAlphaDropout(1.5)


def test_more_bad_arguments():
    s = tl.Session(dtype=np.float64)
    a = s.input(np.ones((2, 3)))
    with pytest.raises(tl.ArgumentError, match="margin must be greater than 0"):
        F.triplet_margin_with_distance_loss(a, a, a, margin=0.0)
    with pytest.raises(tl.ArgumentError, match="distance_function must be callable"):
        F.triplet_margin_with_distance_loss(a, a, a, distance_function=3)
    with pytest.raises(tl.ShapeError, match="lp_pool3d: expected 4D"):
        F.lp_pool3d(s.input(np.ones((2, 3, 4))), 2.0, 2)


def test_tensors_of_two_sessions_or_a_stale_one_raise_before_anything_runs():
    s, other = tl.Session(dtype=np.float64), tl.Session(dtype=np.float64)
    x, y = s.input(np.ones((2, 3))), other.input(np.ones((2, 3)))
    n, m = len(s), len(other)
    with pytest.raises(tl.InvalidRefError, match=r"hinge_embedding_loss: .*another session"):
        F.hinge_embedding_loss(y, x)
    with pytest.raises(tl.InvalidRefError, match="gaussian_nll_loss"):
        F.gaussian_nll_loss(y, x, x)
    assert (len(s), len(other)) == (n, m)
    stale = s.input(np.ones(3))
    s.reset()
    with pytest.raises(tl.InvalidRefError, match="alpha_dropout"):
        F.alpha_dropout(stale)  # evaluation mode returns its input: the stale ref must not pass
    with pytest.raises(tl.InvalidRefError, match="dropout"):
        F.dropout(stale, training=False)
    a = s.input(np.ones(3), requires_grad=True)
    (a * 2.0).sum().backward()  # releases the graph: its refs stay usable as constants
    assert F.alpha_dropout(a).shape == (3,)
