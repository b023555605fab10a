"""Update rules as pure functions over ``Ops``: the same rule runs on arrays (eagerly, on the
parameter's device) or inside a compiled graph.

Formulas (the seed's ``NN/Runtime/Optim``, which are PyTorch's):

* SGD: ``p - lr g``.
* Momentum SGD (dampening 0, no Nesterov): ``buf = mu buf + g``; ``p - lr buf``.
* Adam: ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``;
  ``p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` (eps outside the sqrt).
* AdamW: Adam with moments from the raw gradient, applied to ``p - lr wd p`` (decay first).
"""

from __future__ import annotations

import math
from typing import Any


def sgd(ops: Any, p: Any, g: Any, lr: Any) -> Any:
    """``lr`` is a Python float or a scalar tensor (a compiled step takes it as an input)."""
    return ops.sub(p, ops.mul(g, lr))


def momentum_sgd(ops: Any, p: Any, g: Any, buf: Any, lr: float, momentum: float) -> tuple[Any, Any]:
    buf = ops.add(ops.scale(buf, momentum), g)
    return ops.sub(p, ops.scale(buf, lr)), buf


def adam(ops: Any, p: Any, g: Any, m: Any, v: Any, t: int, lr: float, beta1: float, beta2: float,
         eps: float) -> tuple[Any, Any, Any]:
    m = ops.add(ops.scale(m, beta1), ops.scale(g, 1.0 - beta1))
    v = ops.add(ops.scale(v, beta2), ops.scale(ops.mul(g, g), 1.0 - beta2))
    step = lr / (1.0 - beta1 ** t)
    denom = ops.add_scalar(ops.scale(ops.sqrt(v), 1.0 / math.sqrt(1.0 - beta2 ** t)), eps)
    return ops.sub(p, ops.scale(ops.div(m, denom), step)), m, v


def adamw(ops: Any, p: Any, g: Any, m: Any, v: Any, t: int, lr: float, weight_decay: float,
          beta1: float, beta2: float, eps: float) -> tuple[Any, Any, Any]:
    p = ops.scale(p, 1.0 - lr * weight_decay)
    return adam(ops, p, g, m, v, t, lr, beta1, beta2, eps)
