"""Specs of the random ops: references computed from the documented (seed, counter) formula."""

from __future__ import annotations

import numpy as np

from ...pt import creation as ptc
from ...random import uniform_host
from ..opspec import OpSpec, Sample

# A fresh session draws counter 0 first, with seed 0.
_U = lambda shape: uniform_host(0, 0, shape, dtype=np.float64)

SPECS: list[OpSpec] = [
    OpSpec("rand_uniform", lambda rng: [Sample((), {"shape": s}) for s in [(), (7,), (3, 5), (2, 3, 4)]],
           numpy=lambda shape: _U(shape), f32_rtol=1e-6),
    OpSpec("bernoulli_mask", lambda rng: [
        Sample((np.array(p),), {"shape": s})
        for p, s in [(0.3, (50,)), (0.9, (4, 6)), (0.0, (5,)), (1.0, (3,))]],
           numpy=lambda keep, shape: (keep > _U(shape)).astype(float), nondiff=(0,)),
    OpSpec("dropout", lambda rng: [Sample((rng.standard_normal(s),), {"p": p})
                                   for p, s in [(0.25, (40,)), (0.5, (3, 4)), (1.0, (5,))]]
           + [Sample((rng.standard_normal((3, 2)),), {"p": 0.5, "training": False})],
           numpy=lambda x, p, training=True: (x if not training else x * 0.0 if p == 1.0
                                              else x * ((1 - p) > _U(x.shape)) / (1 - p)),
           binds=()),
]


# ----- the random constructors (torch signatures) and Box-Muller --------------------------------
def _normals(u: np.ndarray) -> np.ndarray:
    """The documented transform: sqrt(-2 log(1 - u1)) cos(2 pi u2), float64."""
    return np.sqrt(-2.0 * np.log1p(-u[0])) * np.cos(2.0 * np.pi * u[1])


def _randn_ref(shape):
    return _normals(_U((2, *shape)))


def _randint_ref(a, k):
    """low + floor(u * (high - low)) for randint's (high, size) / (low, high, size) / keywords."""
    given = {"low": 0, **dict(zip(("high", "size") if len(a) == 2 else ("low", "high", "size"), a)), **k}
    low, high = given["low"], given["high"]
    return (low + np.floor(_U(given["size"]) * (high - low))).astype(np.int64)


def _ctor(name, cases, ref, **kw):
    return OpSpec(name, lambda rng: [Sample((), {"a": a, "k": k}, f"{a}{k}") for a, k in cases],
                  call=lambda ops, a, k: getattr(ops, name)(*a, **k), numpy=lambda a, k: ref(a, k), binds=(),
                  **kw)


def _size(a):
    return tuple(a[0]) if len(a) == 1 and not isinstance(a[0], int) else tuple(a)


SPECS += [
    OpSpec("box_muller", lambda rng: [Sample((rng.uniform(0.0, 0.99, (2, *s)),), {}, f"{s}")
                                      for s in [(), (7,), (3, 4)]],
           numpy=_normals, nondiff=(0,)),
    _ctor("rand", [((3, 4), {}), (((5,),), {}), (((),), {})], lambda a, k: _U(_size(a)), f32_rtol=1e-6),
    _ctor("randn", [((3, 4), {}), (((10,),), {}), ((), {})], lambda a, k: _randn_ref(_size(a))),
    _ctor("randint", [((10, (5, 5)), {}), ((2, 10, (7,)), {}), ((-3, 4, ()), {}), ((0, 2**32, (4,)), {}),
                      ((), {"low": 1, "high": 6, "size": (3,)})], _randint_ref),
    OpSpec("rand_uniform_seeded", lambda rng: [Sample((), {"shape": s, "seed": k})
                                               for s, k in [((6,), 7), ((2, 3), 0)]],
           call=lambda ops, shape, seed: ops.rand_uniform(shape, seed=seed),
           numpy=lambda shape, seed: uniform_host(seed, 0, shape, dtype=np.float64), binds=(), f32_rtol=1e-6),
    OpSpec("bernoulli_mask_seeded", lambda rng: [Sample((np.array(p),), {"shape": s, "seed": 3})
                                                 for p, s in [(0.3, (50,)), (0.9, (4, 6))]],
           call=lambda ops, keep, shape, seed: ops.bernoulli_mask(keep, shape, seed=seed),
           numpy=lambda keep, shape, seed: (keep > uniform_host(seed, 0, shape, dtype=np.float64)).astype(float),
           nondiff=(0,), binds=("lt",)),
    OpSpec("torch.rand_like", lambda rng: [Sample((rng.standard_normal((3, 2)),))],
           call=lambda ops, x: ptc.rand_like(x), numpy=lambda x: _U(x.shape), nondiff=(0,), f32_rtol=1e-6),
    OpSpec("torch.randn_like", lambda rng: [Sample((rng.standard_normal((4,)),))],
           call=lambda ops, x: ptc.randn_like(x), numpy=lambda x: _randn_ref(x.shape), nondiff=(0,)),
]
