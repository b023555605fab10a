"""W1 (digits MLP training step) and W2 (per-op cost of a 100-op chain): torchlean eager vs
PyTorch CPU eager (and hand-written NumPy for W1), each candidate in its own process.

Run: ``make bench`` (it unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the run).
"""

from __future__ import annotations

from common import env_note, report, run_isolated
from workloads import CHAIN


def main() -> None:
    print(env_note())
    t1 = run_isolated({"pytorch eager": "workloads:w1_pytorch_eager",
                       "torchlean eager": "workloads:w1_torchlean_eager",
                       "hand-written numpy": "workloads:w1_numpy_hand"})
    r1 = report("W1 digits MLP step (64-128-128-10, batch 64, SGD lr 0.1)", list(t1.items()), "ms", scale=1e3)
    t2 = run_isolated({"pytorch eager": "workloads:w2_pytorch_eager",
                       "torchlean eager": "workloads:w2_torchlean_eager"})
    r2 = report(f"W2 per-op cost ({CHAIN}-op chain on 16 floats, forward + backward)",
                [(k, v / CHAIN) for k, v in t2.items()], "us/op", scale=1e6)
    print(f"\nsummary: W1 eager {r1['torchlean eager']:.3f}x pytorch (target <= 1.0); "
          f"W2 eager {r2['torchlean eager']:.3f}x pytorch per op (target <= 0.6)")


if __name__ == "__main__":
    main()
