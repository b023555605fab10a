"""Data-parallel training over MPI (``pip install "torchlean[distributed]"``: mpi4py and MPICH).

Launch N copies of one script with ``mpiexec -n N python train.py``; each process calls
``init()``, builds the same model, wraps it (``DistributedDataParallel``, which broadcasts rank
0's parameters), reads its shard of the data (``DistributedSampler``) and, after every
``loss.backward()``, averages the gradients (``ddp.allreduce_gradients()``) before the
optimizer step. Reductions run in a fixed rank order, so every rank holds the same bits, and
with the same global batch N ranks train like one process (to rounding). See
``docs/distributed.md``.

``import torchlean`` never imports this package, and this package imports mpi4py only when a
function needs MPI (``DistributedSampler`` with explicit ``num_replicas``/``rank`` does not).
"""

from .broadcast import broadcast_object, broadcast_parameters
from .collectives import all_reduce
from .ddp import DistributedDataParallel
from .env import (
    DistributedError,
    abort,
    barrier,
    init,
    is_initialized,
    is_main,
    local_rank,
    rank,
    world_size,
)
from .gradients import ReduceStats, allreduce_gradients
from .sampler import DistributedSampler

__all__ = [
    "DistributedDataParallel", "DistributedError", "DistributedSampler", "ReduceStats", "abort",
    "all_reduce", "allreduce_gradients", "barrier", "broadcast_object", "broadcast_parameters", "init",
    "is_initialized", "is_main", "local_rank", "rank", "world_size",
]
