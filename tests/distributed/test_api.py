"""The distributed API without a multi-rank job: lazy imports, the error without mpi4py, a job
of one (MPI's singleton start, in a subprocess), bucket layouts and mismatch messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import torchlean as tl
from torchlean.distributed.broadcast import _difference, describe, digest, named_tensors
from torchlean.distributed.gradients import bucket_layout

from .launch import HERE, SRC, needs_mpi


def _python(code_or_script: str, *args: str, script: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, str(HERE / code_or_script), *args] if script else [sys.executable, "-c", code_or_script]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_import_torchlean_does_not_import_distributed_or_mpi4py():
    r = _python("import sys, torchlean, torchlean.nn, torchlean.optim, torchlean.data\n"
                "print('torchlean.distributed' in sys.modules, 'mpi4py' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]


def test_without_mpi4py_one_clear_error_says_what_to_install():
    r = _python("import sys; sys.modules['mpi4py'] = None\n"
                "import torchlean.distributed as dist\n"
                "s = dist.DistributedSampler(range(4), num_replicas=2, rank=1)\n"
                "print(list(s) and 'sampler ok')\n"
                "dist.init()")
    assert "sampler ok" in r.stdout
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last == ('torchlean.distributed.env.DistributedError: init: torchlean.distributed needs mpi4py and '
                    'an MPI library (MPICH): pip install "torchlean[distributed]"')


@needs_mpi
def test_a_job_of_one_process():
    r = _python("worker_single.py", script=True)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["before_init"] == ["DistributedError", "rank: call torchlean.distributed.init() first"]
    assert got["job"] == [0, 1, 0, True, True]
    assert got["all_reduce"] == [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], False, False, 3]
    assert got["grads_untouched"] and got["stats"] == [0, 0]
    assert got["keys"] == ["module.0.weight", "module.0.bias"]
    e = got["errors"]
    assert e["op"] == ["ArgumentError", "all_reduce: op must be one of ['sum', 'mean', 'max', 'min', 'prod'], "
                                        "got 'avg'"]
    assert e["mean_int"] == ["DTypeError", "all_reduce: op='mean' needs a float array, got int64"]
    assert e["bool"] == ["DTypeError", "all_reduce: expected an integer or float array, got bool"]
    assert e["tensor"][0] == "ArgumentError" and "pass x.numpy()" in e["tensor"][1]
    assert e["transport"] == ["ArgumentError", "init: cuda_transport must be one of ['auto', 'nccl', 'mpi', "
                                               "'host'], got 'gloo'"]
    assert e["cap"] == ["ArgumentError", "allreduce_gradients: bucket_cap_mb must be a positive number of MiB, got 0"]
    assert e["reduce_op"] == ["ArgumentError", "allreduce_gradients: op must be 'mean' or 'sum', got 'max'"]
    assert e["local_batch"][1] == ("allreduce_gradients: local_batch must be an int >= 0 (this rank's batch "
                                   "size), got -1")
    assert e["sum_weights"][0] == "ArgumentError" and "with op='sum'" in e["sum_weights"][1]
    assert e["no_samples"] == ["DistributedError", "allreduce_gradients: local_batch is 0 on every rank "
                                                   "(no samples in this step)"]
    assert e["root"] == ["ArgumentError", "broadcast_parameters: root must be a rank in [0, 1), got 1"]
    assert e["not_params"] == ["ArgumentError", "broadcast_parameters: item 0 is of type int, not a Param"]
    assert e["ddp_module"] == ["ArgumentError", "DistributedDataParallel: expected a torchlean.nn.Module, "
                                                "got function"]


def _params(*specs):
    return [tl.Param(np.zeros(shape, dtype), name=f"p{i}") for i, (shape, dtype) in enumerate(specs)]


def test_buckets_follow_parameter_order_split_by_size_and_dtype():
    f32, f64 = np.float32, np.float64
    ps = _params(((10,), f32), ((20,), f32), ((5,), f64), ((30,), f32), ((100,), f32), ((1,), f32))
    buckets = bucket_layout(ps, cap_bytes=120)  # 30 float32 per bucket
    got = [(b.dtype.name, [(p.name, off, size) for p, off, size in b.entries], b.length) for b in buckets]
    assert got == [
        ("float32", [("p0", 0, 10), ("p1", 10, 20)], 30),
        ("float64", [("p2", 0, 5)], 5),
        ("float32", [("p3", 0, 30)], 30),
        ("float32", [("p4", 0, 100)], 100),  # larger than the cap: a bucket of its own
        ("float32", [("p5", 0, 1)], 1),
    ]
    assert [b.padded(2) for b in buckets] == [32, 6, 32, 102, 2]  # + one flag per parameter, even
    assert len(bucket_layout(ps, cap_bytes=1 << 20)) == 2  # one per dtype


def test_mismatch_messages_name_the_first_difference():
    a = describe(named_tensors(_params(((3, 2), np.float32), ((3,), np.float32)), "t"))
    b = describe(named_tensors(_params(((3, 2), np.float32), ((4,), np.float32)), "t"))
    c = describe(named_tensors(_params(((3, 2), np.float64)), "t"))
    assert digest(a) != digest(b) and digest(a) == digest(list(a))
    assert _difference(a, b, 0, 2) == ("parameter 'p1' is float32[3] on rank 0 but float32[4] on rank 2",
                                       tl.ShapeError)
    assert _difference(a, c, 0, 1) == ("parameter 'p0' is float32[3, 2] on rank 0 but float64[3, 2] on rank 1",
                                       tl.DTypeError)
    text, kind = _difference(a, a[:1], 1, 0)
    assert kind is tl.ShapeError and text.startswith("parameter 'p1' (float32[3]) of rank 1 is missing on rank 0")


def test_named_tensors_reads_modules_params_and_lists():
    model = tl.nn.Sequential(tl.nn.Linear(2, 3), tl.nn.Linear(3, 1))
    model.register_buffer("steps", np.zeros((), np.int64))
    names = [n for n, _ in named_tensors(model, "t")]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "steps"]
    assert [n for n, _ in named_tensors(model, "t", trainable_only=True)] == names[:4]
    assert [n for n, _ in named_tensors(model, "t", buffers=False)] == names[:4]
    p = tl.Param(np.zeros(2))
    assert [n for n, _ in named_tensors([p, p], "t")] == ["params[0]", "params[1]"]
    with pytest.raises(tl.ArgumentError, match="expected a Module, a Param or an iterable of Params, got int"):
        named_tensors(3, "t")
