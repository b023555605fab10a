"""Fused softmax cross-entropy with integer labels: primitives for speed and stability.

``cross_entropy(z, labels, ignore_index=-100)`` is PyTorch's ``F.cross_entropy`` with class
indices and ``reduction='mean'``: the mean over the rows whose label is not ``ignore_index`` of
``-log_softmax(z)[label]`` (NaN when every row is ignored, as PyTorch). A label outside
``[0, C)`` that is not ``ignore_index`` raises ``ArgumentError`` (an off-by-one labelling must
not train silently). ``cross_entropy_grad`` is its gradient
``valid * (softmax(z) - one_hot(labels)) / count``, a primitive too so that backward is one
kernel; its own rules make it differentiable again.
"""

from __future__ import annotations

from .._core.errors import ArgumentError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType, check_float, check_int


def _check(op: str, z: TensorType, labels: TensorType, ignore_index: int):
    check_float(op, z)
    check_int(op, "labels", labels)
    if z.ndim not in (1, 2) or labels.shape != z.shape[:-1]:
        raise ShapeError(f"{op}: expected logits (C,) or (N, C) and labels of shape logits.shape[:-1], "
                         f"got logits {z.shape} and labels {labels.shape}")
    if z.shape[-1] < 1:
        raise ShapeError(f"{op}: expected at least one class, got logits {z.shape}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise ArgumentError(f"{op}: ignore_index must be an int, got {ignore_index!r}")


def _ce_shape(z: TensorType, labels: TensorType, *, ignore_index: int = -100) -> TensorType:
    _check("cross_entropy", z, labels, ignore_index)
    return TensorType((), z.dtype)


def _ce_grad_shape(z: TensorType, labels: TensorType, *, ignore_index: int = -100) -> TensorType:
    _check("cross_entropy_grad", z, labels, ignore_index)
    return z


def _pick(xp, z, idx):
    """z[..., idx] row by row (idx has z's leading shape)."""
    if z.ndim == 1:
        return z[idx]
    return z[xp.arange(z.shape[0]), idx]


def _valid(xp, op, z, labels, ignore_index):
    """``(valid, count)`` after checking the labels: ``valid`` is None when every row counts
    (the common case, found with two reductions), else a bool mask of labels' shape."""
    c = z.shape[-1]
    n = labels.size
    if n and labels.min() >= 0 and labels.max() < c and not 0 <= ignore_index < c:
        return None, n
    valid = labels != ignore_index
    bad = valid & ((labels < 0) | (labels >= c))
    if bool(bad.any()):
        first = int(labels[bad].reshape(-1)[0])
        raise ArgumentError(f"{op}: label {first} is out of range for {c} classes (labels must be "
                            f"in [0, {c}) or equal ignore_index={ignore_index})")
    return valid, int(valid.sum())


def _ce_impl(xp, z, labels, *, ignore_index=-100):
    valid, count = _valid(xp, "cross_entropy", z, labels, ignore_index)
    m = z.max(axis=-1, keepdims=True)
    lse = xp.log(xp.exp(z - m).sum(axis=-1)) + m[..., 0]
    if valid is None:
        loss = lse - _pick(xp, z, labels)
        return (loss.sum() / count).astype(z.dtype)
    loss = lse - _pick(xp, z, xp.where(valid, labels, 0))
    total = xp.where(valid, loss, 0).sum()
    if count == 0:  # every row ignored: 0 / 0 is NaN, as PyTorch (without a division warning)
        return xp.asarray(xp.nan, z.dtype)
    return (total / count).astype(z.dtype)


def _ce_grad_impl(xp, z, labels, *, ignore_index=-100):
    valid, count = _valid(xp, "cross_entropy_grad", z, labels, ignore_index)
    e = xp.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    rows = (xp.arange(z.shape[0]),) if z.ndim == 2 else ()
    if valid is None:
        e[(*rows, labels)] -= 1
    else:
        e *= valid[..., None]  # ignored rows get no gradient
        e[(*rows, xp.where(valid, labels, 0))] -= valid
    e /= max(count, 1)
    return e


def _valid_softmax_lin(ops, v, z, labels, ignore_index):
    """Jacobian of cross_entropy_grad applied to v (symmetric, so VJP = JVP)."""
    t = ops.type_of(z)
    lead = tuple(range(t.ndim - 1))
    sm = ops.softmax(z, -1)
    lin = ops.mul(sm, ops.sub(v, ops.broadcast_to(ops.reduce_sum(ops.mul(v, sm), -1), t.shape, axes=lead)))
    valid = ops.cast(ops.ne(labels, ignore_index), t.dtype)
    count = ops.reduce_sum(valid, None)
    weight = ops.div(valid, ops.broadcast_to(ops.maximum(count, 1.0), ops.shape_of(valid)))
    return ops.mul(lin, ops.broadcast_to(weight, t.shape, axes=lead))


cross_entropy_grad_p = defop(
    "cross_entropy_grad", shape=_ce_grad_shape, impl=_ce_grad_impl,
    vjp=[lambda ops, g, out, z, labels, *, ignore_index=-100: _valid_softmax_lin(ops, g, z, labels, ignore_index),
         None],
    jvp=[lambda ops, t, out, z, labels, *, ignore_index=-100: _valid_softmax_lin(ops, t, z, labels, ignore_index),
         None],
    doc="Gradient of cross_entropy with respect to the logits.",
)

cross_entropy_p = defop(
    "cross_entropy", shape=_ce_shape, impl=_ce_impl,
    vjp=[lambda ops, g, out, z, labels, *, ignore_index=-100:
         ops.mul(ops.cross_entropy_grad(z, labels, ignore_index=ignore_index), g), None],
    jvp=[lambda ops, t, out, z, labels, *, ignore_index=-100:
         ops.sum(ops.mul(ops.cross_entropy_grad(z, labels, ignore_index=ignore_index), t)), None],
    doc="Mean softmax cross-entropy of logits (C,) or (N, C) against integer labels, rows "
        "labelled ignore_index left out (PyTorch's F.cross_entropy, reduction='mean').",
)
