"""Samplers (PyTorch's ``torch.utils.data`` samplers) and the seeded permutation they draw.

**The shuffling algorithm.** Shuffles come from the seed's SplitMix64 stream, reproducible on
any machine from ``(seed, k)`` alone. For a use ``D`` (a constant: ``SAMPLER_STREAM`` for
``RandomSampler`` with ``k`` its epoch, ``SPLIT_STREAM`` for ``random_split`` with ``k = 0``):

    key  = splitmix64((splitmix64((seed mod 2**64) XOR D) + k) mod 2**64)
    v_t  = splitmix64((key + t) mod 2**64)                  for t = 0, 1, 2, ...   (uint64)

* a permutation of ``n`` items is the stable argsort of ``v_0 .. v_{n-1}`` (the order of n
  i.i.d. 64-bit values: uniform, ties impossible in practice and broken by position); the
  ``j``-th permutation of one epoch (when ``num_samples > n``) sorts ``v_{jn} .. v_{jn+n-1}``;
* with replacement, draw ``t`` is ``floor(u_t * n)`` with ``u_t = (v_t >> 11) / 2**53``.

The constants ``D`` keep these streams apart from each other and from the session's random ops
(whose keys are ``splitmix64(seed + counter)``), so a dropout mask, the split and the epochs'
orders of one seed are unrelated.

A sampler is anything with ``__iter__`` (yielding dataset indices) and ``__len__``; a
``DataLoader`` takes any such object (``sampler=``), so a distributed sampler can plug in. The
random samplers here have ``set_epoch(epoch)`` (as ``DistributedSampler``): the order of an
epoch is a function of ``(seed, epoch)``; without ``set_epoch`` each ``iter()`` starts the next
epoch, so every pass over a loader gets a new permutation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import Any

import numpy as np

from .._core.errors import ArgumentError
from .._core.guard import guard_methods
from ..random import splitmix64, splitmix64_int

_MASK = (1 << 64) - 1
SAMPLER_STREAM = 0x7E3A_5B1C_9D2F_4E61  # D for RandomSampler
SPLIT_STREAM = 0x2C6F_8A4D_1B3E_7095  # D for random_split


def stream_key(seed: int, stream: int, k: int) -> int:
    """``splitmix64(splitmix64((seed mod 2**64) XOR stream) + k)``: the key of one shuffle."""
    return splitmix64_int((splitmix64_int((seed & _MASK) ^ stream) + k) & _MASK)


def stream_values(key: int, start: int, count: int) -> np.ndarray:
    """``v_t = splitmix64(key + t)`` for ``t`` in ``[start, start + count)`` (uint64)."""
    t = np.arange(count, dtype=np.uint64) + np.uint64((key + start) & _MASK)
    return splitmix64(np, t)


def permutation(n: int, key: int, j: int = 0) -> np.ndarray:
    """The ``j``-th permutation of ``range(n)`` of stream ``key`` (int64)."""
    return np.argsort(stream_values(key, j * n, n), kind="stable").astype(np.int64)


def draws(n: int, key: int, count: int) -> np.ndarray:
    """``count`` uniform draws from ``range(n)`` (with replacement) of stream ``key``."""
    u = (stream_values(key, 0, count) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    return np.minimum((u * n).astype(np.int64), n - 1)


def seed_of(op: str, generator: Any, seed: Any) -> int:
    """The seed from ``generator`` (an int, or an object with ``initial_seed()`` such as a
    ``torch.Generator``) or ``seed`` (an int); 0 when neither is given."""
    if generator is not None and seed is not None:
        raise ArgumentError(f"{op}: give generator= or seed=, not both")
    value = seed if seed is not None else generator
    if value is None:
        return 0
    if not isinstance(value, (int, np.integer)) and callable(getattr(value, "initial_seed", None)):
        value = value.initial_seed()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ArgumentError(f"{op}: the seed must be an int >= 0 (or a generator with initial_seed()), "
                            f"got {value!r:.40}")
    return int(value)


def check_count(op: str, what: str, v: Any, minimum: int = 1) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ArgumentError(f"{op}: {what} must be an int >= {minimum}, got {v!r:.40}")
    return int(v)


class Sampler:
    """Base class of samplers: ``__iter__`` yields dataset indices; ``__len__`` their number."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source: Sized) -> None:
        if not hasattr(data_source, "__len__"):
            raise ArgumentError(f"SequentialSampler: the dataset ({type(data_source).__name__}) has no __len__")
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class SeededState:
    """``state_dict``/``load_state_dict`` of a sampler whose order is fixed by ``(seed, epoch)``."""

    seed: int
    epoch: int

    def state_dict(self) -> dict[str, int]:
        """``{"seed": ..., "epoch": ...}``: the next epoch's order is fixed by these two."""
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        op = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict) or set(state) != {"seed", "epoch"}:
            raise ArgumentError(f"{op}: expected keys ['epoch', 'seed'], "
                                f"got {sorted(state) if isinstance(state, dict) else type(state).__name__}")
        seed = seed_of(op, None, state["seed"])
        self.epoch = check_count(op, "epoch", state["epoch"], 0)
        self.seed = seed


class RandomSampler(SeededState, Sampler):
    """Random order (PyTorch's ``RandomSampler``) from the seed's stream (module docstring).

    ``replacement``: draw ``num_samples`` indices independently; otherwise a permutation (or
    several, when ``num_samples`` exceeds the dataset). ``generator``/``seed``: the seed (an
    int, or a ``torch.Generator``'s ``initial_seed()``; 0 by default). The orders differ from
    PyTorch's, whose generators torchlean does not reproduce."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None, *, seed: int | None = None) -> None:
        if not hasattr(data_source, "__len__"):
            raise ArgumentError(f"RandomSampler: the dataset ({type(data_source).__name__}) has no __len__")
        if not isinstance(replacement, (bool, np.bool_)):
            raise ArgumentError(f"RandomSampler: replacement must be a bool, got {replacement!r:.40}")
        if num_samples is not None:
            check_count("RandomSampler", "num_samples", num_samples)
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = None if num_samples is None else int(num_samples)
        self.seed = seed_of("RandomSampler", generator, seed)
        self.epoch = 0

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter()`` give the order of ``epoch`` (later ones continue from it)."""
        self.epoch = check_count("RandomSampler.set_epoch", "epoch", epoch, 0)

    def indices(self, epoch: int) -> list[int]:
        """The indices of ``epoch`` (without advancing)."""
        n, count = len(self.data_source), self.num_samples
        key = stream_key(self.seed, SAMPLER_STREAM, epoch)
        if n == 0:
            return []
        if self.replacement:
            return draws(n, key, count).tolist()
        full, rest = divmod(count, n)
        parts = [permutation(n, key, j) for j in range(full)]
        if rest:
            parts.append(permutation(n, key, full)[:rest])
        return np.concatenate(parts).tolist() if parts else []

    def __iter__(self) -> Iterator[int]:
        out = self.indices(self.epoch)
        self.epoch += 1
        return iter(out)

    def __len__(self) -> int:
        return self.num_samples



class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not hasattr(sampler, "__iter__"):
            raise ArgumentError(f"BatchSampler: sampler must be iterable, got {type(sampler).__name__}")
        self.batch_size = check_count("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, (bool, np.bool_)):
            raise ArgumentError(f"BatchSampler: drop_last must be a bool, got {drop_last!r:.40}")
        self.sampler, self.drop_last = sampler, bool(drop_last)

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        size = self.batch_size
        for i in self.sampler:
            batch.append(i)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


guard_methods(SequentialSampler, ["__init__"])
guard_methods(RandomSampler, ["__init__", "set_epoch", "load_state_dict"])
guard_methods(BatchSampler, ["__init__"])
