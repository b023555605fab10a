"""A recurrent classifier: nn.RNN reads a sequence of symbols and says which one occurs most often.

Synthetic data, generated with NumPy from --seed: sequences of `length` (24) symbols drawn
uniformly from `symbols` (4); the label is the symbol that occurs most often (sequences with a
tie for first place are dropped, about a fifth). 80/20 train/test split. The model embeds each
symbol (nn.Embedding, 8 dimensions), runs a one-layer tanh nn.RNN (batch_first) and classifies
its last hidden state h_n with a Linear layer: the RNN has to count, in its hidden state, how
often it saw each symbol. Cross-entropy, Adam with gradient clipping (norm 1) and a cosine
learning-rate schedule, batches of 64. --steps counts epochs.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

SUMMARY = "nn.RNN counts: which of 4 symbols occurs most often in a sequence of 24 (synthetic)"
GROUP = "models"
ORDER = 20
DEFAULTS = {"steps": 20, "lr": 0.005, "batch": 64, "hidden": 64, "length": 24, "symbols": 4, "samples": 8000}
SMOKE = {"steps": 3, "hidden": 32, "samples": 2000}
RESULT = "test accuracy 0.983 after 20 epochs (compiled: 0.982; seed 0, float32)"
CHECKS = [("test_accuracy", ">=", 0.97)]
SMOKE_CHECKS = [("test_accuracy", ">=", 0.5)]


def most_frequent_symbol(n, length, symbols, seed):
    """``n`` random sequences (ties for the most frequent symbol removed) and their labels."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, symbols, (n, length))
    counts = np.stack([(x == k).sum(axis=1) for k in range(symbols)], axis=1)
    top_two = np.sort(counts, axis=1)[:, -2:]
    unique = top_two[:, 1] > top_two[:, 0]
    return x[unique], counts[unique].argmax(axis=1)


class Counter(nn.Module):
    """Embedding -> RNN -> Linear on the last hidden state."""

    def __init__(self, symbols, hidden, embed=8):
        super().__init__()
        self.embed = nn.Embedding(symbols, embed)
        self.rnn = nn.RNN(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, symbols)

    def forward(self, x):
        _, h_n = self.rnn(self.embed(x))  # output (N, L, hidden), h_n (1, N, hidden)
        return self.head(h_n[-1])


def run(cfg):
    x, y = most_frequent_symbol(cfg.samples, cfg.length, cfg.symbols, cfg.seed)
    n_train = int(0.8 * len(x))
    x_train, y_train, x_test, y_test = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    tl.manual_seed(cfg.seed)
    s = cfg.session()
    model = Counter(cfg.symbols, cfg.hidden).to(cfg.dtype)
    net = cfg.compile(model)
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        drop_last=True, seed=cfg.seed))
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = tl.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps * len(loader))
    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)

    def accuracy():
        with tl.no_grad():
            return (net(s.input(x_test)).argmax(dim=1) == s.input(y_test)).float().mean().item()

    print(f"torchlean rnn: {n_train} train / {len(x_test)} test sequences of {cfg.length} symbols out of "
          f"{cfg.symbols}, RNN hidden {cfg.hidden} (device={cfg.device})")
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = F.cross_entropy(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += track.record(loss)
        if epoch % 5 == 4 or epoch + 1 == cfg.steps:
            print(f"epoch {epoch + 1:3d}  loss {total / len(loader):.4f}  test accuracy {accuracy():.4f}")
    acc = accuracy()
    print(f"test accuracy {acc:.4f} (chance {1 / cfg.symbols:.2f})")
    return track.finish(test_accuracy=acc)
