"""Run under ``mpiexec -n 2``: train configurations on a fake CUDA device (``fake_device.py``)
through each CUDA transport (host staging, CUDA-aware MPI, fake NCCL) and save the parameters
to ``argv[1]/device-<transport>-<name>-rank<r>.npz``, with what each reduction transferred in
``argv[1]/device-<transport>-rank<r>.json``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import programs
from fake_device import DevArray, FakeCuda, FakeNccl

import torchlean.distributed as dist
from torchlean import backends
from torchlean.backends import cuda_comm
from torchlean.options import Device, MatmulPrecision

NAMES = ("mlp-eager-adam-f32", "cnn-eager-adam-f64")


def main() -> None:
    out = Path(sys.argv[1])
    fake = FakeCuda()
    backends._BACKENDS[(Device.CUDA, MatmulPrecision.FP32)] = fake
    dist.init()
    r = dist.rank()
    from mpi4py import MPI

    nccl = FakeNccl(MPI.COMM_WORLD)
    cuda_comm.nccl_module = lambda: nccl
    cuda_comm.current_stream_ptr = lambda: nccl.stream
    for transport in ("host", "mpi", "nccl"):
        dist.init(cuda_transport=transport)
        report = {"uploads": [], "downloads": [], "device_grads": True, "buckets": []}

        def sync(model, local_batch, report=report):
            up, down = fake.uploads, fake.downloads
            stats = dist.allreduce_gradients(model, bucket_cap_mb=0.0005)
            report["uploads"].append(fake.uploads - up)
            report["downloads"].append(fake.downloads - down)
            report["buckets"].append(stats.buckets)
            report["device_grads"] &= all(isinstance(p.grad, DevArray) for p in model.parameters())

        for name in NAMES:
            params = programs.train(name, dist.world_size(), r, sync, device="cuda")
            np.savez(out / f"device-{transport}-{name}-rank{r}.npz", **params)
        report["nccl_log"] = sorted({str(e) for e in nccl.log})
        nccl.log.clear()
        x = fake.asarray(np.arange(5.0) * (r + 1), np.float64)
        total = dist.all_reduce(x, "sum")
        report["all_reduce"] = [type(total).__name__, np.asarray(total).tolist()]
        (out / f"device-{transport}-rank{r}.json").write_text(json.dumps(report))
    sys.stdout.write(f"rank {r}: done\n")


if __name__ == "__main__":
    main()
