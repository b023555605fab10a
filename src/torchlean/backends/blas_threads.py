"""One BLAS thread for the convolutions' small GEMMs, scoped to the call: the process's setting
is restored.

The convolutions' im2col products are tall and skinny (a (1024, 32) by (32, 144) product, say)
and write fresh outputs; at small sizes a second OpenBLAS thread makes them slower, up to 2.6x
(measured on the 2-core benchmark machine: 268 us on two threads against 103 us on one for that
product; with a preallocated output two threads take 54 us, so page faults on the fresh output
are part of it). The NumPy backend's convolution kernels therefore run products below
``SMALL_MACS`` multiply-adds inside ``one_thread_if_small``, which sets the BLAS library to one
thread and puts back whatever it was set to before (the user's own ``threadpoolctl`` limits
included), so torchlean never changes a thread count the rest of the process can observe.
Plain ``matmul``/``linear`` products are left to OpenBLAS's own choice: it already runs tiny
products on one thread, and from about 1M multiply-adds two threads win (a 64x128 by 128x128
product: 17 us against 23 us), so forcing one thread made the W1 MLP step 7% (eager) and 10%
(compiled) slower.

The library is found once through ``threadpoolctl`` (maintained, portable: OpenBLAS, MKL,
BLIS); its get/set functions are then called directly, which costs well under a microsecond.
A compiled graph's run and a backward sweep are scopes (``enter_scope``/``exit_scope``): the
first small product sets one thread and the scope's end restores the count, so a graph of eight
products pays for one switch. ``TORCHLEAN_BLAS_THREADS=fixed`` turns the policy off. On some
CPUs OpenBLAS's float32 rounding depends on its thread count (measured on a benchmark machine:
the same (1024, 576) by (576, 64) product differs in the last bits on one and two threads), so
the policy is part of the numbers: eager, compiled and the test suite's fake device all run
these kernels through it and agree bitwise.
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


# A scope (a compiled graph's run, a backward sweep) sets one thread at its first small product
# and restores the count once, at its end, instead of around every product.
_scope: dict[str, Any] = {"depth": 0, "prev": None}


def enter_scope() -> None:
    _scope["depth"] += 1


def exit_scope() -> None:
    """Leave a scope; the outermost one restores the thread count its products changed."""
    _scope["depth"] -= 1
    if _scope["depth"] == 0 and _scope["prev"] is not None:
        prev, _scope["prev"] = _scope["prev"], None
        _state["set"](prev)


def one_thread_if_small(macs: int, fn: Callable[..., Any], *args: Any, **params: Any) -> Any:
    """``fn(*args, **params)``, on one BLAS thread when the product is small; the thread count
    is restored afterwards (at the end of the enclosing scope, if any), also when ``fn`` raises."""
    held = _scope["prev"]
    if macs >= SMALL_MACS:
        if held is None:
            return fn(*args, **params)
        put = _state["set"]  # a large product inside a scope: the process's own count for it
        put(held)
        try:
            return fn(*args, **params)
        finally:
            put(1)
    if held is not None:  # this scope already runs on one thread
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
    if _scope["depth"]:
        _scope["prev"] = prev  # exit_scope puts it back
        return fn(*args, **params)
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
