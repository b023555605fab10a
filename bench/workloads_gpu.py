"""GPU workloads (benchmarks.md): G1 = W1's digits MLP on the GPU (launch-bound) and G3 = a
pre-norm transformer encoder block (batch 16, sequence 256, width 512, 8 heads, MLP 2048,
AdamW, no dropout). Each step ends with a device synchronisation so its time is complete.

``TL_BENCH_DEVICE=cpu`` runs the torchlean candidates on the CPU (a smoke test of this file).
"""

from __future__ import annotations

import math
import os

import numpy as np

DEVICE = os.environ.get("TL_BENCH_DEVICE", "cuda")
G3 = dict(batch=16, seq=256, width=512, heads=8, hidden=2048)
if DEVICE == "cpu":  # keep the smoke run small
    G3 = dict(batch=2, seq=16, width=32, heads=4, hidden=64)


def _sync_cupy():
    if DEVICE == "cpu":
        return lambda: None
    import cupy

    return cupy.cuda.get_current_stream().synchronize


# ----- G1 ------------------------------------------------------------------------------------------
def _g1_batches():
    from workloads import _digits_batches

    return _digits_batches()


def _g1_torchlean(backend):
    import torchlean as tl
    from torchlean.models import mlp_init, mlp_loss

    opts = tl.Options(device=DEVICE, backend=backend)
    tr = tl.ScalarTrainer(mlp_init([64, 128, 128, 10], seed=0), [(64, 64), ((64,), np.int64)], mlp_loss, opts)
    batches = [(tr._backend.asarray(x, np.float32), tr._backend.asarray(y, np.int64)) for x, y in _g1_batches()]
    sync, i = _sync_cupy(), [0]

    def step():
        x, y = batches[i[0] % len(batches)]
        i[0] += 1
        tr.step(0.1, x, y)
        sync()

    return step


def g1_torchlean_eager():
    import torchlean as tl

    return _g1_torchlean(tl.Backend.EAGER)


def g1_torchlean_compiled():
    import torchlean as tl

    return _g1_torchlean(tl.Backend.COMPILED)


def g1_pytorch_eager():
    import torch
    import torch.nn.functional as F

    from torchlean.models import mlp_init

    dev = "cuda"
    params = [torch.tensor(v, device=dev, requires_grad=True) for v in mlp_init([64, 128, 128, 10], seed=0)]
    batches = [(torch.tensor(x, device=dev), torch.tensor(y, device=dev)) for x, y in _g1_batches()]
    i = [0]

    def step():
        x, y = batches[i[0] % len(batches)]
        i[0] += 1
        w1, b1, w2, b2, w3, b3 = params
        h = torch.relu(F.linear(torch.relu(F.linear(x, w1, b1)), w2, b2))
        F.cross_entropy(F.linear(h, w3, b3), y).backward()
        with torch.no_grad():
            for p in params:
                p -= 0.1 * p.grad
                p.grad = None
        torch.cuda.synchronize()

    return step


# ----- G3 ------------------------------------------------------------------------------------------
def _g3_init():
    from torchlean.random import uniform_host

    d, hid = G3["width"], G3["hidden"]
    shapes = [(d,), (d,), (d, d), (d, d), (d, d), (d, d), (d,), (d,), (hid, d), (hid,), (d, hid), (d,)]
    params = []
    for k, s in enumerate(shapes):
        if k in (0, 6):
            params.append(np.ones(s, np.float32))
        elif k in (1, 7, 9, 11):
            params.append(np.zeros(s, np.float32))
        else:
            bound = 1 / math.sqrt(s[-1])
            params.append(uniform_host(0, k, s, -bound, bound))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((G3["batch"], G3["seq"], d)).astype(np.float32)
    target = rng.standard_normal((G3["batch"], G3["seq"], d)).astype(np.float32)
    return params, x, target


def block_loss(ops, g1, b1, wq, wk, wv, wo, g2, b2, w1, c1, w2, c2, x, target):
    """Pre-norm encoder block then MSE to a fixed target."""
    h = ops.add(x, ops.multi_head_attention(wq, wk, wv, wo, ops.layer_norm(x, g1, b1), num_heads=G3["heads"]))
    m = ops.linear(w2, c2, ops.gelu(ops.linear(w1, c1, ops.layer_norm(h, g2, b2))))
    return ops.mse_loss(ops.add(h, m), target)


def _g3_torchlean(backend):
    import torchlean as tl

    params, x, target = _g3_init()
    tr = tl.ScalarTrainer(params, [x, target], block_loss, tl.Options(device=DEVICE, backend=backend))
    xd, td = tr._backend.asarray(x, np.float32), tr._backend.asarray(target, np.float32)
    sync = _sync_cupy()

    def step():
        tr.adamw_step(1e-4, xd, td)
        sync()

    return step


def g3_torchlean_eager():
    import torchlean as tl

    return _g3_torchlean(tl.Backend.EAGER)


def g3_torchlean_compiled():
    import torchlean as tl

    return _g3_torchlean(tl.Backend.COMPILED)


def g3_pytorch_eager():
    import torch
    import torch.nn.functional as F

    params, x, target = _g3_init()
    dev = "cuda"
    ps = [torch.tensor(p, device=dev, requires_grad=True) for p in params]
    x, target = torch.tensor(x, device=dev), torch.tensor(target, device=dev)
    opt = torch.optim.AdamW(ps, lr=1e-4, weight_decay=0.01)
    heads, d = G3["heads"], G3["width"]
    hd = d // heads

    def attention(z, wq, wk, wv, wo):
        b, n, _ = z.shape
        q, k, v = ((z @ w).view(b, n, heads, hd).transpose(1, 2) for w in (wq, wk, wv))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
        return (a @ v).transpose(1, 2).reshape(b, n, d) @ wo

    def step():
        g1, b1, wq, wk, wv, wo, g2, b2, w1, c1, w2, c2 = ps
        h = x + attention(F.layer_norm(x, (d,), g1, b1, 1e-6), wq, wk, wv, wo)
        m = F.linear(F.gelu(F.linear(F.layer_norm(h, (d,), g2, b2, 1e-6), w1, c1), approximate="tanh"), w2, c2)
        F.mse_loss(h + m, target).backward()
        opt.step()
        opt.zero_grad()
        torch.cuda.synchronize()

    return step
