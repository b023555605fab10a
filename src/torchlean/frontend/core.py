"""Core ops: elementwise arithmetic, reductions, softmax, shape ops, matmul, linear, losses.

Argument checking and normalisation, explicit broadcasting (``broadcast_to`` is inserted here
and nowhere else) and Python-scalar handling live in these methods; composites such as
``mse_loss`` have no rules of their own and are differentiated through their primitives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import (
    as_shape,
    broadcast_shapes,
    check_broadcast,
    normalize_axes,
    normalize_axis,
    prod,
    right_aligned_axes,
)
from .._core.shapes import (
    is_int as _is_int_value,
)
from .._core.types import check_float, int64, is_int
from ..ops.linalg import linear_shape_error
from .base import _SCALARS, OpsBase, scalar_value

P = REGISTRY
_add, _sub, _mul, _div = P["add"], P["sub"], P["mul"], P["div"]
_scale, _add_scalar, _div_scalar = P["scale"], P["add_scalar"], P["div_scalar"]


class CoreOps(OpsBase):
    """Core op family (see module docstring)."""

    # -- elementwise binary ----------------------------------------------------------------
    # A float tensor with a Python number is one scalar primitive (the fast path); anything
    # else goes through ``_pair`` (type promotion as PyTorch: bool < int64 < float, and
    # broadcasting). ``_kind`` reads the dtype kind without a hook call where it can.
    def _kind(self, x: Any) -> str:
        t = getattr(x, "type", None)  # TensorRef, Var, Param
        if t is not None:
            return t.dtype.kind
        dt = getattr(x, "dtype", None)  # raw arrays (the array binder)
        return dt.kind if dt is not None else self.type_of(x).dtype.kind

    def add(self, x: Any, y: Any) -> Any:
        """x + y with broadcasting and PyTorch's type promotion."""
        if y.__class__ is float:  # the hot case: a float tensor plus a Python float
            t = getattr(x, "type", None)
            if t is not None and t.dtype.kind == "f":
                return self.bind(_add_scalar, x, c=y)
        if type(y) in _SCALARS:
            if self._kind(x) == "f" or (self._kind(x) == "i" and type(y) is int):
                return self.bind(_add_scalar, x, c=_const(self, "add", x, y))
        elif type(x) in _SCALARS:
            return self.add(y, x)
        elif self.shape_of(x) == self.shape_of(y) and self._kind(x) == "f" == self._kind(y):
            return self.bind(_add, x, y)
        if _both_bool(self, x, y):  # PyTorch: bool + bool is logical or
            return self.bitwise_or(x, y)
        return self.bind(_add, *self._pair("add", x, y))

    def sub(self, x: Any, y: Any) -> Any:
        """x - y with broadcasting (``c - x`` is ``(-x) + c``, exact in IEEE arithmetic)."""
        if y.__class__ is float:
            t = getattr(x, "type", None)
            if t is not None and t.dtype.kind == "f":
                return self.bind(_add_scalar, x, c=-y)
        if type(y) in _SCALARS:
            if self._kind(x) == "f" or (self._kind(x) == "i" and type(y) is int):
                return self.bind(_add_scalar, x, c=-_const(self, "sub", x, y))
        elif type(x) in _SCALARS:
            if self._kind(y) == "f" or (self._kind(y) == "i" and type(x) is int):
                c = _const(self, "sub", y, x)
                return self.bind(_add_scalar, self.neg(y), c=c)
        elif self.shape_of(x) == self.shape_of(y) and self._kind(x) == "f" == self._kind(y):
            return self.bind(_sub, x, y)
        if _both_bool(self, x, y):
            raise DTypeError("sub: subtracting two bool tensors is not supported (as in PyTorch); "
                             "use ^ (xor) or ~ (not) instead")
        return self.bind(_sub, *self._pair("sub", x, y))

    def mul(self, x: Any, y: Any) -> Any:
        """x * y with broadcasting and PyTorch's type promotion."""
        if y.__class__ is float:
            t = getattr(x, "type", None)
            if t is not None and t.dtype.kind == "f":
                return self.bind(_scale, x, c=y)
        if type(y) in _SCALARS:
            if self._kind(x) == "f" or (self._kind(x) == "i" and type(y) is int):
                return self.bind(_scale, x, c=_const(self, "mul", x, y))
        elif type(x) in _SCALARS:
            return self.mul(y, x)
        elif self.shape_of(x) == self.shape_of(y) and self._kind(x) == "f" == self._kind(y):
            return self.bind(_mul, x, y)
        if _both_bool(self, x, y):  # PyTorch: bool * bool is logical and
            return self.bitwise_and(x, y)
        return self.bind(_mul, *self._pair("mul", x, y))

    def div(self, x: Any, y: Any) -> Any:
        """x / y with broadcasting: true division (integers give floats, as PyTorch), IEEE
        semantics (``x / 0`` is inf or NaN)."""
        if type(y) in _SCALARS and self._kind(x) == "f":
            return self.bind(_div_scalar, x, c=scalar_value("div", y))
        if type(x) not in _SCALARS and type(y) not in _SCALARS \
                and self.shape_of(x) == self.shape_of(y) and self._kind(x) == "f":
            return self.bind(_div, x, y)
        return self.bind(_div, *self._pair("div", x, y, "float"))

    def maximum(self, x: Any, y: Any) -> Any:
        """Elementwise max; ties split the gradient 1/2 - 1/2 (seed)."""
        return self.bind(P["maximum"], *self._pair("maximum", x, y))

    def minimum(self, x: Any, y: Any) -> Any:
        """Elementwise min; ties split the gradient 1/2 - 1/2 (seed)."""
        return self.bind(P["minimum"], *self._pair("minimum", x, y))

    def max(self, x: Any, y: Any = None, keepdim: bool = False, *, dim: Any = None) -> Any:
        """The seed's ``max(x, y)``: elementwise maximum of two tensors (or a tensor and a
        float), ties split 1/2 - 1/2. Also ``torch.max``'s reductions: ``max(x)`` is the
        maximum of all elements (ties share the gradient evenly), ``max(x, dim)`` (an int
        second argument, or ``dim=``) the ``(values, indices)`` pair along ``dim``."""
        return _max_min(self, "max", x, y, keepdim, dim)

    def min(self, x: Any, y: Any = None, keepdim: bool = False, *, dim: Any = None) -> Any:
        """The seed's ``min(x, y)`` (elementwise), or ``torch.min``'s reductions (see ``max``)."""
        return _max_min(self, "min", x, y, keepdim, dim)

    # -- elementwise unary -----------------------------------------------------------------
    def neg(self, x: Any) -> Any:
        return self.bind(P["neg"], x)

    def scale(self, x: Any, c: float) -> Any:
        """c * x for a Python scalar c."""
        return self.bind(_scale, x, c=scalar_value("scale", c))

    def add_scalar(self, x: Any, c: float) -> Any:
        """x + c for a Python scalar c."""
        return self.bind(_add_scalar, x, c=scalar_value("add_scalar", c))

    def div_scalar(self, x: Any, c: float) -> Any:
        """x / c for a Python scalar c (one IEEE division, so ``x / 3`` equals PyTorch's)."""
        return self.bind(_div_scalar, x, c=scalar_value("div_scalar", c))

    def abs(self, x: Any) -> Any:
        return self.bind(P["abs"], x)

    def sign(self, x: Any) -> Any:
        return self.bind(P["sign"], x)

    def step(self, x: Any) -> Any:
        """1 where x > 0, else 0 (derivative zero)."""
        return self.bind(P["step"], x)

    def mul_step(self, g: Any, x: Any) -> Any:
        """g * step(x): relu's derivative applied to a cotangent or tangent."""
        return self.mul(g, self.step(x))

    def tanh_backward(self, g: Any, y: Any) -> Any:
        """g * (1 - y^2) for y = tanh(x): tanh's derivative applied to a cotangent or tangent,
        written g - (g * y) * y (three ops instead of four)."""
        return self.sub(g, self.mul(self.mul(g, y), y))

    def sqrt(self, x: Any) -> Any:
        return self.bind(P["sqrt"], x)

    def exp(self, x: Any) -> Any:
        return self.bind(P["exp"], x)

    def log(self, x: Any) -> Any:
        return self.bind(P["log"], x)

    def inv(self, x: Any) -> Any:
        """1 / x (PyTorch ``reciprocal``)."""
        return self.bind(P["inv"], x)

    def relu(self, x: Any) -> Any:
        return self.bind(P["relu"], x)

    def erf(self, x: Any) -> Any:
        """The error function (PyTorch ``erf``), computed to float64 accuracy."""
        return self.bind(P["erf"], x)

    def sigmoid(self, x: Any) -> Any:
        return self.bind(P["sigmoid"], x)

    def tanh(self, x: Any) -> Any:
        return self.bind(P["tanh"], x)

    def softplus(self, x: Any) -> Any:
        return self.bind(P["softplus"], x)

    def power(self, x: Any, p: float) -> Any:
        """x ** p for a Python scalar exponent."""
        if type(p) not in _SCALARS:
            from .._core.errors import DTypeError

            raise DTypeError(f"power: the exponent must be a Python number, got {type(p).__name__}")
        return self.bind(P["power"], x, p=scalar_value("power", p))

    def clamp(self, x: Any, lo: float | None = None, hi: float | None = None) -> Any:
        """min(hi, max(lo, x)); the gradient is 1 strictly inside (lo, hi) (seed)."""
        lo = -math.inf if lo is None else float(lo)
        hi = math.inf if hi is None else float(hi)
        return self.bind(P["clamp"], x, lo=lo, hi=hi)

    def safe_log(self, x: Any, eps: float = 1e-6) -> Any:
        """The seed's total log: ``log(softplus(x) + eps)`` (not ``log(clamp(x, eps))``)."""
        _float_arg(self, "safe_log", x)
        return self.log(self.add_scalar(self.softplus(x), eps))

    def silu(self, x: Any) -> Any:
        """x * sigmoid(x)."""
        _float_arg(self, "silu", x)
        return self.mul(x, self.sigmoid(x))

    def detach(self, x: Any) -> Any:
        """Identity forward; stops gradients."""
        return self.bind(P["detach"], x)

    # -- reductions and softmax ------------------------------------------------------------
    def sum(self, x: Any, dim: Any = None, keepdim: bool = False) -> Any:
        """Sum of all elements (the seed's ``sum``), or over ``dim`` as ``torch.sum``."""
        return self.reduce_sum(x, dim, keepdim)

    def reduce_sum(self, x: Any, axis: int | Sequence[int] | None = None,
                   keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        """Sum over ``axis`` (int, tuple, or None for all); the axes are dropped (seed) unless
        ``keepdims``. PyTorch's ``dim``/``keepdim`` are accepted as aliases. A bool tensor sums
        as int64 (a count), as PyTorch."""
        axis, keepdims = _alias("reduce_sum", axis, dim, keepdims, keepdim)
        t = self.type_of(x)
        if t.dtype.kind == "b":
            x, t = self.cast(x, "int64"), t._replace(dtype=int64)
        axes = normalize_axes("reduce_sum", axis, t.ndim)
        y = self.bind(P["reduce_sum"], x, axes=axes) if axes else x
        if keepdims and axes:
            y = self.reshape(y, tuple(1 if i in axes else d for i, d in enumerate(t.shape)))
        return y

    def reduce_mean(self, x: Any, axis: int | Sequence[int] | None = None,
                    keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        """Mean over ``axis``; the axes are dropped (seed) unless ``keepdims`` (PyTorch's
        ``dim``/``keepdim`` accepted). Integer tensors raise, as ``torch.mean``."""
        axis, keepdims = _alias("reduce_mean", axis, dim, keepdims, keepdim)
        t = self.type_of(x)
        if t.dtype.kind != "f":
            raise DTypeError(f"reduce_mean: expected a float tensor, got {t.dtype.name} (cast it first, "
                             "e.g. x.float())")
        axes = normalize_axes("reduce_mean", axis, t.ndim)
        count = prod(t.shape[a] for a in axes)
        return self.div_scalar(self.reduce_sum(x, axes, keepdims), float(count))

    def mean(self, x: Any, dim: Any = None, keepdim: bool = False) -> Any:
        """Mean of all elements (the seed's ``mean``), or over ``dim`` as ``torch.mean``."""
        return self.reduce_mean(x, dim, keepdim)

    def softmax(self, x: Any, axis: int = -1, *, dim: int | None = None) -> Any:
        """Stable softmax along ``axis`` (the last by default, as in the seed; ``dim=`` is
        PyTorch's name for it)."""
        axis = _alias("softmax", axis, dim, None, None, default_axis=-1)[0]
        t = self.type_of(x)
        return self.bind(P["softmax"], x, axis=normalize_axis("softmax", axis, t.ndim))  # 0-d: -1 or 0

    def log_softmax(self, x: Any, axis: int = -1, eps: float | None = None, *, dim: int | None = None) -> Any:
        """Stable log-softmax along ``axis`` (``dim=`` accepted). ``eps`` is accepted and
        ignored, as in the seed."""
        axis = _alias("log_softmax", axis, dim, None, None, default_axis=-1)[0]
        t = self.type_of(x)
        ax = normalize_axis("log_softmax", axis, t.ndim)  # 0-d: -1 or 0
        return self.bind(P["log_softmax"], x, axis=ax)

    # -- shape ops -------------------------------------------------------------------------
    def reshape(self, x: Any, shape: Sequence[int]) -> Any:
        """Row-major reshape; one dim may be -1 (inferred), as in PyTorch."""
        t = self.type_of(x)
        if shape == t.shape:
            return x
        shape = as_shape("reshape", shape, allow_infer=True)
        if shape.count(-1) == 1:
            known = prod(d for d in shape if d != -1)
            if known == 0 or t.size % known:
                raise ShapeError(f"reshape: cannot reshape {t.shape} ({t.size} elements) to {shape}")
            shape = tuple(t.size // known if d == -1 else d for d in shape)
        if shape == t.shape:
            return x
        return self.bind(P["reshape"], x, shape=shape)

    def flatten(self, x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge axes start_dim..end_dim (all by default, giving a vector as in the seed)."""
        s = self.shape_of(x)
        if not s:  # (1,), for start_dim and end_dim in [-1, 0] (as torch)
            normalize_axis("flatten", start_dim, 0)
            normalize_axis("flatten", end_dim, 0)
            return self.reshape(x, (1,))
        a = normalize_axis("flatten", start_dim, len(s))
        b = normalize_axis("flatten", end_dim, len(s))
        if a > b:
            raise ShapeError(f"flatten: start_dim {start_dim} is after end_dim {end_dim} for {s}")
        return self.reshape(x, (*s[:a], prod(s[a:b + 1]), *s[b + 1:]))

    def permute(self, x: Any, perm: Sequence[int]) -> Any:
        """Reorder axes: output axis i is input axis perm[i] (negative axes allowed)."""
        n = len(self.shape_of(x))
        perm = tuple(normalize_axis("permute", p, n) for p in perm)
        if perm == tuple(range(n)):
            return x
        return self.bind(P["transpose"], x, perm=perm)

    def transpose(self, x: Any, dim0: int = -2, dim1: int = -1) -> Any:
        """Swap two axes (PyTorch ``transpose``); by default the last two."""
        n = len(self.shape_of(x))
        a, b = normalize_axis("transpose", dim0, n), normalize_axis("transpose", dim1, n)
        perm = list(range(n))
        perm[a], perm[b] = perm[b], perm[a]
        return self.permute(x, perm)

    def transpose2d(self, x: Any) -> Any:
        """(m, n) -> (n, m)."""
        s = self.shape_of(x)
        if len(s) != 2:
            raise ShapeError(f"transpose2d: expected a matrix (m, n), got shape {s}")
        return self.bind(P["transpose"], x, perm=(1, 0))

    def broadcast_to(self, x: Any, shape: Sequence[int], axes: Sequence[int] | None = None) -> Any:
        """Replicate x to ``shape``.

        With ``axes=None`` this is PyTorch's right-aligned broadcasting. ``axes`` is the seed's
        explicit witness: source axis k lands on target axis ``axes[k]`` (strictly increasing),
        which also allows trailing-axis expansion such as (L,) -> (L, E) with ``axes=(0,)``.
        """
        src = self.shape_of(x)
        shape = as_shape("broadcast_to", shape)
        if axes is None:
            if len(src) > len(shape):
                raise ShapeError(f"broadcast_to: cannot broadcast {src} to {shape} (rank decreases)")
            axes = right_aligned_axes(src, shape)
        axes = check_broadcast("broadcast_to", src, shape, axes)
        if src == shape:
            return x
        return self.bind(P["broadcast_to"], x, shape=shape, axes=axes)

    # -- linear algebra --------------------------------------------------------------------
    def matmul(self, a: Any, b: Any) -> Any:
        """``torch.matmul`` semantics: 1-D operands are promoted, batch axes broadcast."""
        sa, sb = self.shape_of(a), self.shape_of(b)
        if not sa or not sb:
            raise ShapeError(f"matmul: operands must have at least one axis, got {sa} @ {sb}")
        if len(sa) == 1:
            a, sa0 = self.reshape(a, (1, *sa)), True
        else:
            sa0 = False
        if len(sb) == 1:
            b, sb0 = self.reshape(b, (*sb, 1)), True
        else:
            sb0 = False
        ta, tb = self.shape_of(a), self.shape_of(b)
        if ta[-1] != tb[-2]:
            raise ShapeError(f"matmul: inner dimensions differ: {sa} @ {sb}")
        if ta[:-2] != tb[:-2]:
            batch = broadcast_shapes("matmul", ta[:-2], tb[:-2])
            a = self.broadcast_to(a, batch + ta[-2:])
            b = self.broadcast_to(b, batch + tb[-2:])
        y = self.bind(P["matmul"], a, b)
        if sa0 or sb0:
            s = self.shape_of(y)
            s = s[:-2] + (() if sa0 else s[-2:-1]) + (() if sb0 else s[-1:])
            y = self.reshape(y, s)
        return y

    def bmm(self, a: Any, b: Any) -> Any:
        """Batched product (B, m, n) @ (B, n, p); no broadcasting, as ``torch.bmm``."""
        sa, sb = self.shape_of(a), self.shape_of(b)
        if len(sa) != 3 or len(sb) != 3 or sa[0] != sb[0]:
            raise ShapeError(f"bmm: expected (B, m, n) @ (B, n, p), got {sa} @ {sb}")
        return self.matmul(a, b)

    def linear(self, w: Any, b: Any | None, x: Any) -> Any:
        """``W x + b`` (seed argument order). x may be (in,) or batched (..., in) as PyTorch."""
        if b is not None:  # the primitive's shape rule checks the shapes and dtypes
            return self.bind(P["linear"], w, b, x)
        sw, sx = self.shape_of(w), self.shape_of(x)
        err = linear_shape_error(sw, None, sx)
        if err is not None:
            raise err
        check_float("linear", self.type_of(w), self.type_of(x))
        return self.matmul(w, x) if len(sx) == 1 else self.matmul(x, self.transpose2d(w))

    # -- losses ----------------------------------------------------------------------------
    def mse_loss(self, yhat: Any, target: Any) -> Any:
        """Mean squared error; the target receives a gradient too (seed)."""
        _float_arg(self, "mse_loss", yhat)
        sy, st = self.shape_of(yhat), self.shape_of(target)
        if sy != st:
            raise ShapeError(f"mse_loss: prediction and target shapes differ: {sy} vs {st}")
        dy, dt = self.type_of(yhat).dtype, self.type_of(target).dtype
        if dt != dy:  # the seed's op: one float dtype (F.mse_loss promotes, as PyTorch)
            raise DTypeError(f"mse_loss: prediction is {dy.name} but target is {dt.name}")
        d = self.sub(yhat, target)
        return self.mean(self.mul(d, d))

    def one_hot(self, labels: Any, num_classes: int, dtype: Any = None) -> Any:
        """Float one-hot encoding of integer labels (out-of-range labels give zero rows)."""
        dt = self.dtype if dtype is None else dtype
        n = _int_arg("one_hot", "num_classes", num_classes)
        return self.bind(P["one_hot"], labels, num_classes=n, dtype=_dtype_name(dt))

    def cross_entropy(self, logits: Any, target: Any, ignore_index: int = -100) -> Any:
        """Mean softmax cross-entropy over the batch, as ``F.cross_entropy`` (reduction 'mean').

        ``logits`` is (C,) or (N, C). ``target`` holds class indices (an integer tensor of
        shape logits.shape[:-1]) or class probabilities (a float tensor shaped like logits).
        With indices, rows labelled ``ignore_index`` are left out of the mean, and any other
        label outside [0, C) raises ``ArgumentError`` (checked when the op runs).
        """
        tl, tt = self.type_of(logits), self.type_of(target)
        if tl.ndim not in (1, 2):
            raise ShapeError(f"cross_entropy: expected logits (C,) or (N, C), got {tl.shape}")
        if is_int(tt.dtype):
            return self.bind(P["cross_entropy"], logits, target, ignore_index=_int_arg(
                "cross_entropy", "ignore_index", ignore_index))
        if tt.dtype.kind == "b":
            raise DTypeError("cross_entropy: target must hold class indices (int64) or "
                             "probabilities (float), got bool")
        if tt.shape != tl.shape:
            raise ShapeError(f"cross_entropy: expected probabilities of shape {tl.shape} (or class "
                             f"indices of shape {tl.shape[:-1]}), got {tt.shape}")
        if tt.dtype != tl.dtype:
            raise DTypeError(f"cross_entropy: logits are {tl.dtype.name}, target is {tt.dtype.name}")
        nll = self.neg(self.mul(target, self.log_softmax(logits, -1)))
        n = tl.shape[0] if tl.ndim == 2 else 1
        return self.div_scalar(self.sum(nll), float(n))

    def cross_entropy_grad(self, logits: Any, labels: Any, ignore_index: int = -100) -> Any:
        """Gradient of ``cross_entropy(logits, labels)`` with respect to the logits."""
        return self.bind(P["cross_entropy_grad"], logits, labels,
                         ignore_index=_int_arg("cross_entropy_grad", "ignore_index", ignore_index))


def _alias(op: str, axis: Any, dim: Any, keepdims: Any, keepdim: Any, default_axis: Any = None
           ) -> tuple[Any, Any]:
    """The seed's ``axis``/``keepdims`` or PyTorch's ``dim``/``keepdim`` (one of each pair)."""
    if dim is not None:
        if axis is not None and axis != default_axis:
            raise ArgumentError(f"{op}: give the axis once, as axis= or as dim=, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if keepdims is None:
        keepdims = False
    elif keepdims.__class__ is not bool and not isinstance(keepdims, np.bool_):
        raise ArgumentError(f"{op}: keepdim must be a bool, got {type(keepdims).__name__} {keepdims!r:.40}")
    return axis, keepdims


def _both_bool(ops: Any, x: Any, y: Any) -> bool:
    return (type(x) not in _SCALARS and type(y) not in _SCALARS
            and ops._kind(x) == "b" and ops._kind(y) == "b")


def _float_arg(ops: Any, op: str, x: Any) -> None:
    """A seed composite that needs a float tensor says so itself (not its first inner op)."""
    dt = ops.type_of(x).dtype
    if dt.kind != "f":
        raise DTypeError(f"{op}: expected a float tensor, got {dt.name}")


def _max_min(ops: Any, op: str, x: Any, y: Any, keepdim: Any, dim: Any) -> Any:
    """Dispatch of ``max``/``min``: elementwise with a tensor or float ``y``, else a reduction."""
    if y is not None and not _is_int_value(y):
        if dim is not None or keepdim:
            raise ArgumentError(f"{op}: dim/keepdim apply to the reduction max(x, dim), not to the "
                                f"elementwise {op}(x, other)")
        return ops.maximum(x, y) if op == "max" else ops.minimum(x, y)
    if y is not None:
        if dim is not None:
            raise ArgumentError(f"{op}: give dim once, as the second argument or as dim=")
        dim = y
    if dim is None:
        if keepdim:
            raise ArgumentError(f"{op}: keepdim needs a dim (max(x) reduces every axis)")
        return ops.amax(x) if op == "max" else ops.amin(x)
    return ops.max_dim(x, dim, keepdim) if op == "max" else ops.min_dim(x, dim, keepdim)


def _const(ops: Any, op: str, x: Any, c: Any) -> Any:
    """A Python number for a scalar primitive on ``x``: a float for a float tensor, an int for
    an int64 tensor (``bool`` counts as a number, as in PyTorch)."""
    if ops._kind(x) == "f":
        return scalar_value(op, c)
    from .base import _scalar_as

    return _scalar_as(op, c, int64)


def _int_arg(op: str, what: str, v: Any) -> int:
    if v.__class__ is int:
        return v
    if not _is_int_value(v):
        raise ArgumentError(f"{op}: {what} must be an int, got {v!r}")
    return int(v)


def _dtype_name(dtype: Any) -> str:
    import numpy as np

    return np.dtype(dtype).name
