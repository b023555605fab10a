"""How a PyTorch-shaped function finds its binder and runs as one public op."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .._core.errors import DTypeError, TorchLeanError
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
    fallback = None
    for v in (*args, *kwargs.values()):
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

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            binder = find_binder(args, kwargs)
            if binder is None:
                raise DTypeError(f"{op}: expected a torchlean tensor argument (make one with "
                                 "s.input(...)), got " + ", ".join(type(a).__name__ for a in args))
            return run(binder, op, fn, args, kwargs)

        wrapper.__torchlean_op__ = op  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return deco(fn) if fn is not None else deco


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
