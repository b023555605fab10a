"""numba loops for ``reduce_sum`` in the two orders NumPy adds in, bit for bit.

A linear layer's bias gradient is such a sum (``g.sum(axis=0)`` of a (batch, features)
gradient), once per layer and step. NumPy's reduction machinery costs 4-9 us on the W1 MLP's
(64, 10) and (64, 128) float32 gradients, several times what the additions take, and 22 us on
the W3 CNN's (64, 32, 4, 4) global average pool; a loop takes one to four.

NumPy's order of additions over a dense float array depends on where the summed axes lie in
memory, and both orders are simple:

* **Row by row**: in the array's memory order the summed axes are one block with kept axes
  after it (the leading axes of a C-ordered array; H and W of a channels-last (N, C, H, W)
  activation, a global average pool). For each outer index, each output cell starts from +0
  and adds its column's values row by row.
* **Pairwise along contiguous runs**: the summed axes are the innermost in memory (the last
  axes of a C-ordered array, or axis 0 of a column-major matrix, the layout of a small
  ``linear``'s output) and at least one cell remains. Each cell's values are one contiguous run
  of ``n``; NumPy adds them pairwise (its ``pairwise_sum``: below 8 values one after another
  from +0; up to 128, eight interleaved partial sums combined as ``((r0+r1)+(r2+r3)) +
  ((r4+r5)+(r6+r7))`` and the remainder added in order; above, the two halves, split at a
  multiple of 8, summed apiece) and adds the result to +0.

The loops do exactly that, so their results are NumPy's, signed zeros and NaN included
(tests/unit/test_cpu_jit_sum.py compares them). Any other case (summed axes split in memory,
strided layouts, other dtypes, empty arrays) runs NumPy's own ``sum``.
"""

from __future__ import annotations

from math import prod
from typing import Any

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_state: dict[str, Any] = {"loaded": False, "loop": None, "runs": None, "errors": ()}
_pw: Any = None  # cpu_jit_ce's jitted pairwise sum of a run (the loop calls it by this name)


def _rows_loop(a, out):  # pragma: no cover - numba
    """out[i, j] = ((+0 + a[i, 0, j]) + a[i, 1, j]) + ...: the middle axis of the C-ordered
    (outer, summed, inner) array ``a`` summed row by row."""
    m, r, c = a.shape
    for i in range(m):
        for j in range(c):
            out[i, j] = 0
        for k in range(r):
            for j in range(c):
                out[i, j] += a[i, k, j]


def _runs_loop(a, out):  # pragma: no cover - numba
    """out[j] = +0 + pairwise sum of the contiguous run a[j] (a: (m, n) C-ordered). Runs of 8
    to 128 values (the common case) are summed here, the eight partial sums in one small
    array (which the compiler keeps in a vector register), without a call per run; others by
    cpu_jit_ce's pairwise sum."""
    m, n = a.shape
    zero = out.dtype.type(0)
    if n < 8 or n > 128:
        flat = a.reshape(m * n)
        for j in range(m):
            out[j] = zero + _pw(flat, j * n, n, zero)
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
    global _pw
    _state["loaded"] = True
    from . import cpu_jit_ce
    from .cpu_jit import numba_jit

    got = numba_jit()
    if got is not None:
        jit, _state["errors"] = got
        _state["loop"] = jit(_rows_loop)
        if not cpu_jit_ce._state["loaded"]:
            cpu_jit_ce._load()
        _pw = cpu_jit_ce._pw
        _state["runs"] = jit(_runs_loop)


def sums_row_by_row(shape: tuple[int, ...], axes: tuple[int, ...], dtype: Any) -> bool:
    """Whether NumPy sums a C-ordered float array of ``shape`` over ``axes`` (a sorted tuple
    of distinct axes) row by row: leading axes, some but not all, and two or more cells left
    (a single remaining cell NumPy sums pairwise). The compiled path's fused sums follow it."""
    k = len(axes)
    return (0 < k < len(shape) and axes[0] == 0 and axes[-1] == k - 1 and np.dtype(dtype).char in "fd"
            and prod(shape) > 0 and prod(shape[k:]) > 1)


_plans: dict[tuple[Any, ...], Any] = {}
_layouts: dict[tuple[Any, ...], Any] = {}


def dense_layout(shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int) -> Any:
    """(order, its inverse, the shape in that order) for an array dense in axis ``order``
    (positive strides, largest first; unit axes anywhere), memoised per layout; else None."""
    key = (shape, strides, itemsize)
    got = _layouts.get(key, False)
    if got is False:
        order = tuple(sorted(range(len(shape)), key=lambda a: -strides[a]))
        step = itemsize
        got = (order, tuple(order.index(a) for a in range(len(order))), tuple(shape[a] for a in order))
        for a in reversed(order):
            if shape[a] != 1 and strides[a] != step:
                got = None
                break
            step *= shape[a]
        if len(_layouts) > 4096:  # layouts of a long-running process: keep the memo small
            _layouts.clear()
        _layouts[key] = got
    return got


def _plan(x: Any, axes: tuple[int, ...]) -> Any:
    """How a loop sums ``x`` over ``axes`` as NumPy does: ``(loop, perm, dims)`` with
    ``x.transpose(perm)`` (``x`` for perm None) C-ordered and viewed as ``dims``, or None
    (NumPy's own sum).

    ``"rows"``, dims (outer, summed, inner): in memory order the summed axes are one block with
    kept axes after it. ``"runs"``, dims (cells, run): the summed axes are the innermost. In
    both, the kept axes keep their own order (the result is C-ordered) and at least one is
    longer than 1; unit axes change no order and are left out. Decided once per layout."""
    if x.__class__ is not np.ndarray or x.dtype not in _FLOATS or x.size == 0 or not axes:
        return None
    key = (x.shape, x.strides, axes, x.dtype.char)
    if key in _plans:
        return _plans[key]
    if not _state["loaded"]:
        _load()
    plan = _plans[key] = _decide(x.shape, x.strides, axes, x.dtype, x.flags.c_contiguous)
    if len(_plans) > 4096:  # layouts of a long-running process: keep the memo small
        _plans.clear()
    return plan


def _decide(shape: tuple[int, ...], strides: tuple[int, ...], axes: tuple[int, ...], dtype: Any,
            c_order: bool) -> Any:
    nd = len(shape)
    if c_order and sums_row_by_row(shape, axes, dtype):  # leading axes of a C array (unit ones too)
        n = prod(shape[:len(axes)])
        return ("rows", None, (1, n, prod(shape) // n)) if _state["loop"] is not None else None
    unit = [a for a in range(nd) if shape[a] == 1]
    if c_order:
        order = [a for a in range(nd) if shape[a] > 1]
    else:
        layout = dense_layout(shape, strides, dtype.itemsize)
        if layout is None:
            return None
        order = [a for a in layout[0] if shape[a] > 1]
    inside = [k for k, a in enumerate(order) if a in axes]
    kept = [a for a in order if a not in axes]
    if (not inside or not kept or inside[-1] - inside[0] + 1 != len(inside)
            or kept != sorted(kept)):
        return None
    perm = (*unit, *order)
    perm = None if perm == tuple(range(nd)) else perm
    size = prod(shape)
    summed = prod(shape[a] for a in order[inside[0]:inside[-1] + 1])
    if inside[-1] == len(order) - 1:
        return ("runs", perm, (size // summed, summed)) if _state["runs"] is not None else None
    outer = prod(shape[a] for a in order[:inside[0]])
    return ("rows", perm, (outer, summed, size // (outer * summed))) if _state["loop"] is not None else None


def _applies(x: Any, axes: tuple[int, ...]) -> bool:
    """Whether the row-by-row loop computes ``x.sum(axis=axes)`` (a sorted tuple of distinct axes)."""
    plan = _plan(x, axes)
    return plan is not None and plan[0] == "rows"


def _runs(x: Any, axes: tuple[int, ...]) -> bool:
    """Whether the pairwise loop does."""
    plan = _plan(x, axes)
    return plan is not None and plan[0] == "runs"


def _sum_into(plan: Any, x: Any, out: Any) -> bool:
    """Run the planned loop into the C-ordered ``out``; False if numba failed to compile it."""
    name, perm, dims = plan
    a = (x if perm is None else x.transpose(perm)).reshape(dims)
    try:
        if name == "rows":
            _state["loop"](a, out.reshape(dims[0], dims[2]))
        else:
            _state["runs"](a, out.reshape(dims[0]))
        return True
    except _state["errors"]:  # numba could not compile: NumPy's from now on
        _state["loop" if name == "rows" else "runs"] = None
        _plans.clear()
        return False


def reduce_sum(x: Any, *, axes: tuple[int, ...]) -> Any:
    """The ``reduce_sum`` kernel: a loop where one applies, else NumPy's ``sum``."""
    plan = _plan(x, axes)
    if plan is not None:
        out = np.empty(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)
        if _sum_into(plan, x, out):
            return out
    return x.sum(axis=axes)


def reduce_sum_out(out: Any, x: Any, *, axes: tuple[int, ...]) -> None:
    """Its out-variant (a compiled plan's buffer)."""
    if out.__class__ is np.ndarray and out.dtype == x.dtype and out.flags.c_contiguous:
        plan = _plan(x, axes)
        if plan is not None and _sum_into(plan, x, out):
            return
    x.sum(axis=axes, out=out)
