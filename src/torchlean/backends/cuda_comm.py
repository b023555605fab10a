"""CUDA pieces of ``torchlean.distributed``: GPU selection per rank and NCCL (``cupy.cuda.nccl``).

Like ``cupy_backend``, this module is the only route to cupy for what it does; it is imported
only when a job reduces CuPy arrays or asks for a GPU per rank.

``NcclTransport`` gives the two collectives the rank-order reduction needs (an all-to-all and
an all-gather) on device buffers. NCCL has no all-to-all call; it is a group of ``send``/``recv``
pairs, one per peer, as NCCL's documentation describes. The communicator is created once per
job from a unique id that rank 0 draws and MPI broadcasts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import DeviceError


def select_device(local_rank: int) -> int:
    """Make GPU ``local_rank % device_count`` CuPy's current device; returns its index."""
    from .cupy_backend import _import_cupy

    cupy = _import_cupy()
    index = local_rank % cupy.cuda.runtime.getDeviceCount()
    cupy.cuda.Device(index).use()
    return index


def nccl_module() -> Any:
    """``cupy.cuda.nccl`` when CuPy was built with NCCL, else None."""
    try:
        from cupy.cuda import nccl
    except ImportError:
        return None
    return nccl if getattr(nccl, "available", False) else None


def current_stream_ptr() -> int:
    """The handle of CuPy's current stream (what NCCL calls are queued on)."""
    import cupy

    return int(cupy.cuda.get_current_stream().ptr)


def _ptr(a: Any) -> int:
    return int(a.__cuda_array_interface__["data"][0])


class NcclTransport:
    """All-to-all and all-gather of contiguous device arrays over an NCCL communicator.

    ``nccl`` is the ``cupy.cuda.nccl`` module (or a stand-in with the same functions, which is
    how the tests run this code without a GPU); ``comm`` the MPI communicator that carries the
    unique id; ``stream`` returns the stream handle to queue on."""

    def __init__(self, nccl: Any, comm: Any, stream: Callable[[], int] = current_stream_ptr) -> None:
        self.nccl, self.stream = nccl, stream
        self.size, self.rank = comm.Get_size(), comm.Get_rank()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = comm.bcast(uid, root=0)
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self.types = {np.dtype(np.float32): nccl.NCCL_FLOAT32, np.dtype(np.float64): nccl.NCCL_FLOAT64,
                      np.dtype(np.int64): nccl.NCCL_INT64, np.dtype(np.uint64): nccl.NCCL_UINT64}

    def _type(self, a: Any) -> int:
        t = self.types.get(np.dtype(a.dtype))
        if t is None:
            raise DeviceError(f"nccl: no NCCL type for {np.dtype(a.dtype).name} arrays "
                              f"(supported: {sorted(d.name for d in self.types)})")
        return t

    def alltoall(self, send: Any, recv: Any) -> None:
        """Block ``q`` of ``send`` goes to rank ``q``; block ``q`` of ``recv`` comes from rank ``q``."""
        count = send.size // self.size
        step = count * send.itemsize
        dt, stream, sp, rp = self._type(send), self.stream(), _ptr(send), _ptr(recv)
        self.nccl.groupStart()
        try:
            for q in range(self.size):
                self.comm.send(sp + q * step, count, dt, q, stream)
                self.comm.recv(rp + q * step, count, dt, q, stream)
        finally:
            self.nccl.groupEnd()

    def allgather(self, send: Any, recv: Any) -> None:
        """``recv`` is every rank's ``send``, in rank order."""
        self.comm.allGather(_ptr(send), _ptr(recv), send.size, self._type(send), self.stream())

    def bcast(self, buf: Any, root: int) -> None:
        self.comm.bcast(_ptr(buf), buf.size, self._type(buf), root, self.stream())
