"""Benchmark workload W3 (small CNN training step on digits), one function per candidate.

digits as 1x8x8 images, batch 64: conv 1->16 3x3 pad 1, ReLU, max-pool 2, conv 16->32 3x3 pad 1,
ReLU, global average pool, linear 32->10, cross-entropy, SGD lr 0.1; one step = forward +
backward + update. Every candidate starts from the same parameters (PyTorch's default init
bounds, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from torchlean's SplitMix64 stream) and walks
the same fixed shuffled batches. Each function imports what it needs and returns a
zero-argument step; see common.py.
"""

from __future__ import annotations

import math

import numpy as np

from workloads import _cycle, eager_sgd_step, torch_sgd_step

BATCH = 64


def cnn_init(seed: int = 0) -> list[np.ndarray]:
    """[w1, b1, w2, b2, w3, b3] of the W3 CNN, float32."""
    from torchlean.random import uniform_host

    shapes = [((16, 1, 3, 3), 9), ((16,), 9), ((32, 16, 3, 3), 144), ((32,), 144),
              ((10, 32), 32), ((10,), 32)]
    out = []
    for i, (shape, fan_in) in enumerate(shapes):
        bound = 1.0 / math.sqrt(fan_in)
        out.append(uniform_host(seed, i, shape, -bound, bound, np.float32))
    return out


def digits_images() -> list[tuple[np.ndarray, np.ndarray]]:
    """Fixed shuffled batches of (64, 1, 8, 8) float32 images and int64 labels."""
    from torchlean.data import load_digits

    xtr, ytr, _, _ = load_digits(seed=0)
    order = np.random.default_rng(0).permutation(len(xtr))
    return [(np.ascontiguousarray(xtr[order[i:i + BATCH]].reshape(BATCH, 1, 8, 8)),
             ytr[order[i:i + BATCH]]) for i in range(0, len(xtr) - BATCH + 1, BATCH)]


def cnn_loss(ops, w1, b1, w2, b2, w3, b3, x, labels):
    """The W3 model, written once against ``Ops``."""
    h = ops.relu(ops.conv2d(w1, b1, x, 1, 1))
    h = ops.max_pool2d(h, 2)
    h = ops.relu(ops.conv2d(w2, b2, h, 1, 1))
    return ops.cross_entropy(ops.linear(w3, b3, ops.global_avg_pool2d(h)), labels)


def w3_torchlean_eager():
    return eager_sgd_step(cnn_loss, cnn_init(), digits_images())


def w3_torchlean_compiled():
    import torchlean as tl

    batches = _cycle(digits_images())
    x0, y0 = digits_images()[0]
    tr = tl.ScalarTrainer(cnn_init(), [x0, y0], cnn_loss, tl.Options(backend=tl.Backend.COMPILED))

    def step():
        tr.step(0.1, *next(batches))

    return step


def w3_torchlean_eager_keep():
    """The eager step in a process whose glibc keeps freed memory (``TORCHLEAN_MALLOC=keep``)."""
    from torchlean.backends import keep_freed_memory

    keep_freed_memory()
    return w3_torchlean_eager()


def w3_torchlean_compiled_keep():
    """The compiled step in a process whose glibc keeps freed memory."""
    from torchlean.backends import keep_freed_memory

    keep_freed_memory()
    return w3_torchlean_compiled()


def _w3_torch_forward(params, xb, yb):
    import torch
    import torch.nn.functional as F

    w1, b1, w2, b2, w3, b3 = params
    h = F.max_pool2d(torch.relu(F.conv2d(xb, w1, b1, padding=1)), 2)
    h = torch.relu(F.conv2d(h, w2, b2, padding=1))
    return F.cross_entropy(F.linear(h.mean((2, 3)), w3, b3), yb)


def w3_pytorch_eager():
    return torch_sgd_step(_w3_torch_forward, cnn_init(), digits_images())


def w3_torch_compile():
    return torch_sgd_step(_w3_torch_forward, cnn_init(), digits_images(), compiled=True)
