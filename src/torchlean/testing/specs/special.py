"""Specs of the ``torch.special`` primitives (``ops/special_erf.py``, ``special_bessel.py``,
``special_gamma.py``) and of the composites of ``pt/special.py``, ``pt/more_math.py`` and
``pt/more_shape.py`` (named ``torch_<name>``).

Samples stay away from poles (lgamma and polygamma at 0, -1, -2...), from the edges of the
domains (erfinv at +-1, ndtri at 0 and 1) and from kinks (renorm's threshold, log_ndtr's branch
point at -1 is smooth); edge values are unit-tested in ``tests/unit/test_pt_special.py``.
PyTorch's trigamma (the derivative of digamma) has relative errors up to ~5e-10, so the gamma
specs compare at 3e-9.
"""

from __future__ import annotations

import numpy as np

from ..._core.registry import REGISTRY as P
from ...pt import more_math as mm
from ...pt import more_shape as ms
from ...pt import special as sp
from ..opspec import OpSpec, Sample, normal, positive, unary_samples


def _prim(name: str, make, ref, **kw) -> OpSpec:
    p = P[name]
    return OpSpec(name, unary_samples(make), call=lambda ops, x, **k: ops.bind(p, x, **k), torch=ref, **kw)


def _pt(name: str, samples, ref, module=sp, **kw) -> OpSpec:
    fn = getattr(module, name)
    return OpSpec(f"torch_{name}", samples, call=lambda ops, *a, **k: fn(*a, **k), torch=ref, **kw)


def _no_poles(rng: np.random.Generator, s: tuple[int, ...]) -> np.ndarray:
    """Values in (-4, 6) at least 0.2 away from the non-positive integers."""
    x = rng.uniform(-4.0, 6.0, s)
    frac = x - np.round(x)
    near = (x < 0.5) & (np.abs(frac) < 0.2)
    return np.where(near, np.round(x) + 0.2 * np.where(frac >= 0, 1.0, -1.0) + 0.3 * frac, x)


def _erfcx_samples(rng: np.random.Generator) -> list[Sample]:
    return [*unary_samples(lambda r, s: normal(r, *s) * 3)(rng),
            Sample((np.array([-5.0, -1.3, 0.5, 1.2, 1.3, 2.9, 6.0, 27.0, 29.0, 1e3]),), {}, "branches")]


def _polygamma_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((_no_poles(rng, s),), {"n": n}, f"n={n},{s}") for n in (0, 1, 2, 3) for s in ((5,), (3, 4))] + [
        Sample((positive(rng, 6, lo=10.0, hi=40.0),), {"n": 1}, "n=1 large")]


def _xlog1py_samples(rng: np.random.Generator) -> list[Sample]:
    x = normal(rng, 3, 4)
    x[0, :2] = 0.0
    return [Sample((x, rng.uniform(-0.8, 3.0, (3, 4))), {}, "zeros"),
            Sample((normal(rng, 3, 1), rng.uniform(-0.8, 3.0, (4,))), {}, "bcast")]


def _pair(ops, name, a, b):
    return ops._pair(name, a, b)


def _lae_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4) * 3, normal(rng, 3, 4) * 3), {}, "same"),
            Sample((normal(rng, 3, 1), normal(rng, 4)), {}, "bcast"),
            Sample((normal(rng, 5) * 40, normal(rng, 5) * 40), {}, "wide")]


def _renorm_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4) * 2,), {"p": 2, "dim": 0, "maxnorm": 1.5}, "p2 dim0"),
            Sample((normal(rng, 2, 3, 4),), {"p": 1, "dim": 1, "maxnorm": 2.0}, "p1 dim1"),
            Sample((normal(rng, 4, 3),), {"p": 3.0, "dim": -1, "maxnorm": 0.7}, "p3 dim-1")]


def _trap_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 5),), {}, "dx=1"), Sample((normal(rng, 4, 3),), {"dx": 0.3, "dim": 0}, "dx dim0"),
            Sample((normal(rng, 3, 5), np.sort(normal(rng, 5))), {}, "x 1-D"),
            Sample((normal(rng, 2, 3, 4), normal(rng, 3, 4)), {"dim": 1}, "x bcast")]


def _cov_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 6),), {}, "plain"), Sample((normal(rng, 7),), {"correction": 0}, "1-D"),
            Sample((normal(rng, 2, 5), rng.integers(1, 4, 5), positive(rng, 5)), {"correction": 2}, "weights")]


def _cov_call(ops, x, *w, **k):
    if w:
        k = {**k, "fweights": w[0], "aweights": w[1]}
    return mm.cov(x, **k)


def _cov_ref(t, x, *w, **k):
    if w:
        k = {**k, "fweights": w[0], "aweights": w[1]}
    return t.cov(x, **k)


SPECS: list[OpSpec] = [
    # ----- primitives -------------------------------------------------------------------------------
    OpSpec("erfcx", _erfcx_samples, call=lambda ops, x: ops.bind(P["erfcx"], x),
           torch=lambda t, x: t.special.erfcx(x), rtol=1e-12),
    _prim("erfinv", lambda r, s: r.uniform(-0.95, 0.95, s), lambda t, x: t.erfinv(x), rtol=1e-12),
    _prim("ndtri", lambda r, s: r.uniform(0.02, 0.98, s), lambda t, x: t.special.ndtri(x), rtol=1e-12),
    _prim("entr", lambda r, s: positive(r, *s), lambda t, x: t.special.entr(x)),
    OpSpec("xlog1py", _xlog1py_samples, call=lambda ops, a, b: ops.bind(P["xlog1py"], *_pair(ops, "xlog1py", a, b)),
           torch=lambda t, a, b: t.special.xlog1py(a, b)),
    _prim("i0", lambda r, s: normal(r, *s) * 8, lambda t, x: t.special.i0(x), rtol=5e-14),
    _prim("i0e", lambda r, s: normal(r, *s) * 8, lambda t, x: t.special.i0e(x), rtol=5e-14),
    _prim("i1", lambda r, s: normal(r, *s) * 8, lambda t, x: t.special.i1(x), rtol=5e-14),
    _prim("i1e", lambda r, s: normal(r, *s) * 8, lambda t, x: t.special.i1e(x), rtol=5e-14),
    _prim("lgamma", _no_poles, lambda t, x: t.lgamma(x), rtol=3e-9, atol=1e-12),
    OpSpec("polygamma", _polygamma_samples, call=lambda ops, x, n: ops.bind(P["polygamma"], x, n=n),
           torch=lambda t, x, n: t.polygamma(n, x), rtol=3e-9, atol=1e-12),
    # ----- torch.special composites -------------------------------------------------------------------
    _pt("ndtr", unary_samples(lambda r, s: normal(r, *s) * 2), lambda t, x: t.special.ndtr(x)),
    _pt("log_ndtr", lambda rng: [*unary_samples(lambda r, s: normal(r, *s) * 3)(rng),
                                 Sample((np.array([-40.0, -8.0, -1.5, -0.5, 3.0, 9.0]),), {}, "tails")],
        lambda t, x: t.special.log_ndtr(x), rtol=1e-12),
    _pt("expit", unary_samples(lambda r, s: normal(r, *s) * 3), lambda t, x: t.special.expit(x)),
    _pt("mvlgamma", lambda rng: [Sample((positive(rng, 3, 4, lo=2.1, hi=6.0),), {"p": p}, f"p={p}") for p in (1, 3, 4)],
        lambda t, x, p: t.mvlgamma(x, p), rtol=3e-9),
    # ----- more math and shape ------------------------------------------------------------------------
    _pt("logaddexp", _lae_samples, lambda t, a, b: t.logaddexp(a, b), module=mm),
    _pt("logaddexp2", _lae_samples, lambda t, a, b: t.logaddexp2(a, b), module=mm),
    _pt("renorm", _renorm_samples, lambda t, x, **k: t.renorm(x, **k), module=mm),
    _pt("trapezoid", _trap_samples, lambda t, y, *x, **k: t.trapezoid(y, *x, **k), module=mm),
    _pt("cumulative_trapezoid", _trap_samples, lambda t, y, *x, **k: t.cumulative_trapezoid(y, *x, **k), module=mm),
    OpSpec("torch_cov", _cov_samples, call=_cov_call, torch=_cov_ref),
    _pt("corrcoef", lambda rng: [Sample((normal(rng, 3, 6),), {}, "3x6")], lambda t, x: t.corrcoef(x), module=mm),
    _pt("rsub", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 4)), {"alpha": 2.5}, "alpha"),
                             Sample((normal(rng, 5),), {"other": 1.5}, "number")],
        lambda t, a, *b, **k: t.rsub(a, *b, **k), module=mm),
    _pt("diagflat", lambda rng: [Sample((normal(rng, 2, 2),), {"offset": o}, f"offset={o}") for o in (0, 1, -2)],
        lambda t, x, **k: t.diagflat(x, **k), module=ms),
    OpSpec("torch_take", lambda rng: [Sample((normal(rng, 3, 4), rng.integers(-12, 12, (2, 5))), {}, "2-D index")],
           call=lambda ops, x, i: ms.take(x, i), torch=lambda t, x, i: t.take(x, i)),
    OpSpec("torch_searchsorted", lambda rng: [
        Sample((np.sort(normal(rng, 3, 6), -1), normal(rng, 3, 4)), {"right": r}, f"right={r}") for r in (False, True)],
        call=lambda ops, s, v, **k: ms.searchsorted(s, v, **k), torch=lambda t, s, v, **k: t.searchsorted(s, v, **k),
        nondiff=(0, 1), fd=False),
]
