"""Public-op frames: a public op records all its nodes or none, and its errors name it.

``framed(cls)`` wraps every public method of a recording binder class (the eager ``Session``,
the graph builder) in a frame. The outermost frame is the op the user called: it asks the binder
for a mark of its state (``_mark()``: tape length, random counter, nat store...), and if anything
below it raises, it restores that state (``_restore(mark)``) and re-raises the error under the
public op's name. Nested calls (the inner ops of a composite) pass straight through, so a
composite is atomic as a whole and a rule-level message such as ``mul: expected a float tensor,
got int64`` reaches the user as ``gelu: expected a float tensor, got int64 (in mul)``.

Python errors that escape an op (a wrong keyword, a value NumPy refuses) become
``ArgumentError`` naming the op, chained to the original. The binder's hooks (``bind``,
``type_of``, ...) read the current frame's name (``_frame``) to name the public op directly.

Each wrapper is generated with the wrapped method's own signature, so the common call (all
required arguments given, no unknown keywords) costs one extra Python call and no packing of
``*args``; anything else takes a slow path that reports the mistake as ``ArgumentError``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._core.guard import guard, guard_methods, renamed

_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()
__all__ = ["framed", "guard", "guard_methods", "renamed", "run", "wrap"]


def _frame_body(call: str, mark: str = "self._mark()", checks: Iterable[str] = ()) -> list[str]:
    return [
        "    if self._frame is not None:",
        f"        return _fn({call})",
        *checks,  # the user's call only: an op's inner calls pass their flags on as they are
        "    self._frame = _name",
        f"    mark = {mark}",
        "    try:",
        f"        return _fn({call})",
        "    except BaseException as e:",
        "        self._restore(mark)",
        "        new = _renamed(_name, e)",
        "        if new is None:",
        "            raise",
        "        raise new from e",
        "    finally:",
        "        self._frame = None",
    ]


def _generic(name: str, fn: Callable[..., Any], mark: str = "self._mark()") -> Callable[..., Any]:
    env = {"_fn": fn, "_name": name, "_renamed": renamed}
    src = "\n".join([f"def {name}(self, *args, **kwargs):", *_frame_body("self, *args, **kwargs", mark)])
    exec(compile(src, f"<torchlean frame {name}>", "exec"), env)
    return env[name]


def wrap(name: str, fn: Callable[..., Any], mark: str = "self._mark()") -> Callable[..., Any]:
    """``fn`` (a method) inside a public-op frame named ``name``; ``mark`` is the expression
    (in ``self``) that snapshots the binder's state, inlined into the generated code."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return _generic(name, fn, mark)
    params = list(sig.parameters.values())[1:]  # drop self
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY) for p in params):
        return _generic(name, fn, mark)
    env: dict[str, Any] = {"_fn": fn, "_name": name, "_renamed": renamed, "_M": _MISSING,
                           "_slow": _generic(name, fn, mark)}
    head, call, required, kwonly = [], [], [], []
    for i, p in enumerate(params):
        default = "_M"
        if p.default is not p.empty:
            env[f"_d{i}"] = p.default
            default = f"_d{i}"
        else:
            required.append(p.name)
        if p.kind is p.KEYWORD_ONLY:
            kwonly.append(f"{p.name}={default}")
            call.append(f"{p.name}={p.name}")
        else:
            head.append(f"{p.name}={default}")
            call.append(p.name)
    sig_src = ", ".join(["self", *head, "*_extra", *kwonly, "**_kw"])
    slow = " or ".join(["_extra", "_kw", *[f"{r} is _M" for r in required]])
    given = ", ".join([p.name for p in params if p.kind is not p.KEYWORD_ONLY])
    kw_given = ", ".join(f"{p.name!r}: {p.name}" for p in params if p.kind is p.KEYWORD_ONLY)
    checks = []
    for p in params:  # PyTorch's flags: a bool (np.bool_ too), never any object's truth value
        ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "")
        if ann in ("bool", "bool | None"):
            none = f" and {p.name} is not None" if ann != "bool" else ""
            checks += [f"    if {p.name}.__class__ is not bool and not isinstance({p.name}, _np_bool){none}:",
                       f"        _flag_error(_name, {p.name!r}, {p.name}, {ann != 'bool'})"]
    lines = [
        f"def {name}({sig_src}):",
        f"    if {slow}:",
        f"        return _call_slow(self, _slow, ({given}{',' if given else ''}), {{{kw_given}}}, _extra, _kw)",
        *_frame_body(", ".join(["self", *call]), mark, checks),
    ]
    env["_call_slow"] = _call_slow
    env["_np_bool"], env["_flag_error"] = np.bool_, _flag_error
    exec(compile("\n".join(lines), f"<torchlean frame {name}>", "exec"), env)
    out = env[name]
    out.__doc__, out.__wrapped__ = fn.__doc__, fn
    out.__qualname__ = getattr(fn, "__qualname__", name)
    out.__module__ = getattr(fn, "__module__", __name__)
    return out


def _flag_error(op: str, name: str, value: Any, none_ok: bool) -> None:
    from .._core.errors import ArgumentError

    raise ArgumentError(f"{op}: {name} must be a bool{' or None' if none_ok else ''}, got "
                        f"{type(value).__name__} {value!r:.40}")


def _call_slow(self: Any, slow: Callable[..., Any], given: tuple[Any, ...], kw_given: dict[str, Any],
               extra: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    """Rebuild the call (dropping parameters the caller left out) and run it in a frame, whose
    handling turns Python's own TypeError (missing or unknown argument) into ArgumentError."""
    args = list(given)
    while args and args[-1] is _MISSING:
        args.pop()
    missing = [i for i, a in enumerate(args) if a is _MISSING]  # identity: never `in` (== is an op)
    if missing:  # a later positional given by keyword, an earlier one missing
        return slow(self, *args[:missing[0]], **kw)
    kws = {k: v for k, v in kw_given.items() if v is not _MISSING}
    return slow(self, *args, *extra, **kws, **kw)


def run(binder: Any, name: str, fn: Callable[..., Any], args: tuple[Any, ...],
        kwargs: dict[str, Any]) -> Any:
    """``fn(*args, **kwargs)`` as public op ``name`` of ``binder``: in a frame if none is open
    (the PyTorch-shaped free functions, whose binder is found from their tensor arguments),
    directly inside another op's frame or on a binder without frames (the array binder)."""
    if getattr(binder, "_frame", 0) is not None:
        return fn(*args, **kwargs)
    binder._frame = name
    mark = binder._mark()
    try:
        return fn(*args, **kwargs)
    except BaseException as e:
        binder._restore(mark)
        new = renamed(name, e)
        if new is None:
            raise
        raise new from e
    finally:
        binder._frame = None


def public_names(cls: type, exclude: Iterable[str]) -> list[str]:
    """Public methods of ``cls`` (through its MRO), minus ``exclude`` (the binder hooks)."""
    skip = set(exclude)
    out = []
    for name in dir(cls):
        if name.startswith("_") or name in skip:
            continue
        attr = inspect.getattr_static(cls, name)
        if inspect.isfunction(attr):
            out.append(name)
    return out


def framed(exclude: Iterable[str], mark: str = "self._mark()") -> Callable[[type], type]:
    """Class decorator: wrap every public method of the class, except ``exclude``, in a frame.

    The class provides ``_frame`` (None outside any op), ``_mark()`` and ``_restore(mark)``;
    ``mark`` may give ``_mark()``'s body as an expression, inlined to save a call per op."""

    def deco(cls: type) -> type:
        for name in public_names(cls, exclude):
            setattr(cls, name, wrap(name, inspect.getattr_static(cls, name), mark))
        return cls

    return deco
