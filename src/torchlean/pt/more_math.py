"""``torch`` math functions beyond ``math_extra``: ``logaddexp logaddexp2 rsub renorm trapezoid
trapz cumulative_trapezoid cov corrcoef``, as composites of existing ``Ops`` methods with
PyTorch's formulas (its ATen kernels' arithmetic, so values agree to rounding):

* ``logaddexp(a, b) = max(a, b) + log1p(exp(-|a - b|))`` (``exp2``/``log2`` for base 2), with
  ``a - b`` taken as 0 where ``a == b`` so that two equal infinities give themselves, as torch;
* ``renorm``: each slice along ``dim`` whose p-norm exceeds ``maxnorm`` is scaled by
  ``maxnorm / (norm + 1e-7)``;
* ``trapezoid``: ``sum(dx * (y[1:] + y[:-1])) / 2`` for sample points ``x``, or
  ``(sum(y) - (y[0] + y[-1]) / 2) * dx`` for a constant spacing; ``cumulative_trapezoid`` the
  running sums of the same terms;
* ``cov`` / ``corrcoef``: ATen's weighted formula (``fweights``, ``aweights``, ``correction``;
  a normalising factor <= 0 becomes 0, so the result is inf/NaN, as torch, without its warning),
  ``corrcoef`` clipped to [-1, 1].

Divergences (also in ``docs/for-pytorch-users/math.md``): ``logaddexp``'s gradient where both
inputs are the same infinity is 1/2 each (PyTorch: NaN); integer inputs of ``logaddexp`` raise
as torch; ``corrcoef`` of a constant variable has a 0 gradient through ``sqrt`` (the seed's rule);
``cov``'s float32 weights with a float64 input raise ``DTypeError`` (torch sums them in float32).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY as P
from .._core.shapes import is_int, normalize_axis
from .dispatch import is_tensor, tensor, torch_op
from .linalg_extra import diagonal
from .math import _operand, _session, floated, no_out
from .math_extra import _factor, _promoted, _scaled

__all__ = ["corrcoef", "cov", "cumulative_trapezoid", "logaddexp", "logaddexp2", "renorm", "rsub", "trapezoid",
           "trapz"]

_LN2 = math.log(2.0)


def _float_tensors(op: str, ops: Any, **named: Any) -> None:
    for what, v in named.items():
        dt = ops.type_of(v).dtype
        if dt.kind != "f":
            raise DTypeError(f"{op}: expected float tensors, got {what} of {dt.name} (as PyTorch)")


# ----- log-add-exp ---------------------------------------------------------------------------------
def _logaddexp(name: str, base2: bool) -> Any:
    def fn(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
        no_out(name, out)
        a, b = tensor(name, "input", input), tensor(name, "other", other)
        ops = a.session
        _float_tensors(name, ops, input=a, other=b)
        a, b = ops._pair(name, a, b)
        same = ops.eq(a, b)  # equal infinities: no inf - inf (a - b is 0 there)
        d = ops.sub(ops.where(same, 0.0, a), ops.where(same, 0.0, b))
        m = ops.maximum(a, b)
        if base2:
            return ops.add(m, ops.scale(ops.log1p(ops.bind(P["exp2"], ops.neg(ops.abs(d)))), 1.0 / _LN2))
        return ops.add(m, ops.log1p(ops.exp(ops.neg(ops.abs(d)))))

    fn.__name__ = fn.__qualname__ = name
    what = "log2(2**input + 2**other)" if base2 else "log(exp(input) + exp(other))"
    fn.__doc__ = (f"``torch.{name}(input, other)``: {what} without overflow (broadcast; float tensors "
                  "of one dtype). Where both are the same infinity the gradient is 1/2 each (PyTorch: NaN).")
    return torch_op(fn, name=name)


logaddexp = _logaddexp("logaddexp", False)
logaddexp2 = _logaddexp("logaddexp2", True)


@torch_op
def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Any:  # noqa: A002
    """``torch.rsub(input, other, *, alpha=1)``: ``other - alpha * input`` (``sub`` reversed),
    with broadcasting and torch's promotion; ``other`` may be a number."""
    a = tensor("rsub", "input", input)
    b = _operand("rsub", "other", other)
    ops = _session(a, b)
    c = _factor("rsub", "alpha", ops, alpha, a, b)
    return ops.sub(*_promoted(ops, b, _scaled(ops, a, c, b)))


# ----- renorm --------------------------------------------------------------------------------------
def _number(op: str, what: str, v: Any) -> float:
    v = v.item() if isinstance(v, np.generic) else v
    if type(v) not in (int, float):
        raise ArgumentError(f"{op}: {what} must be a number, got {type(v).__name__} {v!r:.40}")
    return float(v)


@torch_op
def renorm(input: Any, p: Any, dim: int, maxnorm: Any) -> Any:  # noqa: A002
    """``torch.renorm(input, p, dim, maxnorm)``: every slice ``input.select(dim, i)`` whose
    p-norm exceeds ``maxnorm`` scaled to norm ``maxnorm`` (by ``maxnorm / (norm + 1e-7)``, as
    torch); the gradient goes through the norm, as torch's. Float input, ``p > 0``."""
    x = tensor("renorm", "input", input)
    ops = x.session
    _float_tensors("renorm", ops, input=x)
    pv, mx = _number("renorm", "p", p), _number("renorm", "maxnorm", maxnorm)
    if not pv > 0:
        raise ArgumentError(f"renorm: p must be positive (non-positive norms are not supported, as PyTorch), "
                            f"got {p!r}")
    if mx < 0:
        raise ArgumentError(f"renorm: maxnorm must be non-negative, got {maxnorm!r}")
    shape = ops.shape_of(x)
    if len(shape) < 2:
        raise ShapeError(f"renorm: input needs at least 2 dimensions (as PyTorch), got shape {shape}")
    if not is_int(dim):
        raise ArgumentError(f"renorm: dim must be an int, got {dim!r:.40}")
    d = normalize_axis("renorm", dim, len(shape))
    axes = tuple(i for i in range(len(shape)) if i != d)
    norm = ops.norm(x, pv, axes, keepdims=True)
    factor = ops.where(ops.gt(norm, mx), ops.div(ops.full_like(norm, mx), ops.add_scalar(norm, 1e-7)), 1.0)
    return ops.mul(x, factor)


# ----- trapezoid rule -------------------------------------------------------------------------------
def _y(op: str, y: Any, dim: Any) -> tuple[Any, Any, int]:
    t = tensor(op, "y", y)
    ops = t.session
    if not is_int(dim):
        raise ArgumentError(f"{op}: dim must be an int, got {dim!r:.40}")
    shape = ops.shape_of(t)
    if not shape:
        raise ShapeError(f"{op}: expected y with at least 1 dimension, got shape ()")
    return ops, floated(ops, t), normalize_axis(op, dim, len(shape))


def _spacing(op: str, ops: Any, y: Any, x: Any, d: int) -> Any:
    """The differences of the sample points ``x`` along ``d`` (1-D x lies along ``d``; an x of
    lower rank is padded with leading ones, as torch), or None for a constant spacing."""
    sy = ops.shape_of(y)
    xt = floated(ops, tensor(op, "x", x))
    sx = ops.shape_of(xt)
    if len(sx) == 1:
        if sx[0] != sy[d]:
            raise ShapeError(f"{op}: x of shape {sx} must have y's size {sy[d]} along dim {d} (y's shape {sy})")
        xt = ops.reshape(xt, tuple(sx[0] if i == d else 1 for i in range(len(sy))))
    elif len(sx) < len(sy):
        xt = ops.reshape(xt, (1,) * (len(sy) - len(sx)) + sx)
    elif len(sx) > len(sy):
        raise ShapeError(f"{op}: x of shape {sx} has more dimensions than y of shape {sy}")
    n = ops.shape_of(xt)[d]
    return ops.sub(ops.slice(xt, d, 1, n), ops.slice(xt, d, 0, max(n - 1, 0)))


def _dx(op: str, dx: Any) -> float:
    if is_tensor(dx):
        raise ArgumentError(f"{op}: dx must be a number (give sample points as x), got a tensor")
    return _number(op, "dx", 1 if dx is None else dx)


def _halves(ops: Any, y: Any, d: int) -> Any:
    n = ops.shape_of(y)[d]
    return ops.add(ops.slice(y, d, 1, n), ops.slice(y, d, 0, max(n - 1, 0)))


@torch_op
def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Any:
    """``torch.trapezoid(y, x=None, *, dx=None, dim=-1)``: the trapezoidal rule along ``dim``,
    with sample points ``x`` (a tensor, 1-D along ``dim`` or broadcasting with y) or a constant
    spacing ``dx`` (default 1); integers promote."""
    ops, t, d = _y("trapezoid", y, dim)
    if x is not None and dx is not None:
        raise ArgumentError("trapezoid: give x or dx, not both")
    if x is not None:
        return ops.scale(ops.reduce_sum(ops.mul(_spacing("trapezoid", ops, t, x, d), _halves(ops, t, d)), d), 0.5)
    h = _dx("trapezoid", dx)
    ends = ops.add(ops.select(t, d, 0), ops.select(t, d, -1))
    return ops.scale(ops.sub(ops.reduce_sum(t, d), ops.scale(ends, 0.5)), h)


@torch_op
def trapz(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Any:
    """``torch.trapz(y, x, *, dim=-1)`` / ``torch.trapz(y, *, dx=1, dim=-1)``: ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


@torch_op
def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Any:
    """``torch.cumulative_trapezoid(y, x=None, *, dx=None, dim=-1)``: the running trapezoidal
    sums along ``dim`` (one fewer element than y there)."""
    ops, t, d = _y("cumulative_trapezoid", y, dim)
    if x is not None and dx is not None:
        raise ArgumentError("cumulative_trapezoid: give x or dx, not both")
    if x is not None:
        terms = ops.scale(ops.mul(_spacing("cumulative_trapezoid", ops, t, x, d), _halves(ops, t, d)), 0.5)
    else:
        terms = ops.scale(_halves(ops, t, d), _dx("cumulative_trapezoid", dx) / 2.0)
    if ops.shape_of(terms)[d] == 0:
        return terms
    return ops.cumsum(terms, d)


# ----- covariance ------------------------------------------------------------------------------------
def _weights(ops: Any, name: str, w: Any, n: int, kind: str) -> Any:
    w = tensor("cov", name, w)
    t = ops.type_of(w)
    if t.ndim != 1 or t.shape[0] != n:
        raise ShapeError(f"cov: expected {name} to be a 1-D tensor of {n} observations, got shape {t.shape}")
    if kind == "int" and t.dtype.kind not in "iu":
        raise DTypeError(f"cov: fweights must be integral, got {t.dtype.name}")
    if kind == "float" and t.dtype.kind != "f":
        raise DTypeError(f"cov: aweights must be floating point, got {t.dtype.name}")
    return w


@torch_op
def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Any:  # noqa: A002
    """``torch.cov(input, *, correction=1, fweights=None, aweights=None)``: the covariance of the
    variables (rows) of a 2-D input over its observations (columns), or the variance of a 1-D
    one; ATen's weighted formula. Integers promote."""
    x = tensor("cov", "input", input)
    ops = x.session
    shape = ops.shape_of(x)
    if len(shape) > 2:
        raise ShapeError(f"cov: expected input to have two or fewer dimensions, got shape {shape}")
    if not is_int(correction):
        raise ArgumentError(f"cov: correction must be an int, got {correction!r:.40}")
    x = floated(ops, x)
    x = ops.reshape(x, (1, -1)) if len(shape) < 2 else x
    n = ops.shape_of(x)[1]
    w = None
    if fweights is not None:
        w = ops.cast(_weights(ops, "fweights", fweights, n, "int"), ops.type_of(x).dtype)
    aw = None if aweights is None else _weights(ops, "aweights", aweights, n, "float")
    if aw is not None:
        w = aw if w is None else ops.mul(w, aw)
    if w is None:
        wsum: Any = float(n)
        avg = ops.div_scalar(ops.reduce_sum(x, 1), float(n))
        factor: Any = float(n - correction)
    else:
        wsum = ops.reduce_sum(w)
        avg = ops.div(ops.reduce_sum(ops.mul(x, w), 1), wsum)
        if correction == 0:
            factor = wsum
        elif aw is None:
            factor = ops.add_scalar(wsum, -float(correction))
        else:
            factor = ops.sub(wsum, ops.div(ops.scale(ops.reduce_sum(ops.mul(w, aw)), float(correction)), wsum))
    if is_tensor(factor):
        factor = ops.where(ops.le(factor, 0.0), 0.0, factor)
    else:
        factor = max(factor, 0.0)
    xc = ops.sub(x, ops.unsqueeze(avg, 1))
    c = ops.matmul(xc, ops.transpose(xc if w is None else ops.mul(xc, w), 0, 1))
    c = ops.div(c, factor) if is_tensor(factor) else ops.div_scalar(c, factor)
    return ops.squeeze(c)


@torch_op
def corrcoef(input: Any) -> Any:  # noqa: A002
    """``torch.corrcoef(input)``: Pearson's correlation coefficients of the variables (rows),
    ``cov / (std_i std_j)`` clipped to [-1, 1], as torch."""
    c = cov(input)
    ops = c.session
    if not ops.shape_of(c):
        return ops.div(c, c)
    n = ops.shape_of(c)[0]
    std = ops.sqrt(diagonal(c))
    c = ops.div(ops.div(c, ops.reshape(std, (n, 1))), ops.reshape(std, (1, n)))
    return ops.clip(c, -1.0, 1.0)
