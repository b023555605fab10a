"""Optimizer updates inside the compiled step: one graph computes the loss, the gradients and
the new parameters (and optimizer state), so the memory plan and elementwise fusion cover
the update too (one fused kernel per parameter instead of a dozen array passes).

Each builder extends a gradient graph (outputs: loss, then one gradient per trainable input)
with the update of ``optim/rules.py``, written with the same ops in the same order. The
hyper-parameters that change between steps (the learning rate, Adam's bias corrections)
are 0-d inputs of the graph, multiplied (or divided) in where the rules scale by a Python
float; NumPy rounds a Python float to the array's dtype before the operation, so the two
agree bit for bit. Everything else (betas, eps, weight decay, flags) is part of the graph.

Inputs added after the gradient graph's inputs, in order:

* ``sgd``: ``lr``.
* ``momentum``: one buffer per trainable parameter (none with ``first``), then ``-lr``.
* ``adam``: ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq`` with amsgrad) per parameter,
  then the scalars of ``adam_scalars``: ``-lr / (1 - beta1^t)``, ``sqrt(1 - beta2^t)`` and,
  for decoupled weight decay, ``1 - lr * weight_decay``.

Outputs: the loss, the new trainable parameters, then the new state arrays in input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.types import TensorType, as_dtype
from ..optim import rules
from .ir import Graph
from .transforms import extend_graph


def _scalar(dtype: Any) -> TensorType:
    return TensorType((), as_dtype(dtype))


def sgd_graph(grad: Graph, trainable: Sequence[int], dtype: Any) -> Graph:
    """``p - lr g`` for each trainable input (``rules.sgd``)."""

    def build(ops, ins, outs, extras):
        lr = extras[0]
        return [outs[0]] + [rules.sgd(ops, ins[i], g, lr) for i, g in zip(trainable, outs[1:])]

    return extend_graph(grad, [_scalar(dtype)], build)


def momentum_graph(grad: Graph, trainable: Sequence[int], dtype: Any, momentum: float, dampening: float = 0.0,
                   first: bool = False) -> Graph:
    """``rules.sgd_momentum`` without weight decay or Nesterov: ``buf = momentum buf + (1 -
    dampening) g`` (``first``: ``buf = g``, torch's first step), ``p + (-lr) buf``."""
    types = [] if first else [grad.inputs[i].type for i in trainable]

    def build(ops, ins, outs, extras):
        bufs, neg_lr = extras[:-1], extras[-1]
        new_p, new_b = [], []
        for k, (i, g) in enumerate(zip(trainable, outs[1:])):
            buf = ops.scale(g, 1.0) if first else ops.add(ops.scale(bufs[k], momentum), ops.scale(g, 1.0 - dampening))
            new_p.append(ops.add(ins[i], ops.mul(buf, neg_lr)))
            new_b.append(buf)
        return [outs[0], *new_p, *new_b]

    return extend_graph(grad, [*types, _scalar(dtype)], build)


def adam_graph(grad: Graph, trainable: Sequence[int], dtype: Any, *, beta1: float, beta2: float, eps: float,
               weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False,
               decoupled: bool = False) -> Graph:
    """``rules.adam`` (Adam, or AdamW with ``decoupled``) with runtime step-dependent scalars."""
    types = [grad.inputs[i].type for i in trainable]
    n = len(trainable)
    nstate = 3 if amsgrad else 2
    decay = decoupled and weight_decay != 0

    def build(ops, ins, outs, extras):
        ms, vs, vmaxs = extras[:n], extras[n:2 * n], extras[2 * n:3 * n] if amsgrad else [None] * n
        neg_step, bc2_sqrt = extras[nstate * n], extras[nstate * n + 1]
        new_p, new_m, new_v, new_vmax = [], [], [], []
        for i, g, m, v, vmax in zip(trainable, outs[1:], ms, vs, vmaxs):
            p = ins[i]
            if maximize:
                g = ops.neg(g)
            if weight_decay != 0:
                if decoupled:
                    p = ops.mul(p, extras[nstate * n + 2])
                else:
                    g = ops.add(g, ops.scale(p, weight_decay))
            m = rules.lerp(ops, m, g, 1.0 - beta1)
            v = ops.add(ops.scale(v, beta2), ops.mul(ops.scale(g, 1.0 - beta2), g))
            if amsgrad:
                vmax = ops.maximum(vmax, v)
                new_vmax.append(vmax)
            denom = ops.add_scalar(ops.div(ops.sqrt(vmax if amsgrad else v), bc2_sqrt), eps)
            new_p.append(ops.add(p, ops.div(ops.mul(m, neg_step), denom)))
            new_m.append(m)
            new_v.append(v)
        return [outs[0], *new_p, *new_m, *new_v, *new_vmax]

    extra = [*types * nstate, _scalar(dtype), _scalar(dtype)] + ([_scalar(dtype)] if decay else [])
    return extend_graph(grad, extra, build)


def adam_scalars(step: int, lr: float, beta1: float, beta2: float, weight_decay: float = 0.0,
                 decoupled: bool = False) -> list[float]:
    """The runtime inputs of ``adam_graph`` at (new) step count ``step``, computed exactly as
    ``rules.adam`` computes its Python floats."""
    out = [-(lr / (1.0 - beta1 ** step)), (1.0 - beta2 ** step) ** 0.5]
    if decoupled and weight_decay != 0:
        out.append(1.0 - lr * weight_decay)
    return out
