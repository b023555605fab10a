"""Under ``mpiexec -n 2``: training equals one process, the ranks agree bit for bit, two runs are
bit-identical, and the default-configured sampler shards the data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from . import programs
from .launch import needs_mpi, run_mpi

pytestmark = needs_mpi
NAMES = list(programs.CONFIGS)
REPEATED = ["mlp-eager-adam-f32", "cnn-compiled-sgd-f32"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist-train")
    first = run_mpi("worker_train.py", str(out), ",".join(NAMES), "first")
    assert first.returncode == 0, first.stderr
    second = run_mpi("worker_train.py", str(out), ",".join(REPEATED), "second")
    assert second.returncode == 0, second.stderr
    assert "rank 0 of 2: done" in first.stdout and "rank 1 of 2: done" in first.stdout
    return out


def _load(out, tag, name, rank):
    with np.load(out / f"{tag}-{name}-rank{rank}.npz") as f:
        return {k: f[k] for k in f.files}


def assert_close(got, ref, dtype):
    """float64: every entry to rtol 1e-12. float32: rtol 1e-5, entries near zero to 1e-5 of
    the tensor's largest (their rounding noise is set by the larger terms summed into them)."""
    assert sorted(got) == sorted(ref)
    for k in ref:
        assert got[k].dtype == ref[k].dtype == dtype
        if dtype == np.float64:
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=0, err_msg=k)
        else:
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-5, atol=1e-5 * np.abs(ref[k]).max(), err_msg=k)


@pytest.mark.parametrize("name", NAMES)
def test_two_ranks_train_like_one_process(runs, name):
    kind, _, dtype, _, _ = programs.CONFIGS[name]
    ref = programs.train(name, 1, 0, lambda model, local_batch: None)
    start = programs.build(kind, dtype, 0).state_dict()
    assert max(np.abs(ref[k] - start[k]).max() for k in ref) > 0.1  # 50 steps moved the model
    for rank in (0, 1):
        assert_close(_load(runs, "first", name, rank), ref, dtype)


@pytest.mark.parametrize("name", NAMES)
def test_ranks_hold_the_same_bits(runs, name):
    a, b = _load(runs, "first", name, 0), _load(runs, "first", name, 1)
    for k in a:
        assert a[k].tobytes() == b[k].tobytes(), k


@pytest.mark.parametrize("name", REPEATED)
def test_two_runs_are_bit_identical(runs, name):
    for rank in (0, 1):
        a, b = _load(runs, "first", name, rank), _load(runs, "second", name, rank)
        for k in a:
            assert a[k].tobytes() == b[k].tobytes(), k


def test_default_sampler_shards_are_disjoint_equal_and_cover(runs):
    shards = [json.loads((runs / f"sampler-rank{r}.json").read_text()) for r in (0, 1)]
    for key in shards[0]:
        n, drop_last, epoch = key.split("-")
        n, drop = int(n), drop_last == "True"
        a, b = shards[0][key], shards[1][key]
        assert len(a) == len(b) == (n // 2 if drop else -(-n // 2))
        if n % 2 == 0 or drop:
            assert not set(a) & set(b)
            assert len(set(a) | set(b)) == (n if not drop else n - 1)
        else:  # padded with one repeated index
            assert set(a) | set(b) == set(range(n)) and len(set(a) & set(b)) == 1
        if epoch == "1":
            assert a != shards[0][key[:-1] + "0"]  # set_epoch changed the order
