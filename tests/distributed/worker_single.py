"""Run as plain ``python`` (a job of one, MPI's singleton start): print, as JSON, what the API
does in one process and which errors bad arguments raise."""

from __future__ import annotations

import json

import numpy as np
import programs

import torchlean as tl
import torchlean.distributed as dist
import torchlean.nn.functional as F


def outcome(fn):
    try:
        return ["ok", repr(fn())]
    except tl.TorchLeanError as e:
        return [type(e).__name__, str(e)]


def main() -> None:
    got = {"before_init": outcome(dist.rank)}
    dist.init()
    dist.init()  # idempotent
    got["job"] = [dist.rank(), dist.world_size(), dist.local_rank(), dist.is_main(), dist.is_initialized()]
    dist.barrier()
    x = np.arange(6.0).reshape(2, 3)
    y = dist.all_reduce(x, "mean")
    got["all_reduce"] = [y.tolist(), y is x, np.shares_memory(x, y), dist.all_reduce(3, "max").tolist()]
    model = programs.build("mlp", np.float32, 0)
    ddp = dist.DistributedDataParallel(model)
    s = tl.Session()
    F.mse_loss(ddp(s.input(np.ones((2, 6), np.float32))), s.input(np.zeros((2, 3), np.float32))).backward()
    before = [p.grad for p in model.parameters()]
    stats = ddp.allreduce_gradients(local_batch=2)
    got["grads_untouched"] = all(p.grad is g for p, g in zip(model.parameters(), before))
    got["stats"] = [stats.buckets, stats.bytes]
    got["keys"] = list(ddp.state_dict())[:2]
    got["errors"] = {
        "op": outcome(lambda: dist.all_reduce(x, "avg")),
        "mean_int": outcome(lambda: dist.all_reduce(np.arange(3), "mean")),
        "bool": outcome(lambda: dist.all_reduce(np.ones(2, bool))),
        "tensor": outcome(lambda: dist.all_reduce(s.input(x))),
        "transport": outcome(lambda: dist.init(cuda_transport="gloo")),
        "cap": outcome(lambda: dist.allreduce_gradients(model, bucket_cap_mb=0)),
        "reduce_op": outcome(lambda: dist.allreduce_gradients(model, op="max")),
        "local_batch": outcome(lambda: dist.allreduce_gradients(model, local_batch=-1)),
        "sum_weights": outcome(lambda: dist.allreduce_gradients(model, op="sum", local_batch=2)),
        "no_samples": outcome(lambda: dist.allreduce_gradients(model, local_batch=0)),
        "root": outcome(lambda: dist.broadcast_parameters(model, root=1)),
        "not_params": outcome(lambda: dist.broadcast_parameters([1, 2])),
        "ddp_module": outcome(lambda: dist.DistributedDataParallel(lambda v: v)),
    }
    print(json.dumps(got))


if __name__ == "__main__":
    main()
