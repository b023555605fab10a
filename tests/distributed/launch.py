"""Launching worker scripts under ``mpiexec`` from pytest, with a timeout that ends every rank."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
HAVE_MPI4PY = importlib.util.find_spec("mpi4py") is not None
needs_mpi = pytest.mark.skipif(not HAVE_MPI4PY, reason='mpi4py is not installed (pip install "torchlean[distributed]")')


def mpiexec() -> str:
    """The ``mpiexec`` next to this Python (the ``mpich`` wheel's), else the one on PATH."""
    local = Path(sys.executable).parent / "mpiexec"
    found = str(local) if local.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.fail("mpi4py is installed but no mpiexec was found (pip install mpich, or put MPI's "
                    "mpiexec on PATH)")
    return found


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_mpi(script: str, *args: str, n: int = 2, timeout: float = 120.0) -> Result:
    """``mpiexec -n n python tests/distributed/<script> args...``; on timeout, every process of
    the job is killed and the test fails."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per rank: ranks share the cores
    cmd = [mpiexec(), "-n", str(n), sys.executable, str(HERE / script), *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{script} {' '.join(args)} did not finish within {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    return Result(proc.returncode, out, err, time.perf_counter() - start)
