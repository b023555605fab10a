"""The PyTorch loop without ``s.reset()``: memory stays flat over 10,000 steps and the numbers
equal the seed's explicit-reset loop bit for bit (backward frees the graph it consumed)."""

import os

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def build():
    tl.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = tl.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, opt


def data(i):
    rng = np.random.default_rng(i % 16)  # a few fixed batches, cycled
    return rng.standard_normal((4, 8)).astype(np.float32), rng.integers(0, 3, 4)


def train(steps, reset, probe=None):
    model, opt = build()
    s = tl.Session()
    losses = []
    for i in range(steps):
        if reset:
            s.reset()
        x, y = data(i)
        loss = F.cross_entropy(model(s.input(x)), s.input(y))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
        if probe is not None:
            probe(i, s)
    return losses, [p.value.copy() for p in model.parameters()]


def test_the_no_reset_loop_equals_the_reset_loop_bit_for_bit():
    a, pa = train(300, reset=False)
    b, pb = train(300, reset=True)
    assert a == b
    for u, v in zip(pa, pb):
        np.testing.assert_array_equal(u, v)


def test_the_no_reset_loop_keeps_memory_flat_over_10000_steps():
    marks = {}

    def probe(i, s):
        if i + 1 in (1000, 10000):
            marks[i + 1] = (rss_bytes(), len(s))

    losses, _ = train(10000, reset=False, probe=probe)
    (rss1, tape1), (rss2, tape2) = marks[1000], marks[10000]
    assert rss2 - rss1 < 5 * 2**20, f"RSS grew by {(rss2 - rss1) / 2**20:.2f} MiB from step 1000 to 10000"
    assert tape2 == tape1 and tape1 < 50  # what stays on the tape between steps does not grow
    assert np.mean(losses[-100:]) < np.mean(losses[:100])
