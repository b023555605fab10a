"""Switches of the compiled path's optimiser: which graph passes run, whether elementwise
regions are fused into generated kernels, and when the executor interprets instead of
generating code.

The defaults come from the environment, read once at import:

* ``TORCHLEAN_PASSES``: ``all`` (default), ``none``, or a comma list of ``dce``, ``cse``,
  ``fold``, ``simplify``.
* ``TORCHLEAN_FUSION``: ``1`` (default: fuse when numba is installed) or ``0``.
* ``TORCHLEAN_JIT_CACHE``: directory of generated kernels and numba's cache (default
  ``$XDG_CACHE_HOME/torchlean/jit`` or ``~/.cache/torchlean/jit``).

``compile_options(**changes)`` overrides them for the executables made inside a ``with`` block
(an executable reads the options once, when it is made: on a compiled function's first call).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from typing import Any

ALL_PASSES = ("dce", "cse", "fold", "simplify")


def _env_passes() -> frozenset[str]:
    raw = os.environ.get("TORCHLEAN_PASSES", "all").strip().lower()
    if raw in ("", "all"):
        return frozenset(ALL_PASSES)
    if raw == "none":
        return frozenset()
    names = {p.strip() for p in raw.split(",") if p.strip()}
    unknown = names - set(ALL_PASSES)
    if unknown:
        raise ValueError(f"TORCHLEAN_PASSES: unknown passes {sorted(unknown)}; choose from {ALL_PASSES}")
    return frozenset(names)


@dataclasses.dataclass(frozen=True)
class CompileOptions:
    """What the optimiser of an executable does.

    Args:
        passes: graph passes to run (a subset of ``ALL_PASSES``).
        fusion: fuse elementwise regions into numba kernels (ignored without numba).
        fuse_min_ops: smallest region worth a kernel (smaller ones run as plain kernels).
        fuse_max_ops: largest region per kernel (longer runs are split; equal pieces share
            one compiled kernel, which keeps compile time flat in graph size).
        fuse_max_args: most arrays (inputs plus outputs) a fused kernel takes; each costs
            dispatch time per call and compile time once.
        fuse_inexact: dtypes in which transcendental ops (exp, log, tanh, sigmoid, softplus,
            power) are fused. None by default: numba calls the platform's libm, and NumPy
            its own SIMD versions where the CPU has them (AVX-512 machines), which differ by a
            few ulp; a training run then drifts from eager (a ResNet's accuracy after one
            epoch: 0.727 against 0.735). Without them every fused kernel is bitwise eager's;
            ``frozenset({"float32"})`` fuses them in float32 (W2's chain: 3x fewer kernel calls).
        interpret_above: schedules longer than this run on an interpreter instead of
            generated Python (generating and compiling code costs more than it saves there).
        eager_above: a compiled function whose forward graph has more equations than this runs
            its first ``eager_calls`` calls of forward, grad and vjp on the eager interpreter
            before lowering (``eager_tier.py``; a ``tl.compile`` signature that large replays on
            the calling session): lowering so large a graph costs about twenty interpreted calls.
        eager_calls: how many calls run on the eager interpreter first (a fixed count, so a
            run is reproducible).
        persistent_outputs: outputs are computed into fixed buffers and copied out (what a
            CUDA-graph capture needs); by default they are written straight into fresh arrays.
    """

    passes: frozenset[str] = dataclasses.field(default_factory=_env_passes)
    fusion: bool = dataclasses.field(default_factory=lambda: os.environ.get("TORCHLEAN_FUSION", "1") != "0")
    fuse_min_ops: int = 2
    fuse_max_ops: int = 256
    fuse_max_args: int = 24
    fuse_inexact: frozenset[str] = frozenset()
    interpret_above: int = 1500
    eager_above: int = 1000
    eager_calls: int = 16
    persistent_outputs: bool = False

    def replace(self, **changes: Any) -> CompileOptions:
        if "passes" in changes:
            changes["passes"] = frozenset(changes["passes"])
            unknown = changes["passes"] - set(ALL_PASSES)
            if unknown:
                raise ValueError(f"unknown passes {sorted(unknown)}; choose from {ALL_PASSES}")
        return dataclasses.replace(self, **changes)


_current: list[CompileOptions] = [CompileOptions()]


def current_options() -> CompileOptions:
    """The options new executables use."""
    return _current[-1]


@contextlib.contextmanager
def compile_options(**changes: Any) -> Iterator[CompileOptions]:
    """Use ``current_options().replace(**changes)`` for executables made inside the block."""
    opts = current_options().replace(**changes)
    _current.append(opts)
    try:
        yield opts
    finally:
        _current.pop()


def cache_dir() -> str:
    """Directory of generated kernels (never inside the package)."""
    path = os.environ.get("TORCHLEAN_JIT_CACHE")
    if not path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "torchlean", "jit")
    return path
