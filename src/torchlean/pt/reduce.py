"""Reductions and the softmax family with ``torch``'s names: the functions (``torch.sum``,
``torch.max``, ``torch.var``, ``torch.softmax``...) and the ``torch.Tensor`` methods
(``ReduceMethods``).

``dim`` is an int, a tuple or None (all axes; ``dim=()`` too, as torch), ``keepdim`` keeps the
reduced axes; ``axis=``/``keepdims=`` are accepted as aliases. ``dtype=`` casts the input first,
as torch. Integer and bool sums, products and cumulative sums are int64; ``mean``, ``var``,
``std``, ``norm``, ``logsumexp`` and the softmaxes need float input (as torch) unless
``dtype=`` is given, except ``logsumexp`` which promotes integers as torch does.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY as P
from .._core.types import tensor_dtype
from .dispatch import is_tensor, tensor, torch_op
from .math import floated, no_out

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "cumsum", "log_softmax", "logsumexp", "max", "mean", "min",
    "norm", "prod", "softmax", "std", "sum", "var",
]


def _dims(op: str, dim: Any, keepdim: Any, axis: Any = None, keepdims: Any = None,
          default: Any = None) -> tuple[Any, bool]:
    """torch's ``dim``/``keepdim`` with the ``axis``/``keepdims`` aliases; ``()`` means all."""
    if axis is not None:
        if dim is not None and dim != default:
            raise ArgumentError(f"{op}: give the dim once, as dim= or as axis=, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if keepdim.__class__ is not bool and not isinstance(keepdim, np.bool_):
        raise ArgumentError(f"{op}: keepdim must be a bool, got {type(keepdim).__name__} {keepdim!r:.40}")
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    return dim, bool(keepdim)


def _input(op: str, input: Any, dtype: Any = None) -> tuple[Any, Any]:  # noqa: A002
    """(binder, input cast to ``dtype`` if given)."""
    x = tensor(op, "input", input)
    ops = x.session
    if dtype is not None:
        x = ops.cast(x, tensor_dtype(dtype, op))
    return ops, x


# ----- sums and means ----------------------------------------------------------------------------
@torch_op(name="sum")
def sum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A001, A002
        out: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
    """``torch.sum(input, dim=None, keepdim=False, *, dtype=None)``; bool and int64 sum to int64."""
    no_out("sum", out)
    dim, keepdim = _dims("sum", dim, keepdim, axis, keepdims)
    ops, x = _input("sum", input, dtype)
    return ops.reduce_sum(x, dim, keepdim)


@torch_op
def mean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
         out: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
    """``torch.mean(input, dim=None, keepdim=False, *, dtype=None)``; integer input raises
    unless ``dtype`` is a float dtype, as torch."""
    no_out("mean", out)
    dim, keepdim = _dims("mean", dim, keepdim, axis, keepdims)
    ops, x = _input("mean", input, dtype)
    return ops.reduce_mean(x, dim, keepdim)


def _correction(op: str, dim: Any, unbiased: Any, correction: Any) -> tuple[Any, Any]:
    """(dim, correction) from torch's overloads: ``var(x, unbiased)``, ``var(x, dim, unbiased,
    keepdim)`` and ``var(x, dim, *, correction=1, keepdim)``."""
    if isinstance(dim, bool):  # var(x, False): the legacy unbiased overload
        if unbiased is not None:
            raise ArgumentError(f"{op}: unbiased given twice")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise ArgumentError(f"{op}: give unbiased or correction, not both")
    if unbiased is not None:
        if not isinstance(unbiased, bool):
            raise ArgumentError(f"{op}: unbiased must be a bool, got {unbiased!r}")
        return dim, 1 if unbiased else 0
    return dim, 1 if correction is None else correction


def _moment(name: str):
    def fn(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
           correction: Any = None, out: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
        no_out(name, out)
        dim, corr = _correction(name, dim, unbiased, correction)
        dim, keepdim = _dims(name, dim, keepdim, axis, keepdims)
        ops, x = _input(name, input)
        return getattr(ops, name)(x, dim, corr, keepdim)

    fn.__name__ = fn.__qualname__ = name
    what = "variance" if name == "var" else "standard deviation"
    fn.__doc__ = (f"``torch.{name}(input, dim=None, *, correction=1, keepdim=False)``: the {what}, "
                  f"unbiased by default; also torch's ``{name}(input, unbiased)`` and ``{name}(input, "
                  "dim, unbiased, keepdim)``. N - correction <= 0 gives inf or NaN, as torch.")
    return torch_op(fn, name=name)


var = _moment("var")
std = _moment("std")


@torch_op
def prod(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
         out: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
    """``torch.prod(input, dim=None, keepdim=False, *, dtype=None)``; bool and int64 give
    int64. The gradient is exact where the input has zeros (a product tree)."""
    no_out("prod", out)
    dim, keepdim = _dims("prod", dim, keepdim, axis, keepdims)
    ops, x = _input("prod", input, dtype)
    return ops.prod(x, dim, keepdim)


@torch_op
def cumsum(input: Any, dim: Any = None, *, dtype: Any = None, out: Any = None,  # noqa: A002
           axis: Any = None) -> Any:
    """``torch.cumsum(input, dim, *, dtype=None)``: the running sum along ``dim``; bool and
    int64 give int64."""
    no_out("cumsum", out)
    dim = _dims("cumsum", dim, False, axis)[0]
    if dim is None:
        raise ArgumentError("cumsum: dim is required (an int)")
    ops, x = _input("cumsum", input, dtype)
    return ops.cumsum(x, dim)


# ----- all / any -----------------------------------------------------------------------------------
def _truth(op: str, input: Any, dim: Any, keepdim: Any, want_all: bool) -> Any:  # noqa: A002
    dim, keepdim = _dims(op, dim, keepdim)
    x = tensor(op, "input", input)
    ops = x.session
    b = x if x.dtype.kind == "b" else ops.ne(x, 0)
    if want_all:  # no element is False (True over an empty range, as torch)
        return ops.eq(ops.reduce_sum(ops.logical_not(b), dim, keepdim), 0)
    return ops.gt(ops.reduce_sum(b, dim, keepdim), 0)  # some element is True


@torch_op(name="all")
def all(input: Any, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001, A002
    """``torch.all(input, dim=None, keepdim=False)``: whether every element (over ``dim``: an
    int or a tuple) is nonzero; a bool tensor."""
    no_out("all", out)
    return _truth("all", input, dim, keepdim, True)


@torch_op(name="any")
def any(input: Any, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001, A002
    """``torch.any(input, dim=None, keepdim=False)``: whether some element (over ``dim``) is
    nonzero; a bool tensor."""
    no_out("any", out)
    return _truth("any", input, dim, keepdim, False)


# ----- max / min and arg-extrema -----------------------------------------------------------------
@torch_op
def amax(input: Any, dim: Any = (), keepdim: bool = False, *, out: Any = None,  # noqa: A002
         axis: Any = None, keepdims: Any = None) -> Any:
    """``torch.amax(input, dim=(), keepdim=False)``: the maximum over ``dim`` (all by default);
    tied maxima share the gradient evenly; NaN propagates."""
    no_out("amax", out)
    dim, keepdim = _dims("amax", dim, keepdim, axis, keepdims, ())
    x = tensor("amax", "input", input)
    return x.session.amax(x, dim, keepdim)


@torch_op
def amin(input: Any, dim: Any = (), keepdim: bool = False, *, out: Any = None,  # noqa: A002
         axis: Any = None, keepdims: Any = None) -> Any:
    """``torch.amin(input, dim=(), keepdim=False)``: the minimum over ``dim`` (see ``amax``)."""
    no_out("amin", out)
    dim, keepdim = _dims("amin", dim, keepdim, axis, keepdims, ())
    x = tensor("amin", "input", input)
    return x.session.amin(x, dim, keepdim)


def _extreme(name: str):
    def fn(input: Any, dim: Any = None, keepdim: bool = False, *, other: Any = None,  # noqa: A002
           out: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
        no_out(name, out)
        x = tensor(name, "input", input)
        ops = x.session
        if is_tensor(dim):  # torch.max(input, other): elementwise
            dim, other = None, dim
        if other is not None:
            if dim is not None or keepdim or axis is not None or keepdims:
                raise ArgumentError(f"{name}: dim/keepdim do not apply to the elementwise "
                                    f"{name}(input, other)")
            other = tensor(name, "other", other)
            return ops.maximum(x, other) if name == "max" else ops.minimum(x, other)
        if isinstance(dim, (tuple, list)):
            raise ArgumentError(f"{name}: dim must be an int (use amax/amin for several dims), got {dim!r}")
        dim, keepdim = _dims(name, dim, keepdim, axis, keepdims)
        if dim is None:
            if keepdim:
                raise ArgumentError(f"{name}: keepdim needs a dim ({name}(input) reduces every axis)")
            # torch.max(input): a NaN maximum's gradient is shared among the NaNs (amax's is NaN)
            t = ops.type_of(x)
            if t.ndim == 0:
                return ops.amax(x) if name == "max" else ops.amin(x)
            return ops.bind(P["reduce_max" if name == "max" else "reduce_min"], x, axes=tuple(range(t.ndim)),
                            nan_ties=True)
        return ops.max_dim(x, dim, keepdim) if name == "max" else ops.min_dim(x, dim, keepdim)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``torch.{name}``: ``{name}(input)`` is the {name}imum of every element (ties "
                  f"share the gradient evenly); ``{name}(input, dim, keepdim=False)`` is the "
                  "``(values, indices)`` namedtuple along ``dim`` (the first extreme; the values' "
                  f"gradient goes to that index); ``{name}(input, other)`` is elementwise "
                  f"(``torch.{name}imum``).")
    return torch_op(fn, name=name)


max = _extreme("max")  # noqa: A001
min = _extreme("min")  # noqa: A001


def _arg(name: str):
    def fn(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A002
           keepdims: Any = None) -> Any:
        if isinstance(dim, (tuple, list)):
            raise ArgumentError(f"{name}: dim must be an int or None, got {dim!r}")
        dim, keepdim = _dims(name, dim, keepdim, axis, keepdims)
        x = tensor(name, "input", input)
        return getattr(x.session, name)(x, dim, keepdim)

    fn.__name__ = fn.__qualname__ = name
    which = "maximum" if name == "argmax" else "minimum"
    fn.__doc__ = (f"``torch.{name}(input, dim=None, keepdim=False)``: the index (int64) of the first "
                  f"{which} along ``dim``, or in the flattened input when ``dim`` is None.")
    return torch_op(fn, name=name)


argmax = _arg("argmax")
argmin = _arg("argmin")


# ----- logsumexp, norm ---------------------------------------------------------------------------
@torch_op
def logsumexp(input: Any, dim: Any = None, keepdim: bool = False, *, out: Any = None,  # noqa: A002
              axis: Any = None, keepdims: Any = None) -> Any:
    """``torch.logsumexp(input, dim, keepdim=False)``: stable ``log(sum(exp(input)))`` over
    ``dim`` (required, as torch); integers promote to float."""
    no_out("logsumexp", out)
    if dim is None and axis is None:
        raise ArgumentError("logsumexp: dim is required (an int or a tuple of ints)")
    dim, keepdim = _dims("logsumexp", dim, keepdim, axis, keepdims)
    x = tensor("logsumexp", "input", input)
    ops = x.session
    return ops.logsumexp(floated(ops, x), dim, keepdim)


@torch_op
def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None,  # noqa: A002
         dtype: Any = None) -> Any:
    """``torch.norm(input, p='fro', dim=None, keepdim=False, dtype=None)``: the vector p-norm
    over ``dim`` (all by default; 'fro' is the 2-norm over those axes): p = 'fro', 2, 1, inf,
    -inf, 0 or any number. The gradient at the zero vector is 0, as torch. 'nuc' is the nuclear
    norm (sum of singular values) of a 2-D input, or over the pair of dims ``dim``."""
    no_out("norm", out)
    if p is None:
        p = "fro"
    dim, keepdim = _dims("norm", dim, keepdim, None, None)
    ops, x = _input("norm", input, dtype)
    if isinstance(p, str) and p == "nuc":
        from .linalg_norms import _two_dims, mnorm

        ndim = len(ops.shape_of(x))
        if dim is None and ndim != 2:
            raise ShapeError(f"norm: p='nuc' without dim needs a 2-D input, got shape {ops.shape_of(x)}")
        if ops.type_of(x).dtype.kind != "f":
            raise DTypeError(f"norm: p='nuc' needs a float input, got {ops.type_of(x).dtype}")
        d0, d1 = _two_dims("norm", (0, 1) if dim is None else dim, ndim)
        return mnorm(ops, x, "nuc", d0, d1, keepdim, "norm")
    return ops.norm(x, p, dim, keepdim)


# ----- softmax family ----------------------------------------------------------------------------
def _softmax_dim(op: str, ndim: int) -> int:
    """torch's legacy implicit dim (with its deprecation warning)."""
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=5)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax(name: str):
    def fn(input: Any, dim: Any = None, _stacklevel: Any = 3, dtype: Any = None) -> Any:  # noqa: A002
        x = tensor(name, "input", input)
        if dtype is None and not isinstance(_stacklevel, int):  # torch.softmax(x, dim, dtype)
            dtype = _stacklevel
        ops = x.session
        if dtype is not None:
            x = ops.cast(x, tensor_dtype(dtype, name))
        if dim is None:
            dim = _softmax_dim(name, len(ops.shape_of(x)))
        return getattr(ops, name)(x, dim)

    fn.__name__ = fn.__qualname__ = name
    what = "softmax" if name == "softmax" else "log of the softmax"
    fn.__doc__ = (f"``torch.{name}(input, dim, dtype=None)`` (and ``torch.nn.functional.{name}``'s "
                  f"``(input, dim=None, _stacklevel=3, dtype=None)``): the stable {what} along "
                  "``dim``; ``dtype`` casts the input first. Without ``dim``, torch's legacy choice "
                  "(0 for 0-, 1- and 3-d input, else 1) with its warning.")
    return torch_op(fn, name=name)


softmax = _softmax("softmax")
log_softmax = _softmax("log_softmax")


# ----- torch.Tensor methods ----------------------------------------------------------------------
class ReduceMethods:
    """``torch.Tensor`` reduction methods (``x.sum(dim=1, keepdim=True)``, ``x.max(0)``...):
    ``x.name(...)`` is ``torch.name(x, ...)`` (the function of this module). ``x.sum()`` with
    no dtype or alias calls the binder directly (one frame), as the seed-era method did."""

    __slots__ = ()
    session: Any

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
            keepdims: Any = None) -> Any:
        if dtype is None and axis is None and keepdims is None and (dim is None or dim.__class__ is int):
            return self.session.reduce_sum(self, dim, keepdim)  # the common case, one frame
        return sum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None,
             keepdims: Any = None) -> Any:
        return mean(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
        return var(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
        return std(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def prod(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
        return prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Any:
        return cumsum(self, dim, dtype=dtype, axis=axis)

    def all(self, dim: Any = None, keepdim: bool = False) -> Any:
        return all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Any:
        return any(self, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Any:
        return amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Any:
        return amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def max(self, dim: Any = None, keepdim: bool = False, *, other: Any = None, axis: Any = None,
            keepdims: Any = None) -> Any:
        """``x.max()``, ``x.max(dim, keepdim=False)`` -> (values, indices), ``x.max(other)``."""
        return max(self, dim, keepdim, other=other, axis=axis, keepdims=keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, other: Any = None, axis: Any = None,
            keepdims: Any = None) -> Any:
        """``x.min()``, ``x.min(dim, keepdim=False)`` -> (values, indices), ``x.min(other)``."""
        return min(self, dim, keepdim, other=other, axis=axis, keepdims=keepdims)

    def argmax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Any:
        return argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Any:
        return argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def logsumexp(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
                  keepdims: Any = None) -> Any:
        return logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
        return norm(self, p, dim, keepdim, dtype=dtype)

    def softmax(self, dim: Any, dtype: Any = None) -> Any:
        return softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim: Any, dtype: Any = None) -> Any:
        return log_softmax(self, dim, dtype=dtype)

