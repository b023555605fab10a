"""The seed's `torchlean mlp`: Auto MPG regression with a one-hidden-layer MLP.

Data: UCI Auto MPG, the 392 cars whose horsepower is known; the 7 predictors (cylinders,
displacement, horsepower, weight, acceleration, model year, origin) and the target mpg are each
min-max normalised to [0, 1]. It ships as torchlean/examples/data/auto_mpg.csv (header
x1,...,x7,y; provenance and licence in data/README.md); --csv PATH reads another file with the
same columns. Batches of 5, shuffled (the seed's stream), drop_last: 78 per epoch.
Model: Linear(7->32) - ReLU - Linear(32->1), MSE loss, Adam(lr 1e-3). --steps counts epochs,
as in the seed. Prints the seed's lines: the banner, mean_loss(train(before)),
mean_loss(train(after)) and "  epochs=N loss0=... loss1=..." (the mean MSE over all rows).
"""

from __future__ import annotations

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

from ._data import read_csv, shipped

SUMMARY = "Auto MPG MLP regression (the seed's mlp): Linear 7-32-1, ReLU, MSE, Adam, batch 5"
GROUP = "models"
ORDER = 1
DEFAULTS = {"steps": 10, "lr": 1e-3, "batch": 5}
SMOKE = {"steps": 1}
RESULT = "mean train MSE 0.1569 -> 0.0063 after 10 epochs (seed 0, float32; eager and compiled alike)"
CHECKS = [("loss1", "<", "loss0"), ("loss1", "<", 0.01)]
SMOKE_CHECKS = [("loss1", "<", "loss0")]
FLAGS = ("csv",)
COLUMNS = [f"x{i}" for i in range(1, 8)] + ["y"]


def load_auto_mpg(path: str | None, dtype):
    """(x (N, 7), y (N, 1)) from the shipped CSV or ``path``."""
    _, table, _ = read_csv(path or shipped("auto_mpg.csv"), COLUMNS)
    table = table.astype(dtype)
    return table[:, :7], table[:, 7:]


def run(cfg):
    x, y = load_auto_mpg(cfg.csv, cfg.dtype)
    tl.manual_seed(cfg.seed)
    s = cfg.session()
    loader = cfg.dist.loader(DataLoader(TensorDataset(x, y), batch_size=cfg.batch, shuffle=True,
                                        drop_last=True, seed=cfg.seed))
    model = nn.Sequential(nn.Linear(7, 32), nn.ReLU(), nn.Linear(32, 1)).to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr)
    track = cfg.track(session=s, model=model, optimizer=opt, loader=loader)

    def mean_loss():
        with tl.no_grad():
            return F.mse_loss(net(s.input(x)), s.input(y)).item()

    print(f"torchlean mlp: Auto MPG MLP regression (device={cfg.device})")
    loss0 = mean_loss()
    print(f"mean_loss(train(before)) = {loss0:.6f}")
    for _ in track.epochs():
        for xb, yb in track.batches(loader):
            loss = F.mse_loss(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            opt.step()
            track.record(loss)
    loss1 = mean_loss()
    print(f"mean_loss(train(after)) = {loss1:.6f}")
    print(f"  epochs={cfg.steps} loss0={loss0:.6f} loss1={loss1:.6f}")
    return track.finish(loss0=loss0, loss1=loss1)
