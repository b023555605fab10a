"""A small ResNet on the digits as 1x8x8 images: residual blocks, BatchNorm, adaptive average pool.

scikit-learn's bundled 8x8 digits (pixels in [0, 1], 1438 train / 359 test, seeded split) as
(N, 1, 8, 8) images. A stem (Conv2d 3x3 -> BatchNorm2d -> ReLU, `width` channels), then three
stages of one basic residual block each (two Conv2d 3x3 + BatchNorm2d, the input added back
before the last ReLU), with width, 2 x width and 4 x width channels; the second and third stages
start with stride 2 (8x8 -> 4x4 -> 2x2) and their shortcut is a 1x1 strided Conv2d + BatchNorm2d
(ResNet's "option B"). AdaptiveAvgPool2d(1), Flatten, Linear(4 x width -> 10). Cross-entropy,
SGD with momentum 0.9 and weight decay 5e-4, a cosine learning-rate schedule stepped per
epoch, batches of 64 shuffled each epoch. --steps counts epochs. model.train() to train,
model.eval() to test (BatchNorm's running statistics). Under --distributed, BatchNorm uses each
rank's own rows (PyTorch DDP without SyncBatchNorm).
Needs scikit-learn, which bundles the data (pip install "torchlean[examples]").
"""

from __future__ import annotations

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset, load_digits

SUMMARY = "a small ResNet on digits 1x8x8: residual blocks, BatchNorm, adaptive avg pool, SGD+cosine"
GROUP = "models"
ORDER = 4
DEFAULTS = {"steps": 8, "lr": 0.05, "batch": 64, "width": 8}
SMOKE = {"steps": 1, "width": 4}
RESULT = "test accuracy 0.989 after 8 epochs (seed 0, float32; eager and compiled alike)"
CHECKS = [("test_accuracy", ">=", 0.95)]
SMOKE_CHECKS = [("test_accuracy", ">=", 0.3)]


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU (He et al., 2016)."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, width: int, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.layer1 = BasicBlock(width, width)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)
        self.layer3 = BasicBlock(2 * width, 4 * width, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, num_classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(self.pool(x).flatten(1))


def run(cfg):
    x_train, y_train, x_test, y_test = load_digits(seed=cfg.seed)
    x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    tl.manual_seed(cfg.seed)
    s = cfg.session()
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        seed=cfg.seed))
    model = ResNet(cfg.width).to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=5e-4)
    sched = tl.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps)
    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)

    def accuracy():
        model.eval()
        with tl.no_grad():
            predicted = net(s.input(x_test)).argmax(dim=1)
            acc = (predicted == s.input(y_test)).float().mean().item()
        model.train()
        return acc

    n_params = sum(p.numel() for p in model.parameters())
    w = cfg.width
    print(f"torchlean resnet: {len(x_train)} train / {len(x_test)} test 1x8x8 images, ResNet widths "
          f"{w}-{2 * w}-{4 * w}, {n_params} parameters, SGD lr={cfg.lr} cosine, batch {cfg.batch} "
          f"(device={cfg.device})")
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = F.cross_entropy(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            opt.step()
            total += track.record(loss)
        sched.step()
        if epoch % 2 == 1 or epoch + 1 == cfg.steps:
            print(f"epoch {epoch + 1:3d}  loss {total / len(loader):.4f}  test accuracy {accuracy():.4f}")
    acc = accuracy()
    print(f"test accuracy {acc:.4f}")
    return track.finish(test_accuracy=acc)
