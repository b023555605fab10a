"""Max-unpool primitive: ``max_unpool(x, idx, size)`` writes each value of a plane at its index.

``x`` and ``idx`` are ``(B, k)``: B planes (batch times channels) of k pooled cells, ``idx`` the
int64 flat positions (row-major) in an output plane of spatial shape ``size``. The output is
``(B, prod(size))``, zero where no index points. Semantics of PyTorch's CPU kernel: an index
outside ``[0, prod(size))`` raises (when the op runs; not checked for an empty output plane), and
where several cells of a plane share an index the LAST one in row-major order is written.

Derivatives, as PyTorch's (``derivatives.yaml``): the VJP is the gather ``take_along(g, idx)``
(every cell gets the cotangent at its index, duplicates included); the JVP is ``max_unpool`` of
the tangent (the derivative of the last-write forward). With unique indices (what a max pool
with stride >= kernel gives) the two are adjoint; with duplicates the VJP is PyTorch's, which is
not the adjoint of the forward's derivative (only the last writer moves the output).
"""

from __future__ import annotations

from .._core.errors import ArgumentError, ShapeError
from .._core.registry import defop
from .._core.shapes import prod
from .._core.types import TensorType, check_float, check_int


def _size_of(size) -> int:
    if not isinstance(size, tuple) or not size or any(
            not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in size):
        raise ShapeError(f"max_unpool: size must be a non-empty tuple of non-negative ints, got {size!r}")
    return prod(size)


def _max_unpool_shape(x: TensorType, idx: TensorType, *, size: tuple[int, ...]) -> TensorType:
    check_float("max_unpool", x)
    check_int("max_unpool", "idx", idx)
    n = _size_of(size)
    if x.ndim != 2 or idx.shape != x.shape:
        raise ShapeError(f"max_unpool: expected x (planes, cells) and idx of the same shape, got x {x.shape} "
                         f"and idx {idx.shape}")
    return TensorType((x.shape[0], n), x.dtype)


def _max_unpool_impl(xp, x, idx, *, size):
    b, k = x.shape
    n = prod(size)
    out = xp.zeros((b, n), x.dtype)
    if b == 0 or k == 0 or n == 0:
        return out
    i = idx.astype(xp.int64, copy=False)
    bad = (i < 0) | (i >= n)
    if bool(bad.any()):
        raise ArgumentError(f"max_unpool: found an invalid max index {int(i[bad][0])} (output planes are of "
                            f"size {'x'.join(map(str, size))})")
    # the last writer of each output cell: sort the unique keys (index, position) per plane; the
    # last entry of each run of equal indices wins. Unique targets make the assignment
    # deterministic on every backend (no reliance on the order of duplicate writes).
    order = xp.argsort(i * k + xp.arange(k, dtype=xp.int64), axis=1)
    si = xp.take_along_axis(i, order, axis=1)
    sx = xp.take_along_axis(x, order, axis=1)
    last = xp.ones((b, k), dtype=bool)
    last[:, :-1] = si[:, 1:] != si[:, :-1]
    rows = xp.broadcast_to(xp.arange(b, dtype=xp.int64)[:, None], (b, k))
    out[rows[last], si[last]] = sx[last]
    return out


max_unpool_p = defop(
    "max_unpool", shape=_max_unpool_shape, impl=_max_unpool_impl,
    vjp=[lambda ops, g, out, x, idx, *, size: ops.take_along(g, idx, 1), None],
    jvp=[lambda ops, t, out, x, idx, *, size: ops.bind(max_unpool_p, t, idx, size=size), None],
    doc="Each value of a (planes, cells) tensor written at its flat index in a zero plane of "
        "spatial shape size (F.max_unpool*d); the last of duplicate indices wins. Primitive: the "
        "last-write scatter has no composite without a (cells, outputs) mask, and PyTorch's "
        "gradient (a gather at every index) is not the derivative of any scatter-add composite.",
)
