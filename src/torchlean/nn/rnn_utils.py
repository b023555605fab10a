"""``torchlean.nn.utils.rnn``: padding and packing of variable-length sequences, as
``torch.nn.utils.rnn`` (``pad_sequence``, ``unpad_sequence``, ``PackedSequence``,
``pack_padded_sequence``, ``pad_packed_sequence``, ``pack_sequence``, ``unpack_sequence``,
``invert_permutation``).

Lengths are host data: a list or tuple of ints, a NumPy integer array, or an eager int64
tensor (read when the call runs, as torch requires CPU lengths). A ``PackedSequence`` holds its
``data`` as a torchlean tensor and ``batch_sizes``, ``sorted_indices`` and ``unsorted_indices``
as host NumPy int64 arrays (torch: CPU / device int64 tensors). Every function is one gather
(``take``) with a host index computed from the lengths, so gradients flow through packing and
padding, and it traces under ``tl.compile`` when the lengths are static Python values (a traced
tensor as lengths raises); a ``PackedSequence`` itself cannot be an argument or a result of a
compiled function (build and consume it inside).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from ..pt.dispatch import is_tensor, torch_op
from ..pt.dispatch import tensor as _arg
from ..pt.shape import cat

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "pad_sequence", "unpack_sequence", "unpad_sequence"]


def host_ints(op: str, what: str, v: Any) -> np.ndarray:
    """``v`` (a list, a NumPy array, an eager integer tensor) as a 1-D host int64 array."""
    if is_tensor(v):
        read = getattr(v.session, "value", None)
        if read is None:
            raise ArgumentError(f"{op}: {what} is a traced tensor; under tl.compile give {what} as host data "
                                "(a list or tuple of ints, a static argument of the compiled function)")
        arr = np.asarray(read(v))
    else:
        try:
            arr = np.asarray(v)
        except (TypeError, ValueError) as e:
            raise ArgumentError(f"{op}: cannot read {what} from {type(v).__name__}: {e}") from None
        if arr.size == 0 and arr.dtype.kind in "fO":  # [] is float64 to NumPy
            arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise DTypeError(f"{op}: {what} must hold integers, got {arr.dtype.name} data")
    if arr.ndim != 1:
        raise ShapeError(f"{op}: {what} must be 1-D, got shape {arr.shape}")
    return arr.astype(np.int64)


def _permutation(op: str, what: str, v: Any) -> np.ndarray | None:
    if v is None:
        return None
    arr = host_ints(op, what, v)
    if not np.array_equal(np.sort(arr), np.arange(arr.size)):
        raise ArgumentError(f"{op}: {what} must be a permutation of 0..{arr.size - 1}, got {arr.tolist()}")
    return arr


def invert_permutation(permutation: Any) -> np.ndarray | None:
    """``torch.nn.utils.rnn.invert_permutation``: the inverse of a 1-D permutation, as a host
    int64 array (None for None)."""
    perm = _permutation("invert_permutation", "permutation", permutation)
    if perm is None:
        return None
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size, dtype=np.int64)
    return out


class _PackedFields(NamedTuple):
    data: Any
    batch_sizes: np.ndarray
    sorted_indices: np.ndarray | None
    unsorted_indices: np.ndarray | None


class PackedSequence(_PackedFields):
    """``torch.nn.utils.rnn.PackedSequence``: a named tuple ``(data, batch_sizes,
    sorted_indices, unsorted_indices)``; ``data`` stacks the rows of every sequence step by step
    (``batch_sizes[t]`` rows at step ``t``, sequences sorted by decreasing length). The index
    fields are host int64 arrays; ``unsorted_indices`` defaults to the inverse of
    ``sorted_indices``. Made by ``pack_padded_sequence`` / ``pack_sequence``."""

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> PackedSequence:
        op = "PackedSequence"
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...), as torch
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise ArgumentError(f"{op}: without batch_sizes, data must be a pair (data, batch_sizes), "
                                    f"got {type(data).__name__}")
            data, batch_sizes = data
        sizes = host_ints(op, "batch_sizes", batch_sizes)
        s = _permutation(op, "sorted_indices", sorted_indices)
        u = invert_permutation(s) if unsorted_indices is None else _permutation(op, "unsorted_indices",
                                                                                  unsorted_indices)
        return super().__new__(cls, data, sizes, s, u)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(...)`` (the index fields are host arrays and stay as they are)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                          self.unsorted_indices)

    def double(self) -> PackedSequence:
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        return self.to(np.float32)

    def long(self) -> PackedSequence:
        return self.to(np.int64)

    @property
    def is_cuda(self) -> bool:
        return str(getattr(self.data.device, "value", self.data.device)).startswith("cuda")


def checked_packed(op: str, sequence: Any) -> tuple[Any, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(data, batch_sizes, sorted_indices, unsorted_indices)`` of a consistent PackedSequence."""
    if not isinstance(sequence, PackedSequence):
        raise ArgumentError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    data = _arg(op, "sequence.data", sequence.data)
    sizes, s, u = sequence.batch_sizes, sequence.sorted_indices, sequence.unsorted_indices
    shape = tuple(data.shape)
    if sizes.size == 0 or sizes.min() <= 0 or np.any(np.diff(sizes) > 0):
        raise ArgumentError(f"{op}: batch_sizes must be positive and non-increasing, got {sizes.tolist()}")
    if not shape or shape[0] != int(sizes.sum()):
        raise ShapeError(f"{op}: data must have sum(batch_sizes) = {int(sizes.sum())} rows, got shape {shape}")
    for what, p in (("sorted_indices", s), ("unsorted_indices", u)):
        if p is not None and p.size != sizes[0]:
            raise ShapeError(f"{op}: {what} must have batch_sizes[0] = {int(sizes[0])} entries, got {p.size}")
    if (s is None) != (u is None) or (s is not None and not np.array_equal(s[u], np.arange(s.size))):
        raise ArgumentError(f"{op}: unsorted_indices must be the inverse permutation of sorted_indices")
    return data, sizes, s, u


def _padding(op: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentError(f"{op}: padding_value must be a real number, got {value!r:.40}")
    return float(value)


def _gather_padded(ops: Any, data: Any, idx: np.ndarray, padding_value: float) -> Any:
    """``cat([data, one row of padding_value])[idx]``: rows of data, and ``len(data)`` for padding."""
    dt = np.dtype(data.dtype)
    row = ops.lift(np.full((1, *data.shape[1:]), padding_value).astype(dt), dt)
    return ops.getitem(cat([data, row], 0), idx)


def _sequences(op: str, sequences: Any) -> list[Any]:
    if is_tensor(sequences):
        if sequences.ndim == 0:
            raise ShapeError(f"{op}: a tensor of sequences must have at least one axis, got shape ()")
        return list(sequences.session.unbind(sequences, 0))
    if not isinstance(sequences, Iterable) or isinstance(sequences, (str, bytes, dict)):
        raise ArgumentError(f"{op}: expected an iterable of tensors for sequences, got {type(sequences).__name__}")
    seqs = [_arg(op, f"sequences[{i}]", v) for i, v in enumerate(sequences)]
    if not seqs:
        raise ArgumentError(f"{op}: received an empty list of sequences")
    first = seqs[0]
    for i, v in enumerate(seqs):
        if v.ndim == 0:
            raise ShapeError(f"{op}: sequences[{i}] is 0-d; every sequence needs a length axis (L, *)")
        if tuple(v.shape[1:]) != tuple(first.shape[1:]):
            raise ShapeError(f"{op}: every sequence must have the trailing shape of sequences[0], "
                             f"{tuple(first.shape[1:])}; sequences[{i}] has shape {tuple(v.shape)}")
        if v.dtype != first.dtype:
            raise DTypeError(f"{op}: every sequence must have the dtype of sequences[0] ({first.dtype.name}); "
                             f"sequences[{i}] is {v.dtype.name}")
    return seqs


@torch_op
def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Any:
    """``torch.nn.utils.rnn.pad_sequence``: stack sequences ``(L_i, *)`` into ``(T, B, *)``
    (``(B, T, *)`` with ``batch_first``), ``T = max L_i``, padding each on ``padding_side`` with
    ``padding_value``. A tensor is read as the sequence of its rows, as torch. All sequences
    must share one dtype (torch casts to the first one's)."""
    op = "pad_sequence"
    seqs = _sequences(op, sequences)
    pv = _padding(op, padding_value)
    if padding_side not in ("left", "right"):
        raise ArgumentError(f"{op}: expected padding_side to be one of left or right, but got {padding_side!r}")
    ops = seqs[0].session
    lengths = [int(v.shape[0]) for v in seqs]
    t_max, total = max(lengths), sum(lengths)
    idx = np.full((len(seqs), t_max), total, np.int64)
    start = 0
    for i, n in enumerate(lengths):
        at = 0 if padding_side == "right" else t_max - n
        idx[i, at:at + n] = np.arange(start, start + n)
        start += n
    data = seqs[0] if len(seqs) == 1 else cat(seqs, 0)
    return _gather_padded(ops, data, idx if batch_first else idx.T, pv)


@torch_op
def unpad_sequence(padded_sequences: Any, lengths: Any, batch_first: bool = False) -> list[Any]:
    """``torch.nn.utils.rnn.unpad_sequence``: the list of ``padded[:lengths[i], i]`` (``padded[i,
    :lengths[i]]`` with ``batch_first``); a length above ``T`` keeps all ``T`` steps, as torch.
    ``lengths`` may be a list (torch requires a tensor); negative lengths raise."""
    op = "unpad_sequence"
    x = _arg(op, "padded_sequences", padded_sequences)
    if x.ndim < 2:
        raise ShapeError(f"{op}: padded_sequences must be (T, B, *) or (B, T, *), got shape {tuple(x.shape)}")
    lens = host_ints(op, "lengths", lengths)
    b_axis = 0 if batch_first else 1
    if lens.size != x.shape[b_axis]:
        raise ShapeError(f"{op}: expected one length per sequence ({x.shape[b_axis]} for padded_sequences of "
                         f"shape {tuple(x.shape)}), got {lens.size}")
    if lens.size and lens.min() < 0:
        raise ArgumentError(f"{op}: lengths must be >= 0, got {lens.tolist()}")
    ops = x.session
    out = []
    for i, n in enumerate(lens.tolist()):
        key = (i, slice(0, n)) if batch_first else (slice(0, n), i)
        out.append(ops.getitem(x, key))
    return out


@torch_op
def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """``torch.nn.utils.rnn.pack_padded_sequence``: pack ``input`` ``(T, B, *)`` (``(B, T, *)``
    with ``batch_first``) holding sequences of ``lengths``. With ``enforce_sorted=False`` the
    batch is sorted by decreasing length (stable) and the PackedSequence keeps the order. A
    length above ``T`` raises (torch reads past the tensor)."""
    op = "pack_padded_sequence"
    x = _arg(op, "input", input)
    if x.ndim < 2:
        raise ShapeError(f"{op}: input must be (T, B, *) or (B, T, *) with at least 2 dims, got shape "
                         f"{tuple(x.shape)}")
    lens = host_ints(op, "lengths", lengths)
    t_axis, b_axis = (1, 0) if batch_first else (0, 1)
    steps, batch = int(x.shape[t_axis]), int(x.shape[b_axis])
    if batch == 0:
        raise ShapeError(f"{op}: cannot pack empty tensors (input of shape {tuple(x.shape)})")
    if lens.size != batch:
        raise ShapeError(f"{op}: expected len(lengths) to be equal to batch_size, but got {lens.size} "
                         f"(batch_size={batch}, input of shape {tuple(x.shape)})")
    if lens.min() <= 0:
        raise ArgumentError(f"{op}: length of all samples has to be greater than 0, but found an element in "
                            f"lengths that is <= 0: {lens.tolist()}")
    if enforce_sorted and np.any(np.diff(lens) > 0):
        raise ArgumentError(f"{op}: lengths array must be sorted in decreasing order when enforce_sorted is "
                            f"True, got {lens.tolist()}; pass enforce_sorted=False to sort them")
    if lens.max() > steps:
        raise ShapeError(f"{op}: a length ({int(lens.max())}) exceeds the {steps} steps of input of shape "
                         f"{tuple(x.shape)}")
    order = None if enforce_sorted else np.argsort(-lens, kind="stable").astype(np.int64)
    cols = np.arange(batch) if order is None else order
    sorted_lens = lens[cols]
    sizes = np.array([(sorted_lens > t).sum() for t in range(int(sorted_lens[0]))], np.int64)
    rows = [t * batch + cols[:b] if not batch_first else cols[:b] * steps + t for t, b in enumerate(sizes)]
    ops = x.session
    flat = ops.reshape(x, (steps * batch, *x.shape[2:]))  # row t * B + b, or b * T + t (batch_first)
    data = ops.getitem(flat, np.concatenate(rows))
    return PackedSequence(data, sizes, order, None)


@torch_op
def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Any, np.ndarray]:
    """``torch.nn.utils.rnn.pad_packed_sequence``: ``(padded, lengths)``, the inverse of
    ``pack_padded_sequence`` (batch in the original order, ``total_length`` steps if given).
    ``lengths`` is a host int64 array (torch: a CPU int64 tensor)."""
    op = "pad_packed_sequence"
    data, sizes, _, unsorted = checked_packed(op, sequence)
    pv = _padding(op, padding_value)
    steps = int(sizes.size)
    if total_length is not None:
        if isinstance(total_length, bool) or not isinstance(total_length, (int, np.integer)):
            raise ArgumentError(f"{op}: total_length must be an int or None, got {total_length!r:.40}")
        if total_length < steps:
            raise ShapeError(f"{op}: expected total_length to be at least the length of the longest sequence in "
                             f"input, but got total_length={total_length} and max sequence length being {steps}")
        steps = int(total_length)
    batch = int(sizes[0])
    sorted_lens = np.array([(sizes > j).sum() for j in range(batch)], np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    idx = np.full((batch, steps), int(sizes.sum()), np.int64)  # sorted column j, step t
    for j, n in enumerate(sorted_lens.tolist()):
        idx[j, :n] = offsets[:n] + j
    lengths = sorted_lens
    if unsorted is not None:
        idx, lengths = idx[unsorted], sorted_lens[unsorted]
    out = _gather_padded(data.session, data, idx if batch_first else idx.T, pv)
    return out, lengths


@torch_op
def pack_sequence(sequences: Any, enforce_sorted: bool = True) -> PackedSequence:
    """``torch.nn.utils.rnn.pack_sequence``: ``pack_padded_sequence(pad_sequence(sequences),
    lengths, enforce_sorted=enforce_sorted)``."""
    seqs = _sequences("pack_sequence", sequences)
    lengths = [int(v.shape[0]) for v in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


@torch_op
def unpack_sequence(packed_sequences: PackedSequence) -> list[Any]:
    """``torch.nn.utils.rnn.unpack_sequence``: the list of sequences of a PackedSequence, in
    the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
