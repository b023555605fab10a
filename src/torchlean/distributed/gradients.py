"""Averaging gradients across ranks in buckets, in a fixed order.

Trainable parameters are laid out, in their order, into buckets of one dtype of at most
``bucket_cap_mb`` MiB (a larger parameter gets a bucket of its own). Per bucket, the gradients
are packed into one contiguous buffer followed by one presence flag per parameter, reduced with
the rank-order reduction of ``collectives.py`` (one all-to-all and one all-gather per bucket) and
unpacked: each ``Param.grad`` becomes a view of the reduced buffer. A parameter without a
gradient on some rank counts as a zero gradient there; one without a gradient on every rank
keeps ``grad = None`` (so optimizers skip it, as in one process).

**The arithmetic**, for ranks ``r`` with gradients ``g_r``:

* ``op="mean"``, no ``local_batch``: ``(g_0 + g_1 + ... + g_{N-1}) / N`` (PyTorch DDP's average:
  the gradient of the global mean loss when every rank's batch has the same size);
* ``op="mean", local_batch=b_r``: ``(b_0 g_0 + ... + b_{N-1} g_{N-1}) / (b_0 + ... + b_{N-1})``:
  with a loss that is a mean over the local batch, ``b_r g_r`` is rank ``r``'s sum over its
  samples, so this is the sum of the per-rank sums divided by the global batch: the gradient of
  the mean over the global batch, also when the ranks' batches differ in size;
* ``op="sum"``: ``g_0 + ... + g_{N-1}`` (for a loss that is a sum over the local batch; divide
  the loss by the global batch yourself to get the mean).

The sums run in rank order, so the result is bit-identical on every rank and in every run with
the same ``N``, and any optimizer then takes the same step on every rank.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DeviceError, ShapeError
from .._core.guard import guard
from ..params import Param
from .broadcast import check_same, describe, digest, named_tensors
from .collectives import Timing, is_device_array, padded_length, place_for, reduce_padded
from .env import STATE, DistributedError, communicator

DEFAULT_BUCKET_CAP_MB = 25.0


@dataclass
class Bucket:
    """Parameters reduced together: ``(param, offset, size)`` in one buffer of ``dtype``."""

    dtype: np.dtype
    entries: list[tuple[Param, int, int]] = field(default_factory=list)
    length: int = 0  # gradient elements (the flags follow them)

    def padded(self, n: int) -> int:
        return padded_length(self.length + len(self.entries), n)


@dataclass
class ReduceStats:
    """What one ``allreduce_gradients`` call did: ``buckets`` messages of ``bytes`` in all (per
    rank, flags and padding included), ``seconds`` in the call, ``comm_seconds`` of them in
    collectives and host staging (through NCCL, the time to queue the collectives)."""

    buckets: int
    bytes: int
    seconds: float
    comm_seconds: float


def bucket_layout(params: list[Param], cap_bytes: int) -> list[Bucket]:
    """The buckets of ``params`` (module docstring), in a fixed order: the order they open."""
    done: list[Bucket] = []
    open_: dict[np.dtype, Bucket] = {}
    for p in params:
        dt = np.dtype(p.dtype)
        size = int(np.prod(p.shape, dtype=np.int64))
        b = open_.get(dt)
        if b is not None and b.entries and (b.length + size) * dt.itemsize > cap_bytes:
            b = None
        if b is None:
            b = open_[dt] = Bucket(dt)
            done.append(b)
        b.entries.append((p, b.length, size))
        b.length += size
    return done


def _cap(op: str, bucket_cap_mb: Any) -> int:
    if isinstance(bucket_cap_mb, (bool, np.bool_)) or not isinstance(bucket_cap_mb, (int, float, np.number)) \
            or not math.isfinite(bucket_cap_mb) or bucket_cap_mb <= 0:
        raise ArgumentError(f"{op}: bucket_cap_mb must be a positive number of MiB, got {bucket_cap_mb!r}")
    return max(1, int(float(bucket_cap_mb) * 2**20))


def _check_weights(op: str, reduction: str, local_batch: Any) -> None:
    if reduction not in ("mean", "sum"):
        raise ArgumentError(f"{op}: op must be 'mean' or 'sum', got {reduction!r}")
    if local_batch is None:
        return
    if reduction == "sum":
        raise ArgumentError(f"{op}: local_batch weights a mean; with op='sum' the gradients are "
                            "summed as they are (leave local_batch out)")
    if isinstance(local_batch, (bool, np.bool_)) or not isinstance(local_batch, (int, np.integer)) \
            or local_batch < 0:
        raise ArgumentError(f"{op}: local_batch must be an int >= 0 (this rank's batch size), got {local_batch!r}")


def _weights(op: str, reduction: str, local_batch: int | None) -> tuple[int | None, int | None]:
    """(this rank's weight or None, the divisor or None) of the arithmetic in the docstring."""
    if local_batch is None:
        return None, (STATE.size if reduction == "mean" else None)
    total = communicator(op).allreduce(int(local_batch))
    if total == 0:
        raise DistributedError(f"{op}: local_batch is 0 on every rank (no samples in this step)")
    return int(local_batch), total


def _bucket_device(b: Bucket, op: str) -> bool:
    kinds = {is_device_array(p.grad) for p, _, _ in b.entries if p.grad is not None}
    if len(kinds) > 1:
        raise DeviceError(f"{op}: the gradients of one dtype live on both the host and a GPU; "
                          "keep a model's parameters on one device")
    if kinds:
        return kinds.pop()
    return any(getattr(p, "_mirror", None) is not None for p, _, _ in b.entries)


@guard("allreduce_gradients")
def allreduce_gradients(params: Any, *, local_batch: int | None = None, op: str = "mean",
                        bucket_cap_mb: float = DEFAULT_BUCKET_CAP_MB) -> ReduceStats:
    """Average (or sum) ``Param.grad`` of ``params`` (a Module, or an iterable of Params) across
    ranks, in place, after ``loss.backward()`` and before ``opt.step()`` (see the module
    docstring for the arithmetic and ``local_batch``). A collective: every rank calls it with
    the same model and the same arguments. Returns ``ReduceStats``."""
    name = "allreduce_gradients"
    start = time.perf_counter()
    communicator(name)
    cap = _cap(name, bucket_cap_mb)
    _check_weights(name, op, local_batch)
    named = named_tensors(params, name, buffers=False, trainable_only=True)
    layout = [*describe(named), ("(bucket bytes)", str(cap), ()),
              ("(op)", f"{op}, local_batch {'given' if local_batch is not None else 'None'}", ())]
    key = digest(layout)
    verified = STATE.cache.setdefault("verified", set())
    if key not in verified:  # once per layout: every rank must cut the same buckets
        check_same(name, layout)
        verified.add(key)
    weight, divisor = _weights(name, op, local_batch)
    buckets = bucket_layout([p for _, p in named], cap)
    n, timing, total = STATE.size, Timing(), 0
    if n == 1:  # a job of one: the gradients are already the answer
        return ReduceStats(0, 0, time.perf_counter() - start, 0.0)
    for b in buckets:
        total += _reduce_bucket(b, n, weight, divisor, timing, name)
    return ReduceStats(len(buckets), total, time.perf_counter() - start, timing.seconds)


def _reduce_bucket(b: Bucket, n: int, weight: int | None, divisor: int | None, timing: Timing,
                   name: str) -> int:
    place = place_for(_bucket_device(b, name), name)
    xp, dt = place.xp, b.dtype
    buf = place.empty((b.padded(n),), dt)
    buf[b.length:] = 0
    w = None if weight is None else dt.type(weight)
    for k, (p, off, size) in enumerate(b.entries):
        g, view = p.grad, buf[off:off + size]
        if g is None:
            view[...] = 0
            continue
        if tuple(g.shape) != tuple(p.shape) or np.dtype(g.dtype) != dt:
            raise ShapeError(f"{name}: the gradient of {p!r} is {np.dtype(g.dtype).name}{list(g.shape)}, "
                             f"expected {dt.name}{list(p.shape)}")
        if w is None:
            view[...] = g.reshape(-1)
        else:
            xp.multiply(g.reshape(-1), w, out=view)
        buf[b.length + k] = 1
    finish = None
    if divisor is not None:
        d = dt.type(divisor)

        def finish(block: Any) -> None:
            xp.divide(block, d, out=block)

    out = reduce_padded(buf, place, "sum", finish, timing)
    flags = out[b.length:b.length + len(b.entries)]
    present = np.asarray(place.backend.to_host(flags) if place.backend is not None else flags) > 0
    for k, (p, off, size) in enumerate(b.entries):
        p.grad = out[off:off + size].reshape(p.shape) if present[k] else None
    return int(b.padded(n)) * dt.itemsize
