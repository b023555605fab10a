"""Specs of the ``argsort`` primitive and of the shape family's additions: sorting/selection
(``pt/sorting.py``), products and diagonals (``pt/linalg_extra.py``), shape ops
(``pt/shape_extra.py``) and functional indexing writes (``pt/index_extra.py``).

Ops returning ``(values, indices)`` are checked through their values (whose gradient is the
gather of the indices); the int64 indices are compared with torch in tests/unit/
test_pt_shape_extra.py, ties included. Samples are tie-free normals, so every op is smooth there.
"""

from __future__ import annotations

import numpy as np

from ..._core.registry import REGISTRY
from ...pt import index_extra as pti
from ...pt import linalg_extra as ptl
from ...pt import shape_extra as ptx
from ...pt import sorting as pts
from ..opspec import OpSpec, Sample, normal


def _fn(mod, name: str, samples, torch_fn=None, values: bool = False, **kw) -> OpSpec:
    f = getattr(mod, name)
    ref = torch_fn or (lambda t, *a, **k: getattr(t, name)(*a, **k))
    if values:
        return OpSpec(f"torch.{name}", samples, call=lambda ops, *a, **k: f(*a, **k)[0],
                      torch=lambda t, *a, **k: ref(t, *a, **k)[0], **kw)
    return OpSpec(f"torch.{name}", samples, call=lambda ops, *a, **k: f(*a, **k), torch=ref, **kw)


def _s(*shapes_and_kwargs):
    return lambda rng: [Sample((normal(rng, *s),), dict(k), f"{s}{k}") for s, k in shapes_and_kwargs]


def _argsort(ops, x, axis, descending=False):
    return ops.bind(REGISTRY["argsort"], x, axis=axis, descending=descending)


def _t_argsort(t, x, axis, descending=False):
    return t.argsort(x, dim=axis, descending=descending, stable=True)


def _idx(*v):
    return np.array(v, dtype=np.int64)


SPECS: list[OpSpec] = [
    # ----- the primitive ------------------------------------------------------------------------
    OpSpec("argsort", lambda rng: [
        Sample((normal(rng, 6),), {"axis": 0}, "vec"),
        Sample((normal(rng, 3, 5),), {"axis": 1, "descending": True}, "rows-desc"),
        Sample((normal(rng, 4, 3, 2),), {"axis": 0}, "axis0"),
        Sample((np.array([2.0, 1.0, 2.0, 0.0, 1.0, 2.0]),), {"axis": 0, "descending": True}, "ties-desc"),
        Sample((np.array([[3, 1, 3, 1], [0, 0, 2, -1]]),), {"axis": 1}, "int-ties")],
        call=_argsort, torch=_t_argsort, nondiff=(0,), fd=False),
    # ----- sorting and selection (values) ---------------------------------------------------------
    _fn(pts, "sort", _s(((5,), {}), ((3, 4), {"dim": 0, "descending": True}), ((2, 3, 4), {"dim": -2})),
        values=True),
    _fn(pts, "msort", _s(((5, 3), {}), ((4,), {}))),
    _fn(pts, "topk", _s(((6,), {"k": 3}), ((3, 5), {"k": 2, "dim": 0, "largest": False}),
                        ((2, 5), {"k": 5, "dim": -1})), values=True),
    _fn(pts, "kthvalue", _s(((6,), {"k": 2}), ((3, 5), {"k": 3, "dim": 0, "keepdim": True})), values=True),
    _fn(pts, "median", _s(((7,), {}), ((4, 3), {}))),
    OpSpec("torch.median_dim", _s(((3, 4), {"dim": 1}), ((4, 3, 2), {"dim": 0, "keepdim": True})),
           call=lambda ops, x, **k: pts.median(x, **k)[0], torch=lambda t, x, **k: t.median(x, **k)[0]),
    _fn(pts, "mode", _s(((3, 5), {}), ((4, 2), {"dim": 0, "keepdim": True})), values=True),
    # ----- products and diagonals ---------------------------------------------------------------
    _fn(ptl, "dot", lambda rng: [Sample((normal(rng, 5), normal(rng, 5)), {})]),
    _fn(ptl, "inner", lambda rng: [Sample((normal(rng, 2, 4), normal(rng, 3, 4)), {}),
                                   Sample((normal(rng, 3), normal(rng)), {}, "0d")]),
    _fn(ptl, "kron", lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 3, 2)), {}),
                                  Sample((normal(rng, 3), normal(rng, 2, 2)), {}, "ranks")]),
    _fn(ptl, "cross", lambda rng: [Sample((normal(rng, 4, 3), normal(rng, 4, 3)), {"dim": 1}),
                                   Sample((normal(rng, 3, 2), normal(rng, 3, 1)), {"dim": 0}, "bcast")]),
    _fn(ptl, "mv", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 4)), {})]),
    _fn(ptl, "addmv", lambda rng: [Sample((normal(rng, 3), normal(rng, 3, 4), normal(rng, 4)),
                                          {"beta": 0.5, "alpha": 2.0})]),
    _fn(ptl, "addr", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 3), normal(rng, 4)), {"alpha": -1.5})]),
    _fn(ptl, "tensordot", lambda rng: [Sample((normal(rng, 2, 3, 4), normal(rng, 3, 4, 2)), {"dims": 2}),
                                       Sample((normal(rng, 2, 3), normal(rng, 3, 2)), {"dims": ([0], [1])}, "pair")]),
    _fn(ptl, "baddbmm", lambda rng: [Sample((normal(rng, 3, 5), normal(rng, 2, 3, 4), normal(rng, 2, 4, 5)),
                                            {"beta": 0.3, "alpha": 1.5})]),
    _fn(ptl, "addbmm", lambda rng: [Sample((normal(rng, 3, 5), normal(rng, 2, 3, 4), normal(rng, 2, 4, 5)), {})]),
    _fn(ptl, "trace", _s(((3, 4), {}))),
    _fn(ptl, "diag", _s(((4,), {"diagonal": 1}), ((3, 4), {"diagonal": -1}))),
    _fn(ptl, "diagonal", _s(((3, 4), {}), ((2, 3, 4), {"offset": 1, "dim1": 2, "dim2": 0}))),
    _fn(ptl, "diag_embed", _s(((2, 3), {}), ((3,), {"offset": -1, "dim1": 1, "dim2": 0}))),
    # ----- shape ops ------------------------------------------------------------------------------
    _fn(ptx, "rot90", _s(((3, 4), {}), ((2, 3, 4), {"k": -1, "dims": (2, 0)}))),
    _fn(ptx, "repeat_interleave", _s(((3, 2), {"repeats": 2, "dim": 0}), ((3, 2), {"repeats": 3}),
                                     ((3, 2), {"repeats": [1, 0, 2], "dim": 0})),
        torch_fn=lambda t, x, repeats, **k: t.repeat_interleave(
            x, repeats if isinstance(repeats, int) else t.tensor(repeats), **k)),
    OpSpec("Tensor.unfold", _s(((6, 3), {"dimension": 0, "size": 2, "step": 2}),
                               ((2, 7), {"dimension": -1, "size": 3, "step": 1})),
           call=lambda ops, x, **k: x.unfold(**k), torch=lambda t, x, **k: x.unfold(**k)),
    _fn(ptx, "block_diag", lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 2), normal(rng)), {})]),
    _fn(ptx, "cartesian_prod", lambda rng: [Sample((normal(rng, 3), normal(rng, 2)), {})]),
    # ----- functional indexing writes ---------------------------------------------------------------
    OpSpec("torch.scatter", lambda rng: [
        Sample((normal(rng, 3, 5), _idx(0, 2, 1).reshape(1, 3), normal(rng, 1, 3)), {"dim": 1}, "src")],
        call=lambda ops, x, index, src, dim: pti.scatter(x, dim, index, src),
        torch=lambda t, x, index, src, dim: t.scatter(x, dim, index, src)),
    OpSpec("torch.scatter_reduce", lambda rng: [
        Sample((normal(rng, 3, 4), np.array([[0, 3, 0], [2, 2, 1]]), normal(rng, 2, 3)),
               {"dim": 1, "reduce": r, "include_self": inc}, f"{r}-{inc}")
        for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
        call=lambda ops, x, index, src, **k: pti.scatter_reduce(x, k.pop("dim"), index, src, **k),
        torch=lambda t, x, index, src, **k: t.scatter_reduce(x, k.pop("dim"), index, src, **k)),
    OpSpec("torch.index_copy", lambda rng: [Sample((normal(rng, 3, 5), _idx(4, 0), normal(rng, 3, 2)), {"dim": 1})],
           call=lambda ops, x, index, src, dim: pti.index_copy(x, dim, index, src),
           torch=lambda t, x, index, src, dim: t.index_copy(x, dim, index, src)),
    OpSpec("torch.index_add", lambda rng: [Sample((normal(rng, 4, 2), _idx(3, 0, 3), normal(rng, 3, 2)),
                                                  {"dim": 0, "alpha": 2.0})],
           call=lambda ops, x, index, src, dim, alpha: pti.index_add(x, dim, index, src, alpha=alpha),
           torch=lambda t, x, index, src, dim, alpha: t.index_add(x, dim, index, src, alpha=alpha)),
    OpSpec("torch.index_fill", lambda rng: [Sample((normal(rng, 3, 5), _idx(4, 0, 4)), {"dim": -1, "value": -1.0})],
           call=lambda ops, x, index, dim, value: pti.index_fill(x, dim, index, value),
           torch=lambda t, x, index, dim, value: t.index_fill(x, dim, index, value)),
]
