"""PyTorch's in-place idioms on parameters: ``p.data``, ``p.copy_(w)``, ``p.zero_()``,
``p.normal_(0, 0.02)``, ``p -= lr * p.grad`` under ``no_grad``.

torchlean's tensors are immutable values, but a ``Param`` is a mutable holder (optimizers and
``load_state_dict`` replace its value), so these methods replace the value too: computed on
the host from the current value, cast to the parameter's dtype, shape-checked, all before
anything changes (a failed call leaves the value as it was). The result must keep the
parameter's shape (``other`` broadcasts to it, never the other way), as in PyTorch.

As in PyTorch, an in-place change of a parameter that requires a gradient is refused while
gradients are being recorded (it would change a value a recorded step already used): do it
inside ``tl.no_grad()`` or through ``p.data``, which is the same parameter with that check
lifted (``p.data = w`` replaces the value). Random fills draw from ``torchlean``'s default
generator (``tl.manual_seed``) or ``generator=``, as ``torchlean.nn.init`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import grad_mode
from ._core.errors import ArgumentError, DTypeError, ShapeError

_NUMBER = (int, float, bool, np.generic)


def _host(op: str, other: Any) -> Any:
    """``other`` as a number or a host array (a tensor's, a parameter's or a gradient's value)."""
    if isinstance(other, _NUMBER):
        return other.item() if isinstance(other, np.generic) else other
    if isinstance(other, InPlaceMethods):
        return other.value
    if isinstance(other, np.ndarray):
        return other
    if getattr(other, "__torchlean_tensor__", False) or hasattr(other, "__array__"):
        try:
            return np.asarray(other)
        except Exception as e:  # a device tensor: no silent transfer
            raise DTypeError(f"{op}: cannot read the other operand as host data ({e})") from None
    raise DTypeError(f"{op}: expected a number, a tensor, a parameter or an array, got {type(other).__name__}")


class InPlaceMethods:
    """The in-place methods of ``Param`` (mixed in; see the module docstring). Each computes
    the new value and hands it to ``_replace``, which checks it and stores it."""

    __slots__ = ()
    _checked = True  # refuse while recording (p.data: False)

    # provided by Param (or forwarded by p.data)
    shape: tuple[int, ...]
    dtype: np.dtype
    requires_grad: bool
    value: np.ndarray

    def _replace(self, op: str, new: Any) -> Any:
        p = self._param()
        if self._checked and p.requires_grad and grad_mode.is_grad_enabled():
            raise ArgumentError(f"{op}: an in-place change of a parameter that requires grad, while "
                                "gradients are recorded (PyTorch refuses it too); wrap it in "
                                "tl.no_grad() or use p.data")
        arr = np.asarray(new)
        if arr.dtype.kind not in "biuf":
            raise DTypeError(f"{op}: expected numeric data, got {arr.dtype}")
        if arr.shape != p.shape:
            try:
                arr = np.broadcast_to(arr, p.shape)
            except ValueError:
                raise ShapeError(f"{op}: a value of shape {arr.shape} cannot update a parameter of shape "
                                 f"{p.shape} in place (it must broadcast to it)") from None
        p.set_value(arr.astype(p.dtype))
        return self

    def _param(self) -> Any:
        return self

    def _combine(self, op: str, other: Any, fn: Any) -> Any:
        o = _host(op, other)
        with np.errstate(all="ignore"):
            new = fn(self.value, o)
        if np.shape(new) != self.shape:
            raise ShapeError(f"{op}: an operand of shape {np.shape(o)} gives shape {np.shape(new)}, not the "
                             f"parameter's {self.shape}; an in-place result keeps the parameter's shape")
        return self._replace(op, new)

    # -- p.data ------------------------------------------------------------------------------
    @property
    def data(self) -> Any:
        """This parameter with in-place changes allowed while recording (PyTorch's ``p.data``)."""
        return _Data(self._param())

    @data.setter
    def data(self, value: Any) -> None:
        _Data(self._param())._replace("Param.data", _host("Param.data", value))

    # -- in-place methods --------------------------------------------------------------------
    def copy_(self, src: Any, non_blocking: bool = False) -> Any:
        """Overwrite with ``src`` (broadcast to this shape, cast to this dtype)."""
        return self._replace("copy_", _host("copy_", src))

    def zero_(self) -> Any:
        return self._replace("zero_", np.zeros(self.shape, self.dtype))

    def fill_(self, value: Any) -> Any:
        v = _host("fill_", value)
        if np.ndim(v) != 0:
            raise ShapeError(f"fill_: expected a number or a 0-d tensor, got shape {np.shape(v)}")
        return self._replace("fill_", np.full(self.shape, v, self.dtype))

    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._combine("add_", other, lambda v, o: v + alpha * np.asarray(o))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._combine("sub_", other, lambda v, o: v - alpha * np.asarray(o))

    def mul_(self, other: Any) -> Any:
        return self._combine("mul_", other, lambda v, o: v * o)

    def div_(self, other: Any) -> Any:
        return self._combine("div_", other, lambda v, o: v / o)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        if min is None and max is None:
            raise ArgumentError("clamp_: at least one of min and max must be given")
        lo = -np.inf if min is None else _host("clamp_", min)
        hi = np.inf if max is None else _host("clamp_", max)
        return self._combine("clamp_", lo, lambda v, _: np.minimum(np.maximum(v, lo), hi))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Any:
        """Fill from N(mean, std^2) (``torchlean.nn.init.normal_``'s draws)."""
        return self._replace("normal_", mean + std * _gen(generator).normal(self.shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Any:
        """Fill from U(a, b) (``torchlean.nn.init.uniform_``'s draws)."""
        return self._replace("uniform_", _gen(generator).uniform(self.shape, a, b))

    def __iadd__(self, other: Any) -> Any:
        return self._combine("+=", other, lambda v, o: v + o)

    def __isub__(self, other: Any) -> Any:
        return self._combine("-=", other, lambda v, o: v - o)

    def __imul__(self, other: Any) -> Any:
        return self._combine("*=", other, lambda v, o: v * o)

    def __itruediv__(self, other: Any) -> Any:
        return self._combine("/=", other, lambda v, o: v / o)


def _gen(generator: Any) -> Any:
    from .random import default_generator

    return default_generator if generator is None else generator


class _Data(InPlaceMethods):
    """``p.data``: ``p``'s in-place methods without the recording check; everything else
    (``shape``, ``numpy()``, ``norm()``...) is ``p``'s own."""

    __slots__ = ("_p",)
    _checked = False

    def __init__(self, p: Any) -> None:
        object.__setattr__(self, "_p", p)

    def _param(self) -> Any:
        return self._p

    def __getattr__(self, name: str) -> Any:
        return getattr(self._p, name)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._p.__array__(dtype)

    def __repr__(self) -> str:
        return f"{self._p!r}.data"
