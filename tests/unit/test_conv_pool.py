"""Convolution and pooling semantics the random sweeps avoid on purpose: ties, padding, stable
smooth max, bad geometry, batch handling, and the kernels' internal reuse."""

import math

import numpy as np
import pytest

import torchlean as tl
from torchlean.ops import conv as conv_ops


def session():
    return tl.Session(dtype=np.float64)


def grad_and_tangent(fn, x, t=None):
    """(value, gradient of sum, tangent along t) of fn(s, x) on a float64 session."""
    s = session()
    r = s.input(np.asarray(x, np.float64), requires_grad=True)
    out = fn(s, r)
    g = s.backward(out.sum())[r]
    jt = s.jvp(out, {r: np.ones(r.shape) if t is None else np.asarray(t, np.float64)})
    return out.numpy(), g, jt


# ----- max pool: ties, padding, first maximum ----------------------------------------------------
def test_max_pool_ties_go_to_the_first_maximum_in_row_major_order():
    x = np.array([[[1.0, 3.0, 0.0, 0.0],
                   [3.0, 3.0, 0.0, 0.0],
                   [2.0, 5.0, 7.0, 1.0],
                   [5.0, 5.0, 1.0, 7.0]]])   # (C=1, 4, 4): windows with 3 tied, 4 tied, 2 tied
    t = np.arange(16.0).reshape(1, 4, 4) + 100
    y, g, jt = grad_and_tangent(lambda s, r: s.max_pool2d(r, 2), x, t)
    np.testing.assert_array_equal(y, [[[3.0, 0.0], [5.0, 7.0]]])
    expected = np.zeros((1, 4, 4))
    expected[0, 0, 1] = expected[0, 0, 2] = expected[0, 2, 1] = expected[0, 2, 2] = 1.0
    np.testing.assert_array_equal(g, expected)
    # the tangent is t at the same first maxima
    np.testing.assert_array_equal(jt, [[[t[0, 0, 1], t[0, 0, 2]], [t[0, 2, 1], t[0, 2, 2]]]])


def test_max_pool_ties_with_overlapping_windows_accumulate_per_window():
    x = np.zeros((1, 1, 3))  # (N, C, L): every window is a tie of zeros
    _, g, _ = grad_and_tangent(lambda s, r: s.max_pool(r, (2,), (1,)), x)
    np.testing.assert_array_equal(g, [[[1.0, 1.0, 0.0]]])


def test_max_pool_ignores_padding():
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3)  # all negative: a zero pad would win
    y, g, _ = grad_and_tangent(lambda s, r: s.max_pool2d_pad(r, 2, 2, 1), x)
    np.testing.assert_array_equal(y, [[[-1.0, -2.0], [-4.0, -5.0]]])
    expected = np.zeros((1, 3, 3))
    expected[0, 0, 0] = expected[0, 0, 1] = expected[0, 1, 0] = expected[0, 1, 1] = 1.0
    np.testing.assert_array_equal(g, expected)


def test_max_pool_gradient_never_goes_to_padding_even_for_minus_infinity():
    x = np.array([[[-np.inf, -np.inf], [-np.inf, 1.0]]])
    y, g, _ = grad_and_tangent(lambda s, r: s.max_pool2d_pad(r, 2, 2, 1), x)
    np.testing.assert_array_equal(y, [[[-np.inf, -np.inf], [-np.inf, 1.0]]])
    np.testing.assert_array_equal(g, np.ones((1, 2, 2)))  # each window: its one real cell


def test_max_pool_rejects_windows_of_padding_only():
    s = session()
    x = s.input(np.ones((1, 4, 4)))
    n = len(s)
    with pytest.raises(tl.ShapeError, match="max_pool2d_pad"):
        s.max_pool2d_pad(x, 2, 2, 2)
    assert len(s) == n


def test_max_pool_gather_and_scatter_have_zero_derivative_in_x_and_y():
    rng = np.random.default_rng(0)
    s = session()
    x = s.input(rng.standard_normal((2, 3, 4, 4)), requires_grad=True)
    y = s.max_pool2d(x, 2)
    g = s.input(rng.standard_normal(y.shape), requires_grad=True)
    dx = s.max_pool_scatter(x, y, g, (2, 2))
    grads = s.backward((dx * dx).sum())
    np.testing.assert_array_equal(grads[x], np.zeros(x.shape))  # through dx only (y's path: 0)
    np.testing.assert_allclose(grads[g], 2 * s.max_pool_gather(x, y, dx, (2, 2)).numpy())


def test_default_pool_stride_is_the_kernel():
    x = np.arange(36.0).reshape(1, 6, 6)
    s = session()
    r = s.input(x)
    np.testing.assert_array_equal(s.max_pool2d(r, 3).numpy(), s.max_pool2d(r, 3, 3).numpy())
    assert s.avg_pool(r, (2, 3)).shape == (1, 3, 2)


# ----- average and smooth-max pool ---------------------------------------------------------------
def test_avg_pool_counts_padding_in_the_divisor():
    y, g, _ = grad_and_tangent(lambda s, r: s.avg_pool2d_pad(r, 2, 2, 1), np.ones((1, 2, 2)))
    np.testing.assert_array_equal(y, np.full((1, 2, 2), 0.25))  # one real cell of 4 per window
    np.testing.assert_array_equal(g, np.full((1, 2, 2), 0.25))


def test_smooth_max_pool_of_a_constant_window_is_v_plus_log_k_over_beta():
    for beta in (0.5, 3.0, -2.0):
        y, g, _ = grad_and_tangent(lambda s, r, b=beta: s.smooth_max_pool2d(r, b, (2, 3)),
                                   np.full((2, 1, 4, 6), 1.5))
        np.testing.assert_allclose(y, 1.5 + math.log(6) / beta, rtol=1e-12)
        np.testing.assert_allclose(g, 1.0 / 6.0, rtol=1e-12)  # softmax of a constant window


def test_smooth_max_pool_counts_padded_cells_as_zero():
    # one real cell v in a 2x2 window with 3 padded cells: log(e^(beta v) + 3) / beta
    y, _, _ = grad_and_tangent(lambda s, r: s.smooth_max_pool(r, 2.0, (2, 2), (2, 2), (1, 1)),
                               np.full((1, 1, 1), 0.7))
    np.testing.assert_allclose(y, [[[math.log(math.exp(1.4) + 3) / 2]]], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_smooth_max_pool_with_large_beta_does_not_overflow(dtype):
    s = tl.Session(dtype=dtype)
    x = s.input(np.array([[[80.0, 90.0], [100.0, -50.0]]]), requires_grad=True)
    for beta in (1000.0, -1000.0):
        y = s.smooth_max_pool2d(x, beta, 2)
        expected = 100.0 if beta > 0 else -50.0  # the hard max/min, up to log(4)/|beta|
        np.testing.assert_allclose(y.numpy(), [[[expected]]], atol=2e-3)
        g = s.backward(y.sum())[x]
        assert np.all(np.isfinite(g)) and abs(float(g.sum()) - 1.0) < 1e-5


@pytest.mark.parametrize("beta", [0, 0.0, float("nan"), float("inf")])
def test_smooth_max_pool_rejects_a_zero_or_non_finite_beta(beta):
    s = session()
    x = s.input(np.ones((1, 2, 2)))
    n = len(s)
    with pytest.raises(tl.ArgumentError, match="smooth_max_pool2d: beta"):
        s.smooth_max_pool2d(x, beta, 2)
    assert len(s) == n


def test_global_avg_pool2d():
    x = np.arange(24.0).reshape(2, 3, 4)
    s = session()
    np.testing.assert_allclose(s.global_avg_pool2d(s.input(x)).numpy(), x.mean((1, 2)))
    np.testing.assert_allclose(s.global_avg_pool2d(s.input(x[None])).numpy(), x.mean((1, 2))[None])


# ----- bad geometry: ShapeError naming the op, tape unchanged -------------------------------------
BAD_CALLS = [  # (op, call, weight shape, bias shape, x shape)
    ("conv2d", lambda s, w, b, x: s.conv2d(w, b, x, 1, 0), (2, 3, 5, 5), (2,), (3, 4, 4)),  # in < k
    ("conv2d", lambda s, w, b, x: s.conv2d(w, b, x, 0, 1), (2, 3, 3, 3), (2,), (3, 4, 4)),  # stride 0
    ("conv2d", lambda s, w, b, x: s.conv2d(w, b, x, 1, -1), (2, 3, 3, 3), (2,), (3, 4, 4)),  # pad < 0
    ("conv", lambda s, w, b, x: s.conv(w, b, x, (1, 2, 1)), (2, 3, 3, 3), (2,), (3, 4, 4)),  # rank
    ("conv", lambda s, w, b, x: s.conv(w, b, x), (2, 3, 3, 3), (2,), (2, 4, 4)),  # channels
    ("conv", lambda s, w, b, x: s.conv(w, b, x), (2, 3, 3, 3), (3,), (3, 4, 4)),  # bias
    ("conv_transpose", lambda s, w, b, x: s.conv_transpose(w, b, x, 2, 0, 2), (3, 2, 3, 3), (2,),
     (3, 4, 4)),  # output_padding >= stride
    ("conv_transpose", lambda s, w, b, x: s.conv_transpose(w, b, x, 1, 3), (3, 2, 3, 3), (2,),
     (3, 2, 2)),  # empty output
    ("max_pool2d", lambda s, w, b, x: s.max_pool2d(x, 5), None, None, (3, 4, 4)),
    ("max_pool2d", lambda s, w, b, x: s.max_pool2d(x, (2, 1.5)), None, None, (3, 4, 4)),
    ("avg_pool2d_pad", lambda s, w, b, x: s.avg_pool2d_pad(x, 3, 0, 1), None, None, (3, 4, 4)),
    ("avg_pool", lambda s, w, b, x: s.avg_pool(x, 2), None, None, (3, 4, 4)),  # rank unknown
    ("smooth_max_pool", lambda s, w, b, x: s.smooth_max_pool(x, 1.0, (2, 2, 2)), None, None,
     (3, 4, 4)),
    ("global_avg_pool2d", lambda s, w, b, x: s.global_avg_pool2d(x), None, None, (3, 4)),
    ("global_avg_pool2d_nchw", lambda s, w, b, x: s.global_avg_pool2d_nchw(x), None, None, (3, 4, 4)),
]


@pytest.mark.parametrize("op,call,wshape,bshape,xshape", BAD_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_CALLS)])
def test_bad_geometry_raises_a_shape_error_naming_the_op_and_leaves_the_tape_unchanged(
        op, call, wshape, bshape, xshape):
    s = session()
    w = s.input(np.ones(wshape)) if wshape else None
    b = s.input(np.ones(bshape)) if bshape else None
    x = s.input(np.ones(xshape))
    n = len(s)
    with pytest.raises(tl.ShapeError) as e:
        call(s, w, b, x)
    assert str(e.value).startswith(f"{op}:") and str(xshape) in str(e.value)
    assert len(s) == n


def test_primitive_shape_rules_reject_bad_geometry_too():
    s = session()
    x, w = s.input(np.ones((3, 4, 4))), s.input(np.ones((2, 3, 5, 5)))
    n = len(s)
    with pytest.raises(tl.ShapeError, match=r"conv: kernel \(5, 5\)"):
        s.bind(tl.REGISTRY["conv"], x, w, stride=(1, 1), padding=(0, 0))
    assert len(s) == n


# ----- unbatched == batched[0] --------------------------------------------------------------------
UNBATCHED_OPS = {
    "conv": lambda s, x, p: s.conv(p["w"], p["b"], x, (2, 1), 1),
    "conv_transpose": lambda s, x, p: s.conv_transpose(p["wt"], p["b"], x, 2, 1, 1),
    "max_pool": lambda s, x, p: s.max_pool(x, (3, 2), (2, 1), (1, 0)),
    "avg_pool": lambda s, x, p: s.avg_pool(x, (2, 2), (1, 2), (1, 1)),
    "smooth_max_pool": lambda s, x, p: s.smooth_max_pool(x, 1.7, (2, 3), 1, (1, 1)),
    "global_avg_pool2d": lambda s, x, p: s.global_avg_pool2d(x),
}


@pytest.mark.parametrize("name", sorted(UNBATCHED_OPS))
def test_unbatched_equals_batched_first_sample(name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 3, 7, 6))
    arrays = {"w": rng.standard_normal((4, 3, 3, 2)), "wt": rng.standard_normal((3, 4, 3, 2)),
              "b": rng.standard_normal(4)}
    out = {}
    for key, xv in (("batched", x), ("single", x[0])):
        s = session()
        p = {k: s.input(v, requires_grad=True) for k, v in arrays.items()}
        r = s.input(xv, requires_grad=True)
        y = UNBATCHED_OPS[name](s, r, p)
        if key == "batched":  # only sample 0 gets a cotangent: parameter gradients then agree
            cot = np.zeros(y.shape)
            cot[0] = rng.standard_normal(y.shape[1:])
        else:
            cot = out["batched"][2][0]
        grads = s.backward(y, cot)
        out[key] = (y.numpy(), grads[r], cot, {k: grads[v] for k, v in p.items()})
    yb, gb, _, pb = out["batched"]
    ys, gs, _, ps = out["single"]
    np.testing.assert_allclose(ys, yb[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gs, gb[0], rtol=1e-12, atol=1e-12)
    for k in pb:
        np.testing.assert_allclose(ps[k], pb[k], rtol=1e-12, atol=1e-12)


# ----- kernels: outputs, reuse of forward results -------------------------------------------------
def test_conv_weight_and_bias_gradients_reuse_forward_work_exactly():
    # conv_bias's im2col (kept for conv_weight_grad) and the bias gradient that comes with it
    # must equal a fresh computation; a different array with equal values never hits the memo.
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    g = rng.standard_normal((2, 4, 3, 1))
    kw = {"stride": (2, 2), "padding": (1, 0)}
    fresh_dw = conv_ops._conv_weight_grad_impl(np, x.copy(), g, kernel=(3, 3), **kw)
    conv_ops._conv_impl(np, x, w, b, **kw)
    dw = conv_ops._conv_weight_grad_impl(np, x, g, kernel=(3, 3), **kw)
    db = conv_ops._bias_grad_impl(np, g, axis=1)
    np.testing.assert_allclose(dw, fresh_dw, rtol=1e-12)
    np.testing.assert_allclose(db, g.sum((0, 2, 3)), rtol=1e-12)
    assert conv_ops._recall("bias_grads", g, (4, 1)) is None  # each entry used once


def test_conv_outputs_are_channels_first_views_of_channels_last_memory():
    s = tl.Session()
    x = s.input(np.ones((2, 3, 5, 5), np.float32))
    y = s.conv2d(s.input(np.ones((4, 3, 3, 3), np.float32)), None, x, 1, 1)
    assert y.shape == (2, 4, 5, 5) and y._v.transpose(0, 2, 3, 1).flags.c_contiguous
    np.testing.assert_allclose(y.numpy()[0, 0, 2, 2], 27.0)


def test_small_cnn_training_matches_pytorch_including_max_pool_ties():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    images = np.round(rng.random((6, 8, 1, 8, 8)) * 2) / 2  # coarse values: many ties
    labels = rng.integers(0, 10, (6, 8))
    init = [rng.uniform(-0.3, 0.3, sh) for sh in
            [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (10, 32), (10,)]]
    s = session()
    params = [s.param(v) for v in init]
    tparams = [torch.tensor(v, requires_grad=True) for v in init]
    for xb, yb in zip(images, labels):
        s.reset()
        w1, b1, w2, b2, w3, b3 = (s.use(p) for p in params)
        h = s.max_pool2d(s.relu(s.conv2d(w1, b1, s.input(xb), 1, 1)), 2)
        h = s.global_avg_pool2d(s.relu(s.conv2d(w2, b2, h, 1, 1)))
        s.cross_entropy(s.linear(w3, b3, h), s.input(yb)).backward()
        s.sgd_step(0.1)
        w1, b1, w2, b2, w3, b3 = tparams
        h = F.max_pool2d(torch.relu(F.conv2d(torch.tensor(xb), w1, b1, padding=1)), 2)
        h = torch.relu(F.conv2d(h, w2, b2, padding=1)).mean((2, 3))
        F.cross_entropy(F.linear(h, w3, b3), torch.tensor(yb)).backward()
        with torch.no_grad():
            for p in tparams:
                p -= 0.1 * p.grad
                p.grad = None
    for p, q in zip(params, tparams):
        np.testing.assert_allclose(p.value, q.detach().numpy(), rtol=1e-10, atol=1e-12)
