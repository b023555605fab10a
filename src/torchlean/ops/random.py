"""Random primitives: the seed's SplitMix64 stream as ops, identical on every device.

Each random op takes the stream counter as a uint64 0-d tensor input and static params
``seed`` and ``offset``; its key is ``splitmix64(seed + counter + offset)``. The eager session
passes its counter (offset 0) and advances it once per random op; a compiled graph takes the
counter as an implicit input and numbers its random ops with ``offset``, so eager and compiled
runs draw the same stream. Outputs are constants for autograd.
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType, as_dtype
from ..random import splitmix64

_MASK = (1 << 64) - 1


def _check_counter(op: str, counter: TensorType) -> None:
    if counter.shape != () or counter.dtype.name != "uint64":
        raise DTypeError(f"{op}: expected a uint64 scalar counter, got {counter}")


def _check_shape(op: str, shape: tuple[int, ...]) -> None:
    if not isinstance(shape, tuple) or any(not isinstance(d, int) or d < 0 for d in shape):
        raise ShapeError(f"{op}: shape must be a tuple of non-negative ints, got {shape!r}")


def uniform_kernel(xp, counter, seed: int, offset: int, shape: tuple[int, ...]):
    """float64 U[0, 1) values of the stream: ``(splitmix64(key + i) mod 2^32) / 2^32``."""
    u = xp.uint64
    base = counter.reshape(1) + u((seed + offset) & _MASK)  # 1-element arrays wrap silently
    key = splitmix64(xp, base)
    n = 1
    for d in shape:
        n *= d
    bits = splitmix64(xp, xp.arange(n, dtype=u) + key) & u(0xFFFFFFFF)
    return (bits.astype(xp.float64) * (1.0 / 4294967296.0)).reshape(shape)


def _rand_shape(counter: TensorType, *, seed: int, offset: int, shape: tuple[int, ...],
                dtype: str) -> TensorType:
    _check_counter("rand_uniform", counter)
    _check_shape("rand_uniform", shape)
    return TensorType(shape, as_dtype(dtype))


rand_uniform_p = defop(
    "rand_uniform", shape=_rand_shape,
    impl=lambda xp, counter, *, seed, offset, shape, dtype:
        uniform_kernel(xp, counter, seed, offset, shape).astype(dtype),
    vjp=[None], jvp=[None],
    doc="U[0, 1) values, computed in float64 and rounded once to the dtype.",
)


def _mask_shape(counter: TensorType, keep_prob: TensorType, *, seed: int, offset: int,
                shape: tuple[int, ...], dtype: str) -> TensorType:
    _check_counter("bernoulli_mask", counter)
    _check_shape("bernoulli_mask", shape)
    if keep_prob.shape != () or keep_prob.dtype.kind != "f":
        raise ShapeError(f"bernoulli_mask: keep_prob must be a float scalar, got {keep_prob}")
    return TensorType(shape, as_dtype(dtype))


bernoulli_mask_p = defop(
    "bernoulli_mask", shape=_mask_shape,
    impl=lambda xp, counter, keep_prob, *, seed, offset, shape, dtype:
        (keep_prob.astype(xp.float64) > uniform_kernel(xp, counter, seed, offset, shape)).astype(dtype),
    vjp=[None, None], jvp=[None, None],
    doc="1 where keep_prob > u_i else 0 (compared in float64), not rescaled (seed).",
)
