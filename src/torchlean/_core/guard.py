"""Error naming at public entry points.

``renamed(op, e)`` is how every public entry point reports a failure: a ``TorchLeanError``
raised below keeps its class and gets the public name in front (the inner op it named moves to
the end: ``gelu: expected a float tensor, got int64 (in mul)``); a Python error that escapes (a
wrong keyword, a value NumPy refuses) becomes an ``ArgumentError`` naming the entry point,
chained to the original. Binder ops use it through their frames (``frontend/frame.py``);
constructors, optimizers, trainers and the autograd helpers through ``guard``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from .errors import ArgumentError, TorchLeanError

_CONVERTED = (TypeError, ValueError, IndexError, KeyError, AttributeError, ArithmeticError)


def renamed(op: str, e: BaseException) -> BaseException | None:
    """The error to raise for ``e`` escaping public op ``op`` (None: raise ``e`` unchanged).

    A TorchLeanError keeps its class and traceback; its message is prefixed with ``op``, and the
    inner op it named, if different, moves to the end as ``(in inner)``. An error raised by an op
    the user called inside their own function (``tl.grad(fn)``, a trace) already names that op and
    is left alone (``mark_user``)."""
    if getattr(e, "_torchlean_user", False):
        return None
    if isinstance(e, TorchLeanError):
        msg = str(e)
        head, sep, rest = msg.partition(": ")
        if head == op:
            return None
        if sep and head.isidentifier():
            first, nl, tail = rest.partition("\n")
            msg = f"{op}: {first} (in {head}){nl}{tail}"
        else:
            msg = f"{op}: {msg}"
        e.args = (msg, *e.args[1:])
        return None
    if isinstance(e, MemoryError) or (isinstance(e, ValueError) and "array is too big" in str(e)):
        # a size the arguments asked for that cannot be allocated
        new = ArgumentError(f"{op}: the arguments ask for more memory than there is "
                            f"({str(e).strip() or 'MemoryError'})")
        new.__cause__ = e
        return new
    if isinstance(e, _CONVERTED):
        text = str(e).strip() or type(e).__name__
        new = ArgumentError(f"{op}: {text} ({type(e).__name__})")
        new.__cause__ = e
        return new
    return None


def mark_user(e: BaseException) -> None:
    """Mark an error raised inside a user's function: helpers around it do not rename it."""
    with contextlib.suppress(AttributeError):
        e._torchlean_user = True  # type: ignore[attr-defined]


def raise_as(op: str | None, e: BaseException) -> NoReturn:
    """Re-raise ``e``, an error raised while a compiled equation bound by public op ``op`` ran,
    as that op would have raised it eagerly (``renamed``), marked as the user's call so the
    entry points around the compiled call leave it alone; unchanged when ``op`` is None."""
    if op is not None:
        new = renamed(op, e)
        mark_user(e if new is None else new)
        if new is not None:
            raise new from e
    raise e


def guard(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for public entry points that are not ops (constructors, optimizer steps,
    trainers, the autograd helpers): Python errors escaping become ``ArgumentError`` naming
    ``name``, and a TorchLeanError raised below is re-labelled with ``name`` as a frame does.
    (State atomicity is each entry point's own job: they validate before they change anything.)
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except BaseException as e:
                new = renamed(name, e)
                if new is None:
                    raise
                raise new from e

        return wrapper

    return deco


def guard_methods(cls: type, names: Iterable[str]) -> type:
    """Guard methods of ``cls`` like ``guard``, named after the instance's own class at call
    time (``Adam``, ``Adam.step``; ``__init__`` by the class name alone), so a subclass calling
    its base's method reports one name."""
    for n in names:
        fn = cls.__dict__.get(n)
        if fn is None or getattr(fn, "__torchlean_guarded__", False):
            continue
        setattr(cls, n, _guard_method(n, fn))
    return cls


def _guard_method(n: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except BaseException as e:
            name = type(self).__name__ if n == "__init__" else f"{type(self).__name__}.{n}"
            new = renamed(name, e)
            if new is None:
                raise
            raise new from e

    wrapper.__torchlean_guarded__ = True  # type: ignore[attr-defined]
    return wrapper
