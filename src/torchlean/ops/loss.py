"""Fused softmax cross-entropy with integer labels: primitives for speed and stability.

``cross_entropy(z, labels)`` is the mean over rows of ``-log_softmax(z)[label]``; a label
outside ``[0, C)`` contributes 0 to the sum (and gets no gradient) but still counts in the
mean, exactly as the composite ``-sum(one_hot(labels) * log_softmax(z)) / N`` it replaces.
``cross_entropy_grad`` is its gradient ``(valid * softmax(z) - one_hot(labels)) / N``, a
primitive too so that backward is one kernel; its own rules make it differentiable again.
"""

from __future__ import annotations

from .._core.errors import ShapeError
from .._core.registry import defop
from .._core.types import TensorType, check_float, check_int


def _check(op: str, z: TensorType, labels: TensorType):
    check_float(op, z)
    check_int(op, "labels", labels)
    if z.ndim not in (1, 2) or labels.shape != z.shape[:-1]:
        raise ShapeError(f"{op}: expected logits (C,) or (N, C) and labels of shape logits.shape[:-1], "
                         f"got logits {z.shape} and labels {labels.shape}")


def _ce_shape(z: TensorType, labels: TensorType) -> TensorType:
    _check("cross_entropy", z, labels)
    return TensorType((), z.dtype)


def _ce_grad_shape(z: TensorType, labels: TensorType) -> TensorType:
    _check("cross_entropy_grad", z, labels)
    return z


def _rows(z) -> int:
    return z.shape[0] if z.ndim == 2 else 1


def _pick(xp, z, idx):
    """z[..., idx] row by row (idx has z's leading shape)."""
    if z.ndim == 1:
        return z[idx]
    return z[xp.arange(z.shape[0]), idx]


def _ce_impl(xp, z, labels):
    m = z.max(axis=-1, keepdims=True)
    lse = xp.log(xp.exp(z - m).sum(axis=-1)) + m[..., 0]
    valid = (labels >= 0) & (labels < z.shape[-1])
    loss = lse - _pick(xp, z, xp.where(valid, labels, 0))
    return (loss * valid).sum() / _rows(z)


def _ce_grad_impl(xp, z, labels):
    e = xp.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    valid = (labels >= 0) & (labels < z.shape[-1])
    e *= valid[..., None]  # rows with an out-of-range label get no gradient
    rows = xp.arange(z.shape[0]) if z.ndim == 2 else ()
    e[(*((rows,) if z.ndim == 2 else ()), xp.where(valid, labels, 0))] -= valid
    e /= _rows(z)
    return e


def _valid_softmax_lin(ops, v, z, labels):
    """Jacobian of cross_entropy_grad applied to v (symmetric, so VJP = JVP)."""
    t = ops.type_of(z)
    sm = ops.softmax(z, -1)
    lin = ops.mul(sm, ops.sub(v, ops.broadcast_to(ops.reduce_sum(ops.mul(v, sm), -1), t.shape,
                                                   axes=tuple(range(t.ndim - 1)))))
    valid = ops.reduce_sum(ops.one_hot(labels, t.shape[-1], t.dtype), -1)
    lin = ops.mul(lin, ops.broadcast_to(valid, t.shape, axes=tuple(range(t.ndim - 1))))
    return ops.scale(lin, 1.0 / (t.shape[0] if t.ndim == 2 else 1))


cross_entropy_grad_p = defop(
    "cross_entropy_grad", shape=_ce_grad_shape, impl=_ce_grad_impl,
    vjp=[lambda ops, g, out, z, labels: _valid_softmax_lin(ops, g, z, labels), None],
    jvp=[lambda ops, t, out, z, labels: _valid_softmax_lin(ops, t, z, labels), None],
    doc="Gradient of cross_entropy with respect to the logits.",
)

cross_entropy_p = defop(
    "cross_entropy", shape=_ce_shape, impl=_ce_impl,
    vjp=[lambda ops, g, out, z, labels: ops.mul(ops.cross_entropy_grad(z, labels), g), None],
    jvp=[lambda ops, t, out, z, labels: ops.sum(ops.mul(ops.cross_entropy_grad(z, labels), t)), None],
    doc="Mean softmax cross-entropy of logits (C,) or (N, C) against integer labels.",
)


def ce_and_grad_impl(xp, loss_out, grad_out, z, labels):
    """``cross_entropy(z, labels)`` into the 0-d ``loss_out`` and ``cross_entropy_grad(z,
    labels)`` into ``grad_out`` (laid out like that kernel's result), sharing one max, one exp
    and one row sum: exactly the two kernels' values, for the compiled path, which pairs the
    two equations when a graph has both (a training step always does)."""
    m = z.max(axis=-1, keepdims=True)
    xp.subtract(z, m, out=grad_out)
    xp.exp(grad_out, out=grad_out)
    s = grad_out.sum(axis=-1, keepdims=True)
    lse = xp.log(s[..., 0]) + m[..., 0]
    valid = (labels >= 0) & (labels < z.shape[-1])
    idx = xp.where(valid, labels, 0)
    at = (xp.arange(z.shape[0]), idx) if z.ndim == 2 else idx  # the label entry of each row
    loss = lse - z[at]
    loss_out[...] = (loss * valid).sum() / _rows(z)
    grad_out /= s
    grad_out *= valid[..., None]
    grad_out[at] -= valid
    grad_out /= _rows(z)
