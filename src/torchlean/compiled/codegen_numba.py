"""CPU kernels for fused regions, generated as Python source and compiled by numba.

A region becomes one loop nest over its shape (outermost axis first in the memory order of
its first output) whose body loads every input element, evaluates the region's equations on
scalars and stores the outputs. Loads come before stores, so an output may reuse the buffer
of an input laid out like it (the memory plan's in-place reuse).

Exactness: arithmetic (+ - * /, max, min, abs, sign, step, sqrt, clamp, max_share; a
division by a zero constant gives IEEE's inf/NaN as ``div_scalar`` does) is IEEE-exact and
written with NumPy's conventions (``maximum`` returns its second operand on ties and NaN if
either is NaN, ``sign(-0.0) = 0.0``, ``step(NaN) = 0``), constants are rounded to the region's
dtype first as NumPy does with Python scalars, and numba does not contract ``a * b + c``
into an FMA: these fused results equal NumPy's bit for bit. Transcendental functions go
through numba's libm, which differs from NumPy's SIMD versions by up to a few ulp; they
are fused only in the dtypes ``CompileOptions.fuse_inexact`` names (none by default).

Kernels are cached twice: in process by source text, and on disk (the generated module is
written under ``config.cache_dir()`` and compiled with numba's ``cache=True``), so each
structure is compiled once per machine. Regions of equal structure (e.g. the pieces of a long
chain) have equal source and share one kernel, whatever their sizes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from .._core.shapes import prod
from .config import cache_dir
from .facts import Fact
from .fusion import Region, loop_order

_state: dict[str, Any] = {"numba": None, "checked": False}
_memo: dict[str, Any] = {}


def available() -> bool:
    """Whether numba can be imported (checked once)."""
    if not _state["checked"]:
        _state["checked"] = True
        try:
            import numba
        except ImportError:
            numba = None
        _state["numba"] = numba
    return _state["numba"] is not None


_HELPERS = '''
def _item(x):
    return x[()]


@overload(_item, inline="always")
def _item_overload(x):
    # a 0-d operand arrives as a 0-d array or, from a kernel that returned a NumPy scalar, a number
    if isinstance(x, types.Array):
        return lambda x: x[()]
    return lambda x: x

@njit(inline="always")
def _max(a, b):
    return a if (a > b or a != a) else b


@njit(inline="always")
def _min(a, b):
    return a if (a < b or a != a) else b


@njit(inline="always")
def _sign(a, one, zero):
    if a > zero:
        return one
    if a < zero:
        return -one
    return zero  # 0 and NaN (PyTorch's sign)


@njit(inline="always")
def _logaddexp(x, y, loge2):
    # NumPy's npy_logaddexp
    if x == y:
        return x + loge2
    tmp = x - y
    if tmp > 0:
        return x + np.log1p(np.exp(-tmp))
    if tmp <= 0:
        return y + np.log1p(np.exp(tmp))
    return tmp
'''


class _Emitter:
    """Source of one kernel: typed constants, scalar expressions, loop nest."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype
        self.consts: dict[str, str] = {}

    def const(self, value: float) -> str:
        text = float(value).hex()
        name = self.consts.get(text)
        if name is None:
            name = self.consts[text] = f"K{len(self.consts)}"
        return name

    def expr(self, name: str, args: list[str], params: dict[str, Any]) -> str:
        k = self.const
        one, zero = k(1.0), k(0.0)  # always named first: K0 = 1, K1 = 0 in every kernel
        return _EXPR[name](args[0], args[1] if len(args) > 1 else None, k, params, one, zero)


_LN2 = 0.6931471805599453
# One scalar expression per fusible primitive: (a, b, const, params, one, zero) -> source text;
# ``const`` names a typed constant of the kernel.
_EXPR: dict[str, Any] = {
    "add": lambda a, b, k, p, one, zero: f"{a} + {b}",
    "sub": lambda a, b, k, p, one, zero: f"{a} - {b}",
    "mul": lambda a, b, k, p, one, zero: f"{a} * {b}",
    "div": lambda a, b, k, p, one, zero: f"{a} / {b}",
    "maximum": lambda a, b, k, p, one, zero: f"_max({a}, {b})",
    "minimum": lambda a, b, k, p, one, zero: f"_min({a}, {b})",
    "neg": lambda a, b, k, p, one, zero: f"-{a}",
    "scale": lambda a, b, k, p, one, zero: f"{a} * {k(p.get('c', 1.0))}",
    "div_scalar": lambda a, b, k, p, one, zero: f"{a} / {k(p.get('c', 1.0))}",
    "max_share": lambda a, b, k, p, one, zero:
        f"({zero} if {a} < {b} else ({k(0.5)} if {a} == {b} else {one}))",
    "add_scalar": lambda a, b, k, p, one, zero: f"{a} + {k(p.get('c', 0.0))}",
    "sign": lambda a, b, k, p, one, zero: f"_sign({a}, {one}, {zero})",
    "step": lambda a, b, k, p, one, zero: f"({one} if {a} > {zero} else {zero})",
    "abs": lambda a, b, k, p, one, zero: f"abs({a})",
    "relu": lambda a, b, k, p, one, zero: f"_max({a}, {zero})",
    "exp": lambda a, b, k, p, one, zero: f"np.exp({a})",
    "log": lambda a, b, k, p, one, zero: f"np.log({a})",
    "inv": lambda a, b, k, p, one, zero: f"{one} / {a}",
    "tanh": lambda a, b, k, p, one, zero: f"np.tanh({a})",
    "sqrt": lambda a, b, k, p, one, zero: f"np.sqrt({a})",
    "sigmoid": lambda a, b, k, p, one, zero: f"np.exp(-_logaddexp({zero}, -{a}, {k(_LN2)}))",
    "softplus": lambda a, b, k, p, one, zero: f"_logaddexp({zero}, {a}, {k(_LN2)})",
    "clamp": lambda a, b, k, p, one, zero: f"_min(_max({a}, {k(p.get('lo', 0.0))}), {k(p.get('hi', 0.0))})",
    "power": lambda a, b, k, p, one, zero: f"np.power({a}, {k(p.get('p', 1.0))})",
}


def flat_perm(region: Region, facts: dict[Any, Fact]) -> tuple[int, ...] | None:
    """The one axis order in which all full-shape inputs and all outputs are dense, if any
    (and every other input is a single element); None otherwise or for 0-d and 1-d regions."""
    if len(region.shape) < 2 or region.sums:
        return None
    perms = set()
    for v in [*region.outputs, *region.inputs]:
        if v.type.shape != region.shape:
            if prod(v.type.shape) != 1:
                return None
            continue
        f = facts.get(v)
        if f is None or f.perm is None:
            return None
        perms.add(f.perm)
    return perms.pop() if len(perms) == 1 else None


def source(region: Region, facts: dict[Any, Fact]) -> str:
    """The kernel module's source for ``region`` (its text is its cache key). With
    ``region.flat`` set, full-shape arrays arrive as 1-D views in memory order."""
    em = _Emitter(region.dtype)
    flat = region.flat is not None
    ndim = 1 if flat else len(region.shape)
    perm = (0,) if flat else loop_order(region, facts)
    idx = [f"i{a}" for a in range(ndim)]
    names_in = [f"in{i}" for i in range(len(region.inputs))]
    names_out = [f"out{j}" for j in range(len(region.outputs))]
    full = [n for n, v in zip(names_out + names_in, region.outputs + region.inputs) if v.type.shape == region.shape]
    body: list[str] = []
    hoisted: list[str] = []
    # A flat kernel over C-ordered arrays takes them as they are and views them as 1-D itself
    # (one view per array and call fewer in the schedule); other flat kernels get 1-D views.
    own_view = flat and region.flat == tuple(range(len(region.shape)))
    flat_of = {n: (f"f{n}" if own_view else n) for n in names_in + names_out}
    if own_view:
        hoisted += [f"f{n} = {n}.reshape({n}.size)" for n in full]
    for i, (v, read) in enumerate(zip(region.inputs, region.reads)):
        if flat and v.type.shape == region.shape:
            body.append(f"x{i} = {flat_of[names_in[i]]}[i0]")
            continue
        sub = [idx[read[k]] if v.type.shape[k] > 1 else "0" for k in range(len(read))]
        ref = f"{names_in[i]}[{', '.join(sub)}]" if sub else f"_item({names_in[i]})"
        (body if any(s != "0" for s in sub) else hoisted).append(f"x{i} = {ref}")
    local: dict[Any, str] = {}
    for n, e in enumerate(region.eqns):
        args = [local[v] if v in local else f"x{region.arg_of[v]}" for v in e.inputs]
        body.append(f"t{n} = {em.expr(e.prim.name, args, e.params)}")
        local[e.out] = f"t{n}"
    out_ref = f"[{', '.join(idx)}]" if ndim else "[()]"
    init: list[str] = []
    for j, v in enumerate(region.outputs):
        if v in region.sums:  # from +0, row by row (see fusion.attach_sums)
            src, k = region.sums[v]
            rest = [f"r{a}" for a in range(ndim - k)]
            init += ["    " * (d + 1) + f"for {r} in range({names_out[j]}.shape[{d}]):" for d, r in enumerate(rest)]
            init.append("    " * (len(rest) + 1) + f"{names_out[j]}[{', '.join(rest)}] = {em.const(0.0)}")
            body.append(f"{names_out[j]}[{', '.join(idx[k:])}] += {local[src]}")
            continue
        body.append(f"{flat_of[names_out[j]]}{out_ref} = {local[v]}")
    dt = region.dtype.name
    lines = ["import numpy as np", "from numba import njit, types", "from numba.extending import overload", ""]
    lines += [f"{name} = np.{dt}(float.fromhex({text!r}))" for text, name in em.consts.items()]
    lines.append(_HELPERS)
    lines.append('@njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)')
    lines.append(f"def kernel({', '.join(names_in + names_out)}):")
    ind = "    "
    for h in hoisted:
        lines.append(ind + h)
    lines += init
    for depth, a in enumerate(perm):
        lines.append(ind * (depth + 1) + f"for i{a} in range({flat_of[full[0]]}.shape[{a}]):")
    inner = ind * (len(perm) + 1)
    lines += [inner + line for line in body]
    return "\n".join(lines) + "\n"


def kernel_for(region: Region, facts: dict[Any, Fact]) -> Any:
    """The compiled kernel of ``region`` (from the process memo or the disk cache)."""
    src = source(region, facts)
    fn = _memo.get(src)
    if fn is None:
        fn = _memo[src] = _load(src)
    return fn


def compile_regions(items: Sequence[Any], facts: dict[Any, Fact]) -> None:
    """Attach a kernel to every region of ``items``."""
    for item in items:
        if isinstance(item, Region):
            item.flat = flat_perm(item, facts)
            item.kernel = kernel_for(item, facts)


def _load(src: str) -> Any:
    digest = hashlib.sha256(src.encode()).hexdigest()[:24]
    name = f"torchlean_fused_{digest}"
    path = _write(src, f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's disk cache finds the module by name
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.kernel


def _write(src: str, filename: str) -> str:
    """The kernel module on disk (written once, atomically); a temp dir if the cache is read-only."""
    for root in (cache_dir(), os.path.join(tempfile.gettempdir(), f"torchlean-jit-{os.getuid()}")):
        path = os.path.join(root, filename)
        try:
            if not os.path.exists(path):
                os.makedirs(root, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
                with os.fdopen(fd, "w") as fh:
                    fh.write(src)
                os.replace(tmp, path)
            return path
        except OSError:
            continue
    raise OSError("torchlean: no writable directory for generated kernels")
