"""Normalisation, attention and gelu: semantics the random sweeps cannot pin down.

Fully blocked attention rows (defined as zero, never NaN), exact zero weight on blocked keys,
the standard head split, batched == unbatched, the seed's eps = 1e-6, and shape errors that
name the op and leave the tape unchanged.
"""

import inspect
import math

import numpy as np
import pytest

import torchlean as tl
from torchlean.frontend import Ops

F64 = np.float64


def session():
    return tl.Session(dtype=F64)


def mha_weights(rng, d=6, heads=2, hd=3, d_out=None):
    w = heads * hd
    return [rng.standard_normal(s) / math.sqrt(d)
            for s in [(d, w), (d, w), (d, w), (w, d if d_out is None else d_out)]]


def run_mha(weights, x, mask=None, *, num_heads, seed=None, dtype=F64):
    """Forward value and (for ``seed``) gradients of every float input."""
    s = tl.Session(dtype=dtype)
    refs = [s.input(a, requires_grad=True) for a in (*weights, x)]
    m = None if mask is None else s.input(mask)
    out = s.multi_head_attention(*refs, m, num_heads=num_heads)
    if seed is None:
        return s.value(out), None
    grads = s.backward(out, seed)
    return s.value(out), [np.asarray(grads[r]) for r in refs]


def numpy_mha_per_head(wq, wk, wv, wo, x, mask=None, *, num_heads):
    """Reference with an explicit loop over heads: head h owns columns h*hd:(h+1)*hd."""
    q, k, v = x @ wq, x @ wk, x @ wv
    hd = q.shape[1] // num_heads
    heads = []
    for h in range(num_heads):
        cols = slice(h * hd, (h + 1) * hd)
        sc = q[:, cols] @ k[:, cols].T / math.sqrt(hd)
        if mask is not None:
            sc = np.where(mask, sc, -np.inf)
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN rows where fully blocked
            e = np.exp(sc - sc.max(axis=1, keepdims=True))
            heads.append((e / e.sum(axis=1, keepdims=True)) @ v[:, cols])
    return np.concatenate(heads, axis=1) @ wo


# ----- masked softmax and fully blocked rows -----------------------------------------------------
def test_masked_softmax_blocked_entries_are_exactly_zero_even_for_huge_logits():
    s = session()
    x = s.input(np.array([[1e4, 0.0, -1e4, 3.0], [5.0, 1e30, 2.0, -7.0]]), requires_grad=True)
    mask = s.input(np.array([[False, True, True, True], [True, False, True, False]]))
    y = s.value(s.masked_softmax(x, mask))
    assert y[0, 0] == 0.0 and y[1, 1] == 0.0 and y[1, 3] == 0.0
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), [1.0, 1.0])
    e = np.exp(np.array([0.0, -1e4, 3.0]) - 3.0)
    np.testing.assert_allclose(y[0, 1:], e / e.sum())


def test_masked_softmax_fully_blocked_row_is_zero_with_zero_gradient():
    for dtype in (np.float32, F64):
        s = tl.Session(dtype=dtype)
        x = s.input(np.array([[1.0, 2.0, 3.0], [4.0, -1.0, 0.5]]), requires_grad=True)
        mask = s.input(np.array([[False, False, False], [True, False, True]]))
        y = s.masked_softmax(x, mask)
        val = s.value(y)
        np.testing.assert_array_equal(val[0], [0.0, 0.0, 0.0])
        assert np.all(np.isfinite(val))
        g = s.backward(y, np.array([[1.0, -2.0, 3.0], [0.5, 1.0, -1.0]]))[x]
        assert np.all(np.isfinite(g))
        np.testing.assert_array_equal(g[0], [0.0, 0.0, 0.0])
        assert g[1, 1] == 0.0
        t = s.jvp(y, {x: np.ones((2, 3))})
        np.testing.assert_array_equal(np.asarray(t)[0], [0.0, 0.0, 0.0])


def test_masked_softmax_mask_gets_no_gradient():
    s = session()
    x = s.input(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    mask = s.input(np.array([True, False, True]))
    grads = s.backward(s.masked_softmax(x, mask), np.array([1.0, 2.0, 3.0]))
    assert grads.get(mask) is None
    with pytest.raises(tl.NotDifferentiableError):
        grads[mask]
    assert tl.REGISTRY["masked_softmax"].vjp[1] is None


def test_masked_softmax_all_kept_equals_softmax():
    s = session()
    xv = np.random.default_rng(0).standard_normal((3, 5)) * 4
    x = s.input(xv)
    np.testing.assert_allclose(s.value(s.masked_softmax(x, s.input(np.ones((3, 5), bool)))),
                               s.value(s.softmax(x)), rtol=1e-14, atol=0)


def test_mha_fully_blocked_row_gives_zero_output_row_no_nan():
    rng = np.random.default_rng(1)
    w = mha_weights(rng)
    x = rng.standard_normal((4, 6))
    mask = np.tril(np.ones((4, 4), bool))
    mask[2] = False  # query 2 may attend to nothing
    seed = rng.standard_normal((4, 6))
    y, grads = run_mha(w, x, mask, num_heads=2, seed=seed)
    assert np.all(np.isfinite(y)) and all(np.all(np.isfinite(g)) for g in grads)
    np.testing.assert_array_equal(y[2], np.zeros(6))
    # the other rows are ordinary masked attention
    ref = numpy_mha_per_head(*w, x, mask, num_heads=2)
    np.testing.assert_allclose(np.delete(y, 2, 0), np.delete(ref, 2, 0), rtol=1e-12, atol=1e-13)
    # a cotangent on the blocked row only reaches nothing: every gradient is exactly zero
    only_row = np.zeros((4, 6))
    only_row[2] = seed[2]
    _, grads = run_mha(w, x, mask, num_heads=2, seed=only_row)
    for g in grads:
        np.testing.assert_array_equal(g, np.zeros_like(g))


def test_mha_blocked_keys_get_exactly_zero_weight():
    # With a causal mask, query 0 sees only key 0: its output row must not change, bit for bit,
    # whatever the other positions hold (a -1000 logit would leak exp(-1000 - s) > 0 weight).
    rng = np.random.default_rng(2)
    w = mha_weights(rng, d=5, heads=1, hd=4, d_out=5)
    x = rng.standard_normal((4, 5))
    mask = np.tril(np.ones((4, 4), bool))
    y1, _ = run_mha(w, x, mask, num_heads=1)
    x2 = x.copy()
    x2[1:] = rng.standard_normal((3, 5)) * 1e3
    y2, _ = run_mha(w, x2, mask, num_heads=1)
    np.testing.assert_array_equal(y1[0], y2[0])
    np.testing.assert_allclose(y1[0], (x[0] @ w[2]) @ w[3], rtol=1e-13)


# ----- batching and head split -------------------------------------------------------------------
@pytest.mark.parametrize("mask_kind", [None, "shared", "per_sample"])
def test_mha_unbatched_equals_batched_slice(mask_kind):
    rng = np.random.default_rng(3)
    w = mha_weights(rng, d=8, heads=4, hd=2)
    xb = rng.standard_normal((3, 5, 8))
    mask = {None: None, "shared": np.tril(np.ones((5, 5), bool)),
            "per_sample": rng.random((3, 5, 5)) < 0.6}[mask_kind]
    if mask is not None:
        mask[..., 0] = True
    yb, _ = run_mha(w, xb, mask, num_heads=4)
    for i in range(3):
        mi = None if mask is None else (mask if mask.ndim == 2 else mask[i])
        yi, _ = run_mha(w, xb[i], mi, num_heads=4)
        np.testing.assert_allclose(yb[i], yi, rtol=1e-12, atol=1e-14)


def test_mha_several_leading_axes():
    rng = np.random.default_rng(4)
    w = mha_weights(rng, d=4, heads=2, hd=2)
    x = rng.standard_normal((2, 3, 4, 4))
    y, _ = run_mha(w, x, num_heads=2)
    assert y.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(y[1, 2], run_mha(w, x[1, 2], num_heads=2)[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("heads,hd,n", [(1, 6, 5), (2, 3, 5), (3, 2, 4), (6, 1, 3)])
def test_mha_head_split_is_the_standard_one(heads, hd, n):
    rng = np.random.default_rng(5 + heads)
    w = mha_weights(rng, d=6, heads=heads, hd=hd)
    x = rng.standard_normal((n, 6))
    mask = np.tril(np.ones((n, n), bool))
    for m in (None, mask):
        y, _ = run_mha(w, x, m, num_heads=heads)
        np.testing.assert_allclose(y, numpy_mha_per_head(*w, x, m, num_heads=heads), rtol=1e-12, atol=1e-13)


def test_mha_head_split_is_not_the_seed_cpu_direct_reshape():
    # The seed's CPU splitHeads reshaped (n, H*hd) -> (H, n, hd) directly; that gives a different
    # answer when H > 1 and n > 1, so this test distinguishes the two.
    rng = np.random.default_rng(6)
    wq, wk, wv, wo = mha_weights(rng, d=6, heads=2, hd=3)
    x = rng.standard_normal((4, 6))
    q, k, v = ((x @ w).reshape(2, 4, 3) for w in (wq, wk, wv))
    sc = q @ k.transpose(0, 2, 1) / math.sqrt(3)
    a = np.exp(sc - sc.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    seed_cpu = (a @ v).transpose(1, 0, 2).reshape(4, 6) @ wo
    y, _ = run_mha([wq, wk, wv, wo], x, num_heads=2)
    assert not np.allclose(y, seed_cpu)


def test_mha_float32_runs_in_float32():
    rng = np.random.default_rng(7)
    w = mha_weights(rng)
    x = rng.standard_normal((4, 6))
    y32, g32 = run_mha(w, x, np.tril(np.ones((4, 4), bool)), num_heads=2, seed=np.ones((4, 6)),
                       dtype=np.float32)
    assert y32.dtype == np.float32 and all(g.dtype == np.float32 for g in g32)


def test_num_heads_is_a_required_keyword():
    p = inspect.signature(Ops.multi_head_attention).parameters["num_heads"]
    assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty


# ----- normalisation -----------------------------------------------------------------------------
def test_default_eps_is_the_seeds_1e_minus_6():
    for name in ("layer_norm", "batchnorm_channel_first", "normalize_last"):
        assert inspect.signature(getattr(Ops, name)).parameters["eps"].default == 1e-6


def test_layer_norm_uses_eps_1e_minus_6_numerically():
    # A row with variance comparable to eps: 1e-6 and PyTorch's 1e-5 give visibly different results.
    s = session()
    xv = np.array([[0.0, 2e-3], [1.0, 1.0 + 1e-3]])
    y = s.value(s.layer_norm(s.input(xv), s.input(np.ones(2)), s.input(np.zeros(2))))
    var = np.array([[1e-6], [0.25e-6]])
    expect = (xv - xv.mean(1, keepdims=True)) / np.sqrt(var + 1e-6)
    np.testing.assert_allclose(y, expect, rtol=1e-9)
    assert not np.allclose(y, (xv - xv.mean(1, keepdims=True)) / np.sqrt(var + 1e-5), rtol=1e-3)


def test_batchnorm_uses_eps_1e_minus_6_numerically():
    s = session()
    xv = np.zeros((2, 2, 2))
    xv[0] = [[0.0, 2e-3], [0.0, 2e-3]]  # channel 0: variance 1e-6
    xv[1] = [[3.0, -1.0], [1.0, 1.0]]
    g, b = np.array([2.0, 0.5]), np.array([0.1, -0.3])
    y = s.value(s.batchnorm_channel_first(s.input(xv), s.input(g), s.input(b)))
    mu = xv.mean(axis=(1, 2), keepdims=True)
    var = xv.var(axis=(1, 2), keepdims=True)
    expect = (xv - mu) / np.sqrt(var + 1e-6) * g[:, None, None] + b[:, None, None]
    np.testing.assert_allclose(y, expect, rtol=1e-9)
    np.testing.assert_allclose(y[0, 0], np.array([-1.0, 1.0]) / np.sqrt(2.0) * 2 + 0.1, rtol=1e-9)


def test_norms_on_constant_rows_give_beta_and_finite_gradients():
    s = session()
    x = s.input(np.full((2, 3), 4.0), requires_grad=True)
    g, b = s.input(np.ones(3), requires_grad=True), s.input(np.arange(3.0), requires_grad=True)
    y = s.layer_norm(x, g, b)
    np.testing.assert_array_equal(s.value(y), np.tile(np.arange(3.0), (2, 1)))
    grads = s.backward(s.sum(s.mul(y, y)))
    assert all(np.all(np.isfinite(grads[r])) for r in (x, g, b))


def test_batchnorm_is_per_sample_not_across_the_batch():
    rng = np.random.default_rng(8)
    s = session()
    xv = rng.standard_normal((3, 2, 4, 5)) * np.array([1.0, 10.0, 100.0])[:, None, None, None]
    g, b = s.input(rng.standard_normal(2)), s.input(rng.standard_normal(2))
    yb = s.value(s.batchnorm_channel_first(s.input(xv), g, b))
    for i in range(3):
        np.testing.assert_allclose(yb[i], s.value(s.batchnorm_channel_first(s.input(xv[i]), g, b)),
                                   rtol=1e-12, atol=1e-14)


def test_layer_norm_unbatched_equals_batched_slice():
    rng = np.random.default_rng(9)
    s = session()
    xv = rng.standard_normal((2, 3, 5))
    g, b = s.input(rng.standard_normal(5)), s.input(rng.standard_normal(5))
    yb = s.value(s.layer_norm(s.input(xv), g, b))
    np.testing.assert_allclose(yb[1], s.value(s.layer_norm(s.input(xv[1]), g, b)), rtol=1e-13)
    np.testing.assert_allclose(yb[1, 2], s.value(s.layer_norm(s.input(xv[1, 2]), g, b)), rtol=1e-13)


# ----- gelu --------------------------------------------------------------------------------------
def test_gelu_is_the_tanh_approximation_not_erf():
    xv = np.linspace(-4, 4, 41)
    s = session()
    y = s.value(s.gelu(s.input(xv)))
    tanh_form = 0.5 * xv * (1 + np.tanh(math.sqrt(2 / math.pi) * (xv + 0.044715 * xv ** 3)))
    erf_form = 0.5 * xv * (1 + np.vectorize(math.erf)(xv / math.sqrt(2)))
    np.testing.assert_allclose(y, tanh_form, rtol=1e-14, atol=1e-15)
    assert np.max(np.abs(y - erf_form)) > 1e-4


# ----- errors ------------------------------------------------------------------------------------
def _bad_calls(s, rng):
    """(op, method, args, kwargs) with every argument already on the tape."""
    f = lambda *shape: s.input(rng.standard_normal(shape), requires_grad=True)
    mask = lambda *shape: s.input(np.ones(shape, bool))
    w6 = [f(6, 6) for _ in range(4)]
    x = f(4, 6)
    mha = "multi_head_attention"
    bn = "batchnorm_channel_first"
    return [
        ("layer_norm", (f(3, 4), f(3), f(4)), {}),
        ("layer_norm", (f(3, 4), f(4), f(4, 1)), {}),
        ("layer_norm", (s.input(np.float64(1.0)), f(1), f(1)), {}),
        ("layer_norm", (f(3, 0), f(0), f(0)), {}),
        ("layer_norm", (f(3, 4), f(4), f(4)), {"eps": -1.0}),
        (bn, (f(3, 4), f(3), f(3)), {}),
        (bn, (f(2, 3, 4, 5, 6), f(3), f(3)), {}),
        (bn, (f(3, 4, 5), f(4), f(4)), {}),
        (bn, (f(2, 3, 4, 5), f(2), f(2)), {}),
        (bn, (f(3, 4, 5), f(3), f(3)), {"spatial_dims": 0}),
        (bn, (f(3, 4, 0), f(3), f(3)), {}),
        ("normalize_last", (s.input(np.float64(1.0)),), {}),
        ("masked_softmax", (f(3, 4), mask(3, 5)), {}),
        ("masked_softmax", (f(3, 4), mask(2, 3, 4)), {}),
        (mha, (*w6, x), {"num_heads": 4}),
        (mha, (*w6, x), {"num_heads": 0}),
        (mha, (*w6, f(4, 5)), {"num_heads": 2}),
        (mha, (*w6, f(6)), {"num_heads": 2}),
        (mha, (f(6, 6), f(6, 4), *w6[2:], x), {"num_heads": 2}),
        (mha, (*w6[:3], f(4, 6), x), {"num_heads": 2}),
        (mha, (*w6, x, mask(4, 5)), {"num_heads": 2}),
        (mha, (*w6, f(2, 4, 6), mask(3, 4, 4)), {"num_heads": 2}),
        (mha, (*w6, f(2, 4, 6), mask(4, 4, 4)), {"num_heads": 2}),
    ]


def test_bad_shapes_raise_shape_error_naming_the_op_and_leave_the_tape_unchanged():
    s = session()
    for k, (op, args, kwargs) in enumerate(_bad_calls(s, np.random.default_rng(10))):
        before = len(s)
        with pytest.raises((tl.ShapeError, tl.ArgumentError)) as info:  # bad geometry or argument
            getattr(s, op)(*args, **kwargs)
        assert str(info.value).startswith(f"{op}:"), f"case {k}: {info.value}"
        assert len(s) == before, f"case {k} ({op}) changed the tape"


def test_bad_dtypes_raise_dtype_error_naming_the_op_and_leave_the_tape_unchanged():
    s = session()
    rng = np.random.default_rng(11)
    f = lambda *shape: s.input(rng.standard_normal(shape))
    w = [f(4, 4) for _ in range(4)]
    w32 = s.input(np.ones((4, 4)), dtype=np.float32)
    cases = [
        ("masked_softmax", (f(3, 4), s.input(np.ones((3, 4), np.int64))), {}),
        ("multi_head_attention", (*w, f(3, 4), s.input(np.ones((3, 3)))), {"num_heads": 2}),
        ("multi_head_attention", (*w[:3], w32, f(3, 4)), {"num_heads": 2}),
        ("layer_norm", (f(3, 4), s.input(np.ones(4), dtype=np.float32), f(4)), {}),
    ]
    for op, args, kwargs in cases:
        before = len(s)
        with pytest.raises(tl.DTypeError, match=f"^{op}:"):
            getattr(s, op)(*args, **kwargs)
        assert len(s) == before
