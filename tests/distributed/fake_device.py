"""A fake CUDA device and a fake NCCL for the distributed device logic, without a GPU.

``DevArray`` and ``FakeCuda`` are ``torchlean.testing.fake_cuda``'s (a DevArray's pointer is the
real host address, so the fake NCCL can read and write it); ``FakeNccl`` has the functions of ``cupy.cuda.nccl`` the
transport calls, carried out over MPI on the host, and logs them.
"""

from __future__ import annotations

import ctypes

import numpy as np

from torchlean.testing.fake_cuda import DevArray, FakeCuda, dev  # noqa: F401  (re-exported for the workers)

_TYPES = {7: np.float32, 8: np.float64, 4: np.int64, 5: np.uint64}


def _at(ptr, count, code):
    dt = np.dtype(_TYPES[code])
    return np.frombuffer((ctypes.c_char * (count * dt.itemsize)).from_address(ptr), dtype=dt)


class FakeNccl:
    """``cupy.cuda.nccl``'s surface used by ``NcclTransport``, over MPI (logs every call)."""

    available = True
    NCCL_FLOAT32, NCCL_FLOAT64, NCCL_INT64, NCCL_UINT64 = 7, 8, 4, 5

    def __init__(self, mpi_comm, stream=1234):
        self.mpi, self.stream, self.group, self.log = mpi_comm, stream, None, []

    def get_unique_id(self):
        return tuple(range(128))

    def groupStart(self):
        assert self.group is None, "nested group"
        self.group = []

    def groupEnd(self):
        from mpi4py import MPI

        reqs = []
        for kind, buf, peer in self.group:
            reqs.append(self.mpi.Isend(buf, dest=peer) if kind == "send" else self.mpi.Irecv(buf, source=peer))
        MPI.Request.Waitall(reqs)
        self.log.append(("group", len(self.group)))
        self.group = None

    def NcclCommunicator(self, ndev, uid, rank):
        assert uid == tuple(range(128)) and ndev == self.mpi.Get_size() and rank == self.mpi.Get_rank()
        return _FakeComm(self)


class _FakeComm:
    def __init__(self, mod):
        self.mod = mod

    def _check(self, stream):
        assert stream == self.mod.stream, f"queued on stream {stream}, not the current one"

    def send(self, ptr, count, code, peer, stream):
        self._check(stream)
        assert self.mod.group is not None, "send outside a group"
        self.mod.group.append(("send", _at(ptr, count, code), peer))

    def recv(self, ptr, count, code, peer, stream):
        self._check(stream)
        assert self.mod.group is not None, "recv outside a group"
        self.mod.group.append(("recv", _at(ptr, count, code), peer))

    def allGather(self, sptr, rptr, count, code, stream):
        self._check(stream)
        self.mod.mpi.Allgather(_at(sptr, count, code), _at(rptr, count * self.mod.mpi.Get_size(), code))
        self.mod.log.append(("allgather", count))

    def bcast(self, ptr, count, code, root, stream):
        self._check(stream)
        self.mod.mpi.Bcast(_at(ptr, count, code), root=root)
