"""numba loops for cross-entropy and its gradient (class scores ``z`` (N, C), labels (N,)).

The NumPy kernels (ops/loss.py) are about twenty small whole-array calls: a row max, a
subtraction, a division by the row sums, two ``arange``s and fancy indexing to pick and adjust
each row's label cell, each a microsecond or two of call overhead on a training batch. Measured
on the W1 MLP's (64, 10) float32 scores: 15 us (loss), 16 us (gradient) and 29 us (both, as the
compiled path pairs them), against about 7 us each here. Three loops (label check and row
maxima; row sums; loss and gradient) run around NumPy's own ``exp`` and ``log``, and the row
sums follow NumPy's order for the layout at hand (pairwise along contiguous rows, column by
column for a column-major array), so the results are those of the NumPy kernels bit for bit
(tests/unit/test_cpu_jit_ce.py compares them).

They apply to 2-D float32/float64 scores of any layout with int64 labels when no label can be
``ignore_index`` (one outside [0, C)); a label out of range, 1-D scores, an empty batch or other
dtypes take the NumPy kernel, which also raises its own errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_state: dict[str, Any] = {"loaded": False, "loops": None, "errors": ()}


def _block(a, b, m, zero):  # pragma: no cover - numba
    """NumPy's pairwise sum of a block a[b:b + m], m <= 128: from ``zero`` (+0) below 8 values,
    else eight running sums combined as a tree, then the rest one by one."""
    if m < 8:
        v = zero
        for i in range(m):
            v += a[b + i]
        return v
    r0, r1, r2, r3 = a[b], a[b + 1], a[b + 2], a[b + 3]
    r4, r5, r6, r7 = a[b + 4], a[b + 5], a[b + 6], a[b + 7]
    i = 8
    while i < m - m % 8:
        r0 += a[b + i]
        r1 += a[b + i + 1]
        r2 += a[b + i + 2]
        r3 += a[b + i + 3]
        r4 += a[b + i + 4]
        r5 += a[b + i + 5]
        r6 += a[b + i + 6]
        r7 += a[b + i + 7]
        i += 8
    v = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < m:
        v += a[b + i]
        i += 1
    return v


def _pairwise(a, lo, n, zero):  # pragma: no cover - numba
    """a[lo] + ... + a[lo + n - 1] in NumPy's order for a contiguous run (its pairwise sum):
    a block of up to 128 values as ``_block``; above that the two halves, split at a multiple
    of 8, summed so (left + right), on an explicit stack (numba's disk cache does not keep
    recursive functions)."""
    if n <= 128:
        return _bl(a, lo, n, zero)
    top = 0
    los = np.empty(64, np.int64)
    ns = np.empty(64, np.int64)
    left = np.empty(64, a.dtype)
    second = np.zeros(64, np.bool_)
    los[0], ns[0] = lo, n
    while True:
        m = ns[top]
        if m > 128:  # descend into the left half
            half = m // 2
            half -= half % 8
            los[top + 1], ns[top + 1], second[top + 1] = los[top], half, False
            top += 1
            continue
        v = _bl(a, los[top], m, zero)
        while True:  # hand v up: a left half's value waits for its right half
            if top == 0:
                return v
            if not second[top]:
                left[top] = v
                half = ns[top]
                los[top], ns[top], second[top] = los[top] + half, ns[top - 1] - half, True
                break
            v = left[top] + v
            top -= 1


def _max_loop(z, labels, m, t, shift):  # pragma: no cover - numba
    """False if a label is outside [0, C); else m[i] = max of row i (NaN if the row has one,
    as ``np.max``; which of two equal zeros is immaterial: z - m and log(s) + m agree), and
    with ``shift`` t = z - m row by row."""
    n, c = z.shape
    for i in range(n):
        if labels[i] < 0 or labels[i] >= c:
            return False
    for i in range(n):
        mi = z[i, 0]
        for j in range(1, c):
            v = z[i, j]
            if v > mi or v != v:
                mi = v
        m[i] = mi
        if shift:
            for j in range(c):
                t[i, j] = z[i, j] - mi
    return True


def _sums_loop(e, s, pairwise):  # pragma: no cover - numba
    """s[i] = e[i].sum() as ``np.sum`` computes it: from +0, each row's pairwise sum where rows
    are contiguous (``pairwise``), else (a column-major e) the columns added one by one."""
    n, c = e.shape
    s[0] = 0
    zero = s[0]
    if pairwise:
        for i in range(n):
            s[i] = zero + _pw(e[i], 0, c, zero)
        return
    for i in range(n):
        s[i] = zero
    for j in range(c):
        for i in range(n):
            s[i] += e[i, j]


def _finish_loop(lse, m, z, labels, e, s, one, count, grad):  # pragma: no cover - numba
    """The mean loss sum_i ((lse[i] + m[i]) - z[i, labels[i]]) / count, summed as ``np.sum``;
    with ``grad``, e = e / s row by row, 1 off each label cell, then / count (the NumPy
    kernel's three passes, element by element)."""
    n, c = z.shape
    loss = np.empty(n, z.dtype)
    for i in range(n):
        loss[i] = (lse[i] + m[i]) - z[i, labels[i]]
    if grad:
        for i in range(n):
            si = s[i]
            y = labels[i]
            for j in range(c):
                v = e[i, j] / si
                if j == y:
                    v = v - one
                e[i, j] = v / count
    zero = one - one  # +0 of the dtype
    return (zero + _pw(loss, 0, n, zero)) / count


_bl, _pw = _block, _pairwise  # the loops call the jitted functions by these names (set by _load)


def _load() -> None:
    global _bl, _pw
    _state["loaded"] = True
    from .cpu_jit import numba_jit

    got = numba_jit()
    if got is None:
        return
    jit, _state["errors"] = got
    _bl, _pw = jit(_block), jit(_pairwise)
    _state["loops"] = (jit(_max_loop), jit(_sums_loop), jit(_finish_loop))


def _applies(z: Any, labels: Any, ignore_index: int) -> Any:
    """The loops, or None where the NumPy kernel runs instead."""
    if not _state["loaded"]:
        _load()
    loops = _state["loops"]
    if (loops is None or z.__class__ is not np.ndarray or z.ndim != 2 or z.dtype not in _FLOATS
            or labels.__class__ is not np.ndarray or labels.dtype != np.int64 or labels.shape != z.shape[:1]
            or z.shape[0] == 0 or z.shape[1] == 0 or 0 <= ignore_index < z.shape[1]):
        return None
    return loops


def _run(loops: Any, z: Any, labels: Any, out: Any, grad: bool) -> tuple[Any, Any] | None:
    """(loss as a NumPy scalar, e): e = softmax(z) turned into the gradient when ``grad``, in
    ``out`` if given, else in an array of the layout ``z - max`` has in the NumPy kernel (C
    order for C-ordered z, else the one that subtraction makes), as the row sums' order follows
    it; None when a label is out of range (the NumPy kernel then raises its error) or numba
    cannot compile."""
    dt = z.dtype
    try:
        m = np.empty(z.shape[0], dt)
        e = out if out is not None else np.empty(z.shape, dt) if z.flags.c_contiguous else None
        # without a buffer of known layout the loop only finds the maxima (t unused: any 2-D
        # array) and NumPy's subtraction makes e, in the layout it chooses
        if not loops[0](z, labels, m, m[:, None] if e is None else e, e is not None):
            return None
        if e is None:
            e = np.subtract(z, m[:, None])
        np.exp(e, out=e)
        f = e.flags
        if f.c_contiguous or f.f_contiguous:
            s = np.empty(z.shape[0], dt)
            loops[1](e, s, f.c_contiguous)
        else:
            s = e.sum(axis=-1)
        loss = loops[2](np.log(s), m, z, labels, e, s, dt.type(1), dt.type(z.shape[0]), grad)
    except _state["errors"]:
        _state["loops"] = None  # NumPy's kernels from now on
        return None
    return dt.type(loss), e


def cross_entropy(z: Any, labels: Any, *, ignore_index: int = -100) -> Any | None:
    """The loss, or None where the NumPy kernel must run."""
    loops = _applies(z, labels, ignore_index)
    got = None if loops is None else _run(loops, z, labels, None, False)
    return None if got is None else got[0]


def cross_entropy_grad(z: Any, labels: Any, *, ignore_index: int = -100) -> Any | None:
    """The gradient, or None where the NumPy kernel must run."""
    loops = _applies(z, labels, ignore_index)
    got = None if loops is None else _run(loops, z, labels, None, True)
    return None if got is None else got[1]


def ce_and_grad(loss_out: Any, grad_out: Any, z: Any, labels: Any, *, ignore_index: int = -100) -> bool:
    """Both into their outputs (the compiled path's pair); False where NumPy's must run."""
    loops = _applies(z, labels, ignore_index)
    got = None if loops is None else _run(loops, z, labels, grad_out, True)
    if got is None:
        return False
    loss_out[...] = got[0]
    return True
