"""Counter-based randomness: the seed's SplitMix64 stream, identical on every device.

``key = splitmix64(seed + counter)`` and element i (row-major) is
``u_i = (splitmix64(key + i) mod 2^32) / 2^32``, computed in uint64 array arithmetic with
``xp`` (NumPy or CuPy), so the same (seed, counter) gives the same numbers everywhere. A stream
is reproduced from its seed and counter alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def splitmix64_int(x: int) -> int:
    """SplitMix64 of one Python int (exact, mod 2^64)."""
    z = (x + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def splitmix64(xp: Any, x: Any) -> Any:
    """SplitMix64 of a uint64 array (wrapping arithmetic)."""
    u = xp.uint64
    z = x + u(_GOLDEN)
    z = (z ^ (z >> u(30))) * u(_M1)
    z = (z ^ (z >> u(27))) * u(_M2)
    return z ^ (z >> u(31))


def key_of(seed: int, counter: int) -> int:
    """The stream key of one random op: ``splitmix64((seed + counter) mod 2^64)``."""
    return splitmix64_int((seed + counter) & _MASK)


def uniform(xp: Any, key: int, shape: tuple[int, ...], dtype: Any) -> Any:
    """U[0, 1) values of ``shape``: element i is ``(splitmix64(key + i) mod 2^32) / 2^32``.

    Computed in float64 and rounded once to ``dtype``; float32 can round a value up to 1.0,
    exactly as the seed's CUDA path does.
    """
    n = 1
    for d in shape:
        n *= d
    idx = xp.arange(n, dtype=xp.uint64) + xp.uint64(key)
    bits = splitmix64(xp, idx) & xp.uint64(0xFFFFFFFF)
    return (bits.astype(xp.float64) * (1.0 / 4294967296.0)).astype(dtype).reshape(shape)


def uniform_host(seed: int, counter: int, shape: tuple[int, ...], lo: float = 0.0, hi: float = 1.0,
                 dtype: Any = np.float32) -> np.ndarray:
    """Host U[lo, hi) values of the stream (seed, counter), e.g. for parameter initialisation."""
    u = uniform(np, key_of(seed, counter), tuple(shape), np.float64)
    return (lo + (hi - lo) * u).astype(dtype)
