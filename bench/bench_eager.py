"""W1 (digits MLP training step), W2 (per-op cost of a 100-op chain) and W4 (BLAS-bound MLP):
torchlean eager and compiled vs PyTorch CPU eager, torch.compile and hand-written NumPy, each
candidate in its own process, interleaved rounds, medians; ratios to PyTorch eager.

Run: ``make bench`` (it unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the run).
``--only W1,W4`` picks workloads; ``--no-torch-compile`` leaves torch.compile out (its first
call compiles C++ for tens of seconds in each child process).
"""

from __future__ import annotations

import argparse

from common import env_note, report, run_isolated
from workloads import CHAIN

NN_W1 = {"torchlean nn eager": "workloads_nn:w1_nn_eager", "torchlean nn compiled": "workloads_nn:w1_nn_compiled",
         "torchlean nn trainer comp.": "workloads_nn:w1_nn_trainer_compiled"}


def candidates(w: str, torch_compile: bool) -> dict[str, str]:
    mod = "workloads_w4" if w == "w4" else "workloads"
    out = {"pytorch eager": f"{mod}:{w}_pytorch_eager"}
    if torch_compile:
        out["torch.compile"] = f"{mod}:{w}_torch_compile"
    out.update({"torchlean eager": f"{mod}:{w}_torchlean_eager", "torchlean compiled": f"{mod}:{w}_torchlean_compiled",
                "hand-written numpy": f"{mod}:{w}_numpy_hand"})
    return out


def _others(r: dict[str, float]) -> str:
    return ", ".join(f"{k} {r[k]:.3f}x" for k in ("hand-written numpy", "torch.compile") if k in r)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="W1,W2,W4")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-torch-compile", action="store_true")
    args = ap.parse_args()
    only = {w.strip().upper() for w in args.only.split(",")}
    tc = not args.no_torch_compile
    print(env_note())
    summary = []
    if "W1" in only:
        t = run_isolated({**candidates("w1", tc), **NN_W1}, rounds=args.rounds)
        r = report("W1 digits MLP step (64-128-128-10, batch 64, SGD lr 0.1)", list(t.items()), "ms", scale=1e3)
        summary.append(f"W1 eager {r['torchlean eager']:.3f}x (target <= 0.9), compiled "
                       f"{r['torchlean compiled']:.3f}x (target <= 0.45); {_others(r)}")
        summary.append(f"W1 through torchlean.nn modules (issue 10: within 10% of the flat figures): the PyTorch "
                       f"loop eager {r['torchlean nn eager'] / r['torchlean eager']:.3f}x flat, through "
                       f"tl.compile {r['torchlean nn compiled'] / r['torchlean compiled']:.3f}x flat, "
                       f"ScalarTrainer(module) compiled "
                       f"{r['torchlean nn trainer comp.'] / r['torchlean compiled']:.3f}x flat")
    if "W2" in only:
        t = run_isolated(candidates("w2", tc), rounds=args.rounds)
        r = report(f"W2 per-op cost ({CHAIN}-op chain on 16 floats, forward + backward)",
                   [(k, v / CHAIN) for k, v in t.items()], "us/op", scale=1e6)
        summary.append(f"W2 per op eager {r['torchlean eager']:.3f}x (target <= 0.5), compiled "
                       f"{r['torchlean compiled']:.3f}x (target <= 0.10); {_others(r)}")
    if "W4" in only:
        t = run_isolated(candidates("w4", tc), rounds=args.rounds, budget=2.0)
        r = report("W4 MLP 256x1024 -> 4096 ReLU -> 1024, MSE, loss + 4 gradients (10.74 GFLOP)",
                   list(t.items()), "ms", scale=1e3)
        hand = r["hand-written numpy"]
        summary.append(f"W4 eager {r['torchlean eager'] / hand:.3f}x, compiled {r['torchlean compiled'] / hand:.3f}x "
                       f"hand-written numpy (target <= 1.05); {_others(r)}; compiled at "
                       f"{10.74 / t['torchlean compiled']:.0f} GFLOP/s")
    print("\nsummary (ratios to pytorch eager unless said):")
    for line in summary:
        print("  " + line)


if __name__ == "__main__":
    main()
