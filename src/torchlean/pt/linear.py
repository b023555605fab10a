"""``F.linear`` and ``F.bilinear`` with PyTorch's argument order (``input`` first).

``F.linear(x, w, b)`` is ``x @ w.T + b``: with a bias it is the seed's fused ``linear``
primitive (one kernel, one node) with the arguments reordered; without, a matmul with the
transposed weight. The seed's ``s.linear(w, b, x)`` keeps its own order.
"""

from __future__ import annotations

from typing import Any

from .._core.errors import ShapeError
from .dispatch import tensor, torch_op

__all__ = ["bilinear", "linear"]


@torch_op
def linear(input: Any, weight: Any, bias: Any = None) -> Any:  # noqa: A002
    """``input @ weight.T + bias`` for input ``(*, in)``, weight ``(out, in)`` or ``(in,)``,
    bias ``(out,)`` or None."""
    x = tensor("linear", "input", input)
    w = tensor("linear", "weight", weight)
    ops = x.session
    sw, sx = ops.shape_of(w), ops.shape_of(x)
    if len(sw) == 1:  # torch accepts a 1-D weight: a dot product over the last axis
        if not sx or sx[-1] != sw[0]:
            raise ShapeError(f"linear: input {sx} and a weight of shape {sw} do not match")
        y = ops.matmul(x, w)
        return y if bias is None else ops.add(y, tensor("linear", "bias", bias))
    if len(sw) != 2 or not sx or sx[-1] != sw[1]:
        raise ShapeError(f"linear: expected input (*, in) and weight (out, in) with the same in, got "
                         f"input {sx} and weight {sw}")
    if bias is None:
        return ops.matmul(x, ops.transpose2d(w))
    b = tensor("linear", "bias", bias)
    if ops.shape_of(b) != sw[:1]:
        if len(sx) >= 1 and ops.shape_of(b) in ((), (1,)):
            return ops.add(ops.matmul(x, ops.transpose2d(w)), b)
        raise ShapeError(f"linear: expected a bias of shape {sw[:1]}, got {ops.shape_of(b)}")
    return ops.linear(w, b, x)


@torch_op
def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Any:
    """``y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o]``."""
    x1 = tensor("bilinear", "input1", input1)
    x2 = tensor("bilinear", "input2", input2)
    w = tensor("bilinear", "weight", weight)
    ops = x1.session
    s1, s2, sw = ops.shape_of(x1), ops.shape_of(x2), ops.shape_of(w)
    if len(sw) != 3 or not s1 or not s2 or s1[:-1] != s2[:-1] or s1[-1] != sw[1] or s2[-1] != sw[2]:
        raise ShapeError(f"bilinear: expected input1 (*, in1), input2 (*, in2) with the same leading "
                         f"shape and weight (out, in1, in2), got {s1}, {s2} and {sw}")
    out, in1, in2 = sw
    lead = s1[:-1]
    # (N, in1) @ (in1, out * in2) -> (N, out, in2), times x2 broadcast over out, summed over in2
    wf = ops.reshape(ops.permute(w, (1, 0, 2)), (in1, out * in2))
    t = ops.reshape(ops.matmul(ops.reshape(x1, (-1, in1)), wf), (-1, out, in2))
    x2b = ops.broadcast_to(ops.reshape(x2, (-1, 1, in2)), ops.shape_of(t))
    y = ops.reshape(ops.reduce_sum(ops.mul(t, x2b), 2), (*lead, out))
    if bias is not None:
        b = tensor("bilinear", "bias", bias)
        if b.shape != (out,) or b.dtype != ops.type_of(y).dtype:
            raise ShapeError(f"bilinear: expected bias of shape ({out},) and dtype {ops.type_of(y).dtype.name}, "
                             f"got {b.dtype.name}{list(b.shape)}")
        y = ops.add(y, b)
    return y
