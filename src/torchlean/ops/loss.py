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

import numpy as np

from .._core.errors import ArgumentError, ShapeError
from .._core.registry import defop, set_saving
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


_UNSIGNED = {1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64"}


def _valid(xp, op, z, labels, ignore_index):
    """``(valid, count)`` after checking the labels: ``valid`` is None when every row counts
    (the common case, found with one reduction: viewed as unsigned, a negative label is huge),
    else a bool mask of labels' shape."""
    c = z.shape[-1]
    n = labels.size
    if n and not 0 <= ignore_index < c:
        unsigned = labels.view(_UNSIGNED[labels.dtype.itemsize]) if labels.dtype.kind == "i" else labels
        if unsigned.max() < c:
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


def _ce_saving(backend, z, labels, *, ignore_index=-100):
    """The loss and, saved for the backward, ``cross_entropy_grad(z, labels)``, from one pass
    (the compiled path's paired kernel): the backward then skips a second softmax. Host (N, C)
    logits in C order only, where that kernel's values and layout are the two kernels' own."""
    if z.__class__ is not np.ndarray or z.ndim != 2 or not z.flags.c_contiguous or labels.__class__ is not np.ndarray:
        return None
    both = backend.group_kernels.get("cross_entropy+grad")
    loss, grad = np.empty((), z.dtype), np.empty(z.shape, z.dtype)
    if both is not None:
        both(loss, grad, z, labels, ignore_index=ignore_index)
    else:
        ce_and_grad_impl(np, loss, grad, z, labels, ignore_index=ignore_index)
    return loss[()], grad


set_saving(cross_entropy_p, _ce_saving,
           [lambda ops, g, out, z, labels, *, saved, ignore_index=-100: ops.mul(saved, g), None])


# ----- PyTorch-layer loss primitives (torchlean.nn.functional) ----------------------------------
def _check_index_shape(idx: TensorType, *, n: int, ignore_index: int | None = None) -> TensorType:
    check_int("check_index", "indices", idx)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ShapeError(f"check_index: n must be a non-negative int, got {n!r}")
    if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, int)):
        raise ArgumentError(f"check_index: ignore_index must be an int or None, got {ignore_index!r}")
    return idx


def _check_index_impl(xp, idx, *, n, ignore_index=None):
    if idx.size and not (int(idx.min()) >= 0 and int(idx.max()) < n):
        bad = (idx < 0) | (idx >= n)
        if ignore_index is not None:
            bad &= idx != ignore_index
        if bool(bad.any()):
            first = int(idx[bad].reshape(-1)[0])
            also = "" if ignore_index is None else f" or equal ignore_index={ignore_index}"
            raise ArgumentError(f"check_index: index {first} is out of range: expected values in "
                                f"[0, {n}){also}")
    return idx


check_index_p = defop(
    "check_index", shape=_check_index_shape, impl=_check_index_impl, vjp=[None], jvp=[None],
    doc="The integer indices unchanged, after checking (when the op runs: they are data) that "
        "each is in [0, n) or equals ignore_index; otherwise ArgumentError. A primitive for "
        "correctness: PyTorch's class-index and embedding checks (nll_loss, one_hot, "
        "embedding) on both the eager and the compiled path. Not differentiable.",
)


def _bce_shape(x: TensorType, t: TensorType) -> TensorType:
    check_float("bce_loss", x, t)
    if x.shape != t.shape:
        raise ShapeError(f"bce_loss: expected input and target of one shape, got {x.shape} and {t.shape}")
    return x


def _bce_impl(xp, x, t):
    if x.size:
        if not bool(((x >= 0) & (x <= 1)).all()):
            raise ArgumentError("bce_loss: all elements of input should be between 0 and 1")
        if not bool(((t >= 0) & (t <= 1)).all()):
            raise ArgumentError("bce_loss: all elements of target should be between 0 and 1")
    # log(0) = -inf is clamped to -100 (as PyTorch), computed without NumPy's divide warning.
    pos, below1 = x > 0, x < 1
    log_x = xp.maximum(xp.where(pos, xp.log(xp.where(pos, x, 1)), -100), -100)
    log_1mx = xp.maximum(xp.where(below1, xp.log1p(-xp.where(below1, x, 0)), -100), -100)
    return ((t - 1) * log_1mx - t * log_x).astype(x.dtype, copy=False)


# PyTorch's EPSILON of the BCE gradient is the float 1e-12 (a float32 literal), also in float64.
_BCE_EPS = 9.999999960041972e-13


def _bce_dx(ops, x, t):
    """d loss / d x = (x - t) / max(x (1 - x), 1e-12): PyTorch's formula, finite at 0 and 1."""
    return ops.div(ops.sub(x, t), ops.clamp(ops.mul(x, ops.sub(1.0, x)), _BCE_EPS))


def _bce_dt(ops, x):
    """d loss / d t = -logit(x) = log(1 - x) - log(x), as PyTorch's target gradient."""
    return ops.sub(ops.log(ops.sub(1.0, x)), ops.log(x))


bce_loss_p = defop(
    "bce_loss", shape=_bce_shape, impl=_bce_impl,
    vjp=[lambda ops, g, out, x, t: ops.mul(g, _bce_dx(ops, x, t)),
         lambda ops, g, out, x, t: ops.mul(g, _bce_dt(ops, x))],
    jvp=[lambda ops, v, out, x, t: ops.mul(v, _bce_dx(ops, x, t)),
         lambda ops, v, out, x, t: ops.mul(v, _bce_dt(ops, x))],
    doc="Elementwise binary cross-entropy -(t log x + (1 - t) log(1 - x)) with each log clamped "
        "at -100 and x, t checked to lie in [0, 1] (PyTorch's kernel). A primitive for "
        "stability: the clamped logs and PyTorch's gradient (x - t) / max(x (1 - x), 1e-12), "
        "finite at x = 0 and 1 where a composite's would be 0 * inf = NaN.",
)


def ce_and_grad_impl(xp, loss_out, grad_out, z, labels, *, ignore_index=-100):
    """``cross_entropy(z, labels)`` into the 0-d ``loss_out`` and ``cross_entropy_grad(z,
    labels)`` into ``grad_out`` (laid out like that kernel's result), sharing one label check,
    one max, one exp and one row sum: exactly the two kernels' values, for the compiled path,
    which pairs the two equations when a graph has both (a training step always does)."""
    valid, count = _valid(xp, "cross_entropy", z, labels, ignore_index)
    m = z.max(axis=-1, keepdims=True)
    xp.subtract(z, m, out=grad_out)
    xp.exp(grad_out, out=grad_out)
    s = grad_out.sum(axis=-1, keepdims=True)
    lse = xp.log(s[..., 0]) + m[..., 0]
    rows = (xp.arange(z.shape[0]),) if z.ndim == 2 else ()
    grad_out /= s
    if valid is None:
        loss_out[...] = ((lse - _pick(xp, z, labels)).sum() / count).astype(z.dtype)
        grad_out[(*rows, labels)] -= 1
    else:
        idx = xp.where(valid, labels, 0)
        total = xp.where(valid, lse - _pick(xp, z, idx), 0).sum()
        loss_out[...] = xp.nan if count == 0 else (total / count).astype(z.dtype)
        grad_out *= valid[..., None]
        grad_out[(*rows, idx)] -= valid
    grad_out /= max(count, 1)
