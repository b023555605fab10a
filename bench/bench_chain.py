"""The seed's scaling test: a chain of N ``relu`` nodes on a 4-vector (float64), N = 1k ... 16k.

For each N, in fresh child processes: eager forward, eager backward, ``compile_scalar``, the
first compiled ``value_and_grad`` and a later one (median of 5): a graph above
``CompileOptions.eager_above`` equations runs its first ``eager_calls`` calls on the eager
interpreter (``compiled/eager_tier.py``), so these two are the eager tier's. Then the switch:
the gradient graph (``transforms.vjp_graph``) and the whole lowering call (gradient graph,
passes, recording run, fusion, plan, code, first run), and the lowered ``value_and_grad``
(median of 5). Peak memory: tracemalloc's peak over everything up to the switch, measured in a
separate child since tracing slows Python down, and the timing child's max RSS. Each N is
timed twice: the first pass finds numba's disk cache cold for kernel shapes new to this
machine ("lower cold"), the table shows the second. Every figure should grow linearly in N
(the lowering's fixed cost, numba's start-up, makes its growth look sublinear).

Run: ``python bench/bench_chain.py [--fusion 0|1]`` (``make bench`` runs it with fusion on).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = (1000, 2000, 4000, 8000, 16000)


def child(n: int, memory: bool = False) -> dict[str, float]:
    import resource
    import tracemalloc

    import numpy as np

    import torchlean as tl
    from torchlean.compiled.api import compile_scalar
    from torchlean.compiled.config import current_options

    x0 = np.array([1.0, -2.0, 3.0, 0.5])

    def chain(ops, x):
        y = x
        for _ in range(n):
            y = ops.relu(y)
        return ops.sum(y)

    out: dict[str, float] = {}
    fwd, bwd = [], []
    s = tl.Session(dtype=np.float64)
    for _ in range(3):
        s.reset()
        t0 = time.perf_counter()
        x = s.input(x0, requires_grad=True)
        y = chain(s, x)
        t1 = time.perf_counter()
        s.backward(y)
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    s.reset()
    out["eager_forward"], out["eager_backward"] = min(fwd), min(bwd)
    if memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    c = compile_scalar(chain, [x0], tl.Options(dtype=np.float64))
    t1 = time.perf_counter()
    c.value_and_grad(x0)
    t2 = time.perf_counter()
    out["compile_scalar"] = t1 - t0
    out["first_value_and_grad"] = t2 - t1
    out["later_value_and_grad"] = _median_call(c.value_and_grad, x0)
    out["grad_graph"] = out["lower"] = 0.0  # (a graph below eager_above lowered on its first call)
    while ("grad", tl.Device.CPU) not in c._exes:  # the remaining eager-tier calls, then the switch
        if c._eager_calls.get("grad", 0) == current_options().eager_calls:
            t0 = time.perf_counter()
            c.graph_of("grad")
            t1 = time.perf_counter()
            c.value_and_grad(x0)
            out["grad_graph"], out["lower"] = t1 - t0, time.perf_counter() - t0
        else:
            c.value_and_grad(x0)
    if memory:
        out["peak_traced_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return out
    out["compiled_value_and_grad"] = _median_call(c.value_and_grad, x0)
    out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    exe = c._exes[("grad", tl.Device.CPU)]
    out["steps"] = len(exe.schedule.steps)
    return out


def _median_call(fn, *args, times: int = 5) -> float:
    """The median time of ``times`` calls of ``fn(*args)``."""
    seconds = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn(*args)
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


def _child(n: int, env: dict[str, str], memory: bool = False) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", str(n)] + (["--memory"] if memory else [])
    r = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fusion", default=os.environ.get("TORCHLEAN_FUSION", "1"))
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = ap.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    env = dict(os.environ, TORCHLEAN_FUSION=args.fusion)
    env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
    rows = []
    for n in sizes:
        cold = _child(n, env)
        r = _child(n, env)
        r["lower_cold"] = cold["lower"]
        r["peak_traced_mib"] = _child(n, env, memory=True)["peak_traced_mib"]
        rows.append((n, r))
    print(f"\nN-relu chain on a 4-vector, float64 (fusion {'on' if args.fusion != '0' else 'off'}); "
          "times in ms, memory in MiB")
    cols = ["eager_forward", "eager_backward", "compile_scalar", "first_value_and_grad", "later_value_and_grad",
            "grad_graph", "lower", "lower_cold", "compiled_value_and_grad", "peak_traced_mib", "max_rss_mib",
            "steps"]
    heads = ["eager fwd", "eager bwd", "compile", "1st v&g", "later v&g", "grad graph", "lower", "lower cold",
             "compiled", "peak trc", "max rss", "steps", "1st/later"]
    print("  " + f"{'N':>6}" + "".join(f"{h:>11}" for h in heads))
    for n, r in rows:
        vals = [r[c] * (1e3 if "mib" not in c and c != "steps" else 1) for c in cols]
        ratio = r["first_value_and_grad"] / r["later_value_and_grad"]
        print("  " + f"{n:>6}" + "".join(f"{v:>11.1f}" for v in vals) + f"{ratio:>11.1f}")
    base_n, base = rows[0]
    print("  per-N growth from the smallest N (1.0 = linear):")
    for n, r in rows[1:]:
        k = n / base_n
        print("  " + f"{n:>6}" + "".join(f"{r[c] / base[c] / k:>11.2f}" if base[c] else f"{'-':>11}"
                                         for c in cols))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), memory="--memory" in sys.argv)))
    else:
        main()
