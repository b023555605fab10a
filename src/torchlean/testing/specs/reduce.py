"""Specs of the reductions: the primitives of ``ops/reductions.py``, the seed ``max``/``min``
extended to reductions, and the PyTorch-shaped functions of ``torchlean.pt.reduce`` (named
``torch_<name>``).

Float samples have no ties (normal draws), so max-type gradients are unambiguous; ties (split
evenly by ``amax``, to the first index by ``max(dim)``) are unit-tested against PyTorch in
``tests/unit/test_reductions.py``, as are ``dtype=`` casts (their float64 output would fail the
float32 sweep by design), the positional legacy overloads (``var(x, False)``) and softmax's
implicit dim (it warns, as torch).
"""

from __future__ import annotations

import numpy as np

from ...pt import reduce as tr
from ..opspec import OpSpec, Sample, away_from, normal


def _ints(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.integers(-4, 5, shape)


def _bools(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.random(shape) > 0.5


def _axis_samples(rng: np.random.Generator, key: str = "axis", keep: str = "keepdims",
                  zero_d: bool = True) -> list[Sample]:
    """The usual reduction samples: one axis, negative, a tuple, all, keepdims, a 0-d tensor."""
    out = [Sample((normal(rng, 5),), {}, "vector-all"),
            Sample((normal(rng, 3, 4),), {key: 1}, "axis1"),
            Sample((normal(rng, 3, 4),), {key: -2}, "axis-2"),
            Sample((normal(rng, 2, 3, 4),), {key: (0, 2)}, "tuple"),
            Sample((normal(rng, 2, 3, 4),), {key: 1, keep: True}, "keep"),
            Sample((normal(rng, 2, 3),), {key: (0, 1), keep: True}, "tuple-keep")]
    return [*out, Sample((normal(rng),), {}, "0d")] if zero_d else out


def _extreme_samples(rng: np.random.Generator, bools: bool = False) -> list[Sample]:
    out = [*_axis_samples(rng, zero_d=False), Sample((_ints(rng, 3, 4),), {"axis": 1}, "int")]
    return [*out, Sample((_bools(rng, 3, 4),), {"axis": 0}, "bool")] if bools else out


def _t_amax(name: str):
    def ref(t, x, axis=None, keepdims=False):
        return getattr(t, name)(x) if axis is None else getattr(t, name)(x, axis, keepdims)

    return ref


def _t_dims(name: str):
    """torch reference ``torch.<name>(x, dim=..., keepdim=...)`` from a sample's kwargs."""
    def ref(t, x, *rest, dim=None, keepdim=False, **kw):
        f = getattr(t, name)
        return f(x, *rest, **kw) if dim is None and not keepdim else f(x, *rest, dim=dim, keepdim=keepdim, **kw)

    return ref


def _seed_extreme(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, *s),), kw, label) for s, kw, label in [
        ((5,), {}, "all"), ((3, 4), {}, "all-2d"), ((3, 4), {"dim": 1}, "dim1"),
        ((2, 3, 4), {"dim": 0, "keepdim": True}, "dim0-keep"), ((), {"dim": 0}, "0d")]]


def _seed_max_call(name: str):
    def call(ops, x, dim=None, keepdim=False):
        out = getattr(ops, name)(x) if dim is None else getattr(ops, name)(x, dim, keepdim)
        return out if dim is None else out.values

    return call


def _t_extreme(name: str, part: str = "values"):
    def ref(t, x, *y, dim=None, keepdim=False):
        if y or dim is None:
            return getattr(t, name)(x, *y)
        return getattr(getattr(t, name)(x, dim, keepdim), part)

    return ref


def _cumsum_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 5),), {"axis": 0, "reverse": False}, "vector"),
            Sample((normal(rng, 3, 4),), {"axis": 1, "reverse": False}, "axis1"),
            Sample((normal(rng, 2, 3, 4),), {"axis": 0, "reverse": True}, "reverse"),
            Sample((normal(rng, 3, 4),), {"axis": 1, "reverse": True}, "reverse1"),
            Sample((normal(rng),), {"axis": 0, "reverse": False}, "0d"),
            Sample((_ints(rng, 3, 4),), {"axis": 1, "reverse": True}, "int")]


def _t_cumsum(t, x, axis, reverse):
    if x.ndim == 0:
        return t.cumsum(x, 0)
    return t.cumsum(x.flip(axis), axis).flip(axis) if reverse else t.cumsum(x, axis)


def _arg_samples(rng: np.random.Generator) -> list[Sample]:
    tied = rng.integers(-2, 3, (4, 5)).astype(np.float64)
    nan = normal(rng, 6)
    nan[[2, 4]] = np.nan
    return [Sample((normal(rng, 3, 4),), {"axis": 1}, "axis1"), Sample((normal(rng, 2, 3, 4),), {"axis": 0}, "axis0"),
            Sample((tied,), {"axis": 0}, "ties-first"), Sample((nan,), {"axis": 0}, "nan"),
            Sample((_ints(rng, 3, 5),), {"axis": -1}, "int")]


def _pt_arg_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4),), {}, "flat"), Sample((normal(rng, 3, 4),), {"dim": 1}, "dim"),
            Sample((normal(rng, 2, 3, 4),), {"dim": -1, "keepdim": True}, "keep"),
            Sample((normal(rng, 2, 3),), {"keepdim": True}, "flat-keep"), Sample((_ints(rng, 6),), {}, "int")]


def _pt_sum_samples(rng: np.random.Generator) -> list[Sample]:
    return [*_axis_samples(rng, "dim", "keepdim"), Sample((normal(rng, 2, 3),), {"dim": ()}, "dim=()"),
            Sample((_ints(rng, 3, 4),), {"dim": 0}, "int"), Sample((_bools(rng, 3, 4),), {"dim": 1}, "bool")]


def _moment_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 5),), {}, "all"), Sample((normal(rng, 3, 4),), {"dim": 1}, "dim"),
            Sample((normal(rng, 2, 3, 4),), {"dim": (0, 2), "keepdim": True}, "tuple-keep"),
            Sample((normal(rng, 3, 4),), {"dim": 0, "unbiased": False}, "biased"),
            Sample((normal(rng, 3, 4),), {"dim": 1, "correction": 2}, "correction=2"),
            Sample((normal(rng, 6),), {"correction": 0.5}, "correction=0.5")]


def _prod_samples(rng: np.random.Generator) -> list[Sample]:
    zero = normal(rng, 3, 5)
    zero[1, 2] = 0.0
    two = normal(rng, 7)
    two[[1, 5]] = 0.0
    return [Sample((normal(rng, 6),), {}, "all"), Sample((normal(rng, 3, 5),), {"dim": 1}, "dim1-odd"),
            Sample((normal(rng, 4, 3),), {"dim": 0, "keepdim": True}, "keep"), Sample((zero,), {"dim": 1}, "a-zero"),
            Sample((two,), {}, "two-zeros"), Sample((normal(rng, 2, 3, 4),), {"dim": 2}, "3d"),
            Sample((_ints(rng, 3, 4),), {"dim": 1}, "int"), Sample((_bools(rng, 6),), {}, "bool")]


def _norm_samples(rng: np.random.Generator) -> list[Sample]:
    x = away_from(rng, (3, 4), [0.0], margin=0.2)
    return [Sample((normal(rng, 3, 4),), {}, "fro"), Sample((normal(rng, 3, 4),), {"p": "fro", "dim": 1}, "fro-dim"),
            Sample((normal(rng, 2, 3, 4),), {"p": 2, "dim": (1, 2), "keepdim": True}, "2-tuple-keep"),
            Sample((x,), {"p": 1, "dim": 0}, "p1"), Sample((x,), {"p": float("inf")}, "inf"),
            Sample((x,), {"p": float("-inf"), "dim": 1}, "-inf"), Sample((x,), {"p": 3, "dim": 1}, "p3"),
            Sample((x,), {"p": 0.5, "dim": 0}, "p0.5")]


def _softmax_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4) * 3,), {"dim": 1}, "dim1"),
            Sample((normal(rng, 2, 3, 4) * 3,), {"dim": 0}, "dim0"),
            Sample((normal(rng, 5) * 3,), {"dim": -1}, "vector"),
            Sample((_ints(rng, 3, 4).astype(float) * 300,), {"dim": 1}, "large")]


def _pt(name: str, samples, ref=None, **kw) -> OpSpec:
    fn = getattr(tr, name)
    return OpSpec(f"torch_{name}", samples, call=lambda ops, *a, **k: fn(*a, **k),
                  torch=ref if ref is not None else (lambda t, *a, **k: getattr(t, name)(*a, **k)), **kw)


SPECS: list[OpSpec] = [
    # ----- primitives ---------------------------------------------------------------------------
    OpSpec("reduce_max", lambda rng: _extreme_samples(rng, bools=True), call=lambda ops, x, **kw: ops.amax(x, **kw),
           torch=_t_amax("amax")),
    OpSpec("reduce_min", _extreme_samples, call=lambda ops, x, **kw: ops.amin(x, **kw), torch=_t_amax("amin")),
    OpSpec("argmax", _arg_samples, torch=lambda t, x, axis: t.argmax(x, axis), nondiff=(0,), fd=False),
    OpSpec("argmin", _arg_samples, torch=lambda t, x, axis: t.argmin(x, axis), nondiff=(0,), fd=False),
    OpSpec("cumsum", _cumsum_samples, torch=_t_cumsum),
    # ----- the seed's max/min, extended to torch's reductions -----------------------------------
    OpSpec("max_reduce", _seed_extreme, call=_seed_max_call("max"), torch=_t_extreme("max")),
    OpSpec("min_reduce", _seed_extreme, call=_seed_max_call("min"), torch=_t_extreme("min")),
    # ----- torch functions ----------------------------------------------------------------------
    _pt("sum", _pt_sum_samples, _t_dims("sum")),
    _pt("mean", lambda rng: _axis_samples(rng, "dim", "keepdim"), _t_dims("mean")),
    _pt("var", _moment_samples),
    _pt("std", _moment_samples),
    _pt("prod", _prod_samples),
    _pt("amax", lambda rng: [*_axis_samples(rng, "dim", "keepdim"), Sample((_bools(rng, 4),), {}, "bool")],
        _t_dims("amax")),
    _pt("amin", lambda rng: [*_axis_samples(rng, "dim", "keepdim"), Sample((_ints(rng, 4),), {}, "int")],
        _t_dims("amin")),
    OpSpec("torch_max", lambda rng: [*_seed_extreme(rng), Sample((normal(rng, 3, 4), normal(rng, 4)), {}, "other")],
           call=lambda ops, x, *y, **kw: tr.max(x, *y, **kw)[0] if kw.get("dim") is not None else tr.max(x, *y),
           torch=_t_extreme("max")),
    OpSpec("torch_min", lambda rng: [*_seed_extreme(rng), Sample((normal(rng, 3, 4), normal(rng, 4)), {}, "other")],
           call=lambda ops, x, *y, **kw: tr.min(x, *y, **kw).values if kw.get("dim") is not None else tr.min(x, *y),
           torch=_t_extreme("min")),
    OpSpec("torch_max_indices", lambda rng: [*_seed_extreme(rng)[2:], *_arg_samples(rng)[2:3]],
           call=lambda ops, x, dim=None, keepdim=False, axis=None: tr.max(x, dim if axis is None else axis,
                                                                           keepdim).indices,
           torch=lambda t, x, dim=None, keepdim=False, axis=None: t.max(x, dim if axis is None else axis,
                                                                         keepdim).indices, nondiff=(0,), fd=False),
    OpSpec("torch_min_indices", lambda rng: [*_seed_extreme(rng)[2:], *_arg_samples(rng)[2:3]],
           call=lambda ops, x, dim=None, keepdim=False, axis=None: tr.min(x, dim if axis is None else axis,
                                                                           keepdim).indices,
           torch=lambda t, x, dim=None, keepdim=False, axis=None: t.min(x, dim if axis is None else axis,
                                                                         keepdim).indices, nondiff=(0,), fd=False),
    _pt("argmax", _pt_arg_samples, nondiff=(0,), fd=False),
    _pt("argmin", _pt_arg_samples, nondiff=(0,), fd=False),
    _pt("logsumexp", lambda rng: [
        Sample((normal(rng, 3, 4),), {"dim": 1}, "dim"), Sample((normal(rng, 2, 3, 4),), {"dim": (0, 2)}, "tuple"),
        Sample((normal(rng, 3, 4) * 300,), {"dim": 0, "keepdim": True}, "large-keep"),
        Sample((_ints(rng, 2, 3),), {"dim": 1}, "int")],
        lambda t, x, **kw: t.logsumexp(x if x.is_floating_point() else x.double(), **kw)),
    _pt("norm", _norm_samples),
    OpSpec("torch_norm_p0", lambda rng: [Sample((away_from(rng, (3, 4), [0.0]) * (rng.random((3, 4)) > 0.3),),
                                                {"p": 0, "dim": 1}, "p0")],
           call=lambda ops, x, **kw: tr.norm(x, **kw), torch=lambda t, x, **kw: t.norm(x, **kw),
           zero_grad=True, fd=False),
    _pt("cumsum", lambda rng: [Sample((normal(rng, 3, 4),), {"dim": 1}, "dim"),
                               Sample((normal(rng, 2, 3, 4),), {"dim": -3}, "dim-3"),
                               Sample((_ints(rng, 5),), {"dim": 0}, "int"),
                               Sample((_bools(rng, 2, 3),), {"dim": 1}, "bool")]),
    _pt("softmax", _softmax_samples),
    _pt("log_softmax", _softmax_samples),
]
