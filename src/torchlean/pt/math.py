"""Elementwise math, comparisons and matrix products with ``torch``'s names: the functions
(``torch.exp``, ``torch.clamp``, ``torch.where``, ``torch.addmm``...) and the ``torch.Tensor``
methods (``MathMethods``).

Each function has ``torch``'s signature and semantics and is a thin composite of ``Ops``
methods. Integer and bool inputs are promoted to the binder's float dtype (``ops.dtype``) where
torch promotes (``torch.exp(int_tensor)`` is float); ``abs neg sign floor ceil round trunc
square clamp pow remainder floor_divide`` keep int64, as torch. ``out=`` is refused
(``ArgumentError``): torchlean tensors are immutable. Divergences from PyTorch (see
``docs/for-pytorch-users/math.md``): ``sqrt``'s gradient at 0 is 0 (the seed's; PyTorch's is
inf), ``matmul``/``mm``/``bmm`` take float tensors only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError
from .._core.types import bool_
from .dispatch import is_tensor, tensor, torch_op

__all__ = [
    "abs", "absolute", "addmm", "bmm", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "cos",
    "eq", "erf", "exp", "expm1", "floor", "floor_divide", "ge", "greater", "greater_equal", "gt",
    "le", "less", "less_equal", "log", "log1p", "logical_and", "logical_not", "logical_or",
    "logical_xor", "lt", "matmul", "maximum", "minimum", "mm", "ne", "neg", "negative", "not_equal",
    "outer", "pow", "reciprocal", "remainder", "round", "rsqrt", "sigmoid", "sign", "sin", "sqrt",
    "square", "tanh", "trunc", "where",
]


def _scalar(v: Any) -> Any:
    """NumPy scalars behave as Python scalars (like PyTorch numbers)."""
    if type(v) is float:
        return v
    return v.item() if isinstance(v, np.generic) else v


def no_out(op: str, out: Any) -> None:
    """Refuse ``out=``: torchlean tensors are immutable values."""
    if out is not None:
        raise ArgumentError(f"{op}: out= is not supported (torchlean tensors are immutable; use "
                            "the returned tensor)")


def floated(ops: Any, x: Any) -> Any:
    """``x``, cast to the binder's float dtype if it holds integers or bools (torch promotes)."""
    return x if ops.type_of(x).dtype.kind == "f" else ops.cast(x, ops.dtype)


def _operand(op: str, what: str, v: Any) -> Any:
    """A tensor or a Python number operand (NumPy scalars as numbers)."""
    v = _scalar(v)
    if type(v) in (int, float, bool) or is_tensor(v):
        return v
    raise DTypeError(f"{op}: {what} must be a torchlean tensor or a number, got {type(v).__name__}")


def _unary(name: str, method: str, promote: bool, doc: str) -> Callable[..., Any]:
    def fn(input: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        x = tensor(name, "input", input)
        ops = x.session
        return getattr(ops, method)(floated(ops, x) if promote else x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input)``: {doc}"
    return torch_op(fn, name=name)


def _binary(name: str, method: str, doc: str) -> Callable[..., Any]:
    def fn(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = _operand(name, "input", input), _operand(name, "other", other)
        return getattr(_session(a, b), method)(a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, other)``: {doc}"
    return torch_op(fn, name=name)


def _session(*vals: Any) -> Any:
    for v in vals:
        if is_tensor(v):
            return v.session
    raise DTypeError("expected at least one torchlean tensor operand")


# ----- elementwise unary -------------------------------------------------------------------------
exp = _unary("exp", "exp", True, "e^x; integers promote to float.")
log = _unary("log", "log", True, "natural log (x <= 0 gives -inf/NaN); integers promote.")
log1p = _unary("log1p", "log1p", True, "log(1 + x), accurate near 0; integers promote.")
expm1 = _unary("expm1", "expm1", True, "exp(x) - 1, accurate near 0; integers promote.")
sqrt = _unary("sqrt", "sqrt", True, "square root; the gradient at 0 is 0 (the seed's; PyTorch's is inf).")
rsqrt = _unary("rsqrt", "rsqrt", True, "1 / sqrt(x); integers promote.")
reciprocal = _unary("reciprocal", "inv", True, "1 / x; integers promote.")
sin = _unary("sin", "sin", True, "sine; integers promote.")
cos = _unary("cos", "cos", True, "cosine; integers promote.")
tanh = _unary("tanh", "tanh", True, "hyperbolic tangent; integers promote.")
sigmoid = _unary("sigmoid", "sigmoid", True, "1 / (1 + exp(-x)), stable; integers promote.")
erf = _unary("erf", "erf", True, "the error function; integers promote.")
abs = _unary("abs", "abs", False, "|x| (int64 stays int64); |x|'(0) = 0.")  # noqa: A001
absolute = _unary("absolute", "abs", False, "alias of abs.")
neg = _unary("neg", "neg", False, "-x (int64 stays int64).")
negative = _unary("negative", "neg", False, "alias of neg.")
floor = _unary("floor", "floor", False, "largest integer <= x (int64 unchanged); derivative zero.")
ceil = _unary("ceil", "ceil", False, "smallest integer >= x (int64 unchanged); derivative zero.")
trunc = _unary("trunc", "trunc", False, "x rounded toward zero (int64 unchanged); derivative zero.")
square = _unary("square", "square", False, "x * x (int64 stays int64).")


@torch_op
def sign(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.sign(input)``: -1, 0 or 1 (int64 stays int64, bool is unchanged); derivative zero."""
    no_out("sign", out)
    x = tensor("sign", "input", input)
    return x if x.session.type_of(x).dtype == bool_ else x.session.sign(x)


@torch_op(name="round")
def round(input: Any, *, decimals: int = 0, out: Any = None) -> Any:  # noqa: A001, A002
    """``torch.round(input, *, decimals=0)``: round half to even (int64 unchanged); with
    ``decimals``, PyTorch's ``rint(x * 10**d) / 10**d``. Derivative zero."""
    no_out("round", out)
    x = tensor("round", "input", input)
    return x.session.round(x, decimals)


# ----- elementwise binary ------------------------------------------------------------------------
@torch_op(name="pow")
def pow(input: Any, exponent: Any, *, out: Any = None) -> Any:  # noqa: A001, A002
    """``torch.pow(input, exponent)``: tensors or numbers on either side, promoted as torch
    (int64 ** int stays int64; a negative Python exponent of an integer tensor raises)."""
    no_out("pow", out)
    a, b = _operand("pow", "input", input), _operand("pow", "exponent", exponent)
    return _session(a, b).pow(a, b)


floor_divide = _binary("floor_divide", "floor_divide", "floor division (Python's //), derivative zero; "
                       "integer division by zero raises.")
remainder = _binary("remainder", "remainder", "Python's % (the sign of other), exact; d/dother = "
                    "-floor(input / other).")
maximum = _binary("maximum", "maximum", "elementwise max; ties split the gradient 1/2 - 1/2 (as PyTorch).")
minimum = _binary("minimum", "minimum", "elementwise min; ties split the gradient 1/2 - 1/2 (as PyTorch).")
eq = _binary("eq", "eq", "input == other (bool), broadcasting.")
ne = _binary("ne", "ne", "input != other (bool), broadcasting.")
lt = _binary("lt", "lt", "input < other (bool), broadcasting.")
le = _binary("le", "le", "input <= other (bool), broadcasting.")
gt = _binary("gt", "gt", "input > other (bool), broadcasting.")
ge = _binary("ge", "ge", "input >= other (bool), broadcasting.")
not_equal = _binary("not_equal", "ne", "alias of ne.")
less = _binary("less", "lt", "alias of lt.")
less_equal = _binary("less_equal", "le", "alias of le.")
greater = _binary("greater", "gt", "alias of gt.")
greater_equal = _binary("greater_equal", "ge", "alias of ge.")


def _logical(name: str, method: str) -> Callable[..., Any]:
    def fn(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = _operand(name, "input", input), _operand(name, "other", other)
        ops = _session(a, b)
        a, b = (bool(v) if not is_tensor(v) else ops.cast(v, "bool") for v in (a, b))
        return getattr(ops, method)(a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, other)``: on ``x != 0`` of any dtype; a bool tensor."
    return torch_op(fn, name=name)


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


@torch_op
def logical_not(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.logical_not(input)``: ``input == 0`` for any dtype, a bool tensor."""
    no_out("logical_not", out)
    x = tensor("logical_not", "input", input)
    return x.session.logical_not(x)


@torch_op
def where(condition: Any, input: Any = None, other: Any = None, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.where(condition, input, other)``: input where condition else other (the three
    broadcast; numbers allowed); only the chosen branch gets a gradient. The one-argument form
    (``nonzero``) has a data-dependent shape and raises ``ArgumentError``."""
    no_out("where", out)
    if input is None or other is None:
        raise ArgumentError("where: the one-argument form where(condition) (nonzero) has a "
                            "data-dependent shape and is not supported; give input and other")
    cond = tensor("where", "condition", condition)
    a, b = _operand("where", "input", input), _operand("where", "other", other)
    return cond.session.where(cond, a, b)


# ----- clamp -------------------------------------------------------------------------------------
@torch_op
def clamp(input: Any, min: Any = None, max: Any = None, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.clamp(input, min=None, max=None)``: ``min(max(input, min), max)``; the bounds are
    numbers, tensors (broadcast) or None. The gradient is 1 on the closed interval [min, max]
    (PyTorch's; the seed's ``s.clamp`` is strict); a tensor bound gets it where it is chosen."""
    no_out("clamp", out)
    x = tensor("clamp", "input", input)
    lo = None if min is None else _operand("clamp", "min", min)
    hi = None if max is None else _operand("clamp", "max", max)
    return x.session.clip(x, lo, hi)


@torch_op
def clip(input: Any, min: Any = None, max: Any = None, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.clip``: alias of ``clamp``."""
    return clamp(input, min, max, out=out)


@torch_op
def clamp_min(input: Any, min: Any) -> Any:  # noqa: A002
    """``torch.clamp_min(input, min)``: ``clamp(input, min=min)``."""
    x = tensor("clamp_min", "input", input)
    return x.session.clamp_min(x, _operand("clamp_min", "min", min))


@torch_op
def clamp_max(input: Any, max: Any) -> Any:  # noqa: A002
    """``torch.clamp_max(input, max)``: ``clamp(input, max=max)``."""
    x = tensor("clamp_max", "input", input)
    return x.session.clamp_max(x, _operand("clamp_max", "max", max))


# ----- matrix products ---------------------------------------------------------------------------
@torch_op
def matmul(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.matmul(input, other)``: 1-D operands are promoted, batch axes broadcast; float
    tensors."""
    no_out("matmul", out)
    a, b = tensor("matmul", "input", input), tensor("matmul", "other", other)
    return a.session.matmul(a, b)


@torch_op
def mm(input: Any, mat2: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.mm(input, mat2)``: (n, m) @ (m, p), matrices only (no broadcasting); float tensors."""
    no_out("mm", out)
    a, b = tensor("mm", "input", input), tensor("mm", "mat2", mat2)
    return a.session.mm(a, b)


@torch_op
def bmm(input: Any, mat2: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.bmm(input, mat2)``: (B, n, m) @ (B, m, p), equal batch sizes; float tensors."""
    no_out("bmm", out)
    a, b = tensor("bmm", "input", input), tensor("bmm", "mat2", mat2)
    return a.session.bmm(a, b)


@torch_op
def outer(input: Any, vec2: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.outer(input, vec2)``: the outer product (n,) x (m,) -> (n, m)."""
    no_out("outer", out)
    a, b = tensor("outer", "input", input), tensor("outer", "vec2", vec2)
    return a.session.outer(a, b)


@torch_op
def addmm(input: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1,  # noqa: A002
          out: Any = None) -> Any:
    """``torch.addmm(input, mat1, mat2, *, beta=1, alpha=1)``: ``beta * input + alpha *
    (mat1 @ mat2)``; input broadcasts to (n, p); with ``beta=0`` input is not read."""
    no_out("addmm", out)
    c = tensor("addmm", "input", input)
    a, b = tensor("addmm", "mat1", mat1), tensor("addmm", "mat2", mat2)
    return c.session.addmm(c, a, b, beta, alpha)


# ----- torch.Tensor methods ----------------------------------------------------------------------
class MathMethods:
    """``torch.Tensor`` elementwise, comparison and matrix-product methods: ``x.name(...)`` is
    ``torch.name(x, ...)`` (the function of this module, same semantics and keyword names).

    The hot float methods (``exp log sqrt tanh sigmoid reciprocal``) call the binder directly
    (one frame); an integer or bool tensor falls back to the torch function, which promotes it.
    ``relu``, ``softplus`` and ``detach`` are the seed-era methods."""

    __slots__ = ()
    session: Any

    # hot unary methods: the binder first, the promoting function on a dtype error
    def exp(self) -> Any:
        try:
            return self.session.exp(self)
        except DTypeError:
            return exp(self)

    def log(self) -> Any:
        try:
            return self.session.log(self)
        except DTypeError:
            return log(self)

    def sqrt(self) -> Any:
        try:
            return self.session.sqrt(self)
        except DTypeError:
            return sqrt(self)

    def tanh(self) -> Any:
        try:
            return self.session.tanh(self)
        except DTypeError:
            return tanh(self)

    def sigmoid(self) -> Any:
        try:
            return self.session.sigmoid(self)
        except DTypeError:
            return sigmoid(self)

    def reciprocal(self) -> Any:
        try:
            return self.session.inv(self)
        except DTypeError:
            return reciprocal(self)

    def relu(self) -> Any:
        try:
            return self.session.relu(self)
        except DTypeError:  # an int64 tensor: F.relu keeps it int64, as PyTorch
            from .nn_activation import relu

            return relu(self)

    def abs(self) -> Any:
        return self.session.abs(self)

    def neg(self) -> Any:
        return self.session.neg(self)

    def softplus(self) -> Any:
        """The seed-era method (``torch.nn.functional.softplus`` with beta 1)."""
        return self.session.softplus(self)

    def detach(self) -> Any:
        return self.session.detach(self)

    absolute = abs  # noqa: A003
    negative = neg

    def log1p(self) -> Any:
        return log1p(self)

    def expm1(self) -> Any:
        return expm1(self)

    def rsqrt(self) -> Any:
        return rsqrt(self)

    def sin(self) -> Any:
        return sin(self)

    def cos(self) -> Any:
        return cos(self)

    def erf(self) -> Any:
        return erf(self)

    def sign(self) -> Any:
        return sign(self)

    def floor(self) -> Any:
        return floor(self)

    def ceil(self) -> Any:
        return ceil(self)

    def trunc(self) -> Any:
        return trunc(self)

    def round(self, decimals: int = 0) -> Any:
        return round(self, decimals=decimals)

    def square(self) -> Any:
        return square(self)

    def pow(self, exponent: Any) -> Any:
        return pow(self, exponent)

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        """``torch.Tensor.clamp``: PyTorch's clamp (closed-interval gradient, tensor bounds)."""
        return clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min: Any) -> Any:  # noqa: A002
        return clamp_min(self, min)

    def clamp_max(self, max: Any) -> Any:  # noqa: A002
        return clamp_max(self, max)

    def floor_divide(self, other: Any) -> Any:
        return floor_divide(self, other)

    def remainder(self, other: Any) -> Any:
        return remainder(self, other)

    def maximum(self, other: Any) -> Any:
        return self.session.maximum(self, _scalar(other))

    def minimum(self, other: Any) -> Any:
        return self.session.minimum(self, _scalar(other))

    def eq(self, other: Any) -> Any:
        return eq(self, other)

    def ne(self, other: Any) -> Any:
        return ne(self, other)

    def lt(self, other: Any) -> Any:
        return lt(self, other)

    def le(self, other: Any) -> Any:
        return le(self, other)

    def gt(self, other: Any) -> Any:
        return gt(self, other)

    def ge(self, other: Any) -> Any:
        return ge(self, other)

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def logical_and(self, other: Any) -> Any:
        return logical_and(self, other)

    def logical_or(self, other: Any) -> Any:
        return logical_or(self, other)

    def logical_xor(self, other: Any) -> Any:
        return logical_xor(self, other)

    def logical_not(self) -> Any:
        return logical_not(self)

    def where(self, condition: Any, other: Any) -> Any:
        """``torch.Tensor.where(condition, other)``: ``torch.where(condition, self, other)``."""
        return where(condition, self, other)

    def matmul(self, other: Any) -> Any:
        return self.session.matmul(self, other)

    def mm(self, mat2: Any) -> Any:
        return mm(self, mat2)

    def bmm(self, mat2: Any) -> Any:
        return bmm(self, mat2)

    def outer(self, vec2: Any) -> Any:
        return outer(self, vec2)

    def addmm(self, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Any:
        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)
