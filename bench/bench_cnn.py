"""W3 (small CNN training step on digits): torchlean eager and compiled vs PyTorch CPU eager,
torch.compile and hand-written NumPy (workloads_cnn_numpy.py),
each candidate in its own process (see common.py); the workload is defined in workloads_cnn.py.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_cnn.py``
"""

from __future__ import annotations

import sys

from common import env_note, report, run_isolated


def main() -> None:
    print(env_note())
    cands = {"pytorch eager": "workloads_cnn:w3_pytorch_eager"}
    if "--no-torch-compile" not in sys.argv:
        cands["torch.compile"] = "workloads_cnn:w3_torch_compile"
    cands.update({"torchlean eager": "workloads_cnn:w3_torchlean_eager",
                  "torchlean compiled": "workloads_cnn:w3_torchlean_compiled",
                  # glibc otherwise returns the freed pages of each step's large arrays and faults
                  # them in again (backends/host_memory.py); opt-in, as it is process-wide
                  "torchlean eager, malloc keep": "workloads_cnn:w3_torchlean_eager_keep",
                  "torchlean compiled, malloc keep": "workloads_cnn:w3_torchlean_compiled_keep",
                  "hand-written numpy": "workloads_cnn_numpy:w3_numpy_hand"})
    t = run_isolated(cands, rounds=5)
    r = report("W3 small CNN step (conv 1->16, ReLU, max-pool 2, conv 16->32, ReLU, GAP, "
               "linear 32->10; batch 64, SGD lr 0.1)", list(t.items()), "ms", scale=1e3)
    others = ", ".join(f"{k} {r[k]:.3f}x" for k in ("hand-written numpy", "torch.compile") if k in r)
    print(f"\nsummary: W3 eager {r['torchlean eager']:.3f}x (target <= 1.0), compiled "
          f"{r['torchlean compiled']:.3f}x (target <= 0.8) pytorch eager; with TORCHLEAN_MALLOC=keep "
          f"eager {r['torchlean eager, malloc keep']:.3f}x, compiled {r['torchlean compiled, malloc keep']:.3f}x; "
          f"{others}")


if __name__ == "__main__":
    main()
