"""torchlean.nn.functional normalisation and distances: PyTorch's defaults, batch/instance norm
running statistics (updated in place as PyTorch, eagerly; refused where they cannot be), traced
behaviour, zero vectors, and errors that name the function."""

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as F
from torchlean.pt.dispatch import is_tensor

TF = torch.nn.functional
F64 = np.float64


def session(dtype=F64):
    return tl.Session(dtype=dtype)


def test_layer_norm_uses_pytorchs_eps_and_any_trailing_dims():
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((2, 3, 4)) * 1e-3  # small variance: eps matters
    s = session()
    x = s.input(xv)
    for ns in [(4,), (3, 4), [2, 3, 4]]:
        np.testing.assert_allclose(s.value(F.layer_norm(x, ns)), TF.layer_norm(torch.tensor(xv), ns).numpy(),
                                   rtol=1e-10, atol=1e-12)
    assert not np.allclose(s.value(F.layer_norm(x, (4,))), TF.layer_norm(torch.tensor(xv), (4,), eps=1e-6).numpy(),
                           rtol=1e-4)
    np.testing.assert_allclose(s.value(F.layer_norm(x, 4)), s.value(F.layer_norm(x, (4,))), rtol=0)
    g = s.input(np.ones(4))
    with pytest.raises(tl.ShapeError, match=r"layer_norm: given normalized_shape=\[3\]"):
        F.layer_norm(x, (3,))
    with pytest.raises(tl.ShapeError, match="layer_norm: expected weight of shape"):
        F.layer_norm(x, (3, 4), g)
    with pytest.raises(tl.ArgumentError, match="normalized_shape"):
        F.layer_norm(x, ())


def test_rms_norm_default_eps_is_the_dtypes_epsilon():
    rng = np.random.default_rng(1)
    for dt, tdt in [(np.float32, torch.float32), (F64, torch.float64)]:
        xv = (rng.standard_normal((3, 4)) * 1e-4).astype(dt)
        s = session(dt)
        ours = s.value(F.rms_norm(s.input(xv), [4]))
        ref = TF.rms_norm(torch.tensor(xv, dtype=tdt), [4]).numpy()
        np.testing.assert_allclose(ours, ref, rtol=1e-6 if dt == np.float32 else 1e-13)


def test_group_norm_checks_groups():
    s = session()
    x = s.input(np.ones((2, 6, 3)))
    with pytest.raises(tl.ShapeError, match="divisible by num_groups"):
        F.group_norm(x, 4)
    with pytest.raises(tl.ArgumentError, match="more than 1 value"):
        F.group_norm(s.input(np.ones((1, 2, 1))), 2)
    with pytest.raises(tl.ShapeError, match="group_norm: expected weight of shape"):
        F.group_norm(x, 3, s.input(np.ones(3)))


# ----- batch norm running statistics ------------------------------------------------------------
def _torch_bn_steps(xs, rm0, rv0, **kw):
    rm, rv = torch.tensor(rm0), torch.tensor(rv0)
    outs = [TF.batch_norm(torch.tensor(x), rm, rv, training=True, **kw).numpy() for x in xs]
    return outs, rm.numpy(), rv.numpy()


@pytest.mark.parametrize("kind", ["param", "array"])
def test_batch_norm_training_updates_running_statistics_as_pytorch(kind):
    rng = np.random.default_rng(2)
    xs = [rng.standard_normal((4, 3, 2, 2)) * 2 + 1 for _ in range(3)]
    rm0, rv0 = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    s = session()
    if kind == "param":
        rm, rv = s.param(rm0, requires_grad=False), s.param(rv0, requires_grad=False)
    else:
        rm, rv = rm0.copy(), rv0.copy()
    outs = [s.value(F.batch_norm(s.input(x), rm, rv, training=True, momentum=0.3)) for x in xs]
    touts, trm, trv = _torch_bn_steps(xs, rm0, rv0, momentum=0.3)
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)
    got_m, got_v = (rm.value, rv.value) if kind == "param" else (rm, rv)
    np.testing.assert_allclose(got_m, trm, rtol=1e-13)
    np.testing.assert_allclose(got_v, trv, rtol=1e-13)  # the unbiased batch variance
    # evaluation mode normalises with them
    xe = rng.standard_normal((2, 3, 2, 2))
    ye = s.value(F.batch_norm(s.input(xe), rm, rv))
    np.testing.assert_allclose(ye, TF.batch_norm(torch.tensor(xe), torch.tensor(trm), torch.tensor(trv)).numpy(),
                               rtol=1e-12, atol=1e-14)


def test_batch_norm_2d_input_and_gradients_like_pytorch():
    rng = np.random.default_rng(3)
    xv, wv, bv = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(3)
    seed = rng.standard_normal((5, 3))
    rm = np.zeros(3)
    s = session()
    refs = [s.input(a, requires_grad=True) for a in (xv, wv, bv)]
    y = F.batch_norm(refs[0], rm, np.ones(3), refs[1], refs[2], training=True)
    grads = s.backward(y, seed)
    ts = [torch.tensor(a, requires_grad=True) for a in (xv, wv, bv)]
    trm = torch.zeros(3, dtype=torch.float64)
    ty = TF.batch_norm(ts[0], trm, torch.ones(3, dtype=torch.float64), ts[1], ts[2], training=True)
    tg = torch.autograd.grad(ty, ts, torch.tensor(seed))
    np.testing.assert_allclose(s.value(y), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    for r, t in zip(refs, tg):
        np.testing.assert_allclose(grads[r], t.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-14)


def test_batch_norm_running_statistics_take_no_gradient():
    s = session()
    rm, rv = s.input(np.zeros(2), requires_grad=True), s.input(np.ones(2), requires_grad=True)
    x = s.input(np.arange(6.0).reshape(3, 2), requires_grad=True)
    grads = s.backward(F.batch_norm(x, rm, rv).sum())
    assert not np.any(grads[rm]) and not np.any(grads[rv])
    np.testing.assert_allclose(grads[x], np.full((3, 2), 1 / np.sqrt(1 + 1e-5)), rtol=1e-15)


def test_batch_norm_refusals_leave_everything_unchanged():
    s = session()
    x = s.input(np.arange(12.0).reshape(4, 3))
    p = s.param(np.zeros(3), requires_grad=False)
    arr = np.zeros(3)
    t, w2, one = s.input(np.zeros(3)), s.input(np.ones(2)), s.input(np.ones((1, 3)))
    for call, err, what in [
        (lambda: F.batch_norm(x, t, t, training=True), tl.ArgumentError, "running_mean is a tensor"),
        (lambda: F.batch_norm(x, None, None), tl.ArgumentError, "evaluation mode"),
        (lambda: F.batch_norm(x, p, arr, w2, training=True), tl.ShapeError, "weight"),
        (lambda: F.batch_norm(x, np.zeros(2), None, training=True), tl.ShapeError, "running_mean of shape"),
        (lambda: F.batch_norm(x, np.zeros(3, np.float32), None, training=True), tl.DTypeError, "running_mean"),
        (lambda: F.batch_norm(x, [0.0, 0.0, 0.0], None, training=True), tl.ArgumentError, "running_mean must be"),
        (lambda: F.batch_norm(one, p, None, training=True), tl.ArgumentError, "more than 1"),
        (lambda: F.batch_norm(x, p, arr, training=True, eps=0.0), tl.ArgumentError, "eps"),
    ]:
        before = len(s)
        with pytest.raises(err, match=what):
            call()
        assert len(s) == before
    assert not np.any(p.value) and not np.any(arr)


def test_batch_norm_traced_reads_tensors_and_refuses_updates():
    rng = np.random.default_rng(4)
    xv, rmv, rvv = rng.standard_normal((4, 3, 2)), rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    c = tl.compile_out(lambda ops, x, rm, rv: F.batch_norm(x, rm, rv), [(4, 3, 2), (3,), (3,)],
                       tl.Options(dtype=F64))
    np.testing.assert_allclose(c.forward(xv, rmv, rvv), TF.batch_norm(*map(torch.tensor, (xv, rmv, rvv))).numpy(),
                               rtol=1e-12, atol=1e-14)
    c2 = tl.compile_out(lambda ops, x: F.batch_norm(x, None, None, training=True), [(4, 3, 2)], tl.Options(dtype=F64))
    np.testing.assert_allclose(c2.forward(xv), TF.batch_norm(torch.tensor(xv), None, None, training=True).numpy(),
                               rtol=1e-12, atol=1e-14)
    p = tl.Param(np.zeros(3, F64), requires_grad=False)
    with pytest.raises(tl.ArgumentError, match="compile_out/compile_scalar graph does not write"):
        tl.compile_out(lambda ops, x: F.batch_norm(x, p, p, training=True), [(4, 3, 2)], tl.Options(dtype=F64))
    with pytest.raises(tl.ArgumentError, match="NumPy array, which a traced graph cannot"):
        tl.compile_out(lambda ops, x: F.batch_norm(x, np.zeros(3), None, training=True), [(4, 3, 2)],
                       tl.Options(dtype=F64))
    if is_tensor(p):  # binders that take Params as tensors capture it as an extra graph input
        c4 = tl.compile_out(lambda ops, x: F.batch_norm(x, p, p), [(4, 3, 2)], tl.Options(dtype=F64))
        np.testing.assert_allclose(c4.forward(xv, p.value), xv / np.sqrt(1e-5), rtol=1e-12)
    else:
        with pytest.raises(tl.ArgumentError, match="traced graph cannot read"):
            tl.compile_out(lambda ops, x: F.batch_norm(x, p, p), [(4, 3, 2)], tl.Options(dtype=F64))
    arr = np.ones(3)
    c3 = tl.compile_out(lambda ops, x: F.batch_norm(x, arr * 0, arr), [(4, 3, 2)], tl.Options(dtype=F64))
    np.testing.assert_allclose(c3.forward(xv), xv / np.sqrt(1 + 1e-5), rtol=1e-14)


@pytest.mark.parametrize("fn", ["batch_norm", "instance_norm"])
def test_running_statistics_update_alike_eagerly_and_in_tl_compile(fn):
    rng = np.random.default_rng(6)
    xs = [rng.standard_normal((4, 3, 5)) * 2 + 1 for _ in range(3)]
    rm0, rv0 = rng.standard_normal(3), rng.uniform(0.5, 2, 3)

    def step(x, rm, rv):
        if fn == "batch_norm":
            return F.batch_norm(x, rm, rv, training=True, momentum=0.3)
        return F.instance_norm(x, rm, rv, momentum=0.3)

    s = session()
    bufs = {mode: (tl.Buffer(rm0.copy()), tl.Buffer(rv0.copy())) for mode in ("eager", "compiled")}
    compiled = tl.compile(lambda x: step(x, *bufs["compiled"]))
    trm, trv = torch.tensor(rm0), torch.tensor(rv0)
    for x in xs:
        ye = s.value(step(s.input(x), *bufs["eager"]))
        yc = s.value(compiled(s.input(x)))
        ty = getattr(TF, fn)(torch.tensor(x), trm, trv, **({"training": True} if fn == "batch_norm" else {}),
                             momentum=0.3).numpy()
        np.testing.assert_array_equal(ye, yc)
        np.testing.assert_allclose(ye, ty, rtol=1e-12, atol=1e-14)
        for e, c, t in zip(bufs["eager"], bufs["compiled"], (trm, trv)):
            np.testing.assert_array_equal(e.value, c.value)
            np.testing.assert_allclose(e.value, t.numpy(), rtol=1e-13)
    assert compiled.cache_size == 1 and not np.array_equal(bufs["eager"][0].value, rm0)


def test_instance_norm_running_statistics_as_pytorch():
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((3, 2, 5)) * 2 + 1
    rm0, rv0 = rng.standard_normal(2), rng.uniform(0.5, 2, 2)
    s = session()
    rm, rv = s.param(rm0, requires_grad=False), rv0.copy()
    y = s.value(F.instance_norm(s.input(xv), rm, rv, momentum=0.2))
    trm, trv = torch.tensor(rm0), torch.tensor(rv0)
    ty = TF.instance_norm(torch.tensor(xv), trm, trv, momentum=0.2).numpy()
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rm.value, trm.numpy(), rtol=1e-13)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-13)
    ye = s.value(F.instance_norm(s.input(xv), rm, rv, use_input_stats=False))
    np.testing.assert_allclose(ye, TF.instance_norm(torch.tensor(xv), trm, trv, use_input_stats=False).numpy(),
                               rtol=1e-12, atol=1e-14)
    with pytest.raises(tl.ArgumentError, match="more than 1 spatial"):
        F.instance_norm(s.input(np.ones((2, 3, 1))))


# ----- normalize, cosine similarity, pairwise distance ----------------------------------------------
def _both(fn, tfn, arrays, **kw):
    s = session()
    refs = [s.input(a, requires_grad=True) for a in arrays]
    y = fn(*refs, **kw)
    grads = s.backward(y, np.ones(y.shape))
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = tfn(*ts, **kw)
    tg = torch.autograd.grad(ty, ts, torch.ones_like(ty))
    np.testing.assert_allclose(s.value(y), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    for r, t in zip(refs, tg):
        assert np.all(np.isfinite(grads[r]))
        np.testing.assert_allclose(grads[r], t.numpy(), rtol=1e-10, atol=1e-12)


def test_zero_vectors_match_pytorch_values_and_gradients():
    a = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    b = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    _both(F.normalize, TF.normalize, [a])
    _both(F.normalize, TF.normalize, [a], p=1.0, dim=0)
    _both(F.cosine_similarity, TF.cosine_similarity, [a, b])
    _both(F.pairwise_distance, TF.pairwise_distance, [a, a])
    _both(F.pairwise_distance, TF.pairwise_distance, [a, b], p=1.0, keepdim=True)


def test_normalize_and_distances_refuse_what_they_cannot_do():
    s = session()
    x = s.input(np.ones((2, 3)))
    with pytest.raises(tl.ArgumentError, match="normalize: p=inf"):
        F.normalize(x, p=float("inf"))
    with pytest.raises(tl.ArgumentError, match="out="):
        F.normalize(x, out=x)
    with pytest.raises(tl.ShapeError, match="cosine_similarity"):
        F.cosine_similarity(x, s.input(np.ones((2, 4))))
    with pytest.raises(tl.DTypeError, match="pairwise_distance"):
        F.pairwise_distance(x, s.input(np.ones((2, 3)), dtype=np.float32))
    assert F.pairwise_distance(s.input(np.array(1.0)), s.input(np.array(3.0))).shape == ()


def test_norms_take_any_finite_eps_as_pytorch():
    # PyTorch's layer/group/rms/instance norms accept a negative eps (NaN where var + eps < 0);
    # the seed's s.layer_norm keeps refusing one.
    rng = np.random.default_rng(6)
    xv = rng.standard_normal((2, 4, 6)) * 3
    s = session()
    x = s.input(xv)
    tx = torch.tensor(xv)
    with np.errstate(invalid="ignore"):
        for ours, ref in [(F.layer_norm(x, (6,), eps=-0.5), TF.layer_norm(tx, (6,), eps=-0.5)),
                          (F.group_norm(x, 2, eps=-0.5), TF.group_norm(tx, 2, eps=-0.5)),
                          (F.rms_norm(x, (6,), eps=-0.5), TF.rms_norm(tx, (6,), eps=-0.5)),
                          (F.instance_norm(x, eps=-0.5), TF.instance_norm(tx, eps=-0.5))]:
            np.testing.assert_allclose(s.value(ours), ref.numpy(), rtol=1e-12, atol=1e-14, equal_nan=True)
    with pytest.raises(tl.ArgumentError, match="eps"):
        s.layer_norm(x, s.input(np.ones(6)), s.input(np.zeros(6)), eps=-0.5)
    with pytest.raises(tl.ArgumentError, match="batch_norm: eps"):
        F.batch_norm(x, None, None, training=True, eps=-0.5)


def test_group_norm_of_an_empty_batch():
    s = session()
    y = F.group_norm(s.input(np.zeros((0, 4, 3))), 2)
    assert y.shape == (0, 4, 3)
