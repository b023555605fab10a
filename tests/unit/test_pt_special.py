"""``torchlean.special`` and ``tl.lgamma / digamma / polygamma / erfinv / i0 / mvlgamma`` against
torch (float64): values over wide ranges (tails, branch points, large arguments), gradients
eagerly and under ``tl.compile``, second derivatives, the values at the domain edges, float32,
and the errors (type, message naming the op, nothing recorded).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import special as S

RNG = np.random.default_rng(5)


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(all="ignore"):
        return np.where(a == b, 0.0, np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


def check_values(fn, tfn, x, rtol, atol=0.0):
    s = tl.Session(dtype=np.float64)
    got = fn(s.input(x)).numpy()
    want = tfn(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def check_grad(fn, tfn, x, rtol=1e-10, compiled=True):
    t = torch.tensor(x, requires_grad=True)
    cot = RNG.standard_normal(x.shape)
    (tfn(t) * torch.tensor(cot)).sum().backward()
    for mode in ("eager", "compiled") if compiled else ("eager",):
        s = tl.Session(dtype=np.float64)
        v = s.input(x, requires_grad=True)
        out = (tl.compile(fn) if mode == "compiled" else fn)(v)
        np.testing.assert_allclose(out.numpy(), tfn(torch.tensor(x)).detach().numpy(), rtol=rtol, err_msg=mode)
        (out * s.input(cot)).sum().backward()
        np.testing.assert_allclose(np.asarray(v.grad), t.grad.numpy(), rtol=rtol, atol=1e-300, err_msg=mode)


WIDE = np.concatenate([np.linspace(-30, 30, 601), [-1e3, -40.0, 1e-8, -1e-8, 0.0, 1.25, 2.857, 28.0, 1e3, 1e150]])

# (function name in torchlean.special, torch function, inputs, rtol[, atol])
VALUES = [
    ("erfcx", torch.special.erfcx, np.concatenate([np.linspace(-26, 30, 801), [1e3, 1e10, 1e200]]), 2e-13),
    ("erfinv", torch.erfinv, np.concatenate([np.linspace(-0.9999, 0.9999, 801), 1 - np.geomspace(1e-16, 0.4, 40),
                                             np.geomspace(1e-300, 0.4, 40)]), 2e-15),
    ("ndtri", torch.special.ndtri, np.concatenate([np.linspace(1e-4, 1 - 1e-4, 801), np.geomspace(5e-324, 0.2, 80),
                                                   1 - np.geomspace(1e-16, 0.2, 40)]), 2e-15),
    ("ndtr", torch.special.ndtr, WIDE, 1e-15, 2e-16),  # 1 + erf cancels: an ulp of erf is 1e-16 absolute
    ("log_ndtr", torch.special.log_ndtr, np.concatenate([WIDE, [-1e5, -38.0]]), 1e-13),
    ("entr", torch.special.entr, np.concatenate([WIDE, [np.inf, np.nan]]), 1e-15),
    ("expit", torch.special.expit, WIDE, 4e-15),  # sigmoid is exp(-softplus(-x)): a few ulps from torch
    ("i0", torch.special.i0, np.concatenate([np.linspace(-60, 60, 961), [700.0, -709.0]]), 3e-15),
    ("i0e", torch.special.i0e, np.concatenate([WIDE, [700.0, 1e6]]), 3e-15),
    ("i1", torch.special.i1, np.concatenate([np.linspace(-60, 60, 961), [700.0, -709.0, 1e-300]]), 3e-15),
    ("i1e", torch.special.i1e, np.concatenate([WIDE, [700.0, 1e6, -1e-300]]), 3e-15),
    ("gammaln", torch.special.gammaln, np.concatenate([np.linspace(0.01, 40, 800), [1.0, 2.0, 1e-300, 1e5, 1e300]]),
     1e-15),
    ("digamma", torch.special.digamma, np.concatenate([np.linspace(-9.95, 40, 500), [1e-300, 1e10, 10.0]]), 1e-14),
]


@pytest.mark.parametrize("case", VALUES, ids=[v[0] for v in VALUES])
def test_values_against_torch(case):
    name, tfn, x, rtol, *atol = case
    if name == "digamma":  # away from its positive root 1.4616..., where only the absolute error is small
        x = x[np.abs(x - 1.4616321449683622) > 0.05]
    check_values(getattr(S, name), tfn, x, rtol, *atol)


def test_lgamma_negative_and_near_zeros():
    x = np.concatenate([np.linspace(-9.9, -0.1, 99), np.linspace(0.9, 1.1, 41), np.linspace(1.9, 2.1, 41)])
    check_values(tl.lgamma, torch.lgamma, x, rtol=1e-13, atol=1e-14)
    z = np.array([1.0 + 1e-12, 2.0 - 1e-12, 1.0 - 1e-9])  # relative precision next to the zeros at 1 and 2
    check_values(tl.lgamma, torch.lgamma, z, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_polygamma_values(n):
    x = np.concatenate([np.linspace(0.05, 40, 400), np.linspace(-7.95, -0.05, 80)])
    x = x[np.abs(x - np.round(x)) > 0.04]
    rtol = 2e-9 if n == 1 else 5e-13  # PyTorch's trigamma: relative errors up to 5e-10
    check_values(lambda v: tl.polygamma(n, v), lambda t: torch.polygamma(n, t), x, rtol=rtol)


def test_polygamma_one_is_accurate():
    # trigamma's known values: pi^2/6 at 1, pi^2/2 at 1/2, pi^2/6 - 1 at 2
    s = tl.Session(dtype=np.float64)
    got = tl.polygamma(1, s.input(np.array([1.0, 0.5, 2.0]))).numpy()
    np.testing.assert_allclose(got, [math.pi ** 2 / 6, math.pi ** 2 / 2, math.pi ** 2 / 6 - 1], rtol=4e-16)


@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_mvlgamma(p):
    x = RNG.uniform((p - 1) / 2 + 0.1, 9.0, (3, 4))
    check_grad(lambda v: v.mvlgamma(p), lambda t: t.mvlgamma(p), x, rtol=3e-9)
    check_values(lambda v: S.multigammaln(v, p), lambda t: torch.special.multigammaln(t, p), x, rtol=1e-14)


EDGES = [
    ("erfinv", np.array([1.0, -1.0, 1.5, -2.0, np.nan, 0.0, -0.0]), torch.erfinv),
    ("ndtri", np.array([0.0, 1.0, -0.1, 1.1, np.nan, 0.5]), torch.special.ndtri),
    ("erfcx", np.array([np.inf, -np.inf, np.nan, -27.0, 0.0]), torch.special.erfcx),
    ("entr", np.array([0.0, -1.0, -np.inf, np.inf, np.nan]), torch.special.entr),
    ("gammaln", np.array([0.0, -0.0, -1.0, -2.0, np.inf, -np.inf, np.nan]), torch.special.gammaln),
    ("digamma", np.array([0.0, -0.0, -1.0, -3.0, np.inf, np.nan]), torch.special.digamma),
    ("i0e", np.array([np.inf, -np.inf, np.nan]), torch.special.i0e),
    ("i1e", np.array([np.inf, -np.inf, np.nan, 0.0]), torch.special.i1e),
    ("log_ndtr", np.array([-np.inf, np.inf, np.nan]), torch.special.log_ndtr),
]


@pytest.mark.parametrize("name,x,tfn", EDGES, ids=[e[0] for e in EDGES])
def test_edges_as_torch(name, x, tfn):
    s = tl.Session(dtype=np.float64)
    got = getattr(S, name)(s.input(x)).numpy()
    np.testing.assert_array_equal(got, tfn(torch.tensor(x)).numpy())
    assert np.array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(tfn(torch.tensor(x)).numpy()[~np.isnan(got)]))


def test_documented_edge_divergences():
    s = tl.Session(dtype=np.float64)
    inf = s.input(np.array([np.inf, -np.inf]))
    assert tl.i0(inf).numpy().tolist() == [np.inf, np.inf]  # PyTorch: NaN
    assert S.i1(inf).numpy().tolist() == [np.inf, -np.inf]
    poles = s.input(np.array([0.0, -1.0, -2.0]))
    assert tl.polygamma(1, poles).numpy().tolist() == [np.inf] * 3
    assert tl.polygamma(2, poles).numpy().tolist() == [-np.inf] * 3
    assert tl.polygamma(3, s.input(np.array([np.inf]))).numpy().tolist() == [0.0]


GRADS = [
    ("erfcx", np.array([-3.0, -0.5, 0.7, 1.3, 3.0, 10.0, 30.0])),
    ("erfinv", np.array([-0.99, -0.6, -0.1, 0.3, 0.55, 0.999])),
    ("ndtri", np.array([1e-10, 0.03, 0.3, 0.5, 0.8, 0.99])),
    ("ndtr", np.array([-5.0, -0.3, 0.2, 4.0])),
    ("log_ndtr", np.array([-40.0, -5.0, -1.5, -0.5, 2.0, 9.0])),
    ("entr", np.array([0.1, 1.0, 3.0])),
    ("expit", np.array([-20.0, 0.5, 3.0])),
    ("i0", np.array([-30.0, -2.0, 0.3, 5.0, 25.0])),
    ("i0e", np.array([-30.0, -2.0, 0.3, 5.0, 25.0])),
    ("i1", np.array([-30.0, -2.0, 0.0, 0.3, 5.0, 25.0])),
    ("i1e", np.array([-30.0, -2.0, 0.0, 0.3, 5.0, 25.0])),
    ("gammaln", np.array([-2.5, -0.3, 0.2, 1.5, 7.0, 30.0])),
    ("digamma", np.array([-2.5, -0.3, 0.2, 1.5, 7.0, 30.0])),
    ("psi", np.array([0.7, 3.0])),
    ("erf", np.array([-1.0, 0.4])),
    ("erfc", np.array([-1.0, 0.4, 5.0])),
    ("expm1", np.array([-1.0, 1e-8])),
    ("log1p", np.array([-0.5, 1e-8])),
    ("exp2", np.array([-1.0, 3.0])),
    ("sinc", np.array([-1.3, 0.4])),
    ("logit", np.array([0.2, 0.9])),
]


@pytest.mark.parametrize("name,x", GRADS, ids=[g[0] for g in GRADS])
def test_gradients_eager_and_compiled(name, x):
    tfn = getattr(torch.special, name)
    rtol = 3e-9 if name in ("gammaln", "digamma", "psi") else 1e-12
    if name == "log_ndtr":
        rtol = 1e-11  # both gradients cancel x^2/2 against the log: ~1e-13 near x = -40
    check_grad(getattr(S, name), tfn, x, rtol=rtol)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_polygamma_gradient_and_second_derivative(n):
    x = np.array([-2.3, 0.4, 1.7, 6.0])
    check_grad(lambda v: v.polygamma(n), lambda t: torch.polygamma(n, t), x, rtol=3e-9)
    # the Hessian of sum(polygamma(n, x)) is diagonal, polygamma(n + 2, x): the rules differentiate again
    hv = tl.hvp(lambda ops, u: ops.sum(S.polygamma(n, u)), [x], [np.ones(4)])[0]
    np.testing.assert_allclose(hv, torch.polygamma(n + 2, torch.tensor(x)).numpy(), rtol=1e-12)


def test_xlog1py_and_xlogy():
    x = np.array([0.0, 0.0, 0.0, 1.5, -2.0, 0.0])
    y = np.array([-1.0, np.inf, np.nan, 0.5, 3.0, 2.0])
    s = tl.Session(dtype=np.float64)
    a, b = s.input(x, requires_grad=True), s.input(y, requires_grad=True)
    out = S.xlog1py(a, b)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    ref = torch.special.xlog1py(ta, tb)
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    cot = np.array([1.0, 2.0, 0.5, -1.0, 0.3, 1.0])
    (out * s.input(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    # d/dx is log1p(y): NumPy's and torch's log1p may differ in the last bit (CPU-dependent libm)
    np.testing.assert_allclose(np.asarray(a.grad), ta.grad.numpy(), rtol=1e-15)
    fin = np.isfinite(tb.grad.numpy())
    np.testing.assert_allclose(np.asarray(b.grad)[fin], tb.grad.numpy()[fin], rtol=1e-15)
    assert S.xlog1py(2.0, b).numpy()[3] == pytest.approx(2 * math.log1p(0.5))
    assert S.xlog1py(a, 1).dtype == np.float64 and S.xlogy(a, 2.0).numpy()[3] == pytest.approx(1.5 * math.log(2))
    run = tl.compile(lambda u, w: S.xlog1py(u, w))(s.input(x[3:]), s.input(y[3:]))
    np.testing.assert_allclose(run.numpy(), ref.detach().numpy()[3:], rtol=1e-15)


def test_reused_functions_and_signatures():
    s = tl.Session(dtype=np.float64)
    x = s.input(RNG.standard_normal((3, 4)))
    t = torch.tensor(x.numpy())
    for got, want in [
        (S.softmax(x, 1), torch.special.softmax(t, 1)), (S.log_softmax(x, 0), torch.special.log_softmax(t, 0)),
        (S.logsumexp(x, 1, keepdim=True), torch.special.logsumexp(t, 1, keepdim=True)),
        (S.round(x * 10, decimals=1), torch.special.round(t * 10, decimals=1)),
        (S.softmax(x, -1, dtype=np.float32), torch.special.softmax(t, -1, dtype=torch.float32)),
    ]:
        assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6 if got.dtype == np.float32 else 1e-14)
    assert set(S.__all__) <= set(dir(torch.special)) and tl.special is S


def test_integers_promote_and_float32():
    s = tl.Session()  # float32
    i = s.input(np.array([1, 2, 3]))
    for f in (S.i0, S.erfcx, tl.lgamma, tl.digamma, S.ndtr, S.entr, S.expit):
        assert f(i).dtype == np.float32
    x = RNG.uniform(0.1, 0.9, 20)
    for name in ("ndtri", "erfinv", "erfcx", "i0e", "i1", "gammaln", "digamma", "log_ndtr"):
        got = getattr(S, name)(s.input(x.astype(np.float32))).numpy()
        want = getattr(torch.special, name)(torch.tensor(x.astype(np.float32))).numpy()
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7, err_msg=name)


def test_errors_name_the_op_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones(3), requires_grad=True)
    y = s.input(np.ones(2))
    n = len(s.tape.nodes)
    cases = [
        (lambda: tl.polygamma(-1, x), tl.ArgumentError, "polygamma: n must be a non-negative int"),
        (lambda: tl.polygamma(1.5, x), tl.ArgumentError, "polygamma: n must be a non-negative int"),
        (lambda: x.mvlgamma(0), tl.ArgumentError, "mvlgamma: p has to be an int greater than or equal to 1"),
        (lambda: S.ndtri(np.ones(3)), tl.DTypeError, "ndtri: expected a torchlean tensor"),
        (lambda: S.erfcx(x, out=x), tl.ArgumentError, "erfcx: out= is not supported"),
        (lambda: S.xlog1py(x, "a"), tl.DTypeError, "xlog1py: other must be a torchlean tensor or a number"),
        (lambda: S.xlog1py(x, y), tl.ShapeError, r"xlog1py: .*\(3,\).*\(2,\)"),
        (lambda: S.softmax(x, 3), tl.ShapeError, "softmax"),
    ]
    for f, err, msg in cases:
        with pytest.raises(err, match=msg):
            f()
        assert len(s.tape.nodes) == n, msg


def test_methods_exist_on_tensors_and_traced_values():
    from torchlean.compiled.ir import Var
    from torchlean.eager.tensor import TensorRef

    for n in ("erfinv", "i0", "lgamma", "digamma", "polygamma", "mvlgamma"):
        assert hasattr(TensorRef, n) and hasattr(Var, n) and hasattr(torch.Tensor, n), n
        assert hasattr(tl, n) and hasattr(torch, n), n
