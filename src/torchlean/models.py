"""Small models written once against ``Ops``, so they run eagerly or compiled."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .random import uniform_host


def mlp_init(sizes: Sequence[int], seed: int = 0, dtype: Any = np.float32) -> list[np.ndarray]:
    """Weights and biases ``[w1, b1, w2, b2, ...]`` (w: (out, in)), PyTorch's default
    ``Linear`` init: U(-1/sqrt(in), 1/sqrt(in)), drawn from the SplitMix64 stream of ``seed``."""
    params = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        bound = 1.0 / math.sqrt(fan_in)
        params.append(uniform_host(seed, 2 * i, (fan_out, fan_in), -bound, bound, dtype))
        params.append(uniform_host(seed, 2 * i + 1, (fan_out,), -bound, bound, dtype))
    return params


def mlp(ops: Any, params: Sequence[Any], x: Any) -> Any:
    """Logits of an MLP with ReLU between layers; ``params`` as from ``mlp_init``."""
    h = x
    n = len(params) // 2
    for i in range(n):
        h = ops.linear(params[2 * i], params[2 * i + 1], h)
        if i < n - 1:
            h = ops.relu(h)
    return h


def mlp_loss(ops: Any, *args: Any) -> Any:
    """Mean cross-entropy of ``mlp``: ``args = (*params, x, labels)``."""
    *params, x, labels = args
    return ops.cross_entropy(mlp(ops, params, x), labels)
