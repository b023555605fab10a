"""Specs of the random ops: references computed from the documented (seed, counter) formula."""

from __future__ import annotations

import numpy as np

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
