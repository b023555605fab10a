"""Under ``mpiexec -n 2``: an exception on one rank aborts the whole job quickly, naming the rank
and the error; different models on different ranks are reported, naming the parameter."""

from __future__ import annotations

import re

from .launch import needs_mpi, run_mpi

pytestmark = needs_mpi


def test_an_exception_on_one_rank_aborts_the_job_within_seconds():
    r = run_mpi("worker_faults.py", "raise", timeout=60)
    assert r.returncode != 0
    assert r.seconds < 30, f"the job took {r.seconds:.1f} s to end"
    assert "rank 0: step 2" in r.stdout  # rank 0 was training, and then waited in a reduction
    assert "finished" not in r.stdout and "rank 0: step 3" not in r.stdout
    assert "torchlean.distributed: rank 1 of 2: uncaught RuntimeError: injected failure at step 3; " \
           "aborting the job" in r.stderr
    assert "Traceback" in r.stderr and 'raise RuntimeError("injected failure at step 3")' in r.stderr


def _caught(stdout: str) -> dict[tuple[int, str], str]:
    found = {}
    for line in stdout.splitlines():
        m = re.match(r"rank (\d) (\w+): (.*)", line)
        if m:
            found[int(m.group(1)), m.group(2)] = m.group(3)
    return found


def test_different_models_are_detected_at_broadcast_naming_parameter_and_ranks():
    r = run_mpi("worker_faults.py", "mismatch", timeout=60)
    assert r.returncode == 0, r.stderr
    got = _caught(r.stdout)
    for label in ("shape", "ddp", "dtype", "extra", "grads", "same"):
        assert got[0, label] == got[1, label], label  # every rank raises the same error
    diff = "the ranks hold different models: parameter '0.weight' is float32[16, 6] on rank 0 but " \
           "float32[12, 6] on rank 1 (ranks that differ from rank 0: [1])"
    assert got[0, "shape"] == f"ShapeError: broadcast_parameters: {diff}"
    assert got[0, "ddp"] == f"ShapeError: DistributedDataParallel: {diff} (in broadcast_parameters)"
    assert got[0, "dtype"].startswith("DTypeError: broadcast_parameters: the ranks hold different models: "
                                      "parameter '0.weight' is float32[16, 6] on rank 0 but float64[16, 6] on rank 1")
    assert "rank 1 has a parameter '2.weight' (float32[3, 3]) that rank 0 lacks (4 tensors to rank 0's 2)" \
        in got[0, "extra"]
    assert got[0, "grads"] == f"ShapeError: allreduce_gradients: {diff}"
    assert got[0, "same"] == got[1, "same"] == "no error"
    assert "rank 1 values equal rank 0's: True, buffer 5" in r.stdout
    assert "rank 1 buffer before sync 8, after 7" in r.stdout  # buffers kept until sync_buffers
    assert "rank 0 buffer before sync 7, after 7" in r.stdout
