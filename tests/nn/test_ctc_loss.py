"""F.ctc_loss and nn.CTCLoss against torch (float64 values and gradients, eager and compiled):
padded and concatenated targets, tensor and tuple lengths, reductions, zero_infinity,
unbatched input, infeasible samples, the gradient convention, and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlean as tl
import torchlean.nn as tnn
import torchlean.nn.functional as F

R = np.random.default_rng(3)
T, N, C = 7, 4, 5
PADDED = np.array([[1, 1, 2, 0], [3, 1, 4, 2], [2, 2, 2, 2], [4, 0, 0, 0]])
IN_LEN = np.array([7, 6, 7, 3])
TG_LEN = np.array([3, 4, 4, 0])  # sample 2 (2 2 2 2 needs 7 frames) is feasible only just


def _lp(normalized=True, shape=(T, N, C)):
    a = R.standard_normal(shape)
    return torch.tensor(a).log_softmax(-1).numpy() if normalized else a


def _concat(padded, lengths):
    return np.concatenate([row[:n] for row, n in zip(padded, lengths)]).astype(np.int64)


def _run(lp, targets, il, tl_, compiled=False, dtype=np.float64, as_tuple=False, **kw):
    """Ours and torch's loss and log_probs gradient for one random cotangent."""
    tx = torch.tensor(lp, requires_grad=True)
    tlens = (tuple(il.tolist()), tuple(tl_.tolist())) if as_tuple else (torch.tensor(il), torch.tensor(tl_))
    ty = TF.ctc_loss(tx, torch.tensor(targets), *tlens, **kw)
    cot = R.standard_normal(tuple(ty.shape)).astype(dtype)
    (ty * torch.tensor(cot)).sum().backward()
    s = tl.Session(dtype=dtype)
    x = s.input(lp, requires_grad=True)
    lens = tlens if as_tuple else (s.input(il), s.input(tl_))
    fn = lambda a, b, c, d: F.ctc_loss(a, b, c, d, **kw)
    y = (tl.compile(fn) if compiled else fn)(x, s.input(targets), *lens)
    (y * s.input(cot)).sum().backward()
    return y.numpy(), ty.detach().numpy(), np.asarray(x.grad), tx.grad.numpy()


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("layout", ["padded", "concatenated", "tuples"])
def test_matches_torch(layout, reduction, compiled):
    lp = _lp()
    targets = PADDED if layout != "concatenated" else _concat(PADDED, TG_LEN)
    y, ty, g, tg = _run(lp, targets, IN_LEN, TG_LEN, compiled=compiled, as_tuple=layout == "tuples",
                        reduction=reduction)
    assert y.shape == ty.shape
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("blank", [0, 3])
def test_unnormalized_inputs_and_other_blank(blank):
    padded = np.where(np.equal(PADDED, blank), (blank + 1) % C, PADDED)
    y, ty, g, tg = _run(_lp(False), padded, IN_LEN, TG_LEN, reduction="none", blank=blank)
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


def test_float32_matches_torch():
    lp = _lp().astype(np.float32)
    y, ty, g, tg = _run(lp, PADDED, IN_LEN, TG_LEN, dtype=np.float32, reduction="mean")
    np.testing.assert_allclose(y, ty, rtol=1e-5)
    np.testing.assert_allclose(g, tg, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_infeasible_samples_and_zero_infinity(zero_infinity):
    il = np.array([7, 6, 5, 0])  # sample 2 cannot fit 2 2 2 2 in 5 frames; sample 3: empty target, no frames
    for red in ("none", "mean"):
        y, ty, g, tg = _run(_lp(), PADDED, il, TG_LEN, reduction=red, zero_infinity=zero_infinity)
        np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)  # NaN where torch's is NaN
        assert np.isnan(g).any() == (not zero_infinity)
    y, *_ = _run(_lp(), PADDED, il, TG_LEN, reduction="none", zero_infinity=zero_infinity)
    assert (y[2] == 0.0) if zero_infinity else np.isinf(y[2])


def test_unbatched_input():
    lp = _lp(shape=(T, C))
    for reduction in ("none", "mean"):
        s = tl.Session(dtype=np.float64)
        x = s.input(lp, requires_grad=True)
        y = F.ctc_loss(x, s.input(np.array([1, 3, 3])), s.input(np.array(6)), s.input(np.array(3)),
                       reduction=reduction)
        tx = torch.tensor(lp, requires_grad=True)
        ty = TF.ctc_loss(tx, torch.tensor([1, 3, 3]), torch.tensor(6), torch.tensor(3), reduction=reduction)
        assert y.shape == tuple(ty.shape) == ()
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        y.backward()
        ty.backward()
        np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gradient_convention_and_jvp():
    """torch's CTC gradient is the derivative plus exp(log_probs) on the valid frames (pytorch
    #52241); ours equals torch's, and our JVP is the derivative (finite differences)."""
    lp, il = _lp(False), IN_LEN
    s = tl.Session(dtype=np.float64)
    x = s.input(lp, requires_grad=True)
    y = F.ctc_loss(x, s.input(PADDED), s.input(il), s.input(TG_LEN), reduction="sum")
    g = np.asarray(s.backward(y, np.array(1.0))[x])
    tx = torch.tensor(lp, requires_grad=True)
    TF.ctc_loss(tx, torch.tensor(PADDED), torch.tensor(il), torch.tensor(TG_LEN), reduction="sum").backward()
    np.testing.assert_allclose(g, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    valid = (np.arange(T)[:, None] < il[None, :])[..., None]
    t = R.standard_normal(lp.shape)
    f = lambda a: TF.ctc_loss(torch.tensor(a), torch.tensor(PADDED), torch.tensor(il), torch.tensor(TG_LEN),
                              reduction="sum").item()
    fd = (f(lp + 1e-6 * t) - f(lp - 1e-6 * t)) / 2e-6
    jt = float(np.asarray(s.jvp(y, {x: t})))
    np.testing.assert_allclose(jt, fd, rtol=1e-6)
    np.testing.assert_allclose(np.sum((g - np.exp(lp) * valid) * t), fd, rtol=1e-6)  # the derivative
    assert abs(np.sum(g * t) - fd) > 1e-2  # and torch's gradient is not


def test_logits_gradient_through_log_softmax_matches_torch():
    z = R.standard_normal((T, N, C))
    s = tl.Session(dtype=np.float64)
    x = s.input(z, requires_grad=True)
    F.ctc_loss(F.log_softmax(x, 2), s.input(PADDED), s.input(IN_LEN), s.input(TG_LEN)).backward()
    tz = torch.tensor(z, requires_grad=True)
    TF.ctc_loss(tz.log_softmax(2), torch.tensor(PADDED), torch.tensor(IN_LEN), torch.tensor(TG_LEN)).backward()
    np.testing.assert_allclose(np.asarray(x.grad), tz.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_module_matches_torch():
    lp = _lp()
    ours, theirs = tnn.CTCLoss(blank=0, reduction="sum", zero_infinity=True), torch.nn.CTCLoss(0, "sum", True)
    s = tl.Session(dtype=np.float64)
    y = ours(s.input(lp), s.input(PADDED), s.input(IN_LEN), s.input(TG_LEN))
    ty = theirs(torch.tensor(lp), torch.tensor(PADDED), torch.tensor(IN_LEN), torch.tensor(TG_LEN))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
    assert repr(tnn.CTCLoss()) == "CTCLoss()" and tnn.CTCLoss().reduction == "mean"
    with pytest.raises(tl.ArgumentError, match="CTCLoss: reduction"):
        tnn.CTCLoss(reduction="avg")


def _lpt(s, shape=(T, N, C)):
    return s.input(_lp(shape=shape))


def _t(v):
    return lambda s: s.input(np.asarray(v))


BAD = [
    ({"blank": 5}, tl.ArgumentError, r"ctc_loss: blank must be in label range \[0, 5\)"),
    ({"blank": -1}, tl.ArgumentError, "ctc_loss: blank must be in label range"),
    ({"input_lengths": _t([8, 7, 7, 3])}, tl.ArgumentError,
     "ctc_loss: expected input_lengths to have value at most 7, but got value 8"),
    ({"input_lengths": _t([-1, 7, 7, 3])}, tl.ArgumentError, "input_lengths to have value at least 0"),
    ({"target_lengths": _t([3, 5, 4, 0])}, tl.ShapeError, "targets to have size at least 5 at dimension 1"),
    ({"target_lengths": _t([-1, 4, 4, 0])}, tl.ArgumentError, "target_lengths to have value at least 0"),
    ({"input_lengths": _t([7, 7, 7])}, tl.ShapeError, r"input_lengths must be of size batch_size \(4\)"),
    ({"input_lengths": _t([7.0, 7.0, 7.0, 3.0])}, tl.DTypeError, "input_lengths must be integral"),
    ({"input_lengths": 7}, tl.ArgumentError, "input_lengths must be an int64 tensor or a tuple of ints"),
    ({"targets": _t(PADDED.astype(np.float64))}, tl.DTypeError, "targets must be an int64 tensor"),
    ({"targets": _t(_concat(PADDED, TG_LEN)[:-1])}, tl.ShapeError,
     r"expected targets of size 11 \(the sum of target_lengths\) at dimension 0, but got size 10"),
    ({"targets": _t(PADDED[:3])}, tl.ShapeError, "expected targets of size 4 at dimension 0"),
    ({"targets": _t(PADDED + 3)}, tl.ArgumentError, "out of range"),
    ({"reduction": "avg"}, tl.ArgumentError, "ctc_loss: reduction must be one of"),
    ({"zero_infinity": 1.0}, tl.ArgumentError, "zero_infinity must be a bool"),
    ({"log_probs": lambda s: _lpt(s, (T, 0, C))}, tl.ShapeError, "log_probs tensor must not be empty"),
    ({"log_probs": lambda s: _lpt(s, (T,))}, tl.ShapeError, r"expected log_probs \(T, N, C\)"),
    ({"log_probs": _t(np.zeros((T, N, C), np.int64))}, tl.DTypeError, "log_probs must be a float tensor"),
]


@pytest.mark.parametrize("change,err,msg", BAD)
def test_bad_arguments_raise_and_record_nothing(change, err, msg):
    s = tl.Session(dtype=np.float64)
    args = {"log_probs": _lpt, "targets": _t(PADDED), "input_lengths": _t(IN_LEN), "target_lengths": _t(TG_LEN)}
    args.update(change)
    kw = {k: (v(s) if callable(v) else v) for k, v in args.items()}
    before = len(s)
    with pytest.raises(err, match=msg):
        F.ctc_loss(**kw)
    assert len(s) == before


def test_lengths_out_of_range_raise_in_a_compiled_function():
    fn = tl.compile(lambda a, b, c, d: F.ctc_loss(a, b, c, d))
    s = tl.Session(dtype=np.float64)
    args = [s.input(_lp()), s.input(PADDED)]
    fn(*args, s.input(IN_LEN), s.input(TG_LEN))
    with pytest.raises(tl.ArgumentError, match="out of range"):
        fn(*args, s.input(np.array([8, 7, 7, 3])), s.input(TG_LEN))
    with pytest.raises(tl.ArgumentError, match="out of range"):
        fn(*args, s.input(IN_LEN), s.input(np.array([3, 5, 4, 0])))
