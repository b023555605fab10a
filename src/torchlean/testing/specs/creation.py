"""Specs of the deterministic constructors (``s.zeros``, ``s.arange``...) and ``torch.*_like``.

The torch references ask for float64 where the constructor's default float dtype is the
binder's (the sweeps run float64 sessions). PyTorch's CPU ``arange``/``linspace`` accumulate
within SIMD blocks, so they are compared to the last few bits (rtol), not exactly.
"""

from __future__ import annotations

from ...pt import creation as ptc
from ..opspec import OpSpec, Sample, normal


def _c(name: str, cases, torch, **kw) -> OpSpec:
    """A constructor spec: ``ops.<name>(*args, **kwargs)`` with static arguments only."""
    return OpSpec(name, lambda rng: [Sample((), {"a": a, "k": k}, f"{a}{k}") for a, k in cases],
                  call=lambda ops, a, k: getattr(ops, name)(*a, **k), torch=lambda t, a, k: torch(t, a, k),
                  binds=(), **kw)


def _t_kw(t, k):
    """Keyword arguments for torch: dtype names as torch dtypes, float64 by default."""
    out = dict(k)
    out["dtype"] = getattr(t, out.get("dtype", "float64"))
    return out


SPECS: list[OpSpec] = [
    _c("zeros", [((2, 3), {}), (((4,),), {}), (((),), {}), ((2, 0), {}), ((3,), {"dtype": "int64"})],
       lambda t, a, k: t.zeros(*a, **_t_kw(t, k))),
    _c("ones", [((2, 3), {}), (([3, 1],), {}), ((2,), {"dtype": "bool"})],
       lambda t, a, k: t.ones(*a, **_t_kw(t, k))),
    _c("full", [(((2, 3), -4.826984902407649), {}), (((5,), 9), {}), (((2,), True), {}),
                (((3,), 1.5), {"dtype": "int64"})],
       lambda t, a, k: t.full(*a, **(_t_kw(t, k) if k or isinstance(a[1], float) else {}))),
    _c("arange", [((5,), {}), ((-1, 2, 2), {}), ((2, -3, -1), {}), ((1, 1), {}), ((0.0, -8.000001, -4.0), {}),
                  ((-0.9, 2.1, 2.0), {}), ((0.1, 1.1), {}), ((3.1,), {}), ((0, 10000), {}),
                  ((0, 7), {"dtype": "int64"}), ((0, 1, 0.01), {}),
                  ((-3.3, 7.7, 0.37), {})],
       lambda t, a, k: t.arange(*a, **(_t_kw(t, k) if k or any(isinstance(v, float) for v in a) else {})),
       rtol=1e-14, atol=1e-14),
    _c("linspace", [((-2.0, -3, 50), {}), ((0, 1, 5), {}), ((4.3, 50, 50), {}), ((1, 2, 1), {}),
                    ((3, 3, 0), {}), ((-3.3, 7.7, 13), {}), ((0, 10, 4), {"dtype": "int64"})],
       lambda t, a, k: t.linspace(*a, **_t_kw(t, k)), rtol=1e-14, atol=1e-14),
    _c("eye", [((3,), {}), ((2, 4), {}), ((0,), {}), ((3, 1), {"dtype": "int64"})],
       lambda t, a, k: t.eye(*a, **_t_kw(t, k))),
    OpSpec("torch.zeros_like", lambda rng: [Sample((normal(rng, 2, 3),), {}), Sample((normal(rng),), {}),
                                            Sample((rng.integers(0, 5, (4,)),), {}, "int")],
           call=lambda ops, x: ptc.zeros_like(x), torch=lambda t, x: t.zeros_like(x), nondiff=(0,)),
    OpSpec("torch.ones_like", lambda rng: [Sample((normal(rng, 2, 3),), {}),
                                           Sample((normal(rng, 4),), {"dtype": "int64"}, "int")],
           call=lambda ops, x, **k: ptc.ones_like(x, **k),
           torch=lambda t, x, **k: t.ones_like(x, **({"dtype": t.int64} if k else {})), nondiff=(0,)),
    OpSpec("torch.full_like", lambda rng: [Sample((normal(rng, 2, 3),), {"fill_value": 2.5}),
                                           Sample((rng.integers(0, 5, (4,)),), {"fill_value": 7}, "int")],
           call=lambda ops, x, fill_value: ptc.full_like(x, fill_value),
           torch=lambda t, x, fill_value: t.full_like(x, fill_value), nondiff=(0,)),
]
