"""Benchmark harness (workloads of ../shared/reference/benchmarks.md).

Every candidate (torchlean, PyTorch, hand-written NumPy) runs in its own child process, and the
candidates alternate over several rounds. Separate processes keep the libraries' thread pools
apart: OpenBLAS and PyTorch's OpenMP threads keep spinning after their last call and slow down
whichever library runs next in the same process. Alternating rounds spread the machine's drift
(up to 2x between runs) over all candidates. Reported times are medians; ratios are to PyTorch.

A candidate is ``"module:function"``; the function does its setup (imports included) and
returns a zero-argument callable that runs one step.
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))


def median_time(fn: Callable[[], object], repeat: int = 7, budget: float = 0.7, warmup: float = 0.2) -> float:
    """Median seconds per call over ``repeat`` runs, after ``warmup`` seconds of untimed calls."""
    t_end = time.perf_counter() + warmup
    calls = 0
    while time.perf_counter() < t_end or calls < 3:
        fn()
        calls += 1
    t0 = time.perf_counter()
    fn()
    number = max(1, int(budget / repeat / max(time.perf_counter() - t0, 1e-7)))
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def run_isolated(candidates: dict[str, str], rounds: int = 3, budget: float = 0.7) -> dict[str, float]:
    """Median seconds per step of each candidate, each timed in fresh child processes."""
    times: dict[str, list[float]] = {k: [] for k in candidates}
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for _ in range(rounds):
        for name, target in candidates.items():
            out = subprocess.run([sys.executable, os.path.join(HERE, "common.py"), target, str(budget)],
                                 capture_output=True, text=True, env=env, check=False)
            if out.returncode != 0:
                raise RuntimeError(f"benchmark candidate {name} ({target}) failed:\n{out.stderr}")
            times[name].append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
    return {k: statistics.median(v) for k, v in times.items()}


def report(title: str, rows: list[tuple[str, float]], unit: str, baseline: str = "pytorch eager",
           scale: float = 1.0) -> dict[str, float]:
    """Print times and ratios to the baseline row; return the ratios."""
    base = dict(rows)[baseline]
    print(f"\n{title}")
    ratios = {}
    for name, t in rows:
        ratios[name] = t / base
        print(f"  {name:28s} {t * scale:10.3f} {unit}   {t / base:6.3f}x {baseline}", flush=True)
    return ratios


def env_note() -> str:
    import numpy as np

    keys = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    env = ", ".join(f"{k}={os.environ[k]}" for k in keys if k in os.environ) or "no BLAS overrides"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, {env}; "
            f"load average {load} (other work on the machine skews every figure)")


if __name__ == "__main__":  # child: time one candidate, print {"seconds": ...}
    module, func = sys.argv[1].split(":")
    step = getattr(importlib.import_module(module), func)()
    print(json.dumps({"seconds": median_time(step, budget=float(sys.argv[2]))}))
