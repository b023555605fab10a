"""Specs of the ``max_unpool`` primitive, of ``F.max_unpool1d/2d/3d`` (``pt/nn_unpool.py``) and
of ``F.fractional_max_pool2d/3d`` with given ``_random_samples`` (``pt/nn_fractional.py``;
tie-free normals, so the chosen cells are stable under finite differences).

Samples hold unique indices per plane: there the VJP (PyTorch's gather) is the adjoint of the
JVP, so the dot-product test applies. Duplicate indices (last write wins; the gradient still
reaches every duplicate, as PyTorch's) are checked against torch in tests/nn/test_unpool.py.
"""

from __future__ import annotations

import numpy as np

from ..._core.registry import REGISTRY
from ..._core.shapes import prod
from ...pt import nn_fractional as ptf
from ...pt import nn_unpool as ptu
from ..opspec import OpSpec, Sample, normal


def _unique(rng: np.random.Generator, lead: tuple[int, ...], k: int, n: int) -> np.ndarray:
    """Per plane, ``k`` distinct flat positions among ``n``."""
    planes = prod(lead)
    rows = [rng.choice(n, size=k, replace=False) for _ in range(planes)]
    return np.asarray(rows, dtype=np.int64).reshape(*lead, k)


def _prim_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for b, k, size in ((3, 4, (3, 3)), (1, 5, (7,)), (4, 2, (2, 2, 2)), (2, 6, (6,))):
        out.append(Sample((normal(rng, b, k), _unique(rng, (b,), k, prod(size))), {"size": size},
                          f"{b}x{k}->{size}"))
    return out


def _torch_prim(t, x, idx, size):
    return t.zeros(x.shape[0], prod(size), dtype=x.dtype).scatter(1, idx, x)


def _public_samples(d: int):
    shapes = {1: [((2, 3, 4), {"kernel_size": 2}), ((3, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
                  ((1, 2, 3), {"kernel_size": 2, "output_size": (7,)})],
              2: [((2, 3, 2, 3), {"kernel_size": 2}), ((2, 3, 4), {"kernel_size": (2, 3), "stride": (2, 1)}),
                  ((1, 2, 2, 2), {"kernel_size": 3, "stride": 2, "padding": 1, "output_size": (1, 2, 4, 4)})],
              3: [((1, 2, 2, 1, 2), {"kernel_size": 2}), ((2, 2, 2, 3), {"kernel_size": (2, 1, 2)})]}[d]

    def gen(rng: np.random.Generator) -> list[Sample]:
        out = []
        for shape, kw in shapes:
            k = prod(shape[-d:])
            ks = kw["kernel_size"] if isinstance(kw["kernel_size"], tuple) else (kw["kernel_size"],) * d
            st = kw.get("stride", ks)
            st = st if isinstance(st, tuple) else (st,) * d
            p = kw.get("padding", 0)
            size = kw.get("output_size") or tuple((i - 1) * s + kk - 2 * p for i, kk, s in zip(shape[-d:], ks, st))
            n = prod(tuple(size)[-d:])
            out.append(Sample((normal(rng, *shape), _unique(rng, shape[:-d], k, n).reshape(shape)), dict(kw),
                              f"{shape}{kw}"))
        return out

    return gen


def _public(d: int) -> OpSpec:
    name = f"max_unpool{d}d"
    fn = getattr(ptu, name)
    return OpSpec(f"F.{name}", _public_samples(d), call=lambda ops, x, idx, **k: fn(x, idx, **k),
                  torch=lambda t, x, idx, **k: getattr(t.nn.functional, name)(x, idx, **k), binds=("max_unpool",))


def _fractional(d: int) -> OpSpec:
    name = f"fractional_max_pool{d}d"
    fn = getattr(ptf, name)
    cases = {2: [((2, 3, 9, 8), 2, {"output_size": (4, 5)}), ((3, 7, 7), (2, 3), {"output_ratio": (0.5, 0.6)})],
             3: [((1, 2, 6, 5, 7), 2, {"output_size": (3, 3, 4)}), ((2, 5, 5, 6), (1, 2, 2), {"output_size": 3})]}[d]

    def gen(rng: np.random.Generator) -> list[Sample]:
        return [Sample((normal(rng, *shape), rng.random((shape[0] if len(shape) == d + 2 else 1,
                                                          shape[-d - 1], d))), {"kernel_size": k, **kw},
                       f"{shape}{kw}") for shape, k, kw in cases]

    return OpSpec(f"F.{name}", gen, call=lambda ops, x, u, **k: fn(x, _random_samples=u, **k),
                  torch=lambda t, x, u, **k: getattr(t.nn.functional, name)(x, _random_samples=u, **k),
                  nondiff=(1,), binds=("take_along",))


SPECS: list[OpSpec] = [
    OpSpec("max_unpool", _prim_samples, call=lambda ops, x, idx, size: ops.bind(REGISTRY["max_unpool"], x, idx,
                                                                                   size=size),
           torch=_torch_prim),
    _public(1), _public(2), _public(3), _fractional(2), _fractional(3),
]
