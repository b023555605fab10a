"""Comparisons (bool outputs) and dtype casts.

``eq ne lt le gt ge`` compare two tensors of one dtype and equal shape (the front end
broadcasts and lifts Python scalars) and give a bool tensor; they are not differentiable (rule
``None``: a bool output carries no gradient). NaN compares unequal to everything, as IEEE.

Casts are two primitives, so each has one fixed rule per input: ``astype`` between the float
dtypes is differentiable (its VJP casts the cotangent back), ``cast`` to or from a non-float
dtype (bool masks to floats, floats to int64 indices...) is not. A float -> int ``cast``
truncates toward zero, as ``torch.Tensor.long()``: this is the one place torchlean truncates,
because the user asked for it by name.
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop
from .._core.types import TENSOR_DTYPES, TensorType, as_dtype, bool_


def _compare_shape(op: str):
    def rule(a: TensorType, b: TensorType) -> TensorType:
        if a.shape != b.shape:
            raise ShapeError(f"{op}: operands must have equal shapes after broadcasting, "
                             f"got {a.shape} and {b.shape}")
        if a.dtype != b.dtype:
            raise DTypeError(f"{op}: operands must share one dtype, got {a.dtype.name} and {b.dtype.name}")
        return TensorType(a.shape, bool_)

    return rule


def _compare(name: str, ufunc: str, doc: str):
    return defop(name, shape=_compare_shape(name), impl=lambda xp, a, b: getattr(xp, ufunc)(a, b),
                 vjp=[None, None], jvp=[None, None], doc=doc)


eq_p = _compare("eq", "equal", "a == b elementwise (bool).")
ne_p = _compare("ne", "not_equal", "a != b elementwise (bool); NaN != NaN.")
lt_p = _compare("lt", "less", "a < b elementwise (bool).")
le_p = _compare("le", "less_equal", "a <= b elementwise (bool).")
gt_p = _compare("gt", "greater", "a > b elementwise (bool).")
ge_p = _compare("ge", "greater_equal", "a >= b elementwise (bool).")


def _cast_shape(op: str, differentiable: bool):
    def rule(x: TensorType, *, dtype: str) -> TensorType:
        dt = as_dtype(dtype, op)
        if dt not in TENSOR_DTYPES:
            raise DTypeError(f"{op}: cannot cast to {dt.name} (float32, float64, int64 or bool)")
        both_float = x.dtype.kind == "f" and dt.kind == "f"
        if both_float != differentiable:
            other = "astype" if not differentiable else "cast"
            raise DTypeError(f"{op}: {x.dtype.name} -> {dt.name} is a job for {other}")
        return TensorType(x.shape, dt)

    return rule


def _cast_impl(xp, x, *, dtype):
    return x.astype(dtype)


astype_p = defop(
    "astype", shape=_cast_shape("astype", True), impl=_cast_impl,
    vjp=[lambda ops, g, out, x, *, dtype: ops.astype(g, ops.type_of(x).dtype)],
    jvp=[lambda ops, t, out, x, *, dtype: ops.astype(t, dtype)],
    doc="Cast between float32 and float64 (round to nearest); the cotangent is cast back.",
)
cast_p = defop(
    "cast", shape=_cast_shape("cast", False), impl=_cast_impl, vjp=[None], jvp=[None],
    doc="Cast to or from a non-float dtype (bool -> float 0/1, float -> int64 truncating toward "
        "zero, int -> bool nonzero); not differentiable.",
)


# ----- bitwise / logical ops (bool and int64) -------------------------------------------------
def _bitwise_shape(op: str):
    def rule(a: TensorType, b: TensorType) -> TensorType:
        if a.shape != b.shape:
            raise ShapeError(f"{op}: operands must have equal shapes after broadcasting, "
                             f"got {a.shape} and {b.shape}")
        if a.dtype != b.dtype or a.dtype.kind not in "bi":
            raise DTypeError(f"{op}: expected two bool or two int64 tensors, got {a.dtype.name} and "
                             f"{b.dtype.name}")
        return a

    return rule


def _bitwise(name: str, ufunc: str, doc: str):
    return defop(name, shape=_bitwise_shape(name), impl=lambda xp, a, b: getattr(xp, ufunc)(a, b),
                 vjp=[None, None], jvp=[None, None], doc=doc)


bitwise_and_p = _bitwise("bitwise_and", "bitwise_and", "a & b: logical and for bools, bitwise for int64.")
bitwise_or_p = _bitwise("bitwise_or", "bitwise_or", "a | b: logical or for bools, bitwise for int64.")
bitwise_xor_p = _bitwise("bitwise_xor", "bitwise_xor", "a ^ b: logical xor for bools, bitwise for int64.")


def _not_shape(x: TensorType) -> TensorType:
    if x.dtype.kind not in "bi":
        raise DTypeError(f"bitwise_not: expected a bool or int64 tensor, got {x.dtype.name}")
    return x


bitwise_not_p = defop("bitwise_not", shape=_not_shape, impl=lambda xp, x: xp.invert(x),
                      vjp=[None], jvp=[None], doc="~x: logical not for bools, bitwise not for int64.")


# ----- where ----------------------------------------------------------------------------------
def _where_shape(cond: TensorType, a: TensorType, b: TensorType) -> TensorType:
    if cond.dtype != bool_:
        raise DTypeError(f"where: the condition must be a bool tensor, got {cond.dtype.name}")
    if a.dtype != b.dtype:
        raise DTypeError(f"where: the two branches must share one dtype, got {a.dtype.name} and {b.dtype.name}")
    if not cond.shape == a.shape == b.shape:
        raise ShapeError(f"where: condition and branches must have equal shapes after broadcasting, "
                         f"got {cond.shape}, {a.shape} and {b.shape}")
    return a


where_p = defop(
    "where", shape=_where_shape, impl=lambda xp, cond, a, b: xp.where(cond, a, b),
    vjp=[None,
         lambda ops, g, out, cond, a, b: ops.where(cond, g, 0.0),
         lambda ops, g, out, cond, a, b: ops.where(cond, 0.0, g)],
    jvp=[None,
         lambda ops, t, out, cond, a, b: ops.where(cond, t, 0.0),
         lambda ops, t, out, cond, a, b: ops.where(cond, 0.0, t)],
    doc="a where cond else b (elementwise, equal shapes); the gradient goes to the chosen branch "
        "only (a NaN in the other branch does not leak into it).",
)
