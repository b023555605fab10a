"""Vector and matrix products with ``torch``'s names, as composites of mul/sum/matmul/gathers.

``dot vdot inner mv addmv addr ger kron cross trace diag diagonal diag_embed tensordot baddbmm
addbmm chain_matmul``. Products through ``matmul`` (``mv addmv tensordot baddbmm addbmm
chain_matmul``) take float tensors, as everywhere in torchlean; ``dot inner kron cross trace
diag diagonal diag_embed addr`` take integer tensors too. Values are immutable: ``diagonal`` is
a copy, not a view. ``beta=0`` ignores ``input`` (NaN there does not propagate), as torch.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import broadcast_shapes, is_int, normalize_axis
from .dispatch import tensor as _arg
from .dispatch import torch_op
from .math import outer

__all__ = ["addbmm", "addmv", "addr", "baddbmm", "chain_matmul", "cross", "diag", "diag_embed", "diagonal",
           "dot", "ger", "inner", "kron", "mv", "tensordot", "trace", "vdot"]


def _no_out(op: str, out: Any) -> None:
    if out is not None:
        raise ArgumentError(f"{op}: out= is not supported (torchlean tensors are immutable values)")


def _same_dtype(op: str, ops: Any, *xs: Any) -> None:
    dts = [ops.type_of(v).dtype for v in xs]
    if len(set(dts)) > 1:
        raise DTypeError(f"{op}: expected tensors of one dtype, got {', '.join(d.name for d in dts)}")


# ----- products of vectors ---------------------------------------------------------------------
@torch_op
def dot(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.dot``: the inner product of two 1-D tensors of one length and dtype."""
    _no_out("dot", out)
    a, b = _arg("dot", "input", input), _arg("dot", "other", other)
    ops = a.session
    sa, sb = ops.shape_of(a), ops.shape_of(b)
    if len(sa) != 1 or sa != sb:
        raise ShapeError(f"dot: expected two 1-D tensors of one length, got shapes {sa} and {sb}")
    _same_dtype("dot", ops, a, b)
    return ops.reduce_sum(ops.mul(a, b))


@torch_op
def vdot(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.vdot``: ``dot`` with the first argument conjugated (real tensors: ``dot``)."""
    _no_out("vdot", out)
    return dot(input, other)


@torch_op
def ger(input: Any, vec2: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.ger`` (= ``outer``)."""
    return outer(input, vec2, out=out)


@torch_op
def tensordot(a: Any, b: Any, dims: Any = 2, out: Any = None) -> Any:
    """``torch.tensordot``: contract the last ``dims`` axes of ``a`` with the first ``dims`` of
    ``b`` (an int), or the listed axes (a pair of sequences)."""
    _no_out("tensordot", out)
    x, y = _arg("tensordot", "a", a), _arg("tensordot", "b", b)
    ops = x.session
    sx, sy = ops.shape_of(x), ops.shape_of(y)
    if is_int(dims):
        if not 0 <= dims <= min(len(sx), len(sy)):
            raise ShapeError(f"tensordot: dims must be in [0, {min(len(sx), len(sy))}] for shapes {sx} and "
                             f"{sy}, got {dims}")
        da, db = list(range(len(sx) - dims, len(sx))), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = ([v] if is_int(v) else list(v) for v in dims)
        da = [normalize_axis("tensordot", v, len(sx)) for v in da]
        db = [normalize_axis("tensordot", v, len(sy)) for v in db]
    else:
        raise ArgumentError(f"tensordot: dims must be an int or a pair of sequences of ints, got {dims!r:.60}")
    if len(da) != len(db) or any(sx[i] != sy[j] for i, j in zip(da, db)) or len(set(da)) < len(da) \
            or len(set(db)) < len(db):
        raise ShapeError(f"tensordot: contracted axes {da} of {sx} and {db} of {sy} must pair up with equal sizes")
    _same_dtype("tensordot", ops, x, y)
    fa = [i for i in range(len(sx)) if i not in da]
    fb = [j for j in range(len(sy)) if j not in db]
    k = int(np.prod([sx[i] for i in da])) if da else 1
    out_shape = (*(sx[i] for i in fa), *(sy[j] for j in fb))
    m = ops.reshape(ops.permute(x, (*fa, *da)), (-1, k)) if sx else ops.reshape(x, (1, 1))
    n = ops.reshape(ops.permute(y, (*db, *fb)), (k, -1)) if sy else ops.reshape(y, (1, 1))
    if ops.type_of(x).dtype.kind == "f":
        p = ops.matmul(m, n)
    else:  # integer tensors: a broadcast product summed over k (matmul is float-only)
        p = ops.reduce_sum(ops.mul(ops.unsqueeze(m, 2), ops.unsqueeze(n, 0)), 1)
    return ops.reshape(p, out_shape)


@torch_op
def inner(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.inner``: the sum over the last axes (shape ``input.shape[:-1] + other.shape[:-1]``);
    a 0-d operand multiplies."""
    _no_out("inner", out)
    a, b = _arg("inner", "input", input), _arg("inner", "other", other)
    ops = a.session
    sa, sb = ops.shape_of(a), ops.shape_of(b)
    if not sa or not sb:
        return ops.mul(a, b)
    if sa[-1] != sb[-1]:
        raise ShapeError(f"inner: the last dimensions must match, got shapes {sa} and {sb}")
    return tensordot(a, b, ([-1], [-1]))


@torch_op
def kron(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.kron``: the Kronecker product (the lower rank padded with leading ones)."""
    _no_out("kron", out)
    a, b = _arg("kron", "input", input), _arg("kron", "other", other)
    ops = a.session
    sa, sb = ops.shape_of(a), ops.shape_of(b)
    r = max(len(sa), len(sb))
    sa, sb = (1,) * (r - len(sa)) + sa, (1,) * (r - len(sb)) + sb
    _same_dtype("kron", ops, a, b)
    ia = ops.reshape(a, tuple(v for d in sa for v in (d, 1)))
    ib = ops.reshape(b, tuple(v for d in sb for v in (1, d)))
    return ops.reshape(ops.mul(ia, ib), tuple(p * q for p, q in zip(sa, sb)))


@torch_op
def cross(input: Any, other: Any, dim: int | None = None, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.cross``: the 3-vector cross product along ``dim`` (input and other broadcast);
    without ``dim``, the first axis of size 3 (torch's deprecated default)."""
    _no_out("cross", out)
    a, b = _arg("cross", "input", input), _arg("cross", "other", other)
    ops = a.session
    sa, sb = ops.shape_of(a), ops.shape_of(b)
    if len(sa) != len(sb):
        raise ShapeError(f"cross: input and other must have the same number of dimensions, got {sa} and {sb}")
    s = broadcast_shapes("cross", sa, sb)
    if dim is None:
        d = next((i for i, v in enumerate(s) if v == 3), None)
        if d is None:
            raise ShapeError(f"cross: no dimension of size 3 in shape {s}")
    else:
        d = normalize_axis("cross", dim, len(s))
    if sa[d] != 3 or sb[d] != 3:
        raise ShapeError(f"cross: dimension {d} must have size 3 in both inputs, got shapes {sa} and {sb}")
    _same_dtype("cross", ops, a, b)
    a, b = ops.broadcast_to(a, s), ops.broadcast_to(b, s)
    ax = [ops.narrow(a, d, i, 1) for i in range(3)]
    bx = [ops.narrow(b, d, i, 1) for i in range(3)]
    parts = [ops.sub(ops.mul(ax[(i + 1) % 3], bx[(i + 2) % 3]), ops.mul(ax[(i + 2) % 3], bx[(i + 1) % 3]))
             for i in range(3)]
    return ops.cat(parts, d)


# ----- matrix-vector and batched products -----------------------------------------------------
@torch_op
def mv(input: Any, vec: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.mv``: (n, m) @ (m,) -> (n,); float tensors."""
    _no_out("mv", out)
    a, v = _arg("mv", "input", input), _arg("mv", "vec", vec)
    ops = a.session
    sa, sv = ops.shape_of(a), ops.shape_of(v)
    if len(sa) != 2 or len(sv) != 1 or sa[1] != sv[0]:
        raise ShapeError(f"mv: expected a matrix (n, m) and a vector (m,), got {sa} and {sv}")
    return ops.matmul(a, v)


@torch_op
def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1, out: Any = None) -> Any:  # noqa: A002
    """``torch.addmv``: ``beta * input + alpha * (mat @ vec)``."""
    _no_out("addmv", out)
    c = _arg("addmv", "input", input)
    return c.session._scaled_sum("addmv", c, mv(mat, vec), beta, alpha)


@torch_op
def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1, out: Any = None) -> Any:  # noqa: A002
    """``torch.addr``: ``beta * input + alpha * outer(vec1, vec2)``."""
    _no_out("addr", out)
    c = _arg("addr", "input", input)
    return c.session._scaled_sum("addr", c, outer(vec1, vec2), beta, alpha)


def _batches(op: str, b1: Any, b2: Any) -> Any:
    x, y = _arg(op, "batch1", b1), _arg(op, "batch2", b2)
    ops = x.session
    s1, s2 = ops.shape_of(x), ops.shape_of(y)
    if len(s1) != 3 or len(s2) != 3 or s1[0] != s2[0] or s1[2] != s2[1]:
        raise ShapeError(f"{op}: expected batch1 (b, n, m) and batch2 (b, m, p), got {s1} and {s2}")
    return ops.matmul(x, y)


@torch_op
def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
            out: Any = None) -> Any:
    """``torch.baddbmm``: ``beta * input + alpha * (batch1 @ batch2)`` (input broadcasts)."""
    _no_out("baddbmm", out)
    c = _arg("baddbmm", "input", input)
    return c.session._scaled_sum("baddbmm", c, _batches("baddbmm", batch1, batch2), beta, alpha)


@torch_op
def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
           out: Any = None) -> Any:
    """``torch.addbmm``: ``beta * input + alpha * sum_b (batch1[b] @ batch2[b])``."""
    _no_out("addbmm", out)
    c = _arg("addbmm", "input", input)
    ops = c.session
    return ops._scaled_sum("addbmm", c, ops.reduce_sum(_batches("addbmm", batch1, batch2), 0), beta, alpha)


@torch_op
def chain_matmul(*matrices: Any, out: Any = None) -> Any:
    """``torch.chain_matmul``: the product of 2-D matrices, left to right (one matrix: itself)."""
    _no_out("chain_matmul", out)
    ms = list(matrices[0]) if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)) else list(matrices)
    if not ms:
        raise ArgumentError("chain_matmul: expected at least one matrix")
    xs = [_arg("chain_matmul", f"matrices[{i}]", m) for i, m in enumerate(ms)]
    ops = xs[0].session
    shapes = [ops.shape_of(m) for m in xs]
    if any(len(s) != 2 for s in shapes) or any(p[1] != q[0] for p, q in itertools.pairwise(shapes)):
        raise ShapeError(f"chain_matmul: expected 2-D matrices with matching inner sizes, got {shapes}")
    y = xs[0]
    for m in xs[1:]:
        y = ops.matmul(y, m)
    return y


# ----- diagonals -------------------------------------------------------------------------------
def _diag_len(n1: int, n2: int, offset: int) -> int:
    return max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))


@torch_op
def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:  # noqa: A002
    """``torch.diagonal``: the ``offset``-th diagonal of the planes of ``dim1`` x ``dim2``, as a
    new last axis (a copy: torchlean has no views)."""
    x = _arg("diagonal", "input", input)
    ops = x.session
    s = ops.shape_of(x)
    if len(s) < 2:
        raise ShapeError(f"diagonal: expected a tensor with at least 2 dimensions, got shape {s}")
    if not is_int(offset):
        raise ArgumentError(f"diagonal: offset must be an int, got {offset!r:.40}")
    a, b = normalize_axis("diagonal", dim1, len(s)), normalize_axis("diagonal", dim2, len(s))
    if a == b:
        raise ShapeError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2} for shape {s}")
    rest = [d for d in range(len(s)) if d not in (a, b)]
    n1, n2 = s[a], s[b]
    m = _diag_len(n1, n2, offset)
    rows = np.arange(m) + max(0, -offset)
    flat = ops.reshape(ops.permute(x, (*rest, a, b)), (*(s[d] for d in rest), n1 * n2))
    return ops.index_select(flat, len(rest), rows * n2 + rows + offset)


@torch_op
def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:  # noqa: A002
    """``torch.diag_embed``: the last axis of input on the ``offset``-th diagonal of new planes
    ``dim1`` x ``dim2`` (zeros elsewhere)."""
    x = _arg("diag_embed", "input", input)
    ops = x.session
    s = ops.shape_of(x)
    if not s:
        raise ShapeError("diag_embed: expected a tensor with at least 1 dimension, got shape ()")
    if not is_int(offset):
        raise ArgumentError(f"diag_embed: offset must be an int, got {offset!r:.40}")
    r = len(s) + 1
    a, b = normalize_axis("diag_embed", dim1, r), normalize_axis("diag_embed", dim2, r)
    if a == b:
        raise ShapeError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    n = s[-1]
    m = n + abs(offset)
    pos = np.full(m * m, n, dtype=np.int64)  # index n is out of range: a zero (mode 'zero')
    i = np.arange(n)
    pos[(i + max(0, -offset)) * m + i + max(0, offset)] = i
    y = ops.reshape(ops.index_select(x, len(s) - 1, pos), (*s[:-1], m, m))
    rest = [d for d in range(r) if d not in (a, b)]
    perm = [0] * r
    for src, dst in zip(range(r), (*rest, a, b)):
        perm[dst] = src
    return ops.permute(y, perm)


@torch_op
def diag(input: Any, diagonal: int = 0, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.diag``: a 1-D input on the ``diagonal``-th diagonal of a square matrix, or the
    ``diagonal``-th diagonal of a 2-D input."""
    _no_out("diag", out)
    x = _arg("diag", "input", input)
    n = len(x.session.shape_of(x))
    if n == 1:
        return diag_embed(x, diagonal, 0, 1)
    if n == 2:
        return _diagonal(x, diagonal, 0, 1)
    raise ShapeError(f"diag: expected a 1-D or 2-D tensor, got shape {x.session.shape_of(x)}")


_diagonal = diagonal


@torch_op
def trace(input: Any) -> Any:  # noqa: A002
    """``torch.trace``: the sum of the main diagonal of a 2-D tensor (integers sum as int64)."""
    x = _arg("trace", "input", input)
    s = x.session.shape_of(x)
    if len(s) != 2:
        raise ShapeError(f"trace: expected a 2-D tensor, got shape {s}")
    return x.session.reduce_sum(_diagonal(x, 0, 0, 1))


class LinalgExtraMethods:
    """``torch.Tensor`` product and diagonal methods (``torch``'s signatures)."""

    __slots__ = ()

    def dot(self, other: Any) -> Any:
        return dot(self, other)

    def vdot(self, other: Any) -> Any:
        return vdot(self, other)

    def inner(self, other: Any) -> Any:
        return inner(self, other)

    def ger(self, vec2: Any) -> Any:
        return ger(self, vec2)

    def kron(self, other: Any) -> Any:
        return kron(self, other)

    def cross(self, other: Any, dim: int | None = None) -> Any:
        return cross(self, other, dim)

    def mv(self, vec: Any) -> Any:
        return mv(self, vec)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        return diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        return diag_embed(self, offset, dim1, dim2)

    def diag(self, diagonal: int = 0) -> Any:
        return diag(self, diagonal)

    def trace(self) -> Any:
        return trace(self)



