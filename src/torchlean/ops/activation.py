"""Activation primitive: ``elu``, PyTorch's one kernel behind ``F.elu``, ``F.selu`` and ``F.celu``.

``elu(x; alpha, scale, input_scale) = scale * x`` where x > 0, else
``scale * alpha * expm1(input_scale * x)``. ``F.elu(x, alpha)`` is ``scale = input_scale = 1``,
``F.selu`` the SELU constants, ``F.celu(x, alpha)`` ``scale = 1, input_scale = 1 / alpha``.
The derivative is ``scale`` where x > 0 and ``scale * alpha * input_scale * exp(input_scale * x)``
where x <= 0 (x = 0 takes the negative side, as PyTorch's ``elu_backward``).

A primitive for accuracy and for a safe derivative: ``expm1`` keeps full relative precision near
0 (``exp(x) - 1`` does not), and a composite ``where(x > 0, x, alpha * (exp(x) - 1))`` evaluates
``exp`` on the positive side too, where its overflow turns the unchosen branch's zero cotangent
into ``0 * inf = NaN``. One node instead of five, too.

(Registered by ``frontend/nn.py`` importing this module until ``ops/__init__.py`` lists it.)
"""

from __future__ import annotations

from .._core.registry import defop
from ._rules import unary_float


def _elu_impl(xp, x, *, alpha, scale, input_scale):
    neg = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
    return xp.where(x > 0, x * scale, neg)


def _elu_deriv(ops, x, alpha, scale, input_scale):
    # exp of min(x, 0) only: the positive side never overflows, not even inside a second
    # derivative (clamp's zero gradient outside (-inf, 0) is where the negative branch is unused).
    neg = ops.scale(ops.exp(ops.scale(ops.clamp(x, None, 0.0), input_scale)), alpha * scale * input_scale)
    return ops.where(ops.gt(x, 0.0), scale, neg)


elu_p = defop(
    "elu", shape=unary_float("elu"), impl=_elu_impl,
    vjp=[lambda ops, g, out, x, *, alpha, scale, input_scale:
         ops.mul(g, _elu_deriv(ops, x, alpha, scale, input_scale))],
    jvp=[lambda ops, t, out, x, *, alpha, scale, input_scale:
         ops.mul(t, _elu_deriv(ops, x, alpha, scale, input_scale))],
    doc="scale * x for x > 0, scale * alpha * expm1(input_scale * x) otherwise (PyTorch's elu "
        "kernel, behind F.elu/selu/celu). A primitive for accuracy (expm1) and a NaN-free "
        "derivative (no exp on the positive side).",
)
