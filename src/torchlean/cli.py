"""Command line: ``python -m torchlean mlp`` trains the digits MLP (the project's main job)."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence

import numpy as np

from ._core.errors import TorchLeanError
from .data import load_digits
from .eager.session import Session
from .models import mlp, mlp_init, mlp_loss
from .options import Device, Options


def _batches(n: int, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n)
    return [order[i:i + batch] for i in range(0, n - batch + 1, batch)]


def train_mlp(epochs: int = 20, lr: float = 0.1, batch: int = 64, hidden: int = 128, seed: int = 0,
              device: Device = Device.CPU, log: bool = True) -> float:
    """Train a 64-hidden-hidden-10 MLP on digits with eager SGD; return test accuracy."""
    xtr, ytr, xte, yte = load_digits(seed=seed)
    s = Session(Options(device=device, seed=seed))
    params = [s.param(v) for v in mlp_init([64, hidden, hidden, 10], seed)]
    rng = np.random.default_rng(seed)
    if log:
        print(f"torchlean mlp: digits {len(xtr)} train / {len(xte)} test, 64-{hidden}-{hidden}-10, "
              f"SGD lr={lr}, batch={batch}, device={device.value}")
    t0 = time.perf_counter()
    for epoch in range(epochs):
        total, count = 0.0, 0
        for idx in _batches(len(xtr), batch, rng):
            s.reset()
            loss = mlp_loss(s, *[s.use(p) for p in params], s.input(xtr[idx]), s.input(ytr[idx]))
            loss.backward()
            s.sgd_step(lr)
            total, count = total + loss.item(), count + 1
        if log and (epoch % 5 == 4 or epoch == epochs - 1):
            print(f"epoch {epoch + 1:3d}  loss {total / count:.4f}  test accuracy "
                  f"{accuracy(s, params, xte, yte):.4f}")
    acc = accuracy(s, params, xte, yte)
    if log:
        print(f"test accuracy {acc:.4f} ({time.perf_counter() - t0:.1f}s)")
    return acc


def accuracy(s: Session, params: Sequence, x: np.ndarray, y: np.ndarray) -> float:
    s.reset()
    with s.no_grad():
        logits = s.value(mlp(s, [s.use(p) for p in params], s.input(x)))
    return float(np.mean(np.argmax(logits, axis=1) == y))


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {v}")
    return v


def _learning_rate(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return v


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="torchlean", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("mlp", help="train the digits MLP (eager, SGD)")
    p.add_argument("--epochs", "--steps", type=_positive_int, default=20)
    p.add_argument("--lr", type=_learning_rate, default=0.1)
    p.add_argument("--batch", type=_positive_int, default=64)
    p.add_argument("--hidden", type=_positive_int, default=128)
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless the test accuracy reaches 0.9 (says what it checked)")
    p.add_argument("--cpu", dest="device", action="store_const", const=Device.CPU)
    p.add_argument("--cuda", dest="device", action="store_const", const=Device.CUDA)
    args = parser.parse_args(argv)
    n_train = len(load_digits(seed=args.seed)[0])
    if args.batch > n_train:
        parser.error(f"argument --batch: {args.batch} is larger than the {n_train} training samples")
    try:
        acc = train_mlp(args.epochs, args.lr, args.batch, args.hidden, args.seed, args.device or Device.CPU)
    except TorchLeanError as e:
        print(f"torchlean: error: {e}", file=sys.stderr)
        return 1
    if args.check:
        ok = acc >= 0.9
        print(f"check: test accuracy {acc:.4f} {'>=' if ok else '<'} 0.9: {'ok' if ok else 'FAILED'}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
