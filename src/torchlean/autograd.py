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
from ._core.errors import ArgumentError, NotDifferentiableError, ShapeError, TorchLeanError
from ._core.guard import guard, mark_user, renamed
from ._core.shapes import is_int
from .backends import get_backend
from .compiled.api import compile_out
from .eager.session import Session
from .eager.tensor import TensorRef
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


def _on_device(arrays: Sequence[Any], opts: Options) -> list[Any]:
    """Host tangents/cotangents uploaded to the options' CUDA device, as ``_arrays`` does for
    the primals (compiled functions refuse host data on another device)."""
    if opts.device is Device.CPU:
        return list(arrays)
    backend = get_backend(opts.device, opts.matmul_precision)
    return [a if backend.is_array(a) else backend.asarray(a, a.dtype) for a in arrays]


def _is_float(a: Any) -> bool:
    return np.dtype(a.dtype).kind == "f"


def _vjp(op: str, fn: Fn, primals: Sequence[Any], backend: Backend, options: Options | None
         ) -> tuple[Any, Callable[[Any], list[Any]], list[Any]]:
    """``(value, pullback, converted args)``; errors name ``op``."""
    if not callable(fn):
        raise ArgumentError(f"{op}: fn must be a function fn(ops, *args), got {type(fn).__name__}")
    backend = _backend(op, backend)
    opts = _options(primals, options, backend)
    xs = _arrays(primals, opts, op)
    if backend is Backend.COMPILED:
        c = compile_out(fn, xs, opts)
        return c.forward(*xs), lambda cot: c.backward_with_seed(xs, _upload_one(cot, opts, op), op), xs
    s = Session(opts.replace(backend=Backend.EAGER))
    refs = [s.input(x, requires_grad=_is_float(x)) for x in xs]
    out = _call_user(fn, s, refs)
    if not isinstance(out, TensorRef):
        raise ArgumentError(f"{op}: fn must return one tensor, got {type(out).__name__}")

    def pullback(cot: Any) -> list[Any]:
        try:
            grads = s.backward(out, cot)
        except TorchLeanError as e:
            raise renamed(op, e) or e from None
        return [grads[r] if r.requires_grad else None for r in refs]

    return s.value(out), pullback, xs


def _upload_one(cot: Any, opts: Options, op: str) -> Any:
    """A host cotangent (array or number) for a compiled pullback on the options' device."""
    if opts.device is Device.CPU or get_backend(opts.device, opts.matmul_precision).is_array(cot):
        return cot
    return _on_device([convert.host_array(cot, op, "cotangent", opts.dtype)], opts)[0]


def _backend(op: str, backend: Any) -> Backend:
    if isinstance(backend, Backend):
        return backend
    try:
        return Backend(str(backend).lower())
    except ValueError:
        raise ArgumentError(f"{op}: backend must be 'eager' or 'compiled', got {backend!r}") from None


def vjp(fn: Fn, *primals: Any, backend: Backend = Backend.EAGER, options: Options | None = None
        ) -> tuple[Any, Callable[[Any], list[Any]]]:
    """``(fn(*primals), pullback)`` where ``pullback(cotangent)`` gives one cotangent per arg."""
    value, pullback, _ = _vjp("vjp", fn, primals, backend, options)
    return value, guard("vjp")(pullback)


def jvp(fn: Fn, primals: Sequence[Any], tangents: Sequence[Any], backend: Backend = Backend.EAGER,
        options: Options | None = None) -> tuple[Any, Any]:
    """``(fn(*primals), J tangents)``; one tangent per float arg."""
    return _jvp("jvp", fn, primals, tangents, backend, options)


def _jvp(op: str, fn: Fn, primals: Sequence[Any], tangents: Sequence[Any], backend: Any,
         options: Options | None) -> tuple[Any, Any]:
    for what, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, (list, tuple)):
            raise ArgumentError(f"{op}: {what} must be a list or tuple, got {type(v).__name__}")
    backend = _backend(op, backend)
    opts = _options(primals, options, backend)
    xs = _arrays(primals, opts, op)
    floats = [i for i, x in enumerate(xs) if _is_float(x)]
    if len(tangents) != len(floats):
        raise ArgumentError(f"{op}: expected {len(floats)} tangents (one per float argument), got {len(tangents)}")
    ts = [convert.host_array(t, op, f"tangent {k}", opts.dtype) for k, t in enumerate(tangents)]
    for k, (i, t) in enumerate(zip(floats, ts)):
        if t.shape != tuple(xs[i].shape):
            raise ShapeError(f"{op}: tangent {k} must have the shape of argument {i}, {tuple(xs[i].shape)}, "
                             f"got {t.shape}")
    if backend is Backend.COMPILED:
        c = compile_out(fn, xs, opts)
        return c.forward(*xs), c.jvp(xs, _on_device(ts, opts))
    s = Session(opts.replace(backend=Backend.EAGER))
    refs = [s.input(x, requires_grad=_is_float(x)) for x in xs]
    out = _call_user(fn, s, refs)
    if not isinstance(out, TensorRef):
        raise ArgumentError(f"{op}: fn must return one tensor, got {type(out).__name__}")
    return s.value(out), s.jvp(out, {refs[i]: t for i, t in zip(floats, ts)})


def _call_user(fn: Fn, s: Session, refs: list[Any]) -> Any:
    """The user's function on a session: its own errors name the ops it called, so they pass
    through the helpers' labels unchanged."""
    try:
        return fn(s, *refs)
    except TorchLeanError as e:
        mark_user(e)
        raise


def _argnums(op: str, argnums: Any) -> int | tuple[int, ...]:
    if is_int(argnums):
        return int(argnums)
    if isinstance(argnums, (tuple, list)) and argnums and all(is_int(a) for a in argnums):
        return tuple(int(a) for a in argnums)
    raise ArgumentError(f"{op}: argnums must be an int or a tuple of ints, got {argnums!r}")


def _select(op: str, grads: list[Any], argnums: int | tuple[int, ...], xs: Sequence[Any]) -> Any:
    idx = (argnums,) if isinstance(argnums, int) else argnums
    for i in idx:
        if not -len(grads) <= i < len(grads):
            raise ArgumentError(f"{op}: argnums {i} is out of range for {len(grads)} arguments")
        if grads[i] is None:
            raise NotDifferentiableError(f"{op}: argument {i} is {np.dtype(xs[i].dtype).name}, which "
                                         "has no gradient (only float arguments do)")
    if isinstance(argnums, int):
        return grads[argnums]
    return tuple(grads[i] for i in argnums)


def value_and_grad(fn: Fn, argnums: int | Sequence[int] = 0, backend: Backend = Backend.EAGER,
                   options: Options | None = None) -> Callable[..., tuple[Any, Any]]:
    """``f(*args) -> (value, gradient)`` of a scalar ``fn`` with respect to ``argnums``."""
    return _value_and_grad("value_and_grad", fn, argnums, backend, options)


def _value_and_grad(op: str, fn: Fn, argnums: Any, backend: Any, options: Options | None
                    ) -> Callable[..., tuple[Any, Any]]:
    nums = _argnums(op, argnums)

    def run(*args: Any) -> tuple[Any, Any]:
        value, pullback, xs = _vjp(op, fn, args, backend, options)
        if np.shape(value) != ():
            raise ShapeError(f"{op}: fn must return a scalar, got shape {np.shape(value)}")
        return value, _select(op, pullback(np.ones((), np.asarray(value).dtype)), nums, xs)

    return guard(op)(run)


def grad(fn: Fn, argnums: int | Sequence[int] = 0, backend: Backend = Backend.EAGER,
         options: Options | None = None) -> Callable[..., Any]:
    """``f(*args) -> gradient`` of a scalar ``fn`` with respect to ``argnums``."""
    vg = _value_and_grad("grad", fn, argnums, backend, options)
    return lambda *args: vg(*args)[1]


def _one_argnum(op: str, argnums: Any, n: int) -> int:
    if not is_int(argnums):
        raise ArgumentError(f"{op}: argnums must be an int, got {argnums!r}")
    if not -n <= argnums < n:
        raise ArgumentError(f"{op}: argnums {argnums} is out of range for {n} arguments")
    return int(argnums) % n


def jacrev(fn: Fn, argnums: int = 0, backend: Backend = Backend.EAGER, options: Options | None = None
           ) -> Callable[..., np.ndarray]:
    """Jacobian (shape ``out.shape + arg.shape``) by one VJP per output element."""

    def run(*args: Any) -> np.ndarray:
        k = _one_argnum("jacrev", argnums, len(args))
        value, pullback, xs = _vjp("jacrev", fn, args, backend, options)
        if not _is_float(xs[k]):
            raise NotDifferentiableError(f"jacrev: argument {k} is {np.dtype(xs[k].dtype).name}, which "
                                         "has no derivative")
        value = np.asarray(value)
        rows = []
        for i in range(value.size):
            e = np.zeros(value.size, value.dtype)
            e[i] = 1.0
            rows.append(np.asarray(pullback(e.reshape(value.shape))[k]))
        shape = value.shape + tuple(xs[k].shape)
        return np.stack(rows).reshape(shape) if rows else np.zeros(shape)

    return guard("jacrev")(run)


def jacfwd(fn: Fn, argnums: int = 0, backend: Backend = Backend.EAGER, options: Options | None = None
           ) -> Callable[..., np.ndarray]:
    """Jacobian (shape ``out.shape + arg.shape``) by one JVP per input element."""

    def run(*args: Any) -> np.ndarray:
        k = _one_argnum("jacfwd", argnums, len(args))
        opts = _options(args, options, _backend("jacfwd", backend))
        xs = _arrays(args, opts, "jacfwd")
        floats = [i for i, a in enumerate(xs) if _is_float(a)]
        if k not in floats:
            raise NotDifferentiableError(f"jacfwd: argument {k} is {np.dtype(xs[k].dtype).name}, which "
                                         "has no derivative")
        size = int(np.prod(xs[k].shape))
        cols = []
        value = None
        for j in range(size):
            ts = [np.zeros(tuple(xs[i].shape), opts.dtype) for i in floats]
            ts[floats.index(k)].reshape(-1)[j] = 1.0
            value, t = _jvp("jacfwd", fn, xs, ts, backend, opts)
            cols.append(np.asarray(t))
        if value is None:
            value = _jvp("jacfwd", fn, xs, [np.zeros(tuple(xs[i].shape), opts.dtype) for i in floats],
                         backend, opts)[0]
        value = np.asarray(value)
        shape = value.shape + tuple(xs[k].shape)
        return np.stack(cols, axis=-1).reshape(shape) if cols else np.zeros(shape)

    return guard("jacfwd")(run)


def hvp(fn: Fn, primals: Sequence[Any], tangents: Sequence[Any], options: Options | None = None) -> list[Any]:
    """Hessian-vector product of a scalar ``fn``: the JVP of its (compiled) gradient graph."""
    from .compiled.api import compile_scalar

    for what, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, (list, tuple)):
            raise ArgumentError(f"hvp: {what} must be a list or tuple, got {type(v).__name__}")
    opts = _options(primals, options, Backend.COMPILED)
    xs = _arrays(primals, opts, "hvp")
    ts = [convert.host_array(t, "hvp", f"tangent {k}", opts.dtype) for k, t in enumerate(tangents)]
    return compile_scalar(fn, xs, opts).hvp(xs, _on_device(ts, opts))


vjp = guard("vjp")(vjp)
jvp = guard("jvp")(jvp)
hvp = guard("hvp")(hvp)
