"""Under ``mpiexec -n 2``, on a fake CUDA device (no GPU here): each CUDA transport (host staging,
CUDA-aware MPI, NCCL through a stand-in of ``cupy.cuda.nccl``) keeps gradients on the device,
moves only what it should, and trains to the same bits as the host."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .launch import needs_mpi, run_mpi

pytestmark = needs_mpi
TRANSPORTS = ("host", "mpi", "nccl")
NAMES = ("mlp-eager-adam-f32", "cnn-eager-adam-f64")


@pytest.fixture(scope="module")
def device_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist-device")
    host = run_mpi("worker_train.py", str(out), ",".join(NAMES), "host")
    assert host.returncode == 0, host.stderr
    dev = run_mpi("worker_device.py", str(out))
    assert dev.returncode == 0, dev.stderr
    return out


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("name", NAMES)
def test_device_training_equals_host_training_bit_for_bit(device_runs, transport, name):
    for rank in (0, 1):
        with np.load(device_runs / f"host-{name}-rank{rank}.npz") as a, \
                np.load(device_runs / f"device-{transport}-{name}-rank{rank}.npz") as b:
            assert sorted(a.files) == sorted(b.files)
            for k in a.files:
                assert a[k].tobytes() == b[k].tobytes(), k


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_device_gradients_stay_on_the_device_with_the_expected_copies(device_runs, transport):
    for rank in (0, 1):
        rep = json.loads((device_runs / f"device-{transport}-rank{rank}.json").read_text())
        assert rep["device_grads"]
        buckets = rep["buckets"]
        assert min(buckets) >= 2  # small buckets: several per step
        if transport == "host":  # staged: one download and one upload of each bucket, plus its flags
            assert rep["uploads"] == buckets
            assert rep["downloads"] == [2 * b for b in buckets]
        else:  # device buffers go to MPI / NCCL directly; only the presence flags come back
            assert rep["uploads"] == [0] * len(buckets)
            assert rep["downloads"] == buckets
        assert rep["all_reduce"] == ["DevArray", [0.0, 3.0, 6.0, 9.0, 12.0]]
        if transport == "nccl":  # an all-to-all is one group of 2 sends and 2 receives
            assert "('group', 4)" in rep["nccl_log"]
            assert any(e.startswith("('allgather'") for e in rep["nccl_log"])
        else:
            assert rep["nccl_log"] == []
