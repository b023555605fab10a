"""How a PyTorch-shaped function finds its binder and runs as one public op."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

from .._core.errors import ArgumentError, DTypeError, TorchLeanError
from ..frontend.frame import run

F = TypeVar("F", bound=Callable[..., Any])


def is_tensor(v: Any) -> bool:
    """A torchlean tensor: an eager ``TensorRef`` or a traced ``Var``. Read from the class flag
    ``__torchlean_tensor__`` (not an import of ``TensorMethods``, whose family mixins import
    this module)."""
    return getattr(type(v), "__torchlean_tensor__", False) is True


def find_binder(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    """The binder of the first tensor among the arguments (one level into lists and tuples,
    for ``cat``/``stack``); a ``Param`` (which belongs to no session) only if nothing else is
    there, through the current binder. None if there is no tensor at all."""
    if args:  # the common case: the first argument is a session's tensor
        a = args[0]
        if getattr(type(a), "__torchlean_tensor__", False) is True and not getattr(a, "_is_param", False):
            return a.session
    fallback = None
    for v in (*args, *kwargs.values()) if kwargs else args:
        for u in (v if isinstance(v, (list, tuple)) else (v,)):
            if is_tensor(u):
                if not getattr(u, "_is_param", False):
                    return u.session
                fallback = u
    if fallback is None:
        return None
    from .._core.current import current

    return current()  # a Param's binder: the current one (None before any session took an input)


def torch_op(fn: F | None = None, *, name: str | None = None) -> Any:
    """Decorator: the function runs as public op ``name`` (default: its own name) in a frame
    of the binder of its first tensor argument."""

    def deco(fn: F) -> F:
        op = name or fn.__name__.rstrip("_")
        flags = _bool_parameters(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if flags:
                _check_flags(op, flags, args, kwargs)
            binder = find_binder(args, kwargs)
            if binder is None:
                raise DTypeError(f"{op}: expected a torchlean tensor argument (make one with "
                                 "s.input(...)), got " + ", ".join(type(a).__name__ for a in args))
            check = getattr(binder, "_check_ref", None)
            if check is not None and binder._frame is None:
                _same_generation(op, check, args, kwargs)
            return run(binder, op, fn, args, kwargs)

        wrapper.__torchlean_op__ = op  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return deco(fn) if fn is not None else deco


def _same_generation(op: str, check: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Eager calls: every tensor argument (one level into lists and tuples) is a live ref of the
    binder's session, checked before anything runs. The frame rolls back one session's tape, so
    an op on tensors of two sessions could otherwise leave nodes on the other; and a path that
    returns its input as it is (dropout in evaluation) would hand back a stale ref silently.
    Refs of released generations pass (they are constants); Params belong to no session."""
    ref = None  # the common case: tensors of the first one's class (never a Param's)
    if args and getattr(type(args[0]), "__torchlean_tensor__", False) is True \
            and not getattr(args[0], "_is_param", False):
        ref = type(args[0])
    for v in (*args, *kwargs.values()) if kwargs else args:
        t = type(v)
        if t is ref:
            check(op, v, True)
        elif t is list or t is tuple:
            for u in v:
                if getattr(type(u), "__torchlean_tensor__", False) is True and not getattr(u, "_is_param", False):
                    check(op, u, True)
        elif getattr(t, "__torchlean_tensor__", False) is True and not getattr(v, "_is_param", False):
            check(op, v, True)


def _bool_parameters(fn: Callable[..., Any]) -> tuple[tuple[int, str, bool], ...]:
    """``(position, name, None allowed)`` of the parameters annotated ``bool`` / ``bool | None``:
    PyTorch's flags (``keepdim``, ``ceil_mode``, ``training``...), which torch's argument parser
    refuses when they are not bools. Read from the annotations once, at decoration."""
    out = []
    for i, p in enumerate(inspect.signature(fn).parameters.values()):
        ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "")
        if ann in ("bool", "bool | None"):
            pos = i if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) else -1
            out.append((pos, p.name, ann != "bool"))
    return tuple(out)


def _check_flags(op: str, flags: tuple[tuple[int, str, bool], ...], args: tuple[Any, ...],
                 kwargs: Mapping[str, Any]) -> None:
    for pos, pname, none_ok in flags:
        if 0 <= pos < len(args):
            v = args[pos]
        elif pname in kwargs:
            v = kwargs[pname]
        else:
            continue
        if v.__class__ is bool or isinstance(v, np.bool_) or (none_ok and v is None):
            continue
        raise ArgumentError(f"{op}: {pname} must be a bool{' or None' if none_ok else ''}, got "
                            f"{type(v).__name__} {v!r:.40}")


def ops_of(op: str, *values: Any) -> Any:
    """The binder of the first tensor among ``values`` (``TorchLeanError`` if there is none)."""
    for v in values:
        if is_tensor(v):
            return v.session
    raise TorchLeanError(f"{op}: expected a torchlean tensor, got "
                         + ", ".join(type(v).__name__ for v in values))


def tensor(op: str, what: str, v: Any) -> Any:
    """``v`` if it is a torchlean tensor, else a ``TorchLeanError`` naming the argument."""
    if is_tensor(v):
        return v
    hint = "; make one with s.input(...)" if hasattr(v, "__array__") or isinstance(v, (list, tuple)) else ""
    raise TorchLeanError(f"{op}: {what} must be a torchlean tensor, got {type(v).__name__}{hint}")
