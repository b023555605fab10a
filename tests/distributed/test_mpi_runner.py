"""The runner under ``mpiexec -n 2 ... --distributed``: one progress stream (rank 0), and the same
result as one process with the same global batch (the shards interleave one permutation)."""

import re
import subprocess
import sys

from .launch import HERE, SRC, needs_mpi, run_mpi

EXAMPLES = ["digits", "mlp", "cnn", "rnn"]  # mlp: the seed's batch of 5 splits 3 + 2


def _single(*args: str) -> str:
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(HERE / "worker_runner.py"), *args], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@needs_mpi
def test_two_ranks_print_one_stream_and_match_one_process():
    from torchlean.runner.registry import names

    for name in [e for e in EXAMPLES if e in names()]:
        res = run_mpi("worker_runner.py", name, "--distributed", "--smoke", timeout=300)
        assert res.returncode == 0, res.stderr
        assert res.stdout.count(f"torchlean {name}: ok") == 1  # rank 0 alone prints
        assert res.stdout.count("[TorchLean] backend:") == 1
        single = _single(name, "--smoke")
        metric = re.compile(r"^(test accuracy .*|.*loss.*)$", re.M)
        assert metric.findall(res.stdout)[-1] == metric.findall(single)[-1]
