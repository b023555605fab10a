"""Benchmark workload W4 (BLAS-bound MLP), one function per candidate.

X (256, 1024) -> linear 4096 -> ReLU -> linear 1024, MSE to a fixed target; one step is the
forward pass and the gradients of both weights and both biases (5 matmuls, 10.74 GFLOP),
float32, no update. Every candidate starts from the same arrays. Each function imports what it
needs and returns a zero-argument step; see common.py.
"""

from __future__ import annotations

import numpy as np

N, D, H = 256, 1024, 4096


def w4_arrays() -> list[np.ndarray]:
    """[w1, b1, w2, b2, x, target], float32 (weights scaled by 1/sqrt(fan_in))."""
    rng = np.random.default_rng(4)
    shapes = [((H, D), D), ((H,), D), ((D, H), H), ((D,), H), ((N, D), 1), ((N, D), 1)]
    return [(rng.standard_normal(s) / np.sqrt(f)).astype(np.float32) for s, f in shapes]


def w4_loss(ops, w1, b1, w2, b2, x, y):
    return ops.mse_loss(ops.linear(w2, b2, ops.relu(ops.linear(w1, b1, x))), y)


def w4_numpy_hand():
    w1, b1, w2, b2, x, y = w4_arrays()

    def step():
        a = x @ w1.T
        a += b1
        h = np.maximum(a, 0)
        z = h @ w2.T
        z += b2
        d = z - y
        loss = (d * d).sum() / d.size
        dz = d * np.float32(2 / d.size)
        gw2, gb2 = dz.T @ h, dz.sum(0)
        dh = dz @ w2
        dh *= a > 0
        return loss, dh.T @ x, dh.sum(0), gw2, gb2

    return step


def w4_torchlean_eager():
    import torchlean as tl

    w1, b1, w2, b2, x, y = w4_arrays()
    s = tl.Session()
    params = [s.param(v) for v in (w1, b1, w2, b2)]
    # the data is made into tensors once, as the PyTorch candidate's torch.tensor(x) is: a
    # Param without a gradient outlives reset, where s.input would copy it again every step
    data = [s.param(v, requires_grad=False) for v in (x, y)]

    def step():
        s.reset()
        refs = [s.use(p) for p in params]
        loss = w4_loss(s, *refs, *[s.use(d) for d in data])
        grads = s.backward(loss)
        s.zero_grad()  # as the PyTorch step sets p.grad = None: no accumulation into Param.grad
        return [grads[r] for r in refs]

    return step


def w4_torchlean_compiled():
    import torchlean as tl

    arrays = w4_arrays()
    c = tl.compile_scalar(w4_loss, arrays, wrt=[True] * 4 + [False] * 2)
    return lambda: c.value_and_grad(*arrays)


def _w4_torch(compiled):
    import torch
    import torch.nn.functional as F

    w1, b1, w2, b2, x, y = (torch.tensor(a) for a in w4_arrays())
    params = [p.requires_grad_(True) for p in (w1, b1, w2, b2)]

    def loss(w1, b1, w2, b2, x, y):
        return F.mse_loss(F.linear(torch.relu(F.linear(x, w1, b1)), w2, b2), y)

    f = torch.compile(loss) if compiled else loss

    def step():
        f(*params, x, y).backward()
        grads = [p.grad for p in params]
        for p in params:
            p.grad = None
        return grads

    return step


def w4_pytorch_eager():
    return _w4_torch(False)


def w4_torch_compile():
    return _w4_torch(True)
