"""Map-style datasets (PyTorch's ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``)
and ``random_split``.

A dataset is anything with ``__getitem__(index)`` and ``__len__``; samples are NumPy arrays,
numbers, or dicts/tuples of them, which ``default_collate`` stacks into batches (NumPy arrays:
the session's ``input`` takes them). PyTorch datasets work too (their samples are converted by
the collate function).
"""

from __future__ import annotations

import bisect
import math
import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, IndexRangeError, ShapeError
from .._core.guard import guard, guard_methods
from .sampler import SPLIT_STREAM, permutation, seed_of, stream_key


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Any) -> ConcatDataset:
        return ConcatDataset([self, other])


def _host(op: str, i: int, t: Any) -> np.ndarray:
    """A dataset tensor as a NumPy array (NumPy arrays as they are, without a copy)."""
    if isinstance(t, np.ndarray):
        arr = t
    elif getattr(t, "__torchlean_tensor__", False):
        if not callable(getattr(t, "numpy", None)) or type(t).__name__ == "Var":
            raise DTypeError(f"{op}: tensor {i} is a traced value, which has no data")
        arr = t.numpy()
    else:
        try:
            arr = np.asarray(t)
        except (TypeError, ValueError, RuntimeError) as e:
            raise ArgumentError(f"{op}: cannot read tensor {i} ({type(t).__name__}) as an array: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise DTypeError(f"{op}: tensor {i} holds {arr.dtype}, not numbers")
    if arr.ndim == 0:
        raise ShapeError(f"{op}: tensor {i} is 0-d; every tensor needs a first (sample) dimension")
    return arr


def _int_index(index: Any) -> int | None:
    """``index`` as an int if it is an integer (Python, NumPy, a 0-d integer array or tensor),
    else None. Booleans are not integers here."""
    if isinstance(index, (bool, np.bool_)):
        return None
    try:
        return operator.index(index)
    except TypeError:
        return None


def _out_of_range(name: str, index: int, n: int) -> IndexRangeError:
    valid = f"valid indices are -{n} to {n - 1}" if n else "it is empty"
    return IndexRangeError(f"{name}: index {index} is out of range for {n} samples ({valid})")


def _sample_index(name: str, index: Any, n: int) -> int:
    """One sample index, checked: an int in ``[-n, n)`` (``IndexRangeError`` otherwise; a
    non-integer raises ``ArgumentError``), made non-negative."""
    i = _int_index(index)
    if i is None:
        raise ArgumentError(f"{name}: a sample index must be an int, got {type(index).__name__} "
                            f"{index!r:.40}")
    if not -n <= i < n:
        raise _out_of_range(name, i, n)
    return i + n if i < 0 else i


def _bad_indices(name: str, index: Any, n: int, e: Exception) -> Exception:
    """The error for an index NumPy refused: out of range, or not an index at all."""
    try:
        arr = np.asarray(index)
    except Exception:
        arr = None
    if arr is not None and arr.dtype.kind in "iu" and arr.size:
        bad = arr[(arr < -n) | (arr >= n)]
        if bad.size:
            return _out_of_range(name, int(bad.reshape(-1)[0]), n)
    return ArgumentError(f"{name}: index must be an int, a slice, a sequence of ints or a mask, got "
                         f"{type(index).__name__} {index!r:.40} ({e})")


class TensorDataset(Dataset):
    """Samples ``(t[i] for t in tensors)`` of arrays with the same first dimension (PyTorch's
    ``TensorDataset``). NumPy arrays are kept without a copy; torch tensors and other array-likes
    are read as NumPy arrays (zero-copy for CPU torch tensors), torchlean tensors by value."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ArgumentError("TensorDataset: expected at least one tensor")
        arrays = tuple(_host("TensorDataset", i, t) for i, t in enumerate(tensors))
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) != 1:
            raise ShapeError(f"TensorDataset: every tensor needs the same first dimension, got {sizes}")
        self.tensors = arrays

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        """Sample ``index`` (an int in ``[-len, len)``; slices, int sequences and masks index
        every tensor as NumPy does). Out of range: ``IndexRangeError`` (an ``IndexError``, so
        iteration stops there); not an index: ``ArgumentError``."""
        i = _int_index(index)
        if i is not None:
            n = self.tensors[0].shape[0]
            if not -n <= i < n:
                raise _out_of_range(type(self).__name__, i, n)
            return tuple(t[i] for t in self.tensors)
        try:
            return tuple(t[index] for t in self.tensors)
        except (IndexError, TypeError, ValueError) as e:
            raise _bad_indices(type(self).__name__, index, len(self), e) from None

    def __getitems__(self, indices: list[int]) -> list[tuple[Any, ...]]:
        try:
            return [tuple(t[i] for t in self.tensors) for i in indices]
        except (IndexError, TypeError, ValueError) as e:
            name, n = type(self).__name__, len(self)
            for i in indices:
                _sample_index(name, i, n)
            raise ArgumentError(f"{name}.__getitems__: cannot read the samples {indices!r:.60}: {e}") from e

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (PyTorch's ``Subset``). Stricter than PyTorch,
    which only fails when a bad index is read: ``indices`` must be integers, and in
    ``[-len(dataset), len(dataset))`` when the dataset has a length (``ArgumentError``)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        _check_subset_indices(type(self).__name__, dataset, indices)
        self.dataset = dataset
        self.indices = indices

    @classmethod
    def _of_valid(cls, dataset: Any, indices: Sequence[int]) -> Subset:
        """A Subset of indices known to be valid (``random_split``'s), without the check."""
        out = cls.__new__(cls)
        out.dataset, out.indices = dataset, indices
        return out

    def _at(self, i: Any) -> Any:
        return self.indices[_sample_index(type(self).__name__, i, len(self))]

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return self.dataset[self.indices[idx]]
        if isinstance(idx, list):
            return self.dataset[[self._at(i) for i in idx]]
        return self.dataset[self._at(idx)]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        inner = [self._at(i) for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


def _check_subset_indices(name: str, dataset: Any, indices: Any) -> None:
    if isinstance(indices, (str, bytes, dict, set)) or not hasattr(indices, "__len__"):
        raise ArgumentError(f"{name}: indices must be a sequence of ints, got {type(indices).__name__}")
    try:
        arr = np.asarray(indices)
    except Exception as e:
        raise ArgumentError(f"{name}: cannot read indices ({type(indices).__name__}) as ints: {e}") from None
    if arr.size == 0:
        return
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ArgumentError(f"{name}: indices must be a 1-d sequence of ints, got {arr.dtype.name} "
                            f"values of shape {arr.shape}")
    n = len(dataset) if hasattr(dataset, "__len__") else None
    if n is not None:
        bad = arr[(arr < -n) | (arr >= n)]
        if bad.size:
            where = int(np.flatnonzero((arr < -n) | (arr >= n))[0])
            raise ArgumentError(f"{name}: indices[{where}] = {int(bad[0])} is out of range for "
                                f"{type(dataset).__name__} of {n} samples (valid: -{n} to {n - 1})")


class ConcatDataset(Dataset):
    """Several datasets one after the other (PyTorch's ``ConcatDataset``)."""

    def __init__(self, datasets: Any) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ArgumentError("ConcatDataset: expected at least one dataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, idx: int) -> Any:
        idx = _sample_index(type(self).__name__, idx, len(self))
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[d - 1] if d else 0
        return self.datasets[d][idx - start]


def split_lengths(n: int, lengths: Sequence[Any]) -> list[int]:
    """PyTorch's rule: fractions summing to 1 become ``floor(n * f)`` each, the remainder handed
    out one by one from the first split (a split of length 0 warns); integers must sum to ``n``."""
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Sequence) or not lengths:
        raise ArgumentError(f"random_split: lengths must be a non-empty sequence of ints or fractions, "
                            f"got {lengths!r:.60}")
    for i, v in enumerate(lengths):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"random_split: length {i} must be an int or a float, got {v!r:.40}")
        if not math.isfinite(v) or v < 0:
            raise ArgumentError(f"random_split: length {i} must be finite and >= 0, got {v!r}")
    total = sum(float(v) for v in lengths)
    if math.isclose(total, 1) and total <= 1:
        out = []
        for i, f in enumerate(lengths):
            if f > 1:
                raise ArgumentError(f"random_split: fraction {i} is not between 0 and 1, got {f}")
            out.append(math.floor(n * f))
        for i in range(n - sum(out)):
            out[i % len(out)] += 1
        for i, k in enumerate(out):
            if k == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=3)
        return out
    if any(not isinstance(v, (int, np.integer)) for v in lengths):
        raise ArgumentError(f"random_split: lengths must be ints summing to {n} or fractions summing "
                            f"to 1, got {list(lengths)}")
    out = [int(v) for v in lengths]
    if sum(out) != n:
        raise ArgumentError(f"random_split: the lengths sum to {sum(out)} but the dataset has {n} samples")
    return out


@guard("random_split")
def random_split(dataset: Any, lengths: Sequence[Any], generator: Any = None, *,
                 seed: int | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths (or
    fractions), as PyTorch's ``random_split``. The order is the permutation of
    ``len(dataset)`` items of the seed's split stream (``data/sampler.py``): ``generator`` is
    an int seed or a ``torch.Generator`` (its ``initial_seed()``), ``seed=`` the same; 0 by
    default, so a split is reproducible."""
    if not hasattr(dataset, "__len__"):
        raise ArgumentError(f"random_split: the dataset ({type(dataset).__name__}) has no __len__")
    n = len(dataset)
    sizes = split_lengths(n, lengths)
    key = stream_key(seed_of("random_split", generator, seed), SPLIT_STREAM, 0)
    order = permutation(n, key).tolist()
    out, start = [], 0
    for k in sizes:
        out.append(Subset._of_valid(dataset, order[start:start + k]))
        start += k
    return out


guard_methods(TensorDataset, ["__init__"])
guard_methods(Subset, ["__init__"])
guard_methods(ConcatDataset, ["__init__"])
