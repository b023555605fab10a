"""The smallest complete training loop: an MLP separates two noisy concentric rings.

512 points in the plane (NumPy, seeded): class 0 on a ring of radius 1, class 1 on a ring of
radius 2, both with Gaussian noise 0.25; 80/20 train/test. nn.Sequential(Linear(2, 16), Tanh,
Linear(16, 16), Tanh, Linear(16, 2)), cross-entropy, Adam(lr 0.01), batches of 32 shuffled
each epoch, --steps epochs. Read this file first: model, loss, backward, step, evaluate.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

SUMMARY = "a first training loop: an MLP separates two noisy rings (Adam, cross-entropy)"
GROUP = "quickstart"
ORDER = 3
DEFAULTS = {"steps": 20, "lr": 0.01, "batch": 32, "points": 512}
SMOKE = {"steps": 4, "points": 256}
RESULT = "test accuracy 0.98 after 20 epochs (seed 0; eager and compiled alike)"
CHECKS = [("test_accuracy", ">=", 0.95)]
SMOKE_CHECKS = [("test_accuracy", ">=", 0.6)]


def rings(n, seed, dtype):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = 1.0 + labels + rng.normal(0, 0.25, n)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return points.astype(dtype), labels.astype(np.int64)


def run(cfg):
    x, y = rings(cfg.points, cfg.seed, cfg.dtype)
    n_train = int(0.8 * len(x))
    x_train, y_train, x_test, y_test = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    tl.manual_seed(cfg.seed)                      # the layers' initialisation stream
    s = cfg.session()                             # where tensors live (device, dtype, random stream)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
    model.to(cfg.dtype)
    net = cfg.compile(model)                      # tl.compile(model) under --backend compiled
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr)
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        seed=cfg.seed))
    track = cfg.track(session=s, model=model, optimizer=opt, loader=loader)

    print(f"torchlean quickstart_mlp: {n_train} training points, two rings, MLP 2-16-16-2 (device={cfg.device})")
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = F.cross_entropy(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)     # --distributed: mean over ranks (else nothing)
            opt.step()
            total += track.record(loss)           # the loss as a float, for progress and --log
        if epoch % 5 == 4 or epoch + 1 == cfg.steps:
            print(f"epoch {epoch + 1:2d}  mean loss {total / len(loader):.4f}")

    with tl.no_grad():
        accuracy = (net(s.input(x_test)).argmax(dim=1) == s.input(y_test)).float().mean().item()
    print(f"test accuracy {accuracy:.4f}")
    return track.finish(test_accuracy=accuracy)
