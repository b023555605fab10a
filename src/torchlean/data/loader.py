"""``DataLoader`` (PyTorch's signature) and ``default_collate``.

Batches are made in the calling process (``num_workers=0``) from the sampler's indices: a
``BatchSampler`` over ``sampler`` (``SequentialSampler``, or ``RandomSampler`` with
``shuffle=True``: the seed's SplitMix64 permutations, a new one per pass, see
``data/sampler.py``), the samples fetched with the dataset's ``__getitems__`` when it has one,
and ``collate_fn`` applied. The default collate stacks NumPy arrays and numbers into NumPy
arrays, recursing into dicts, lists and tuples, so ``x, y = batch; s.input(x)`` just works.

PyTorch's own ``DataLoader`` batches (torch tensors) are accepted by ``s.input`` too: CPU
tensors are read through ``__array__`` and copied, like NumPy data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.guard import guard, guard_methods
from .sampler import BatchSampler, RandomSampler, SequentialSampler, check_count


@guard("default_collate")
def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, as PyTorch's ``default_collate`` but with NumPy:

    arrays (and array-likes such as CPU torch tensors) -> ``np.stack`` (same shapes required);
    NumPy scalars -> an array of their dtype; ``bool``/``int``/``float`` -> bool/int64/float64
    arrays; str/bytes -> the list; dicts -> a dict of collated values per key; namedtuples ->
    the namedtuple of collated fields; lists and tuples (of equal lengths) -> a list of
    collated positions (PyTorch turns tuples into lists too)."""
    if not isinstance(batch, Sequence) or isinstance(batch, (str, bytes)) or not batch:
        raise ArgumentError(f"default_collate: expected a non-empty list of samples, got {batch!r:.60}")
    elem = batch[0]
    if getattr(elem, "__torchlean_tensor__", False):
        raise DTypeError("default_collate: samples are torchlean tensors; datasets should return "
                         "NumPy arrays (x.numpy()), which batches and s.input take")
    if isinstance(elem, np.ndarray) or (hasattr(elem, "__array__") and not isinstance(elem, np.generic)):
        arrays = [np.asarray(b) for b in batch]
        shape = arrays[0].shape
        if arrays[0].dtype.kind not in "biuf":
            raise DTypeError(f"default_collate: arrays of {arrays[0].dtype} are not numbers (PyTorch "
                             "refuses them too); return numeric arrays or plain strings")
        for i, a in enumerate(arrays):
            if a.shape != shape:
                raise ShapeError(f"default_collate: sample {i} has shape {a.shape} but sample 0 has {shape}")
        return np.stack(arrays)
    if isinstance(elem, np.generic):
        if elem.dtype.kind not in "biuf":
            raise DTypeError(f"default_collate: NumPy scalars of {elem.dtype} are not numbers")
        return np.array(batch)
    if isinstance(elem, (bool, np.bool_)):
        return np.array(batch, dtype=np.bool_)
    if isinstance(elem, int):
        return np.array(batch, dtype=np.int64)
    if isinstance(elem, float):
        return np.array(batch, dtype=np.float64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        out = {}
        for k in elem:
            try:
                out[k] = default_collate([d[k] for d in batch])
            except KeyError:
                raise ArgumentError(f"default_collate: a sample lacks the key {k!r}") from None
        if type(elem) is dict:
            return out
        try:
            return type(elem)(out)
        except TypeError:  # a mapping type that cannot be built from a dict
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, (list, tuple)):
        n = len(elem)
        for i, b in enumerate(batch):
            if len(b) != n:
                raise ShapeError(f"default_collate: sample {i} has {len(b)} fields but sample 0 has {n}")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise DTypeError(f"default_collate: samples must be arrays, numbers, dicts, lists or tuples; "
                     f"found {type(elem).__name__}")


def _default_convert(sample: Any) -> Any:
    return sample


_WORKER_ONLY = {"timeout": 0, "worker_init_fn": None, "multiprocessing_context": None,
                "prefetch_factor": None, "persistent_workers": False, "pin_memory_device": ""}


class DataLoader:
    """Batches of a dataset (PyTorch's ``DataLoader``, same signature), made in this process.

    ``shuffle=True`` draws a new permutation from the seed's SplitMix64 stream each pass
    (``iter(loader)``), reproducibly: ``generator`` (an int seed, or a ``torch.Generator``'s
    ``initial_seed()``) or ``seed=`` gives the seed, 0 by default; ``loader.sampler`` is the
    ``RandomSampler``, whose ``set_epoch``/``state_dict`` fix or save the position. ``sampler=``
    takes any object with ``__iter__``/``__len__`` (e.g. a distributed sampler), ``batch_sampler=``
    one that yields lists of indices. Only ``num_workers=0`` and ``pin_memory=False`` exist;
    the worker options must keep their defaults."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Any = None,
                 multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None) -> None:
        if not callable(getattr(dataset, "__getitem__", None)):
            raise ArgumentError(f"DataLoader: the dataset must define __getitem__, got {type(dataset).__name__}")
        for name, v in (("shuffle", shuffle), ("drop_last", drop_last), ("pin_memory", pin_memory),
                        ("in_order", in_order)):
            if v is not None and not isinstance(v, (bool, np.bool_)):
                raise ArgumentError(f"DataLoader: {name} must be a bool, got {v!r:.40}")
        check_count("DataLoader", "num_workers", num_workers, 0)
        if num_workers:
            raise ArgumentError(f"DataLoader: num_workers={num_workers}: torchlean loads batches in "
                                "the calling process only (num_workers=0)")
        if pin_memory:
            raise ArgumentError("DataLoader: pin_memory=True is not supported (batches are NumPy "
                                "arrays; a CUDA session uploads them in s.input)")
        given = {"timeout": timeout, "worker_init_fn": worker_init_fn,
                 "multiprocessing_context": multiprocessing_context, "prefetch_factor": prefetch_factor,
                 "persistent_workers": persistent_workers, "pin_memory_device": pin_memory_device}
        for name, v in given.items():
            if v is not _WORKER_ONLY[name] and v != _WORKER_ONLY[name]:
                raise ArgumentError(f"DataLoader: {name}={v!r:.40} only applies to worker processes, "
                                    "which torchlean does not use (num_workers=0)")
        if collate_fn is not None and not callable(collate_fn):
            raise ArgumentError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        if sampler is not None and shuffle:
            raise ArgumentError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ArgumentError("DataLoader: batch_sampler option is mutually exclusive with "
                                    "batch_size, shuffle, sampler, and drop_last")
            if not hasattr(batch_sampler, "__iter__"):
                raise ArgumentError(f"DataLoader: batch_sampler must be iterable, got "
                                    f"{type(batch_sampler).__name__}")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ArgumentError("DataLoader: batch_size=None option disables auto-batching and is "
                                    "mutually exclusive with drop_last")
        else:
            check_count("DataLoader", "batch_size", batch_size)
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator, seed=seed) if shuffle
                       else SequentialSampler(dataset))
        elif not hasattr(sampler, "__iter__"):
            raise ArgumentError(f"DataLoader: sampler must be iterable, got {type(sampler).__name__}")
        elif generator is not None or seed is not None:
            raise ArgumentError("DataLoader: generator/seed only seed the built-in shuffle; "
                                "seed your sampler instead")
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        self.dataset, self.sampler, self.batch_sampler = dataset, sampler, batch_sampler
        self.batch_size, self.drop_last = batch_size, bool(drop_last)
        self.num_workers, self.pin_memory, self.in_order = 0, False, bool(in_order)
        self.generator = generator
        auto = batch_sampler is not None
        self.collate_fn = collate_fn if collate_fn is not None else (default_collate if auto else _default_convert)

    def __iter__(self) -> Iterator[Any]:
        dataset, collate = self.dataset, self.collate_fn
        if self.batch_sampler is None:  # batch_size=None: one sample at a time
            for i in self.sampler:
                yield collate(dataset[i])
            return
        many = getattr(dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            samples = many(list(indices)) if callable(many) else [dataset[i] for i in indices]
            yield collate(samples)

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


guard_methods(DataLoader, ["__init__"])
