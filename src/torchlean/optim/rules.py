"""Update rules as pure functions over ``Ops``: the same rule runs on arrays (eagerly, on the
parameter's device, through ``ArrayOps``) or inside a compiled graph.

The formulas are torch.optim's single-tensor implementations (torch 2.13, ``foreach=False``),
written in the same operation order so that float64 runs agree to rounding: ``lerp(a, b, w)``
is ``a + w (b - a)`` for ``|w| < 0.5`` and ``b - (b - a)(1 - w)`` otherwise, ``addcmul(s, a, b,
value=c)`` is ``s + (c a) b`` and ``addcdiv(s, a, b, value=c)`` is ``s + (c a) / b`` as in
torch's CPU kernels (which may fuse a multiply-add: agreement is to rounding, not to the bit).
Step counts and bias corrections are Python numbers; tensors are never mutated: each rule
returns the new parameter and the new state arrays.
"""

from __future__ import annotations

from typing import Any


def lerp(ops: Any, a: Any, b: Any, w: float) -> Any:
    """torch.lerp(a, b, w) for a Python float weight."""
    if abs(w) < 0.5:
        return ops.add(a, ops.scale(ops.sub(b, a), w))
    return ops.sub(b, ops.scale(ops.sub(b, a), 1.0 - w))


def _addcmul(ops: Any, s: Any, a: Any, b: Any, c: float) -> Any:
    return ops.add(s, ops.mul(ops.scale(a, c), b))


def _addcdiv(ops: Any, s: Any, a: Any, b: Any, c: float) -> Any:
    return ops.add(s, ops.div(ops.scale(a, c), b))


def _grad(ops: Any, p: Any, g: Any, weight_decay: float, maximize: bool) -> Any:
    """The gradient after ``maximize`` and coupled (L2) weight decay."""
    if maximize:
        g = ops.neg(g)
    if weight_decay != 0:
        g = ops.add(g, ops.scale(p, weight_decay))
    return g


def sgd(ops: Any, p: Any, g: Any, lr: Any) -> Any:
    """``p - lr g``; ``lr`` is a Python float or a scalar tensor (a compiled step's input)."""
    return ops.sub(p, ops.mul(g, lr))


def sgd_momentum(ops: Any, p: Any, g: Any, buf: Any, *, lr: float, momentum: float, dampening: float,
                 weight_decay: float, nesterov: bool, maximize: bool) -> tuple[Any, Any]:
    """SGD with weight decay, momentum (the first step's buffer is the gradient itself),
    dampening and Nesterov; returns ``(p, buf)`` (``buf`` None without momentum)."""
    g = _grad(ops, p, g, weight_decay, maximize)
    if momentum != 0:
        if buf is None:
            buf = ops.scale(g, 1.0)  # torch: grad.clone()
        else:
            buf = ops.add(ops.scale(buf, momentum), ops.scale(g, 1.0 - dampening))
        g = ops.add(g, ops.scale(buf, momentum)) if nesterov else buf
    return ops.add(p, ops.scale(g, -lr)), buf


def adam(ops: Any, p: Any, g: Any, exp_avg: Any, exp_avg_sq: Any, max_exp_avg_sq: Any, step: int, *,
         lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, amsgrad: bool,
         maximize: bool, decoupled: bool) -> tuple[Any, Any, Any, Any]:
    """Adam (AdamW with ``decoupled``: ``p (1 - lr wd)`` first, moments from the raw gradient);
    ``step`` is the new step count. Returns ``(p, exp_avg, exp_avg_sq, max_exp_avg_sq)``."""
    if maximize:
        g = ops.neg(g)
    if weight_decay != 0:
        if decoupled:
            p = ops.scale(p, 1.0 - lr * weight_decay)
        else:
            g = ops.add(g, ops.scale(p, weight_decay))
    exp_avg = lerp(ops, exp_avg, g, 1.0 - beta1)
    exp_avg_sq = _addcmul(ops, ops.scale(exp_avg_sq, beta2), g, g, 1.0 - beta2)
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    if amsgrad:
        max_exp_avg_sq = ops.maximum(max_exp_avg_sq, exp_avg_sq)
        denom = ops.add_scalar(ops.div_scalar(ops.sqrt(max_exp_avg_sq), bias_correction2_sqrt), eps)
    else:
        denom = ops.add_scalar(ops.div_scalar(ops.sqrt(exp_avg_sq), bias_correction2_sqrt), eps)
    return _addcdiv(ops, p, exp_avg, denom, -step_size), exp_avg, exp_avg_sq, max_exp_avg_sq


def adamax(ops: Any, p: Any, g: Any, exp_avg: Any, exp_inf: Any, step: int, *, lr: float, beta1: float,
           beta2: float, eps: float, weight_decay: float, maximize: bool) -> tuple[Any, Any, Any]:
    """Adamax: the infinity norm ``u = max(beta2 u, |g| + eps)``; returns ``(p, exp_avg, exp_inf)``."""
    g = _grad(ops, p, g, weight_decay, maximize)
    exp_avg = lerp(ops, exp_avg, g, 1.0 - beta1)
    exp_inf = ops.maximum(ops.scale(exp_inf, beta2), ops.add_scalar(ops.abs(g), eps))
    clr = lr / (1.0 - beta1 ** step)
    return _addcdiv(ops, p, exp_avg, exp_inf, -clr), exp_avg, exp_inf


def nadam(ops: Any, p: Any, g: Any, exp_avg: Any, exp_avg_sq: Any, mu_product: float, step: int, *,
          lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, momentum_decay: float,
          decoupled: bool, maximize: bool) -> tuple[Any, Any, Any, float]:
    """NAdam with momentum decay; returns ``(p, exp_avg, exp_avg_sq, mu_product)``."""
    if maximize:
        g = ops.neg(g)
    bias_correction2 = 1.0 - beta2 ** step
    if weight_decay != 0:
        if decoupled:
            p = ops.scale(p, 1.0 - lr * weight_decay)
        else:
            g = ops.add(g, ops.scale(p, weight_decay))
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    mu_product = mu_product * mu
    exp_avg = lerp(ops, exp_avg, g, 1.0 - beta1)
    exp_avg_sq = _addcmul(ops, ops.scale(exp_avg_sq, beta2), g, g, 1.0 - beta2)
    denom = ops.add_scalar(ops.sqrt(ops.div_scalar(exp_avg_sq, bias_correction2)), eps)
    mu_product_next = mu_product * mu_next
    p = _addcdiv(ops, p, g, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
    p = _addcdiv(ops, p, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next))
    return p, exp_avg, exp_avg_sq, mu_product


def radam(ops: Any, p: Any, g: Any, exp_avg: Any, exp_avg_sq: Any, step: int, *, lr: float, beta1: float,
          beta2: float, eps: float, weight_decay: float, decoupled: bool, maximize: bool
          ) -> tuple[Any, Any, Any]:
    """RAdam: the rectified adaptive step once the variance estimate is tractable (rho_t > 5),
    plain momentum before; returns ``(p, exp_avg, exp_avg_sq)``."""
    if maximize:
        g = ops.neg(g)
    if weight_decay != 0:
        if decoupled:
            p = ops.scale(p, 1.0 - lr * weight_decay)
        else:
            g = ops.add(g, ops.scale(p, weight_decay))
    exp_avg = lerp(ops, exp_avg, g, 1.0 - beta1)
    exp_avg_sq = _addcmul(ops, ops.scale(exp_avg_sq, beta2), g, g, 1.0 - beta2)
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    corrected = ops.div_scalar(exp_avg, bias_correction1)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive = ops.div(bias_correction2 ** 0.5, ops.add_scalar(ops.sqrt(exp_avg_sq), eps))
        update = ops.scale(ops.mul(ops.scale(corrected, lr), adaptive), rect)
    else:
        update = ops.scale(corrected, lr)
    return ops.add(p, ops.scale(update, -1.0)), exp_avg, exp_avg_sq


def rmsprop(ops: Any, p: Any, g: Any, square_avg: Any, grad_avg: Any, buf: Any, *, lr: float, alpha: float,
            eps: float, weight_decay: float, momentum: float, centered: bool, maximize: bool
            ) -> tuple[Any, Any, Any, Any]:
    """RMSprop (centered: variance about the running mean gradient; momentum on the scaled
    gradient); returns ``(p, square_avg, grad_avg, momentum_buffer)``."""
    g = _grad(ops, p, g, weight_decay, maximize)
    square_avg = _addcmul(ops, ops.scale(square_avg, alpha), g, g, 1.0 - alpha)
    if centered:
        grad_avg = lerp(ops, grad_avg, g, 1.0 - alpha)
        avg = ops.sqrt(_addcmul(ops, square_avg, grad_avg, grad_avg, -1.0))
    else:
        avg = ops.sqrt(square_avg)
    avg = ops.add_scalar(avg, eps)
    if momentum > 0:
        buf = _addcdiv(ops, ops.scale(buf, momentum), g, avg, 1.0)
        p = ops.add(p, ops.scale(buf, -lr))
    else:
        p = _addcdiv(ops, p, g, avg, -lr)
    return p, square_avg, grad_avg, buf


def adagrad(ops: Any, p: Any, g: Any, state_sum: Any, step: int, *, lr: float, lr_decay: float, eps: float,
            weight_decay: float, maximize: bool) -> tuple[Any, Any]:
    """Adagrad with learning-rate decay ``lr / (1 + (t - 1) lr_decay)``; returns ``(p, sum)``."""
    g = _grad(ops, p, g, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = _addcmul(ops, state_sum, g, g, 1.0)
    std = ops.add_scalar(ops.sqrt(state_sum), eps)
    return _addcdiv(ops, p, g, std, -clr), state_sum


def adadelta(ops: Any, p: Any, g: Any, square_avg: Any, acc_delta: Any, *, lr: float, rho: float, eps: float,
             weight_decay: float, maximize: bool) -> tuple[Any, Any, Any]:
    """Adadelta; returns ``(p, square_avg, acc_delta)``."""
    g = _grad(ops, p, g, weight_decay, maximize)
    square_avg = _addcmul(ops, ops.scale(square_avg, rho), g, g, 1.0 - rho)
    std = ops.sqrt(ops.add_scalar(square_avg, eps))
    delta = ops.mul(ops.div(ops.sqrt(ops.add_scalar(acc_delta, eps)), std), g)
    acc_delta = _addcmul(ops, ops.scale(acc_delta, rho), delta, delta, 1.0 - rho)
    return ops.add(p, ops.scale(delta, -lr)), square_avg, acc_delta


def rprop(ops: Any, p: Any, g: Any, prev: Any, step_size: Any, *, etaminus: float, etaplus: float,
          step_size_min: float, step_size_max: float, maximize: bool) -> tuple[Any, Any, Any]:
    """Rprop: per coordinate, the step size grows by ``etaplus`` where the gradient kept its
    sign, shrinks by ``etaminus`` where it flipped (and that coordinate's gradient is taken as
    0, so it neither moves nor compares next time), then is clamped to
    ``[step_size_min, step_size_max]``; the parameter moves ``step_size`` against the sign of
    the gradient. Returns ``(p, prev, step_size)``; ``prev`` is the (zeroed) gradient."""
    if maximize:
        g = ops.neg(g)
    s = ops.sign(ops.mul(g, prev))
    factor = ops.where(ops.gt(s, 0.0), etaplus, ops.where(ops.lt(s, 0.0), etaminus, ops.where(ops.eq(s, 0.0), 1.0, s)))
    step_size = ops.clip(ops.mul(step_size, factor), step_size_min, step_size_max)
    g = ops.where(ops.eq(factor, etaminus), 0.0, g)
    p = ops.add(p, ops.mul(ops.scale(ops.sign(g), -1.0), step_size))
    return p, g, step_size


def asgd_schedule(step: int, *, lr: float, lambd: float, alpha: float, t0: float) -> tuple[Any, float]:
    """ASGD's step size and averaging weight for the step after step ``step``: ``eta = lr /
    (1 + lambd lr step) ** alpha`` and ``mu = 1 / max(1, step - t0)`` (Python numbers; ``eta``
    is whatever Python's power gives, complex for a negative base, None on overflow or a zero
    denominator, for the caller to refuse)."""
    try:
        eta = lr / ((1 + lambd * lr * step) ** alpha)
    except (OverflowError, ZeroDivisionError):
        eta = None
    return eta, 1 / max(1, step - t0)


def asgd(ops: Any, p: Any, g: Any, ax: Any, *, eta: float, mu: float, lambd: float, weight_decay: float,
         maximize: bool) -> tuple[Any, Any]:
    """ASGD's update with this step's ``eta`` and ``mu``: ``p (1 - lambd eta) - eta g`` (L2
    weight decay in ``g``), then the average ``ax`` moves to the new parameter by ``mu`` (a copy
    of it while ``mu`` is 1). Returns ``(p, ax)``."""
    g = _grad(ops, p, g, weight_decay, maximize)
    p = ops.scale(p, 1 - lambd * eta)
    p = ops.add(p, ops.scale(g, -eta))
    if mu != 1:
        ax = ops.add(ax, ops.scale(ops.sub(p, ax), mu))
    else:
        ax = ops.scale(p, 1.0)  # torch: ax.copy_(param)
    return p, ax
