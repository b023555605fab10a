"""The seed's demo initialisers (``Torch/Utils.lean``'s ``Init``), under their own names.

``rand01(seed, idx)``: the LCG ``s <- (1664525 s + 1013904223) mod 2^32`` started from ``seed``
and iterated ``idx + 1`` times, divided by 2^32. ``uniform(seed, shape, lo, hi)`` fills a shape
with ``lo + (hi - lo) * rand01(seed, i)`` in row-major order; ``xavier_uniform`` uses the limit
``sqrt(6 / (fan_in + fan_out))`` and ``kaiming_uniform`` the limit ``sqrt(6 / fan_in)``. They
return host arrays (the seed's demos build parameter values from them); PyTorch-style in-place
initialisers are ``torchlean.nn.init.*_``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError

_A, _C, _M = 1664525, 1013904223, 1 << 32


def rand01(seed: int, idx: int) -> float:
    """The seed's ``rand01``: the LCG iterated ``idx + 1`` times from ``seed``, / 2^32."""
    for name, v in (("seed", seed), ("idx", idx)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ArgumentError(f"rand01: {name} must be a non-negative int, got {v!r}")
    # s_{k+1} = A s_k + C; closed form by modular exponentiation keeps this O(log idx)
    n = idx + 1
    an = pow(_A, n, _M)
    # C * (A^n - 1) / (A - 1) mod 2^32, computed exactly with the modulus scaled by (A - 1)
    geo = ((pow(_A, n, _M * (_A - 1)) - 1) // (_A - 1)) % _M
    return ((an * seed + _C * geo) % _M) / _M


def _nonneg_int(op: str, name: str, v: Any) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
        raise ArgumentError(f"{op}: {name} must be a non-negative int, got {v!r}")
    return int(v)


def _shape(op: str, shape: Any) -> tuple[int, ...]:
    if not isinstance(shape, (tuple, list)):
        raise ArgumentError(f"{op}: shape must be a tuple of non-negative ints, got {shape!r}")
    return tuple(_nonneg_int(op, "shape entry", d) for d in shape)


def _fans(op: str, fan_in: Any, fan_out: Any, need: int) -> tuple[int, int]:
    fi, fo = _nonneg_int(op, "fan_in", fan_in), _nonneg_int(op, "fan_out", fan_out)
    if (fi if need == 1 else fi + fo) == 0:
        raise ArgumentError(f"{op}: {'fan_in' if need == 1 else 'fan_in + fan_out'} must be positive, "
                            f"got fan_in={fi}, fan_out={fo}")
    return fi, fo


def uniform(seed: int, shape: tuple[int, ...], lo: float = 0.0, hi: float = 1.0, dtype: Any = np.float32
            ) -> np.ndarray:
    """``lo + (hi - lo) * rand01(seed, i)`` for i in row-major order."""
    from ..param_inplace import number

    seed = _nonneg_int("uniform", "seed", seed)
    shape = _shape("uniform", shape)
    lo, hi = number("uniform", "lo", lo), number("uniform", "hi", hi)
    n = math.prod(shape)
    vals = np.empty(n, np.float64)
    s = seed % _M
    for i in range(n):  # the LCG sequence itself: one step per element
        s = (_A * s + _C) % _M
        vals[i] = s / _M
    return (lo + (hi - lo) * vals).reshape(shape).astype(dtype)


def xavier_uniform(seed: int, fan_in: int, fan_out: int, shape: tuple[int, ...] | None = None,
                   dtype: Any = np.float32) -> np.ndarray:
    """Uniform in +-sqrt(6 / (fan_in + fan_out)) (the seed's ``xavierUniform``); shape
    ``(fan_out, fan_in)`` by default."""
    fan_in, fan_out = _fans("xavier_uniform", fan_in, fan_out, 2)
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(seed, shape or (fan_out, fan_in), -limit, limit, dtype)


def kaiming_uniform(seed: int, fan_in: int, fan_out: int, shape: tuple[int, ...] | None = None,
                    dtype: Any = np.float32) -> np.ndarray:
    """Uniform in +-sqrt(6 / fan_in) (the seed's ``kaimingUniform``)."""
    fan_in, fan_out = _fans("kaiming_uniform", fan_in, fan_out, 1)
    limit = math.sqrt(6.0 / fan_in)
    return uniform(seed, shape or (fan_out, fan_in), -limit, limit, dtype)
