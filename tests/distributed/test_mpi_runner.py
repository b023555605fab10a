"""The runner under ``mpiexec -n 2 ... --distributed``: one progress stream (rank 0), and the same
result as one process with the same global batch (the shards interleave one permutation)."""

import re
import subprocess
import sys

from .launch import HERE, SRC, needs_mpi, run_mpi

EXAMPLES = ["digits", "mlp", "autoencoder", "rnn", "fno1d_burgers"]  # mlp: the seed's batch of 5 splits 3 + 2
# BatchNorm normalises each rank's own rows (torchlean has no SyncBatchNorm), so two ranks train a
# slightly different model from one process's: close, not equal.
PER_RANK_STATISTICS = ["cnn"]
_METRIC = re.compile(r"^(test accuracy .*|.*loss.*|test MSE .*|test relative L2 error .*)$", re.M)


def _single(*args: str) -> str:
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(HERE / "worker_runner.py"), *args], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _two_ranks(name: str, *args: str) -> str:
    res = run_mpi("worker_runner.py", name, "--distributed", "--smoke", *args, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count(f"torchlean {name}: ok") == 1  # rank 0 alone prints
    assert res.stdout.count("[TorchLean] backend:") == 1
    return res.stdout


@needs_mpi
def test_two_ranks_print_one_stream_and_match_one_process(tmp_path):
    from torchlean.runner.registry import names

    for name in [e for e in EXAMPLES if e in names()]:
        extra = ("--out", str(tmp_path / name)) if name == "autoencoder" else ()
        two = _two_ranks(name, *extra)
        single = _single(name, "--smoke", *extra)
        # the final test figure (training losses printed per epoch are rank 0's rows only)
        assert _METRIC.findall(two)[-1] == _METRIC.findall(single)[-1]


@needs_mpi
def test_batchnorm_examples_run_on_two_ranks_close_to_one_process():
    from torchlean.runner.registry import names

    for name in [e for e in PER_RANK_STATISTICS if e in names()]:
        two = _two_ranks(name, "--check")
        assert re.search(r"^check: test_accuracy \S+ >= \S+: ok$", two, re.M), two
        single = _single(name, "--smoke")
        acc = [float(re.findall(r"^test accuracy (\S+)$", out, re.M)[-1]) for out in (two, single)]
        assert abs(acc[0] - acc[1]) < 0.05, acc
