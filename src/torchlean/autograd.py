"""Functional autograd (the seed's quickstart helpers): ``vjp``, ``jvp``, ``grad``,
``value_and_grad``, ``jacrev``, ``jacfwd`` and ``hvp`` for functions ``fn(ops, *args)``.

Each takes ``backend=Backend.EAGER`` (a fresh tape per call) or ``Backend.COMPILED`` (traced
into a graph and run through its derivative graphs). Float args are differentiable; integer
args (labels, indices) get ``None``. Without ``options``, the dtype is float64 if any float
argument is float64, else float32.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._core import convert
from ._core.errors import ArgumentError, TorchLeanError
from .backends import get_backend
from .compiled.api import compile_out
from .eager.session import Session
from .options import Backend, Device, Options

Fn = Callable[..., Any]


def _options(args: Sequence[Any], options: Options | None, backend: Backend) -> Options:
    if options is not None:
        if not isinstance(options, Options):
            raise ArgumentError(f"options must be an Options, got {type(options).__name__}")
        return options
    f64 = any(getattr(a, "dtype", None) is not None and str(a.dtype).rsplit(".", 1)[-1] == "float64"
              for a in args)
    return Options(dtype=np.float64 if f64 else np.float32, backend=backend)


def _arrays(args: Sequence[Any], opts: Options, op: str = "autograd") -> list[Any]:
    """The arguments through the boundary, in the options' float dtype, on its device (host
    data is uploaded to a CUDA device: these helpers are a convenience over host data)."""
    backend = get_backend(opts.device, opts.matmul_precision)
    out = []
    for i, a in enumerate(args):
        if opts.device is Device.CUDA and backend.is_array(a):
            out.append(a)
            continue
        arr = convert.host_array(a, op, f"argument {i}", None, opts.dtype)
        out.append(arr if opts.device is Device.CPU else backend.asarray(arr, arr.dtype))
    return out


def _is_float(a: Any) -> bool:
    return np.dtype(a.dtype).kind == "f"


def vjp(fn: Fn, *primals: Any, backend: Backend = Backend.EAGER, options: Options | None = None
        ) -> tuple[Any, Callable[[Any], list[Any]]]:
    """``(fn(*primals), pullback)`` where ``pullback(cotangent)`` gives one cotangent per arg."""
    opts = _options(primals, options, backend)
    xs = _arrays(primals, opts, "vjp")
    if backend is Backend.COMPILED:
        c = compile_out(fn, xs, opts)
        return c.forward(*xs), lambda cot: c.vjp_with_seed(xs, cot)
    s = Session(opts.replace(backend=Backend.EAGER))
    refs = [s.input(x, requires_grad=_is_float(x)) for x in xs]
    out = fn(s, *refs)

    def pullback(cot: Any) -> list[Any]:
        grads = s.backward(out, cot)
        return [grads[r] if r.requires_grad else None for r in refs]

    return s.value(out), pullback


def jvp(fn: Fn, primals: Sequence[Any], tangents: Sequence[Any], backend: Backend = Backend.EAGER,
        options: Options | None = None) -> tuple[Any, Any]:
    """``(fn(*primals), J tangents)``; one tangent per float arg."""
    opts = _options(primals, options, backend)
    xs = _arrays(primals, opts, "jvp")
    floats = [i for i, x in enumerate(xs) if _is_float(x)]
    if len(tangents) != len(floats):
        raise TorchLeanError(f"jvp: expected {len(floats)} tangents (one per float argument), got {len(tangents)}")
    ts = [convert.host_array(t, "jvp", f"tangent {k}", opts.dtype) for k, t in enumerate(tangents)]
    if backend is Backend.COMPILED:
        c = compile_out(fn, xs, opts)
        return c.forward(*xs), c.jvp(xs, ts)
    s = Session(opts.replace(backend=Backend.EAGER))
    refs = [s.input(x, requires_grad=_is_float(x)) for x in xs]
    out = fn(s, *refs)
    return s.value(out), s.jvp(out, {refs[i]: t for i, t in zip(floats, ts)})


def _select(grads: list[Any], argnums: int | Sequence[int]) -> Any:
    if isinstance(argnums, int):
        return grads[argnums]
    return tuple(grads[i] for i in argnums)


def value_and_grad(fn: Fn, argnums: int | Sequence[int] = 0, backend: Backend = Backend.EAGER,
                   options: Options | None = None) -> Callable[..., tuple[Any, Any]]:
    """``f(*args) -> (value, gradient)`` of a scalar ``fn`` with respect to ``argnums``."""

    def run(*args: Any) -> tuple[Any, Any]:
        value, pullback = vjp(fn, *args, backend=backend, options=options)
        if np.shape(value) != ():
            raise TorchLeanError(f"grad: fn must return a scalar, got shape {np.shape(value)}")
        return value, _select(pullback(np.ones((), np.asarray(value).dtype)), argnums)

    return run


def grad(fn: Fn, argnums: int | Sequence[int] = 0, backend: Backend = Backend.EAGER,
         options: Options | None = None) -> Callable[..., Any]:
    """``f(*args) -> gradient`` of a scalar ``fn`` with respect to ``argnums``."""
    vg = value_and_grad(fn, argnums, backend, options)
    return lambda *args: vg(*args)[1]


def jacrev(fn: Fn, argnums: int = 0, backend: Backend = Backend.EAGER, options: Options | None = None
           ) -> Callable[..., np.ndarray]:
    """Jacobian (shape ``out.shape + arg.shape``) by one VJP per output element."""

    def run(*args: Any) -> np.ndarray:
        value, pullback = vjp(fn, *args, backend=backend, options=options)
        value = np.asarray(value)
        rows = []
        for i in range(value.size):
            e = np.zeros(value.size, value.dtype)
            e[i] = 1.0
            rows.append(np.asarray(pullback(e.reshape(value.shape))[argnums]))
        arg = np.asarray(args[argnums])
        return np.stack(rows).reshape(value.shape + arg.shape) if rows else np.zeros(value.shape + arg.shape)

    return run


def jacfwd(fn: Fn, argnums: int = 0, backend: Backend = Backend.EAGER, options: Options | None = None
           ) -> Callable[..., np.ndarray]:
    """Jacobian (shape ``out.shape + arg.shape``) by one JVP per input element."""

    def run(*args: Any) -> np.ndarray:
        floats = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]
        arg = np.asarray(args[argnums], np.float64)
        cols = []
        for j in range(arg.size):
            ts = [np.zeros(np.shape(args[i])) for i in floats]
            ts[floats.index(argnums)].reshape(-1)[j] = 1.0
            value, t = jvp(fn, args, ts, backend=backend, options=options)
            cols.append(np.asarray(t))
        value = np.asarray(value)
        return np.stack(cols, axis=-1).reshape(value.shape + arg.shape)

    return run


def hvp(fn: Fn, primals: Sequence[Any], tangents: Sequence[Any], options: Options | None = None) -> list[Any]:
    """Hessian-vector product of a scalar ``fn``: the JVP of its (compiled) gradient graph."""
    from .compiled.api import compile_scalar

    opts = _options(primals, options, Backend.COMPILED)
    xs = _arrays(primals, opts, "hvp")
    ts = [convert.host_array(t, "hvp", f"tangent {k}", opts.dtype) for k, t in enumerate(tangents)]
    return compile_scalar(fn, xs, opts).hvp(xs, ts)
