"""The MPI environment: mpi4py imported on first use, the communicator, ranks, fault handling.

``init()`` reads the job from MPI (``mpiexec -n N python train.py`` starts N processes that
share ``MPI.COMM_WORLD``; plain ``python train.py`` is a job of one). It is idempotent. In a job
of more than one process it replaces ``sys.excepthook``: an exception that escapes on one rank
prints the rank, the error and its traceback, then calls ``MPI.COMM_WORLD.Abort``, so the
other ranks, which may be waiting in a collective for the failed one, are ended by the launcher
instead of hanging.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from .._core.errors import ArgumentError, TorchLeanError
from .._core.guard import guard

INSTALL = 'pip install "torchlean[distributed]"'
CUDA_TRANSPORTS = ("auto", "nccl", "mpi", "host")


class DistributedError(TorchLeanError, RuntimeError):
    """MPI is missing, not initialised, or a collective was used inconsistently."""


def mpi() -> Any:
    """The ``mpi4py.MPI`` module (initialises MPI on first import)."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise DistributedError("torchlean.distributed needs mpi4py and an MPI library (MPICH): "
                               f"{INSTALL}") from None
    return MPI


@dataclass
class _State:
    comm: Any = None
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    cuda_transport: str = "auto"
    cuda_aware: bool | None = None
    previous_hook: Any = None
    cache: dict[str, Any] = field(default_factory=dict)  # transports, verified layouts


STATE = _State()


@guard("init")
def init(comm: Any = None, *, cuda_transport: str = "auto", cuda_aware: bool | None = None,
         device: str | None = None, abort_on_error: bool = True) -> None:
    """Join the MPI job (idempotent: a second call with the same communicator does nothing).

    ``comm``: an mpi4py intracommunicator (default ``MPI.COMM_WORLD``). ``cuda_transport``:
    how CuPy arrays are reduced: ``"nccl"`` (``cupy.cuda.nccl``), ``"mpi"`` (CUDA-aware MPI,
    device buffers handed to MPI), ``"host"`` (copied to the host and back) or ``"auto"`` (NCCL
    where installed, else CUDA-aware MPI where detected, else the host). ``cuda_aware`` says
    whether MPI accepts device buffers (default: mpi4py's ``Query_cuda_support`` where it
    exists, else the ``TORCHLEAN_MPI_CUDA_AWARE`` variable, ``1``/``0``). ``device="cuda"``
    selects GPU ``local_rank() % device_count`` for this process (needs CuPy).
    ``abort_on_error``: install the abort-on-exception hook (module docstring)."""
    if cuda_transport not in CUDA_TRANSPORTS:
        raise ArgumentError(f"init: cuda_transport must be one of {list(CUDA_TRANSPORTS)}, got {cuda_transport!r}")
    if cuda_aware is not None and not isinstance(cuda_aware, bool):
        raise ArgumentError(f"init: cuda_aware must be a bool or None, got {cuda_aware!r}")
    if device not in (None, "cpu", "cuda"):
        raise ArgumentError(f"init: device must be None, 'cpu' or 'cuda', got {device!r}")
    MPI = mpi()
    if comm is None:
        comm = MPI.COMM_WORLD
    elif not isinstance(comm, MPI.Intracomm):
        raise ArgumentError(f"init: comm must be an mpi4py Intracomm, got {type(comm).__name__}")
    if STATE.comm is not comm:
        local = comm.Split_type(MPI.COMM_TYPE_SHARED)
        STATE.comm, STATE.rank, STATE.size = comm, comm.Get_rank(), comm.Get_size()
        STATE.local_rank = local.Get_rank()
        local.Free()
        STATE.cache.clear()
    if (STATE.cuda_transport, STATE.cuda_aware) != (cuda_transport, cuda_aware):
        STATE.cache.pop("device_place", None)  # chosen again on the next device reduction
    STATE.cuda_transport, STATE.cuda_aware = cuda_transport, cuda_aware
    if device == "cuda":
        from ..backends.cuda_comm import select_device

        select_device(STATE.local_rank)
    if abort_on_error and STATE.size > 1 and sys.excepthook is not _abort_hook:
        STATE.previous_hook = sys.excepthook
        sys.excepthook = _abort_hook


def is_initialized() -> bool:
    """Whether ``init()`` has run in this process."""
    return STATE.comm is not None


def communicator(op: str = "torchlean.distributed") -> Any:
    """The communicator of ``init()`` (raises, naming ``op``, before ``init``)."""
    if STATE.comm is None:
        raise DistributedError(f"{op}: call torchlean.distributed.init() first")
    return STATE.comm


def rank() -> int:
    """This process's rank in ``[0, world_size())``."""
    communicator("rank")
    return STATE.rank


def world_size() -> int:
    """The number of processes in the job."""
    communicator("world_size")
    return STATE.size


def local_rank() -> int:
    """This process's rank among the processes of its machine (for picking a GPU)."""
    communicator("local_rank")
    return STATE.local_rank


def is_main() -> bool:
    """True on rank 0, the rank that prints, logs and writes checkpoints."""
    return rank() == 0


@guard("barrier")
def barrier() -> None:
    """Wait until every rank has reached this call."""
    communicator("barrier").Barrier()


def abort(message: str, code: int = 1) -> None:
    """Print ``message`` with this rank's number to stderr and end the whole job."""
    sys.stdout.flush()
    sys.stderr.write(f"torchlean.distributed: rank {STATE.rank} of {STATE.size}: {message}; "
                     "aborting the job\n")
    sys.stderr.flush()
    comm = STATE.comm if STATE.comm is not None else mpi().COMM_WORLD
    comm.Abort(code)


def _abort_hook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
    """``sys.excepthook`` of a job: print the traceback and the rank, then abort."""
    try:
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        text = f"{exc_type.__name__}: {exc}".splitlines()[0] if str(exc) else exc_type.__name__
        abort(f"uncaught {text}")
    finally:  # Abort does not return; if MPI is gone, at least leave with an error
        os._exit(1)


def cuda_aware_mpi() -> bool:
    """Whether MPI is taken to accept device buffers (see ``init``)."""
    if STATE.cuda_aware is not None:
        return STATE.cuda_aware
    query = getattr(mpi(), "Query_cuda_support", None)
    if callable(query):
        return bool(query())
    env = os.environ.get("TORCHLEAN_MPI_CUDA_AWARE", "0")
    if env not in ("0", "1"):
        raise ArgumentError(f"TORCHLEAN_MPI_CUDA_AWARE must be 0 or 1, got {env!r}")
    return env == "1"
