"""One BLAS thread for small GEMMs, scoped to the call: the process's setting is restored.

OpenBLAS splits every GEMM above a tiny threshold across all its threads; for the small products
of small models (a 64x128 by 128x128 product, say) the threads' start-up and barriers cost more
than they save (measured here: about 18 us on one thread against 30 us on two). The NumPy
backend's GEMM-based kernels therefore run products below ``SMALL_MACS`` multiply-adds inside
``one_thread_if_small``, which sets the BLAS library to one thread and puts back whatever it was
set to before (the user's own ``threadpoolctl`` limits included), so torchlean never changes a
thread count the rest of the process can observe. Large products run with the process's own
setting, untouched.

The library is found once through ``threadpoolctl`` (maintained, portable: OpenBLAS, MKL,
BLIS); its get/set functions are then called directly, which costs well under a microsecond.
``TORCHLEAN_BLAS_THREADS=fixed`` turns the policy off. Results are unchanged (same library,
same kernel family).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

SMALL_MACS = 1 << 22

_state: dict[str, Any] = {"probed": False, "get": None, "set": None}


def _probe() -> None:
    _state["probed"] = True
    if os.environ.get("TORCHLEAN_BLAS_THREADS") == "fixed":
        return
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # a runtime dependency; without it, leave BLAS alone
        return
    try:
        libs = ThreadpoolController().select(user_api="blas").lib_controllers
    except Exception:
        return
    # NumPy's own BLAS (its wheels ship it in numpy.libs), else the only one loaded.
    mine = [lib for lib in libs if "numpy" in lib.filepath] or (libs if len(libs) == 1 else [])
    if not mine:
        return
    lib = mine[0]
    getter, setter = _raw(lib)
    _state.update(get=getter, set=setter, lib=lib)


def _raw(lib: Any) -> tuple[Callable[[], int], Callable[[int], Any]]:
    """The library's own get/set functions (ctypes), or threadpoolctl's methods as a fallback."""
    if getattr(lib, "internal_api", None) == "openblas":
        try:
            get = lib._get_symbol("openblas_get_num_threads")
            put = lib._get_symbol("openblas_set_num_threads")
            if get is not None and put is not None:
                import ctypes

                get.restype = ctypes.c_int
                return get, put
        except Exception:
            pass
    return lib.get_num_threads, lib.set_num_threads


def one_thread_if_small(macs: int, fn: Callable[..., Any], *args: Any, **params: Any) -> Any:
    """``fn(*args, **params)``, on one BLAS thread when the product is small; the thread count
    is restored afterwards, also when ``fn`` raises."""
    if macs >= SMALL_MACS:
        return fn(*args, **params)
    if not _state["probed"]:
        _probe()
    get = _state["get"]
    if get is None:
        return fn(*args, **params)
    prev = get()
    if prev == 1:
        return fn(*args, **params)
    put = _state["set"]
    put(1)
    try:
        return fn(*args, **params)
    finally:
        put(prev)


def blas_threads() -> int | None:
    """The BLAS library's current thread count (None if it could not be found)."""
    if not _state["probed"]:
        _probe()
    get = _state["get"]
    return None if get is None else int(get())
