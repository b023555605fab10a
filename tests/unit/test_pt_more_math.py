"""``pt/more_math.py``, ``pt/more_shape.py`` and ``pt/more_creation.py`` against torch (float64).

Values and gradients eagerly and under ``tl.compile``, the options (``right``/``side``/``sorter``,
``dx``/``x``, weights, ``alpha``...), edge cases (infinities, NaN, empty and 0-d inputs) and the
errors (type, message naming the op, nothing recorded).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl

RNG = np.random.default_rng(11)


def run_both(fn, tfn, arrays, compiled=True, rtol=1e-12, grad=True):
    """fn on torchlean tensors (eager and compiled) vs tfn on torch tensors: values, dtypes and
    the gradient of sum(out * cot) for every float input."""
    arrays = [np.asarray(a) for a in arrays]
    ts = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ref = tfn(*ts)
    cot = RNG.standard_normal(tuple(ref.shape))
    if ref.requires_grad:
        (ref * torch.tensor(cot)).sum().backward()
    for mode in ("eager", "compiled") if compiled else ("eager",):
        s = tl.Session(dtype=np.float64)
        xs = [s.input(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        out = (tl.compile(fn) if mode == "compiled" else fn)(*xs)
        assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", "")), (mode, out.dtype, ref.dtype)
        assert out.shape == tuple(ref.shape), (mode, out.shape, ref.shape)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=rtol, atol=rtol, err_msg=mode)
        if ref.requires_grad:
            (out * s.input(cot)).sum().backward()
            for x, t in zip(xs, ts):
                if t.grad is not None:
                    assert x.grad is not None, mode
                    np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=rtol * 100, atol=rtol,
                                               err_msg=f"{mode} gradient")


# ----- logaddexp, rsub ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_values_gradients_broadcast(name):
    a, b = RNG.standard_normal((3, 4)) * 30, RNG.standard_normal(4) * 30
    run_both(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(torch, name)(x, y), [a, b])
    run_both(lambda x, y: getattr(tl, name)(x, y), lambda x, y: getattr(torch, name)(x, y), [a, b], compiled=False)


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_infinities_as_torch(name):
    a = np.array([np.inf, -np.inf, -np.inf, 1e308, 3.0, np.nan])
    b = np.array([np.inf, -np.inf, 2.0, 1e308, 3.0, 1.0])
    s = tl.Session(dtype=np.float64)
    with np.errstate(all="raise"):  # no floating-point warnings from the kernels (inf - inf)
        got = getattr(tl, name)(s.input(a), s.input(b)).numpy()
    np.testing.assert_array_equal(got, getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())


def test_logaddexp_gradient_at_equal_infinities_is_half():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.array([-np.inf, 2.0]), requires_grad=True)
    tl.logaddexp(x, s.input(np.array([-np.inf, 2.0]))).sum().backward()
    assert np.asarray(x.grad).tolist() == [0.5, 0.5]


def test_rsub_alpha_numbers_and_promotion():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    run_both(lambda x, y: tl.rsub(x, y, alpha=2.5), lambda x, y: torch.rsub(x, y, alpha=2.5), [a, b])
    run_both(lambda x: tl.rsub(x, 3.0), lambda x: torch.rsub(x, 3.0), [a])
    s = tl.Session(dtype=np.float64)
    i = s.input(np.array([1, 2, 3]))
    assert tl.rsub(i, 10, alpha=2).numpy().tolist() == [8, 6, 4] and tl.rsub(i, 10).dtype == np.int64


# ----- renorm, trapezoid, cov --------------------------------------------------------------------
@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 1.0), (1, 1, 2.0), (3.5, -1, 0.5), (float("inf"), 0, 0.8)])
def test_renorm(p, dim, maxnorm):
    x = RNG.standard_normal((3, 4, 2)) * 2
    run_both(lambda v: v.renorm(p, dim, maxnorm), lambda v: torch.renorm(v, p, dim, maxnorm), [x])


def test_renorm_small_slices_untouched():
    x = np.array([[0.5, -0.3], [3.0, 4.0], [0.0, 0.0]])
    run_both(lambda v: tl.renorm(v, 2, 0, 1.0), lambda v: torch.renorm(v, 2, 0, 1.0), [x])
    s = tl.Session(dtype=np.float64)
    assert tl.renorm(s.input(x), 2, 0, 1.0).numpy()[0].tolist() == [0.5, -0.3]


@pytest.mark.parametrize("case", ["dx1", "dx", "x1d", "xbcast", "xfull"])
@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
def test_trapezoid_family(name, case):
    if name == "trapz" and case == "dx":
        kw, extra = {"dx": 0.25, "dim": 0}, []
    else:
        kw, extra = {"dx1": ({}, []), "dx": ({"dx": 0.25, "dim": 0}, []),
                     "x1d": ({"dim": 1}, [np.sort(RNG.standard_normal(4))]),
                     "xbcast": ({"dim": 1}, [RNG.standard_normal((4, 5))]),
                     "xfull": ({"dim": -1}, [RNG.standard_normal((3, 4, 5))])}[case]
    y = RNG.standard_normal((3, 4, 5))
    tf = getattr(torch, name)
    run_both(lambda *v: getattr(tl, name)(*v, **kw), lambda *v: tf(*v, **kw), [y, *extra])


def test_trapezoid_integers_and_single_point():
    s = tl.Session(dtype=np.float64)
    assert tl.trapezoid(s.input(np.array([1, 2, 4]))).numpy().item() == 4.5
    assert tl.trapezoid(s.input(np.array([[3.0], [4.0]]))).numpy().tolist() == [0.0, 0.0]
    assert tl.cumulative_trapezoid(s.input(np.array([2.0]))).shape == (0,)


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_cov_weights_and_corrcoef(correction):
    x = RNG.standard_normal((3, 7))
    fw, aw = RNG.integers(1, 4, 7), RNG.uniform(0.5, 2.0, 7)
    run_both(lambda v: v.cov(correction=correction), lambda v: torch.cov(v, correction=correction), [x])
    run_both(lambda v, f, a: tl.cov(v, correction=correction, fweights=f, aweights=a),
             lambda v, f, a: torch.cov(v, correction=correction, fweights=f, aweights=a), [x, fw, aw])
    run_both(lambda v, f: tl.cov(v, correction=correction, fweights=f),
             lambda v, f: torch.cov(v, correction=correction, fweights=f), [x, fw])
    run_both(lambda v: v.corrcoef(), lambda v: torch.corrcoef(v), [x])


def test_cov_shapes_integers_and_degenerate_factor():
    s = tl.Session(dtype=np.float64)
    v = np.array([1.0, 4.0, 2.0, 8.0])
    assert tl.cov(s.input(v)).shape == () and np.isclose(tl.cov(s.input(v)).item(), np.cov(v))
    assert np.isclose(tl.cov(s.input(np.array([[1, 2, 4], [0, 3, 3]]))).numpy(), np.cov([[1, 2, 4], [0, 3, 3]])).all()
    with np.errstate(all="ignore"):
        got = tl.cov(s.input(np.array([[1.0], [2.0]]))).numpy()  # one observation: factor 0
    with pytest.warns(UserWarning, match="degrees of freedom"):  # torch warns; torchlean does not
        want = torch.cov(torch.tensor([[1.0], [2.0]], dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert tl.corrcoef(s.input(v)).item() == 1.0


# ----- take, isin, searchsorted, bucketize, diagflat, broadcasting ---------------------------------
def test_take_negative_indices_and_gradient():
    x, i = RNG.standard_normal((3, 4)), np.array([[0, -1, 5], [11, -12, 3]])
    run_both(lambda v, j: v.take(j), lambda v, j: torch.take(v, j), [x, i])
    run_both(lambda v, j: tl.take(v, j), lambda v, j: torch.take(v, j), [x, np.array(7)])


def test_take_out_of_range_raises_when_run():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones((2, 2)))
    with pytest.raises(tl.TorchLeanError, match="take"):
        tl.take(x, s.input(np.array([4])))


@pytest.mark.parametrize("invert", [False, True])
def test_isin(invert):
    e, t = RNG.integers(0, 8, (3, 5)), RNG.integers(0, 8, 6)
    run_both(lambda a, b: tl.isin(a, b, invert=invert), lambda a, b: torch.isin(a, b, invert=invert), [e, t])
    f = np.array([1.0, np.nan, 2.5, 3.0])
    run_both(lambda a, b: tl.isin(a, b, invert=invert), lambda a, b: torch.isin(a, b, invert=invert),
             [f, np.array([np.nan, 3.0, 2.0])], grad=False)
    s = tl.Session(dtype=np.float64)
    x = s.input(f)
    assert tl.isin(x, 2.5).numpy().tolist() == [False, False, True, False]
    assert tl.isin(3.0, x).numpy().item() is True and tl.isin(3.0, x).shape == ()
    assert tl.isin(x, s.input(np.zeros(0))).numpy().tolist() == [False] * 4


SIDES = [{}, {"right": True}, {"side": "left"}, {"side": "right"}, {"right": True, "side": "right"}]


@pytest.mark.parametrize("kw", SIDES)
def test_searchsorted_sides_batches_and_nan(kw):
    seq = np.sort(RNG.integers(0, 6, (2, 3, 7)).astype(float), -1)
    v = RNG.integers(-1, 8, (2, 3, 4)).astype(float)
    v[0, 0, 0] = np.nan
    run_both(lambda a, b: tl.searchsorted(a, b, **kw), lambda a, b: torch.searchsorted(a, b, **kw), [seq, v],
             grad=False)
    flat = np.sort(RNG.integers(0, 6, 9)).astype(float)
    run_both(lambda a, b: tl.searchsorted(a, b, **kw), lambda a, b: torch.searchsorted(a, b, **kw), [flat, v],
             grad=False)


def test_searchsorted_sorter_scalar_and_bucketize():
    raw = RNG.standard_normal(6)
    order = np.argsort(raw)
    v = RNG.standard_normal((2, 3))
    run_both(lambda a, b, o: tl.searchsorted(a, b, sorter=o), lambda a, b, o: torch.searchsorted(a, b, sorter=o),
             [raw, v, order], grad=False)
    s = tl.Session(dtype=np.float64)
    seq = s.input(np.array([1.0, 2.0, 2.0, 3.0]))
    assert tl.searchsorted(seq, 2).numpy().item() == 1 and tl.searchsorted(seq, 2, right=True).shape == ()
    for right in (False, True):
        b = np.array([1, 3, 5, 7, 9])
        x = RNG.integers(0, 11, (3, 4))
        run_both(lambda a, c, r=right: tl.bucketize(a, c, right=r),
                 lambda a, c, r=right: torch.bucketize(a, c, right=r), [x, b], grad=False)
        assert tl.bucketize(5, s.input(b), right=right).numpy().item() == torch.bucketize(5, torch.tensor(b),
                                                                                            right=right).item()


@pytest.mark.parametrize("offset", [0, 2, -1])
def test_diagflat(offset):
    run_both(lambda v: v.diagflat(offset), lambda v: torch.diagflat(v, offset), [RNG.standard_normal((2, 3))])
    run_both(lambda v: tl.diagflat(v, offset=offset), lambda v: torch.diagflat(v, offset=offset),
             [RNG.standard_normal(())], compiled=False)


def test_broadcast_tensors_and_shapes():
    a, b, c = RNG.standard_normal((3, 1)), RNG.standard_normal((2, 1, 4)), RNG.standard_normal(())
    s = tl.Session(dtype=np.float64)
    xs = [s.input(v, requires_grad=True) for v in (a, b, c)]
    outs = tl.broadcast_tensors(*xs)
    want = torch.broadcast_tensors(*(torch.tensor(v) for v in (a, b, c)))
    for o, w in zip(outs, want):
        np.testing.assert_array_equal(o.numpy(), w.numpy())
    (outs[0] * outs[1] * outs[2]).sum().backward()
    assert xs[0].grad.shape == (3, 1) and np.allclose(np.asarray(xs[2].grad), (a * b).sum())
    assert tl.broadcast_shapes((5, 1), 4, (3, 1, 1)) == tuple(torch.broadcast_shapes((5, 1), 4, (3, 1, 1)))
    assert tl.broadcast_shapes() == () and tl.broadcast_shapes((0, 1), (3,)) == (0, 3)
    with pytest.raises(tl.ShapeError, match="broadcast_shapes"):
        tl.broadcast_shapes((2, 3), (4,))


@pytest.mark.parametrize("size", [(1,), (4, 1), (3, 4), (1, 1), ((1, 4),)])
def test_sum_to_size(size):
    x = RNG.standard_normal((2, 3, 4)) if size != (1,) else RNG.standard_normal((5,))
    if size in ((4, 1),):
        x = RNG.standard_normal((4, 6))
    run_both(lambda v: v.sum_to_size(*size), lambda v: v.sum_to_size(*size), [x])


# ----- constructors ------------------------------------------------------------------------------
def test_logspace_scalar_tensor_empty_like_randint_like():
    s = tl.Session(dtype=np.float64)
    s.input(np.zeros(1))  # the current binder of tl.logspace / tl.scalar_tensor
    for args, kw in [((-3, 2, 9), {}), ((0, 3, 4), {"base": 2.0}), ((1, -1, 5), {"base": 1.1}), ((2, 2, 1), {}),
                     ((0, 1, 0), {})]:
        want = torch.logspace(*args, **kw, dtype=torch.float64).numpy()
        np.testing.assert_allclose(tl.logspace(*args, **kw).numpy(), want, rtol=1e-15)
    assert tl.logspace(0, 2, 3, dtype=np.float32).dtype == np.float32
    assert tl.logspace(0, 2, 3, dtype=np.int64).numpy().tolist() == [1, 10, 100]
    leaf = tl.logspace(0, 1, 3, requires_grad=True)
    (leaf * 2).sum().backward()
    assert np.asarray(leaf.grad).tolist() == [2.0, 2.0, 2.0]
    ends = tl.logspace(s.input(np.array(0.0)), s.input(np.array(2.0)), 3)
    assert np.allclose(ends.numpy(), [1, 10, 100])
    t = tl.scalar_tensor(3)
    assert t.shape == () and t.dtype == np.float64 and t.item() == 3.0
    assert tl.scalar_tensor(True, dtype=np.bool_).dtype == np.bool_
    x = s.input(RNG.standard_normal((2, 3)))
    e = tl.empty_like(x)
    assert e.shape == (2, 3) and e.dtype == np.float64 and tl.empty_like(x, dtype=np.int64).dtype == np.int64
    r = tl.randint_like(x, 5)
    assert r.dtype == np.float64 and r.shape == (2, 3) and set(r.numpy().ravel()) <= {0.0, 1, 2, 3, 4}
    r = tl.randint_like(x, 3, 6, dtype=np.int64).numpy()
    assert r.dtype == np.int64 and r.min() >= 3 and r.max() <= 5
    assert tl.randint_like(x, high=2).numpy().max() <= 1


def test_traced_constructors_and_ops():
    s = tl.Session(dtype=np.float64)
    x = s.input(RNG.standard_normal(4))
    out = tl.compile(lambda v: v * tl.logspace(0, 1, 4) + tl.scalar_tensor(1.0))(x)
    np.testing.assert_allclose(out.numpy(), x.numpy() * np.logspace(0, 1, 4) + 1.0, rtol=1e-15)
    r = tl.compile(lambda v: tl.randint_like(v, 7))(x)
    assert r.shape == (4,) and r.numpy().max() < 7


# ----- errors ----------------------------------------------------------------------------------------
def test_errors_name_the_op_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones((2, 3)), requires_grad=True)
    xi = s.input(np.array([1, 2, 3]))
    seq = s.input(np.ones((2, 4)))
    y4, x5, x3, x222 = s.input(np.ones(4)), s.input(np.ones(5)), s.input(np.ones(3)), s.input(np.ones((2, 2, 2)))
    w2, xf, v32, v22 = s.input(np.ones(2)), s.input(np.array([0.0])), s.input(np.ones((3, 2))), s.input(np.ones((2, 2)))
    x1 = s.input(np.ones(3))
    w32 = s.input(np.ones(3, np.float32), dtype=np.float32)
    n = len(s.tape.nodes)
    cases = [
        (lambda: tl.logaddexp(x, xi), tl.DTypeError, "logaddexp: expected float tensors, got other of int64"),
        (lambda: tl.logaddexp(x, y4), tl.ShapeError, r"logaddexp: .*\(2, 3\).*\(4,\)"),
        (lambda: x.renorm(0, 0, 1.0), tl.ArgumentError, "renorm: p must be positive"),
        (lambda: x.renorm(2, 3, 1.0), tl.ShapeError, "renorm"),
        (lambda: x.renorm(2, 0, -1.0), tl.ArgumentError, "renorm: maxnorm must be non-negative"),
        (lambda: x1.renorm(2, 0, 1.0), tl.ShapeError, "renorm: input needs at least 2 dimensions"),
        (lambda: tl.trapezoid(x, x5), tl.ShapeError, r"trapezoid: x of shape \(5,\)"),
        (lambda: tl.trapezoid(x, x3, dx=2.0), tl.ArgumentError, "trapezoid: give x or dx"),
        (lambda: tl.cov(x222), tl.ShapeError, "cov: expected input to have two or fewer"),
        (lambda: tl.cov(x, fweights=x3), tl.DTypeError, "cov: fweights must be integral"),
        (lambda: tl.cov(x, aweights=w2), tl.ShapeError, r"cov: expected aweights .* got shape \(2,\)"),
        (lambda: tl.cov(x, aweights=w32), tl.DTypeError, "cov: operands are float32 and float64"),
        (lambda: tl.take(x, xf), tl.DTypeError, "take: expected index to be an int64"),
        (lambda: tl.searchsorted(seq, v32), tl.ShapeError, "searchsorted: sorted_sequence"),
        (lambda: tl.searchsorted(seq, v22, right=True, side="left"), tl.ArgumentError,
         "searchsorted: side and right can't be set to opposites"),
        (lambda: tl.searchsorted(seq, v22, out_int32=True), tl.ArgumentError, "out_int32"),
        (lambda: tl.searchsorted(seq, v22, side="up"), tl.ArgumentError, "side must be"),
        (lambda: tl.bucketize(xi, seq), tl.ShapeError, "bucketize: boundaries must be 1-D"),
        (lambda: tl.isin(1, 2), tl.DTypeError, "isin: expected a torchlean tensor argument"),
        (lambda: tl.diagflat(x, 1.5), tl.ArgumentError, "diagflat: offset must be an int"),
        (lambda: x.sum_to_size(2), tl.ShapeError, r"sum_to_size: size \(2,\) is not expandable to size \(2, 3\)"),
        (lambda: tl.rsub(x, 1.0, alpha="a"), tl.ArgumentError, "rsub: alpha must be a number"),
        (lambda: tl.randint_like(x, 5, 2), tl.ArgumentError, "randint"),
        (lambda: tl.logspace(0, 1, -1), tl.ArgumentError, "logspace: steps must be a non-negative int"),
    ]
    for f, err, msg in cases:
        with pytest.raises(err, match=msg):
            f()
        assert len(s.tape.nodes) == n, msg


def test_methods_exist_on_tensors_and_traced_values():
    from torchlean.compiled.ir import Var
    from torchlean.eager.tensor import TensorRef

    for n in ("logaddexp", "logaddexp2", "renorm", "cov", "corrcoef", "take", "diagflat", "sum_to_size"):
        assert hasattr(TensorRef, n) and hasattr(Var, n) and hasattr(torch.Tensor, n), n
    for n in ("logaddexp", "logaddexp2", "rsub", "renorm", "trapezoid", "trapz", "cumulative_trapezoid", "cov",
              "corrcoef", "take", "isin", "searchsorted", "bucketize", "diagflat", "broadcast_tensors",
              "broadcast_shapes", "logspace", "empty_like", "randint_like", "scalar_tensor"):
        assert hasattr(tl, n) and hasattr(torch, n), n
