"""``torch.nn.functional.fractional_max_pool2d/3d`` and their ``*_with_indices`` spellings.

Fractional max pooling (Graham, 2014): ``kernel_size`` windows whose starts advance by a
pseudo-random, non-integer stride. Each plane ``(n, c)`` has one sample ``u`` in ``[0, 1)`` per
spatial axis (``_random_samples`` of shape ``(N, C, d)``; for 2-D, ``[..., 0]`` drives the width
and ``[..., 1]`` the height; for 3-D, ``[..., 0/1/2]`` drive time, height, width), and the
window starts along an axis of input size ``L``, output size ``O`` and kernel ``K`` are
``int((i + u) * a) - int(u * a)`` for ``i < O - 1`` with ``a = (L - K) / (O - 1)`` (computed in
the input's dtype, as PyTorch's CPU kernel), and ``L - K`` for the last. With
``_random_samples`` given the windows, values, indices and gradients are PyTorch's exactly.

A composite: the window cells are gathered (``take_along``), the maximum is picked as PyTorch's
kernel picks it (the first maximum in row-major window order; a window holding NaN takes its
last NaN), and its value gathered again, so the gradient goes to the chosen cell.

Divergences: without ``_random_samples`` the samples are drawn from the session's SplitMix64
stream (``rand_uniform``: PyTorch's distribution, not its generator's numbers; the same on CPU
and CUDA, eager and compiled). ``kernel_size`` below 1 raises ``ArgumentError`` (PyTorch returns
-inf windows). A single number ``output_ratio`` is accepted by ``fractional_max_pool2d`` (its
PyTorch functional raises ``TypeError``; the module takes it). Samples are not checked, as in
PyTorch: finite ones outside ``[0, 1)`` are used as given (truncation toward zero, the same
windows as PyTorch's); for NaN, infinite or huge samples PyTorch's float-to-int conversion is
undefined and torchlean's windows may differ (a window outside the input raises
``ArgumentError``).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import is_int
from .._core.types import int64
from .dispatch import tensor, torch_op
from .nn_common import float_tensor

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]
_AXES = {2: ("height", "width"), 3: ("time", "height", "width")}
_SAMPLE = {2: (1, 0), 3: (0, 1, 2)}  # which sample drives each spatial axis (PyTorch's kernels)


def _ints(op: str, what: str, v: Any, d: int, lo: int) -> tuple[int, ...]:
    vals = (v,) * d if is_int(v) else v
    if not isinstance(vals, Sequence) or isinstance(vals, (str, bytes)) or len(vals) != d \
            or not all(is_int(u) for u in vals):
        raise ShapeError(f"{op}: {what} must either be a single int or a tuple of {d} ints, got {v!r}")
    if any(int(u) < lo for u in vals):
        raise ArgumentError(f"{op}: {what} must be >= {lo}, got {v!r}")
    return tuple(int(u) for u in vals)


def _output_size(op: str, d: int, spatial: tuple[int, ...], output_size: Any, output_ratio: Any) -> tuple[int, ...]:
    if output_size is None and output_ratio is None:
        raise ArgumentError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is not None:
        return _ints(op, "output_size", output_size, d, 0)
    ratio = (output_ratio,) * d if isinstance(output_ratio, numbers.Real) else output_ratio
    if not isinstance(ratio, Sequence) or len(ratio) != d or not all(
            isinstance(r, numbers.Real) and not isinstance(r, bool) for r in ratio):
        raise ArgumentError(f"{op}: output_ratio must be a number or a tuple of {d} numbers, got {output_ratio!r}")
    return tuple(int(s * float(r)) for s, r in zip(spatial, ratio))


def _samples(op: str, d: int, x: Any, n: int, c: int, given: Any) -> Any:
    """The (N, C, d) samples: ``_random_samples`` checked as PyTorch does (its first N rows), or
    fresh U[0, 1) draws from the session's stream."""
    ops = x.session
    if given is None:
        return ops.rand_uniform((n, c, d), x.dtype)
    u = tensor(op, "_random_samples", given)
    if u.dtype != x.dtype:
        raise DTypeError(f"{op}: expect _random_samples to have the same dtype as input ({x.dtype.name}), got "
                         f"{u.dtype.name}")
    if u.ndim != 3:
        raise ShapeError(f"{op}: expect _random_samples to have 3 dimensions, got {u.ndim}")
    if u.shape[0] < n or u.shape[1] != c or u.shape[2] != d:
        raise ShapeError(f"{op}: expect _random_samples of shape (at least {n}, {c}, {d}) (batch, channels, "
                         f"spatial axes), got {tuple(u.shape)}")
    return u if u.shape[0] == n else u[:n]


def _starts(ops: Any, u: Any, size: int, out: int, k: int, dtype: Any) -> Any:
    """PyTorch's interval sequence along one axis from the samples ``u`` (N, C): (N, C, out)
    int64 window starts, ``int((i + u) * a) - int(u * a)`` then ``size - k``."""
    n, c = ops.shape_of(u)
    last = ops.full((n, c, 1), size - k, dtype=int64)
    if out == 1:
        return last
    alpha = (np.asarray(size - k, dtype) / np.asarray(out - 1, dtype)).item()  # in the input's precision
    u = ops.unsqueeze(u, 2)
    i = ops.lift(np.arange(out - 1, dtype=dtype), dtype)
    seq = ops.sub(ops.cast(ops.mul(ops.add(i, u), alpha), int64), ops.cast(ops.mul(u, alpha), int64))
    return ops.cat([seq, last], 2)


def _pool(op: str, d: int, input: Any, kernel_size: Any, output_size: Any, output_ratio: Any,  # noqa: A002
          _random_samples: Any) -> tuple[Any, Any]:
    x = float_tensor(op, "input", input)
    if x.ndim not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected {d + 1}D (unbatched) or {d + 2}D (batched) input, got input of shape "
                         f"{tuple(x.shape)}")
    shape = tuple(x.shape)
    for e in range(1, x.ndim):
        if shape[e] == 0:
            raise ShapeError(f"{op}: expected input to have non-zero size for non-batch dimensions, but got "
                             f"{shape} with dimension {e} being empty")
    kernel = _ints(op, "kernel_size", kernel_size, d, 1)
    spatial = shape[-d:]
    out = _output_size(op, d, spatial, output_size, output_ratio)
    order = range(d) if d == 2 else (0, 2, 1)  # the order PyTorch checks the axes in
    for a in order:
        fits = out[a] + kernel[a] - 1 <= spatial[a] if d == 2 else out[a] + kernel[a] - 1 < spatial[a]
        if not fits:
            raise ShapeError(f"{op}: pool {_AXES[d][a]} {kernel[a]} too large relative to input {_AXES[d][a]} "
                             f"{spatial[a]} (output_size {out})")
    batched = x.ndim == d + 2
    xb = x if batched else x.unsqueeze(0)
    n, c = xb.shape[0], xb.shape[1]
    u = _samples(op, d, x, n, c, _random_samples)
    ops = x.session
    if n == 0 or any(o == 0 for o in out):
        vals = ops.zeros((n, c, *out), dtype=x.dtype)
        idx = ops.zeros((n, c, *out), dtype=int64)
    else:
        vals, idx = _windows(ops, xb, u, d, kernel, out, spatial)
    if not batched:
        vals, idx = vals.squeeze(0), idx.squeeze(0)
    return vals, idx


def _windows(ops: Any, xb: Any, u: Any, d: int, kernel: tuple[int, ...], out: tuple[int, ...],
             spatial: tuple[int, ...]) -> tuple[Any, Any]:
    n, c = ops.shape_of(xb)[:2]
    dt = ops.type_of(xb).dtype
    flat = None  # (N, C, *out, *kernel) flat input positions of every window cell
    stride = 1
    for a in reversed(range(d)):
        st = _starts(ops, ops.select(u, 2, _SAMPLE[d][a]), spatial[a], out[a], kernel[a], dt)  # (N, C, O_a)
        cells = ops.add(ops.unsqueeze(st, 3), ops.reshape(ops.arange(kernel[a], dtype=int64), (1, 1, 1, kernel[a])))
        lay = [1] * (2 * d)
        lay[a], lay[d + a] = out[a], kernel[a]
        term = ops.mul(ops.reshape(cells, (n, c, *lay)), stride)
        flat = term if flat is None else ops.add(flat, term)
        stride *= spatial[a]
    flat = ops.broadcast_to(flat, (n, c, *out, *kernel))
    no, nk = int(np.prod(out)), int(np.prod(kernel))
    pos = ops.reshape(flat, (n, c, no * nk))
    cellv = ops.reshape(ops.take_along(ops.reshape(xb, (n, c, stride)), pos, 2), (n, c, no, nk))
    pos = ops.reshape(pos, (n, c, no, nk))
    isnan = ops.ne(cellv, cellv)
    last_nan = ops.add(ops.neg(ops.argmax(ops.flip(ops.cast(isnan, int64), (3,)), 3, keepdims=True)), nk - 1)
    first_max = ops.argmax(ops.where(isnan, float("-inf"), cellv), 3, keepdims=True)
    pick = ops.where(ops.gt(ops.reduce_sum(isnan, 3, keepdims=True), 0), last_nan, first_max)
    vals = ops.reshape(ops.take_along(cellv, pick, 3), (n, c, *out))
    idx = ops.reshape(ops.take_along(pos, pick, 3), (n, c, *out))
    return vals, idx


@torch_op
def fractional_max_pool2d_with_indices(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple[Any, Any]:
    """Fractional max pool of ``(N, C, H, W)`` / ``(C, H, W)``: ``(values, int64 indices)``
    (indices are ``h * W + w`` in each input plane), whatever ``return_indices`` says."""
    return _pool("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, _random_samples)


@torch_op
def fractional_max_pool2d(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """Fractional max pool of ``(N, C, H, W)`` / ``(C, H, W)`` to ``output_size`` (or
    ``int(size * output_ratio)``); with ``return_indices`` the pair ``(values, indices)``."""
    vals, idx = _pool("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, _random_samples)
    return (vals, idx) if return_indices else vals


@torch_op
def fractional_max_pool3d_with_indices(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple[Any, Any]:
    """Fractional max pool of ``(N, C, T, H, W)`` / ``(C, T, H, W)``: ``(values, int64
    indices)``, whatever ``return_indices`` says."""
    return _pool("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, _random_samples)


@torch_op
def fractional_max_pool3d(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """Fractional max pool of ``(N, C, T, H, W)`` / ``(C, T, H, W)``; with ``return_indices``
    the pair ``(values, indices)``."""
    vals, idx = _pool("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, _random_samples)
    return (vals, idx) if return_indices else vals
