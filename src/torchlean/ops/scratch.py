"""Reused host buffers for the convolutions' internal temporaries (padded inputs, im2col).

A training step makes the same large temporaries every step and frees them at once. glibc
returns such memory to the kernel when enough of it is free at the top of the heap, so every
step faults the same pages in again: on the 2-core benchmark machine that doubled the W3 CNN
step (5.1 ms against 2.5 ms with ``TORCHLEAN_MALLOC=keep``, which changes the whole process and
is therefore opt-in). These buffers never leave the kernel that asks for one, so they can be
kept instead: ``scratch`` hands back a kept array of the shape and dtype when nothing else
references it (its reference count shows that: views of it, the im2col memo and the tape all
count), else a new one, which it keeps while the per-thread pool has room. ``padded`` keeps the
padded inputs of the convolutions apart (keyed by their padding), so that a reused one still
has its border of zeros and only its interior is copied again. NumPy only: CuPy pools device
memory itself.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

_PER_KEY = 2  # a conv's forward and its backward's buffers of one shape can be alive together
_MAX_BYTES = 64 << 20  # per thread
_MIN_BYTES = 64 << 10  # smaller arrays come from malloc's own free lists anyway
_local = threading.local()


def scratch(xp: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """An uninitialised array of ``shape`` and ``dtype`` that only the caller references."""
    if xp is not np:
        return xp.empty(shape, dtype)
    return _take((shape, np.dtype(dtype)), shape, dtype)[0]


def padded(xp: Any, shape: tuple[int, ...], dtype: Any, border: Any) -> tuple[Any, bool]:
    """``(array, ready)`` for ``window.place``: a kept buffer of its own pool, keyed by
    ``border`` (the padding and fill), whose users only read it and whose interior place
    overwrites in full, so that a buffer handed out again (``ready``) still holds the fill
    around it: a padded input costs one copy, not a fill and a copy."""
    if xp is not np:
        return xp.empty(shape, dtype), False
    return _take((shape, np.dtype(dtype), border), shape, dtype)


def _take(key: Any, shape: tuple[int, ...], dtype: Any) -> tuple[Any, bool]:
    """A free kept array of ``key`` (True), else a new one, kept while there is room (False)."""
    dt = np.dtype(dtype)
    size = dt.itemsize
    for n in shape:
        size *= n
    if size < _MIN_BYTES:
        return np.empty(shape, dt), False
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
        _local.nbytes = 0
    kept = pool.get(key)
    if kept is None:
        kept = pool[key] = []
    for a in kept:
        if sys.getrefcount(a) == 3:  # the pool's list, this loop, getrefcount's argument
            return a, True
    a = np.empty(shape, dt)
    if len(kept) < _PER_KEY and _local.nbytes + size <= _MAX_BYTES:
        kept.append(a)
        _local.nbytes += size
    return a, False


def release() -> None:
    """Drop this thread's kept buffers."""
    _local.pool = {}
    _local.nbytes = 0
