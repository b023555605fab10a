"""Data parallelism at W4 size (benchmarks.md: X 256x1024 -> 4096 ReLU -> 1024, MSE, SGD) at 1 and
2 ranks: steps/s, the communication time and bytes per step, and the bandwidth at which the
gradient exchange would take as long as the computation. Not a test.

Run: ``python bench/bench_distributed.py [--steps 12] [--ranks 1,2]`` (needs
``torchlean[distributed]``). The global batch stays 256 (each of N ranks takes 256/N rows), and
each rank gets ``cores / N`` BLAS threads, so the ranks share the machine as they would share a
node. Each rank times, per step: forward + backward, the wait for the slowest rank (a barrier
before the reduction), the gradient reduction (``allreduce_gradients``) and the optimizer step;
the medians of rank 0 are reported, with MPI's own ``Allreduce`` of the same bytes for scale.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
N_IN, N_HIDDEN, N_OUT, BATCH = 1024, 4096, 1024, 256


def worker(steps: int) -> None:
    import numpy as np

    import torchlean as tl
    import torchlean.distributed as dist
    import torchlean.nn as nn
    import torchlean.nn.functional as F

    dist.init()
    r, n = dist.rank(), dist.world_size()
    tl.manual_seed(0)
    model = dist.DistributedDataParallel(nn.Sequential(nn.Linear(N_IN, N_HIDDEN), nn.ReLU(),
                                                       nn.Linear(N_HIDDEN, N_OUT)))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, N_IN)).astype(np.float32)
    y = rng.standard_normal((BATCH, N_OUT)).astype(np.float32)
    local = BATCH // n
    xb, yb = x[r * local:(r + 1) * local], y[r * local:(r + 1) * local]
    s = tl.Session()
    opt = tl.optim.SGD(model.parameters(), lr=1e-3)
    rows = []
    for i in range(steps + 2):  # two warm-up steps
        t0 = time.perf_counter()
        F.mse_loss(model(s.input(xb)), s.input(yb)).backward()
        t1 = time.perf_counter()
        dist.barrier()
        t2 = time.perf_counter()
        stats = model.allreduce_gradients()
        t3 = time.perf_counter()
        opt.step()
        opt.zero_grad()
        t4 = time.perf_counter()
        if i >= 2:
            rows.append((t4 - t0, t1 - t0, t2 - t1, t3 - t2, stats.comm_seconds, t4 - t3))
    med = [statistics.median(c) for c in zip(*rows)]
    grad_bytes = sum(p.value.nbytes for p in model.parameters())
    mpi_allreduce = None
    if n > 1:
        from mpi4py import MPI

        buf = np.ones(grad_bytes // 4, np.float32)
        out = np.empty_like(buf)
        times = []
        for _ in range(5):
            MPI.COMM_WORLD.Barrier()
            t0 = time.perf_counter()
            MPI.COMM_WORLD.Allreduce(buf, out)
            times.append(time.perf_counter() - t0)
        mpi_allreduce = statistics.median(times)
    if r == 0:
        print(json.dumps({"ranks": n, "step": med[0], "compute": med[1], "wait": med[2], "reduce": med[3],
                          "comm": med[4], "optimizer": med[5], "grad_bytes": grad_bytes,
                          "buckets": stats.buckets, "buffer_bytes": stats.bytes,
                          "mpi_allreduce": mpi_allreduce}), flush=True)


def launch(n: int, steps: int) -> dict:
    local = Path(sys.executable).parent / "mpiexec"
    mpiexec = str(local) if local.exists() else shutil.which("mpiexec")
    if mpiexec is None:
        sys.exit('bench_distributed: no mpiexec found; pip install "torchlean[distributed]"')
    threads = str(max(1, (os.cpu_count() or 1) // n))
    env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads,
               PYTHONPATH=os.pathsep.join([str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")]))
    cmd = [mpiexec, "-n", str(n), sys.executable, str(Path(__file__).resolve()), "--worker", "--steps", str(steps)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0:
        sys.exit(f"bench_distributed: {n} ranks failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict]) -> dict:
    """The per-key median of several launches' results."""
    out = dict(runs[0])
    for k, v in out.items():
        if isinstance(v, float):
            out[k] = statistics.median(r[k] for r in runs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=12, help="timed steps per run (after 2 warm-up steps)")
    ap.add_argument("--ranks", default="1,2", help="comma-separated rank counts (default 1,2)")
    ap.add_argument("--rounds", type=int, default=3, help="launches per rank count, interleaved (medians)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.steps < 1 or a.rounds < 1:
        ap.error(f"--steps and --rounds must be >= 1, got {a.steps} and {a.rounds}")
    if a.worker:
        worker(a.steps)
        return
    try:
        counts = [int(v) for v in a.ranks.split(",")]
    except ValueError:
        ap.error(f"--ranks must be comma-separated integers, got {a.ranks!r}")
    if any(c < 1 for c in counts):
        ap.error(f"--ranks must be >= 1 each, got {a.ranks!r}")
    print(f"W4 data parallel (global batch {BATCH}, {N_IN}->{N_HIDDEN} ReLU->{N_OUT}, MSE, SGD), "
          f"{os.cpu_count()} CPUs, {a.steps} steps x {a.rounds} interleaved rounds, medians of rank 0")
    print(f"{'ranks':>5} {'steps/s':>8} {'step ms':>8} {'compute':>8} {'wait':>7} {'reduce':>7} {'comm':>7} "
          f"{'optim':>7} {'MPI Allreduce':>14}")
    runs: dict[int, list[dict]] = {n: [] for n in counts}
    for _ in range(a.rounds):  # interleaved, so the machine's drift spreads over every count
        for n in counts:
            runs[n].append(launch(n, a.steps))
    results = [median_run(runs[n]) for n in counts]
    for res in results:
        ms = {k: (res[k] or 0) * 1e3 for k in ("step", "compute", "wait", "reduce", "comm", "optimizer",
                                               "mpi_allreduce")}
        mpi = f"{ms['mpi_allreduce']:11.1f} ms" if res["mpi_allreduce"] else f"{'-':>14}"
        print(f"{res['ranks']:>5} {1 / res['step']:8.2f} {ms['step']:8.1f} {ms['compute']:8.1f} {ms['wait']:7.1f} "
              f"{ms['reduce']:7.1f} {ms['comm']:7.1f} {ms['optimizer']:7.1f} {mpi}")
    grad = results[0]["grad_bytes"]
    print(f"\ngradients: {grad / 1e6:.1f} MB per step per rank ({grad // 4:,} float32), in "
          f"{results[-1]['buckets']} buckets of the default 25 MiB cap")
    for res in results:
        n = res["ranks"]
        if n == 1:
            continue
        wire = 2 * (n - 1) / n * res["buffer_bytes"]
        print(f"{n} ranks: each rank sends and receives {wire / 1e6:.1f} MB per step "
              f"({wire / res['comm'] / 1e9:.2f} GB/s achieved in shared memory)")
    base = results[0]["compute"]
    print("\nbandwidth per rank at which the exchange would take as long as the computation "
          "(2 (N-1)/N x the gradient bytes in the compute time):")
    for n in (2, 4, 8, 64):
        wire = 2 * (n - 1) / n * grad
        strong = base / n  # global batch 256 split N ways (perfect compute scaling)
        print(f"  N={n:<3} {wire / 1e6:6.1f} MB/step: global batch 256 -> {wire / strong / 1e9:6.2f} GB/s; "
              f"local batch 256 per rank -> {wire / base / 1e9:6.2f} GB/s")


if __name__ == "__main__":
    main()
