"""Train a small model on your own NumPy arrays: `torchlean data_npy --npy X.npy,Y.npy`.

--npy takes two .npy files (features (N, F), targets (N,)) separated by a comma, or one .npz
archive holding arrays `x` and `y`. Integer targets mean classification (classes 0, 1, 2, ...:
cross-entropy, test accuracy), float targets regression (MSE, test R^2). Files are read with
allow_pickle=False. The split, standardisation, model and loop are data_csv's. Without --npy it
reads the shipped sample (data/sample.npz: 400 rows, 5 features, a float target
sin(2 x0) + x1 x2 - 0.5 x3 + noise). A bad file stops with one line naming the file and row.
"""

from __future__ import annotations

from ._data import classes, read_npy, shipped
from .data_csv import fit

SUMMARY = "train an MLP on your .npy/.npz arrays (--npy X.npy,Y.npy or DATA.npz)"
GROUP = "data"
DEFAULTS = {"steps": 20, "lr": 1e-2, "batch": 32, "hidden": 32}
SMOKE = {"steps": 2}
RESULT = "shipped sample: test R^2 0.95 after 20 epochs (seed 0)"
CHECKS = [("test_score", ">=", 0.9)]
SMOKE_CHECKS = [("test_score", ">=", 0.3)]
FLAGS = ("npy",)


def run(cfg):
    spec = cfg.npy or shipped("sample.npz")
    x, y = read_npy(spec)
    is_classes = y.dtype.kind in "biu"
    if is_classes:
        y = classes(spec, y)
    return fit(cfg, x.astype("float64"), y, is_classes, spec)
