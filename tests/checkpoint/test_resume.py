"""A run resumed from a checkpoint continues bit for bit (eager: Adam, dropout, shuffled data)."""

import numpy as np

import torchlean as tl
from torchlean.checkpoint import load, save
from torchlean.data import DataLoader, TensorDataset

RNG = np.random.default_rng(0)
X = RNG.standard_normal((40, 6))
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)


def make():
    s = tl.Session(seed=5, dtype=np.float64)
    init = np.random.default_rng(1)
    params = [s.param(init.standard_normal((8, 6)) * 0.3, name="w1"), s.param(np.zeros(8), name="b1"),
              s.param(init.standard_normal((2, 8)) * 0.3, name="w2"), s.param(np.zeros(2), name="b2")]
    opt = tl.Adam(params, lr=0.01)
    loader = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True, seed=3)
    return s, params, opt, loader


def epoch(s, params, opt, loader):
    losses = []
    w1, b1, w2, b2 = params
    for xb, yb in loader:
        h = s.linear(w1, b1, s.input(xb)).relu()
        h = h * s.bernoulli_mask(0.8, h.shape) / 0.8  # dropout from the session's stream
        loss = s.cross_entropy(s.linear(w2, b2, h), s.input(yb))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    return losses


def state(s, params, opt, loader):
    return {"params": list(params), "optimizer": opt.state_dict(), "rng": s.rng_state(),
            "sampler": loader.sampler.state_dict()}


def restore(ckpt, s, params, opt, loader):
    for p, v in zip(params, ckpt["params"]):
        p.set_value(v)
    opt.load_state_dict(ckpt["optimizer"])
    s.set_rng_state(ckpt["rng"])
    loader.sampler.load_state_dict(ckpt["sampler"])


def test_resume_continues_bit_for_bit(tmp_path):
    run = make()
    straight = epoch(*run) + epoch(*run) + epoch(*run)
    final = [p.value.copy() for p in run[1]]

    first = make()
    part1 = epoch(*first)
    save(state(*first), tmp_path / "ckpt.safetensors")
    del first
    second = make()  # a fresh process would start like this
    restore(load(tmp_path / "ckpt.safetensors"), *second)
    part2 = epoch(*second) + epoch(*second)

    assert part1 + part2 == straight  # every loss, as floats, identical
    for a, b in zip(final, second[1]):
        assert a.tobytes() == b.value.tobytes()
    assert second[0].rng_state() == run[0].rng_state()


def test_without_the_random_state_the_run_diverges(tmp_path):
    run = make()
    straight = epoch(*run) + epoch(*run)
    first = make()
    epoch(*first)
    ckpt = state(*first)
    save(ckpt, tmp_path / "c.st")
    second = make()
    loaded = load(tmp_path / "c.st")
    loaded["rng"] = second[0].rng_state()  # forget where the dropout stream was
    restore(loaded, *second)
    assert epoch(*second) != straight[len(straight) // 2:]
