"""The training programs the distributed tests run: once in one plain process (the reference)
and under ``mpiexec -n 2`` (``worker_train.py``), with the same global batch.

``train(name, world, rank, sync)`` runs 50 steps of configuration ``name`` as rank ``rank`` of
``world`` and returns the parameters; ``sync(model, local_batch)`` is called between
``backward`` and ``step`` (the reference passes a no-op).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.distributed import DistributedSampler

STEPS = 50
GLOBAL_BATCH = 16
N_SAMPLES = 64
UNEVEN = [11, 5]  # how the "uneven" configurations split each global batch over 2 ranks


class SmallCNN(nn.Module):
    """conv 1->4 (3x3, pad 1), ReLU, max-pool 2, linear 64->3, on 1x8x8 images."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x: Any) -> Any:
        return self.fc(self.flat(F.max_pool2d(F.relu(self.conv(x)), 2)))


# name -> (model, optimizer, dtype, compiled, wrapper): wrapper "fn" = allreduce_gradients on
# the parameters, "ddp" = DistributedDataParallel (each rank initialised differently, so only
# the broadcast makes them agree), "ddp-compiled" = tl.compile(ddp), "uneven" = unequal local
# batches weighted with local_batch.
CONFIGS: dict[str, tuple[str, str, Any, bool, str]] = {
    "mlp-eager-sgd-f64": ("mlp", "sgd", np.float64, False, "fn"),
    "mlp-eager-adam-f32": ("mlp", "adam", np.float32, False, "fn"),
    "mlp-compiled-sgd-f32": ("mlp", "sgd", np.float32, True, "fn"),
    "mlp-compiled-adam-f64": ("mlp", "adam", np.float64, True, "fn"),
    "cnn-eager-adam-f64": ("cnn", "adam", np.float64, False, "fn"),
    "cnn-compiled-sgd-f32": ("cnn", "sgd", np.float32, True, "fn"),
    "mlp-ddp-adam-f32": ("mlp", "adam", np.float32, False, "ddp"),
    "cnn-ddp-compiled-adam-f32": ("cnn", "adam", np.float32, True, "ddp-compiled"),
    "mlp-uneven-sgd-f64": ("mlp", "sgd", np.float64, False, "uneven"),
}


def dataset(kind: str, dtype: Any) -> tl.data.TensorDataset:
    rng = np.random.default_rng(42)
    if kind == "mlp":
        x = rng.standard_normal((N_SAMPLES, 6))
        y = np.tanh(x @ rng.standard_normal((6, 3)))
        return tl.data.TensorDataset(x.astype(dtype), y.astype(dtype))
    x = rng.random((N_SAMPLES, 1, 8, 8))
    y = rng.integers(0, 3, N_SAMPLES)
    return tl.data.TensorDataset(x.astype(dtype), y)


def build(kind: str, dtype: Any, seed: int) -> nn.Module:
    tl.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3)) if kind == "mlp" else SmallCNN()
    return model.to(dtype=dtype)


def train(name: str, world: int, rank: int, sync: Callable[[Any, int], None],
          wrap: Callable[[nn.Module], nn.Module] | None = None, device: str = "cpu") -> dict[str, np.ndarray]:
    """50 steps of configuration ``name`` on rank ``rank`` of ``world`` (module docstring).
    ``wrap`` makes the DDP wrapper (``ddp`` configurations in a job); ``device`` the session's."""
    kind, opt_name, dtype, compiled, how = CONFIGS[name]
    ds = dataset(kind, dtype)
    ddp = how.startswith("ddp") and wrap is not None
    model = build(kind, dtype, seed=rank if ddp else 0)  # DDP must broadcast rank 0's
    front = wrap(model) if ddp else model
    fwd = tl.compile(front) if compiled else front
    uneven = how == "uneven" and world > 1
    replicas, local = (1, GLOBAL_BATCH) if uneven else (world, GLOBAL_BATCH // world)
    sampler = DistributedSampler(ds, num_replicas=replicas, rank=0 if uneven else rank, seed=7)
    loader = tl.data.DataLoader(ds, batch_size=local, sampler=sampler)
    s = tl.Session(dtype=dtype, device=device)
    params = list(model.parameters())
    opt = tl.optim.SGD(params, lr=0.1, momentum=0.9) if opt_name == "sgd" else tl.optim.Adam(params, lr=0.01)
    step, epoch = 0, 0
    while step < STEPS:
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            if uneven:
                lo = sum(UNEVEN[:rank])
                xb, yb = xb[lo:lo + UNEVEN[rank]], yb[lo:lo + UNEVEN[rank]]
            out = fwd(s.input(xb))
            loss = F.mse_loss(out, s.input(yb)) if kind == "mlp" else F.cross_entropy(out, s.input(yb))
            loss.backward()
            sync(front if ddp else model, len(xb))
            opt.step()
            opt.zero_grad()
            step += 1
            if step == STEPS:
                break
        epoch += 1
    return {k: np.array(p.value) for k, p in model.named_parameters()}
