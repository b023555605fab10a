"""Reductions with torch's names: overloads, ties, dtypes, legacy forms, errors.

The sweeps (tests/ops) check values and gradients on tie-free samples; this file checks ties
(amax shares the gradient evenly, max(dim) sends it to the first maximum), the overloads of
torch's signatures, ``dtype=`` casts, the seed's ``s.max``/``s.min`` and the errors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.pt import reduce as tr


def session(dtype=np.float64):
    return tl.Session(dtype=dtype)


TIED = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.0, 2.0], [-5.0, 4.0, 4.0, 4.0]])


def grad_of(fn_ours, fn_torch, a=TIED):
    """Value and gradient of sum(fn(x)) (weighted, so every output counts), ours and torch's."""
    s = session()
    x = s.input(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    out, ref = fn_ours(x), fn_torch(t)
    w = np.arange(1, out.numel() + 1, dtype=np.float64).reshape(out.shape)
    g = s.backward((out * s.input(w)).sum())[x]
    (ref * torch.tensor(w)).sum().backward()
    return (out.numpy(), g), (ref.detach().numpy(), t.grad.numpy())


def assert_same(ours, ref, rtol=0.0):
    """Equal values and gradients (to the last bit unless ``rtol``: where the rounding differs)."""
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0.0)


# ----- max / min -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [(), 0, 1, (0, 1)])
def test_amax_shares_the_gradient_evenly_among_ties(name, dim):
    assert_same(*grad_of(lambda x: getattr(tr, name)(x, dim), lambda t: getattr(torch, name)(t, dim)))


@pytest.mark.parametrize("name", ["max", "min"])
def test_global_max_shares_the_gradient_evenly_among_ties(name):
    assert_same(*grad_of(getattr(tr, name), getattr(torch, name)))
    assert_same(*grad_of(lambda x: getattr(x, name)(), lambda t: getattr(t, name)()))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, False), (1, True), (-1, True)])
def test_max_along_a_dim_gives_the_first_index_and_its_gradient(name, dim, keepdim):
    assert_same(*grad_of(lambda x: getattr(tr, name)(x, dim, keepdim).values,
                         lambda t: getattr(torch, name)(t, dim, keepdim).values))
    s = session()
    out = getattr(tr, name)(s.input(TIED), dim=dim, keepdim=keepdim)
    ref = getattr(torch, name)(torch.tensor(TIED), dim=dim, keepdim=keepdim)
    assert isinstance(out, tuple) and out.indices is out[1] and out.values is out[0]
    assert out.indices.dtype == np.int64
    np.testing.assert_array_equal(out.indices.numpy(), ref.indices.numpy())
    _, i = getattr(s.input(TIED), name)(dim, keepdim)  # the method, unpacked like torch's
    np.testing.assert_array_equal(i.numpy(), ref.indices.numpy())


def test_max_with_another_tensor_is_elementwise():
    a, b = TIED, TIED[::-1].copy()
    s = session()
    for ours, ref in [(tr.max(s.input(a), s.input(b)), torch.max(torch.tensor(a), torch.tensor(b))),
                      (tr.min(s.input(a), other=s.input(b)), torch.min(torch.tensor(a), other=torch.tensor(b))),
                      (s.input(a).max(s.input(b)), torch.tensor(a).max(torch.tensor(b)))]:
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    with pytest.raises(tl.ArgumentError, match="max: dim/keepdim do not apply"):
        tr.max(s.input(a), s.input(b), True)


def test_seed_max_and_min_keep_the_elementwise_form_and_gain_the_reductions():
    s = session()
    a = s.input([1.0, 2.0, 3.0], requires_grad=True)
    b = s.input([1.0, 0.0, 5.0], requires_grad=True)
    g = s.backward(s.max(a, b).sum())  # the seed's tie rule
    np.testing.assert_array_equal(g[a], [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(s.max(a, 2.5).numpy(), [2.5, 2.5, 3.0])  # a float: elementwise
    x = s.input(TIED)
    np.testing.assert_array_equal(s.max(x).numpy(), 4.0)
    np.testing.assert_array_equal(s.min(x, 1).indices.numpy(), torch.min(torch.tensor(TIED), 1).indices.numpy())
    np.testing.assert_array_equal(s.max(x, dim=0, keepdim=True).values.numpy(), TIED.max(0, keepdims=True))
    with pytest.raises(tl.ArgumentError, match="max: give dim once"):
        s.max(x, 0, dim=1)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_takes_the_first_extreme_and_has_no_gradient(name):
    s = session()
    x = s.input(TIED, requires_grad=True)
    t = torch.tensor(TIED)
    for kwargs in [{}, {"dim": 0}, {"dim": 1}, {"dim": 1, "keepdim": True}, {"keepdim": True}]:
        ours, ref = getattr(tr, name)(x, **kwargs), getattr(torch, name)(t, **kwargs)
        assert ours.dtype == np.int64 and ours.shape == tuple(ref.shape)
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
        assert not ours.requires_grad
    nan = np.array([1.0, np.nan, 3.0, np.nan])
    assert getattr(tr, name)(s.input(nan)).item() == getattr(torch, name)(torch.tensor(nan)).item() == 1


def test_max_type_reductions_of_empty_axes_raise_before_recording():
    s = session()
    x = s.input(np.ones((0, 3)))
    before = len(s)
    for f in (lambda: tr.amax(x, 0), lambda: tr.argmax(x, 0), lambda: tr.max(x, 0), lambda: tr.max(x)):
        with pytest.raises(tl.ShapeError, match="empty axis"):
            f()
        assert len(s) == before
    np.testing.assert_array_equal(tr.amax(x, 1).numpy(), np.zeros(0))


# ----- sums, means, moments ----------------------------------------------------------------------
def test_sum_and_mean_overloads_and_aliases():
    s = session()
    x, t = s.input(TIED), torch.tensor(TIED)
    cases = [(tr.sum(x), torch.sum(t)), (tr.sum(x, 1), torch.sum(t, 1)), (tr.sum(x, (0, 1), True), t.sum((0, 1), True)),
             (tr.sum(x, dim=()), torch.sum(t, dim=())), (x.sum(axis=0), t.sum(axis=0)),
             (x.sum(1, keepdims=True), t.sum(1, keepdim=True)), (x.sum([]), t.sum([])),
             (tr.mean(x, -1, keepdim=True), torch.mean(t, -1, keepdim=True)), (x.mean(axis=(0, 1)), t.mean((0, 1))),
             (tr.sum(x, dtype=torch.int64), torch.sum(t, dtype=torch.int64)),
             (tr.sum(s.input(TIED > 1)), torch.sum(torch.tensor(TIED > 1))),
             (tr.mean(s.input(np.array([1, 2, 4])), dtype="float64"), torch.mean(torch.tensor([1, 2, 4]),
                                                                                 dtype=torch.float64))]
    for ours, ref in cases:
        assert ours.shape == tuple(ref.shape)
        assert ours.dtype == ref.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-15)
    with pytest.raises(tl.DTypeError, match="mean: expected a float tensor"):
        tr.mean(s.input([1, 2]))
    with pytest.raises(tl.ArgumentError, match="sum: give the dim once"):
        tr.sum(x, 0, axis=1)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_overloads(name):
    s = session()
    x, t = s.input(TIED), torch.tensor(TIED)
    f, g = getattr(tr, name), getattr(torch, name)
    m, n = getattr(x, name), getattr(t, name)
    cases = [(f(x), g(t)), (f(x, False), g(t, False)), (f(x, 1), g(t, 1)),
             (f(x, 1, False, True), g(t, 1, False, True)), (f(x, dim=0, correction=0), g(t, dim=0, correction=0)),
             (f(x, (0, 1), keepdim=True), g(t, (0, 1), keepdim=True)), (f(x, unbiased=False), g(t, unbiased=False)),
             (m(1, keepdim=True), n(1, keepdim=True)), (m(correction=2), n(correction=2))]
    for ours, ref in cases:
        assert ours.shape == tuple(ref.shape)
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-14)
    with pytest.raises(tl.ArgumentError, match=f"{name}: give unbiased or correction, not both"):
        f(x, unbiased=False, correction=1)
    with pytest.raises(tl.DTypeError, match=f"{name}: expected a float tensor"):
        f(s.input([1, 2, 3]))


def test_var_with_too_few_samples_is_nan_or_inf_as_torch():
    s = session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the degrees of freedom
        for a, kw in [([1.0], {}), ([1.0, 2.0], {"correction": 2}), ([1.0, 2.0], {"correction": 3})]:
            np.testing.assert_array_equal(tr.var(s.input(a), **kw).numpy(), torch.var(torch.tensor(a), **kw).numpy())


def test_std_of_a_constant_has_zero_gradient_as_torch():
    a = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    assert_same(*grad_of(lambda x: tr.std(x, 1), lambda t: torch.std(t, 1), a), rtol=1e-15)


# ----- products, norms, logsumexp, cumsum ---------------------------------------------------------
def test_prod_gradient_is_exact_with_zeros_and_empty_products_are_one():
    a = np.array([[0.0, 2.0, 3.0, 0.5, 1.5], [0.0, 0.0, 1.0, 2.0, -1.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    assert_same(*grad_of(lambda x: tr.prod(x, 1), lambda t: torch.prod(t, 1), a))
    s = session()
    np.testing.assert_array_equal(tr.prod(s.input(np.ones((0, 3))), 0).numpy(), np.ones(3))
    b = np.array([[True, False], [True, True]])
    ours, ref = tr.prod(s.input(b), 1), torch.prod(torch.tensor(b), 1)
    assert ours.dtype == np.int64 and ref.dtype == torch.int64
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def test_norm_variants_and_the_gradient_at_zero():
    s = session()
    x, t = s.input(TIED), torch.tensor(TIED)
    for p in ["fro", 2, 1, 3, 0.5, 0, float("inf"), float("-inf")]:
        for dim in [None, 1, (0, 1)]:
            np.testing.assert_allclose(tr.norm(x, p, dim).numpy(), torch.norm(t, p, dim).numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.norm(dim=0, keepdim=True).numpy(), t.norm(dim=0, keepdim=True).numpy())
    assert tr.norm(s.input(np.ones(3, np.float32)), dtype="float64").dtype == np.float64
    zero = np.zeros((2, 3))
    assert_same(*grad_of(lambda x: tr.norm(x, dim=1), lambda t: torch.norm(t, dim=1), zero))
    assert_same(*grad_of(lambda x: tr.norm(x, float("inf")), lambda t: torch.norm(t, float("inf"))))
    np.testing.assert_allclose(tr.norm(x, "nuc").numpy(), torch.norm(t, "nuc").numpy(), rtol=1e-14)
    cube = np.random.default_rng(0).standard_normal((3, 4, 2))
    assert_same(*grad_of(lambda x: tr.norm(x, "nuc", (0, 2)), lambda t: torch.norm(t, "nuc", (0, 2)), cube),
                rtol=1e-13)  # SVDs: LAPACK through NumPy and through torch round differently
    with pytest.raises(tl.ShapeError, match="norm: p='nuc' without dim needs a 2-D input"):
        tr.norm(s.input(cube), "nuc")
    with pytest.raises(tl.DTypeError, match="norm: expected a float tensor"):
        tr.norm(s.input([3, 4]))


def test_logsumexp_handles_infinities_as_torch():
    a = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [1000.0, 1000.0], [-1000.0, 2.0]])
    s = session()
    np.testing.assert_array_equal(tr.logsumexp(s.input(a), 1).numpy(), torch.logsumexp(torch.tensor(a), 1).numpy())
    # torch's gradient exp(x - logsumexp) rounds logsumexp first (0.5000000000000275 for a tie)
    assert_same(*grad_of(lambda x: tr.logsumexp(x, 1), lambda t: torch.logsumexp(t, 1), a[2:]), rtol=1e-13)
    with pytest.raises(tl.ArgumentError, match="logsumexp: dim is required"):
        tr.logsumexp(s.input(a))
    ints = tr.logsumexp(s.input(np.array([[1, 2], [3, 4]])), 1)
    ref = torch.logsumexp(torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64), 1)
    np.testing.assert_allclose(ints.numpy(), ref.numpy())


def test_cumsum_dtypes_and_dim():
    s = session()
    b = np.array([[True, False, True], [True, True, False]])
    ours, ref = tr.cumsum(s.input(b), 1), torch.cumsum(torch.tensor(b), 1)
    assert ours.dtype == np.int64 and ref.dtype == torch.int64
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    np.testing.assert_array_equal(s.input(b).cumsum(0, dtype="float64").numpy(),
                                  torch.tensor(b).cumsum(0, dtype=torch.float64).numpy())
    np.testing.assert_array_equal(s.input(TIED).cumsum(axis=-1).numpy(), torch.tensor(TIED).cumsum(-1).numpy())
    with pytest.raises(tl.ArgumentError, match="cumsum: dim is required"):
        tr.cumsum(s.input(TIED))
    with pytest.raises(tl.ShapeError, match="cumsum: axis 2 is out of range"):
        tr.cumsum(s.input(TIED), 2)


# ----- softmax -------------------------------------------------------------------------------------
def test_softmax_dtype_forms_and_implicit_dim():
    s = session(np.float32)
    a = np.array([[1, 2, 3], [4, 5, 7]])
    x, t = s.input(a), torch.tensor(a)
    ref = torch.softmax(t, 1, dtype=torch.float64).numpy()
    # torch.softmax(x, dim, dtype) and F.softmax(x, dim, _stacklevel, dtype) positionally
    for ours in (tr.softmax(x, 1, dtype="float64"), tr.softmax(x, 1, np.float64),
                 tr.softmax(x, 1, 3, "float64"), x.softmax(1, dtype="float64")):
        assert ours.dtype == np.float64
        np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-15)
    np.testing.assert_allclose(x.log_softmax(dim=0, dtype=np.float64).numpy(),
                               t.log_softmax(0, dtype=torch.float64).numpy(), rtol=1e-15)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        implicit = tr.softmax(s.input(np.ones((2, 3, 4), np.float32)))
    np.testing.assert_allclose(implicit.numpy(), np.full((2, 3, 4), 0.5))  # dim 0 for 3-d input, as torch
    with pytest.raises(tl.DTypeError):
        tr.softmax(x, 1)


# ----- errors and tracing --------------------------------------------------------------------------
def test_bad_dims_raise_naming_the_function_and_leave_the_tape():
    s = session()
    x = s.input(TIED, requires_grad=True)
    before = len(s)
    for f, match in [(lambda: tr.sum(x, 2), "sum: axis 2 is out of range"),
                     (lambda: tr.amax(x, (0, 0)), "amax: repeated axis"),
                     (lambda: tr.max(x, (0, 1)), "max: dim must be an int"),
                     (lambda: tr.argmax(x, (0,)), "argmax: dim must be an int or None"),
                     (lambda: tr.var(x, 5), "var: axis 5 is out of range"),
                     (lambda: tr.prod(x, -3), "prod: axis -3 is out of range"),
                     (lambda: tr.sum(x, out=x), "sum: out= is not supported")]:
        with pytest.raises(tl.TorchLeanError, match=match):
            f()
        assert len(s) == before


def test_reductions_trace_and_agree_with_eager():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 5))

    def f(ops, x):
        v, i = tr.max(x, 1)
        return (v.sum() + tr.var(x, 0).sum() + tr.prod(x, 1).sum() + tr.logsumexp(x, 1).sum()
                + tr.norm(x, 1) + tr.amin(x) + tr.cumsum(x, 1).sum() + i.sum().float().double() * 0.0)

    c = tl.compile_scalar(f, [a], tl.Options(dtype=np.float64))
    s = session()
    x = s.input(a, requires_grad=True)
    y = f(s, x)
    value, grads = c.value_and_grad(a)
    np.testing.assert_allclose(value, y.numpy(), rtol=1e-13)
    np.testing.assert_allclose(grads[0], s.backward(y)[x], rtol=1e-13)
