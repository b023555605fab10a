"""The ``Tracker`` directly: a model with dropout (the session's random stream), a shuffled
loader, Adam and a scheduler resume bit for bit; dropping any one piece of the saved state
makes the continuation differ (so each piece is really restored)."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset
from torchlean.runner import RunConfig

RNG = np.random.default_rng(0)
X = RNG.standard_normal((60, 5)).astype(np.float32)
Y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)


def train(tmp_path, steps, resume=None, save=None, edit=None):
    cfg = RunConfig(example="t", steps=steps, seed=2, resume=resume, save=save)
    tl.manual_seed(2)
    s = cfg.session()
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    opt = tl.optim.Adam(model.parameters(), lr=0.01)
    sched = tl.optim.lr_scheduler.MultiStepLR(opt, milestones=[3], gamma=0.1)  # depends on last_epoch
    loader = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True, seed=2)
    if edit is not None:  # damage the checkpoint before it is restored
        ck = tl.load(resume)
        edit(ck)
        tl.save(ck, resume)
    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)
    for _ in track.epochs():
        for xb, yb in track.batches(loader):
            loss = F.cross_entropy(model(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
            track.record(loss)
        sched.step()
    return track.losses, [p.value.copy() for p in model.parameters()], s.rng_state()


def test_dropout_shuffle_adam_and_scheduler_resume_bit_for_bit(tmp_path):
    losses, params, rng = train(tmp_path, 4)
    train(tmp_path, 2, save=tmp_path / "c.ckpt")
    resumed, rparams, rrng = train(tmp_path, 4, resume=tmp_path / "c.ckpt")
    assert resumed == losses and rrng == rng and rng["counter"] > 0
    assert all(a.tobytes() == b.tobytes() for a, b in zip(params, rparams))


def _forget(path):
    def edit(ck):
        node = ck
        for k in path[:-1]:
            node = node[k]
        fresh = {"session_rng": {"seed": 2, "counter": 0}, "generator": {"seed": 2, "counter": 0},
                 "sampler": {"seed": 99, "epoch": 0}}  # the epoch's order is (seed, epoch)
        if path[-1] in fresh:
            node[path[-1]] = fresh[path[-1]]
        else:  # optimizer moments / scheduler epoch: back to a fresh object's
            node[path[-1]] = {} if path[-1] == "state" else 0
    return edit


@pytest.mark.parametrize("path", [("session_rng",), ("sampler",), ("objects", "optimizer", "state"),
                                  ("objects", "scheduler", "last_epoch")])
def test_each_piece_of_state_matters(tmp_path, path):
    losses, _, _ = train(tmp_path, 4)
    train(tmp_path, 2, save=tmp_path / "c.ckpt")
    damaged, _, _ = train(tmp_path, 4, resume=tmp_path / "c.ckpt", edit=_forget(path))
    assert damaged[:len(losses) // 2] == losses[:len(losses) // 2]  # the saved history is kept
    assert damaged[len(losses) // 2:] != losses[len(losses) // 2:]


def test_track_refuses_objects_without_state_dict():
    with pytest.raises(TypeError, match="has no state_dict"):
        RunConfig(example="t", steps=1).track(model=object())


def train_steps(steps, resume=None, save=None, save_every=None):
    """A step-counted loop (UNIT = "steps"): batches drawn from the session's stream."""
    cfg = RunConfig(example="s", steps=steps, seed=3, resume=resume, save=save, unit="steps")
    tl.manual_seed(3)
    s = cfg.session()
    model = nn.Linear(5, 1)
    opt = tl.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    track = cfg.track(session=s, model=model, optimizer=opt)
    for _ in track.iterations(save_every=save_every):
        xb = s.randn(8, 5)  # the session's random stream: restored on resume
        loss = F.mse_loss(model(xb), xb.sum(dim=1, keepdim=True))
        opt.zero_grad()
        loss.backward()
        opt.step()
        track.record(loss)
    return track.losses, track.step


def test_step_counted_loops_resume_bit_for_bit(tmp_path):
    losses, step = train_steps(12)
    assert step == 12 and len(losses) == 12
    train_steps(12, save=tmp_path / "c.ckpt", save_every=5)  # checkpoints at steps 5, 10 and 12
    assert tl.load(tmp_path / "c.ckpt")["step"] == 12
    partial, _ = train_steps(7, save=tmp_path / "p.ckpt", save_every=5)
    assert partial == losses[:7] and tl.load(tmp_path / "p.ckpt")["step"] == 7
    resumed, step = train_steps(12, resume=tmp_path / "p.ckpt")
    assert resumed == losses and step == 12


def test_artifacts_go_to_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert RunConfig(example="e").artifact("a.png") == "runs/e/a.png" and (tmp_path / "runs/e").is_dir()
    assert RunConfig(example="e", out=str(tmp_path / "o")).artifact("b.png") == str(tmp_path / "o" / "b.png")
