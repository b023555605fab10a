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


def normal_host(seed: int, counter: int, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """Host N(0, 1) values of the stream: Box-Muller on the uniforms of counters ``counter``
    (u1) and ``counter + 1`` (u2): ``sqrt(-2 log(1 - u1)) * cos(2 pi u2)`` (``1 - u1`` is in
    (0, 1], so the log is finite)."""
    u1 = uniform(np, key_of(seed, counter), tuple(shape), np.float64)
    u2 = uniform(np, key_of(seed, counter + 1), tuple(shape), np.float64)
    return (np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)).astype(dtype)


class Generator:
    """A random stream (PyTorch's ``torch.Generator``): the seed's SplitMix64 stream of a seed,
    with a counter that each draw advances. ``manual_seed`` restarts it. The default generator
    (``torchlean.manual_seed``) is what layer initialisations draw from, so the same seed builds
    the same model on every device."""

    def __init__(self, seed: int = 0) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> Generator:
        from ._core.errors import ArgumentError

        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ArgumentError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
        self.seed, self.counter = int(seed) & _MASK, 0
        return self

    def initial_seed(self) -> int:
        return self.seed

    def get_state(self) -> dict[str, int]:
        return {"seed": self.seed, "counter": self.counter}

    def set_state(self, state: dict[str, int]) -> None:
        from ._core.errors import ArgumentError

        if not isinstance(state, dict) or set(state) != {"seed", "counter"}:
            raise ArgumentError(f"Generator.set_state: expected {{'seed', 'counter'}}, got {state!r}")
        for k in ("seed", "counter"):
            v = state[k]
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ArgumentError(f"Generator.set_state: {k} must be a non-negative int, got {v!r}")
        self.seed, self.counter = int(state["seed"]), int(state["counter"])

    def uniform(self, shape: tuple[int, ...], lo: float = 0.0, hi: float = 1.0, dtype: Any = np.float64
                ) -> np.ndarray:
        """U[lo, hi) host values; advances the counter by one."""
        out = uniform_host(self.seed, self.counter, shape, lo, hi, dtype)
        self.counter += 1
        return out

    def normal(self, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
        """N(0, 1) host values (``normal_host``); advances the counter by two."""
        out = normal_host(self.seed, self.counter, shape, dtype)
        self.counter += 2
        return out

    def __repr__(self) -> str:
        return f"Generator(seed={self.seed}, counter={self.counter})"


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Restart the default generator (what ``torchlean.nn`` layers initialise from)."""
    return default_generator.manual_seed(seed)
