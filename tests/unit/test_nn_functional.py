"""torchlean.nn.functional activations, dropout, embedding, one_hot and attention: what the random
sweeps cannot pin down (signatures, gradients at kinks, extreme inputs, index errors, fully
masked attention rows, traced behaviour, errors that name the PyTorch function)."""

import inspect
import math

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as F
from torchlean.random import uniform_host

TF = torch.nn.functional
F64 = np.float64


def session(dtype=F64):
    return tl.Session(dtype=dtype)


def grad_of(fn, xv, seed=None, **kw):
    """(value, gradient) of ``fn(x, **kw)`` at ``xv`` for the cotangent ``seed`` (ones)."""
    s = session()
    x = s.input(np.asarray(xv, F64), requires_grad=True)
    y = fn(x, **kw)
    g = s.backward(y, np.ones(y.shape) if seed is None else seed)[x]
    return s.value(y), np.asarray(g)


def torch_grad_of(fn, xv, **kw):
    x = torch.tensor(np.asarray(xv, F64), requires_grad=True)
    y = fn(x, **kw)
    (g,) = torch.autograd.grad(y, x, torch.ones_like(y))
    return y.detach().numpy(), g.numpy()


# ----- signatures -------------------------------------------------------------------------------
SIGNATURE_NAMES = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "hardtanh", "hardsigmoid",
    "hardswish", "sigmoid", "tanh", "softmax", "log_softmax", "softmin", "glu", "dropout", "embedding",
    "layer_norm", "group_norm", "batch_norm", "instance_norm", "rms_norm", "normalize", "cross_entropy",
    "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div",
]


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", SIGNATURE_NAMES)
def test_signature_is_pytorchs(name):
    assert _params(getattr(F, name)) == _params(getattr(TF, name))


def test_signatures_of_pytorch_builtins_follow_their_docs():
    # These torch functions are builtins without an inspectable signature; their docs give it.
    P, K = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
    expected = {
        "gelu": [("input", P, inspect.Parameter.empty), ("approximate", K, "none")],
        "softplus": [("input", P, inspect.Parameter.empty), ("beta", P, 1.0), ("threshold", P, 20.0)],
        "logsigmoid": [("input", P, inspect.Parameter.empty)],
        "one_hot": [("tensor", P, inspect.Parameter.empty), ("num_classes", P, -1)],
        "cosine_similarity": [("x1", P, inspect.Parameter.empty), ("x2", P, inspect.Parameter.empty),
                              ("dim", P, 1), ("eps", P, 1e-8)],
        "pairwise_distance": [("x1", P, inspect.Parameter.empty), ("x2", P, inspect.Parameter.empty),
                              ("p", P, 2.0), ("eps", P, 1e-6), ("keepdim", P, False)],
        "scaled_dot_product_attention": [
            ("query", P, inspect.Parameter.empty), ("key", P, inspect.Parameter.empty),
            ("value", P, inspect.Parameter.empty), ("attn_mask", P, None), ("dropout_p", P, 0.0),
            ("is_causal", P, False), ("scale", K, None), ("enable_gqa", K, False)],
    }
    for name, params in expected.items():
        assert _params(getattr(F, name)) == params, name
    for name in expected:
        assert f"{name}(" in (getattr(TF, name).__doc__ or ""), name


def test_every_function_is_in_all_and_namespace():
    import torchlean.pt.nn as ptnn

    for name in ptnn.__all__:  # F may take softmax/sigmoid/... from another family's module
        assert _params(getattr(F, name)) == _params(getattr(ptnn, name)), name
    assert {"relu", "gelu", "cross_entropy", "scaled_dot_product_attention", "batch_norm",
            "embedding", "one_hot", "dropout", "kl_div"} <= set(ptnn.__all__)
    assert all(callable(getattr(F, n, None)) for n in ("softmax", "log_softmax", "softmin"))


# ----- gradients at kinks are PyTorch's -------------------------------------------------------
KINKS = [
    ("relu", {}, [0.0]),
    ("relu6", {}, [0.0, 6.0]),
    ("leaky_relu", {"negative_slope": 0.2}, [0.0]),
    ("elu", {"alpha": 1.5}, [0.0]),
    ("celu", {"alpha": 0.5}, [0.0]),
    ("selu", {}, [0.0]),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, [-0.5, 2.0]),
    ("hardsigmoid", {}, [-3.0, 3.0]),
    ("hardswish", {}, [-3.0, 3.0]),
    ("softplus", {"beta": 2.0, "threshold": 3.0}, [1.5]),
]


@pytest.mark.parametrize("name,kw,points", KINKS, ids=[k[0] for k in KINKS])
def test_value_and_gradient_at_kinks_match_pytorch(name, kw, points):
    xv = np.array(points + [p + d for p in points for d in (-0.25, 0.25)])
    ours, g = grad_of(getattr(F, name), xv, **kw)
    ref, rg = torch_grad_of(getattr(TF, name), xv, **kw)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, rg, rtol=1e-7, atol=1e-15)  # hardsigmoid: torch's float32 1/6


def test_hardswish_kink_gradients_explicitly():
    _, g = grad_of(F.hardswish, [-3.0, 3.0, -4.0, 4.0])
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0, 1.0])  # PyTorch's: the open interval


def test_leaky_relu_gradient_at_zero_is_the_slope_and_relu_is_zero():
    assert grad_of(F.leaky_relu, [0.0], negative_slope=0.3)[1][0] == 0.3
    assert grad_of(F.relu, [0.0])[1][0] == 0.0


# ----- extreme inputs and accuracy ----------------------------------------------------------------
def test_elu_family_uses_expm1_bit_for_bit():
    xv = np.array([-1e-10, -1e-5, -3.0, 2.0, -30.0])
    for ours, ref in [(F.elu, TF.elu), (F.selu, TF.selu), (lambda x: F.celu(x, 0.5), lambda x: TF.celu(x, 0.5))]:
        s = session()
        np.testing.assert_array_equal(s.value(ours(s.input(xv))), ref(torch.tensor(xv)).numpy())


def test_activations_are_finite_and_match_pytorch_at_huge_inputs():
    xv = np.array([-1000.0, -50.0, 0.5, 50.0, 1000.0])
    for name in ["elu", "selu", "celu", "silu", "mish", "softplus", "logsigmoid", "sigmoid", "gelu", "tanh"]:
        ours, g = grad_of(getattr(F, name), xv)
        ref, rg = torch_grad_of(getattr(TF, name), xv)
        assert np.all(np.isfinite(ours)) and np.all(np.isfinite(g)), name
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-300, err_msg=name)
        np.testing.assert_allclose(g, rg, rtol=1e-10, atol=1e-300, err_msg=name)


def test_gelu_default_is_exact_erf_form_and_tanh_is_the_seeds():
    xv = np.linspace(-4, 4, 17)
    s = session()
    x = s.input(xv)
    exact = s.value(F.gelu(x))
    np.testing.assert_allclose(exact, TF.gelu(torch.tensor(xv)).numpy(), rtol=1e-15, atol=1e-16)
    np.testing.assert_array_equal(s.value(F.gelu(x, approximate="tanh")), s.value(s.gelu(x)))
    assert np.abs(exact - s.value(s.gelu(x))).max() > 1e-5  # the two forms really differ
    with pytest.raises(tl.ArgumentError, match="gelu: approximate"):
        F.gelu(x, approximate="sigmoid")
    with pytest.raises(tl.ArgumentError, match="gelu"):
        F.gelu(x, "tanh")  # keyword-only in PyTorch


def test_softplus_switches_to_the_identity_above_the_threshold():
    s = session()
    x = s.input(np.array([19.0, 21.0, 10.0]), requires_grad=True)
    y = F.softplus(x)
    v = s.value(y)
    assert v[1] == 21.0 and v[0] != 19.0
    np.testing.assert_array_equal(v, TF.softplus(torch.tensor([19.0, 21.0, 10.0], dtype=torch.float64)).numpy())
    assert s.backward(y.sum())[x][1] == 1.0


def test_integer_inputs_follow_pytorch():
    s = session()
    xi = s.input(np.array([-2, 0, 3, 9]))
    assert F.relu(xi).dtype == np.int64 and s.value(F.relu(xi)).tolist() == [0, 0, 3, 9]
    assert s.value(F.relu6(xi)).tolist() == [0, 0, 3, 6]
    assert s.value(F.hardtanh(xi, -1, 4)).tolist() == [-1, 0, 3, 4]
    assert F.sigmoid(xi).dtype == np.float64 and F.tanh(xi).dtype == np.float64
    for fn in (F.gelu, F.silu, F.leaky_relu, F.elu, F.logsigmoid, F.mish):
        with pytest.raises(tl.DTypeError, match=fn.__name__):
            fn(xi)
    with pytest.raises(tl.DTypeError, match="softmax"):
        F.softmax(xi, 0)
    assert F.softmax(xi, 0, dtype=np.float64).dtype == np.float64


def test_inplace_is_accepted_and_returns_a_new_tensor():
    s = session()
    xv = np.array([-1.0, 2.0])
    x = s.input(xv)
    y = F.relu(x, inplace=True)
    assert y is not x and s.value(x).tolist() == [-1.0, 2.0] and s.value(y).tolist() == [0.0, 2.0]
    assert s.value(F.hardtanh(x, inplace=True)).tolist() == [-1.0, 1.0]


def test_bad_arguments_name_the_function_and_leave_the_tape():
    s = session()
    x = s.input(np.ones((3, 4)), requires_grad=True)
    for call, err, what in [
        (lambda: F.glu(x, 0), tl.ShapeError, "glu: halving dimension must be even"),
        (lambda: F.hardtanh(x, 1.0, -1.0), tl.ArgumentError, "hardtanh: max_val"),
        (lambda: F.celu(x, 0.0), tl.ArgumentError, "celu: alpha"),
        (lambda: F.softplus(x, beta=0), tl.ArgumentError, "softplus: beta"),
        (lambda: F.leaky_relu(x, "a"), tl.ArgumentError, "leaky_relu: negative_slope"),
        (lambda: F.softmax(x, 2), tl.ShapeError, "softmax"),
        (lambda: F.softmax(np.ones(3), 0), tl.TorchLeanError, "softmax"),
        (lambda: F.dropout(x, 1.5), tl.ArgumentError, "dropout: dropout probability"),
    ]:
        before = len(s)
        with pytest.raises(err, match=what):
            call()
        assert len(s) == before


# ----- softmax family -----------------------------------------------------------------------------
def test_softmax_implicit_dim_warns_and_picks_pytorchs_dim():
    rng = np.random.default_rng(0)
    for shape in [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)]:
        xv = rng.standard_normal(shape)
        s = session()
        with pytest.warns(UserWarning, match="Implicit dimension"):
            ours = s.value(F.softmax(s.input(xv)))
        with pytest.warns(UserWarning):
            ref = TF.softmax(torch.tensor(xv)).numpy()
        np.testing.assert_allclose(ours, ref, rtol=1e-14)


def test_softmax_dtype_casts_first_and_softmin_is_softmax_of_minus_x():
    s = tl.Session(dtype=np.float32)
    xv = np.array([[1.0, 2.0, 3.0]], np.float32)
    x = s.input(xv)
    y = F.log_softmax(x, dim=1, dtype="float64")
    assert y.dtype == np.float64
    np.testing.assert_allclose(s.value(y), TF.log_softmax(torch.tensor(xv), 1, dtype=torch.float64).numpy(),
                               rtol=1e-15)
    np.testing.assert_allclose(s.value(F.softmin(x, 1)), s.value(F.softmax(-x, 1)), rtol=0)


# ----- dropout --------------------------------------------------------------------------------
def test_dropout_uses_the_session_stream_and_rescales():
    s = session()
    xv = np.arange(1.0, 41.0)
    x = s.input(xv)
    y = s.value(F.dropout(x, 0.3))
    keep = uniform_host(0, 0, (40,), dtype=F64) < 0.7
    np.testing.assert_allclose(y, np.where(keep, xv / 0.7, 0.0), rtol=1e-15)
    assert s.rng_counter == 1
    assert F.dropout(x, 0.3, training=False) is x and F.dropout(x, 0.0) is x
    assert s.rng_counter == 1  # no draw when nothing is dropped
    assert not np.any(s.value(F.dropout(x, 1.0)))


# ----- embedding ----------------------------------------------------------------------------------
def test_embedding_matches_pytorch_with_padding_idx_gradients():
    rng = np.random.default_rng(3)
    wv = rng.standard_normal((6, 3))
    ids = np.array([[1, 5, 1], [0, 5, 2]])
    seed = rng.standard_normal((2, 3, 3))
    for pad in (None, 5, -1, 1):
        s = session()
        w = s.input(wv, requires_grad=True)
        y = F.embedding(s.input(ids), w, padding_idx=pad)
        g = np.asarray(s.backward(y, seed)[w])
        tw = torch.tensor(wv, requires_grad=True)
        ty = TF.embedding(torch.tensor(ids), tw, padding_idx=pad)
        (tg,) = torch.autograd.grad(ty, tw, torch.tensor(seed))
        np.testing.assert_array_equal(s.value(y), ty.detach().numpy())
        np.testing.assert_allclose(g, tg.numpy(), rtol=1e-15)
        if pad is not None:
            assert not np.any(g[pad % 6]) and np.any(s.value(y)[ids == pad % 6])


def test_embedding_out_of_range_ids_raise_eagerly_and_compiled():
    s = session()
    w = s.input(np.ones((4, 2)))
    for bad in ([0, 4], [-1, 2]):
        before = len(s)
        with pytest.raises(tl.ArgumentError, match="embedding: index"):
            F.embedding(s.input(np.array(bad)), w)
        assert len(s) == before + 1  # only the ids' own input leaf
    c = tl.compile_out(lambda ops, i, w: F.embedding(i, w), [((3,), np.int64), (4, 2)], tl.Options(dtype=F64))
    np.testing.assert_array_equal(c.forward(np.array([3, 0, 1]), np.eye(4, 2)), np.eye(4, 2)[[3, 0, 1]])
    with pytest.raises(tl.ArgumentError, match="out of range"):
        c.forward(np.array([3, 0, 9]), np.eye(4, 2))


def test_embedding_unsupported_arguments_raise():
    s = session()
    ids, w = s.input(np.array([0, 1])), s.input(np.ones((3, 2)))
    with pytest.raises(tl.ArgumentError, match="max_norm"):
        F.embedding(ids, w, max_norm=1.0)
    with pytest.raises(tl.ArgumentError, match="scale_grad_by_freq"):
        F.embedding(ids, w, scale_grad_by_freq=True)
    with pytest.raises(tl.ArgumentError, match="padding_idx"):
        F.embedding(ids, w, padding_idx=3)
    with pytest.raises(tl.DTypeError, match="embedding: input"):
        F.embedding(s.input(np.array([0.0, 1.0])), w)
    with pytest.raises(tl.ShapeError, match="2-D"):
        F.embedding(ids, s.input(np.ones(3)))
    assert F.embedding(ids, w, sparse=True).shape == (2, 2)


# ----- one_hot ------------------------------------------------------------------------------------
def test_one_hot_is_int64_and_infers_num_classes_eagerly():
    s = session()
    lab = np.array([[0, 3], [1, 1]])
    y = F.one_hot(s.input(lab))
    assert y.dtype == np.int64 and y.shape == (2, 2, 4)
    np.testing.assert_array_equal(s.value(y), TF.one_hot(torch.tensor(lab)).numpy())
    np.testing.assert_array_equal(s.value(F.one_hot(s.input(lab), 6)), TF.one_hot(torch.tensor(lab), 6).numpy())


def test_one_hot_refuses_out_of_range_classes_and_traced_inference():
    s = session()
    for bad, n in [([0, -1], 3), ([0, 3], 3), ([1], 0)]:
        with pytest.raises(tl.ArgumentError, match="one_hot: index"):
            F.one_hot(s.input(np.array(bad)), n)
    with pytest.raises(tl.ArgumentError, match="empty"):
        F.one_hot(s.input(np.zeros(0, np.int64)))
    with pytest.raises(tl.TorchLeanError, match="num_classes=-1"):
        tl.compile_out(lambda ops, t: F.one_hot(t), [((3,), np.int64)])
    c = tl.compile_out(lambda ops, t: F.one_hot(t, 3), [((3,), np.int64)])
    np.testing.assert_array_equal(c.forward(np.array([2, 0, 1])), np.eye(3, dtype=np.int64)[[2, 0, 1]])
    with pytest.raises(tl.ArgumentError):
        c.forward(np.array([2, 0, 3]))


# ----- scaled_dot_product_attention ---------------------------------------------------------------
def _sdpa_both(q, k, v, mask=None, seed=None, **kw):
    """(ours, torch) forward values and gradients of q, k, v."""
    s = session()
    refs = [s.input(a, requires_grad=True) for a in (q, k, v)]
    m = None if mask is None else s.input(mask)
    y = F.scaled_dot_product_attention(*refs, m, **kw)
    seed = np.ones(y.shape) if seed is None else seed
    grads = s.backward(y, seed)
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    ty = TF.scaled_dot_product_attention(*ts, None if mask is None else torch.tensor(mask), **kw)
    tg = torch.autograd.grad(ty, ts, torch.tensor(seed))
    return (s.value(y), [np.asarray(grads[r]) for r in refs]), (ty.detach().numpy(), [g.numpy() for g in tg])


def test_sdpa_fully_masked_query_gives_zeros_like_pytorch_2_13():
    rng = np.random.default_rng(4)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 2))
    mask = np.ones((3, 5), bool)
    mask[1] = False
    (y, g), (ty, tg) = _sdpa_both(q, k, v, mask)
    np.testing.assert_array_equal(y[:, 1], 0.0)
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-14)
    for a, b in zip(g, tg):
        assert np.all(np.isfinite(a))
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    fmask = np.where(mask, 0.0, -np.inf)
    (y2, _), (ty2, _) = _sdpa_both(q, k, v, fmask)
    np.testing.assert_array_equal(y2[:, 1], 0.0)
    np.testing.assert_allclose(y2, ty2, rtol=1e-12, atol=1e-14)


def test_sdpa_causal_blocked_keys_have_exactly_zero_weight():
    rng = np.random.default_rng(5)
    q, k, v = (rng.standard_normal((1, 4, 3)) for _ in range(3))
    s = session()
    y1 = s.value(F.scaled_dot_product_attention(s.input(q), s.input(k), s.input(v), is_causal=True))
    k2, v2 = k.copy(), v.copy()
    k2[:, 1:], v2[:, 1:] = 1e3, 1e3
    y2 = s.value(F.scaled_dot_product_attention(s.input(q), s.input(k2), s.input(v2), is_causal=True))
    np.testing.assert_array_equal(y1[:, 0], v[:, 0])
    np.testing.assert_array_equal(y1[:, 0], y2[:, 0])


def test_sdpa_scale_default_and_errors():
    rng = np.random.default_rng(6)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    (y, _), (ty, _) = _sdpa_both(q, k, v, scale=0.1)
    np.testing.assert_allclose(y, ty, rtol=1e-12)
    s = session()
    qq, kk, vv = s.input(q), s.input(k), s.input(v)
    w = s.value(F.scaled_dot_product_attention(qq, kk, vv))
    e = np.exp(q @ k.T / math.sqrt(4) - (q @ k.T / math.sqrt(4)).max(1, keepdims=True))
    np.testing.assert_allclose(w, (e / e.sum(1, keepdims=True)) @ v, rtol=1e-12)
    mask, int_mask, bad_mask = (s.input(np.ones(sh, dt)) for sh, dt in [((3, 5), bool), ((3, 5), np.int64),
                                                                          ((2, 5), bool)])
    for call, err, what in [
        (lambda: F.scaled_dot_product_attention(qq, kk, vv, mask, is_causal=True), tl.ArgumentError, "not both"),
        (lambda: F.scaled_dot_product_attention(qq, kk, vv, enable_gqa=True), tl.ArgumentError, "enable_gqa"),
        (lambda: F.scaled_dot_product_attention(qq, kk, vv, int_mask), tl.DTypeError,
         "attn_mask"),
        (lambda: F.scaled_dot_product_attention(qq, vv, kk), tl.ShapeError, "scaled_dot_product_attention"),
        (lambda: F.scaled_dot_product_attention(qq, kk, vv, bad_mask), tl.ShapeError,
         "broadcast"),
    ]:
        before = len(s)
        with pytest.raises(err, match=what):
            call()
        assert len(s) == before


def test_sdpa_dropout_draws_from_the_session_stream():
    rng = np.random.default_rng(7)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 2))
    outs = []
    for _ in range(2):
        s = session()
        y = F.scaled_dot_product_attention(s.input(q), s.input(k), s.input(v), dropout_p=0.5)
        outs.append(s.value(y))
        assert s.rng_counter == 1
    np.testing.assert_array_equal(outs[0], outs[1])
    s = session()
    ref = s.value(F.scaled_dot_product_attention(s.input(q), s.input(k), s.input(v)))
    assert not np.allclose(outs[0], ref)
    # the same as dropping the attention weights by hand with the counter-0 mask
    sc = q @ k.transpose(0, 2, 1) / 2.0
    a = np.exp(sc - sc.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    keep = uniform_host(0, 0, a.shape, dtype=F64) < 0.5
    np.testing.assert_allclose(outs[0], (a * keep / 0.5) @ v, rtol=1e-12)


def test_functions_trace_into_compiled_graphs_with_gradients():
    rng = np.random.default_rng(8)
    xv = rng.standard_normal((2, 3, 4))

    def fn(ops, x):
        h = F.gelu(F.layer_norm(x, (4,)))
        return F.scaled_dot_product_attention(h, h, h, is_causal=True).sum()

    c = tl.compile_scalar(fn, [(2, 3, 4)], tl.Options(dtype=F64))
    val, (g,) = c.value_and_grad(xv)
    s = session()
    x = s.input(xv, requires_grad=True)
    y = fn(s, x)
    np.testing.assert_allclose(val, s.value(y), rtol=1e-13)
    np.testing.assert_allclose(g, s.backward(y)[x], rtol=1e-12)
