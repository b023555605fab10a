"""Benchmark workloads W1 (digits MLP step) and W2 (100-op chain), one function per candidate.

Each function imports what it needs and returns a zero-argument step; see common.py.
"""

from __future__ import annotations

import numpy as np

CHAIN = 100


def _digits_batches():
    from torchlean.data import load_digits

    xtr, ytr, _, _ = load_digits(seed=0)
    order = np.random.default_rng(0).permutation(len(xtr))
    return [(xtr[order[i:i + 64]], ytr[order[i:i + 64]]) for i in range(0, len(xtr) - 63, 64)]


def _mlp_init():
    from torchlean.models import mlp_init

    return mlp_init([64, 128, 128, 10], seed=0)


def _cycle(items):
    i = 0
    while True:
        yield items[i % len(items)]
        i += 1


# ----- W1 ------------------------------------------------------------------------------------------
def eager_sgd_step(loss, init, batches):
    """A torchlean eager training step: fresh tape, forward, backward, SGD 0.1, zeroed grads
    (as the PyTorch steps set ``p.grad = None``)."""
    import torchlean as tl

    batches = _cycle(batches)
    s = tl.Session()
    params = [s.param(v) for v in init]

    def step():
        xb, yb = next(batches)
        s.reset()
        loss(s, *[s.use(p) for p in params], s.input(xb), s.input(yb)).backward()
        s.sgd_step(0.1)
        s.zero_grad()

    return step


def w1_torchlean_eager():
    from torchlean.models import mlp_loss

    return eager_sgd_step(mlp_loss, _mlp_init(), _digits_batches())


def torch_sgd_step(forward, init, batches, compiled=False):
    """A PyTorch training step: ``forward(params, x, y) -> loss``, backward, manual SGD 0.1
    under no_grad, ``p.grad = None``. With ``compiled`` the forward (and with it the backward,
    through AOTAutograd) is ``torch.compile``d; its compilation happens in the warm-up."""
    import torch

    if compiled:
        forward = torch.compile(forward)
    batches = _cycle([(torch.tensor(x), torch.tensor(y)) for x, y in batches])
    params = [torch.tensor(v, requires_grad=True) for v in init]

    def step():
        xb, yb = next(batches)
        forward(params, xb, yb).backward()
        with torch.no_grad():
            for p in params:
                p -= 0.1 * p.grad
                p.grad = None

    return step


def _w1_torch_forward(params, xb, yb):
    import torch
    import torch.nn.functional as F

    w1, b1, w2, b2, w3, b3 = params
    h = torch.relu(F.linear(torch.relu(F.linear(xb, w1, b1)), w2, b2))
    return F.cross_entropy(F.linear(h, w3, b3), yb)


def w1_pytorch_eager():
    return torch_sgd_step(_w1_torch_forward, _mlp_init(), _digits_batches())


def w1_torch_compile():
    return torch_sgd_step(_w1_torch_forward, _mlp_init(), _digits_batches(), compiled=True)


def w1_numpy_hand():
    batches = _cycle(_digits_batches())
    params = _mlp_init()

    def step():
        xb, yb = next(batches)
        w1, b1, w2, b2, w3, b3 = params
        a1 = xb @ w1.T + b1
        h1 = np.maximum(a1, 0)
        a2 = h1 @ w2.T + b2
        h2 = np.maximum(a2, 0)
        z = h2 @ w3.T + b3
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(yb)), yb] -= 1
        dz = p / len(yb)
        d2 = (dz @ w3) * (a2 > 0)
        d1 = (d2 @ w2) * (a1 > 0)
        grads = (d1.T @ xb, d1.sum(0), d2.T @ h1, d2.sum(0), dz.T @ h2, dz.sum(0))
        for i, g in enumerate(grads):
            params[i] = params[i] - 0.1 * g

    return step


# ----- W2 ------------------------------------------------------------------------------------------
def _x16():
    return np.random.default_rng(0).random(16).astype(np.float32)


def w2_torchlean_eager():
    import torchlean as tl

    x0 = _x16()
    s = tl.Session()

    def step():
        s.reset()
        x = s.input(x0, requires_grad=True)
        y = x
        for i in range(CHAIN):
            k = i % 3
            y = y + 0.1 if k == 0 else (y * 0.9 if k == 1 else y.tanh())
        s.backward(y.sum())

    return step


def _w2_torch(compiled):
    import torch

    x = torch.tensor(_x16(), requires_grad=True)

    def chain(x):
        y = x
        for i in range(CHAIN):
            k = i % 3
            y = y + 0.1 if k == 0 else (y * 0.9 if k == 1 else torch.tanh(y))
        return y.sum()

    f = torch.compile(chain) if compiled else chain

    def step():
        f(x).backward()
        x.grad = None

    return step


def w2_pytorch_eager():
    return _w2_torch(False)


def w2_torch_compile():
    return _w2_torch(True)


# ----- compiled candidates ----------------------------------------------------------------------
def w1_torchlean_compiled():
    import torchlean as tl
    from torchlean.models import mlp_loss

    batches = _cycle(_digits_batches())
    tr = tl.ScalarTrainer(_mlp_init(), [(64, 64), ((64,), np.int64)], mlp_loss,
                          tl.Options(backend=tl.Backend.COMPILED))

    def step():
        xb, yb = next(batches)
        tr.step(0.1, xb, yb)

    return step


def _chain(ops, x):
    y = x
    for i in range(CHAIN):
        k = i % 3
        y = ops.add(y, 0.1) if k == 0 else (ops.mul(y, 0.9) if k == 1 else ops.tanh(y))
    return ops.sum(y)


def w2_torchlean_compiled():
    import torchlean as tl

    x = _x16()
    c = tl.compile_scalar(_chain, [x])
    return lambda: c.backward(x)


def w2_numpy_hand():
    x = _x16()

    def step():
        ys = [x]
        for i in range(CHAIN):
            k = i % 3
            y = ys[-1]
            ys.append(y + np.float32(0.1) if k == 0 else (y * np.float32(0.9) if k == 1 else np.tanh(y)))
        g = np.ones_like(x)
        for i in reversed(range(CHAIN)):
            k = i % 3
            if k == 1:
                g = g * np.float32(0.9)
            elif k == 2:
                g = g * (1 - ys[i + 1] * ys[i + 1])
        return g

    return step
