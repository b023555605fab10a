"""A small Vision Transformer (ViT) classifies scikit-learn's 8x8 digits from image patches.

1797 images (pixels scaled to [0, 1]), split 80/20 (seeded), as (N, 1, 8, 8). Each image is
cut into `patch` x `patch` patches (4 x 4: four patches) embedded to `dim` (64) by an
nn.Conv2d with kernel and stride `patch` (the usual ViT patch embedding); a learned class
token (an nn.Parameter) is put in front and a learned positional embedding added. An
nn.TransformerEncoder of `layers` (2) pre-norm blocks (nn.TransformerEncoderLayer, 4 heads,
feed-forward 2 x dim, GELU, dropout 0.1, batch_first, norm_first) follows, then a LayerNorm
and a Linear head on the class token's output. Cross-entropy, AdamW (weight decay 0.05) with a
cosine schedule, batches of 64; model.train() while training and model.eval() to test (no
dropout). --steps counts epochs. Needs scikit-learn, which bundles the data.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset, load_digits

SUMMARY = "a Vision Transformer on 8x8 digits: 4x4 patches, class token, positions, TransformerEncoder"
GROUP = "models"
ORDER = 24
DEFAULTS = {"steps": 12, "lr": 0.003, "batch": 64, "dim": 64, "layers": 2, "patch": 4}
SMOKE = {"steps": 3, "dim": 32, "layers": 1}
RESULT = "test accuracy 0.978 after 12 epochs (seed 0, float32; eager and compiled alike)"
CHECKS = [("test_accuracy", ">=", 0.95)]
SMOKE_CHECKS = [("test_accuracy", ">=", 0.5)]


class ViT(nn.Module):
    """Patch embedding, class token and positions, pre-norm encoder, head on the class token."""

    def __init__(self, patch, dim, layers, heads=4, classes=10, image=8):
        super().__init__()
        patches = (image // patch) ** 2
        self.patch_embed = nn.Conv2d(1, dim, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(np.zeros((1, 1, dim), np.float32))
        self.pos_embed = nn.Parameter(np.zeros((1, patches + 1, dim), np.float32))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        block = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=2 * dim, dropout=0.1, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(block, layers)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, images):  # (N, 1, 8, 8) -> logits (N, 10)
        x = self.patch_embed(images).flatten(2).transpose(1, 2)  # (N, patches, dim)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = tl.cat([cls, x], dim=1) + self.pos_embed
        x = self.norm(self.encoder(x))
        return self.head(x[:, 0])


def run(cfg):
    x_train, y_train, x_test, y_test = load_digits(seed=cfg.seed)
    x_train = x_train.reshape(-1, 1, 8, 8).astype(cfg.dtype)
    x_test = x_test.reshape(-1, 1, 8, 8).astype(cfg.dtype)

    tl.manual_seed(cfg.seed)
    s = cfg.session()
    model = ViT(cfg.patch, cfg.dim, cfg.layers).to(cfg.dtype)
    net = cfg.compile(model)
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        seed=cfg.seed))
    opt = tl.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.05)
    sched = tl.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps * len(loader))
    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)

    def accuracy():
        model.eval()
        with tl.no_grad():
            acc = (net(s.input(x_test)).argmax(dim=1) == s.input(y_test)).float().mean().item()
        model.train()
        return acc

    n_patches = (8 // cfg.patch) ** 2
    print(f"torchlean vit: {len(x_train)} train / {len(x_test)} test digits, {n_patches} patches of "
          f"{cfg.patch}x{cfg.patch} + a class token, {cfg.layers} blocks of dim {cfg.dim} (device={cfg.device})")
    model.train()
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = F.cross_entropy(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            opt.step()
            sched.step()
            total += track.record(loss)
        if epoch % 3 == 2 or epoch + 1 == cfg.steps:
            print(f"epoch {epoch + 1:3d}  loss {total / len(loader):.4f}  test accuracy {accuracy():.4f}")
    acc = accuracy()
    print(f"test accuracy {acc:.4f}")
    return track.finish(test_accuracy=acc)
