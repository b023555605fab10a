"""The math family's additions (``pt/math_extra.py``, ``pt/reduce_extra.py``) against torch.

Values and gradients in float64 and float32, eagerly and under ``tl.compile``; broadcasting,
Python-number operands, int/bool promotion, the ``alpha``/``rounding_mode``/``eps`` options,
NaN/inf edge cases and the errors (type, message, nothing recorded). The sweeps (tests/ops)
cover the kink-free samples of every primitive; this file covers what they leave out.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.eager.tensor import TensorRef

RNG = np.random.default_rng(7)
TDT = {np.float64: torch.float64, np.float32: torch.float32}


def _np(v):
    return v.numpy() if isinstance(v, TensorRef) else v.detach().numpy()


def run_both(fn, tfn, arrays, dtype=np.float64, grad=True, compiled=True, rtol=None):
    """fn on torchlean tensors (eager, and compiled) vs tfn on torch tensors: values, dtypes and
    the gradients of sum(out * cot) for every float input."""
    rtol = rtol or (1e-10 if dtype == np.float64 else 2e-5)
    arrays = [np.asarray(a, dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in arrays]
    ts = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ref = tfn(*ts)
    cot = RNG.standard_normal(ref.shape)
    if grad and ref.requires_grad:
        (ref * torch.tensor(cot, dtype=ref.dtype)).sum().backward()
    for mode in ("eager", "compiled") if compiled else ("eager",):
        s = tl.Session(dtype=dtype)
        xs = [s.input(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        out = (tl.compile(fn) if mode == "compiled" else fn)(*xs)
        assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", "")), (mode, out.dtype, ref.dtype)
        np.testing.assert_allclose(out.numpy(), _np(ref), rtol=rtol, atol=rtol * 1e-2, err_msg=mode)
        if grad and ref.requires_grad:
            (out * s.input(cot, dtype=out.dtype)).sum().backward()
            for x, t in zip(xs, ts):
                if t.grad is None:
                    continue
                if x.grad is None:  # piecewise constant: no gradient here, zeros in torch
                    assert not t.grad.any(), f"{mode}: no gradient, torch's is nonzero"
                    continue
                np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=rtol * 10, atol=rtol,
                                           err_msg=f"{mode} gradient")


# ----- unary -----------------------------------------------------------------------------------------
UNARY = [
    ("tan", lambda r, s: r.uniform(-1.3, 1.3, s)), ("asin", lambda r, s: r.uniform(-0.95, 0.95, s)),
    ("acos", lambda r, s: r.uniform(-0.95, 0.95, s)), ("atan", lambda r, s: r.normal(0, 3, s)),
    ("sinh", lambda r, s: r.normal(0, 2, s)), ("cosh", lambda r, s: r.normal(0, 2, s)),
    ("asinh", lambda r, s: r.normal(0, 3, s)), ("acosh", lambda r, s: r.uniform(1.05, 5, s)),
    ("atanh", lambda r, s: r.uniform(-0.95, 0.95, s)), ("arcsin", lambda r, s: r.uniform(-0.9, 0.9, s)),
    ("arccos", lambda r, s: r.uniform(-0.9, 0.9, s)), ("arctan", lambda r, s: r.normal(0, 1, s)),
    ("arcsinh", lambda r, s: r.normal(0, 1, s)), ("arccosh", lambda r, s: r.uniform(1.1, 3, s)),
    ("arctanh", lambda r, s: r.uniform(-0.9, 0.9, s)), ("log2", lambda r, s: r.uniform(0.1, 9, s)),
    ("log10", lambda r, s: r.uniform(0.1, 9, s)), ("exp2", lambda r, s: r.normal(0, 2, s)),
    ("erfc", lambda r, s: r.normal(0, 2, s)), ("sinc", lambda r, s: r.normal(0, 2, s)),
    ("deg2rad", lambda r, s: r.normal(0, 90, s)), ("rad2deg", lambda r, s: r.normal(0, 2, s)),
    ("frac", lambda r, s: r.integers(-4, 4, s) + r.uniform(0.1, 0.9, s)), ("sgn", lambda r, s: r.normal(0, 1, s)),
    ("logit", lambda r, s: r.uniform(0.05, 0.95, s)), ("positive", lambda r, s: r.normal(0, 1, s)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,make", UNARY, ids=[n for n, _ in UNARY])
def test_unary_method_and_function(name, make, dtype):
    a = make(RNG, (3, 4))
    run_both(lambda x: getattr(x, name)(), lambda t: getattr(t, name)(), [a], dtype)
    run_both(lambda x: getattr(tl, name)(x), lambda t: getattr(torch, name)(t), [a], dtype, compiled=False)


@pytest.mark.parametrize("name", ["tan", "asin", "atan", "sinh", "log2", "exp2", "erfc", "sinc", "deg2rad",
                                  "rad2deg", "logit", "atanh", "log10"])
def test_unary_integers_promote_to_the_default_float(name):
    a = np.array([[0, 1, 2], [3, -1, 1]]) if name not in ("log2", "log10") else np.array([1, 2, 8, 100])
    if name in ("asin", "atanh", "logit"):
        a = np.array([0, 1, -1, 0])
    run_both(lambda x: getattr(x, name)(), lambda t: getattr(t, name)(), [a], np.float32, grad=False)


def test_domain_edges_as_torch():
    edges = {"asin": [-1.0, 1.0, 1.5], "acos": [-1.0, 1.0, -2.0], "acosh": [1.0, 0.5], "atanh": [-1.0, 1.0, 2.0],
             "log2": [0.0, -1.0], "log10": [0.0, -1.0], "erfc": [-30.0, 30.0, np.inf, -np.inf, np.nan],
             "logit": [0.0, 1.0, 1.5], "sinc": [0.0, np.inf], "tan": [np.inf], "exp2": [-np.inf, 2000.0]}
    for name, vals in edges.items():
        s = tl.Session(dtype=np.float64)
        x = s.input(np.array(vals), requires_grad=True)
        t = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
        np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(t, name)().detach().numpy(), err_msg=name)
        if name in ("asin", "acos", "acosh", "atanh", "log2", "log10", "sinc", "erfc"):
            getattr(x, name)().sum().backward()
            getattr(t, name)().sum().backward()
            np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=1e-14, err_msg=f"{name} gradient")


def test_logit_eps_clamps_with_torchs_gradient():
    a = np.array([-0.5, 0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0, 1.5])
    run_both(lambda x: x.logit(eps=0.1), lambda t: t.logit(eps=0.1), [a], compiled=True)
    run_both(lambda x: tl.logit(x, 0.25), lambda t: torch.logit(t, 0.25), [a], np.float32)


# ----- arithmetic method forms ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_add_sub_alpha_broadcast_and_scalars(dtype):
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    for name in ("add", "sub", "subtract"):
        run_both(lambda x, y, n=name: getattr(x, n)(y, alpha=2.5), lambda x, y, n=name: getattr(x, n)(y, alpha=2.5),
                 [a, b], dtype)
        run_both(lambda x, n=name: getattr(tl, n)(x, 1.5, alpha=-2),
                 lambda x, n=name: getattr(torch, n)(x, 1.5, alpha=-2), [a], dtype)
        run_both(lambda x, y, n=name: getattr(tl, n)(x, y), lambda x, y, n=name: getattr(torch, n)(x, y), [a, b], dtype)
    for name in ("mul", "multiply", "true_divide", "div", "divide"):
        run_both(lambda x, y, n=name: getattr(x, n)(y), lambda x, y, n=name: getattr(x, n)(y), [a, b + 3.0], dtype)
        run_both(lambda x, n=name: getattr(tl, n)(x, 4), lambda x, n=name: getattr(torch, n)(x, 4), [a], dtype)


def test_arithmetic_promotion_as_torch():
    i, j = np.array([[5, -7, 3], [-2, 9, 0]]), np.array([2, -3, 4])
    bb = np.array([True, False, True])
    for f in [lambda x, y: x.add(y, alpha=3), lambda x, y: x.sub(y, alpha=-2), lambda x, y: x.mul(y),
              lambda x, y: x.div(y), lambda x, y: x.true_divide(y), lambda x, y: x.div(y, rounding_mode="trunc"),
              lambda x, y: x.div(y, rounding_mode="floor"), lambda x, y: x.add(2.5),
              lambda x, y: x.div(-2, rounding_mode="trunc"), lambda x, y: x.mul(0.5)]:
        run_both(f, f, [i, j], np.float32, grad=False)
    run_both(lambda x, y: x.add(y), lambda x, y: x.add(y), [bb, bb], grad=False, compiled=False)
    run_both(lambda x, y: x.mul(y), lambda x, y: x.mul(y), [bb, i[0]], grad=False, compiled=False)
    run_both(lambda x, y: x.add(y, alpha=2), lambda x, y: x.add(y, alpha=2), [RNG.standard_normal(3), j], np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_div_rounding_modes(dtype):
    a = np.array([[7.5, -7.5, 1.0, -0.0], [3.0, -3.0, np.inf, 5.0]])
    b = np.array([2.0, 2.0, 0.0, -4.0])
    for mode in (None, "trunc", "floor"):
        run_both(lambda x, y, m=mode: x.div(y, rounding_mode=m), lambda x, y, m=mode: x.div(y, rounding_mode=m),
                 [a, b], dtype, grad=mode is None)
    # rounding modes have a zero derivative, as torch's
    s = tl.Session(dtype=dtype)
    x = s.input(a[:, :2].copy(), requires_grad=True)
    (x.div(3.0, rounding_mode="floor") * x).sum().backward()
    t = torch.tensor(a[:, :2], dtype=TDT[dtype], requires_grad=True)
    (t.div(3.0, rounding_mode="floor") * t).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy())


def test_integer_trunc_division_and_errors():
    a = np.arange(-9, 10).reshape(1, -1)
    b = np.array([[3], [-4], [7], [-1]])
    run_both(lambda x, y: tl.div(x, y, rounding_mode="trunc"), lambda x, y: torch.div(x, y, rounding_mode="trunc"),
             [a, b], grad=False)
    s = tl.Session()
    x, z = s.input(a), s.input(np.zeros_like(a))
    mask = x > 0
    n = len(s.tape.nodes)
    with pytest.raises(tl.ArgumentError, match=r"division by zero"):
        x.div(z, rounding_mode="trunc")
    with pytest.raises(tl.ArgumentError, match=r"div.*rounding_mode.*'round'"):
        x.div(x, rounding_mode="round")
    with pytest.raises(tl.ArgumentError, match=r"add: .*alpha must be an integer, got 0.5"):
        x.add(x, alpha=0.5)
    with pytest.raises(tl.DTypeError, match=r"positive.*bool"):
        mask.positive()
    assert len(s.tape.nodes) == n


# ----- binary ----------------------------------------------------------------------------------------
BINARY = [
    ("atan2", lambda r, s: r.normal(0, 1, s)), ("arctan2", lambda r, s: r.normal(0, 1, s)),
    ("hypot", lambda r, s: r.normal(0, 1, s)), ("fmod", lambda r, s: r.normal(0, 3, s)),
    ("copysign", lambda r, s: r.normal(0, 1, s)), ("fmax", lambda r, s: r.normal(0, 1, s)),
    ("fmin", lambda r, s: r.normal(0, 1, s)), ("xlogy", lambda r, s: r.uniform(0.1, 3, s)),
    ("float_power", lambda r, s: r.uniform(0.5, 2, s)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,make", BINARY, ids=[n for n, _ in BINARY])
def test_binary_broadcasting(name, make, dtype):
    a, b = make(RNG, (3, 1, 4)), make(RNG, (2, 4))
    if name == "fmod":
        b = np.where(np.abs(b) < 0.5, 1.7, b)
    run_both(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), [a, b], dtype)
    run_both(lambda x, y: getattr(tl, name)(x, y), lambda x, y: getattr(torch, name)(x, y), [a, b], dtype,
             compiled=False)


def test_binary_scalars_and_integers():
    a, i = RNG.uniform(0.5, 2, (3, 4)), np.array([[7, -7, 5], [-5, 9, 2]])
    run_both(lambda x: x.fmod(1.5), lambda t: t.fmod(1.5), [a])
    run_both(lambda x: x.fmod(-3), lambda t: t.fmod(-3), [i], grad=False)
    run_both(lambda x: x.xlogy(2.0), lambda t: t.xlogy(2.0), [a])
    run_both(lambda x: tl.xlogy(2.0, x), lambda t: torch.xlogy(2.0, t), [a], compiled=False)
    run_both(lambda x: x.float_power(2), lambda t: t.float_power(2), [a], np.float32)
    run_both(lambda x: x.float_power(0.5), lambda t: t.float_power(0.5), [i[:, :1] ** 2], grad=False)
    for name in ("atan2", "copysign", "xlogy"):  # (torch has no integer hypot; ours promotes)
        run_both(lambda x, y, n=name: getattr(x, n)(y), lambda x, y, n=name: getattr(x, n)(y), [i, i[0] - 3],
                 np.float32, grad=False)
    for name in ("fmax", "fmin"):
        run_both(lambda x, y, n=name: getattr(x, n)(y), lambda x, y, n=name: getattr(x, n)(y), [i, i[1]], grad=False)


def test_fmax_fmin_nan_and_ties_as_torch():
    a = np.array([np.nan, 1.0, np.nan, 2.0, -0.5])
    b = np.array([1.0, np.nan, np.nan, 2.0, 0.5])
    for name in ("fmax", "fmin"):
        run_both(lambda x, y, n=name: getattr(x, n)(y), lambda x, y, n=name: getattr(x, n)(y), [a, b])


def test_xlogy_zero_conventions():
    x = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0])
    y = np.array([0.0, -1.0, np.inf, np.nan, 2.0, 0.0, np.nan])
    run_both(lambda a, b: a.xlogy(b), lambda a, b: a.xlogy(b), [x, y], compiled=False, rtol=1e-12)


def test_copysign_signed_zero_and_gradient():
    a = np.array([1.0, -2.0, 0.0, 3.0, -0.0])
    b = np.array([-0.0, 0.0, -1.0, np.inf, 1.0])
    s = tl.Session(dtype=np.float64)
    x = s.input(a, requires_grad=True)
    y = x.copysign(s.input(b))
    np.testing.assert_array_equal(np.signbit(y.numpy()), np.signbit(np.copysign(a, b)))
    y.sum().backward()
    t = torch.tensor(a, requires_grad=True)
    t.copysign(torch.tensor(b)).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())
    np.testing.assert_array_equal(x.signbit().numpy(), torch.tensor(a).signbit().numpy())
    np.testing.assert_array_equal(s.input(np.array([-2, 0, 3])).signbit().numpy(), [True, False, False])


def test_heaviside_lerp_addcmul_addcdiv():
    a = np.array([[-1.0, 0.0, 2.0], [0.0, 3.0, -0.5]])
    run_both(lambda x, v: x.heaviside(v), lambda x, v: x.heaviside(v), [a, np.array([0.5, 0.25, 0.75])], grad=False)
    run_both(lambda x, v: x.heaviside(v), lambda x, v: x.heaviside(v), [np.array([-2, 0, 4]), np.array([7])],
             grad=False)
    x, e, w = RNG.standard_normal((3, 4)), RNG.standard_normal((4,)), RNG.uniform(-1, 2, (3, 4))
    for dtype in (np.float64, np.float32):
        run_both(lambda a, b, c: a.lerp(b, c), lambda a, b, c: a.lerp(b, c), [x, e, w], dtype)
        for wt in (0.25, 0.75, -0.6):
            run_both(lambda a, b, c=wt: tl.lerp(a, b, c), lambda a, b, c=wt: torch.lerp(a, b, c), [x, e[None]], dtype)
        t1, t2 = RNG.standard_normal((3, 1)), RNG.uniform(0.5, 2, (4,))
        for name in ("addcmul", "addcdiv"):
            run_both(lambda a, b, c, n=name: getattr(a, n)(b, c, value=-0.5),
                     lambda a, b, c, n=name: getattr(a, n)(b, c, value=-0.5), [x, t1, t2], dtype)
            run_both(lambda a, b, c, n=name: getattr(tl, n)(a, b, c),
                     lambda a, b, c, n=name: getattr(torch, n)(a, b, c), [x, t1, t2], dtype, compiled=False)
    i = np.array([[1, 2], [3, 4]])
    run_both(lambda a: a.addcmul(a, a, value=2), lambda a: a.addcmul(a, a, value=2), [i], grad=False)
    s = tl.Session()
    xi, half = s.input(i), s.input(np.array([0.5], np.float32))
    n = len(s.tape.nodes)
    with pytest.raises(tl.DTypeError, match=r"addcdiv: integer division"):
        xi.addcdiv(xi, xi)
    with pytest.raises(tl.DTypeError, match=r"heaviside: .*int64 and float32"):
        xi.heaviside(half)
    with pytest.raises(tl.DTypeError, match=r"lerp: .*float"):
        xi.lerp(xi, 0.5)
    with pytest.raises(tl.DTypeError, match=r"frac: expected a float tensor, got int64"):
        xi.frac()
    assert len(s.tape.nodes) == n


# ----- NaN / inf -------------------------------------------------------------------------------------
SPECIAL = np.array([0.0, -0.0, 1.5, -2.0, np.nan, np.inf, -np.inf, 1e308])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal"])
def test_nan_inf_predicates(name):
    for dtype in (np.float64, np.float32):
        run_both(lambda x: getattr(x, name)(), lambda t: getattr(t, name)(), [SPECIAL], dtype, grad=False)
    for a in (np.array([-3, 0, 5]), np.array([True, False])):
        run_both(lambda x: getattr(tl, name)(x), lambda t: getattr(torch, name)(t), [a], grad=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_to_num(dtype):
    a = np.where(np.abs(SPECIAL) > 1e30, np.inf * np.sign(SPECIAL), SPECIAL) if dtype == np.float32 else SPECIAL
    run_both(lambda x: x.nan_to_num(), lambda t: t.nan_to_num(), [a], dtype)
    run_both(lambda x: tl.nan_to_num(x, nan=2.0, posinf=5.0), lambda t: torch.nan_to_num(t, nan=2.0, posinf=5.0),
             [a], dtype)
    run_both(lambda x: x.nan_to_num(neginf=-1.0), lambda t: t.nan_to_num(neginf=-1.0), [a], dtype)
    run_both(lambda x: x.nan_to_num(), lambda t: t.nan_to_num(), [np.array([1, -2])], grad=False)
    s = tl.Session()
    with pytest.raises(tl.ArgumentError, match=r"nan_to_num: posinf must be a number or None, got str"):
        s.input(a.astype(np.float32)).nan_to_num(posinf="big")


# ----- scans -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["cumprod", "logcumsumexp"])
def test_scans(name, dtype):
    for shape, dim in [((7,), 0), ((3, 5), 1), ((4, 2, 3), 0), ((4, 2, 3), -2), ((), 0), ((1, 9), -1)]:
        a = RNG.standard_normal(shape) * (1.0 if name == "cumprod" else 5.0)
        run_both(lambda x, d=dim: getattr(x, name)(d), lambda t, d=dim: getattr(t, name)(d), [a], dtype)
    run_both(lambda x: getattr(tl, name)(x, dim=0), lambda t: getattr(torch, name)(t, dim=0), [a.reshape(-1)],
             dtype, compiled=False)


def test_cumprod_zeros_ints_and_dtype():
    a = np.array([[2.0, 0.0, 3.0, 0.0, 5.0], [1.5, -2.0, 0.0, 4.0, 1.0]])
    run_both(lambda x: x.cumprod(1), lambda t: t.cumprod(1), [a])
    run_both(lambda x: x.cumprod(0), lambda t: t.cumprod(0), [np.array([[1, 2, -3], [4, 0, 6]])], grad=False)
    run_both(lambda x: x.cumprod(0), lambda t: t.cumprod(0), [np.array([True, True, False])], grad=False)
    run_both(lambda x: x.cumprod(1, dtype=tl.float64), lambda t: t.cumprod(1, dtype=torch.float64),
             [np.array([[1, 2, 3]])], grad=False)


def test_logcumsumexp_infinities_and_range():
    a = np.array([-np.inf, -np.inf, 0.0, -1000.0, 1000.0, np.inf, 3.0])
    run_both(lambda x: x.logcumsumexp(0), lambda t: t.logcumsumexp(0), [a], grad=False)
    run_both(lambda x: x.logcumsumexp(0), lambda t: t.logcumsumexp(0), [np.array([-800.0, 0.0, 700.0, 2.0])])


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin(name):
    for a, dim in [(RNG.standard_normal((4, 5)), 1), (RNG.standard_normal((4, 5)), 0),
                   (np.array([1.0, 3.0, 3.0, 2.0, 3.0, -1.0]), 0), (np.array([2, 2, 1, 5, 5, 0]), 0),
                   (np.array([True, False, True, True]), 0), (np.array(2.5), 0)]:
        for part in (0, 1):
            run_both(lambda x, d=dim, p=part: getattr(x, name)(d)[p], lambda t, d=dim, p=part: getattr(t, name)(d)[p],
                     [a], grad=part == 0 and a.dtype.kind == "f")
    nan = np.array([1.0, np.nan, 5.0, np.nan, 0.5])
    for part in (0, 1):
        run_both(lambda x, p=part: getattr(tl, name)(x, 0)[p], lambda t, p=part: getattr(torch, name)(t, 0)[p], [nan],
                 grad=False, compiled=False)
    s = tl.Session(dtype=np.float64)
    r = getattr(s.input(np.array([1.0, 2.0])), name)(dim=0)
    assert r.values is r[0] and r.indices.dtype == np.int64


# ----- reductions --------------------------------------------------------------------------------------
def test_nansum_nanmean():
    a = RNG.standard_normal((3, 4))
    a[0, 1], a[2, 3] = np.nan, np.nan
    for dtype in (np.float64, np.float32):
        for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": (0, 1)}):
            run_both(lambda x, k=kw: x.nansum(**k), lambda t, k=kw: t.nansum(**k), [a], dtype)
            run_both(lambda x, k=kw: tl.nanmean(x, **k), lambda t, k=kw: torch.nanmean(t, **k), [a], dtype)
    run_both(lambda x: x.nansum(), lambda t: t.nansum(), [np.array([[1, 2], [3, 4]])], grad=False)
    a[1, :] = np.nan  # an all-NaN slice: NaN mean (the gradient there is 0; PyTorch's is NaN)
    run_both(lambda x: x.nanmean(1), lambda t: t.nanmean(1), [a], grad=False)
    with pytest.raises(tl.DTypeError, match=r"nanmean: expected a float tensor, got int64"):
        tl.Session().input(np.array([1, 2])).nanmean()


def test_var_mean_std_mean():
    a = RNG.standard_normal((3, 4, 2))
    for kw in ({}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": 1, "correction": 0}, {"unbiased": False}):
        for name in ("var_mean", "std_mean"):
            for part in (0, 1):
                run_both(lambda x, k=kw, n=name, p=part: getattr(tl, n)(x, **k)[p],
                         lambda t, k=kw, n=name, p=part: getattr(torch, n)(t, **k)[p], [a])
    run_both(lambda x: tl.var_mean(x, 1, True)[0], lambda t: torch.var_mean(t, 1, True)[0], [a])


def test_aminmax_count_nonzero():
    a = np.array([[1.0, 5.0, 5.0], [-2.0, 0.0, 3.0]])
    for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": -1, "keepdim": False}):
        for part in (0, 1):
            run_both(lambda x, k=kw, p=part: x.aminmax(**k)[p], lambda t, k=kw, p=part: t.aminmax(**k)[p], [a])
    r = tl.Session().input(a).aminmax()
    assert r.min is r[0] and r.max is r[1]
    for kw in ({}, {"dim": 0}, {"dim": (0, 1)}):
        run_both(lambda x, k=kw: x.count_nonzero(**k), lambda t, k=kw: t.count_nonzero(**k), [a], grad=False)
        run_both(lambda x, k=kw: tl.count_nonzero(x, **k), lambda t, k=kw: torch.count_nonzero(t, **k),
                 [np.array([[True, False], [True, True]])], grad=False, compiled=False)


def test_diff():
    a = RNG.standard_normal((3, 5))
    for kw in ({}, {"n": 2}, {"dim": 0}, {"n": 0}, {"n": 7}, {"n": 3, "dim": 1}):
        run_both(lambda x, k=kw: x.diff(**k), lambda t, k=kw: t.diff(**k), [a])
    p, q = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 1))
    run_both(lambda x, y, z: tl.diff(x, prepend=y, append=z), lambda x, y, z: torch.diff(x, prepend=y, append=z),
             [a, p, q])
    run_both(lambda x: x.diff(), lambda t: t.diff(), [np.array([1, 4, 9, 3])], grad=False)
    run_both(lambda x: x.diff(), lambda t: t.diff(), [np.array([True, False, False, True])], grad=False)
    s = tl.Session()
    x, bad = s.input(a.astype(np.float32)), s.input(np.ones((2, 2), np.float32))
    n = len(s.tape.nodes)
    with pytest.raises(tl.ShapeError, match=r"diff: prepend must have input's shape \(3, 5\) except along dim 1, "
                                            r"got \(2, 2\)"):
        x.diff(prepend=bad)
    with pytest.raises(tl.ArgumentError, match=r"diff: n .* non-negative"):
        x.diff(n=-1)
    assert len(s.tape.nodes) == n


def test_dist():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    for p in (2, 1, 3.5, math.inf, 0):
        for dtype in (np.float64, np.float32):
            run_both(lambda x, y, q=p: x.dist(y, q), lambda x, y, q=p: x.dist(y, q), [a, b], dtype,
                     grad=p != 0)


# ----- closeness -----------------------------------------------------------------------------------------
def test_isclose_allclose_equal():
    a = np.array([1.0, 1.0 + 1e-9, np.nan, np.inf, -np.inf, 1.0, 0.0, 1e-9])
    b = np.array([1.0, 1.0, np.nan, np.inf, np.inf, 1.1, 1e-9, 0.0])
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 1e-3, "rtol": 0.0}, {"rtol": 0, "atol": 0}):
        run_both(lambda x, y, k=kw: x.isclose(y, **k), lambda x, y, k=kw: x.isclose(y, **k), [a, b], grad=False)
        s = tl.Session(dtype=np.float64)
        assert s.input(a).allclose(s.input(b), **kw) == torch.tensor(a).allclose(torch.tensor(b), **kw)
    i, j = np.array([1, 5, 10, 100]), np.array([1, 6, 10, 101])
    run_both(lambda x, y: tl.isclose(x, y, rtol=0.015), lambda x, y: torch.isclose(x, y, rtol=0.015), [i, j],
             grad=False, compiled=False)
    s = tl.Session(dtype=np.float64)
    x = s.input(a)
    assert tl.allclose(x, x, equal_nan=True) is True and tl.allclose(x, x) is False
    assert x.equal(x) is False  # NaN != NaN, as torch.equal
    assert tl.equal(s.input(i), s.input(i)) is True and tl.equal(s.input(i), s.input(j)) is False
    assert tl.equal(s.input(i), s.input(i[None])) is False
    assert tl.equal(s.input(i), s.input(i.astype(np.float64))) is True
    xi = s.input(i)
    n = len(s.tape.nodes)
    with pytest.raises(tl.DTypeError, match=r"isclose: input and other must have one dtype, got float64 and int64"):
        x.isclose(xi)
    with pytest.raises(tl.ArgumentError, match=r"isclose: rtol must be a number >= 0, got -1"):
        x.isclose(x, rtol=-1)
    assert len(s.tape.nodes) == n


def test_allclose_and_equal_refuse_in_traced_code():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones(3))
    for f in (lambda v: tl.allclose(v, v), lambda v: v.equal(v)):
        with pytest.raises(tl.ShapeError, match=r"(allclose|equal): the result is a Python bool"):
            tl.compile(lambda v, f=f: v * float(f(v)))(x)
    y = tl.compile(lambda v: v.isclose(v * 1.0).all())(x)
    assert y.numpy().item() is True


# ----- errors ---------------------------------------------------------------------------------------------
def test_errors_name_the_op_and_record_nothing():
    s = tl.Session()
    x = s.input(np.ones((2, 3), np.float32), requires_grad=True)
    y = s.input(np.ones((4,), np.float32))
    d = s.input(np.ones((2, 3)), dtype=np.float64)
    xi = s.input(np.array([1, 2, 3]))
    n = len(s.tape.nodes)
    cases = [
        (lambda: x.atan2(y), tl.ShapeError, r"atan2: .*\(2, 3\).*\(4,\)"),
        (lambda: x.hypot(d), tl.DTypeError, "hypot: .*float32 and float64"),
        (lambda: x.add(y), tl.ShapeError, r"add: .*\(2, 3\).*\(4,\)"),
        (lambda: x.fmod("a"), tl.DTypeError, "fmod: other must be a torchlean tensor or a number, got str"),
        (lambda: x.cumprod(), tl.ArgumentError, "cumprod: dim is required"),
        (lambda: x.cummax(5), tl.ShapeError, "cummax"),
        (lambda: x.logcumsumexp(dim=(0, 1)), tl.ArgumentError, "logcumsumexp: dim is required"),
        (lambda: x.lerp(y, 0.5), tl.ShapeError, r"lerp: .*\(4,\)"),
        (lambda: x.dist(xi), tl.DTypeError, "dist: expected float tensors, got other of int64"),
        (lambda: x.aminmax(dim=(0, 1)), tl.ArgumentError, "aminmax: dim must be an int"),
        (lambda: x.logit(eps="x"), tl.ArgumentError, "logit: eps must be a number or None, got str"),
        (lambda: tl.tan(np.ones(3)), tl.DTypeError, "tan: expected a torchlean tensor"),
        (lambda: x.isclose(x, equal_nan=1), tl.ArgumentError, "isclose: equal_nan must be a bool"),
    ]
    for f, err, msg in cases:
        with pytest.raises(err, match=msg):
            f()
        assert len(s.tape.nodes) == n, msg


def test_methods_exist_on_tensors_and_traced_values():
    from torchlean.compiled.ir import Var

    names = ("add sub subtract mul multiply div divide true_divide positive tan asin acos atan sinh cosh asinh "  # noqa: SIM905
             "acosh atanh arcsin arccos arctan arcsinh arccosh arctanh atan2 arctan2 log2 log10 exp2 erfc logit "
             "xlogy hypot fmod copysign fmax fmin frac sgn signbit heaviside float_power sinc deg2rad rad2deg lerp "
             "addcmul addcdiv isnan isinf isfinite isposinf isneginf isreal nan_to_num cumprod cummax cummin "
             "logcumsumexp nansum nanmean aminmax count_nonzero diff dist isclose allclose equal").split()
    for n in names:
        assert hasattr(TensorRef, n) and hasattr(Var, n), n
        assert hasattr(tl, n), n
    for n in ("std_mean", "var_mean"):
        assert hasattr(tl, n) and not hasattr(torch.Tensor, n)
