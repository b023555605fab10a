"""``torch.nn.functional`` activations with PyTorch's names, signatures, defaults and gradients.

``relu relu6 leaky_relu elu selu celu gelu silu mish softplus hardtanh hardsigmoid hardswish
logsigmoid sigmoid tanh softmax log_softmax softmin glu``. Composites of ``Ops`` methods (the
``elu`` primitive backs elu/selu/celu); gradients at kinks are PyTorch's: relu'(0) = 0,
leaky_relu'(0) = negative_slope, elu'(0) = alpha, hardtanh/relu6/hardsigmoid have zero
gradient at their bounds, hardswish'(-3) = 0 and hardswish'(3) = 1.

``inplace=`` is accepted and ignored: torchlean values are immutable, so the result is always a
new tensor (the same values PyTorch's in-place variant leaves in its input).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import normalize_axis
from .._core.types import float_dtype
from .dispatch import tensor, torch_op
from .nn_common import float_tensor, integer, number

__all__ = [
    "celu", "elu", "gelu", "glu", "hardsigmoid", "hardswish", "hardtanh", "leaky_relu",
    "logsigmoid", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "softmin", "softplus", "tanh",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = math.sqrt(0.5)


def _numeric(op: str, v: Any) -> Any:
    """A float or int64 tensor (the ops that PyTorch also runs on integers)."""
    v = tensor(op, "input", v)
    if v.dtype.kind not in "fi":
        raise DTypeError(f"{op}: input must be a float or int64 tensor, got {v.dtype.name}")
    return v


def _as_float(op: str, v: Any) -> Any:
    """A float tensor; an integer one is promoted to the binder's float dtype, as
    ``torch.sigmoid(long_tensor)`` gives float32."""
    v = tensor(op, "input", v)
    if v.dtype.kind == "f":
        return v
    if v.dtype.kind == "b":
        raise DTypeError(f"{op}: input must be a float or integer tensor, got bool")
    return v.session.cast(v, v.session.dtype)


# ----- rectifiers ---------------------------------------------------------------------------
@torch_op
def relu(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    """max(x, 0); relu'(0) = 0. int64 tensors stay int64, as PyTorch."""
    x = _numeric("relu", input)
    ops = x.session
    return ops.relu(x) if x.dtype.kind == "f" else ops.maximum(x, 0)


@torch_op
def relu6(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    """min(max(x, 0), 6) (``hardtanh(x, 0, 6)``): gradient 1 strictly inside (0, 6)."""
    x = _numeric("relu6", input)
    ops = x.session
    if x.dtype.kind == "f":
        return ops.clamp(x, 0.0, 6.0)
    return ops.minimum(ops.maximum(x, 0), 6)


@torch_op
def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Any:  # noqa: A002
    """x clamped to [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the bounds
    (PyTorch's ``hardtanh_backward``). An int64 input needs integral bounds."""
    op = "hardtanh"
    x = _numeric(op, input)
    lo, hi = number(op, "min_val", min_val, finite=False), number(op, "max_val", max_val, finite=False)
    if hi < lo:
        raise ArgumentError(f"{op}: max_val ({max_val!r}) cannot be lower than min_val ({min_val!r})")
    ops = x.session
    if x.dtype.kind == "f":
        return ops.clamp(x, lo, hi)
    if lo != int(lo) or hi != int(hi):
        raise DTypeError(f"{op}: an int64 input needs integral bounds, got min_val={min_val!r}, "
                         f"max_val={max_val!r}")
    return ops.minimum(ops.maximum(x, int(lo)), int(hi))


@torch_op
def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:  # noqa: A002
    """x where x > 0, else negative_slope * x; the gradient at 0 is negative_slope (PyTorch)."""
    x = float_tensor("leaky_relu", "input", input)
    slope = number("leaky_relu", "negative_slope", negative_slope)
    ops = x.session
    return ops.where(ops.gt(x, 0.0), x, ops.scale(x, slope))


# ----- exponential units (the elu primitive) -------------------------------------------------
@torch_op
def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:  # noqa: A002
    """x where x > 0, else alpha * (exp(x) - 1) (computed with expm1)."""
    x = float_tensor("elu", "input", input)
    return x.session.elu(x, number("elu", "alpha", alpha))


@torch_op
def selu(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    """scale * elu(x, alpha) with SELU's constants (alpha = 1.6733, scale = 1.0507)."""
    x = float_tensor("selu", "input", input)
    return x.session.elu(x, _SELU_ALPHA, _SELU_SCALE)


@torch_op
def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:  # noqa: A002
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha must be nonzero."""
    x = float_tensor("celu", "input", input)
    a = number("celu", "alpha", alpha)
    if a == 0:
        raise ArgumentError("celu: alpha must be nonzero (celu divides by it)")
    return x.session.elu(x, a, 1.0, 1.0 / a)


# ----- smooth activations ------------------------------------------------------------------
@torch_op
def gelu(input: Any, *, approximate: str = "none") -> Any:  # noqa: A002
    """GELU. ``approximate='none'`` (the default, as PyTorch) is the exact
    ``x * 0.5 * (1 + erf(x / sqrt(2)))``; ``'tanh'`` is the tanh approximation (the seed's
    ``s.gelu``)."""
    x = float_tensor("gelu", "input", input)
    ops = x.session
    if approximate == "tanh":
        return ops.gelu(x)
    if approximate != "none":
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return ops.mul(ops.scale(x, 0.5), ops.add_scalar(ops.erf(ops.scale(x, _SQRT1_2)), 1.0))


@torch_op
def silu(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    """x * sigmoid(x) (swish)."""
    x = float_tensor("silu", "input", input)
    return x.session.silu(x)


@torch_op
def mish(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    """x * tanh(softplus(x))."""
    x = float_tensor("mish", "input", input)
    ops = x.session
    return ops.mul(x, ops.tanh(ops.softplus(x)))


@torch_op
def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:  # noqa: A002
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (PyTorch's
    switch to the linear function, gradient 1 there). beta must be nonzero."""
    op = "softplus"
    x = float_tensor(op, "input", input)
    b = number(op, "beta", beta)
    thr = number(op, "threshold", threshold, finite=False)
    if b == 0:
        raise ArgumentError(f"{op}: beta must be nonzero (softplus divides by it)")
    ops = x.session
    xb = x if b == 1.0 else ops.scale(x, b)
    soft = ops.softplus(xb)
    if b != 1.0:
        soft = ops.div_scalar(soft, b)
    return ops.where(ops.gt(xb, thr), x, soft)


@torch_op
def logsigmoid(input: Any) -> Any:  # noqa: A002
    """log(sigmoid(x)) = -softplus(-x), stable for any x."""
    x = float_tensor("logsigmoid", "input", input)
    ops = x.session
    return ops.neg(ops.softplus(ops.neg(x)))






@torch_op
def sigmoid(input: Any) -> Any:  # noqa: A002
    """1 / (1 + exp(-x)) (stable); an integer input is promoted to the float dtype. (F.sigmoid's
    signature; ``tl.sigmoid`` is torch.sigmoid's, with ``out=``.)"""
    x = _as_float("sigmoid", input)
    return x.session.sigmoid(x)


@torch_op
def tanh(input: Any) -> Any:  # noqa: A002
    """tanh(x); an integer input is promoted to the float dtype (F.tanh's signature)."""
    x = _as_float("tanh", input)
    return x.session.tanh(x)


# ----- piecewise-linear "hard" activations ---------------------------------------------------
@torch_op
def hardsigmoid(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    """min(max(x + 3, 0), 6) / 6; gradient 1/6 strictly inside (-3, 3)."""
    x = float_tensor("hardsigmoid", "input", input)
    ops = x.session
    return ops.div_scalar(ops.clamp(ops.add_scalar(x, 3.0), 0.0, 6.0), 6.0)


@torch_op
def hardswish(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    """x * min(max(x + 3, 0), 6) / 6, with PyTorch's gradient: 0 at and below -3, x / 3 + 0.5
    strictly inside (-3, 3), 1 at and above 3."""
    x = float_tensor("hardswish", "input", input)
    ops = x.session
    return ops.div_scalar(ops.mul(x, ops.clamp(ops.add_scalar(x, 3.0), 0.0, 6.0)), 6.0)


# ----- softmax family (softmax and log_softmax: pt/reduce.py's serve F.* and tl.* alike) -----
def _softmax_dim(op: str, x: Any, dim: Any, stacklevel: Any) -> int:
    nd = x.ndim
    if dim is None:  # PyTorch's deprecated implicit choice (_get_softmax_dim), with its warning
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                      "include dim=X as an argument.", UserWarning,
                      stacklevel=stacklevel if isinstance(stacklevel, int) and stacklevel > 0 else 3)
        return 0 if nd in (0, 1, 3) else 1
    return normalize_axis(op, integer(op, "dim", dim), nd)


def _softmax_input(op: str, input: Any, dtype: Any) -> Any:  # noqa: A002
    x = tensor(op, "input", input)
    if dtype is not None:
        return x.session.cast(x, float_dtype(dtype, op))
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: input must be a float tensor, got {x.dtype.name} (pass dtype= "
                         "to compute in a float dtype)")
    return x






@torch_op
def softmin(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Any:  # noqa: A002
    """softmax(-x) along ``dim``."""
    x = _softmax_input("softmin", input, dtype)
    ops = x.session
    return ops.softmax(ops.neg(x), _softmax_dim("softmin", x, dim, _stacklevel))


@torch_op
def glu(input: Any, dim: int = -1) -> Any:  # noqa: A002
    """Gated linear unit: ``a * sigmoid(b)`` for the halves ``a, b`` of ``dim`` (even size)."""
    op = "glu"
    x = float_tensor(op, "input", input)
    if x.ndim == 0:
        raise ShapeError(f"{op}: glu does not support scalars because halving size must be even")
    d = normalize_axis(op, integer(op, "dim", dim), x.ndim)
    n = x.shape[d]
    if n % 2:
        raise ShapeError(f"{op}: halving dimension must be even, but dimension {d} is size {n} "
                         f"(input shape {x.shape})")
    ops = x.session
    return ops.mul(ops.slice(x, d, 0, n // 2), ops.sigmoid(ops.slice(x, d, n // 2, n)))
