"""OpenBLAS thread count by problem size, for NumPy's GEMMs.

OpenBLAS splits every GEMM above a tiny threshold across all cores; for the small products of
small models (a 64x128 by 128x128 product, say) the threads' start-up and barriers cost more
than they save (measured here: about 18 us on one thread against 30 us on two). The NumPy
backend's matmul-based kernels therefore call ``use_threads_for(macs)`` first: one thread below
``SMALL_MACS`` multiply-adds, all threads above. The library is NumPy's own bundled OpenBLAS,
found among the loaded shared objects; without it this is a no-op. Results are unchanged
(same library, same kernel family).
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

SMALL_MACS = 1 << 22

_state: dict[str, Any] = {"lib": None, "set": None, "max": 1, "current": None, "probed": False}


def _probe() -> None:
    _state["probed"] = True
    if os.environ.get("TORCHLEAN_BLAS_THREADS") == "fixed":  # opt out: leave OpenBLAS alone
        return
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    getter.restype = ctypes.c_int
                    _state.update(lib=lib, set=setter, max=max(1, int(getter())), current=int(getter()))
                    return


def use_threads_for(macs: int) -> None:
    """Set OpenBLAS to one thread for small products and to all threads for large ones."""
    if not _state["probed"]:
        _probe()
    setter = _state["set"]
    if setter is None:
        return
    want = 1 if macs < SMALL_MACS else _state["max"]
    if want != _state["current"]:
        setter(ctypes.c_int(want))
        _state["current"] = want
