"""Optimizer updates inside the compiled step: one graph computes the loss, the gradients and
the new parameters (and optimizer state), so the memory plan and elementwise fusion cover
the update too (one fused kernel per parameter instead of a dozen array passes).

Each builder extends a gradient graph (outputs: loss, then one gradient per trainable input)
with the update of ``optim/rules.py``, written with the same ops in the same order. The
hyper-parameters that change between steps (the learning rate, Adam's bias corrections)
are 0-d inputs of the graph, multiplied in where the rules scale by a Python float; NumPy
rounds a Python float to the array's dtype before multiplying, so the two agree bit for bit.

Inputs added after the gradient graph's inputs, in order:

* ``sgd``: ``lr``.
* ``momentum``: one buffer per trainable parameter, then ``lr``.
* ``adam``: first moments, second moments, then ``step = lr / (1 - beta1^t)`` and
  ``corr2 = 1 / sqrt(1 - beta2^t)`` (and ``decay = 1 - lr * weight_decay`` for AdamW).

Outputs: the loss, the new trainable parameters, then the new state arrays in input order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .._core.types import TensorType, as_dtype
from .ir import Graph
from .transforms import extend_graph


def _scalar(dtype: Any) -> TensorType:
    return TensorType((), as_dtype(dtype))


def sgd_graph(grad: Graph, trainable: Sequence[int], dtype: Any) -> Graph:
    """``p - lr g`` for each trainable input."""

    def build(ops, ins, outs, extras):
        lr = extras[0]
        return [outs[0]] + [ops.sub(ins[i], ops.mul(g, lr)) for i, g in zip(trainable, outs[1:])]

    return extend_graph(grad, [_scalar(dtype)], build)


def momentum_graph(grad: Graph, trainable: Sequence[int], dtype: Any, momentum: float) -> Graph:
    """``buf = momentum buf + g; p - lr buf`` (dampening 0, no Nesterov)."""
    types = [grad.inputs[i].type for i in trainable]

    def build(ops, ins, outs, extras):
        bufs, lr = extras[:-1], extras[-1]
        new_p, new_b = [], []
        for i, g, buf in zip(trainable, outs[1:], bufs):
            buf = ops.add(ops.scale(buf, momentum), g)
            new_p.append(ops.sub(ins[i], ops.mul(buf, lr)))
            new_b.append(buf)
        return [outs[0], *new_p, *new_b]

    return extend_graph(grad, [*types, _scalar(dtype)], build)


def adam_graph(grad: Graph, trainable: Sequence[int], dtype: Any, beta1: float, beta2: float, eps: float,
               decoupled_decay: bool = False) -> Graph:
    """Adam (or AdamW with ``decoupled_decay``): ``rules.adam`` with runtime bias corrections."""
    types = [grad.inputs[i].type for i in trainable]
    n = len(trainable)

    def build(ops, ins, outs, extras):
        ms, vs, scal = extras[:n], extras[n:2 * n], extras[2 * n:]
        step, corr2 = scal[0], scal[1]
        new_p, new_m, new_v = [], [], []
        for i, g, m, v in zip(trainable, outs[1:], ms, vs):
            p = ops.mul(ins[i], scal[2]) if decoupled_decay else ins[i]
            m = ops.add(ops.scale(m, beta1), ops.scale(g, 1.0 - beta1))
            v = ops.add(ops.scale(v, beta2), ops.scale(ops.mul(g, g), 1.0 - beta2))
            denom = ops.add_scalar(ops.mul(ops.sqrt(v), corr2), eps)
            new_p.append(ops.sub(p, ops.mul(ops.div(m, denom), step)))
            new_m.append(m)
            new_v.append(v)
        return [outs[0], *new_p, *new_m, *new_v]

    extra = [*types, *types, _scalar(dtype), _scalar(dtype)] + ([_scalar(dtype)] if decoupled_decay else [])
    return extend_graph(grad, extra, build)


def adam_scalars(t: int, lr: float, beta1: float, beta2: float, weight_decay: float | None = None) -> list[float]:
    """The runtime inputs of ``adam_graph`` at step ``t`` (the Python floats the rules use)."""
    out = [lr / (1.0 - beta1 ** t), 1.0 / math.sqrt(1.0 - beta2 ** t)]
    if weight_decay is not None:
        out.append(1.0 - lr * weight_decay)
    return out
