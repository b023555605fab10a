"""Tensors: make them, compute with them, read them back, as with torch tensors.

A session (s = cfg.session()) owns where tensors live; s.input / s.arange / s.zeros make them;
arithmetic broadcasts as NumPy and PyTorch do; reductions take dim and keepdim; matmul, reshape,
indexing, torch.where, softmax and casts behave as in PyTorch. The same function runs eagerly
or, with --backend compiled, traced once by tl.compile into a typed graph. Every printed value
is compared with NumPy's.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl

SUMMARY = "tensors: creation, broadcasting, reductions, matmul, indexing, where, softmax, dtypes"
GROUP = "quickstart"
ORDER = 1
DEFAULTS: dict = {}
SMOKE: dict = {}
RESULT = "every value equals NumPy's (max error 0 in float64, < 1e-6 in float32)"
CHECKS = [("max_error", "<", 1e-5)]
SMOKE_CHECKS = CHECKS


def tour(a, b):
    """A few tensor operations on a (2, 3) and b (3,)."""
    return {
        "a + b (broadcast)": a + b,
        "a * 2 - 1": a * 2 - 1,
        "a.sum(dim=1)": a.sum(dim=1),
        "a.mean(dim=0, keepdim=True)": a.mean(dim=0, keepdim=True),
        "a @ b": a @ b,
        "a.T @ a": a.T @ a,
        "a.reshape(3, 2)[1:, 0]": a.reshape(3, 2)[1:, 0],
        "tl.where(a > 2, a, 0)": tl.where(a > 2, a, 0.0),
        "a.softmax(dim=1)": a.softmax(dim=1),
        "a.max(dim=1).values": a.max(dim=1).values,
        "(a > 2).sum()": (a > 2).sum(),
    }


def expected(a, b):
    """The same values with NumPy."""
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return [a + b, a * 2 - 1, a.sum(axis=1), a.mean(axis=0, keepdims=True), a @ b, a.T @ a,
            a.reshape(3, 2)[1:, 0], np.where(a > 2, a, 0.0), e / e.sum(axis=1, keepdims=True), a.max(axis=1),
            (a > 2).sum()]


def run(cfg):
    s = cfg.session()
    a_np = np.arange(6, dtype=cfg.dtype).reshape(2, 3)
    b_np = np.array([10.0, 20.0, 30.0], dtype=cfg.dtype)
    a, b = s.input(a_np), s.input(b_np)
    print(f"torchlean quickstart_tensors: a = {a_np.tolist()}, b = {b_np.tolist()} "
          f"(dtype={a.dtype}, device={cfg.device}, backend={cfg.backend})")
    results = cfg.compile(tour)(a, b)
    worst = 0.0
    for (name, value), want in zip(results.items(), expected(a_np, b_np)):
        got = value.numpy()
        err = float(np.max(np.abs(got.astype(np.float64) - np.asarray(want, np.float64)), initial=0.0))
        worst = max(worst, err)
        print(f"{name:<28} = {np.round(got, 4).tolist()}")
    print(f"max |torchlean - numpy| = {worst:.3g}")
    return {"max_error": worst}
