"""``RNN``/``LSTM``/``GRU`` on a ``PackedSequence``, as torch: each sequence runs for its own
length, the output is a PackedSequence with the input's batch sizes and indices, and ``h_n``
(``c_n``) holds each sequence's state after its last step (the reverse direction: after step 0),
in the original batch order (``unsorted_indices``); a given ``hx`` is in that order too.

In the packed layout the sequences are sorted by decreasing length, so at step ``t`` the active
ones are the first ``batch_sizes[t]`` rows: the forward direction drops the finished rows from
the state as the batch shrinks (keeping them as final states), the reverse direction runs from
the last step and adds rows, from the initial state, as sequences start. The loop is unrolled
from tensor ops over the host ``batch_sizes``, so it traces under ``tl.compile`` for static
lengths. ``batch_first`` does not apply to packed input (as torch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..._core.errors import ShapeError
from ...pt.shape import cat, stack
from .. import functional as F
from ..rnn_utils import PackedSequence, checked_packed
from ._factory import float_input, framed

__all__ = ["packed_forward"]

Step = Callable[..., tuple[Any, Any]]


def packed_forward(m: Any, packed: PackedSequence, hx: Any, step: Step) -> tuple[PackedSequence, Any]:
    """``m(packed, hx)`` for an ``RNNBase`` ``m`` whose cell step is ``step``."""
    op = m._name()
    data, sizes, sorted_idx, unsorted_idx = checked_packed(op, packed)
    data = float_input(op, "input", data, m.weight_ih_l0.dtype)
    return framed(op, data.session, _forward, m, packed, data, sizes, sorted_idx, unsorted_idx, hx, step)


def _run_direction(ops: Any, xp: Any, sizes: list[int], offsets: list[int], h0: Any, c0: Any, reverse: bool,
                   step: Step, weights: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    """One layer, one direction over packed projections ``xp`` ``(sum(sizes), G)``: the packed
    outputs and the final ``h``, ``c`` of every sequence (sorted order)."""
    steps = len(sizes)
    ys: list[Any] = [None] * steps
    lstm = c0 is not None
    if not reverse:
        h, c, cur = h0, c0, sizes[0]
        done_h, done_c = [], []  # states of finished sequences, shortest (highest rows) first
        for t in range(steps):
            b = sizes[t]
            if b < cur:
                done_h.append(ops.slice(h, 0, b, cur))
                h = ops.slice(h, 0, 0, b)
                if lstm:
                    done_c.append(ops.slice(c, 0, b, cur))
                    c = ops.slice(c, 0, 0, b)
                cur = b
            h, c = step(ops.slice(xp, 0, offsets[t], offsets[t] + b), h, c, *weights)
            ys[t] = h
        h_n = cat([h, *done_h[::-1]], 0) if done_h else h
        c_n = (cat([c, *done_c[::-1]], 0) if done_c else c) if lstm else None
    else:
        h = c = None
        cur = 0
        for t in range(steps - 1, -1, -1):
            b = sizes[t]
            if b > cur:  # sequences of length t + 1 start here, from the initial state
                new_h = ops.slice(h0, 0, cur, b)
                h = new_h if h is None else cat([h, new_h], 0)
                if lstm:
                    new_c = ops.slice(c0, 0, cur, b)
                    c = new_c if c is None else cat([c, new_c], 0)
                cur = b
            h, c = step(ops.slice(xp, 0, offsets[t], offsets[t] + b), h, c, *weights)
            ys[t] = h
        h_n, c_n = h, c
    return cat(ys, 0), h_n, c_n


def _forward(m: Any, packed: PackedSequence, x: Any, sizes_arr: np.ndarray, sorted_idx: np.ndarray | None,
             unsorted_idx: np.ndarray | None, hx: Any, step: Step) -> tuple[PackedSequence, Any]:
    op = m._name()
    if x.ndim != 2:
        raise ShapeError(f"{op}: packed input data must have 2 dimensions (sum(batch_sizes), input_size), got "
                         f"shape {tuple(x.shape)}")
    if x.shape[-1] != m.input_size:
        raise ShapeError(f"{op}: input.size(-1) must be equal to input_size. Expected {m.input_size}, "
                         f"got {x.shape[-1]}")
    sizes = [int(b) for b in sizes_arr]
    n = sizes[0]
    h0, c0 = m._hidden(op, hx, True, n)  # every check before the first op
    ops = x.session
    if sorted_idx is not None:  # hx is in the original batch order
        h0 = None if h0 is None else ops.getitem(h0, (slice(None), sorted_idx))
        c0 = None if c0 is None else ops.getitem(c0, (slice(None), sorted_idx))
    offsets = [0, *np.cumsum(sizes)[:-1].tolist()]
    lstm = m.mode == "LSTM"
    dirs = 2 if m.bidirectional else 1
    hs, cs = [], []
    for layer in range(m.num_layers):
        outs = []
        for d in range(dirs):
            w_ih, b_ih, w_hh, b_hh, w_hr, h, c = m._direction(ops, layer, d, n, h0, c0)
            y, h_n, c_n = _run_direction(ops, F.linear(x, w_ih, b_ih), sizes, offsets, h, c, bool(d), step,
                                         (w_hh, b_hh, w_hr))
            outs.append(y)
            hs.append(h_n)
            cs.append(c_n)
        x = outs[0] if dirs == 1 else cat(outs, -1)
        if m.dropout > 0 and m.training and layer < m.num_layers - 1:
            x = F.dropout(x, m.dropout, True)
    h_n = stack(hs, 0)
    c_n = stack(cs, 0) if lstm else None
    if unsorted_idx is not None:
        h_n = ops.getitem(h_n, (slice(None), unsorted_idx))
        c_n = None if c_n is None else ops.getitem(c_n, (slice(None), unsorted_idx))
    out = PackedSequence(x, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
    return out, ((h_n, c_n) if lstm else h_n)
