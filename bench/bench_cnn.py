"""W3 (small CNN training step on digits): torchlean eager and compiled vs PyTorch CPU eager,
each candidate in its own process (see common.py); the workload is defined in workloads_cnn.py.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_cnn.py``
"""

from __future__ import annotations

from common import env_note, report, run_isolated


def main() -> None:
    print(env_note())
    t = run_isolated({"pytorch eager": "workloads_cnn:w3_pytorch_eager",
                      "torchlean eager": "workloads_cnn:w3_torchlean_eager",
                      "torchlean compiled": "workloads_cnn:w3_torchlean_compiled"}, rounds=5)
    r = report("W3 small CNN step (conv 1->16, ReLU, max-pool 2, conv 16->32, ReLU, GAP, "
               "linear 32->10; batch 64, SGD lr 0.1)", list(t.items()), "ms", scale=1e3)
    print(f"\nsummary: W3 eager {r['torchlean eager']:.3f}x, compiled {r['torchlean compiled']:.3f}x "
          "pytorch eager (target <= 1.0)")


if __name__ == "__main__":
    main()
