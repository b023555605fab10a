"""``torch.linalg``'s norms: ``vector_norm``, ``matrix_norm`` and ``norm`` (its dispatch rules),
composites of abs/power/sums/extrema (and ``svdvals`` for ord 2, -2 and 'nuc').

Gradients are PyTorch's, also where the norm is not differentiable: 0 at the zero vector for
every ``ord``; a zero entry contributes 0 for ``0 < ord < 1`` (where ``|x|^(ord-1)`` is infinite);
for ``ord < 0`` a vector with a zero entry has norm 0 and gradient 0; ``ord=0`` (the count of
nonzeros) has none; ``inf``/``-inf`` share the gradient evenly among tied entries. Each is
written as a masked composite (``where`` before the power) so no NaN appears. Float input only,
as torch (``dtype=`` casts a float input first).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import is_int, normalize_axes, normalize_axis
from .._core.types import tensor_dtype
from .dispatch import tensor as _arg
from .dispatch import torch_op
from .math import no_out

__all__ = ["matrix_norm", "norm", "vector_norm"]


def float_input(op: str, input: Any, dtype: Any = None) -> tuple[Any, Any]:  # noqa: A002
    """(binder, input): a float tensor, cast to ``dtype`` (a float dtype) when given."""
    x = _arg(op, "input", input)
    ops = x.session
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a float tensor (float32 or float64), got {x.dtype.name}")
    if dtype is not None:
        dt = tensor_dtype(dtype, op)
        if dt.kind != "f":
            raise DTypeError(f"{op}: dtype must be a float dtype, got {dt.name}")
        x = ops.cast(x, dt)
    return ops, x


def order(op: str, ord: Any) -> float:  # noqa: A002
    """A numeric ``ord`` as a float (``inf`` included); bools and strings are refused."""
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real) or math.isnan(float(ord)):
        raise ArgumentError(f"{op}: ord must be a number, got {ord!r}")
    return float(ord)


def _dims(op: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim``: None or ``()`` (every axis), an int or a sequence of ints."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return tuple(range(ndim))
    if not is_int(dim) and not (isinstance(dim, (tuple, list)) and all(is_int(d) for d in dim)):
        raise ArgumentError(f"{op}: dim must be None, an int or a sequence of ints, got {dim!r}")
    return normalize_axes(op, dim, ndim)


def pnorm(ops: Any, x: Any, p: float, axes: tuple[int, ...], keepdim: bool, op: str,
          ties: str = "split") -> Any:
    """The ``p``-norm of float ``x`` over ``axes`` with PyTorch's gradients (module docstring).
    ``ties="all"``: for ``p = +-inf`` every tied entry gets the full gradient (``torch.cdist``'s
    rule) instead of an even share (``torch.linalg.vector_norm``'s)."""
    shape = ops.shape_of(x)
    empty = any(shape[a] == 0 for a in axes)
    if empty and (p < 0 or math.isinf(p)):
        raise ShapeError(f"{op}: cannot compute the {p:g} norm over an empty dimension (shape {shape}, "
                         f"dims {axes}): the reduction has no identity")
    dt = ops.type_of(x).dtype
    if p == 2.0:
        return ops.sqrt(ops.reduce_sum(ops.mul(x, x), axes, keepdim))
    if p == 0.0:
        return ops.reduce_sum(ops.cast(ops.ne(x, 0.0), dt), axes, keepdim)
    a = ops.abs(x)
    if p == 1.0:
        return ops.reduce_sum(a, axes, keepdim)
    if math.isinf(p):
        ext = ops.amax if p > 0 else ops.amin
        if ties == "split" or not axes:
            return ext(a, axes, keepdim)
        m = ops.detach(ext(a, axes, True))  # every tie gets the whole gradient: m + sum(mask * (a - a))
        hit = ops.cast(ops.eq(a, m), dt)
        y = ops.add(m, ops.reduce_sum(ops.mul(hit, ops.sub(a, ops.detach(a))), axes, True))
        return y if keepdim else ops.reshape(y, tuple(d for i, d in enumerate(shape) if i not in axes))
    zero = ops.eq(a, 0.0)
    terms = ops.power(ops.where(zero, 1.0, a), p)
    if p > 0:  # zero entries add 0 and take no gradient (|x|^(p-1) is infinite there for p < 1)
        s = ops.reduce_sum(ops.where(zero, 0.0, terms), axes, keepdim)
        at0 = ops.eq(s, 0.0)
        return ops.where(at0, 0.0, ops.power(ops.where(at0, 1.0, s), 1.0 / p))
    # p < 0: a zero entry makes the sum infinite and the norm 0, with gradient 0
    hit = ops.amax(ops.cast(zero, dt), axes, keepdim) if axes else ops.cast(zero, dt)
    n = ops.power(ops.reduce_sum(terms, axes, keepdim), 1.0 / p)
    return ops.where(ops.gt(hit, 0.0), 0.0, n)


@torch_op(name="linalg.vector_norm")
def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
                out: Any = None) -> Any:
    """``torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None)``: the
    ``ord``-norm over ``dim`` (None or ``()``: every element): ``inf`` max ``|x|``, ``-inf`` min,
    0 the count of nonzeros, else ``sum(|x|^ord)^(1/ord)``. Gradients as torch (module docstring)."""
    op = "linalg.vector_norm"
    no_out(op, out)
    p = order(op, ord)
    ops, v = float_input(op, x, dtype)
    axes = _dims(op, dim, len(ops.shape_of(v)))
    return pnorm(ops, v, p, axes, keepdim, op)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1.0, -1.0, 2.0, -2.0)


def _matrix_ord(op: str, ord: Any) -> Any:  # noqa: A002
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise ArgumentError(f"{op}: ord must be 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2, got {ord!r}")
        return ord
    p = order(op, ord)
    if p not in _MATRIX_ORDS:
        raise ArgumentError(f"{op}: order {ord!r} is not supported (use 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2)")
    return p


def _two_dims(op: str, dim: Any, ndim: int) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2 or not all(is_int(d) for d in dim):
        raise ArgumentError(f"{op}: dim must be a pair of ints, got {dim!r}")
    d0, d1 = (normalize_axis(op, d, ndim) for d in dim)
    if d0 == d1:
        raise ShapeError(f"{op}: dims must be different, got {tuple(dim)}")
    return d0, d1


def mnorm(ops: Any, a: Any, p: Any, d0: int, d1: int, keepdim: bool, op: str) -> Any:
    """The matrix norm of float ``a`` over the planes ``(d0, d1)``."""
    shape = ops.shape_of(a)
    if p == "fro":
        return pnorm(ops, a, 2.0, tuple(sorted((d0, d1))), keepdim, op)
    drop = tuple(d for i, d in enumerate(shape) if i not in (d0, d1))
    if p in (1.0, -1.0, math.inf, -math.inf):
        if math.isinf(p):
            d0, d1 = d1, d0
        if shape[d1] == 0:
            raise ShapeError(f"{op}: cannot compute the {p:g} norm of matrices of shape {shape[d0], shape[d1]} "
                             f"(shape {shape}): the reduction has no identity")
        s = ops.reduce_sum(ops.abs(a), d0, True)
        y = (ops.amax if p > 0 else ops.amin)(s, d1, True)
        return y if keepdim else ops.reshape(y, drop)
    from .linalg_decomp import svdvals  # ord 2, -2, 'nuc': from the singular values

    rest = [i for i in range(len(shape)) if i not in (d0, d1)]
    sv = svdvals(ops.permute(a, (*rest, d0, d1)))
    if p == "nuc":
        y = ops.reduce_sum(sv, -1)
    else:
        if shape[d0] == 0 or shape[d1] == 0:
            raise ShapeError(f"{op}: cannot compute the {p:g} norm of empty matrices (shape {shape})")
        y = (ops.amax if p > 0 else ops.amin)(sv, -1)
    if keepdim:
        y = ops.reshape(y, tuple(1 if i in (d0, d1) else d for i, d in enumerate(shape)))
    return y


@torch_op(name="linalg.matrix_norm")
def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None, out: Any = None) -> Any:
    """``torch.linalg.matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None)``:
    'fro', 'nuc' (sum of singular values), inf/-inf (max/min row sum of ``|A|``), 1/-1 (max/min
    column sum), 2/-2 (largest/smallest singular value). Extrema share ties evenly."""
    op = "linalg.matrix_norm"
    no_out(op, out)
    ops, a = float_input(op, A, dtype)
    p = _matrix_ord(op, ord)
    shape = ops.shape_of(a)
    if len(shape) < 2:
        raise ShapeError(f"{op}: expected A with at least 2 dimensions, got shape {shape}")
    d0, d1 = _two_dims(op, dim, len(shape))
    return mnorm(ops, a, p, d0, d1, keepdim, op)


@torch_op(name="linalg.norm")
def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
         out: Any = None) -> Any:
    """``torch.linalg.norm(A, ord=None, dim=None, keepdim=False, *, dtype=None)``: a vector norm
    when ``dim`` is an int (or a 1-tuple), a matrix norm when it is a pair; without ``dim``, the
    2-norm of every element if ``ord`` is None, else ``A`` must be 1-D (vector) or 2-D (matrix)."""
    op = "linalg.norm"
    no_out(op, out)
    ops, a = float_input(op, A, dtype)
    shape = ops.shape_of(a)
    if dim is not None:
        dims = (dim,) if is_int(dim) else dim
        if not isinstance(dims, (tuple, list)) or not all(is_int(d) for d in dims) or len(dims) not in (1, 2):
            raise ArgumentError(f"{op}: dim must be an int or a sequence of 1 or 2 ints, got {dim!r}")
        if len(dims) == 2:
            if len(shape) < 2:
                raise ShapeError(f"{op}: a pair of dims needs A with at least 2 dimensions, got shape {shape}")
            d0, d1 = _two_dims(op, dims, len(shape))
            return mnorm(ops, a, _matrix_ord(op, "fro" if ord is None else ord), d0, d1, keepdim, op)
        return pnorm(ops, a, 2.0 if ord is None else order(op, ord), _dims(op, dims, len(shape)), keepdim, op)
    if ord is None:
        return pnorm(ops, a, 2.0, tuple(range(len(shape))), keepdim, op)
    if len(shape) == 2:
        return mnorm(ops, a, _matrix_ord(op, ord), 0, 1, keepdim, op)
    if len(shape) == 1:
        if isinstance(ord, str):
            raise ShapeError(f"{op}: ord={ord!r} is a matrix norm and needs a 2-D input, got shape {shape}")
        return pnorm(ops, a, order(op, ord), (0,), keepdim, op)
    raise ShapeError(f"{op}: without dim, an ord needs a 1-D or 2-D input, got shape {shape}")
