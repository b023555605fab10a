"""Run under ``mpiexec -n N``: train the configurations of ``programs.py`` (argv[2], comma
separated) as this rank, save the parameters to ``argv[1]/<tag>-<name>-rank<r>.npz``
(``tag`` = argv[3]) and the shards of ``DistributedSampler`` with its default replicas/rank."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import programs

import torchlean.distributed as dist


def sync_for(name: str):
    how = programs.CONFIGS[name][4]

    def sync(model, local_batch):
        if isinstance(model, dist.DistributedDataParallel):
            model.allreduce_gradients()
        elif how == "uneven":
            dist.allreduce_gradients(model, local_batch=local_batch)
        else:  # small buckets: several messages per step
            dist.allreduce_gradients(model.parameters(), bucket_cap_mb=0.0005)

    return sync


def main() -> None:
    out, names, tag = Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3]
    dist.init()
    r, n = dist.rank(), dist.world_size()
    for name in names:
        params = programs.train(name, n, r, sync_for(name),
                                wrap=lambda m: dist.DistributedDataParallel(m, bucket_cap_mb=0.001))
        np.savez(out / f"{tag}-{name}-rank{r}.npz", **params)
    if tag == "first":
        ds = programs.dataset("mlp", np.float32)
        shards = {}
        for n_samples, drop_last in ((64, False), (63, False), (63, True)):
            sub = [ds[i] for i in range(n_samples)]
            sampler = dist.DistributedSampler(sub, drop_last=drop_last, seed=3)
            for epoch in (0, 1):
                sampler.set_epoch(epoch)
                shards[f"{n_samples}-{drop_last}-{epoch}"] = list(sampler)
        (out / f"sampler-rank{r}.json").write_text(json.dumps(shards))
    dist.barrier()
    sys.stdout.write(f"rank {r} of {n}: done\n")


if __name__ == "__main__":
    main()
