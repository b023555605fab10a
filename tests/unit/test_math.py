"""Elementwise math and matrix products with torch's names: signatures, dtypes, kinks, errors.

The sweeps (tests/ops) check values and gradients on kink-free samples; this file checks what
they avoid on purpose (kinks, ties, jumps), the keyword names and defaults of torch's
signatures, integer semantics and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.pt import math as tm


def session(dtype=np.float64):
    return tl.Session(dtype=dtype)


def grads_vs_torch(fn_ours, fn_torch, *arrays):
    """Forward value and gradients of sum(fn(...)) for float64 inputs, ours and torch's."""
    s = session()
    xs = [s.input(a, requires_grad=True) for a in arrays]
    out = fn_ours(*xs)
    g = s.backward(out.sum())
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = fn_torch(*ts)
    ref.sum().backward()
    return (out.numpy(), [g[x] for x in xs]), (ref.detach().numpy(), [t.grad.numpy() for t in ts])


def assert_same(ours, ref):
    (v, gs), (rv, rgs) = ours, ref
    np.testing.assert_array_equal(v, rv)
    for a, b in zip(gs, rgs):
        np.testing.assert_array_equal(a, b)


# ----- torch's keyword names and defaults --------------------------------------------------------
def test_functions_take_torchs_keyword_names():
    s = session()
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((3, 5))
    x, y, z = s.input(a), s.input(b), s.input(c)
    calls = [
        (tm.clamp(input=x, min=-0.5, max=0.5), torch.clamp(input=torch.tensor(a), min=-0.5, max=0.5)),
        (tm.pow(input=x, exponent=3), torch.pow(input=torch.tensor(a), exponent=3)),
        (tm.mm(input=x, mat2=y), torch.mm(input=torch.tensor(a), mat2=torch.tensor(b))),
        (tm.addmm(input=z, mat1=x, mat2=y, beta=0.5, alpha=2.0),
         torch.addmm(input=torch.tensor(c), mat1=torch.tensor(a), mat2=torch.tensor(b), beta=0.5, alpha=2.0)),
        (tm.outer(input=s.input(a[0]), vec2=s.input(b[0])), torch.outer(input=torch.tensor(a[0]),
                                                                        vec2=torch.tensor(b[0]))),
        (tm.where(condition=x > 0, input=x, other=0.0), torch.where(torch.tensor(a) > 0, torch.tensor(a), 0.0)),
        (tm.round(x, decimals=1), torch.round(torch.tensor(a), decimals=1)),
        (tm.remainder(input=x, other=0.7), torch.remainder(input=torch.tensor(a), other=0.7)),
        (tm.maximum(input=x, other=s.input(a[::-1].copy())),
         torch.maximum(torch.tensor(a), torch.tensor(a[::-1].copy()))),
    ]
    for ours, ref in calls:
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


def test_tensor_methods_follow_torch_tensor():
    s = session()
    a = np.array([[-1.5, 0.25, 2.5], [3.0, -0.75, 0.5]])
    x, t = s.input(a), torch.tensor(a)
    pairs = [
        (x.clamp(min=0.0), t.clamp(min=0.0)), (x.clamp(-1, 1), t.clamp(-1, 1)), (x.clip(max=0.3), t.clip(max=0.3)),
        (x.clamp_min(0.3), t.clamp_min(0.3)), (x.clamp_max(0.3), t.clamp_max(0.3)),
        (x.pow(2), t.pow(2)), (x.square(), t.square()), (x.floor(), t.floor()), (x.ceil(), t.ceil()),
        (x.round(), t.round()), (x.round(decimals=1), t.round(decimals=1)), (x.trunc(), t.trunc()),
        (x.sign(), t.sign()), (x.abs(), t.abs()), (x.absolute(), t.absolute()), (x.neg(), t.neg()),
        (x.negative(), t.negative()), (x.exp(), t.exp()), (x.expm1(), t.expm1()), (x.sin(), t.sin()),
        (x.cos(), t.cos()), (x.erf(), t.erf()), (x.sigmoid(), t.sigmoid()), (x.tanh(), t.tanh()),
        (x.abs().log(), t.abs().log()), (x.abs().log1p(), t.abs().log1p()), (x.abs().sqrt(), t.abs().sqrt()),
        (x.abs().rsqrt(), t.abs().rsqrt()), (x.reciprocal(), t.reciprocal()),
        (x.floor_divide(0.5), t.floor_divide(0.5)), (x.remainder(0.5), t.remainder(0.5)),
        (x.eq(0.5), t.eq(0.5)), (x.ne(0.5), t.ne(0.5)), (x.lt(0.5), t.lt(0.5)), (x.le(0.5), t.le(0.5)),
        (x.gt(0.5), t.gt(0.5)), (x.ge(0.5), t.ge(0.5)), (x.greater(0.5), t.greater(0.5)),
        (x.logical_and(x > 0), t.logical_and(t > 0)), (x.logical_not(), t.logical_not()),
        (x.logical_or(x > 0), t.logical_or(t > 0)), (x.logical_xor(x > 0), t.logical_xor(t > 0)),
        (x.where(x > 0, 0.0), t.where(t > 0, 0.0)), (x.maximum(x.neg()), t.maximum(t.neg())),
        (x.minimum(x.neg()), t.minimum(t.neg())), (x.mm(x.t()), t.mm(t.t())), (x.matmul(x.t()), t.matmul(t.t())),
        (x.t().matmul(x), t.t().matmul(t)),
        (s.input(a[None]).bmm(s.input(a.T[None].copy())), t[None].bmm(t.T[None])),
        (s.input(a[0]).outer(s.input(a[1])), t[0].outer(t[1])),
        (x.mm(x.t()).addmm(x, x.t(), beta=2, alpha=0.5), t.mm(t.t()).addmm(t, t.t(), beta=2, alpha=0.5)),
    ]
    for ours, ref in pairs:
        assert ours.shape == tuple(ref.shape)
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


def test_aliases_are_the_same_functions():
    s = session()
    x = s.input([[1.0, -2.0], [0.5, 3.0]])
    for alias, name in [("absolute", "abs"), ("negative", "neg"), ("clip", "clamp"), ("not_equal", "ne"),
                        ("less", "lt"), ("less_equal", "le"), ("greater", "gt"), ("greater_equal", "ge")]:
        args = (x, 0.5) if alias not in ("absolute", "negative", "clip") else (x,)
        kwargs = {"min": 0.0} if alias == "clip" else {}
        np.testing.assert_array_equal(getattr(tm, alias)(*args, **kwargs).numpy(),
                                      getattr(tm, name)(*args, **kwargs).numpy())


# ----- dtypes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos",
                                  "tanh", "sigmoid", "erf"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_functions_promote_integers_to_the_binder_float_dtype(name, dtype):
    s = session(dtype)
    x = s.input(np.array([1, 2, 3]))
    for y in (getattr(tm, name)(x), getattr(x, name)(), getattr(tm, name)(s.input([True, False, True]))):
        assert y.dtype == dtype
    ref = getattr(torch, name)(torch.tensor([1, 2, 3]).double()).numpy()
    np.testing.assert_allclose(getattr(tm, name)(x).numpy(), ref, rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("name", ["abs", "neg", "sign", "floor", "ceil", "round", "trunc", "square"])
def test_integer_functions_keep_int64(name):
    s = session()
    a = np.array([-3, 0, 2, 7])
    y = getattr(tm, name)(s.input(a))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), getattr(torch, name)(torch.tensor(a)).numpy())


def test_integer_division_power_and_clamp_keep_int64_as_torch():
    s = session()
    a, b = np.array([7, -7, 7, -7, 0]), np.array([2, 2, -2, -2, 3])
    x, y = s.input(a), s.input(b)
    ta, tb = torch.tensor(a), torch.tensor(b)
    cases = [(x // y, ta // tb), (x % y, ta % tb), (tm.floor_divide(x, 3), torch.floor_divide(ta, 3)),
             (tm.remainder(-7, y), torch.remainder(-7, tb)), (tm.pow(x, 2), torch.pow(ta, 2)),
             (tm.pow(2, y.clamp(min=0)), torch.pow(2, tb.clamp(min=0))), (tm.pow(x, y), torch.pow(ta, tb)),
             (tm.clamp(x, -1, 3), torch.clamp(ta, -1, 3)), (tm.clamp(x, y), torch.clamp(ta, tb)),
             (tm.maximum(x, y), torch.maximum(ta, tb)), (tm.outer(x, y), torch.outer(ta, tb))]
    for ours, ref in cases:
        assert ours.dtype == np.int64 and ref.dtype == torch.int64
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    # a float number or a float tensor promotes, as torch
    assert tm.clamp(x, max=1.5).dtype == np.float64
    assert (x % 1.5).dtype == np.float64 and tm.pow(x, 0.5).dtype == np.float64
    np.testing.assert_allclose((x % 1.5).numpy(), (ta % 1.5).numpy())


def test_integer_powers_with_negative_exponents_follow_torch():
    s = session()
    base, exp = np.array([1, -1, -1, 2, -2, 0, 3]), np.array([-3, -3, -2, -1, -2, 2, 0])
    ours = tm.pow(s.input(base), s.input(exp)).numpy()
    np.testing.assert_array_equal(ours, torch.pow(torch.tensor(base), torch.tensor(exp)).numpy())
    with pytest.raises(tl.ArgumentError, match="pow: integers to negative integer powers"):
        tm.pow(s.input(base), -1)


def test_integer_division_by_zero_raises_and_changes_nothing():
    s = session()
    x, y = s.input([1, 2, 3]), s.input([1, 0, 2])
    before = len(s)
    for f in (tm.floor_divide, tm.remainder):
        with pytest.raises(tl.ArgumentError, match="division by zero"):
            f(x, y)
        assert len(s) == before
    with pytest.raises(tl.ArgumentError, match="floor_divide"):
        x // 0
    assert len(s) == before


def test_float_division_by_zero_is_ieee_as_torch():
    s = session()
    a, b = np.array([1.0, -1.0, 0.0, 5.0, -5.0]), np.array([0.0, 0.0, 0.0, -0.0, 3.0])
    x, y = s.input(a), s.input(b)
    np.testing.assert_array_equal((x // y).numpy(), torch.floor_divide(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal((x % y).numpy(), torch.remainder(torch.tensor(a), torch.tensor(b)).numpy())


def test_remainder_has_the_sign_of_the_divisor():
    s = session()
    x = s.input([5.0, -5.0, 5.0, -5.0, 5.5])
    y = s.input([3.0, 3.0, -3.0, -3.0, 2.0])
    np.testing.assert_array_equal((x % y).numpy(), [2.0, 1.0, -1.0, -2.0, 1.5])
    np.testing.assert_array_equal((x // y).numpy(), [1.0, -2.0, -2.0, 1.0, 2.0])


# ----- kinks, ties and piecewise-constant ops ----------------------------------------------------
def test_round_is_half_to_even():
    s = session()
    a = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999999999996])
    np.testing.assert_array_equal(tm.round(s.input(a)).numpy(), torch.round(torch.tensor(a)).numpy())
    np.testing.assert_array_equal(tm.round(s.input(a)).numpy(), [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 2.0])


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign", "floor_divide"])
def test_piecewise_constant_ops_have_zero_gradients(name):
    s = session()
    x = s.input([0.5, 1.0, -2.5, 3.7], requires_grad=True)
    y = tm.floor_divide(x, 0.5) if name == "floor_divide" else getattr(tm, name)(x)
    np.testing.assert_array_equal(s.backward(y.sum())[x], np.zeros(4))
    np.testing.assert_array_equal(s.jvp(y, {x: np.ones(4)}), np.zeros(4))


def test_clamp_gradient_is_one_on_the_closed_interval_as_torch():
    a = np.array([-1.0, -0.5, 0.0, 1.0, 2.0, -3.0, np.nan])
    ours, ref = grads_vs_torch(lambda x: tm.clamp(x, -1.0, 1.0), lambda t: torch.clamp(t, -1.0, 1.0), a)
    assert_same(ours, ref)
    np.testing.assert_array_equal(ours[1][0], [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    # the seed's s.clamp keeps its strict rule
    s = session()
    x = s.input(a[:5], requires_grad=True)
    np.testing.assert_array_equal(s.backward(s.clamp(x, -1.0, 1.0).sum())[x], [0.0, 1.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("which", ["both", "min", "max"])
def test_clamp_with_tensor_bounds_matches_torch_at_every_tie(which):
    # every ordering of x, lo, hi, with ties x == lo, x == hi, lo == hi
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 0.5, 1.0, 1.0])
    lo = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0, 3.0])
    hi = np.array([3.0, 3.0, 3.0, 3.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    if which == "both":
        ours, ref = grads_vs_torch(tm.clamp, torch.clamp, x, lo, hi)
    elif which == "min":
        ours, ref = grads_vs_torch(tm.clamp_min, torch.clamp_min, x, lo)
    else:
        ours, ref = grads_vs_torch(lambda a, b: tm.clamp(a, max=b), lambda a, b: torch.clamp(a, max=b), x, hi)
    assert_same(ours, ref)


def test_clamp_propagates_nan_and_gives_max_when_min_exceeds_max():
    s = session()
    a = np.array([np.nan, 0.5, 5.0])
    np.testing.assert_array_equal(tm.clamp(s.input(a), 2.0, 1.0).numpy(), torch.clamp(torch.tensor(a), 2.0, 1.0))
    lo, hi = np.array([0.0, np.nan, 0.0]), np.array([1.0, 1.0, 1.0])
    np.testing.assert_array_equal(tm.clamp(s.input(a), s.input(lo), s.input(hi)).numpy(),
                                  torch.clamp(torch.tensor(a), torch.tensor(lo), torch.tensor(hi)).numpy())


def test_pow_gradients_at_zero_follow_torch():
    base = np.array([0.0, 0.0, 0.0, 2.0, 3.0, 0.0])
    expo = np.array([0.0, 2.0, 1.0, 0.0, -1.0, 3.0])
    ours, ref = grads_vs_torch(tm.pow, torch.pow, base, expo)
    assert_same(ours, ref)
    ours, ref = grads_vs_torch(lambda e: tm.pow(2.0, e), lambda e: torch.pow(2.0, e), expo)
    np.testing.assert_allclose(ours[1][0], ref[1][0], rtol=1e-15)


def test_maximum_and_minimum_split_ties_as_torch():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])
    assert_same(*grads_vs_torch(tm.maximum, torch.maximum, a, b))
    assert_same(*grads_vs_torch(tm.minimum, torch.minimum, a, b))


def test_expm1_and_log1p_are_accurate_near_zero():
    s = session()
    a = np.array([1e-12, -3e-10, 1e-300])
    np.testing.assert_array_equal(tm.expm1(s.input(a)).numpy(), torch.expm1(torch.tensor(a)).numpy())
    np.testing.assert_array_equal(tm.log1p(s.input(a)).numpy(), torch.log1p(torch.tensor(a)).numpy())
    assert tm.log1p(s.input([-1.0])).numpy()[0] == -np.inf


# ----- operators ---------------------------------------------------------------------------------
def test_operators_floor_divide_remainder_and_tensor_powers():
    s = session()
    a, b = np.array([5.0, -3.5, 2.25]), np.array([2.0, 1.5, -0.5])
    x, y = s.input(a, requires_grad=True), s.input(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    np.testing.assert_array_equal((x // y).numpy(), (ta // tb).detach().numpy())
    np.testing.assert_array_equal((7 // y).numpy(), (7 // tb).detach().numpy())
    np.testing.assert_array_equal((x % 2).numpy(), (ta % 2).detach().numpy())
    np.testing.assert_array_equal((7.5 % y).numpy(), (7.5 % tb).detach().numpy())
    z = 2.0 ** x
    np.testing.assert_allclose(z.numpy(), (2.0 ** ta).detach().numpy(), rtol=1e-15)
    r = x % y
    g = s.backward(r.sum() + z.sum())
    ((ta % tb).sum() + (2.0 ** ta).sum()).backward()
    np.testing.assert_allclose(g[x], ta.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(g[y], tb.grad.numpy(), rtol=1e-14)


# ----- matrix products ---------------------------------------------------------------------------
def test_addmm_with_beta_zero_ignores_nan_in_input():
    s = session()
    a, b = np.ones((2, 3)), np.ones((3, 2))
    c = np.full((2, 2), np.nan)
    out = tm.addmm(s.input(c), s.input(a), s.input(b), beta=0)
    np.testing.assert_array_equal(out.numpy(), torch.addmm(torch.tensor(c), torch.tensor(a), torch.tensor(b),
                                                           beta=0).numpy())


@pytest.mark.parametrize("call,match", [
    (lambda s: tm.mm(s.input(np.ones((2, 3, 4))), s.input(np.ones((4, 2)))), r"mm: expected matrices .*\(2, 3, 4\)"),
    (lambda s: tm.mm(s.input(np.ones((2, 3))), s.input(np.ones((4, 2)))), r"mm: expected .*\(2, 3\) @ \(4, 2\)"),
    (lambda s: tm.bmm(s.input(np.ones((2, 3, 4))), s.input(np.ones((3, 4, 2)))), r"bmm: expected"),
    (lambda s: tm.outer(s.input(np.ones((2, 3))), s.input(np.ones(2))), r"outer: expected two vectors"),
    (lambda s: tm.addmm(s.input(np.ones((3, 3))), s.input(np.ones((2, 3))), s.input(np.ones((3, 2)))),
     r"addmm: .*\(3, 3\)"),
])
def test_matrix_products_check_shapes_as_torch(call, match):
    s = session()
    with pytest.raises(tl.ShapeError, match=match):
        call(s)


# ----- errors ------------------------------------------------------------------------------------
def test_unsupported_arguments_raise_argument_errors_naming_them():
    s = session()
    x = s.input([1.0, 2.0])
    with pytest.raises(tl.ArgumentError, match="exp: out= is not supported"):
        tm.exp(x, out=x)
    with pytest.raises(tl.ArgumentError, match="where: the one-argument form"):
        tm.where(x > 1)
    with pytest.raises(tl.ArgumentError, match="clamp: at least one of min and max"):
        tm.clamp(x)
    with pytest.raises(tl.ArgumentError, match="round: decimals must be an int"):
        tm.round(x, decimals=1.5)
    with pytest.raises(tl.DTypeError, match="round: decimals=1 needs a float tensor"):
        tm.round(s.input([1, 2]), decimals=1)
    with pytest.raises(tl.TorchLeanError, match="exp: expected a torchlean tensor"):
        tm.exp(np.ones(2))


def test_failed_calls_leave_the_tape_unchanged():
    s = session()
    x, y = s.input(np.ones((2, 3)), requires_grad=True), s.input(np.ones((4,)))
    mask = x > 0
    before = len(s)
    for bad in (lambda: tm.clamp(x, y), lambda: tm.pow(x, y), lambda: tm.remainder(x, y),
                lambda: tm.addmm(x, x, x), lambda: tm.where(mask, x, y),
                lambda: tm.clamp(x, y, 1.0)):
        with pytest.raises(tl.TorchLeanError):
            bad()
        assert len(s) == before


def test_float32_and_float64_are_not_mixed():
    s = session(np.float32)
    x, y = s.input(np.ones(3, np.float32)), s.input(np.ones(3), dtype=np.float64)
    for f in (tm.pow, tm.remainder, tm.floor_divide, tm.maximum, lambda a, b: tm.clamp(a, b)):
        with pytest.raises(tl.DTypeError, match="float32 and float64"):
            f(x, y)


def test_traced_and_eager_agree():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)), rng.uniform(0.5, 2.0, (3, 4))

    def f(ops, x, y):
        return tm.clamp(x, -0.5, y).sin() + tm.pow(y, x) + x.floor_divide(0.3) * 0.0 + tm.remainder(x, y)

    c = tl.compile_out(f, [a, b], tl.Options(dtype=np.float64))
    s = session()
    np.testing.assert_allclose(c.forward(a, b), f(s, s.input(a), s.input(b)).numpy(), rtol=1e-14)


def test_the_users_page_example_runs():
    import pathlib
    import re

    page = pathlib.Path(__file__).resolve().parents[2] / "docs" / "for-pytorch-users" / "math.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
    assert blocks, "the page has no python example"
    envs = []
    for code in blocks:  # each block runs on its own
        env: dict = {}
        exec(compile(code, str(page), "exec"), env)
        envs.append(env)
    env = envs[0]
    assert env["accuracy"].item() == 0.5 and env["indices"].numpy().tolist() == [2, 1]
