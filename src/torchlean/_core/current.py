"""The current binder: where a ``Param`` used on its own (``w.t()``, ``w @ x``) is recorded.

A module's parameters are not tied to a session: ``F.linear(x, w)`` records ``w`` on ``x``'s
binder. A parameter method with no tensor beside it (``self.weight.t()``) needs a binder too: the
innermost ``tl.compile`` trace being built, else the eager session that most recently took an
input (``s.input``/``s.const``), as PyTorch's eager mode is implicit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_stack: list[Any] = []
_last: list[Any] = [None]


def current() -> Any:
    """The current binder, or None."""
    return _stack[-1] if _stack else _last[0]


def set_last(session: Any) -> None:
    _last[0] = session


@contextmanager
def active(binder: Any) -> Iterator[None]:
    """Make ``binder`` current inside the block (a trace)."""
    _stack.append(binder)
    try:
        yield
    finally:
        _stack.pop()
