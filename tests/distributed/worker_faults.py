"""Run under ``mpiexec -n 2``. ``raise``: rank 1 raises at step 3 while rank 0 goes on into the
next gradient reduction (the job must abort, naming rank 1 and the error). ``mismatch``: the
ranks build different models; every check prints what each rank caught."""

from __future__ import annotations

import sys

import numpy as np
import programs

import torchlean as tl
import torchlean.distributed as dist
import torchlean.nn as nn
import torchlean.nn.functional as F


def say(line: str) -> None:
    """One write per line, so the ranks' lines do not interleave."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def failing_rank() -> None:
    r = dist.rank()
    model = dist.DistributedDataParallel(programs.build("mlp", np.float32, 0))
    s = tl.Session()
    x, y = np.ones((4, 6), np.float32), np.zeros((4, 3), np.float32)
    for step in range(20):
        if r == 1 and step == 3:
            raise RuntimeError("injected failure at step 3")
        F.mse_loss(model(s.input(x)), s.input(y)).backward()
        model.allreduce_gradients()
        say(f"rank {r}: step {step}")
    say(f"rank {r}: finished")


def attempt(label: str, fn) -> None:
    try:
        fn()
        say(f"rank {dist.rank()} {label}: no error")
    except tl.TorchLeanError as e:
        say(f"rank {dist.rank()} {label}: {type(e).__name__}: {e}")


def mismatches() -> None:
    r = dist.rank()
    tl.manual_seed(0)
    hidden = 16 if r == 0 else 12
    wide = nn.Sequential(nn.Linear(6, hidden), nn.Tanh(), nn.Linear(hidden, 3))
    attempt("shape", lambda: dist.broadcast_parameters(wide))
    attempt("ddp", lambda: dist.DistributedDataParallel(wide))
    typed = programs.build("mlp", np.float32 if r == 0 else np.float64, 0)
    attempt("dtype", lambda: dist.broadcast_parameters(typed))
    deep = nn.Sequential(nn.Linear(6, 3), *([nn.Tanh(), nn.Linear(3, 3)] if r == 1 else []))
    attempt("extra", lambda: dist.broadcast_parameters(deep))
    s = tl.Session()
    F.mse_loss(wide(s.input(np.ones((2, 6), np.float32))), s.input(np.zeros((2, 3), np.float32))).backward()
    attempt("grads", lambda: dist.allreduce_gradients(wide))
    same = programs.build("mlp", np.float32, r)  # same layout, different values
    same.register_buffer("steps", np.array(r + 5, np.int64))
    attempt("same", lambda: dist.broadcast_parameters(same))
    ok = all(np.array_equal(p.value, q) for p, q in
             zip(same.parameters(), dist.broadcast_object([p.value for p in same.parameters()])))
    say(f"rank {r} values equal rank 0's: {ok}, buffer {int(same.steps.value)}")
    kept = programs.build("mlp", np.float32, 0)
    kept.register_buffer("steps", np.array(r + 7, np.int64))
    ddp = dist.DistributedDataParallel(kept, broadcast_buffers=False)
    before = int(kept.steps.value)
    ddp.sync_buffers()
    say(f"rank {r} buffer before sync {before}, after {int(kept.steps.value)}")

if __name__ == "__main__":
    dist.init()
    {"raise": failing_rank, "mismatch": mismatches}[sys.argv[1]]()
