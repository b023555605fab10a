"""Shape arithmetic: axis normalisation and the two broadcasting rules.

The only code in torchlean that reasons about broadcasting lives here (used by shape rules and
the front end); no VJP rule un-broadcasts by hand, the ``broadcast_to`` primitive's rule does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ShapeError

Shape = tuple[int, ...]


def prod(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def is_int(v: object) -> bool:
    """A Python or NumPy integer, not a bool (the types accepted for axes and sizes)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def normalize_axis(op: str, axis: int, ndim: int) -> int:
    """Map a possibly negative axis into ``range(ndim)`` or raise ShapeError.

    A 0-d tensor accepts axis 0 and -1 (as PyTorch: its "dimension" is itself)."""
    if not is_int(axis):
        raise ShapeError(f"{op}: axis must be an int, got {axis!r}")
    axis = int(axis)
    n = max(ndim, 1)
    if not -n <= axis < n:
        raise ShapeError(f"{op}: axis {axis} is out of range for a tensor of rank {ndim} "
                         f"(expected {-n} <= axis < {n})")
    return axis % n if ndim else 0


def normalize_axes(op: str, axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; ``None`` means every axis."""
    if axis is None:
        return tuple(range(ndim))
    if is_int(axis):
        axes: tuple = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise ShapeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
    out = tuple(sorted(normalize_axis(op, a, ndim) for a in axes))
    if ndim == 0:
        return ()
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis!r}")
    return out


def as_shape(op: str, shape: object, what: str = "shape", allow_infer: bool = False) -> Shape:
    """A shape argument (an int, or a sequence of ints) as a tuple of non-negative ints.

    Floats and bools are refused instead of truncated; ``allow_infer`` admits one -1."""
    if is_int(shape):
        dims: tuple = (shape,)
    elif isinstance(shape, (tuple, list)) or (hasattr(shape, "__len__") and hasattr(shape, "__iter__")
                                               and not isinstance(shape, (str, bytes))):
        dims = tuple(shape)
    else:
        raise ShapeError(f"{op}: {what} must be a sequence of ints, got {shape!r}")
    out = []
    for d in dims:
        if not is_int(d):
            raise ShapeError(f"{op}: {what} must contain ints only, got {d!r} in {shape!r}")
        d = int(d)
        if d < 0 and not (allow_infer and d == -1):
            raise ShapeError(f"{op}: {what} has a negative size {d} in {shape!r}")
        out.append(d)
    if allow_infer and out.count(-1) > 1:
        raise ShapeError(f"{op}: only one dimension can be inferred (-1), got {shape!r}")
    return tuple(out)


def broadcast_shapes(op: str, *shapes: Shape) -> Shape:
    """NumPy/PyTorch right-aligned broadcasting of several shapes."""
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(ndim):
        dim = 1
        for s in shapes:
            j = i - (ndim - len(s))
            if j < 0 or s[j] == 1:
                continue
            if dim not in (1, s[j]):
                raise ShapeError(f"{op}: shapes {' and '.join(map(str, shapes))} do not broadcast")
            dim = s[j]
        out.append(dim)
    return tuple(out)


def right_aligned_axes(src: Shape, dst: Shape) -> tuple[int, ...]:
    """Axis map of right-aligned broadcasting: source axis k lands on target axis k + offset."""
    off = len(dst) - len(src)
    return tuple(range(off, len(dst)))


def check_broadcast(op: str, src: Shape, dst: Shape, axes: Sequence[int]) -> tuple[int, ...]:
    """Validate an axis map (the seed's explicit broadcast witness) and return it normalised.

    Source axis k lands on target axis ``axes[k]``; the map is strictly increasing, and each
    source dim is 1 or equal to its target dim. Target axes not in the map are new axes.
    """
    axes = tuple(axes)
    if len(axes) != len(src):
        raise ShapeError(f"{op}: axis map {axes} must list one target axis per source axis of {src}")
    prev = -1
    for a in axes:
        if not isinstance(a, int) or not prev < a < len(dst):
            raise ShapeError(f"{op}: axis map {axes} must be strictly increasing within rank {len(dst)}")
        prev = a
    for k, a in enumerate(axes):
        if src[k] not in (1, dst[a]):
            raise ShapeError(f"{op}: cannot broadcast {src} to {dst}: source axis {k} has size "
                             f"{src[k]}, target axis {a} has size {dst[a]}")
    return axes


def broadcast_sum_axes(src: Shape, dst: Shape, axes: Sequence[int]) -> tuple[int, ...]:
    """Target axes a cotangent must be summed over to undo ``broadcast_to(src -> dst, axes)``."""
    mapped = dict(zip(axes, src))
    return tuple(a for a in range(len(dst)) if a not in mapped or (mapped[a] == 1 and dst[a] != 1))


def expand_for_broadcast(src: Shape, dst: Shape, axes: Sequence[int]) -> Shape:
    """Shape of the source with size-1 axes inserted, ready for right-aligned broadcasting."""
    out = [1] * len(dst)
    for k, a in enumerate(axes):
        out[a] = src[k]
    return tuple(out)
