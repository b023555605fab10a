"""Opt-in: keep freed host arrays' memory for reuse (glibc only).

NumPy allocates every array with malloc. By default glibc serves blocks above a *dynamic*
threshold (128 KiB at start) with fresh mmap'd pages and returns them to the kernel on free,
so a training loop that allocates and frees the same activation-sized arrays every step can
pay a page fault per 4 KiB page per step, and how many depends on the process's history
(measured here: the same CNN step took 1.45 ms or 2.27 ms). ``keep_freed_memory()`` makes
glibc keep that memory, as PyTorch's caching allocator does: arrays up to 32 MiB come from the
heap, and free memory at the top of the heap is returned only above 128 MiB.

This changes the whole process's allocator, so torchlean never does it on its own: call
``torchlean.backends.keep_freed_memory()`` or set ``TORCHLEAN_MALLOC=keep`` before the first
session. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done = [False]


def apply_from_environment() -> bool:
    """Apply the settings if ``TORCHLEAN_MALLOC=keep`` is set (called by the CPU backend)."""
    return os.environ.get("TORCHLEAN_MALLOC") == "keep" and keep_freed_memory()


def keep_freed_memory() -> bool:
    """Apply the settings once per process; return whether they were applied."""
    if _done[0]:
        return True
    _done[0] = True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(_M_MMAP_THRESHOLD, 32 << 20) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, 128 << 20) == 1 and ok
    return ok
