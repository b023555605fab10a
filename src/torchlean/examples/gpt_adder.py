"""A GPT that learns to add: 2-digit + 2-digit numbers, answered digit by digit.

Each of the 10,000 sums a + b (0 <= a, b <= 99) is a sequence of 7 digits: a's two digits, b's
two, then the three digits of a + b in reverse order (the lowest first, so each digit depends
only on what is already written and a carry). A seeded permutation holds out 20% of the sums
(2,000) for the test; the model trains on the other 8,000. The model is a small decoder-only
transformer: digit and learned position embeddings, nn.TransformerEncoder (2 pre-norm layers of
width 48, 4 heads, the tanh GELU of GPT-2) with a causal mask
(nn.Transformer.generate_square_subsequent_mask and is_causal=True), a final LayerNorm and a
linear head over the 10 digits; the loss is the cross-entropy of the three answer digits.
AdamW lr 0.01 (times 0.6 after each epoch), batches of 64, gradient clipping at 1. --steps
counts epochs. The test is exact match: the model writes the three answer digits greedily, one
at a time, after seeing only a and b, and a sum counts only if all three are right.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

SUMMARY = "GPT learns 2-digit addition (causal nn.TransformerEncoder), exact match on held-out sums"
GROUP = "models"
ORDER = 41
DIGITS = 2  # digits of each operand
DEFAULTS = {"steps": 6, "lr": 1e-2, "batch": 64, "embed": 48, "heads": 4, "layers": 2, "gamma": 0.6}
SMOKE = {"steps": 1, "batch": 32, "embed": 32, "layers": 1}
RESULT = "exact match 1.000 on the 2000 held-out sums after 6 epochs (seed 0, float32; eager and compiled alike)"
CHECKS = [("test_exact_match", ">=", 0.98)]
SMOKE_CHECKS = [("test_exact_match", ">=", 0.02)]  # chance is 0.001


def digits(v: np.ndarray, n: int) -> np.ndarray:
    """The n decimal digits of each v, most significant first: (len(v), n)."""
    return np.stack([(v // 10 ** i) % 10 for i in reversed(range(n))], axis=1)


class Adder(nn.Module):
    def __init__(self, length: int, embed: int, heads: int, layers: int):
        super().__init__()
        self.tok = nn.Embedding(10, embed)
        self.pos = nn.Parameter(np.zeros((1, length, embed), np.float32))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(embed, heads, 4 * embed, dropout=0.0,
                                           activation=nn.GELU(approximate="tanh"),
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.ln = nn.LayerNorm(embed)
        self.head = nn.Linear(embed, 10)

    def forward(self, idx):
        T = idx.shape[1]
        mask = nn.Transformer.generate_square_subsequent_mask(T)  # -inf above the diagonal
        x = self.blocks(self.tok(idx) + self.pos[:, :T, :], mask=mask, is_causal=True)
        return self.head(self.ln(x))  # (B, T, 10): the logits of the next digit


def run(cfg):
    n = 10 ** DIGITS
    order = np.random.default_rng(cfg.seed).permutation(n * n)
    a, b = order // n, order % n
    seqs = np.concatenate([digits(a, DIGITS), digits(b, DIGITS), digits(a + b, DIGITS + 1)[:, ::-1]], axis=1)
    held = n * n // 5
    test, train = seqs[:held], seqs[held:]
    question = 2 * DIGITS  # the answer starts after the two operands

    tl.manual_seed(cfg.seed)
    s = cfg.session()
    loader = cfg.dist.loader(DataLoader(TensorDataset(train[:, :-1], train[:, 1:]), batch_size=cfg.batch,
                                        shuffle=True, drop_last=True, seed=cfg.seed))
    model = Adder(seqs.shape[1] - 1, cfg.embed, cfg.heads, cfg.layers).to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    sched = tl.optim.lr_scheduler.ExponentialLR(opt, gamma=cfg.gamma)  # per epoch
    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)

    def exact_match():
        """Write the answer greedily, digit by digit, from the operands alone."""
        with tl.no_grad():
            x = s.input(test[:, :question])
            for _ in range(DIGITS + 1):
                nxt = net(x)[:, -1].argmax(dim=1, keepdim=True)
                x = tl.cat([x, nxt], dim=1)
            wrong_digits = (x[:, question:] != s.input(test[:, question:])).long().sum(dim=1)
            return (wrong_digits == 0).float().mean().item()  # torchlean has no Tensor.all(dim) yet

    print(f"torchlean gpt_adder: {DIGITS}-digit + {DIGITS}-digit sums, {len(train)} train / {len(test)} held out, "
          f"causal transformer {cfg.layers}x{cfg.embed} with {cfg.heads} heads, AdamW lr={cfg.lr}, batch "
          f"{cfg.batch} (device={cfg.device})")
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            logits = net(s.input(xb))[:, question - 1:]  # the positions that predict answer digits
            loss = F.cross_entropy(logits.reshape(-1, 10), s.input(yb[:, question - 1:].reshape(-1)))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += track.record(loss)
        sched.step()
        print(f"epoch {epoch + 1:3d}  loss {total / len(loader):.4f}  held-out exact match {exact_match():.4f}")
    acc = exact_match()
    with tl.no_grad():
        x = s.input(test[:3, :question])
        for _ in range(DIGITS + 1):
            x = tl.cat([x, net(x)[:, -1].argmax(dim=1, keepdim=True)], dim=1)
        for row in x.numpy():
            lhs, rhs = int("".join(map(str, row[:DIGITS]))), int("".join(map(str, row[DIGITS:question])))
            print(f"  {lhs} + {rhs} = {int(''.join(map(str, row[question:][::-1])))}")
    print(f"held-out exact match {acc:.4f}")
    return track.finish(test_exact_match=acc)
