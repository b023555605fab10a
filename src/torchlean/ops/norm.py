"""Normalisation primitive: ``normalize_last``, the standardisation over the last axis.

``normalize_last(x, eps) = (x - mean) / sqrt(var + eps)`` per row of the last axis, with the
biased variance computed in two passes (so it is never negative; the seed clamps it at 0).
``layer_norm`` and ``batchnorm_channel_first`` are composites of it (reshape + this primitive +
an explicitly broadcast affine map) in ``frontend/nn.py``.

It is a primitive for numerical stability and speed: one fused kernel instead of about ten
nodes, and a closed-form derivative. Its Jacobian per row is
``J = invstd * (I - 1 1^T / E - xhat xhat^T / E)``, which is symmetric, so the VJP and the JVP
are one rule: ``J v = invstd * (v - mean(v) - xhat * mean(v * xhat))`` (exact, eps included).
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType


def _normalize_shape(x: TensorType, *, eps: float) -> TensorType:
    if x.dtype.kind != "f":
        raise DTypeError(f"normalize_last: expected a float tensor, got {x.dtype.name}")
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ShapeError(f"normalize_last: expected a tensor (..., E) with E >= 1, got shape {x.shape}")
    return x


def _normalize_impl(xp, x, *, eps):
    xc = x - x.mean(axis=-1, keepdims=True)
    var = (xc * xc).mean(axis=-1, keepdims=True)
    xc /= xp.sqrt(var + eps)
    return xc


def _mean_back(ops, u, shape):
    """mean of u over the last axis, broadcast back to ``shape`` (a keepdims mean)."""
    nd = len(shape)
    m = ops.scale(ops.reduce_sum(u, (nd - 1,)), 1.0 / shape[-1])
    return ops.broadcast_to(m, shape, axes=tuple(range(nd - 1)))


def _normalize_lin(ops, v, out, x, eps):
    """The (symmetric) Jacobian of normalize_last at x applied to v: serves VJP and JVP."""
    shape = ops.shape_of(x)
    nd = len(shape)
    xc = ops.sub(x, _mean_back(ops, x, shape))
    var = ops.scale(ops.reduce_sum(ops.mul(xc, xc), (nd - 1,)), 1.0 / shape[-1])
    invstd = ops.broadcast_to(ops.power(ops.add_scalar(var, eps), -0.5), shape,
                              axes=tuple(range(nd - 1)))
    r = ops.sub(ops.sub(v, _mean_back(ops, v, shape)), ops.mul(out, _mean_back(ops, ops.mul(v, out), shape)))
    return ops.mul(r, invstd)


normalize_last_p = defop(
    "normalize_last", shape=_normalize_shape, impl=_normalize_impl,
    vjp=[lambda ops, g, out, x, *, eps: _normalize_lin(ops, g, out, x, eps)],
    jvp=[lambda ops, t, out, x, *, eps: _normalize_lin(ops, t, out, x, eps)],
    doc="(x - mean) / sqrt(var + eps) over the last axis, biased variance. A primitive for "
        "numerical stability and speed (one kernel, two-pass variance, closed-form symmetric "
        "Jacobian shared by VJP and JVP); layer_norm and batchnorm_channel_first build on it.",
)
