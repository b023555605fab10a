"""A numba loop for ``reduce_sum`` over the leading axes of a C-ordered float array.

A linear layer's bias gradient is such a sum (``g.sum(axis=0)`` of a (batch, features)
gradient), once per layer and step. NumPy's reduction machinery costs 4-9 us on the W1 MLP's
(64, 10) and (64, 128) float32 gradients, about ten times what the additions take; the loop
takes about a microsecond.

NumPy's order of additions for that case is known and simple: with the remaining cells laid
out contiguously (two or more of them), each output cell starts from +0 and adds its column's
values row by row, in order (no pairwise splitting: that applies along a contiguous reduced
run). The loop does exactly that, so the results are NumPy's bit for bit, signed zeros and NaN
included (tests/unit/test_cpu_jit_sum.py compares them). Any other case (a single remaining
cell, where NumPy sums the contiguous column pairwise; other axes, layouts or dtypes; empty
arrays) runs NumPy's own ``sum``.
"""

from __future__ import annotations

from math import prod
from typing import Any

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_state: dict[str, Any] = {"loaded": False, "loop": None, "errors": ()}


def _rows_loop(x, k, out):  # pragma: no cover - numba
    """out = x summed over its first ``k`` axes: viewed as (n, m), out[j] = ((+0 + x[0, j]) +
    x[1, j]) + ..., row by row (x and out C-ordered)."""
    n = 1
    for d in range(k):
        n *= x.shape[d]
    m = x.size // n
    a = x.reshape((n, m))
    o = out.reshape(m)
    for j in range(m):
        o[j] = 0
    for i in range(n):
        for j in range(m):
            o[j] += a[i, j]


def _load() -> None:
    _state["loaded"] = True
    from .cpu_jit import numba_jit

    got = numba_jit()
    if got is not None:
        jit, _state["errors"] = got
        _state["loop"] = jit(_rows_loop)


def sums_row_by_row(shape: tuple[int, ...], axes: tuple[int, ...], dtype: Any) -> bool:
    """Whether NumPy sums a C-ordered float array of ``shape`` over ``axes`` (a sorted tuple
    of distinct axes) row by row: leading axes, some but not all, and two or more cells left
    (a single remaining cell NumPy sums pairwise). The compiled path's fused sums follow it."""
    k = len(axes)
    return (0 < k < len(shape) and axes[0] == 0 and axes[-1] == k - 1 and np.dtype(dtype).char in "fd"
            and prod(shape) > 0 and prod(shape[k:]) > 1)


def _applies(x: Any, axes: tuple[int, ...]) -> bool:
    """Whether the loop computes ``x.sum(axis=axes)`` (a sorted tuple of distinct axes)."""
    if x.__class__ is not np.ndarray or not x.flags.c_contiguous or not sums_row_by_row(x.shape, axes, x.dtype):
        return False
    if not _state["loaded"]:
        _load()
    return _state["loop"] is not None


def reduce_sum(x: Any, *, axes: tuple[int, ...]) -> Any:
    """The ``reduce_sum`` kernel: the loop where it applies, else NumPy's ``sum``."""
    if _applies(x, axes):
        out = np.empty(x.shape[len(axes):], x.dtype)
        try:
            _state["loop"](x, len(axes), out)
            return out
        except _state["errors"]:  # numba could not compile: NumPy's from now on
            _state["loop"] = None
    return x.sum(axis=axes)


def reduce_sum_out(out: Any, x: Any, *, axes: tuple[int, ...]) -> None:
    """Its out-variant (a compiled plan's buffer)."""
    if _applies(x, axes) and out.__class__ is np.ndarray and out.dtype == x.dtype and out.flags.c_contiguous:
        try:
            _state["loop"](x, len(axes), out)
            return
        except _state["errors"]:
            _state["loop"] = None
    x.sum(axis=axes, out=out)
