"""A CNN written with ``F.*`` and tensor methods exactly as in PyTorch (conv with padding,
max-pool, batch norm with running statistics, dropout, cross-entropy), parameters as session
params, trained with the PyTorch loop (``loss.backward(); opt.step(); opt.zero_grad()``, no
reset): the same losses as the PyTorch program over 20 steps (float64, rtol 1e-9), eager and
through ``tl.compile``.

Dropout masks come from torchlean's SplitMix64 stream, PyTorch's from its own generator; the
PyTorch program here draws its masks from the same stream (``uniform_host``), so both programs
drop the same units and the comparison covers dropout's scaling and gradient.
"""

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as tlF
from torchlean.random import uniform_host

TF = torch.nn.functional
STEPS, LR, P, SEED = 20, 0.05, 0.25, 11


class TorchDropout:
    """``TF`` with ``dropout`` drawing torchlean's mask for the same (seed, counter)."""

    def __init__(self):
        self.counter = 0

    def __getattr__(self, name):
        return getattr(TF, name)

    def dropout(self, x, p, training=True):
        u = uniform_host(SEED, self.counter, tuple(x.shape), dtype=np.float64)
        self.counter += 1
        return x * torch.tensor(u < 1.0 - p) / (1.0 - p)


def cnn(F, p, x, rm, rv):
    h = F.conv2d(x, p["c1"], p["b1"], padding=1)
    h = F.batch_norm(h, rm, rv, p["g1"], p["be1"], training=True, momentum=0.1)
    h = F.max_pool2d(F.relu(h), 2)
    h = F.conv2d(h, p["c2"], None, padding="same")
    h = F.dropout(F.relu(h), P, training=True)
    h = h.flatten(1)
    return F.linear(h, p["fc"], p["fcb"])


def init():
    rng = np.random.default_rng(3)
    n = lambda *s: rng.standard_normal(s) * 0.3
    params = {"c1": n(4, 2, 3, 3), "b1": n(4), "g1": 1 + n(4), "be1": n(4), "c2": n(4, 4, 3, 3),
              "fc": n(3, 4 * 3 * 3), "fcb": n(3)}
    batches = [(rng.standard_normal((5, 2, 6, 6)), rng.integers(0, 3, 5)) for _ in range(STEPS)]
    return params, batches


def torch_run():
    params, batches = init()
    ps = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    rm, rv = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    opt = torch.optim.SGD(ps.values(), lr=LR, momentum=0.9)
    F = TorchDropout()
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(cnn(F, ps, torch.tensor(x), rm, rv), torch.tensor(y))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    return losses, rm.numpy(), rv.numpy()


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_cnn_trains_like_the_pytorch_program(compiled):
    ref, ref_rm, ref_rv = torch_run()
    params, batches = init()
    s = tl.Session(dtype=np.float64, seed=SEED)
    ps = {k: s.param(v, name=k) for k, v in params.items()}
    rm, rv = tl.Buffer(np.zeros(4)), tl.Buffer(np.ones(4))
    opt = tl.optim.SGD(ps.values(), lr=LR, momentum=0.9)

    def loss_fn(x, y):
        return tlF.cross_entropy(cnn(tlF, ps, x, rm, rv), y)

    step = tl.compile(loss_fn) if compiled else loss_fn
    losses = []
    for x, y in batches:
        loss = step(s.input(x), s.input(y))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    np.testing.assert_allclose(losses, ref, rtol=1e-9)
    np.testing.assert_allclose(rm.value, ref_rm, rtol=1e-9)
    np.testing.assert_allclose(rv.value, ref_rv, rtol=1e-9)
    assert losses[-1] < losses[0]
    if compiled:
        assert step.cache_size == 1
