"""Digits as 1x8x8 images: a small convolutional classifier with BatchNorm and max-pooling.

scikit-learn's bundled 8x8 digits (pixels in [0, 1], 1438 train / 359 test, seeded split), seen
as (N, 1, 8, 8) images. Two blocks of Conv2d 3x3 (padding 1, no bias) -> BatchNorm2d -> ReLU ->
MaxPool2d 2 (8x8 -> 4x4 -> 2x2), then Flatten and Linear(2*2*channels2 -> 10); cross-entropy,
Adam, batches of 64 shuffled each epoch. --steps counts epochs. model.train() while training
(BatchNorm uses the batch's statistics and updates its running ones), model.eval() to test
(the running statistics). Under --distributed each rank normalises with its own rows' batch
statistics, as PyTorch's DDP does without SyncBatchNorm (torchlean has none), so the numbers
are close to, not equal to, one process's.
Needs scikit-learn, which bundles the data (pip install "torchlean[examples]").
"""

from __future__ import annotations

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset, load_digits

SUMMARY = "digits as 1x8x8 images: conv-BatchNorm-ReLU-maxpool x2, linear head, Adam"
GROUP = "models"
ORDER = 3
DEFAULTS = {"steps": 10, "lr": 0.01, "batch": 64, "channels": 16}
SMOKE = {"steps": 2, "channels": 8}
RESULT = "test accuracy 0.992 after 10 epochs (seed 0, float32; eager and compiled alike)"
CHECKS = [("test_accuracy", ">=", 0.95)]
SMOKE_CHECKS = [("test_accuracy", ">=", 0.6)]


class ConvNet(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        c1, c2 = channels, 2 * channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1, bias=False), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(c2 * 2 * 2, 10)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def run(cfg):
    x_train, y_train, x_test, y_test = load_digits(seed=cfg.seed)
    x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    tl.manual_seed(cfg.seed)
    s = cfg.session()
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        seed=cfg.seed))
    model = ConvNet(cfg.channels).to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr)
    track = cfg.track(session=s, model=model, optimizer=opt, loader=loader)

    def accuracy():
        model.eval()
        with tl.no_grad():
            predicted = net(s.input(x_test)).argmax(dim=1)
            acc = (predicted == s.input(y_test)).float().mean().item()
        model.train()
        return acc

    n_params = sum(p.numel() for p in model.parameters())
    print(f"torchlean cnn: {len(x_train)} train / {len(x_test)} test 1x8x8 images, {n_params} parameters, "
          f"Adam lr={cfg.lr}, batch {cfg.batch} (device={cfg.device})")
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
