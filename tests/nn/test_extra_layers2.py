"""local_response_norm, lp_pool1d/2d, multi_margin_loss, multilabel_margin_loss, rrelu,
affine_grid and grid_sample against torch (float64; values and the gradients of inputs,
weights, theta and grid; eager and compiled), their modules against torch.nn, and bad
arguments."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlean as tl
import torchlean.nn as tnn
from torchlean.compiled.config import compile_options
from torchlean.nn.layers import extra2

from .parity import check

F = tnn.functional
R = np.random.default_rng(11)


def rnd(*shape):
    return R.standard_normal(shape)


# ----- functions: eager and compiled against torch ----------------------------------------------
class _Ours(tnn.Module):
    def __init__(self, fn, kw):
        super().__init__()
        self.fn, self.kw = fn, kw

    def forward(self, *xs):
        return self.fn(*xs, **self.kw)


def fcheck(name, arrays, rtol=1e-10, atol=1e-12, **kw):
    """F.<name>(*arrays, **kw) against torch's: the value and every float input's gradient (a
    missing torchlean gradient counts as zeros, as torch stores them), eager and compiled."""
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    want = getattr(TF, name)(*ts, **kw)
    cot = np.random.default_rng(5).standard_normal(tuple(want.shape))
    (want * torch.tensor(cot)).sum().backward()
    for compiled in (False, True):
        s = tl.Session(dtype=np.float64)
        xs = [s.input(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        fn = _Ours(getattr(F, name), kw)
        with compile_options(eager_calls=0):  # compiled: the lowered graph, even a very large one
            got = (tl.compile(fn) if compiled else fn)(*xs)
        where = f"{name} {'compiled' if compiled else 'eager'} {kw}"
        assert tuple(got.shape) == tuple(want.shape), where
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)
        (got * s.input(cot)).sum().backward()
        for i, (x, t) in enumerate(zip(xs, ts)):
            if t.grad is not None:
                g = np.zeros(x.shape) if x.grad is None else np.asarray(x.grad)
                np.testing.assert_allclose(g, t.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"{where} grad #{i}")


@pytest.mark.parametrize("shape, kw", [((2, 6, 3), {"size": 2}), ((2, 6, 3, 4), {"size": 3}),
                                       ((1, 5, 2, 3, 2), {"size": 4, "alpha": 0.1, "beta": 0.5, "k": 2.0}),
                                       ((3, 4, 5), {"size": 7, "alpha": 1.0})])
def test_local_response_norm(shape, kw):
    fcheck("local_response_norm", [rnd(*shape)], **kw)


@pytest.mark.parametrize("p", [1, 2, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("stride", [None, 2])
def test_lp_pool1d(p, ceil_mode, stride):
    x = np.abs(rnd(2, 3, 7)) + 0.1 if p in (3.0, 0.5) else rnd(2, 3, 7)  # no NaN roots of negative sums
    fcheck("lp_pool1d", [x], norm_type=p, kernel_size=3, stride=stride, ceil_mode=ceil_mode)


@pytest.mark.parametrize("kw", [{"norm_type": 2, "kernel_size": 2}, {"norm_type": 1, "kernel_size": (2, 3)},
                                {"norm_type": 2, "kernel_size": 3, "stride": (1, 2), "ceil_mode": True},
                                {"norm_type": float("inf"), "kernel_size": 2, "ceil_mode": True}])
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 5)])
def test_lp_pool2d(kw, shape):
    fcheck("lp_pool2d", [rnd(*shape)], **kw)


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_gradients_skip_the_cells_between_windows(ceil_mode):  # stride > kernel: gaps get 0
    x = rnd(2, 3, 8)
    for name, kw in (("avg_pool1d", {}), ("max_pool1d", {}), ("lp_pool1d", {"norm_type": 2})):
        fcheck(name, [x], kernel_size=2, stride=3, ceil_mode=ceil_mode, **kw)
    fcheck("avg_pool2d", [rnd(1, 2, 8, 5)], kernel_size=2, stride=3, ceil_mode=ceil_mode)


def test_lp_pool_zero_window_has_zero_gradient():
    x = rnd(1, 2, 6)
    x[0, 0, :2] = 0.0
    fcheck("lp_pool1d", [x], norm_type=2, kernel_size=2)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss(reduction, p, weighted):
    x, t = rnd(6, 4), R.integers(0, 4, 6)
    arrays = [x, t] + ([np.abs(rnd(4)) + 0.1] if weighted else [])
    if weighted:  # weight is the 5th positional argument: pass it by keyword through a wrapper
        w = arrays.pop()
        tx = torch.tensor(x, requires_grad=True)
        want = TF.multi_margin_loss(tx, torch.tensor(t), p=p, margin=0.6, weight=torch.tensor(w), reduction=reduction)
        cot = np.random.default_rng(1).standard_normal(tuple(want.shape))
        (want * torch.tensor(cot)).sum().backward()
        # torch refuses a weight that requires a gradient; its loss is w[y] times the unweighted
        # one, so the weight's true gradient comes from that product
        ts_w = torch.tensor(w, requires_grad=True)
        per = TF.multi_margin_loss(torch.tensor(x), torch.tensor(t), p=p, margin=0.6, reduction="none") * ts_w[t]
        ref = per if reduction == "none" else per.sum() if reduction == "sum" else per.mean()
        np.testing.assert_allclose(ref.detach().numpy(), want.detach().numpy(), rtol=1e-12)
        (ref * torch.tensor(cot)).sum().backward()
        for compiled in (False, True):
            s = tl.Session(dtype=np.float64)
            xs, ws = s.input(x, requires_grad=True), s.input(w, requires_grad=True)

            def f(a, b, c):
                return F.multi_margin_loss(a, b, p=p, margin=0.6, weight=c, reduction=reduction)

            got = (tl.compile(f) if compiled else f)(xs, s.input(t), ws)
            np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
            (got * s.input(cot)).sum().backward()
            np.testing.assert_allclose(np.asarray(xs.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(np.asarray(ws.grad), ts_w.grad.numpy(), rtol=1e-10, atol=1e-12)
        return
    fcheck("multi_margin_loss", arrays, p=p, margin=0.6, reduction=reduction)


@pytest.mark.parametrize("x, t", [(rnd(5), np.array(2)), (rnd(5), np.array([4])), (np.array(0.3), np.array(0))])
def test_multi_margin_loss_single_sample(x, t):
    for reduction in ("none", "mean"):
        fcheck("multi_margin_loss", [x, t], reduction=reduction)


TARGETS = np.array([[0, 2, -1, 1, 3], [3, -1, -1, -1, -1], [1, 1, 0, -1, 4], [-1, 0, 0, 0, 0],
                    [0, 1, 2, 3, 4], [4, 0, -1, 2, 2]])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_loss(reduction):
    fcheck("multilabel_margin_loss", [rnd(6, 5), TARGETS], reduction=reduction)
    fcheck("multilabel_margin_loss", [rnd(5), TARGETS[2]], reduction=reduction)


def test_rrelu_eval_matches_torch():
    x = rnd(4, 5)
    x[0, 0] = 0.0
    fcheck("rrelu", [x])
    fcheck("rrelu", [x], lower=0.2, upper=0.6, training=False)


@pytest.mark.parametrize("compiled", [False, True])
def test_rrelu_training_draws_slopes_from_the_stream(compiled):
    x = rnd(50, 8)
    lo, hi = 0.1, 0.4

    def run(seed):
        s = tl.Session(dtype=np.float64, seed=seed)
        xs = s.input(x, requires_grad=True)

        def f(a):
            return F.rrelu(a, lo, hi, training=True)

        y = (tl.compile(f) if compiled else f)(xs)
        y.sum().backward()
        return y.numpy(), np.asarray(xs.grad)

    y, g = run(3)
    pos = x > 0
    np.testing.assert_array_equal(y[pos], x[pos])
    np.testing.assert_array_equal(g[pos], 1.0)
    slope = y[~pos] / x[~pos]
    assert slope.min() >= lo and slope.max() < hi and slope.std() > 0.05  # U[lo, hi), per element
    np.testing.assert_allclose(g[~pos], slope, rtol=1e-12)  # the VJP is the drawn slope
    y2, _ = run(3)
    np.testing.assert_array_equal(y, y2)  # the same seed draws the same slopes
    assert not np.array_equal(run(4)[0], y)


@pytest.mark.filterwarnings("ignore:Since version 1.3.0")  # torch's note on unit-size grids
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 3, 4, 2)])
def test_affine_grid(align_corners, size):
    theta = rnd(2, 3, 4) if len(size) == 5 else rnd(2, 2, 3)
    fcheck("affine_grid", [theta], size=size, align_corners=align_corners)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample(mode, padding_mode, align_corners):
    kw = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    fcheck("grid_sample", [rnd(2, 3, 5, 6), R.uniform(-1.2, 1.2, (2, 4, 7, 2))], **kw)
    fcheck("grid_sample", [rnd(1, 2, 3, 4), R.uniform(-4.0, 4.0, (1, 5, 3, 2))], **kw)  # far outside


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_volumetric(mode, padding_mode, align_corners):
    kw = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    fcheck("grid_sample", [rnd(2, 2, 3, 4, 5), R.uniform(-1.3, 1.3, (2, 3, 2, 4, 3))], **kw)


def test_grid_sample_through_affine_grid_and_default_align_corners():
    theta = np.array([[[0.9, -0.2, 0.1], [0.3, 0.8, -0.05]]])
    x = rnd(1, 2, 6, 5)
    t_theta, t_x = torch.tensor(theta, requires_grad=True), torch.tensor(x, requires_grad=True)
    want = TF.grid_sample(t_x, TF.affine_grid(t_theta, (1, 2, 4, 4), align_corners=False), align_corners=False)
    want.sum().backward()
    s = tl.Session(dtype=np.float64)
    o_theta, o_x = s.input(theta, requires_grad=True), s.input(x, requires_grad=True)
    got = F.grid_sample(o_x, F.affine_grid(o_theta, (1, 2, 4, 4)))  # None means False
    got.sum().backward()
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(o_theta.grad), t_theta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(o_x.grad), t_x.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----- modules ---------------------------------------------------------------------------------
MODULES = {
    "LocalResponseNorm": ((3,), (rnd(2, 5, 4),)),
    "LocalResponseNorm-kw": ((2, 0.01, 0.6, 1.5), (rnd(2, 4, 3, 3),)),
    "LPPool1d": ((2, 3), (rnd(2, 3, 8),)),
    "LPPool1d-ceil": ((1.0, 2, 3, True), (rnd(3, 8),)),
    "LPPool2d": ((2, (2, 2)), (rnd(2, 3, 6, 6),)),
    "LPPool2d-stride": ((2.0, 3, (1, 2), True), (rnd(2, 2, 5, 7),)),
    "MultiMarginLoss": ((), (rnd(5, 4), R.integers(0, 4, 5))),
    "MultiMarginLoss-p2": ((2, 0.5), (rnd(5, 4), R.integers(0, 4, 5))),
    "MultiLabelMarginLoss": ((), (rnd(6, 5), TARGETS)),
    "RReLU": ((0.2, 0.5), (rnd(4, 5),)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_matches_torch(name):
    args, inputs = MODULES[name]
    cls = name.split("-")[0]
    ours, theirs = getattr(tnn, cls)(*args), getattr(torch.nn, cls)(*args)
    if cls == "RReLU":
        ours.eval()
        theirs.eval()
    check(ours, theirs, *inputs)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_loss_modules_reductions_and_weight(reduction):
    w = np.abs(rnd(4)) + 0.1
    x, t = rnd(5, 4), R.integers(0, 4, 5)
    check(tnn.MultiMarginLoss(weight=w, reduction=reduction),
          torch.nn.MultiMarginLoss(weight=torch.tensor(w), reduction=reduction), x, t)
    check(tnn.MultiLabelMarginLoss(reduction=reduction), torch.nn.MultiLabelMarginLoss(reduction=reduction),
          rnd(6, 5), TARGETS)
    assert list(tnn.MultiMarginLoss(weight=w).state_dict()) == ["weight"]


def test_rrelu_module_trains_with_random_slopes():
    m = tnn.RReLU(0.1, 0.3)
    s = tl.Session(dtype=np.float64)
    x = -np.abs(rnd(20, 5)) - 0.1
    slope = m(s.input(x)).numpy() / x
    assert slope.min() >= 0.1 and slope.max() < 0.3 and slope.std() > 0.01
    m.eval()
    np.testing.assert_allclose(m(s.input(x)).numpy(), 0.2 * x, rtol=1e-15)


@pytest.mark.parametrize("name", extra2.__all__)
def test_constructor_signature_is_torchs(name):
    def params(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(getattr(tnn, name).__init__) == params(getattr(torch.nn, name).__init__)


# ----- bad arguments ---------------------------------------------------------------------------
def test_bad_arguments_are_clear_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    x4, x2, x1 = s.input(rnd(2, 3, 4, 5)), s.input(rnd(3, 4)), s.input(rnd(4))
    t3, tf = s.input(np.array([0, 1, 3])), s.input(np.array([0.0, 1.0, 2.0]))
    f32 = s.input(rnd(2, 3, 4, 5).astype(np.float32), dtype=np.float32)
    grid, theta = s.input(rnd(2, 3, 3, 2)), s.input(rnd(2, 2, 3))
    t2, w3, t_big, t_neg2 = (s.input(a) for a in (np.array([0, 1]), np.ones(3), np.array([0, 1, 4]),
                                                 np.full((3, 4), -2)))
    x5, g5, grid3, grid_c3, x2d = (s.input(rnd(*sh)) for sh in ((2, 1, 3, 3, 3), (2, 2, 2, 2, 3), (3, 3, 3, 2),
                                                                (2, 3, 3, 3), (2, 3)))
    n = len(s.tape.nodes)
    bad = [
        (lambda: F.local_response_norm(x2, 2), tl.ShapeError, r"local_response_norm: expected an input of 3 or more "
                                                              r"dimensions.*\(3, 4\)"),
        (lambda: F.local_response_norm(x4, 0), tl.ArgumentError,
         "local_response_norm: size must be an int >= 1, got 0"),
        (lambda: F.lp_pool1d(x1, 2, 2), tl.ShapeError, r"lp_pool1d: expected 2D \(unbatched\) or 3D"),
        (lambda: F.lp_pool2d(x4, 0, 2), tl.ArgumentError, "lp_pool2d: norm_type must be nonzero"),
        (lambda: F.lp_pool2d(x4, 2, (2, 2, 2)), tl.ShapeError, "lp_pool2d: kernel_size"),
        (lambda: F.lp_pool2d(x4, 2, 0), tl.ShapeError, "lp_pool2d: kernel_size must be >= 1"),
        (lambda: F.lp_pool1d(x2d, 2, 2, ceil_mode=1.0), tl.ArgumentError, "lp_pool1d: ceil_mode"),
        (lambda: F.multi_margin_loss(x2, t3, p=3), tl.ArgumentError, "multi_margin_loss: only p == 1 and p == 2"),
        (lambda: F.multi_margin_loss(x2, tf), tl.DTypeError, "multi_margin_loss: target must be an int64"),
        (lambda: F.multi_margin_loss(x2, t2), tl.ShapeError, r"multi_margin_loss: expected target of shape "
                                                                 r"\(3,\).*got \(2,\)"),
        (lambda: F.multi_margin_loss(x2, t3, weight=w3), tl.ShapeError,
         r"multi_margin_loss: weight .* shape \(4,\), got \(3,\)"),
        (lambda: F.multi_margin_loss(x2, t_big), tl.ArgumentError,
         r"multi_margin_loss: target out of range.*\[0, 4\)"),
        (lambda: F.multi_margin_loss(x4, t3), tl.ShapeError, "multi_margin_loss: expected a 0-d, \\(C,\\) or"),
        (lambda: F.multi_margin_loss(x2, t3, reduction="avg"), tl.ArgumentError, "multi_margin_loss: reduction"),
        (lambda: F.multilabel_margin_loss(x2, t3), tl.ShapeError, r"multilabel_margin_loss: target must have the "
                                                                  r"input's shape \(3, 4\), got \(3,\)"),
        (lambda: F.multilabel_margin_loss(x2, t_neg2), tl.ArgumentError,
         r"multilabel_margin_loss: target out of range.*\[-1, 4\)"),
        (lambda: F.rrelu(x2, 0.5, 0.2), tl.ArgumentError, "rrelu: lower bound should be less than or equal"),
        (lambda: F.rrelu(x2, training="yes"), tl.ArgumentError, "rrelu: training must be a bool"),
        (lambda: F.rrelu(t3), tl.DTypeError, "rrelu: input must be a float tensor"),
        (lambda: F.affine_grid(theta, (2, 3, 4)), tl.ArgumentError, "affine_grid: only 4-D and 5-D sizes"),
        (lambda: F.affine_grid(theta, (2, 3, 4, 5, 6)), tl.ShapeError, r"affine_grid: expected .* \(N, 3, 4\)"),
        (lambda: F.affine_grid(theta, (3, 1, 4, 4)), tl.ShapeError, "affine_grid: theta has 2 matrices"),
        (lambda: F.affine_grid(theta, (2, 1, 0, 4)), tl.ArgumentError, "affine_grid: expected a positive"),
        (lambda: F.affine_grid(t3, (2, 1, 4, 4)), tl.DTypeError, "affine_grid: theta must be a float tensor"),
        (lambda: F.grid_sample(x4, grid, mode="area"), tl.ArgumentError, "grid_sample: mode must be one of"),
        (lambda: F.grid_sample(x4, grid, padding_mode="circular"), tl.ArgumentError, "grid_sample: padding_mode"),
        (lambda: F.grid_sample(x4, grid3), tl.ShapeError,
         r"grid_sample: expected grid of shape \(2, H_out, W_out, 2\).*got \(3, 3, 3, 2\)"),
        (lambda: F.grid_sample(x4, grid_c3), tl.ShapeError, "grid_sample: expected grid of shape"),
        (lambda: F.grid_sample(x2, grid), tl.ShapeError, r"grid_sample: expected 4-D input .* or 5-D .*\(3, 4\)"),
        (lambda: F.grid_sample(x5, g5, mode="bicubic"), tl.ArgumentError,
         "grid_sample: mode 'bicubic' supports 4-D input only"),
        (lambda: F.grid_sample(x5, grid), tl.ShapeError, r"grid_sample: expected grid of shape \(2, D_out, H_out, "
                                                         r"W_out, 3\)"),
        (lambda: F.grid_sample(x4, grid, align_corners=1), tl.ArgumentError, "grid_sample: align_corners"),
    ]
    for call, error, words in bad:
        with pytest.raises(error, match=words):
            call()
        assert len(s.tape.nodes) == n, words
    with pytest.raises(tl.DTypeError, match="grid_sample: input is float32 but grid is float64"):
        F.grid_sample(f32, grid)
    with pytest.raises(tl.ArgumentError, match="MultiMarginLoss: only p"):
        tnn.MultiMarginLoss(p=3)
    with pytest.raises(tl.ArgumentError, match="LocalResponseNorm: size"):
        tnn.LocalResponseNorm(0)
    with pytest.raises(tl.ArgumentError, match="MultiLabelMarginLoss: reduction"):
        tnn.MultiLabelMarginLoss(reduction="avg")
