"""More of ``torch``'s elementwise math: the method forms of arithmetic (``x.add(y, alpha=2)``,
``x.div(y, rounding_mode='floor')``...), trigonometry and its inverses, hyperbolic functions,
``log2 log10 exp2 erfc logit xlogy atan2 hypot fmod copysign fmax fmin frac sgn signbit
heaviside float_power sinc deg2rad rad2deg lerp addcmul addcdiv`` and the NaN/inf tests
(``isnan isinf isfinite isposinf isneginf isreal nan_to_num``), as functions; the
``torch.Tensor`` methods (``MathExtraMethods``) are in ``math_extra_methods.py``.

The new primitives are in ``ops/elementwise_extra.py``; everything else is a composite of
existing ``Ops`` methods chosen to give torch's values exactly (``frac`` is ``x - trunc(x)``,
``sinc`` is ``sin(pi x) / (pi x)`` with 1 at 0, ``lerp`` is torch's two-branch formula, ``fmax``
is a ``where``...). Integer and bool inputs promote to the binder's float dtype where torch
promotes; ``fmod``, ``fmax``, ``fmin``, ``div(rounding_mode=...)``, ``add``/``sub``/``mul``
keep int64. Divergences are listed in ``docs/for-pytorch-users/math.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError
from .._core.registry import REGISTRY as P
from .dispatch import is_tensor, tensor, torch_op
from .math import _operand, _session, floated, no_out
from .math import sign as _sign

__all__ = [
    "acos", "acosh", "add", "addcdiv", "addcmul", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "asin", "asinh", "atan", "atan2", "atanh", "copysign", "cosh", "deg2rad", "div",
    "divide", "erfc", "exp2", "float_power", "fmax", "fmin", "fmod", "frac", "heaviside", "hypot",
    "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "lerp", "log10", "log2", "logit",
    "mul", "multiply", "nan_to_num", "positive", "rad2deg", "sgn", "signbit", "sinc", "sinh", "sub",
    "subtract", "tan", "true_divide", "xlogy",
]


def _kind(ops: Any, v: Any) -> str:
    """The dtype kind of a tensor operand, or of a Python number (``b``, ``i``, ``f``)."""
    if is_tensor(v):
        return ops.type_of(v).dtype.kind
    return "b" if isinstance(v, bool) else ("i" if isinstance(v, int) else "f")


def _factor(op: str, what: str, ops: Any, c: Any, *vals: Any) -> Any:
    """A Python-number multiplier (``alpha``/``value``), refused as torch refuses it: a float
    for an integer result, a bool for a non-bool one."""
    c = c.item() if isinstance(c, np.generic) else c
    if type(c) not in (int, float, bool):
        raise ArgumentError(f"{op}: {what} must be a number, got {type(c).__name__} {c!r:.40}")
    kinds = {_kind(ops, v) for v in vals}
    if "f" not in kinds and isinstance(c, float):
        raise ArgumentError(f"{op}: for integer or bool inputs {what} must be an integer, got {c!r}")
    if isinstance(c, bool) and kinds != {"b"}:
        raise ArgumentError(f"{op}: a bool {what} is only supported for bool inputs, got {what}={c!r}")
    return c


def _scaled(ops: Any, v: Any, c: Any, like: Any) -> Any:
    """``c * v`` for a tensor or number ``v`` (an integer tensor times a float takes ``like``'s
    float dtype, so that float64 stays float64 in a float32 session)."""
    if c == 1 and not isinstance(c, bool):
        return v
    if not is_tensor(v):
        return c * v
    if isinstance(c, float) and ops.type_of(v).dtype.kind != "f":
        dt = ops.type_of(like).dtype if is_tensor(like) and ops.type_of(like).dtype.kind == "f" else ops.dtype
        v = ops.cast(v, dt)
    return ops.mul(v, c)


def _promoted(ops: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """An integer or bool tensor next to a float tensor, cast to that float dtype first (torch's
    promotion; ``Ops.add``'s equal-shape fast path expects one dtype)."""
    if is_tensor(a) and is_tensor(b):
        ka, kb = ops.type_of(a).dtype.kind, ops.type_of(b).dtype.kind
        if ka == "f" and kb != "f":
            b = ops.cast(b, ops.type_of(a).dtype)
        elif kb == "f" and ka != "f":
            a = ops.cast(a, ops.type_of(b).dtype)
    return a, b


# ----- arithmetic method forms ---------------------------------------------------------------------
def _additive(name: str, method: str) -> Callable[..., Any]:
    def fn(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = _operand(name, "input", input), _operand(name, "other", other)
        ops = _session(a, b)
        c = _factor(name, "alpha", ops, alpha, a, b)
        return getattr(ops, method)(*_promoted(ops, a, _scaled(ops, b, c, a)))

    sign = "+" if method == "add" else "-"
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``torch.{name}(input, other, *, alpha=1)``: ``input {sign} alpha * other`` with "
                  "broadcasting and torch's promotion (a float alpha with integer inputs raises).")
    return torch_op(fn, name=name)


add = _additive("add", "add")
sub = _additive("sub", "sub")
subtract = _additive("subtract", "sub")


def _product(name: str) -> Callable[..., Any]:
    def fn(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = _operand(name, "input", input), _operand(name, "other", other)
        ops = _session(a, b)
        return ops.mul(*_promoted(ops, a, b))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, other)``: ``input * other`` (bool * bool is logical and)."
    return torch_op(fn, name=name)


mul = _product("mul")
multiply = _product("multiply")


def _trunc_int(ops: Any, a: Any, b: Any) -> Any:
    """Integer division rounding toward zero (C's ``/``), exactly: floor(a / b) plus one where
    the remainder is nonzero and the signs differ."""
    a, b = ops._pair("div", a, b)
    q = ops.floor_divide(a, b)
    fix = ops.logical_and(ops.ne(ops.remainder(a, b), 0), ops.logical_xor(ops.lt(a, 0), ops.lt(b, 0)))
    return ops.add(q, ops.cast(fix, "int64"))


def _division(name: str) -> Callable[..., Any]:
    def fn(input: Any, other: Any, *, rounding_mode: Any = None, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = _operand(name, "input", input), _operand(name, "other", other)
        ops = _session(a, b)
        a, b = _promoted(ops, a, b)
        if rounding_mode is None:
            return ops.div(a, b)
        if rounding_mode == "floor":
            return ops.floor_divide(a, b)
        if rounding_mode == "trunc":
            if "f" in (_kind(ops, a), _kind(ops, b)):
                return ops.trunc(ops.div(a, b))
            return _trunc_int(ops, a, b)
        raise ArgumentError(f"{name}: expected rounding_mode to be one of None, 'trunc', or 'floor', "
                            f"got {rounding_mode!r:.40}")

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``torch.{name}(input, other, *, rounding_mode=None)``: true division (integers "
                  "give floats), or with ``'trunc'``/``'floor'`` the quotient rounded toward zero / "
                  "down (int64 stays int64; integer division by zero raises; derivative zero).")
    return torch_op(fn, name=name)


div = _division("div")
divide = _division("divide")


@torch_op
def true_divide(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.true_divide(input, other)``: ``div`` without rounding (integers give floats)."""
    no_out("true_divide", out)
    a, b = _operand("true_divide", "input", input), _operand("true_divide", "other", other)
    ops = _session(a, b)
    return ops.div(*_promoted(ops, a, b))


@torch_op
def positive(input: Any) -> Any:  # noqa: A002
    """``torch.positive(input)``: ``input`` itself; a bool tensor raises, as torch."""
    x = tensor("positive", "input", input)
    if x.dtype.kind == "b":
        raise DTypeError("positive: the + operator on a bool tensor is not supported (as in PyTorch); "
                         "use ~ or logical_not() to invert a mask")
    return x


# ----- unary primitives (integers promote) -----------------------------------------------------------
def _unary(name: str, prim: str, doc: str, namespace: str = "torch") -> Callable[..., Any]:
    """``<namespace>.<name>(input)``: the primitive ``prim`` on the input, integers promoted."""
    p = P[prim]

    def fn(input: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        x = tensor(name, "input", input)
        ops = x.session
        return ops.bind(p, floated(ops, x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{namespace}.{name}(input)``: {doc}"
    return torch_op(fn, name=name)


tan = _unary("tan", "tan", "tangent; integers promote.")
asin = _unary("asin", "asin", "inverse sine (NaN outside [-1, 1]); the gradient is inf at +-1.")
acos = _unary("acos", "acos", "inverse cosine (NaN outside [-1, 1]); the gradient is -inf at +-1.")
atan = _unary("atan", "atan", "inverse tangent.")
sinh = _unary("sinh", "sinh", "hyperbolic sine.")
cosh = _unary("cosh", "cosh", "hyperbolic cosine.")
asinh = _unary("asinh", "asinh", "inverse hyperbolic sine.")
acosh = _unary("acosh", "acosh", "inverse hyperbolic cosine (NaN below 1); the gradient is inf at 1.")
atanh = _unary("atanh", "atanh", "inverse hyperbolic tangent (+-inf at +-1, NaN outside).")
arcsin = _unary("arcsin", "asin", "alias of asin.")
arccos = _unary("arccos", "acos", "alias of acos.")
arctan = _unary("arctan", "atan", "alias of atan.")
arcsinh = _unary("arcsinh", "asinh", "alias of asinh.")
arccosh = _unary("arccosh", "acosh", "alias of acosh.")
arctanh = _unary("arctanh", "atanh", "alias of atanh.")
log2 = _unary("log2", "log2", "base-2 log (-inf at 0, NaN below).")
log10 = _unary("log10", "log10", "base-10 log (-inf at 0, NaN below).")
exp2 = _unary("exp2", "exp2", "2 ** input.")
erfc = _unary("erfc", "erfc", "1 - erf(input), accurate in the tails.")


def _float_pair(ops: Any, name: str, a: Any, b: Any) -> tuple[Any, Any]:
    """Broadcast operands promoted to one float dtype (integers to the binder's)."""
    return ops._pair(name, a, b, "float")


def _binary(name: str, prim: str, doc: str) -> Callable[..., Any]:
    p = P[prim]

    def fn(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = _operand(name, "input", input), _operand(name, "other", other)
        ops = _session(a, b)
        return ops.bind(p, *_float_pair(ops, name, a, b))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, other)``: {doc}"
    return torch_op(fn, name=name)


atan2 = _binary("atan2", "atan2", "the angle of (other, input) in (-pi, pi]; integers promote.")
arctan2 = _binary("arctan2", "atan2", "alias of atan2.")
hypot = _binary("hypot", "hypot", "sqrt(input^2 + other^2) without overflow.")


@torch_op
def fmod(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.fmod(input, other)``: C's fmod (the sign of input), exact; int64 stays int64 and
    integer fmod by zero raises. d/dinput = 1, d/dother = -trunc(input / other)."""
    no_out("fmod", out)
    a, b = _operand("fmod", "input", input), _operand("fmod", "other", other)
    ops = _session(a, b)
    return ops.bind(P["fmod"], *ops._pair("fmod", a, b))


@torch_op
def signbit(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.signbit(input)``: whether the sign bit is set (True for -0.0); integers: x < 0."""
    no_out("signbit", out)
    x = tensor("signbit", "input", input)
    ops = x.session
    kind = ops.type_of(x).dtype.kind
    if kind == "f":
        return ops.bind(P["signbit"], x)
    return ops.lt(ops.cast(x, "int64") if kind == "b" else x, 0)


@torch_op
def copysign(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.copysign(input, other)``: |input| with the sign (bit) of other; integers promote.
    The gradient of input is sign(input) * sign(result) (0 at input = 0); other gets none."""
    no_out("copysign", out)
    a, b = _operand("copysign", "input", input), _operand("copysign", "other", other)
    ops = _session(a, b)
    a, b = _float_pair(ops, "copysign", a, b)
    mag = ops.abs(a)
    return ops.where(ops.bind(P["signbit"], b), ops.neg(mag), mag)


def _nan_ignoring(name: str, cmp: str) -> Callable[..., Any]:
    def fn(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = _operand(name, "input", input), _operand(name, "other", other)
        ops = _session(a, b)
        a, b = ops._pair(name, a, b)
        return ops.where(ops.logical_or(getattr(ops, cmp)(a, b), ops.ne(b, b)), a, b)

    which = "max" if name == "fmax" else "min"
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``torch.{name}(input, other)``: the elementwise {which}imum ignoring NaN (NaN only "
                  "where both are NaN); the gradient goes to input on ties, as torch.")
    return torch_op(fn, name=name)


fmax = _nan_ignoring("fmax", "ge")
fmin = _nan_ignoring("fmin", "le")


@torch_op
def frac(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.frac(input)``: ``input - trunc(input)`` (exact), float tensors only as torch."""
    no_out("frac", out)
    x = tensor("frac", "input", input)
    ops = x.session
    if ops.type_of(x).dtype.kind != "f":
        raise DTypeError(f"frac: expected a float tensor, got {ops.type_of(x).dtype.name} (as PyTorch)")
    return ops.sub(x, ops.trunc(x))


@torch_op
def sgn(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.sgn(input)``: ``sign`` for real tensors."""
    no_out("sgn", out)
    return _sign(input)


@torch_op
def heaviside(input: Any, values: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.heaviside(input, values)``: 0 where input < 0, values where input == 0, 1 where
    input > 0; input and values share one dtype, as torch. Not differentiable (PyTorch raises
    in backward; here no gradient flows)."""
    no_out("heaviside", out)
    x, v = tensor("heaviside", "input", input), tensor("heaviside", "values", values)
    ops = x.session
    tx, tv = ops.type_of(x), ops.type_of(v)
    if tx.dtype != tv.dtype:
        raise DTypeError(f"heaviside: input and values must have one dtype, got {tx.dtype.name} and "
                         f"{tv.dtype.name} (as PyTorch)")
    x, v = ops.detach(x), ops.detach(v)
    zero = False if tx.dtype.kind == "b" else 0
    return ops.where(ops.eq(x, zero), v, ops.cast(ops.gt(x, zero), tx.dtype))


@torch_op
def float_power(input: Any, exponent: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.float_power(input, exponent)``: ``pow`` in float64 (tensors are cast to float64,
    numbers to Python floats), whatever the input dtype."""
    no_out("float_power", out)
    a, b = _operand("float_power", "input", input), _operand("float_power", "exponent", exponent)
    ops = _session(a, b)
    a, b = (ops.cast(v, "float64") if is_tensor(v) else float(v) for v in (a, b))
    return ops.pow(a, b)


@torch_op
def sinc(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.sinc(input)``: ``sin(pi x) / (pi x)`` (torch's formula), 1 at 0 with gradient 0."""
    no_out("sinc", out)
    x = tensor("sinc", "input", input)
    ops = x.session
    x = floated(ops, x)
    zero = ops.eq(x, 0.0)
    px = ops.scale(ops.where(zero, 1.0, x), math.pi)  # 0 replaced first: no 0/0 in the gradient
    return ops.where(zero, 1.0, ops.div(ops.sin(px), px))


@torch_op
def deg2rad(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.deg2rad(input)``: ``input * (pi / 180)``; integers promote."""
    no_out("deg2rad", out)
    x = tensor("deg2rad", "input", input)
    return x.session.scale(floated(x.session, x), math.pi / 180.0)


@torch_op
def rad2deg(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.rad2deg(input)``: ``input * (180 / pi)``; integers promote."""
    no_out("rad2deg", out)
    x = tensor("rad2deg", "input", input)
    return x.session.scale(floated(x.session, x), 180.0 / math.pi)


@torch_op
def lerp(input: Any, end: Any, weight: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.lerp(input, end, weight)``: ``input + weight * (end - input)`` for |weight| < 0.5,
    else ``end - (end - input) * (1 - weight)`` (torch's formula); float tensors of one dtype,
    ``weight`` a number or a tensor (broadcast)."""
    no_out("lerp", out)
    x, e = tensor("lerp", "input", input), tensor("lerp", "end", end)
    ops = x.session
    tx, te = ops.type_of(x), ops.type_of(e)
    if tx.dtype.kind != "f" or tx.dtype != te.dtype:
        raise DTypeError(f"lerp: input and end must be float tensors of one dtype, got {tx.dtype.name} "
                         f"and {te.dtype.name}")
    w = _operand("lerp", "weight", weight)
    d = ops.sub(e, x)
    if not is_tensor(w):
        w = float(w)
        return ops.add(x, ops.mul(d, w)) if abs(w) < 0.5 else ops.sub(e, ops.mul(d, 1.0 - w))
    if ops.type_of(w).dtype != tx.dtype:
        raise DTypeError(f"lerp: weight must have input's dtype {tx.dtype.name}, got {ops.type_of(w).dtype.name}")
    small = ops.add(x, ops.mul(w, d))
    large = ops.sub(e, ops.mul(d, ops.add_scalar(ops.neg(w), 1.0)))
    return ops.where(ops.lt(ops.abs(w), 0.5), small, large)


def _addc(name: str) -> Callable[..., Any]:
    def fn(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        x = tensor(name, "input", input)
        t1, t2 = tensor(name, "tensor1", tensor1), tensor(name, "tensor2", tensor2)
        ops = x.session
        c = _factor(name, "value", ops, value, x, t1, t2)
        if name == "addcdiv":
            if "f" not in {_kind(ops, v) for v in (t1, t2)}:
                raise DTypeError("addcdiv: integer division with addcdiv is not supported (as PyTorch); "
                                 "use addcmul(input, tensor1, 1 / tensor2) or cast to float")
            return ops.add(*_promoted(ops, x, _scaled(ops, ops.div(*_promoted(ops, t1, t2)), c, x)))
        return ops.add(*_promoted(ops, x, ops.mul(*_promoted(ops, _scaled(ops, t1, c, x), t2))))

    op = "*" if name == "addcmul" else "/"
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``torch.{name}(input, tensor1, tensor2, *, value=1)``: ``input + value * tensor1 "
                  f"{op} tensor2`` with broadcasting.")
    return torch_op(fn, name=name)


addcmul = _addc("addcmul")
addcdiv = _addc("addcdiv")


@torch_op
def logit(input: Any, eps: Any = None) -> Any:  # noqa: A002
    """``torch.logit(input, eps=None)``: ``log(x / (1 - x))`` (torch's formula), with x clamped to
    [eps, 1 - eps] first when eps is given (gradient 0 outside, as torch); integers promote."""
    x = tensor("logit", "input", input)
    ops = x.session
    x = floated(ops, x)
    if eps is not None:
        eps = eps.item() if isinstance(eps, np.generic) else eps
        if type(eps) not in (int, float):
            raise ArgumentError(f"logit: eps must be a number or None, got {type(eps).__name__}")
        eps = float(eps)
        x = ops.clip(x, eps, 1.0 - eps)
    return ops.log(ops.div(x, ops.add_scalar(ops.neg(x), 1.0)))


@torch_op
def xlogy(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.xlogy(input, other)``: ``input * log(other)``, 0 where input == 0 unless other is
    NaN; numbers on either side, integers promote; torch's gradients."""
    no_out("xlogy", out)
    a, b = _operand("xlogy", "input", input), _operand("xlogy", "other", other)
    ops = _session(a, b)
    return ops.bind(P["xlogy"], *_float_pair(ops, "xlogy", a, b))


# ----- NaN / inf tests -------------------------------------------------------------------------------
def _test(name: str, float_fn: Callable[[Any, Any], Any], other: bool, doc: str) -> Callable[..., Any]:
    def fn(input: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        x = tensor(name, "input", input)
        ops = x.session
        if ops.type_of(x).dtype.kind == "f":
            return float_fn(ops, x)
        b = ops.cast(x, "bool")
        return ops.eq(b, b) if other else ops.ne(b, b)  # all True / all False

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input)``: {doc} (a bool tensor; integer and bool inputs are finite)."
    return torch_op(fn, name=name)


isnan = _test("isnan", lambda ops, x: ops.ne(x, x), False, "whether each element is NaN")
isinf = _test("isinf", lambda ops, x: ops.eq(ops.abs(x), math.inf), False, "whether each element is +-inf")
isfinite = _test("isfinite", lambda ops, x: ops.lt(ops.abs(x), math.inf), True,
                 "whether each element is finite (not NaN or +-inf)")
isposinf = _test("isposinf", lambda ops, x: ops.eq(x, math.inf), False, "whether each element is +inf")
isneginf = _test("isneginf", lambda ops, x: ops.eq(x, -math.inf), False, "whether each element is -inf")


@torch_op
def isreal(input: Any) -> Any:  # noqa: A002
    """``torch.isreal(input)``: True everywhere (torchlean tensors are real)."""
    x = tensor("isreal", "input", input)
    b = x.session.cast(x, "bool")
    return x.session.eq(b, b)


@torch_op
def nan_to_num(input: Any, nan: Any = 0.0, posinf: Any = None, neginf: Any = None, *,  # noqa: A002
               out: Any = None) -> Any:
    """``torch.nan_to_num(input, nan=0.0, posinf=None, neginf=None)``: NaN, +inf and -inf replaced
    (by default with 0 and the dtype's largest and lowest finite values); integer and bool
    tensors are returned unchanged. The gradient is 1 where input is finite, else 0."""
    no_out("nan_to_num", out)
    x = tensor("nan_to_num", "input", input)
    ops = x.session
    dt = ops.type_of(x).dtype
    vals = []
    for what, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        v = v.item() if isinstance(v, np.generic) else v
        if v is not None and type(v) not in (int, float, bool):
            raise ArgumentError(f"nan_to_num: {what} must be a number or None, got {type(v).__name__}")
        vals.append(v)
    if dt.kind != "f":
        return x
    fi = np.finfo(dt)
    nan, posinf, neginf = (float(d if v is None else v) for v, d in zip(vals, (0.0, fi.max, fi.min)))
    y = ops.where(ops.ne(x, x), nan, x)
    y = ops.where(ops.eq(x, math.inf), posinf, y)
    return ops.where(ops.eq(x, -math.inf), neginf, y)
