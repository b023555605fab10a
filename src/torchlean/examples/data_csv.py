"""Train a small model on your own CSV file: `torchlean data_csv --csv PATH`.

The file needs a header row, then one row of numbers per sample; the last column is the
target. If that column is named `label` (or `class`), the task is classification (labels 0, 1,
2, ...; cross-entropy, test accuracy); otherwise regression (MSE, test R^2). Rows are shuffled
and split 80/20 (seeded); features are standardised with the training rows' mean and std.
Model: MLP features-hidden-hidden-outputs with ReLU, Adam, batches shuffled each epoch.
Without --csv it reads the shipped sample (data/sample.csv: 300 rows, 4 features, 3 classes).
A bad file stops with one line naming the file, the row and what is wrong.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

from ._data import classes, read_csv, shipped

SUMMARY = "train an MLP on your CSV (--csv; last column the target, `label` for classes)"
GROUP = "data"
DEFAULTS = {"steps": 20, "lr": 1e-2, "batch": 32, "hidden": 32}
SMOKE = {"steps": 2}
RESULT = "shipped sample: test accuracy 0.93 after 20 epochs (seed 0; 60 test rows)"
CHECKS = [("test_score", ">=", 0.9)]
SMOKE_CHECKS = [("test_score", ">=", 0.6)]
FLAGS = ("csv",)


def fit(cfg, x, y, is_classes, source):
    """Split, standardise, train and evaluate; the metrics (also used by data_npy)."""
    order = np.random.default_rng(cfg.seed).permutation(len(x))
    n_train = max(1, round(0.8 * len(x)))
    train = order[:n_train]
    test = order[n_train:] if len(x) > n_train else train  # one row: test on it
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    x = ((x - mean) / np.where(std > 0, std, 1.0)).astype(cfg.dtype)
    if is_classes:
        n_out, y = int(y.max()) + 1, y.astype(np.int64)
    else:
        n_out, y_mean, y_std = 1, y[train].mean(), y[train].std() or 1.0
        y = ((y - y_mean) / y_std).astype(cfg.dtype).reshape(-1, 1)

    tl.manual_seed(cfg.seed)
    s = cfg.session()
    h = cfg.hidden
    model = nn.Sequential(nn.Linear(x.shape[1], h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, n_out))
    model.to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr)
    loader = cfg.dist.loader(DataLoader(TensorDataset(x[train], y[train]), batch_size=cfg.batch, shuffle=True,
                                        seed=cfg.seed))
    track = cfg.track(session=s, model=model, optimizer=opt, loader=loader)
    criterion = F.cross_entropy if is_classes else F.mse_loss
    task = f"{n_out} classes" if is_classes else "regression"
    print(f"torchlean {cfg.example}: {source}: {len(x)} rows, {x.shape[1]} features, {task}; "
          f"{len(train)} train / {len(test)} test (device={cfg.device})")

    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = criterion(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            opt.step()
            total += track.record(loss)
        if epoch % 10 == 9 or epoch + 1 == cfg.steps:
            print(f"epoch {epoch + 1:3d}  loss {total / len(loader):.4f}")

    with tl.no_grad():
        out = net(s.input(x[test]))
        if is_classes:
            score = (out.argmax(dim=1) == s.input(y[test])).float().mean().item()
            print(f"test accuracy {score:.4f}")
            return track.finish(test_score=score, test_accuracy=score)
        mse = F.mse_loss(out, s.input(y[test])).item()  # in units of the target's std
        score = 1.0 - mse / max(float(np.var(y[test])), 1e-12)
        print(f"test R^2 {score:.4f}  test MSE {mse * y_std ** 2:.4g}")
        return track.finish(test_score=score, test_r2=score, test_mse=mse * y_std ** 2)


def run(cfg):
    path = cfg.csv or shipped("sample.csv")
    header, table, rows = read_csv(path)
    if len(header) < 2:
        from torchlean.runner import InputError

        raise InputError(f"{path} row 1: expected feature columns and a target column, got {header}")
    x, y = table[:, :-1], table[:, -1]
    is_classes = header[-1].lower() in ("label", "class")
    if is_classes:
        y = classes(path, y, rows)
    return fit(cfg, x, y, is_classes, path)
