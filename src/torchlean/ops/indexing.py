"""Index-driven primitives. Index tensors are integer inputs and never differentiable.

``take(x, idx)`` gathers rows of ``x`` along axis 0 (``numpy.take(x, idx, axis=0)``, not the
flat ``torch.take``): the output is ``idx.shape + x.shape[1:]``. ``take_transpose(g, idx, n)``
scatter-adds the rows of ``g`` into ``n`` rows. Each is the other's VJP (and JVP, both being
linear), so the pair is closed under differentiation.

Index semantics (``mode``): ``"zero"`` (the seed's totalisation, the default): an index
outside ``[0, n)`` - negative indices included, there is no Python-style wraparound - selects a
zero row in ``take`` and is dropped by ``take_transpose``. ``"checked"`` (PyTorch's indexing,
``x[idx]``): negative indices count from the end, anything outside ``[-n, n)`` raises.
``"strict"`` (``torch.gather``/``index_select``/``scatter_add``): anything outside ``[0, n)``
raises. Duplicate indices accumulate in ``take_transpose``.
"""

from __future__ import annotations

from .._core.errors import ArgumentError, ShapeError
from .._core.registry import defop
from .._core.shapes import prod
from .._core.types import TensorType, as_dtype, check_float, check_int


def _one_hot_shape(labels: TensorType, *, num_classes: int, dtype: str) -> TensorType:
    check_int("one_hot", "labels", labels)
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ShapeError(f"one_hot: num_classes must be a positive int, got {num_classes!r}")
    return TensorType((*labels.shape, num_classes), as_dtype(dtype))


def _one_hot_impl(xp, labels, *, num_classes, dtype):
    return (labels[..., None] == xp.arange(num_classes)).astype(dtype)


one_hot_p = defop(
    "one_hot", shape=_one_hot_shape, impl=_one_hot_impl, vjp=[None], jvp=[None],
    doc="Float one-hot rows of integer labels; an out-of-range label gives a zero row (seed "
        "totalisation).",
)


# ----- take / take_transpose ----------------------------------------------------------------
_MODES = ("zero", "checked", "strict")


def _check_mode(op: str, mode: str) -> None:
    if mode not in _MODES:
        raise ShapeError(f"{op}: mode must be one of {_MODES}, got {mode!r}")


def checked_indices(xp, op: str, flat, n: int, mode: str = "checked"):
    """PyTorch's index semantics, checked when the op runs (the values are data): ``checked``
    wraps negative indices and raises outside [-n, n); ``strict`` raises outside [0, n)."""
    lo = -n if mode == "checked" else 0
    if flat.size and (bool((flat < lo).any()) or bool((flat >= n).any())):
        bad = flat[(flat < lo) | (flat >= n)][0]
        raise ArgumentError(f"{op}: index {int(bad)} is out of range for a dimension of size {n}")
    return xp.where(flat < 0, flat + n, flat) if mode == "checked" else flat


def _take_shape(x: TensorType, idx: TensorType, *, mode: str = "zero") -> TensorType:
    check_int("take", "idx", idx)
    _check_mode("take", mode)
    if x.ndim < 1:
        raise ShapeError(f"take: expected x with at least one axis (rows, ...), got shape {x.shape}")
    return TensorType(idx.shape + x.shape[1:], x.dtype)


def _take_impl(xp, x, idx, *, mode="zero"):
    n, rest = x.shape[0], x.shape[1:]
    out_shape = idx.shape + rest
    flat = idx.reshape(-1).astype(xp.int64, copy=False)  # uint64 >= 2**63 wraps: out of range
    if mode != "zero":
        return x[checked_indices(xp, "take", flat, n, mode)].reshape(out_shape)
    if n == 0:  # every index is out of range
        return xp.zeros(out_shape, x.dtype)
    valid = (flat >= 0) & (flat < n)
    rows = x[xp.where(valid, flat, 0)]  # fancy indexing: a fresh (k, *rest) array
    # where (not a multiply by the mask) so that an inf/nan in row 0 stays out of invalid rows.
    rows = xp.where(valid.reshape((-1,) + (1,) * len(rest)), rows, xp.zeros((), x.dtype))
    return rows.reshape(out_shape)


def _take_transpose_shape(g: TensorType, idx: TensorType, *, n: int, mode: str = "zero") -> TensorType:
    check_float("take_transpose", g)
    _check_mode("take_transpose", mode)
    check_int("take_transpose", "idx", idx)
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ShapeError(f"take_transpose: n must be a non-negative int, got {n!r}")
    if g.shape[:idx.ndim] != idx.shape:
        raise ShapeError(f"take_transpose: expected g of shape idx.shape + rest = {idx.shape} + (...), "
                         f"got g {g.shape}")
    return TensorType((n, *g.shape[idx.ndim:]), g.dtype)


def _take_transpose_impl(xp, g, idx, *, n, mode="zero"):
    rest = g.shape[idx.ndim:]
    m = prod(rest)
    flat = idx.reshape(-1).astype(xp.int64)  # uint64 >= 2**63 wraps negative: out of range too
    if mode != "zero":
        flat = checked_indices(xp, "take_transpose", flat, n, mode)
    valid = (flat >= 0) & (flat < n)
    rows = xp.where(valid, flat, n)  # out-of-range entries go to a dump row n, cut off below
    bins = (rows[:, None] * m + xp.arange(m, dtype=xp.int64)).reshape(-1)
    # bincount accumulates in float64, in input order on NumPy: deterministic, exact for
    # float32 sums of few terms, and an inf only reaches its own row (a one-hot matmul would
    # spread 0 * inf = nan). No ufunc.at; CuPy has bincount too (there it uses float64
    # atomics, so duplicate sums may differ in the last float64 bit between runs).
    out = xp.bincount(bins, weights=g.reshape(-1), minlength=(n + 1) * m)
    return out[:n * m].reshape((n, *rest)).astype(g.dtype, copy=False)


take_p = defop(
    "take", shape=_take_shape, impl=_take_impl,
    vjp=[lambda ops, g, out, x, idx, *, mode="zero": ops.take_transpose(g, idx, ops.shape_of(x)[0], mode=mode),
         None],
    jvp=[lambda ops, t, out, x, idx, *, mode="zero": ops.take(t, idx, mode=mode), None],
    doc="Rows of x (r, *rest) at integer indices idx (any shape): idx.shape + rest. mode='zero' "
        "(the seed's): an index outside [0, r), negative included, gives a zero row. "
        "mode='checked' (PyTorch's): negative indices count from the end, others outside [-r, r) "
        "raise; mode='strict' (torch.gather's): anything outside [0, r) raises. Primitive: the "
        "gather itself.",
)

take_transpose_p = defop(
    "take_transpose", shape=_take_transpose_shape, impl=_take_transpose_impl,
    vjp=[lambda ops, g, out, x, idx, *, n, mode="zero": ops.take(g, idx, mode=mode), None],
    jvp=[lambda ops, t, out, x, idx, *, n, mode="zero": ops.take_transpose(t, idx, n, mode=mode), None],
    doc="Scatter-add of g (idx.shape + rest) into n rows (n, *rest): the transpose of take. "
        "Duplicate indices accumulate; out-of-range indices are dropped. Primitive: the VJP of "
        "take needs it, and it has no cheap composite form.",
)
