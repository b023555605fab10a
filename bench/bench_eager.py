"""W1 (digits MLP training step) and W2 (per-op cost of a 100-op chain): torchlean eager and
compiled vs PyTorch CPU eager and hand-written NumPy, each candidate in its own process.

Run: ``make bench`` (it unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the run).
"""

from __future__ import annotations

from common import env_note, report, run_isolated
from workloads import CHAIN


def main() -> None:
    print(env_note())
    t1 = run_isolated({"pytorch eager": "workloads:w1_pytorch_eager",
                       "torchlean eager": "workloads:w1_torchlean_eager",
                       "torchlean compiled": "workloads:w1_torchlean_compiled",
                       "hand-written numpy": "workloads:w1_numpy_hand",
                       "torchlean nn eager": "workloads_nn:w1_nn_eager",
                       "torchlean nn compiled": "workloads_nn:w1_nn_compiled",
                       "torchlean nn trainer comp.": "workloads_nn:w1_nn_trainer_compiled"})
    r1 = report("W1 digits MLP step (64-128-128-10, batch 64, SGD lr 0.1)", list(t1.items()), "ms", scale=1e3)
    print(f"  through torchlean.nn modules (issue 10: within 10% of the flat figure): eager "
          f"{r1['torchlean nn eager'] / r1['torchlean eager']:.3f}x flat, compiled "
          f"{r1['torchlean nn compiled'] / r1['torchlean compiled']:.3f}x flat, ScalarTrainer(module) compiled "
          f"{r1['torchlean nn trainer comp.'] / r1['torchlean compiled']:.3f}x flat")
    t2 = run_isolated({"pytorch eager": "workloads:w2_pytorch_eager",
                       "torchlean eager": "workloads:w2_torchlean_eager",
                       "torchlean compiled": "workloads:w2_torchlean_compiled",
                       "hand-written numpy": "workloads:w2_numpy_hand"})
    r2 = report(f"W2 per-op cost ({CHAIN}-op chain on 16 floats, forward + backward)",
                [(k, v / CHAIN) for k, v in t2.items()], "us/op", scale=1e6)
    print(f"\nsummary: W1 eager {r1['torchlean eager']:.3f}x (target <= 1.0), compiled "
          f"{r1['torchlean compiled']:.3f}x (target <= 0.7); W2 per op eager {r2['torchlean eager']:.3f}x "
          f"(target <= 0.6), compiled {r2['torchlean compiled']:.3f}x (target <= 0.2); ratios to pytorch eager")


if __name__ == "__main__":
    main()
