"""Handwritten digits: an MLP classifier on scikit-learn's bundled 8x8 digits (offline).

1797 images of 64 pixels scaled to [0, 1], split 80/20 into train and test (seeded);
MLP 64-128-128-10 with ReLU, cross-entropy, SGD lr 0.1, batches of 64 shuffled each epoch.
--steps counts epochs. Prints the loss and test accuracy every few epochs and at the end.
Needs scikit-learn, which bundles the data (pip install "torchlean[examples]").
"""

from __future__ import annotations

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset, load_digits

SUMMARY = "digits MLP classifier (scikit-learn's 8x8 digits): 64-128-128-10, cross-entropy, SGD"
GROUP = "models"
ORDER = 2
DEFAULTS = {"steps": 20, "lr": 0.1, "batch": 64, "hidden": 128}
SMOKE = {"steps": 3, "hidden": 32, "lr": 0.3}
RESULT = "test accuracy 0.958 after 20 epochs (seed 0, float32; eager and compiled alike)"
CHECKS = [("test_accuracy", ">=", 0.94)]
SMOKE_CHECKS = [("test_accuracy", ">=", 0.5)]


def run(cfg):
    x_train, y_train, x_test, y_test = load_digits(seed=cfg.seed)
    tl.manual_seed(cfg.seed)
    s = cfg.session()
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        seed=cfg.seed))
    h = cfg.hidden
    model = nn.Sequential(nn.Linear(64, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 10)).to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.SGD(model.parameters(), lr=cfg.lr)
    track = cfg.track(session=s, model=model, optimizer=opt, loader=loader)

    def accuracy():
        with tl.no_grad():
            predicted = net(s.input(x_test)).argmax(dim=1)
            return (predicted == s.input(y_test)).float().mean().item()

    print(f"torchlean digits: {len(x_train)} train / {len(x_test)} test images, MLP 64-{h}-{h}-10, "
          f"SGD lr={cfg.lr}, batch {cfg.batch} (device={cfg.device})")
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = F.cross_entropy(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            opt.step()
            total += track.record(loss)
        if epoch % 5 == 4 or epoch + 1 == cfg.steps:
            print(f"epoch {epoch + 1:3d}  loss {total / len(loader):.4f}  test accuracy {accuracy():.4f}")
    acc = accuracy()
    print(f"test accuracy {acc:.4f}")
    return track.finish(test_accuracy=acc)
