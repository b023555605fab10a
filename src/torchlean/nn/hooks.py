"""Forward hooks of modules (PyTorch's ``register_forward_pre_hook`` / ``register_forward_hook``).

A module keeps its hooks in ``_hooks`` (absent until the first one is registered, so a module
without hooks pays one dict lookup per call). Pre-hooks run before ``forward`` and may replace
its positional arguments (or, registered ``with_kwargs=True``, both its arguments and keyword
arguments); forward hooks run after it and may replace its output. Hooks run where the module
runs: eagerly at every call, and under ``tl.compile`` while the function is traced (their effect
on the values is then part of the compiled graph; Python side effects happen at trace time).
"""

from __future__ import annotations

import contextlib
import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .._core.errors import ArgumentError

_ids = itertools.count()


class Hooks:
    """The two ordered tables of one module: id -> (hook, with_kwargs[, always_call])."""

    __slots__ = ("forward", "pre")

    def __init__(self) -> None:
        self.pre: OrderedDict[int, tuple[Callable[..., Any], bool]] = OrderedDict()
        self.forward: OrderedDict[int, tuple[Callable[..., Any], bool, bool]] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self.pre or self.forward)


class RemovableHandle:
    """What ``register_forward_*hook`` returns: ``remove()`` unregisters the hook (also as a
    context manager's exit)."""

    def __init__(self, table: OrderedDict[int, Any], key: int) -> None:
        self._table, self.id = table, key

    def remove(self) -> None:
        self._table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def register(module: Any, kind: str, hook: Any, prepend: bool, with_kwargs: bool,
             always_call: bool = False) -> RemovableHandle:
    op = f"{type(module).__name__}.register_forward_{'pre_' if kind == 'pre' else ''}hook"
    if not callable(hook):
        raise ArgumentError(f"{op}: hook must be callable, got {type(hook).__name__}")
    hooks = module.__dict__.get("_hooks")
    if hooks is None:
        hooks = Hooks()
        object.__setattr__(module, "_hooks", hooks)
    table = hooks.pre if kind == "pre" else hooks.forward
    key = next(_ids)
    table[key] = (hook, bool(with_kwargs)) if kind == "pre" else (hook, bool(with_kwargs), bool(always_call))
    if prepend:
        table.move_to_end(key, last=False)
    return RemovableHandle(table, key)


def call(module: Any, hooks: Hooks, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``module(*args, **kwargs)`` with its hooks, in PyTorch's order and return conventions."""
    for hook, with_kwargs in list(hooks.pre.values()):
        got = hook(module, args, kwargs) if with_kwargs else hook(module, args)
        if got is None:
            continue
        if with_kwargs:
            if not (isinstance(got, tuple) and len(got) == 2):
                raise ArgumentError(f"forward pre-hook {hook!r} registered with_kwargs=True must return "
                                    f"None or a tuple (args, kwargs), got {type(got).__name__}")
            args, kwargs = got
        else:
            args = got
        args = args if isinstance(args, tuple) else (args,)
    after = list(hooks.forward.values())
    try:
        out = module._call(args, kwargs)
    except BaseException:
        for hook, with_kwargs, always in after:  # always_call hooks see a failed forward too
            if always:  # (the forward's own error is the one to report)
                with contextlib.suppress(Exception):
                    hook(module, args, kwargs, None) if with_kwargs else hook(module, args, None)
        raise
    for hook, with_kwargs, _ in after:
        got = hook(module, args, kwargs, out) if with_kwargs else hook(module, args, out)
        if got is not None:
            out = got
    return out
