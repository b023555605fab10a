"""numba loops for ``reduce_sum`` in the two orders NumPy adds in, bit for bit.

A linear layer's bias gradient is such a sum (``g.sum(axis=0)`` of a (batch, features)
gradient), once per layer and step. NumPy's reduction machinery costs 4-9 us on the W1 MLP's
(64, 10) and (64, 128) float32 gradients, several times what the additions take; a loop
takes a microsecond or two.

NumPy's order of additions over a dense float array depends on where the summed axes lie in
memory, and both orders are simple:

* **Row by row**: the summed axes are the leading axes of a C-ordered array and two or more
  cells remain. Each output cell starts from +0 and adds its column's values row by row.
* **Pairwise along contiguous runs**: the summed axes are the innermost in memory (the last
  axes of a C-ordered array, or axis 0 of a column-major matrix, the layout of a small
  ``linear``'s output) and at least one cell remains. Each cell's values are one contiguous run
  of ``n``; NumPy adds them pairwise (its ``pairwise_sum``: below 8 values one after another
  from +0; up to 128, eight interleaved partial sums combined as ``((r0+r1)+(r2+r3)) +
  ((r4+r5)+(r6+r7))`` and the remainder added in order; above, the two halves, split at a
  multiple of 8, summed apiece) and adds the result to +0.

The loops do exactly that, so their results are NumPy's, signed zeros and NaN included
(tests/unit/test_cpu_jit_sum.py compares them). Any other case (a single remaining cell of a
leading-axes sum, other axes, strided layouts, other dtypes, empty arrays) runs NumPy's own
``sum``.
"""

from __future__ import annotations

from math import prod
from typing import Any

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_state: dict[str, Any] = {"loaded": False, "loop": None, "runs": None, "errors": ()}
_pairwise_nb: Any = None  # the jitted _pairwise (it calls itself through this name)


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


def _pairwise(a, lo, n):  # pragma: no cover - numba
    """NumPy's pairwise sum of the ``n`` values a[lo:lo + n] (a 1-D contiguous array)."""
    if n < 8:
        r = a.dtype.type(0)
        for i in range(n):
            r += a[lo + i]
        return r
    if n <= 128:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        end = n - n % 8
        i = 8
        while i < end:
            r0 += a[lo + i]
            r1 += a[lo + i + 1]
            r2 += a[lo + i + 2]
            r3 += a[lo + i + 3]
            r4 += a[lo + i + 4]
            r5 += a[lo + i + 5]
            r6 += a[lo + i + 6]
            r7 += a[lo + i + 7]
            i += 8
        r = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            r += a[lo + i]
            i += 1
        return r
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise_nb(a, lo, n2) + _pairwise_nb(a, lo + n2, n - n2)


def _runs_loop(a, out):  # pragma: no cover - numba
    """out[j] = +0 + pairwise sum of the contiguous run a[j] (a: (m, n) C-ordered). Runs of 8
    to 128 values (the common case) are summed here, the eight partial sums in one small
    array (which the compiler keeps in a vector register), without a call per run."""
    m, n = a.shape
    zero = out.dtype.type(0)
    if n < 8 or n > 128:
        flat = a.reshape(m * n)
        for j in range(m):
            out[j] = zero + _pairwise_nb(flat, j * n, n)
        return
    end = n - n % 8
    r = np.empty(8, a.dtype)
    for j in range(m):
        row = a[j]
        for k in range(8):
            r[k] = row[k]
        for i in range(8, end, 8):
            for k in range(8):
                r[k] += row[i + k]
        s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(end, n):
            s += row[i]
        out[j] = zero + s


def _load() -> None:
    global _pairwise_nb
    _state["loaded"] = True
    from .cpu_jit import numba_jit

    got = numba_jit()
    if got is not None:
        jit, _state["errors"] = got
        _state["loop"] = jit(_rows_loop)
        _pairwise_nb = jit(_pairwise)
        _state["runs"] = jit(_runs_loop)


def sums_row_by_row(shape: tuple[int, ...], axes: tuple[int, ...], dtype: Any) -> bool:
    """Whether NumPy sums a C-ordered float array of ``shape`` over ``axes`` (a sorted tuple
    of distinct axes) row by row: leading axes, some but not all, and two or more cells left
    (a single remaining cell NumPy sums pairwise). The compiled path's fused sums follow it."""
    k = len(axes)
    return (0 < k < len(shape) and axes[0] == 0 and axes[-1] == k - 1 and np.dtype(dtype).char in "fd"
            and prod(shape) > 0 and prod(shape[k:]) > 1)


def _applies(x: Any, axes: tuple[int, ...]) -> bool:
    """Whether the row-by-row loop computes ``x.sum(axis=axes)`` (a sorted tuple of distinct axes)."""
    if x.__class__ is not np.ndarray or not x.flags.c_contiguous or not sums_row_by_row(x.shape, axes, x.dtype):
        return False
    if not _state["loaded"]:
        _load()
    return _state["loop"] is not None


def _runs(x: Any, axes: tuple[int, ...]) -> Any:
    """``x`` as the (cells, run) C-ordered matrix whose rows the pairwise loop sums, where
    ``x.sum(axis=axes)`` adds contiguous runs (see the module docstring); else None."""
    if x.__class__ is not np.ndarray or x.dtype not in _FLOATS or x.size == 0 or not axes:
        return None
    nd = x.ndim
    if x.flags.c_contiguous and nd >= 2 and len(axes) < nd and axes == tuple(range(nd - len(axes), nd)):
        a = x.reshape(prod(x.shape[:nd - len(axes)]), prod(x.shape[nd - len(axes):]))
    elif nd == 2 and axes == (0,) and x.T.flags.c_contiguous and x.shape[0] > 1 and x.shape[1] > 1:
        a = x.T
    else:
        return None
    if not _state["loaded"]:
        _load()
    return a if _state["runs"] is not None else None


def reduce_sum(x: Any, *, axes: tuple[int, ...]) -> Any:
    """The ``reduce_sum`` kernel: a loop where one applies, else NumPy's ``sum``."""
    if _applies(x, axes):
        out = np.empty(x.shape[len(axes):], x.dtype)
        try:
            _state["loop"](x, len(axes), out)
            return out
        except _state["errors"]:  # numba could not compile: NumPy's from now on
            _state["loop"] = None
    a = _runs(x, axes)
    if a is not None:
        kept = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        out = np.empty(kept, x.dtype)
        try:
            _state["runs"](a, out.reshape(-1))
            return out
        except _state["errors"]:
            _state["runs"] = None
    return x.sum(axis=axes)


def reduce_sum_out(out: Any, x: Any, *, axes: tuple[int, ...]) -> None:
    """Its out-variant (a compiled plan's buffer)."""
    dense = out.__class__ is np.ndarray and out.dtype == x.dtype and out.flags.c_contiguous
    if dense and _applies(x, axes):
        try:
            _state["loop"](x, len(axes), out)
            return
        except _state["errors"]:
            _state["loop"] = None
    a = _runs(x, axes) if dense else None
    if a is not None:
        try:
            _state["runs"](a, out.reshape(-1))
            return
        except _state["errors"]:
            _state["runs"] = None
    x.sum(axis=axes, out=out)
