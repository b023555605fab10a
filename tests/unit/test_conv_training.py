"""A CNN written with ``torchlean.nn.functional`` exactly as in PyTorch trains like the PyTorch
program: the same losses over 20 SGD steps (float64), eagerly and compiled."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlean as tl
import torchlean.nn.functional as F

SHAPES = [(6, 1, 3, 3), (6,), (8, 3, 3, 2), (8,), (8, 4, 1, 1), (4,), (5, 4 * 6)]


def net(F, x, w1, b1, w2, b2, w3, b3, w4):
    """Same code for both libraries (``F`` is either functional module)."""
    h = F.relu(F.conv2d(x, w1, b1, padding=1))
    h = F.max_pool2d(h, 3, stride=2, padding=1, ceil_mode=True)
    h = F.relu(F.conv2d(h, w2, b2, padding="same", dilation=(1, 2), groups=2))
    h = F.avg_pool2d(F.pad(h, (1, 0, 0, 1), mode="replicate"), 2, stride=1, count_include_pad=False)
    h = F.conv_transpose2d(h, w3, b3, stride=2, output_padding=1)
    h = F.interpolate(h, size=(5, 7), mode="bilinear")
    h = F.adaptive_max_pool2d(h, (2, 3))
    return F.linear(h.flatten(1), w4)


def data():
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s) * 0.3 for s in SHAPES]
    return init, rng.standard_normal((4, 1, 9, 8)), rng.integers(0, 5, 4)


def torch_losses(steps, lr):
    init, x, y = data()
    ps = [torch.tensor(v, requires_grad=True) for v in init]
    out = []
    for _ in range(steps):
        loss = TF.cross_entropy(net(TF, torch.tensor(x), *ps), torch.tensor(y))
        grads = torch.autograd.grad(loss, ps)
        with torch.no_grad():
            for p, g in zip(ps, grads):
                p -= lr * g
        out.append(loss.item())
    return out


def _linear(x, w):
    return x.session.matmul(x, w.T)


class _Fns:
    """torchlean.nn.functional plus ``relu``/``linear`` in PyTorch's form (those belong to
    another family, so they are spelled with ``Ops`` here)."""

    def __getattr__(self, name):
        return getattr(F, name)

    @staticmethod
    def relu(x):
        return x.relu()

    @staticmethod
    def linear(x, w):
        return _linear(x, w)


@pytest.mark.parametrize("compiled", [False, True])
def test_cnn_losses_match_pytorch_for_20_steps(compiled):
    steps, lr = 20, 0.1
    ref = torch_losses(steps, lr)
    init, x, y = data()
    fns = _Fns()
    if compiled:
        params = [v.copy() for v in init]
        n = len(params)
        tr = tl.ScalarTrainer(params, [x, y], lambda ops, *a: ops.cross_entropy(net(fns, a[n], *a[:n]), a[n + 1]),
                              tl.Options(backend=tl.Backend.COMPILED, dtype=np.float64))
        losses = [float(tr.step(lr, x, y)) for _ in range(steps)]
    else:
        s = tl.Session(dtype=np.float64)
        params = [s.param(v) for v in init]
        losses = []
        for _ in range(steps):
            s.reset()
            loss = s.cross_entropy(net(fns, s.input(x), *[s.use(p) for p in params]), s.input(y))
            s.backward(loss)
            s.sgd_step(lr)
            losses.append(loss.item())
    np.testing.assert_allclose(losses, ref, rtol=1e-9)
    assert ref[-1] < ref[0]
