"""``DistributedSampler``: each rank's shard of a dataset, PyTorch's semantics on torchlean's stream.

For ``n`` samples and ``R`` replicas: each rank gets ``num_samples = ceil(n / R)`` indices
(``ceil((n - R) / R)`` with ``drop_last`` when ``R`` does not divide ``n``); the epoch's order
(``RandomSampler``'s permutation for the same ``(seed, epoch)``, from the stream of
``data/sampler.py``; ``0 .. n-1`` without shuffling) is padded with its own first indices to
``total_size = R * num_samples`` (or cut to it with ``drop_last``), and rank ``r`` takes every
``R``-th index from position ``r``. The shards are disjoint, equally long, and together cover
every sample (the padding repeats a few). As in PyTorch, the order changes only through
``set_epoch`` (call it at the start of every epoch); every rank must use the same seed.

The permutation depends on ``(seed, epoch)`` alone, not on ``R``, so batch ``k`` of size ``b``
taken from every rank holds the same samples as batch ``k`` of size ``R b`` of
``DistributedSampler(dataset, num_replicas=1, rank=0)`` and of a shuffling ``DataLoader`` with
the same seed: what makes ``R`` ranks train like one process (when ``R`` divides ``n``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from .._core.errors import ArgumentError
from .._core.guard import guard_methods
from ..data.sampler import SAMPLER_STREAM, Sampler, SeededState, check_count, permutation, seed_of, stream_key


class DistributedSampler(SeededState, Sampler):
    """This rank's indices of ``dataset`` (module docstring), for ``DataLoader(sampler=...)``.

    ``num_replicas`` and ``rank`` default to ``world_size()`` and ``rank()`` (after ``init()``);
    given explicitly, no MPI is needed."""

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if not hasattr(dataset, "__len__"):
            raise ArgumentError(f"DistributedSampler: the dataset ({type(dataset).__name__}) has no __len__")
        if num_replicas is None or rank is None:
            from .env import rank as _rank
            from .env import world_size

            num_replicas = world_size() if num_replicas is None else num_replicas
            rank = _rank() if rank is None else rank
        num_replicas = check_count("DistributedSampler", "num_replicas", num_replicas)
        rank = check_count("DistributedSampler", "rank", rank, 0)
        if rank >= num_replicas:
            raise ArgumentError(f"DistributedSampler: rank must be in [0, {num_replicas - 1}], got {rank}")
        for flag, v in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(v, (bool, np.bool_)):
                raise ArgumentError(f"DistributedSampler: {flag} must be a bool, got {v!r:.40}")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.seed = seed_of("DistributedSampler", None, seed)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use the order of ``epoch`` from the next ``iter()`` on (the same on every rank)."""
        self.epoch = check_count("DistributedSampler.set_epoch", "epoch", epoch, 0)

    def order(self) -> np.ndarray:
        """The epoch's order of every index, before padding and sharding (int64)."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        return permutation(n, stream_key(self.seed, SAMPLER_STREAM, self.epoch))

    def __iter__(self) -> Iterator[int]:
        idx = self.order()
        if self.drop_last:
            idx = idx[:self.total_size]
        elif self.total_size > len(idx) and len(idx):
            reps = math.ceil((self.total_size - len(idx)) / len(idx))
            idx = np.concatenate([idx, np.tile(idx, reps)[:self.total_size - len(idx)]])
        return iter(idx[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples



guard_methods(DistributedSampler, ["__init__", "set_epoch", "load_state_dict"])
