"""Collectives in a fixed order: every rank gets the same bits, whatever MPI's algorithm.

**The rank-order reduction.** A 1-D buffer of ``N * c`` elements is cut into ``N`` blocks of
``c``. An all-to-all sends block ``q`` of every rank to rank ``q``, which combines the ``N``
blocks it received strictly in rank order, ``((x_0 + x_1) + x_2) + ...``, applies the finishing
step (a division, for means) and all-gathers the result. Each element is reduced once, by one
rank, in one order, so the result is the same on every rank and in every run with the same
``N``, independent of arrival order and of the MPI library's choice of algorithm (MPI's own
``Allreduce`` promises neither). The traffic is that of a ring all-reduce:
``2 (N - 1) / N`` times the buffer per rank.

**Where arrays live.** NumPy arrays go through MPI directly. CuPy arrays (anything with
``__cuda_array_interface__``) go, by ``init(cuda_transport=...)``: through NCCL
(``backends/cuda_comm.py``), through CUDA-aware MPI (device buffers given to MPI after a stream
synchronisation), or staged: one copy to the host, the host reduction, one copy back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError
from .._core.guard import guard
from ..backends import get_backend
from ..options import Device
from .env import STATE, DistributedError, communicator, cuda_aware_mpi

OPS = ("sum", "mean", "max", "min", "prod")
_COMBINE = {"sum": "add", "mean": "add", "max": "maximum", "min": "minimum", "prod": "multiply"}


class MpiTransport:
    """The all-to-all and all-gather of MPI on contiguous buffers (host, or device buffers of a
    CUDA-aware MPI, after ``sync``)."""

    def __init__(self, comm: Any, sync: Callable[[], None] | None = None) -> None:
        self.comm, self.sync = comm, sync

    def alltoall(self, send: Any, recv: Any) -> None:
        if self.sync is not None:
            self.sync()
        self.comm.Alltoall(send, recv)

    def allgather(self, send: Any, recv: Any) -> None:
        if self.sync is not None:
            self.sync()
        self.comm.Allgather(send, recv)


@dataclass
class Place:
    """Where a buffer lives: its array module, its backend (None on the host) and the transport
    for its arrays (None: staged through the host)."""

    xp: Any
    backend: Any
    transport: Any
    kind: str  # "host", "nccl", "cuda-aware mpi", "staged"

    def empty(self, shape: Any, dtype: np.dtype) -> Any:
        """A new array of this place (zeroed on a device, where the backend only offers that)."""
        return np.empty(shape, dtype) if self.backend is None else self.backend.zeros(shape, dtype)


def is_device_array(a: Any) -> bool:
    return hasattr(a, "__cuda_array_interface__")


def place_for(device: bool, op: str) -> Place:
    """The ``Place`` of host (``device=False``) or CuPy (``device=True``) arrays."""
    comm = communicator(op)
    if not device:
        return Place(np, None, MpiTransport(comm), "host")
    backend = get_backend(Device.CUDA)
    cached = STATE.cache.get("device_place")
    if cached is not None and cached.backend is backend:
        return cached
    from ..backends import cuda_comm

    choice = STATE.cuda_transport
    module = cuda_comm.nccl_module() if choice in ("auto", "nccl") else None
    if choice == "nccl" and module is None:
        raise DistributedError(f"{op}: cuda_transport='nccl' but CuPy has no NCCL here "
                               "(cupy.cuda.nccl is unavailable); use 'mpi', 'host' or 'auto'")
    if module is not None:
        place = Place(backend.xp, backend, cuda_comm.NcclTransport(module, comm, cuda_comm.current_stream_ptr),
                      "nccl")
    elif choice in ("auto", "mpi") and (choice == "mpi" or cuda_aware_mpi()):
        place = Place(backend.xp, backend, MpiTransport(comm, backend.synchronize), "cuda-aware mpi")
    else:
        place = Place(backend.xp, backend, None, "staged")
    STATE.cache["device_place"] = place
    return place


@dataclass
class Timing:
    """Seconds spent in communication (collectives and host staging copies)."""

    seconds: float = 0.0


def reduce_padded(buf: Any, place: Place, op: str, finish: Callable[[Any], None] | None,
                  timing: Timing | None = None) -> Any:
    """The rank-order reduction (module docstring) of the 1-D buffer ``buf`` whose length is a
    multiple of the world size; ``finish`` is applied in place to each reduced block. Returns a
    new buffer (or ``buf`` itself in a job of one) on ``buf``'s device."""
    n = STATE.size
    if n == 1:
        if finish is not None:
            finish(buf)
        return buf
    if place.transport is None:  # staged: reduce on the host
        t0 = time.perf_counter()
        host = place.backend.to_host(buf)
        if timing is not None:
            timing.seconds += time.perf_counter() - t0
        out = reduce_padded(host, place_for(False, op), op, finish, timing)
        t0 = time.perf_counter()
        dev = place.backend.asarray(out, out.dtype)
        if timing is not None:
            timing.seconds += time.perf_counter() - t0
        return dev
    xp, chunk = place.xp, buf.size // n
    combine = getattr(xp, _COMBINE[op])
    recv = place.empty((n, chunk), buf.dtype)
    t0 = time.perf_counter()
    place.transport.alltoall(buf, recv)
    t1 = time.perf_counter()
    acc = recv[0]
    for q in range(1, n):
        combine(acc, recv[q], out=acc)
    if finish is not None:
        finish(acc)
    out = place.empty((n * chunk,), buf.dtype)
    t2 = time.perf_counter()
    place.transport.allgather(acc, out)
    if timing is not None:
        timing.seconds += (t1 - t0) + (time.perf_counter() - t2)
    return out


def padded_length(size: int, n: int) -> int:
    """``size`` rounded up to a multiple of ``n`` (at least ``n``)."""
    return max(1, -(-size // n)) * n


@guard("all_reduce")
def all_reduce(array: Any, op: str = "sum") -> Any:
    """The reduction of ``array`` over every rank, the same bits on every rank (module docstring).

    ``array``: a NumPy or CuPy array (or a number) of the same shape and dtype on every rank;
    integers, unsigned integers and floats. ``op``: ``"sum"``, ``"mean"`` (floats only: the sum
    divided by the world size), ``"max"``, ``"min"`` or ``"prod"``. Returns a new array on
    the input's device; the input is not modified. Every rank must call it (a collective)."""
    if op not in OPS:
        raise ArgumentError(f"all_reduce: op must be one of {list(OPS)}, got {op!r}")
    device = is_device_array(array)
    if device:
        place = place_for(True, "all_reduce")
        a = array
    else:
        if getattr(array, "__torchlean_tensor__", False):
            raise ArgumentError("all_reduce: expected a NumPy or CuPy array, got a torchlean tensor; "
                                "pass x.numpy() (or the gradient array)")
        try:
            a = np.asarray(array)
        except (TypeError, ValueError) as e:
            raise ArgumentError(f"all_reduce: cannot read {type(array).__name__} as an array: {e}") from None
        place = place_for(False, "all_reduce")
    dt = np.dtype(a.dtype)
    if dt.kind not in "iuf":
        raise DTypeError(f"all_reduce: expected an integer or float array, got {dt.name}")
    if op == "mean" and dt.kind != "f":
        raise DTypeError(f"all_reduce: op='mean' needs a float array, got {dt.name}")
    n, size = STATE.size, int(a.size)
    buf = place.empty((padded_length(size, n),), dt)
    buf[size:] = 0
    buf[:size] = a.reshape(-1)
    finish = None
    if op == "mean":
        scale = dt.type(n)

        def finish(block: Any) -> None:
            place.xp.divide(block, scale, out=block)

    out = reduce_padded(buf, place, op, finish)
    return out[:size].reshape(a.shape)
