"""``torchlean.nn.utils.clip_grad_norm_`` and ``clip_grad_value_`` match torch.nn.utils: the
returned total norm and the clipped gradients for every norm type, float32 and float64, and a
clipped training loop (AdamW + a cosine schedule + clipping) matches torch for 50 steps."""

import math

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.nn.utils import clip_grad_norm_, clip_grad_value_

from .helpers import RTOL, Twin

L = tl.optim.lr_scheduler


def _grads(dtype, seed=0):
    rng = np.random.default_rng(seed)
    gs = [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (5,), ()]]
    ps = [tl.Param(np.zeros(g.shape, dtype)) for g in gs]
    ts = [torch.zeros(g.shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True) for g in gs]
    for p, t, g in zip(ps, ts, gs):
        p.grad, t.grad = g.copy(), torch.tensor(g)
    return ps, ts


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, -math.inf, 3.5, 0.5, 0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    ps, ts = _grads(dtype)
    total = clip_grad_norm_(ps, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert isinstance(total, np.ndarray) and total.shape == () and total.dtype == dtype
    assert float(total) == pytest.approx(ttotal.item(), rel=rtol)
    for p, t in zip(ps, ts):
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=rtol, atol=0)


def test_clip_grad_norm_scales_only_above_the_limit():
    ps, _ = _grads(np.float64)
    before = [p.grad.copy() for p in ps]
    total = float(clip_grad_norm_(ps, 1e9))
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad, g)
    clip_grad_norm_(ps, total / 2)
    after = math.sqrt(sum(float((p.grad ** 2).sum()) for p in ps))
    assert after == pytest.approx(total / 2 * total / (total + 1e-6), rel=1e-12)


def test_clip_grad_norm_without_gradients_and_with_one_param():
    p = tl.Param(np.ones(3))
    out = clip_grad_norm_([p], 1.0)
    assert float(out) == 0.0 and out.dtype == np.float32 and p.grad is None  # torch: tensor(0.)
    p.grad = np.array([3.0, 4.0, 0.0])
    assert float(clip_grad_norm_(p, 1.0)) == 5.0
    np.testing.assert_allclose(p.grad, [3 / (5 + 1e-6), 4 / (5 + 1e-6), 0.0], rtol=1e-15)


def test_clip_grad_value_matches_torch():
    for dtype in (np.float64, np.float32):
        ps, ts = _grads(dtype, seed=1)
        ps[0].grad[0, 0] = np.nan
        ts[0].grad[0, 0] = float("nan")
        assert clip_grad_value_(ps, 0.3) is None
        torch.nn.utils.clip_grad_value_(ts, 0.3)
        for p, t in zip(ps, ts):
            assert p.grad.dtype == dtype
            np.testing.assert_array_equal(p.grad, t.grad.numpy())


def test_the_arrays_of_a_backward_are_never_written_in_place():
    s = tl.Session(dtype=np.float64)
    w = tl.Param(np.array([3.0, 4.0]))
    grads = s.backward((s.use(w) * 2.0).sum())
    ref = grads.dense("test")[0].copy()
    clip_grad_norm_([w], 1.0)
    clip_grad_value_([w], 0.1)
    np.testing.assert_array_equal(grads.dense("test")[0], ref)
    np.testing.assert_allclose(w.grad, [0.1, 0.1])


def test_nonfinite_total_norm_raises_when_asked_and_changes_nothing():
    ps, ts = _grads(np.float64)
    ps[1].grad[2] = np.inf
    before = [p.grad.copy() for p in ps]
    with pytest.raises(tl.ArgumentError, match=r"clip_grad_norm_: the total norm .* non-finite"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad, g)
    ts[1].grad[2] = float("inf")
    total = clip_grad_norm_(ps, 1.0)  # as torch: scaled by the infinite norm anyway
    ttotal = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    assert float(total) == ttotal.item() == math.inf
    for p, t in zip(ps, ts):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())


@pytest.mark.parametrize("bad", [
    ({"max_norm": float("nan")}, "max_norm"), ({"max_norm": -1.0}, "max_norm"), ({"max_norm": "1"}, "max_norm"),
    ({"norm_type": float("nan")}, "norm_type"), ({"norm_type": "fro"}, "norm_type"),
    ({"error_if_nonfinite": 1}, "error_if_nonfinite"), ({"foreach": "yes"}, "foreach"),
])
def test_clip_grad_norm_bad_arguments_change_nothing(bad):
    kw, name = bad
    ps, _ = _grads(np.float64)
    before = [p.grad.copy() for p in ps]
    with pytest.raises(tl.ArgumentError, match=f"clip_grad_norm_: {name}"):
        clip_grad_norm_(ps, **{"max_norm": 1.0, **kw})
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad, g)


def test_bad_parameters_and_gradients_change_nothing():
    ps, _ = _grads(np.float64)
    ps[2].grad = np.ones(4)  # wrong shape for a () parameter
    before = [p.grad.copy() for p in ps]
    for fn, arg in ((clip_grad_norm_, 1.0), (clip_grad_value_, 0.5)):
        with pytest.raises(tl.ShapeError, match=f"{fn.__name__}: gradient of parameter 2"):
            fn(ps, arg)
        for p, g in zip(ps, before):
            np.testing.assert_array_equal(p.grad, g)
        with pytest.raises(tl.ArgumentError, match=r"parameters\[1\] is a ndarray"):
            fn([ps[0], np.ones(3)], arg)
        with pytest.raises(tl.ArgumentError, match="parameters must be"):
            fn(3, arg)
    with pytest.raises(tl.ArgumentError, match="clip_value must be >= 0"):
        clip_grad_value_(ps, -1.0)


def test_adamw_cosine_clipping_loop_matches_torch_for_50_steps():
    """The issue's training recipe: AdamW + a cosine schedule + gradient clipping."""
    twin = Twin(seed=31)
    opt, topt = tl.optim.AdamW(twin.params, lr=0.02), torch.optim.AdamW(twin.tparams, lr=0.02)
    sched, tsched = L.CosineAnnealingLR(opt, 50), torch.optim.lr_scheduler.CosineAnnealingLR(topt, 50)
    norms = []
    for k in range(50):
        opt.zero_grad()
        topt.zero_grad()
        twin.backward(k)
        total, ttotal = clip_grad_norm_(twin.params, 0.5), torch.nn.utils.clip_grad_norm_(twin.tparams, 0.5)
        norms.append((float(total), ttotal.item()))
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        twin.check(f"step {k}")
    for a, b in norms:
        assert a == pytest.approx(b, rel=RTOL)
    assert sum(a > 0.5 for a, _ in norms) > 5  # the clipping was active


def test_clipped_value_loop_matches_torch():
    twin = Twin(seed=32)
    opt, topt = tl.optim.SGD(twin.params, lr=0.1, momentum=0.9), torch.optim.SGD(twin.tparams, lr=0.1, momentum=0.9)

    for k in range(20):
        opt.zero_grad()
        topt.zero_grad()
        twin.backward(k)
        clip_grad_value_(twin.params, 0.05)
        torch.nn.utils.clip_grad_value_(twin.tparams, 0.05)
        opt.step()
        topt.step()
        twin.check(f"step {k}")


def test_parameters_to_vector_and_back_match_torch():
    import torch

    import torchlean.nn as tnn

    m = tnn.Sequential(tnn.Linear(3, 4), tnn.ReLU(), tnn.Linear(4, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4, dtype=torch.float32), torch.nn.ReLU(),
                             torch.nn.Linear(4, 2, dtype=torch.float32))
    m.load_state_dict(tm.state_dict())
    v = tnn.utils.parameters_to_vector(m.parameters())
    tv = torch.nn.utils.parameters_to_vector(tm.parameters()).detach()
    np.testing.assert_array_equal(v, tv.numpy())
    tnn.utils.vector_to_parameters(v * 2 - 1, m.parameters())
    torch.nn.utils.vector_to_parameters(tv * 2 - 1, tm.parameters())
    for p, tp in zip(m.parameters(), tm.parameters()):
        np.testing.assert_array_equal(p.value, tp.detach().numpy())
        assert p.requires_grad


def test_vector_to_parameters_checks_before_changing_anything():
    import torchlean.nn as tnn

    m = tnn.Linear(2, 2)
    before = [p.value.copy() for p in m.parameters()]
    for bad, words in ((np.ones(5), "5 entries, the parameters 6"), (np.ones((2, 3)), "1-D vector"),
                       ("abc", "1-D array or tensor"), (np.array(["a"] * 6), "numeric vector")):
        with pytest.raises(tl.TorchLeanError, match=words):
            tnn.utils.vector_to_parameters(bad, m.parameters())
    for p, b in zip(m.parameters(), before):
        np.testing.assert_array_equal(p.value, b)
    with pytest.raises(tl.TorchLeanError, match="parameters must be a Param"):
        tnn.utils.parameters_to_vector(3)
