"""Global gradient mode: ``tl.no_grad()``, ``tl.enable_grad()``, ``tl.set_grad_enabled(mode)``,
``tl.inference_mode()``, ``tl.is_grad_enabled()``, as PyTorch's.

Each session records only when both its own setting (``Options(no_grad=...)``, ``s.no_grad()``)
and the global mode allow it. The global mode is pushed into every live session's
``_grad_enabled`` flag when it changes, so the per-op check stays one attribute read.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

_sessions: weakref.WeakSet[Any] = weakref.WeakSet()
_enabled = [True]


def is_grad_enabled() -> bool:
    """Whether the global mode records gradients (True unless inside ``no_grad``)."""
    return _enabled[0]


def register(session: Any) -> None:
    """Track ``session`` so mode changes reach it; set its flag from the current mode."""
    _sessions.add(session)
    session._grad_enabled = session._grad_wanted and _enabled[0]


def _set(mode: bool) -> None:
    _enabled[0] = mode
    for s in list(_sessions):
        s._grad_enabled = s._grad_wanted and mode


class _Mode:
    """A context manager that is also a decorator (``@tl.no_grad()``), as torch's."""

    _mode = True

    def __enter__(self) -> None:
        self._prev = _enabled[0]
        _set(self._mode)

    def __exit__(self, *exc: Any) -> None:
        _set(self._prev)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _fresh(mode):
                return fn(*args, **kwargs)

        return wrapper


def _fresh(mode: bool) -> _Mode:
    m = _Mode()
    m._mode = mode
    return m


class no_grad(_Mode):  # noqa: N801  (torch's name)
    """Inside the block no session records anything: ops compute values only (evaluation)."""

    _mode = False


class enable_grad(_Mode):  # noqa: N801
    """Recording on again inside a ``no_grad`` block."""

    _mode = True


class inference_mode(_Mode):  # noqa: N801
    """``no_grad`` (torchlean has no separate inference tensors); ``mode=False`` is a no-op."""

    def __init__(self, mode: bool = True) -> None:
        self._mode = not bool(mode) and _enabled[0]


class set_grad_enabled(_Mode):  # noqa: N801
    """Set the mode now (``tl.set_grad_enabled(False)``) or for a block (``with ...:``)."""

    def __init__(self, mode: bool) -> None:
        self._prev = _enabled[0]
        self._mode = bool(mode)
        _set(self._mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        _set(self._prev)
