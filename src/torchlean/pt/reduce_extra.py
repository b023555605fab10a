"""More of ``torch``'s reductions and scans: ``cumprod cummax cummin logcumsumexp nansum nanmean
std_mean var_mean aminmax count_nonzero diff dist isclose allclose equal``, as functions and
as ``torch.Tensor`` methods (``ReduceExtraMethods``).

Every one is a composite of existing ``Ops`` methods. The scans (``cumprod``, ``cummax``,
``cummin``, ``logcumsumexp``) are log-depth (Hillis-Steele) scans of slices: ``ceil(log2 n)``
steps, each combining element i with element i - 2^k, so their gradients come from the
primitives' own rules (exact where ``cumprod``'s input has zeros). ``cummax``/``cummin``
compute the indices first (ties to the last index, NaN propagating, as torch) and take the
values with a gather, so the gradient goes to that index, as torch's.

``allclose`` and ``equal`` return Python bools: they read the values, so they work eagerly only;
in traced code they raise ``ShapeError`` (use ``isclose(...).all()``, a bool tensor).
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import normalize_axis
from .._core.types import int64
from .dispatch import is_tensor, tensor, torch_op
from .math import _operand, _session, floated, no_out
from .reduce import _correction, _dims, _input

__all__ = [
    "allclose", "aminmax", "count_nonzero", "cummax", "cummin", "cumprod", "diff", "dist", "equal",
    "isclose", "logcumsumexp", "nanmean", "nansum", "std_mean", "var_mean",
]

_ValuesIndices = namedtuple("_ValuesIndices", ["values", "indices"])
_MinMax = namedtuple("aminmax", ["min", "max"])


def _scan_dim(op: str, dim: Any, ndim: int) -> int:
    if dim is None or isinstance(dim, (bool, tuple, list)):
        raise ArgumentError(f"{op}: dim is required (an int), got {dim!r:.40}")
    return normalize_axis(op, dim, max(ndim, 1))


def _scan(ops: Any, xs: tuple[Any, ...], axis: int, combine: Callable[..., tuple[Any, ...]]) -> tuple[Any, ...]:
    """Inclusive scan of the tensors ``xs`` (one shape) along ``axis``: ``combine(earlier, later)``
    (each a tuple like ``xs``) must be associative."""
    n = ops.shape_of(xs[0])[axis]
    k = 1
    while k < n:
        early = tuple(ops.slice(v, axis, 0, n - k) for v in xs)
        late = tuple(ops.slice(v, axis, k, n) for v in xs)
        merged = combine(early, late)
        xs = tuple(ops.concat(ops.slice(v, axis, 0, k), m, axis) for v, m in zip(xs, merged))
        k *= 2
    return xs


def _as_1d(ops: Any, x: Any) -> tuple[Any, tuple[int, ...] | None]:
    """A 0-d tensor as shape (1,) (torch scans a scalar as one element), with the shape to restore."""
    shape = ops.shape_of(x)
    return (ops.reshape(x, (1,)), shape) if not shape else (x, None)


# ----- scans -----------------------------------------------------------------------------------------
@torch_op
def cumprod(input: Any, dim: Any = None, *, dtype: Any = None, out: Any = None) -> Any:  # noqa: A002
    """``torch.cumprod(input, dim, *, dtype=None)``: the running product along ``dim``; bool and
    int64 give int64. The gradient is exact where the input has zeros."""
    no_out("cumprod", out)
    ops, x = _input("cumprod", input, dtype)
    axis = _scan_dim("cumprod", dim, len(ops.shape_of(x)))
    if ops.type_of(x).dtype.kind == "b":
        x = ops.cast(x, int64)
    x, restore = _as_1d(ops, x)
    (y,) = _scan(ops, (x,), axis, lambda e, late: (ops.mul(e[0], late[0]),))
    return y if restore is None else ops.reshape(y, restore)


def _cum_extreme(name: str, cmp: str) -> Callable[..., Any]:
    def fn(input: Any, dim: Any = None, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        x = tensor(name, "input", input)
        ops = x.session
        axis = _scan_dim(name, dim, len(ops.shape_of(x)))
        x, restore = _as_1d(ops, x)
        t = ops.type_of(x)
        v = ops.detach(x) if t.dtype.kind == "f" else (ops.cast(x, int64) if t.dtype.kind == "b" else x)
        n = t.shape[axis]
        iota = np.arange(n, dtype=np.int64).reshape([n if i == axis else 1 for i in range(t.ndim)])
        idx = ops.broadcast_to(ops.lift(iota, int64), t.shape)
        floating = t.dtype.kind == "f"

        def combine(early: tuple[Any, Any], late: tuple[Any, Any]) -> tuple[Any, Any]:
            (ve, ie), (vl, il) = early, late
            take = getattr(ops, cmp)(vl, ve)  # ties go to the later index
            if floating:  # a NaN wins, the latest NaN's index (torch's rule)
                take = ops.logical_or(take, ops.ne(vl, vl))
            return ops.where(take, vl, ve), ops.where(take, il, ie)

        _, indices = _scan(ops, (v, idx), axis, combine)
        values = ops.take_along(x, indices, axis)
        if restore is not None:
            values, indices = ops.reshape(values, restore), ops.reshape(indices, restore)
        return _ValuesIndices(values, indices)

    which = "maximum" if name == "cummax" else "minimum"
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``torch.{name}(input, dim)``: ``(values, indices)`` of the running {which} along "
                  "``dim``; ties take the last index and NaN propagates, as torch. The values' "
                  "gradient goes to the index.")
    return torch_op(fn, name=name)


cummax = _cum_extreme("cummax", "ge")
cummin = _cum_extreme("cummin", "le")


@torch_op
def logcumsumexp(input: Any, dim: Any = None, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.logcumsumexp(input, dim)``: ``log(cumsum(exp(input)))`` along ``dim``, stable for any
    range of values (pairwise ``max + log1p(exp(min - max))``); -inf stays -inf. Integers promote."""
    no_out("logcumsumexp", out)
    x = tensor("logcumsumexp", "input", input)
    ops = x.session
    axis = _scan_dim("logcumsumexp", dim, len(ops.shape_of(x)))
    x, restore = _as_1d(ops, floated(ops, x))

    def combine(early: tuple[Any], late: tuple[Any]) -> tuple[Any]:
        hi, lo = ops.maximum(early[0], late[0]), ops.minimum(early[0], late[0])
        d = ops.where(ops.eq(lo, hi), 0.0, ops.sub(lo, hi))  # equal infinities: no inf - inf
        return (ops.add(hi, ops.log1p(ops.exp(d))),)

    (y,) = _scan(ops, (x,), axis, combine)
    return y if restore is None else ops.reshape(y, restore)


# ----- NaN-ignoring reductions -------------------------------------------------------------------
@torch_op
def nansum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
           out: Any = None) -> Any:
    """``torch.nansum(input, dim=None, keepdim=False, *, dtype=None)``: the sum with NaN counted
    as 0 (their gradient is 0); integers and bools sum to int64."""
    no_out("nansum", out)
    dim, keepdim = _dims("nansum", dim, keepdim)
    ops, x = _input("nansum", input, dtype)
    if ops.type_of(x).dtype.kind == "f":
        x = ops.where(ops.ne(x, x), 0.0, x)
    return ops.reduce_sum(x, dim, keepdim)


@torch_op
def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
            out: Any = None) -> Any:
    """``torch.nanmean(input, dim=None, keepdim=False, *, dtype=None)``: the mean of the non-NaN
    elements (NaN where there are none); float input, as torch."""
    no_out("nanmean", out)
    dim, keepdim = _dims("nanmean", dim, keepdim)
    ops, x = _input("nanmean", input, dtype)
    dt = ops.type_of(x).dtype
    if dt.kind != "f":
        raise DTypeError(f"nanmean: expected a float tensor, got {dt.name} (as PyTorch; give dtype= "
                         "or cast it first)")
    keep = ops.eq(x, x)
    total = ops.reduce_sum(ops.where(keep, x, 0.0), dim, keepdim)
    return ops.div(total, ops.cast(ops.reduce_sum(keep, dim, keepdim), dt))


def _moment_mean(name: str, moment: str) -> Callable[..., Any]:
    def fn(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
           correction: Any = None, out: Any = None) -> Any:
        no_out(name, out)
        dim, corr = _correction(name, dim, unbiased, correction)
        dim, keepdim = _dims(name, dim, keepdim)
        ops, x = _input(name, input)
        return getattr(ops, moment)(x, dim, corr, keepdim), ops.reduce_mean(x, dim, keepdim)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``torch.{name}(input, dim=None, *, correction=1, keepdim=False)``: the tuple "
                  f"``({moment}, mean)`` (also the ``unbiased`` overloads of ``torch.{moment}``).")
    return torch_op(fn, name=name)


std_mean = _moment_mean("std_mean", "std")
var_mean = _moment_mean("var_mean", "var")


@torch_op
def aminmax(input: Any, *, dim: Any = None, keepdim: bool = False, out: Any = None) -> Any:  # noqa: A002
    """``torch.aminmax(input, *, dim=None, keepdim=False)``: the ``(min, max)`` namedtuple over
    ``dim`` (an int, or every axis); ties share the gradient evenly, as ``amin``/``amax``."""
    no_out("aminmax", out)
    if isinstance(dim, (tuple, list)):
        raise ArgumentError(f"aminmax: dim must be an int or None, got {dim!r}")
    dim, keepdim = _dims("aminmax", dim, keepdim)
    x = tensor("aminmax", "input", input)
    ops = x.session
    if not ops.shape_of(x) and dim is not None:
        normalize_axis("aminmax", dim, 1)
        dim = None
    return _MinMax(ops.amin(x, dim, keepdim), ops.amax(x, dim, keepdim))


@torch_op
def count_nonzero(input: Any, dim: Any = None) -> Any:  # noqa: A002
    """``torch.count_nonzero(input, dim=None)``: how many elements (over ``dim``: an int or a
    tuple) are nonzero; int64."""
    dim, _ = _dims("count_nonzero", dim, False)
    x = tensor("count_nonzero", "input", input)
    ops = x.session
    return ops.reduce_sum(ops.cast(x, "bool"), dim, False)


@torch_op
def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:  # noqa: A002
    """``torch.diff(input, n=1, dim=-1, prepend=None, append=None)``: the n-th forward difference
    along ``dim`` (``logical_xor`` for bool), after concatenating ``prepend``/``append``."""
    x = tensor("diff", "input", input)
    ops = x.session
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ArgumentError(f"diff: n (the order) must be a non-negative int, got {n!r:.40}")
    shape = ops.shape_of(x)
    if not shape:
        raise ShapeError("diff: expected a tensor with at least one dimension, got shape ()")
    axis = normalize_axis("diff", dim, len(shape))
    parts = []
    for what, v in (("prepend", prepend), (None, x), ("append", append)):
        if v is None:
            continue
        if what is not None:
            v = tensor("diff", what, v)
            sv = ops.shape_of(v)
            if len(sv) != len(shape) or any(a != b for i, (a, b) in enumerate(zip(sv, shape)) if i != axis):
                raise ShapeError(f"diff: {what} must have input's shape {shape} except along dim {axis}, "
                                 f"got {sv}")
        parts.append(v)
    if n == 0:  # torch returns the input itself, prepend and append ignored
        return x
    if len(parts) > 1:
        x = ops.cat(parts, axis)
    for _ in range(int(n)):
        m = ops.shape_of(x)[axis]
        if m == 0:
            break
        hi, lo = ops.slice(x, axis, 1, m), ops.slice(x, axis, 0, m - 1)
        x = ops.logical_xor(hi, lo) if ops.type_of(x).dtype.kind == "b" else ops.sub(hi, lo)
    return x


@torch_op
def dist(input: Any, other: Any, p: Any = 2) -> Any:  # noqa: A002
    """``torch.dist(input, other, p=2)``: the p-norm of ``input - other`` (broadcast) over every
    element; float tensors."""
    a, b = tensor("dist", "input", input), tensor("dist", "other", other)
    ops = a.session
    for what, v in (("input", a), ("other", b)):
        if ops.type_of(v).dtype.kind != "f":
            raise DTypeError(f"dist: expected float tensors, got {what} of {ops.type_of(v).dtype.name}")
    p = _operand("dist", "p", p)
    if is_tensor(p):
        raise ArgumentError("dist: p must be a number")
    return ops.norm(ops.sub(a, b), float(p), None, False)


# ----- closeness -------------------------------------------------------------------------------------
def _tolerances(op: str, rtol: Any, atol: Any) -> tuple[float, float]:
    out = []
    for what, v in (("rtol", rtol), ("atol", atol)):
        if type(_operand(op, what, v)) not in (int, float) or not float(v) >= 0:
            raise ArgumentError(f"{op}: {what} must be a number >= 0, got {v!r:.40}")
        out.append(float(v))
    return out[0], out[1]


def _isclose(op: str, a: Any, b: Any, rtol: Any, atol: Any, equal_nan: Any) -> Any:
    rtol, atol = _tolerances(op, rtol, atol)
    if not isinstance(equal_nan, (bool, np.bool_)):
        raise ArgumentError(f"{op}: equal_nan must be a bool, got {type(equal_nan).__name__}")
    ops = _session(a, b)
    if is_tensor(a) and is_tensor(b) and ops.type_of(a).dtype != ops.type_of(b).dtype:
        raise DTypeError(f"{op}: input and other must have one dtype, got {ops.type_of(a).dtype.name} and "
                         f"{ops.type_of(b).dtype.name} (as PyTorch)")
    a, b = ops._pair(op, a, b, "any")
    close = ops.eq(a, b)
    kind = ops.type_of(a).dtype.kind
    if equal_nan and kind == "f":
        close = ops.logical_or(close, ops.logical_and(ops.ne(a, a), ops.ne(b, b)))
    if (rtol == 0 and atol == 0) or kind == "b":
        return close
    allowed = ops.add_scalar(ops.abs(ops.mul(b, rtol)), atol)
    actual = ops.abs(ops.sub(a, b))
    fine = ops.le(actual, allowed)
    if kind == "f":
        fine = ops.logical_and(fine, ops.lt(ops.abs(actual), math.inf))
    return ops.logical_or(close, fine)


@torch_op
def isclose(input: Any, other: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> Any:  # noqa: A002
    """``torch.isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False)``: ``|input - other|
    <= atol + rtol * |other|`` or equal (infinities of one sign are close), broadcasting; a
    bool tensor. The operands share one dtype, as torch."""
    a, b = _operand("isclose", "input", input), _operand("isclose", "other", other)
    return _isclose("isclose", a, b, rtol, atol, equal_nan)


def _host(op: str, ops: Any, v: Any) -> np.ndarray:
    read = getattr(ops, "value", None)
    if read is None:
        raise ShapeError(f"{op}: the result is a Python bool, which depends on the tensors' values; "
                         "traced code does not know them (use isclose(...).all() or eq(...).all(), "
                         "a bool tensor)")
    return np.asarray(read(v))


@torch_op
def allclose(input: Any, other: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> bool:  # noqa: A002
    """``torch.allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False)``: whether
    ``isclose`` holds everywhere; a Python bool (eagerly only)."""
    a, b = tensor("allclose", "input", input), tensor("allclose", "other", other)
    ops = a.session
    _host("allclose", ops, a)  # refuse in traced code before recording anything
    return bool(_host("allclose", ops, _isclose("allclose", a, b, rtol, atol, equal_nan)).all())


@torch_op
def equal(input: Any, other: Any) -> bool:  # noqa: A002
    """``torch.equal(input, other)``: whether the tensors have one shape and equal elements
    (NaN is not equal to itself); a Python bool (eagerly only)."""
    a, b = tensor("equal", "input", input), tensor("equal", "other", other)
    ops = a.session
    va, vb = _host("equal", ops, a), _host("equal", b.session, b)
    return va.shape == vb.shape and bool(np.array_equal(va, vb))


# ----- torch.Tensor methods ----------------------------------------------------------------------------
class ReduceExtraMethods:
    """``torch.Tensor`` methods of this module: ``x.name(...)`` is ``torch.name(x, ...)``."""

    __slots__ = ()
    session: Any

    def cumprod(self, dim: Any = None, *, dtype: Any = None) -> Any:
        return cumprod(self, dim, dtype=dtype)

    def cummax(self, dim: Any = None) -> Any:
        return cummax(self, dim)

    def cummin(self, dim: Any = None) -> Any:
        return cummin(self, dim)

    def logcumsumexp(self, dim: Any = None) -> Any:
        return logcumsumexp(self, dim)

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return nanmean(self, dim, keepdim, dtype=dtype)

    def aminmax(self, *, dim: Any = None, keepdim: bool = False) -> Any:
        return aminmax(self, dim=dim, keepdim=keepdim)

    def count_nonzero(self, dim: Any = None) -> Any:
        return count_nonzero(self, dim)

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:
        return diff(self, n, dim, prepend, append)

    def dist(self, other: Any, p: Any = 2) -> Any:
        return dist(self, other, p)

    def isclose(self, other: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> Any:
        return isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> bool:
        return allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other: Any) -> bool:
        return equal(self, other)
