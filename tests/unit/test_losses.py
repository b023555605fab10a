"""torchlean.nn.functional losses: reductions and PyTorch's legacy flags, the fused cross-entropy
path, ignored and out-of-range targets, gradients PyTorch refuses (class weights, checked here
by finite differences), BCE's clamped logs at 0 and 1, extreme logits, KL's 'batchmean', and
the seed's ``s.mse_loss`` kept as it was."""

import contextlib

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as F
from torchlean.testing import check_jvp_fd

TF = torch.nn.functional
F64 = np.float64


def session(dtype=F64):
    return tl.Session(dtype=dtype)


def _bound(s):
    return {n.prim.name for n in s.tape.nodes if n.prim is not None}


# ----- reductions ---------------------------------------------------------------------------------
def test_legacy_size_average_and_reduce_pick_the_reduction_as_pytorch():
    rng = np.random.default_rng(0)
    xv, tv = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    s = session()
    x, t = s.input(xv), s.input(tv)
    for sa in (None, True, False):
        for rd in (None, True, False):
            if sa is None and rd is None:
                continue
            with pytest.warns(UserWarning):
                ref = TF.mse_loss(torch.tensor(xv), torch.tensor(tv), size_average=sa, reduce=rd).numpy()
            np.testing.assert_allclose(s.value(F.mse_loss(x, t, size_average=sa, reduce=rd)), ref, rtol=1e-14)


def test_invalid_reduction_raises_naming_the_function():
    s = session()
    x = s.input(np.ones(3))
    for fn in (F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss, F.binary_cross_entropy_with_logits, F.kl_div):
        with pytest.raises(tl.ArgumentError, match=f"{fn.__name__}: reduction"):
            fn(x, x, reduction="avg")
    with pytest.raises(tl.ArgumentError, match="batchmean"):
        F.mse_loss(x, x, reduction="batchmean")


def test_mse_loss_is_pytorchs_and_the_seeds_stays():
    rng = np.random.default_rng(1)
    xv, tv, wv = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0.5, 2, (3, 4))
    s = session()
    x, t, w = (s.input(a, requires_grad=True) for a in (xv, tv, wv))
    y = F.mse_loss(x, t, weight=w)
    g = s.backward(y)
    ref = (wv * (xv - tv) ** 2).sum() / wv.sum()
    np.testing.assert_allclose(s.value(y), ref, rtol=1e-14)
    np.testing.assert_allclose(g[t], -2 * wv * (xv - tv) / wv.sum(), rtol=1e-13)
    np.testing.assert_allclose(s.value(s.mse_loss(x, t)), ((xv - tv) ** 2).mean(), rtol=1e-14)
    with pytest.raises(tl.ShapeError, match="mse_loss: prediction and target"):
        s.mse_loss(x, s.input(np.ones(4)))  # the seed's: shapes must be equal
    np.testing.assert_allclose(s.value(F.mse_loss(x, s.input(tv[0]))), ((xv - tv[0]) ** 2).mean(), rtol=1e-14)
    with pytest.raises(tl.ShapeError, match="weights and input"):
        F.mse_loss(x, t, weight=s.input(np.ones(4)))


def test_smooth_l1_and_huber_parameters():
    s = session()
    x, t = s.input(np.array([0.1, 2.0, -3.0])), s.input(np.zeros(3))
    np.testing.assert_array_equal(s.value(F.smooth_l1_loss(x, t, beta=0.0)), s.value(F.l1_loss(x, t)))
    with pytest.raises(tl.ArgumentError, match="negative values for beta"):
        F.smooth_l1_loss(x, t, beta=-1.0)
    with pytest.raises(tl.ArgumentError, match="non-positive values for delta"):
        F.huber_loss(x, t, delta=0.0)
    for beta in (0.5, 1.0, 2.0):
        ref = TF.huber_loss(torch.tensor([0.1, 2.0, -3.0], dtype=torch.float64), torch.zeros(3, dtype=torch.float64),
                            delta=beta).numpy()
        np.testing.assert_allclose(s.value(F.huber_loss(x, t, delta=beta)), ref, rtol=1e-15)
        np.testing.assert_allclose(s.value(F.smooth_l1_loss(x, t, beta=beta)), ref / beta, rtol=1e-15)


# ----- cross entropy and nll ------------------------------------------------------------------
def test_common_cross_entropy_is_the_fused_primitive():
    rng = np.random.default_rng(2)
    s = session()
    F.cross_entropy(s.input(rng.standard_normal((4, 3))), s.input(np.array([0, 2, 1, 2])))
    assert "cross_entropy" in _bound(s) and "log_softmax" not in _bound(s)
    s = session()
    F.cross_entropy(s.input(rng.standard_normal((2, 3, 5))), s.input(rng.integers(0, 3, (2, 5))))
    assert "cross_entropy" in _bound(s)
    s = session()
    F.cross_entropy(s.input(rng.standard_normal((4, 3))), s.input(np.array([0, 2, 1, 2])), reduction="sum")
    assert "cross_entropy" not in _bound(s) and "log_softmax" in _bound(s)


def test_every_target_ignored_gives_nan_as_pytorch():
    s = session()
    z = s.input(np.ones((2, 3)))
    lab = s.input(np.array([-100, -100]))
    with np.errstate(invalid="ignore"):
        for kw in ({}, {"label_smoothing": 0.1}, {"weight": s.input(np.ones(3))}):
            assert np.isnan(s.value(F.cross_entropy(z, lab, **kw)))
        assert np.isnan(s.value(F.nll_loss(z, lab)))
    assert s.value(F.cross_entropy(z, lab, reduction="sum")) == 0.0
    np.testing.assert_array_equal(s.value(F.nll_loss(z, lab, reduction="none")), [0.0, 0.0])


@pytest.mark.parametrize("kw", [{}, {"reduction": "none"}, {"label_smoothing": 0.1}, {"ignore_index": 1}])
def test_out_of_range_targets_raise_on_every_path(kw):
    s = session()
    z = s.input(np.zeros((3, 4)))
    for bad in ([0, 4, 1], [0, -1, 1]):
        lab = s.input(np.array(bad))
        before = len(s)
        with pytest.raises(tl.ArgumentError, match=r"cross_entropy: .*out of range"):
            F.cross_entropy(z, lab, **kw)
        with pytest.raises(tl.ArgumentError, match=r"nll_loss: .*out of range"):
            F.nll_loss(z, lab, **kw) if "label_smoothing" not in kw else F.nll_loss(z, lab)
        assert len(s) == before


def test_class_weight_gradient_matches_finite_differences():
    # PyTorch refuses a gradient for the class weights; torchlean gives the true derivative.
    rng = np.random.default_rng(3)
    zv, wv = rng.standard_normal((5, 3, 2)), rng.uniform(0.5, 2, 3)
    lab = np.array([[0, 2], [1, -100], [2, 2], [0, 1], [-100, 0]])
    for fn, kw in [(F.cross_entropy, {}), (F.cross_entropy, {"label_smoothing": 0.2}), (F.nll_loss, {}),
                   (F.cross_entropy, {"reduction": "sum"})]:
        def value(w, fn=fn, kw=kw):
            s = session()
            return s.value(fn(s.input(zv), s.input(lab), s.input(w), **kw))

        s = session()
        w = s.input(wv, requires_grad=True)
        y = fn(s.input(zv), s.input(lab), w, **kw)
        t = rng.standard_normal(3)
        check_jvp_fd(np.asarray(s.jvp(y, {w: t})), value, [wv], [t], rtol=1e-6, atol=1e-8, what=fn.__name__)
        np.testing.assert_allclose(float(np.dot(np.asarray(s.backward(y)[w]), t)), np.asarray(s.jvp(y, {w: t})),
                                   rtol=1e-12)


def test_cross_entropy_argument_errors():
    s = session()
    z = s.input(np.zeros((3, 4)))
    for call, err, what in [
        (lambda: F.cross_entropy(z, s.input(np.array([True, False, True]))), tl.DTypeError, "class indices"),
        (lambda: F.cross_entropy(z, s.input(np.zeros((3, 4, 1)))), tl.ShapeError, "probabilities"),
        (lambda: F.cross_entropy(z, s.input(np.array([0, 1]))), tl.ShapeError, "class-index target"),
        (lambda: F.cross_entropy(z, s.input(np.array([0, 1, 2])), label_smoothing=1.5), tl.ArgumentError,
         "label_smoothing"),
        (lambda: F.cross_entropy(z, s.input(np.array([0, 1, 2])), weight=s.input(np.ones(3))), tl.ShapeError,
         "weight"),
        (lambda: F.nll_loss(z, s.input(np.zeros((3, 4)))), tl.DTypeError, "nll_loss: target"),
    ]:
        with pytest.raises(err, match=what):
            call()


def test_cross_entropy_nd_with_ignore_index_traced_equals_eager():
    rng = np.random.default_rng(4)
    zv = rng.standard_normal((2, 4, 3))
    lab = np.array([[0, 3, -100], [2, -100, 1]])

    def fn(ops, z, t):
        return F.cross_entropy(z, t, label_smoothing=0.1) + F.cross_entropy(z, t)

    c = tl.compile_scalar(fn, [(2, 4, 3), ((2, 3), np.int64)], tl.Options(dtype=F64))
    val, grads = c.value_and_grad(zv, lab)
    tz = torch.tensor(zv, requires_grad=True)
    ty = TF.cross_entropy(tz, torch.tensor(lab), label_smoothing=0.1) + TF.cross_entropy(tz, torch.tensor(lab))
    (tg,) = torch.autograd.grad(ty, tz)
    np.testing.assert_allclose(val, ty.item(), rtol=1e-13)
    np.testing.assert_allclose(grads[0], tg.numpy(), rtol=1e-11, atol=1e-14)
    with pytest.raises(tl.ArgumentError, match="out of range"):
        c.value_and_grad(zv, np.array([[0, 4, 1], [2, 0, 1]]))


# ----- binary cross entropy --------------------------------------------------------------------
def test_bce_clamps_logs_at_minus_100_and_keeps_gradients_finite_as_pytorch():
    xv = np.array([0.0, 1.0, 0.0, 1.0, 0.3, 1e-50])
    tv = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 1.0])
    s = session()
    x, t = s.input(xv, requires_grad=True), s.input(tv)
    y = F.binary_cross_entropy(x, t, reduction="none")
    g = s.backward(y, np.ones(6))
    tx, tt = torch.tensor(xv, requires_grad=True), torch.tensor(tv)
    ty = TF.binary_cross_entropy(tx, tt, reduction="none")
    (tg,) = torch.autograd.grad(ty, tx, torch.ones(6, dtype=torch.float64))
    np.testing.assert_allclose(s.value(y), ty.detach().numpy(), rtol=1e-15)
    assert s.value(y)[0] == 100.0 and s.value(y)[2] == 0.0
    np.testing.assert_allclose(g[x], tg.numpy(), rtol=1e-15)
    assert np.all(np.isfinite(g[x]))


def test_bce_refuses_values_outside_0_1_and_mismatched_shapes():
    s = session()
    for xv, tv, what in [([0.5, 1.2], [0.0, 1.0], "input"), ([0.5, -0.1], [0.0, 1.0], "input"),
                         ([0.5, 0.2], [0.0, 1.5], "target"), ([0.5, np.nan], [0.0, 1.0], "input")]:
        with pytest.raises(tl.ArgumentError, match=f"binary_cross_entropy: all elements of {what}"):
            F.binary_cross_entropy(s.input(np.array(xv)), s.input(np.array(tv)))
    with pytest.raises(tl.ShapeError, match="binary_cross_entropy"):
        F.binary_cross_entropy(s.input(np.full((2, 3), 0.5)), s.input(np.full(3, 0.5)))
    c = tl.compile_out(lambda ops, x, t: F.binary_cross_entropy(x, t), [(2,), (2,)])
    with pytest.raises(tl.ArgumentError, match="between 0 and 1"):
        c.forward(np.array([0.5, 2.0], np.float32), np.array([0.0, 1.0], np.float32))


def test_bce_with_logits_is_stable_at_extreme_logits():
    xv = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    tv = np.array([1.0, 0.3, 0.5, 0.0, 0.0])
    pw = np.array([2.0, 0.5, 1.0, 3.0, 1.5])
    s = session()
    x = s.input(xv, requires_grad=True)
    for kw in ({}, {"pos_weight": pw}):
        args = {k: s.input(v) for k, v in kw.items()}
        y = F.binary_cross_entropy_with_logits(x, s.input(tv), reduction="none", **args)
        g = s.backward(y, np.ones(5))[x]
        tx = torch.tensor(xv, requires_grad=True)
        ty = TF.binary_cross_entropy_with_logits(tx, torch.tensor(tv), reduction="none",
                                                 **{k: torch.tensor(v) for k, v in kw.items()})
        (tg,) = torch.autograd.grad(ty, tx, torch.ones(5, dtype=torch.float64))
        assert np.all(np.isfinite(s.value(y))) and np.all(np.isfinite(g))
        np.testing.assert_allclose(s.value(y), ty.detach().numpy(), rtol=1e-14)
        np.testing.assert_allclose(g, tg.numpy(), rtol=1e-13, atol=1e-300)


# ----- KL divergence -----------------------------------------------------------------------------
def test_kl_div_reductions_and_zero_targets():
    rng = np.random.default_rng(5)
    xv = np.log(rng.dirichlet(np.ones(4), 3))
    tv = rng.dirichlet(np.ones(4), 3)
    tv[0, 1] = 0.0
    tv[0] /= tv[0].sum()
    s = session()
    x, t = s.input(xv, requires_grad=True), s.input(tv, requires_grad=True)
    for red in ("batchmean", "sum", "none", "mean"):
        y = F.kl_div(x, t, reduction=red)
        g = s.backward(y, np.ones(y.shape))
        tx = torch.tensor(xv, requires_grad=True)
        with pytest.warns(UserWarning) if red == "mean" else contextlib.nullcontext():
            ty = TF.kl_div(tx, torch.tensor(tv), reduction=red)
        (tg,) = torch.autograd.grad(ty, tx, torch.ones_like(ty))
        np.testing.assert_allclose(s.value(y), ty.detach().numpy(), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(g[x], tg.numpy(), rtol=1e-13)
        assert np.all(np.isfinite(g[t]))  # t * log(t) at t = 0: no NaN
    np.testing.assert_allclose(s.value(F.kl_div(x, t, reduction="batchmean")),
                               s.value(F.kl_div(x, t, reduction="sum")) / 3, rtol=1e-15)
