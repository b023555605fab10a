"""``torch.nn.functional.max_unpool1d/2d/3d``: the partial inverse of a max pool.

``max_unpool*d(input, indices, kernel_size, stride=None, padding=0, output_size=None)`` writes
each pooled value at its index (the flat position in its output plane, as ``max_pool*d(...,
return_indices=True)`` returns it) in zeros of the output size, which is PyTorch's
``(in - 1) * stride + kernel - 2 * padding`` per axis unless ``output_size`` (the spatial sizes,
or the full ``(N, C, *spatial)`` shape) picks one strictly within ``stride`` of it. Inputs are
``(N, C, *spatial)`` or unbatched ``(C, *spatial)``; ``indices`` are int64 of the input's shape.
Where several cells of a plane share an index the last one (row-major) is written, and the
gradient w.r.t. ``input`` is the output gradient gathered at every index, as PyTorch's CPU
kernel and its autograd formula.

Divergences: ``kernel_size``/``stride``/``padding`` tuples of the wrong length raise
``ShapeError`` (PyTorch reads the ones it needs or fails with an ``IndexError``); an index
outside the output plane raises ``ArgumentError`` when the op runs, as PyTorch's
``RuntimeError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import is_int
from .dispatch import tensor, torch_op
from .nn_common import float_tensor

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _ntuple(op: str, what: str, v: Any, d: int) -> tuple[int, ...]:
    """PyTorch's ``_single/_pair/_triple``: an int repeated, or a sequence of ``d`` ints."""
    if is_int(v):
        return (int(v),) * d
    if isinstance(v, Sequence) and not isinstance(v, (str, bytes)) and all(is_int(u) for u in v):
        if len(v) != d:
            raise ShapeError(f"{op}: {what} must be an int or a sequence of {d} ints, got {tuple(v)}")
        return tuple(int(u) for u in v)
    raise ArgumentError(f"{op}: {what} must be an int or a sequence of {d} ints, got {v!r}")


def unpool_output_size(op: str, in_spatial: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                       padding: tuple[int, ...], output_size: Any) -> tuple[int, ...]:
    """PyTorch's ``_unpool_output_size``: the default size, or ``output_size`` (its last ``d``
    entries when it has ``d + 2``), each strictly between ``default - stride`` and
    ``default + stride``; negative sizes raise."""
    d = len(kernel)
    default = tuple((i - 1) * s + k - 2 * p for i, k, s, p in zip(in_spatial, kernel, stride, padding))
    if output_size is None:
        size = default
    else:
        if not isinstance(output_size, Sequence) or isinstance(output_size, (str, bytes)) \
                or not all(is_int(u) for u in output_size):
            raise ArgumentError(f"{op}: output_size must be a sequence of ints, got {output_size!r}")
        size = tuple(int(u) for u in output_size)
        if len(size) == d + 2:
            size = size[2:]
        if len(size) != d:
            raise ArgumentError(f"{op}: output_size should be a sequence containing {d} or {d + 2} elements, "
                                f"but it has a length of '{len(size)}'")
        for e in range(d):
            lo, hi = default[e] - stride[e], default[e] + stride[e]
            if not lo < size[e] < hi:
                raise ArgumentError(f'{op}: invalid output_size "{tuple(output_size)}" (dim {e} must be between '
                                    f"{lo} and {hi})")
    for e, s in enumerate(size):
        if s < 0:
            raise ArgumentError(f"{op}: output_size must contain non-negative spatial dimensions, but got "
                                f"output_size[{e}]={s}")
    return size


def _max_unpool(op: str, d: int, input: Any, indices: Any, kernel_size: Any, stride: Any,  # noqa: A002
                padding: Any, output_size: Any) -> Any:
    x = float_tensor(op, "input", input)
    idx = tensor(op, "indices", indices)
    if x.ndim not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected {d + 1}D (unbatched) or {d + 2}D (batched) input, got input of shape "
                         f"{tuple(x.shape)}")
    kernel = _ntuple(op, "kernel_size", kernel_size, d)
    strides = kernel if stride is None else _ntuple(op, "stride", stride, d)
    pads = _ntuple(op, "padding", padding, d)
    if d == 3 and any(s <= 0 for s in strides):
        raise ArgumentError(f"{op}: strides should be greater than zero, but got stride: {list(strides)}")
    shape = tuple(x.shape)
    size = unpool_output_size(op, shape[-d:], kernel, strides, pads, output_size)
    if idx.dtype.name != "int64":
        raise DTypeError(f"{op}: elements in indices should be type int64, got {idx.dtype.name}")
    if tuple(idx.shape) != shape:
        raise ShapeError(f"{op}: expected indices of the input's shape {shape}, got {tuple(idx.shape)}")
    for e in range(1, x.ndim):
        if shape[e] == 0:
            raise ShapeError(f"{op}: expected input to have non-zero size for non-batch dimensions, but got "
                             f"{shape} with dimension {e} being empty")
    lead = shape[:-d]
    planes = 1
    for s in lead:
        planes *= s
    k = 1
    for s in shape[-d:]:
        k *= s
    out = x.session.bind(REGISTRY["max_unpool"], x.reshape(planes, k), idx.reshape(planes, k), size=size)
    return out.reshape(*lead, *size)


@torch_op
def max_unpool1d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                 output_size: Any = None) -> Any:
    """Partial inverse of ``max_pool1d``: ``(N, C, L)`` / ``(C, L)`` values written at their
    indices in zeros of length ``(L - 1) * stride + kernel_size - 2 * padding`` (or
    ``output_size``)."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


@torch_op
def max_unpool2d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                 output_size: Any = None) -> Any:
    """Partial inverse of ``max_pool2d`` for ``(N, C, H, W)`` / ``(C, H, W)``; indices are
    ``h * W_out + w``."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


@torch_op
def max_unpool3d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                 output_size: Any = None) -> Any:
    """Partial inverse of ``max_pool3d`` for ``(N, C, D, H, W)`` / ``(C, D, H, W)``."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
