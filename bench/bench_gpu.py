"""G1 (digits MLP step on the GPU) and G3 (transformer block step): torchlean eager and compiled
on CUDA vs PyTorch CUDA eager, each candidate in its own process; prints ratios and the GPU.

Run on a GPU machine: ``python3 bench/bench_gpu.py`` (``scripts/gpu-check`` does it).
``TL_BENCH_DEVICE=cpu python bench/bench_gpu.py`` smoke-runs the torchlean candidates on the CPU.
"""

from __future__ import annotations

import os
import subprocess

from common import report, run_isolated
from workloads_gpu import DEVICE, G3


def gpu_name() -> str:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, check=False)
        return out.stdout.strip() or "unknown GPU"
    except FileNotFoundError:
        return "no nvidia-smi"


def main() -> None:
    torch_rows = DEVICE != "cpu"
    print(f"device: {gpu_name() if torch_rows else 'cpu (smoke run)'}", flush=True)
    rounds = int(os.environ.get("TL_BENCH_ROUNDS", "2"))
    for name, title in (("g1", "G1 digits MLP step on the GPU (64-128-128-10, batch 64, SGD)"),
                        ("g3", f"G3 pre-norm transformer block step {G3} (AdamW)")):
        cands = {"torchlean eager": f"workloads_gpu:{name}_torchlean_eager",
                 "torchlean compiled": f"workloads_gpu:{name}_torchlean_compiled"}
        if torch_rows:
            cands = {"pytorch eager": f"workloads_gpu:{name}_pytorch_eager", **cands}
        times = run_isolated(cands, rounds=rounds, budget=0.5 if name == "g1" else 1.0)
        rows = list(times.items())
        if torch_rows:
            report(title, rows, "ms", scale=1e3)
        else:
            print(f"\n{title}")
            for k, t in rows:
                print(f"  {k:28s} {t * 1e3:10.3f} ms", flush=True)


if __name__ == "__main__":
    main()
