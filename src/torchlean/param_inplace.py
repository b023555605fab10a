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

Every check runs before anything changes, random fills included: a call that raises has not
drawn (the generator's counter is where it was). Arguments follow torch's rules: ``normal_``
needs ``std >= 0``, ``uniform_`` a finite ``from <= to`` range, random fills a float
parameter; arithmetic results must keep the parameter's shape and kind (float results do not
go into an integer buffer); a finite Python scalar that does not fit the parameter's dtype
(``fill_(1e300)`` on float32) raises instead of becoming ``inf``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._core import grad_mode
from ._core.convert import scalar_fits, short_repr
from ._core.errors import ArgumentError, DTypeError, ShapeError

_NUMBER = (int, float, bool, np.generic)
_REAL = (int, float, np.integer, np.floating, np.bool_)  # bool is an int


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


def number(op: str, name: str, v: Any) -> float:
    """``v`` (a real Python or NumPy scalar, or a 0-d numeric tensor) as a float, else
    ArgumentError naming ``op`` and the argument (torch: "must be float, not str")."""
    x = v
    if not isinstance(v, _REAL):
        try:
            x = _host(op, v)
        except DTypeError:
            x = None
        if not (isinstance(x, _REAL) or (isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "biuf")):
            raise ArgumentError(f"{op}: {name} must be a real number, got {_describe(v)}")
        x = x.item() if isinstance(x, (np.ndarray, np.generic)) else x
    try:
        return float(x)
    except OverflowError:
        raise ArgumentError(f"{op}: {name}={v!r} is too large for a float") from None


def _describe(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape} and dtype {v.dtype}"
    shape = getattr(v, "shape", None)
    return f"{type(v).__name__} of shape {tuple(shape)}" if shape is not None else f"{type(v).__name__} {v!r}"


def fill_value(op: str, value: Any, dtype: np.dtype) -> Any:
    """A fill value (a number or a 0-d tensor) checked for ``dtype``: the value to fill with."""
    if isinstance(value, _REAL):
        v = _host(op, value)
    else:
        try:
            v = _host(op, value)
        except DTypeError:
            raise ArgumentError(f"{op}: expected a number or a 0-d tensor to fill with, got "
                                f"{_describe(value)}") from None
        if np.ndim(v) != 0:
            raise ShapeError(f"{op}: expected a number or a 0-d tensor, got shape {np.shape(v)}")
        if np.asarray(v).dtype.kind not in "biuf":
            raise DTypeError(f"{op}: expected a real number to fill with, got {np.asarray(v).dtype}")
    scalar_fits(op, "value", v, dtype)
    return v


def check_float(op: str, dtype: np.dtype) -> None:
    """Random fills need a float tensor (torch: "normal_kernel_cpu" not implemented for 'Long')."""
    if dtype.kind != "f":
        raise DTypeError(f"{op}: expected a float tensor to fill with random values, got {dtype.name}")


def normal_args(op: str, mean: Any, std: Any, std_name: str = "std") -> tuple[float, float]:
    """``mean`` and ``std`` as floats; ``std >= 0`` (NaN refused), as torch's ``normal_``."""
    m, s = number(op, "mean", mean), number(op, std_name, std)
    if not s >= 0.0:
        raise ArgumentError(f"{op}: normal expects {std_name} >= 0.0, got {std_name}={s}")
    return m, s


def uniform_args(op: str, a: Any, b: Any, dtype: np.dtype, names: tuple[str, str] = ("from", "to")
                 ) -> tuple[float, float]:
    """``a`` and ``b`` as floats: finite in ``dtype``, ``a <= b`` and ``b - a`` finite in it (torch's
    ``uniform_`` bounds check)."""
    lo, hi = number(op, names[0], a), number(op, names[1], b)
    big = float(np.finfo(dtype).max) if dtype.kind == "f" else math.inf
    for name, v in zip(names, (lo, hi)):
        if not (math.isfinite(v) and abs(v) <= big):
            raise ArgumentError(f"{op}: {name}={v} is out of bounds for {dtype.name}")
    if lo > hi:
        raise ArgumentError(f"{op}: expects a [{names[0]}, {names[1]}) range with {names[0]} <= {names[1]}, "
                            f"got {names[0]}={lo} > {names[1]}={hi}")
    if hi - lo > big:
        raise ArgumentError(f"{op}: expects {names[1]} - {names[0]} <= the largest {dtype.name}, got "
                            f"{names[0]}={lo}, {names[1]}={hi}")
    return lo, hi


def generator_of(op: str, generator: Any) -> Any:
    """``generator`` (a ``torchlean.Generator``), or the default generator for None."""
    from .random import Generator, default_generator

    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise ArgumentError(f"{op}: generator must be a torchlean.Generator or None, got "
                            f"{type(generator).__name__}")
    return generator


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

    def _writable(self, op: str) -> Any:
        """The parameter, after the recording check (run first: before any draw or compute)."""
        p = self._param()
        if self._checked and p.requires_grad and grad_mode.is_grad_enabled():
            raise ArgumentError(f"{op}: an in-place change of a parameter that requires grad, while "
                                "gradients are recorded (PyTorch refuses it too); wrap it in "
                                "tl.no_grad() or use p.data")
        return p

    def _replace(self, op: str, new: Any) -> Any:
        p = self._writable(op)
        arr = np.asarray(new)
        if arr.dtype.kind not in "biuf":
            raise DTypeError(f"{op}: expected numeric data, got {arr.dtype}")
        if arr.shape != p.shape:
            try:
                arr = np.broadcast_to(arr, p.shape)
            except ValueError:
                raise ShapeError(f"{op}: a value of shape {arr.shape} cannot update a parameter of shape "
                                 f"{p.shape} in place (it must broadcast to it)") from None
        with np.errstate(over="ignore", invalid="ignore"):  # an array that overflows gives inf, as torch
            arr = arr.astype(p.dtype)
        p.set_value(arr)
        return self

    def _param(self) -> Any:
        return self

    def _operand(self, op: str, other: Any) -> Any:
        """``other`` read as a number or an array that broadcasts to this shape (else ShapeError)."""
        o = _host(op, other)
        if isinstance(o, (int, float)) and not isinstance(o, bool) and self.dtype.kind == "f":
            try:
                float(o)
            except OverflowError:
                raise ArgumentError(f"{op}: the operand {short_repr(o)} is too large for a float") from None
        oshape = np.shape(o)
        try:
            out = np.broadcast_shapes(self.shape, oshape)
        except ValueError:
            out = None
        if out != self.shape:
            raise ShapeError(f"{op}: an operand of shape {oshape} does not broadcast to the parameter's shape "
                             f"{self.shape} (broadcast shape {'none' if out is None else out}); an in-place "
                             "result keeps the parameter's shape")
        return o

    def _combine(self, op: str, other: Any, fn: Any, *, operands: tuple[Any, ...] = ()) -> Any:
        self._writable(op)
        o = self._operand(op, other)
        for extra in operands:
            self._operand(op, extra)
        try:
            with np.errstate(all="ignore"):
                new = fn(self.value, o)
        except (TypeError, ValueError, ArithmeticError) as e:
            raise ArgumentError(f"{op}: cannot combine a {self.dtype.name} parameter with {_describe(other)} "
                                f"({type(e).__name__}: {e})") from None
        new = np.asarray(new)
        kind = self.dtype.kind
        if (kind in "iu" and new.dtype.kind not in "biu") or (kind == "b" and new.dtype.kind != "b"):
            raise DTypeError(f"{op}: result type {new.dtype} can't be cast to the parameter's dtype "
                             f"{self.dtype.name} (PyTorch refuses it too)")
        return self._replace(op, new)

    def _alpha(self, op: str, alpha: Any) -> Any:
        a = _host(op, alpha) if isinstance(alpha, _REAL) else None
        if not isinstance(a, (int, float)):
            raise ArgumentError(f"{op}: alpha must be a number, got {_describe(alpha)}")
        if self.dtype.kind in "iub" and isinstance(a, float):
            raise ArgumentError(f"{op}: for an integer parameter alpha must not be a floating point number, "
                                f"got {a!r}")
        scalar_fits(op, "alpha", a, self.dtype)
        return a

    # -- p.data ------------------------------------------------------------------------------
    @property
    def data(self) -> Any:
        """PyTorch's ``p.data``: a view of this parameter's value that requires no gradient
        (ops on it record a constant, as a detached tensor) and whose in-place methods change
        the parameter, also while recording."""
        from .params import DataView

        return DataView(self._param())

    @data.setter
    def data(self, value: Any) -> None:
        v = _host("Param.data", value)
        scalar_fits("Param.data", "value", v, self._param().dtype)
        from .params import DataView

        DataView(self._param())._replace("Param.data", v)

    # -- in-place methods --------------------------------------------------------------------
    def copy_(self, src: Any, non_blocking: bool = False) -> Any:
        """Overwrite with ``src`` (broadcast to this shape, cast to this dtype; a Python scalar
        must fit the dtype, an array that overflows it gives inf as in torch)."""
        self._writable("copy_")
        v = _host("copy_", src)
        scalar_fits("copy_", "src", v, self.dtype)
        return self._replace("copy_", v)

    def zero_(self) -> Any:
        return self._replace("zero_", np.zeros(self.shape, self.dtype))

    def fill_(self, value: Any) -> Any:
        self._writable("fill_")
        v = fill_value("fill_", value, self.dtype)
        with np.errstate(invalid="ignore"):
            new = np.full(self.shape, v, self.dtype)
        return self._replace("fill_", new)

    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        self._writable("add_")
        a = self._alpha("add_", alpha)
        return self._combine("add_", other, lambda v, o: v + a * np.asarray(o))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        self._writable("sub_")
        a = self._alpha("sub_", alpha)
        return self._combine("sub_", other, lambda v, o: v - a * np.asarray(o))

    def mul_(self, other: Any) -> Any:
        return self._combine("mul_", other, lambda v, o: v * o)

    def div_(self, other: Any) -> Any:
        return self._combine("div_", other, lambda v, o: v / o)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        self._writable("clamp_")
        if min is None and max is None:
            raise ArgumentError("clamp_: at least one of min and max must be given")
        lo = None if min is None else self._operand("clamp_", min)
        hi = None if max is None else self._operand("clamp_", max)

        def clamp(v: Any, _: Any) -> Any:
            r = v if lo is None else np.maximum(v, lo)
            return r if hi is None else np.minimum(r, hi)

        return self._combine("clamp_", 0, clamp)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Any:
        """Fill from N(mean, std^2) (``torchlean.nn.init.normal_``'s draws)."""
        self._writable("normal_")
        check_float("normal_", self.dtype)
        m, s = normal_args("normal_", mean, std)
        g = generator_of("normal_", generator)
        return self._replace("normal_", m + s * g.normal(self.shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Any:
        """Fill from U(a, b) (``torchlean.nn.init.uniform_``'s draws)."""
        self._writable("uniform_")
        check_float("uniform_", self.dtype)
        lo, hi = uniform_args("uniform_", a, b, self.dtype)
        g = generator_of("uniform_", generator)
        return self._replace("uniform_", g.uniform(self.shape, lo, hi))

    def __iadd__(self, other: Any) -> Any:
        return self._combine("+=", other, lambda v, o: v + o)

    def __isub__(self, other: Any) -> Any:
        return self._combine("-=", other, lambda v, o: v - o)

    def __imul__(self, other: Any) -> Any:
        return self._combine("*=", other, lambda v, o: v * o)

    def __itruediv__(self, other: Any) -> Any:
        return self._combine("/=", other, lambda v, o: v / o)
