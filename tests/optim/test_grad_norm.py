"""``get_total_norm`` and ``clip_grads_with_norm_`` match torch.nn.utils (torch >= 2.6): the
norm of arrays, Params and tensors for every norm type, the clipped gradients for torch's norm
and ours, ``clip_grad_norm_`` equal bit for bit to the two halves, a training loop clipped by
them as torch's, and bad arguments that change nothing."""

import inspect
import math

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.nn.utils import clip_grad_norm_, clip_grads_with_norm_, get_total_norm

from .helpers import RTOL, Twin

NORMS = [2.0, 1, math.inf, -math.inf, 3.5, 0.5, 0]


def _grads(dtype, seed=0, shapes=((3, 4), (5,), ())):
    rng = np.random.default_rng(seed)
    gs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ps = [tl.Param(np.zeros(g.shape, dtype)) for g in gs]
    ts = [torch.zeros(g.shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True) for g in gs]
    for p, t, g in zip(ps, ts, gs):
        p.grad, t.grad = g.copy(), torch.tensor(g)
    return ps, ts


def _rtol(dtype):
    return 1e-12 if dtype == np.float64 else 1e-6


@pytest.mark.parametrize("name", ["get_total_norm", "clip_grads_with_norm_"])
def test_signatures_are_torchs(name):
    def shape(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert shape(getattr(tl.nn.utils, name)) == shape(getattr(torch.nn.utils, name))
    assert name in tl.nn.utils.__all__


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", NORMS)
def test_total_norm_matches_torch(dtype, norm_type):
    ps, ts = _grads(dtype)
    total = get_total_norm([p.grad for p in ps], norm_type)
    ttotal = torch.nn.utils.get_total_norm([t.grad for t in ts], norm_type)
    assert isinstance(total, np.ndarray) and total.shape == () and total.dtype == dtype
    assert float(total) == pytest.approx(ttotal.item(), rel=_rtol(dtype))
    # one array, and Params / tensors (their values), as torch measures a tensor
    assert float(get_total_norm(ps[0].grad, norm_type)) == pytest.approx(
        torch.nn.utils.get_total_norm(ts[0].grad, norm_type).item(), rel=_rtol(dtype))
    for p, g in zip(ps, [t.grad for t in ts]):
        p.set_value(g.numpy() * 3)
    s = tl.Session(dtype=dtype)
    ours = [float(get_total_norm(ps, norm_type)), float(get_total_norm([s.input(p.value) for p in ps], norm_type))]
    assert ours == pytest.approx([torch.nn.utils.get_total_norm([t.grad * 3 for t in ts], norm_type).item()] * 2,
                                 rel=_rtol(dtype))


def test_total_norm_of_mixed_precisions_and_of_nothing():
    a, b = np.array([3.0, 0.0], np.float32), np.array([4.0, 12.0])
    total = get_total_norm([a, b])
    ttotal = torch.nn.utils.get_total_norm([torch.tensor(a), torch.tensor(b)])
    assert total.dtype == np.float64 and ttotal.dtype == torch.float64
    assert float(total) == pytest.approx(ttotal.item(), rel=1e-15)
    assert float(total) == pytest.approx(13.0, rel=1e-15)
    empty = get_total_norm([])
    assert empty.shape == () and empty.dtype == np.float32 and float(empty) == 0.0  # torch: tensor(0.)
    assert float(get_total_norm(np.zeros((0, 3)))) == 0.0


def test_nonfinite_total_norm_raises_only_when_asked():
    g = np.array([1.0, np.inf])
    assert float(get_total_norm([g])) == torch.nn.utils.get_total_norm([torch.tensor(g)]).item() == math.inf
    assert math.isnan(float(get_total_norm([np.array([1.0, np.nan])], 1)))
    with pytest.raises(tl.ArgumentError, match=r"^get_total_norm: the total norm of order 2.0 is non-finite"):
        get_total_norm([g], error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):  # torch refuses it too
        torch.nn.utils.get_total_norm([torch.tensor(g)], error_if_nonfinite=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_with_torchs_norm_and_ours_matches_torch(dtype, max_norm):
    ps, ts = _grads(dtype, seed=1)
    ttotal = torch.nn.utils.get_total_norm([t.grad for t in ts], 3.0)
    total = get_total_norm([p.grad for p in ps], 3.0)
    assert clip_grads_with_norm_(ps, max_norm, total) is None
    torch.nn.utils.clip_grads_with_norm_(ts, max_norm, ttotal)
    for p, t in zip(ps, ts):
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=_rtol(dtype), atol=0)
    ps, _ = _grads(dtype, seed=1)
    ts2 = _grads(dtype, seed=1)[1]
    clip_grads_with_norm_(ps, max_norm, ttotal.numpy())  # torch's norm as a 0-d array
    torch.nn.utils.clip_grads_with_norm_(ts2, max_norm, ttotal)
    for p, t in zip(ps, ts2):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=_rtol(dtype), atol=0)
    if max_norm == 0.5:
        assert not np.allclose(ps[0].grad, _grads(dtype, seed=1)[0][0].grad)  # it did clip


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", NORMS)
def test_clip_grad_norm_is_the_two_halves_bit_for_bit(dtype, norm_type):
    ps, _ = _grads(dtype, seed=2)
    qs, _ = _grads(dtype, seed=2)
    total = clip_grad_norm_(ps, 0.3, norm_type)
    total2 = get_total_norm([q.grad for q in qs], norm_type)
    clip_grads_with_norm_(qs, 0.3, total2)
    assert total.dtype == total2.dtype and float(total) == float(total2)
    for p, q in zip(ps, qs):
        np.testing.assert_array_equal(p.grad, q.grad)


def test_nonfinite_and_numeric_total_norms_scale_as_torch():
    for total in (math.inf, math.nan, 0.0, 2.5, 7):
        ps, ts = _grads(np.float64, seed=3)
        clip_grads_with_norm_(ps, 1.0, total)
        torch.nn.utils.clip_grads_with_norm_(ts, 1.0, torch.tensor(float(total)))
        for p, t in zip(ps, ts):
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-15, atol=0)
    ps, _ = _grads(np.float64, seed=3)
    s = tl.Session(dtype=np.float64)
    clip_grads_with_norm_(ps, 1.0, s.input(np.asarray(4.0)))  # a 0-d tensor
    np.testing.assert_allclose(ps[1].grad, _grads(np.float64, seed=3)[0][1].grad / (4.0 + 1e-6), rtol=1e-15)
    p = tl.Param(np.ones(2))
    assert clip_grads_with_norm_([p], 1.0, np.asarray(3.0)) is None and p.grad is None  # no gradient: nothing


def test_clip_loop_matches_torch_for_30_steps():
    twin = Twin(seed=33)
    opt, topt = tl.optim.AdamW(twin.params, lr=0.02), torch.optim.AdamW(twin.tparams, lr=0.02)
    clipped = 0
    for k in range(30):
        opt.zero_grad()
        topt.zero_grad()
        twin.backward(k)
        total = get_total_norm([p.grad for p in twin.params], 2.0)
        ttotal = torch.nn.utils.get_total_norm([t.grad for t in twin.tparams], 2.0)
        assert float(total) == pytest.approx(ttotal.item(), rel=RTOL)
        clipped += float(total) > 0.4
        clip_grads_with_norm_(twin.params, 0.4, total)
        torch.nn.utils.clip_grads_with_norm_(twin.tparams, 0.4, ttotal)
        opt.step()
        topt.step()
        twin.check(f"step {k}")
    assert clipped > 5


@pytest.mark.parametrize("bad", [
    ([np.ones(2, np.int64)], {}, tl.DTypeError, r"tensors\[0\] is int64"),
    ([np.ones(2), [1.0, 2.0]], {}, tl.ArgumentError, r"tensors\[1\] is a list"),
    (3.0, {}, tl.ArgumentError, "tensors must be"),
    ([np.ones(2)], {"norm_type": "fro"}, tl.ArgumentError, "norm_type"),
    ([np.ones(2)], {"norm_type": math.nan}, tl.ArgumentError, "norm_type"),
    ([np.ones(2)], {"error_if_nonfinite": 1}, tl.ArgumentError, "error_if_nonfinite"),
    ([np.ones(2)], {"foreach": "yes"}, tl.ArgumentError, "foreach"),
])
def test_total_norm_bad_arguments(bad):
    tensors, kw, err, msg = bad
    with pytest.raises(err, match=f"^get_total_norm: .*{msg}"):
        get_total_norm(tensors, **kw)


@pytest.mark.parametrize("bad", [
    ({"max_norm": -1.0}, tl.ArgumentError, "max_norm"), ({"max_norm": math.nan}, tl.ArgumentError, "max_norm"),
    ({"total_norm": -0.5}, tl.ArgumentError, r"total_norm must be >= 0"),
    ({"total_norm": np.ones(1)}, tl.ArgumentError, r"total_norm must be 0-d"),
    ({"total_norm": np.asarray(2)}, tl.DTypeError, "total_norm must be a float"),
    ({"total_norm": True}, tl.ArgumentError, "total_norm must be a number"),
    ({"total_norm": "2"}, tl.ArgumentError, "total_norm must be a number"),
    ({"foreach": 2}, tl.ArgumentError, "foreach"),
])
def test_clip_with_norm_bad_arguments_change_nothing(bad):
    kw, err, msg = bad
    ps, _ = _grads(np.float64)
    before = [p.grad.copy() for p in ps]
    with pytest.raises(err, match=f"^clip_grads_with_norm_: .*{msg}"):
        clip_grads_with_norm_(ps, **{"max_norm": 1.0, "total_norm": np.asarray(5.0), **kw})
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad, g)


def test_clip_with_norm_checks_every_gradient_first():
    ps, _ = _grads(np.float64)
    ps[2].grad = np.ones(4)  # wrong shape for the () parameter
    before = [p.grad.copy() for p in ps]
    with pytest.raises(tl.ShapeError, match="clip_grads_with_norm_: gradient of parameter 2"):
        clip_grads_with_norm_(ps, 0.1, np.asarray(10.0))
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad, g)
    with pytest.raises(tl.ArgumentError, match=r"parameters\[1\] is a ndarray"):
        clip_grads_with_norm_([ps[0], np.ones(3)], 0.1, 10.0)
