"""A module-based run (dropout, AdamW, a scheduler, shuffled batches) resumed from ``tl.save``
continues bit for bit as the uninterrupted run, eagerly and through ``tl.compile(model)``."""

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

RNG = np.random.default_rng(0)
X = RNG.standard_normal((48, 6))
Y = (X[:, 0] - X[:, 2] > 0).astype(np.int64)


def make(compiled):
    tl.manual_seed(4)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2)).double()
    opt = tl.optim.AdamW(model.parameters(), lr=0.02)
    sched = tl.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    loader = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True, seed=3)
    s = tl.Session(seed=9, dtype=np.float64)
    return {"s": s, "model": model, "fn": tl.compile(model) if compiled else model, "opt": opt,
            "sched": sched, "loader": loader}


def epoch(run):
    s, losses = run["s"], []
    for xb, yb in run["loader"]:
        loss = F.cross_entropy(run["fn"](s.input(xb)), s.input(yb))
        loss.backward()
        run["opt"].step()
        run["opt"].zero_grad()
        run["sched"].step()
        losses.append(loss.item())
    return losses


def checkpoint(run):
    return {"model": run["model"].state_dict(), "optimizer": run["opt"].state_dict(),
            "scheduler": run["sched"].state_dict(), "rng": run["s"].rng_state(),
            "sampler": run["loader"].sampler.state_dict()}


def restore(run, ckpt):
    run["model"].load_state_dict(ckpt["model"])
    run["opt"].load_state_dict(ckpt["optimizer"])
    run["sched"].load_state_dict(ckpt["scheduler"])
    run["s"].set_rng_state(ckpt["rng"])
    run["loader"].sampler.load_state_dict(ckpt["sampler"])


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_a_resumed_module_run_continues_bit_for_bit(tmp_path, compiled):
    straight = make(compiled)
    losses = epoch(straight) + epoch(straight) + epoch(straight)

    first = make(compiled)
    part1 = epoch(first)
    tl.save(checkpoint(first), tmp_path / "run.safetensors")
    del first
    second = make(compiled)
    epoch(make(compiled))  # another run in between changes nothing
    restore(second, tl.load(tmp_path / "run.safetensors"))
    part2 = epoch(second) + epoch(second)

    assert part1 + part2 == losses
    for a, b in zip(straight["model"].parameters(), second["model"].parameters()):
        assert a.value.tobytes() == b.value.tobytes()
    assert second["opt"].param_groups[0]["lr"] == straight["opt"].param_groups[0]["lr"]
    assert second["s"].rng_state() == straight["s"].rng_state()
    assert len(set(losses)) > 10  # dropout and shuffling made every step different
