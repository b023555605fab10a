"""``torch.linalg``'s products and constructions: ``vecdot``, ``multi_dot``, ``matrix_power``,
``cross``, ``diagonal``, ``vander``; and ``torch.cdist``. Composites of mul/sum/matmul/gathers.

``multi_dot`` and ``matrix_power`` take int64 matrices too (a broadcast product summed, as
matmul is float-only), as torch; ``vecdot`` and ``cdist`` are float-only, as torch.
``cdist`` always computes the differences directly (torch's ``compute_mode`` chooses a
matrix-product formula for p = 2 that rounds differently: the values agree to rounding, and
the gradients are the same, 0 at zero distance).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import broadcast_shapes, is_int, normalize_axis
from .dispatch import tensor as _arg
from .dispatch import torch_op
from .linalg_extra import cross as _cross
from .linalg_extra import diagonal as _diagonal
from .linalg_norms import pnorm
from .math import no_out

__all__ = ["cdist", "cross", "diagonal", "matrix_power", "multi_dot", "vander", "vecdot"]


def matmul_any(ops: Any, a: Any, b: Any) -> Any:
    """``a @ b`` for matrices (batch axes equal or broadcast) of float or int64 dtype."""
    if ops.type_of(a).dtype.kind == "f":
        return ops.matmul(a, b)
    return ops.reduce_sum(ops.mul(ops.unsqueeze(a, -1), ops.unsqueeze(b, -3)), -2)


@torch_op(name="linalg.vecdot")
def vecdot(x: Any, y: Any, *, dim: int = -1, out: Any = None) -> Any:
    """``torch.linalg.vecdot(x, y, *, dim=-1)``: ``sum(x * y, dim)`` of float tensors that
    broadcast (real tensors: no conjugation)."""
    op = "linalg.vecdot"
    no_out(op, out)
    a, b = _arg(op, "x", x), _arg(op, "y", y)
    ops = a.session
    for what, v in (("x", a), ("y", b)):
        if v.dtype.kind != "f":
            raise DTypeError(f"{op}: {what} must be a float tensor, got {v.dtype.name}")
    if a.dtype != b.dtype:
        raise DTypeError(f"{op}: x is {a.dtype.name} but y is {b.dtype.name} (torchlean never mixes float precisions)")
    shape = broadcast_shapes(op, ops.shape_of(a), ops.shape_of(b))
    if not is_int(dim):
        raise ArgumentError(f"{op}: dim must be an int, got {dim!r}")
    d = normalize_axis(op, dim, len(shape))
    if len(ops.shape_of(a)) == 0 and len(ops.shape_of(b)) == 0:
        return ops.mul(a, b)
    return ops.reduce_sum(ops.mul(a, b), d)


def _chain_order(dims: list[int]) -> Any:
    """The cheapest parenthesisation of a chain of matrices ``dims[i] x dims[i+1]`` (the
    classic dynamic programme): a nested pair structure of matrix indices."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def tree(i: int, j: int) -> Any:
        return i if i == j else (tree(i, split[i][j]), tree(split[i][j] + 1, j))

    return tree(0, n - 1)


@torch_op(name="linalg.multi_dot")
def multi_dot(tensors: Any, *, out: Any = None) -> Any:
    """``torch.linalg.multi_dot(tensors)``: the product of two or more matrices, in the cheapest
    order; the first may be 1-D (a row vector) and the last 1-D (a column vector), which are
    dropped from the result's shape. One dtype (float or int64)."""
    op = "linalg.multi_dot"
    no_out(op, out)
    if not isinstance(tensors, (list, tuple)) or len(tensors) < 2:
        n = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ArgumentError(f"{op}: expected a sequence of at least 2 tensors, got {n}")
    xs = [_arg(op, f"tensors[{i}]", t) for i, t in enumerate(tensors)]
    ops = xs[0].session
    dts = {v.dtype for v in xs}
    if len(dts) > 1:
        raise DTypeError(f"{op}: all tensors must have one dtype, got {', '.join(v.dtype.name for v in xs)}")
    if xs[0].dtype.kind not in "fi":
        raise DTypeError(f"{op}: expected float or int64 tensors, got {xs[0].dtype.name}")
    shapes = [ops.shape_of(v) for v in xs]
    first_vec, last_vec = len(shapes[0]) == 1, len(shapes[-1]) == 1
    for i, s in enumerate(shapes):
        ok = len(s) == 2 or (len(s) == 1 and i in (0, len(shapes) - 1))
        if not ok:
            raise ShapeError(f"{op}: tensor {i} must be 2-D (the first and last may be 1-D), got shape {s}")
    mats = list(xs)
    if first_vec:
        mats[0] = ops.reshape(mats[0], (1, shapes[0][0]))
    if last_vec:
        mats[-1] = ops.reshape(mats[-1], (shapes[-1][0], 1))
    ms = [ops.shape_of(m) for m in mats]
    for i in range(len(ms) - 1):
        if ms[i][1] != ms[i + 1][0]:
            raise ShapeError(f"{op}: tensors {i} and {i + 1} cannot be multiplied: shapes {shapes[i]} and "
                             f"{shapes[i + 1]}")

    def run(t: Any) -> Any:
        return mats[t] if isinstance(t, int) else matmul_any(ops, run(t[0]), run(t[1]))

    y = run(_chain_order([ms[0][0], *(m[1] for m in ms)]))
    keep = tuple(d for d, drop in zip(ops.shape_of(y), (first_vec, last_vec)) if not drop)
    return ops.reshape(y, keep) if first_vec or last_vec else y


def square(op: str, ops: Any, a: Any, what: str = "A") -> tuple[int, ...]:
    """The shape of ``a``: batches of square matrices ``(..., n, n)``, else ``ShapeError``."""
    s = ops.shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ShapeError(f"{op}: expected {what} to be a batch of square matrices (..., n, n), got shape {s}")
    return s


@torch_op(name="linalg.matrix_power")
def matrix_power(A: Any, n: int, *, out: Any = None) -> Any:
    """``torch.linalg.matrix_power(A, n)``: ``A`` multiplied by itself ``n`` times (by repeated
    squaring); ``n = 0`` the identity (no gradient), ``n < 0`` the power of ``linalg.inv(A)``."""
    op = "linalg.matrix_power"
    no_out(op, out)
    a = _arg(op, "A", A)
    ops = a.session
    s = square(op, ops, a)
    if not is_int(n):
        raise ArgumentError(f"{op}: n must be an int, got {n!r}")
    n = int(n)
    if a.dtype.kind not in "fi":
        raise DTypeError(f"{op}: expected a float or int64 tensor, got {a.dtype.name}")
    if n == 0:
        eye = ops.lift(np.eye(s[-1], dtype=a.dtype), a.dtype)
        return ops.broadcast_to(eye, s)
    if n < 0:
        if a.dtype.kind != "f":
            raise DTypeError(f"{op}: a negative n needs a float tensor (the inverse), got {a.dtype.name}")
        from .linalg_decomp import inv

        a, n = inv(a), -n
    result, base = None, a
    while True:
        if n & 1:
            result = base if result is None else matmul_any(ops, result, base)
        n >>= 1
        if not n:
            return result
        base = matmul_any(ops, base, base)


@torch_op(name="linalg.cross")
def cross(input: Any, other: Any, *, dim: int = -1, out: Any = None) -> Any:  # noqa: A002
    """``torch.linalg.cross(input, other, *, dim=-1)``: the 3-vector cross product along ``dim``
    (inputs of one rank, sizes broadcast)."""
    no_out("linalg.cross", out)
    return _cross(input, other, dim)


@torch_op(name="linalg.diagonal")
def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    """``torch.linalg.diagonal(A, *, offset=0, dim1=-2, dim2=-1)``: ``torch.diagonal`` with the
    last two axes by default (a copy, not a view)."""
    return _diagonal(A, offset, dim1, dim2)


@torch_op(name="linalg.vander")
def vander(x: Any, *, N: int | None = None) -> Any:
    """``torch.linalg.vander(x, *, N=None)``: ``(*, n) -> (*, n, N)``, columns ``x^0 ... x^(N-1)``
    (``N`` defaults to ``n``; a 0-d ``x`` is one point), built by repeated products so the
    gradient is exact at 0. Float or int64."""
    op = "linalg.vander"
    v = _arg(op, "x", x)
    ops = v.session
    s = ops.shape_of(v)
    if not s:
        v, s = ops.reshape(v, (1,)), (1,)
    if v.dtype.kind == "b":
        raise DTypeError(f"{op}: expected a float or int64 tensor, got bool")
    n = s[-1] if N is None else N
    if not is_int(n) or int(n) <= 1:
        raise ArgumentError(f"{op}: N must be greater than 1, got {n!r}")
    cols = [ops.lift(np.ones(s, dtype=v.dtype), v.dtype)]
    for _ in range(int(n) - 1):
        cols.append(ops.mul(cols[-1], v) if len(cols) > 1 else v)
    return ops.stack(cols, -1)


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


@torch_op(name="cdist")
def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Any:
    """``torch.cdist(x1, x2, p=2.0, compute_mode=...)``: ``(..., P, M)`` and ``(..., R, M)`` (batch
    axes broadcast) -> ``(..., P, R)`` p-norm distances, ``p`` in ``[0, inf]``. Gradients as torch:
    0 at zero distance; for ``p = inf`` every tied coordinate gets the whole gradient.
    ``compute_mode`` is checked but the differences are always computed directly (torch's
    matrix-product formula for p = 2 rounds differently)."""
    op = "cdist"
    a, b = _arg(op, "x1", x1), _arg(op, "x2", x2)
    ops = a.session
    for what, v in (("x1", a), ("x2", b)):
        if v.dtype.kind != "f":
            raise DTypeError(f"{op}: {what} must be a float tensor, got {v.dtype.name}")
    if a.dtype != b.dtype:
        raise DTypeError(f"{op}: x1 is {a.dtype.name} but x2 is {b.dtype.name} "
                         "(torchlean never mixes float precisions)")
    sa, sb = ops.shape_of(a), ops.shape_of(b)
    if len(sa) < 2 or len(sb) < 2:
        raise ShapeError(f"{op}: expected x1 (..., P, M) and x2 (..., R, M) with at least 2 dimensions, "
                         f"got {sa} and {sb}")
    if sa[-1] != sb[-1]:
        raise ShapeError(f"{op}: x1 and x2 must have the same number of columns M, got shapes {sa} and {sb}")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(float(p)) or float(p) < 0:
        raise ArgumentError(f"{op}: p must be a non-negative number (inf allowed), got {p!r}")
    if compute_mode not in _COMPUTE_MODES:
        raise ArgumentError(f"{op}: compute_mode must be one of {', '.join(map(repr, _COMPUTE_MODES))}, "
                            f"got {compute_mode!r}")
    batch = broadcast_shapes(op, sa[:-2], sb[:-2])
    a = ops.broadcast_to(a, (*batch, *sa[-2:]))
    b = ops.broadcast_to(b, (*batch, *sb[-2:]))
    diff = ops.sub(ops.unsqueeze(a, -2), ops.unsqueeze(b, -3))
    if sa[-1] == 0:
        return ops.reduce_sum(diff, -1)
    return pnorm(ops, diff, float(p), (len(batch) + 2,), False, op, ties="all")
