"""``ctc_grad_convention(log_probs, nll, valid)``: PyTorch's CTC gradient convention as a term.

PyTorch's ``ctc_loss`` backward does not return the derivative of the loss w.r.t.
``log_probs``: it returns the gradient w.r.t. the logits of a ``log_softmax`` that produced them,
i.e. the derivative plus ``exp(log_probs)`` on every frame ``t < input_length``
(pytorch/pytorch#52241; OpInfo's gradcheck wraps the op in ``log_softmax`` for that reason).
Chained through ``log_softmax`` both give the same logits gradient; on ``log_probs`` they differ.

``F.ctc_loss`` is a composite of log-space ops whose autograd gives the derivative; adding this
term, zero-valued, makes its reverse mode equal PyTorch's: the VJP w.r.t. ``log_probs`` is
``g[n] * exp(log_probs[t, n, :])`` where ``valid[t, n]`` (else 0), and NaN on the valid frames
of a sample whose ``nll`` is infinite unless ``zero_infinity`` (PyTorch's backward computes
``inf - inf`` there). Its JVP is zero, so forward mode stays the derivative of the loss (what
finite differences of PyTorch's loss measure; PyTorch has no forward mode for it). The VJP is
therefore deliberately not the adjoint of the JVP: its op spec checks the forward only, and
tests/nn/test_ctc_loss.py checks the VJP against PyTorch's CTC gradient.
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import ZERO, defop
from .._core.types import TensorType, check_float


def _shape(lp: TensorType, nll: TensorType, valid: TensorType, *, zero_infinity: bool = False) -> TensorType:
    check_float("ctc_grad_convention", lp, nll)
    if valid.dtype.kind != "b":
        raise DTypeError(f"ctc_grad_convention: valid must be a bool mask, got {valid.dtype.name}")
    if lp.ndim != 3 or nll.shape != lp.shape[1:2] or valid.shape != lp.shape[:2]:
        raise ShapeError(f"ctc_grad_convention: expected log_probs (T, N, C), nll (N,) and valid (T, N), got "
                         f"{lp.shape}, {nll.shape} and {valid.shape}")
    if zero_infinity.__class__ is not bool:
        raise ShapeError(f"ctc_grad_convention: zero_infinity must be a bool, got {zero_infinity!r}")
    return TensorType(nll.shape, lp.dtype)


def _impl(xp, lp, nll, valid, *, zero_infinity=False):
    return xp.zeros(nll.shape, lp.dtype)


def _vjp(ops, g, out, lp, nll, valid, *, zero_infinity=False):
    n = ops.shape_of(nll)[0]
    term = ops.mul(ops.reshape(g, (1, n, 1)), ops.exp(lp))
    if not zero_infinity:
        bad = ops.reshape(ops.eq(nll, float("inf")), (1, n, 1))
        term = ops.where(bad, float("nan"), term)
    return ops.where(ops.unsqueeze(valid, 2), term, 0.0)


def _jvp(ops, t, out, lp, nll, valid, *, zero_infinity=False):
    return ops.zeros_like(out)


ctc_grad_convention_p = defop(
    "ctc_grad_convention", shape=_shape, impl=_impl,
    vjp=[_vjp, ZERO, None], jvp=[_jvp, ZERO, None],
    doc="Zero (N,) whose VJP adds exp(log_probs) on the valid frames: PyTorch's CTC backward "
        "convention (the logits gradient of a log_softmax), which no composite can give in "
        "reverse mode while forward mode keeps the loss's derivative. Not adjoint by design.",
)
