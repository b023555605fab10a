"""Specs of the PyTorch-shaped shape ops: the ``flip`` primitive, ``torch.*`` functions and
``Tensor`` methods (named ``torch.x`` / ``Tensor.x``), ``einsum`` and the constructors.

Ops returning several tensors (``split``, ``chunk``, ``unbind``) are checked through the
concatenation of their flattened pieces, each scaled by its position, so that both the pieces'
values and their order and boundaries are compared.
"""

from __future__ import annotations

import numpy as np

from ...pt import shape as pts
from ..opspec import OpSpec, Sample, normal
from .creation import SPECS as _CREATION


def _pieces(cat, flat, pieces):
    return cat([flat(p) * float(i + 1) for i, p in enumerate(pieces)])


def _tl_pieces(pieces):
    return _pieces(pts.cat, lambda p: pts.reshape(p, (-1,)), pieces)


def _t_pieces(t, pieces):
    return _pieces(t.cat, lambda p: p.reshape(-1), pieces)


def _fn(name: str, samples, torch_fn=None, **kw) -> OpSpec:
    """A spec of ``torch.<name>``: called as pt.shape.<name>(*args, **kwargs), referenced by
    torch.<name> with the same arguments."""
    f = getattr(pts, name)
    ref = torch_fn or (lambda t, *a, **k: getattr(t, name)(*a, **k))
    return OpSpec(f"torch.{name}", samples, call=lambda ops, *a, **k: f(*a, **k), torch=ref, **kw)


def _s(*shapes_and_kwargs):
    """Samples from (shape, kwargs) pairs, normal data."""
    return lambda rng: [Sample((normal(rng, *s),), dict(k), f"{s}") for s, k in shapes_and_kwargs]


SPECS: list[OpSpec] = [
    # ----- primitive ----------------------------------------------------------------------------
    OpSpec("flip", _s(((5,), {"dims": 0}), ((3, 4), {"dims": (0, 1)}), ((2, 3, 4), {"dims": (-1, 0)}),
                      ((2, 3, 4), {"dims": [1]})),
           torch=lambda t, x, dims: t.flip(x, dims if isinstance(dims, (list, tuple)) else (dims,))),
    # ----- reshaping ----------------------------------------------------------------------------
    _fn("reshape", _s(((3, 4), {"shape": (2, -1)}), ((2, 3, 4), {"shape": (24,)}), ((1,), {"shape": ()}))),
    _fn("flatten", _s(((2, 3, 4), {}), ((2, 3, 4), {"start_dim": 1}), ((), {}), ((2, 3, 4, 2), {"start_dim": -3,
                                                                                               "end_dim": 2}))),
    _fn("ravel", _s(((2, 3, 4), {}), ((), {}))),
    _fn("unflatten", _s(((3, 6, 2), {"dim": 1, "sizes": (2, 3)}), ((8,), {"dim": -1, "sizes": (-1, 2)}),
                        ((4, 6), {"dim": 0, "sizes": (4,)}))),
    _fn("squeeze", _s(((5, 1, 5, 1), {}), ((5, 1, 5, 1), {"dim": 1}), ((5, 1, 5, 1), {"dim": (1, 2, 3)}),
                      ((5, 1, 5, 1), {"dim": 0}), ((), {"dim": 0}))),
    _fn("unsqueeze", _s(((3, 4), {"dim": 0}), ((3, 4), {"dim": -1}), ((3, 4), {"dim": 1}), ((), {"dim": -1}))),
    _fn("broadcast_to", _s(((3, 1), {"size": (2, 3, 4)}), ((3, 1), {"size": (-1, 5)}), ((), {"size": (2,)}))),
    # ----- permutations -------------------------------------------------------------------------
    _fn("permute", _s(((1, 2, 3, 4), {"dims": (0, 2, 3, 1)}), ((2, 3, 4), {"dims": (-1, 0, 1)}),
                      ((), {"dims": ()}))),
    _fn("transpose", _s(((2, 3, 4), {"dim0": -1, "dim1": 0}), ((3, 4), {"dim0": 0, "dim1": 1}),
                        ((), {"dim0": 0, "dim1": 0}), ((5,), {"dim0": 0, "dim1": -1}))),
    _fn("swapaxes", _s(((2, 3, 4), {"axis0": 0, "axis1": 2}))),
    _fn("swapdims", _s(((2, 3, 4), {"dim0": 1, "dim1": 2}))),
    _fn("t", _s(((3, 4), {}), ((5,), {}), ((), {}))),
    _fn("movedim", _s(((4, 3, 2, 1), {"source": (0, 1, 2, 3), "destination": (3, 2, 1, 0)}),
                      ((2, 3, 4), {"source": 0, "destination": -1}),
                      ((2, 3, 4, 5), {"source": (-1, 0), "destination": (1, 3)}))),
    _fn("moveaxis", _s(((2, 3, 4), {"source": -1, "destination": 0}))),
    # ----- replication, reversal, triangles -----------------------------------------------------
    _fn("tile", _s(((3, 2), {"dims": (2, 3)}), ((2,), {"dims": (1, 3, 2)}), ((2, 3), {"dims": (2,)}),
                   ((), {"dims": (3,)}), ((3, 2), {"dims": (0, 2)}))),
    _fn("flip", _s(((5, 4, 3), {"dims": (0, 2)}), ((5, 4, 3), {"dims": ()}), ((5, 1), {"dims": (0, 1)}))),
    _fn("roll", _s(((5, 4), {"shifts": 2}), ((5, 4), {"shifts": -1, "dims": 1}),
                   ((3, 4, 5), {"shifts": (1, 2, -1), "dims": (0, 1, 2)}), ((5, 4), {"shifts": 10001, "dims": 0}),
                   ((), {"shifts": 3}))),
    _fn("tril", _s(((4, 4), {}), ((4, 5), {"diagonal": 2}), ((2, 5, 3), {"diagonal": -1}))),
    _fn("triu", _s(((4, 4), {}), ((4, 5), {"diagonal": 2}), ((2, 5, 3), {"diagonal": -1}))),
    # ----- picking and splitting ----------------------------------------------------------------
    _fn("narrow", _s(((5, 5, 5), {"dim": 1, "start": 2, "length": 2}), ((5, 4), {"dim": -1, "start": -3,
                                                                                 "length": 2}),
                     ((5, 4), {"dim": 0, "start": 5, "length": 0}))),
    OpSpec("torch.narrow_tensor_start", lambda rng: [
        Sample((normal(rng, 5, 4), np.array(1)), {"dim": 0, "length": 3}, "positive"),
        Sample((normal(rng, 5, 4), np.array(-3)), {"dim": -1, "length": 2}, "negative")],
        call=lambda ops, x, start, dim, length: pts.narrow(x, dim, start, length),
        torch=lambda t, x, start, dim, length: t.narrow(x, dim, start, length), binds=("take",)),
    _fn("select", _s(((5, 5, 5), {"dim": 1, "index": 2}), ((5, 4), {"dim": -1, "index": -1}),
                     ((5,), {"dim": 0, "index": 4}))),
    OpSpec("torch.select_tensor_index", lambda rng: [
        Sample((normal(rng, 5, 4), np.array(-2)), {"dim": 0}, "negative"),
        Sample((normal(rng, 3, 4, 2), np.array(3)), {"dim": 1}, "middle")],
        call=lambda ops, x, index, dim: pts.select(x, dim, index),
        torch=lambda t, x, index, dim: x.select(dim, int(index)), binds=("take",)),
    OpSpec("torch.split", _s(((5, 4), {"split_size_or_sections": 2}), ((5, 4), {"split_size_or_sections": (1, 3),
                                                                                "dim": 1}),
                             ((5, 4), {"split_size_or_sections": [0, 5, 0]}), ((3, 2), {"split_size_or_sections": 5})),
           call=lambda ops, x, **k: _tl_pieces(pts.split(x, **k)),
           torch=lambda t, x, **k: _t_pieces(t, t.split(x, **k))),
    OpSpec("torch.chunk", _s(((5, 4), {"chunks": 2}), ((5, 6), {"chunks": 4, "dim": 1}), ((3, 2), {"chunks": 5})),
           call=lambda ops, x, **k: _tl_pieces(pts.chunk(x, **k)),
           torch=lambda t, x, **k: _t_pieces(t, t.chunk(x, **k))),
    OpSpec("torch.unbind", _s(((3, 4), {}), ((3, 4, 2), {"dim": -2})),
           call=lambda ops, x, **k: _tl_pieces(pts.unbind(x, **k)),
           torch=lambda t, x, **k: _t_pieces(t, t.unbind(x, **k))),
    # ----- joining ------------------------------------------------------------------------------
    OpSpec("torch.cat", lambda rng: [
        Sample((normal(rng, 5, 5), normal(rng, 5, 5)), {"dim": -1}),
        Sample((normal(rng, 10, 5), normal(rng, 5, 5)), {}),
        Sample((normal(rng, 0), normal(rng, 5, 5)), {"dim": 1}, "legacy-empty"),
        Sample((normal(rng, 2, 2, 2),), {"dim": 1}, "one"),
        Sample((normal(rng, 2, 3), rng.integers(-3, 3, (2, 2))), {"dim": 1}, "promote-int")],
        call=lambda ops, *xs, **k: pts.cat(list(xs), **k), torch=lambda t, *xs, **k: t.cat(
            [x.to(t.float64) for x in xs], **k)),
    OpSpec("torch.concat", lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 2, 1)), {"dim": 1})],
           call=lambda ops, *xs, **k: pts.concat(xs, **k), torch=lambda t, *xs, **k: t.concat(xs, **k)),
    OpSpec("torch.concatenate", lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 1, 3)), {"axis": 0})],
           call=lambda ops, *xs, **k: pts.concatenate(xs, **k), torch=lambda t, *xs, **k: t.concatenate(xs, **k)),
    OpSpec("torch.stack", lambda rng: [
        Sample((normal(rng, 3, 4),), {"dim": -1}, "one"),
        Sample(tuple(normal(rng, 1, 2, 1, 4) for _ in range(3)), {"dim": 2}),
        Sample((normal(rng, 2, 3), normal(rng, 2, 3)), {"dim": -3}),
        Sample((normal(rng), normal(rng)), {}, "scalars")],
        call=lambda ops, *xs, **k: pts.stack(list(xs), **k), torch=lambda t, *xs, **k: t.stack(xs, **k)),
    OpSpec("torch.einsum", lambda rng: [Sample(tuple(normal(rng, *s) for s in shapes), {"equation": eq}, eq)
                                        for eq, shapes in [
        ("i->", [(3,)]), ("i,j->ij", [(3,), (4,)]), ("ij->i", [(2, 3)]), ("ij,kj->ik", [(2, 3), (1, 3)]),
        ("ij,Ab->ijAb", [(2, 3), (4, 4)]), ("aij,ajk->aik", [(2, 2, 3), (2, 3, 4)]),
        ("aij,jk->aik", [(1, 3, 4), (4, 4)]), ("ijk,ik->j", [(1, 2, 3), (1, 3)]), ("iji->j", [(2, 3, 2)]),
        ("i...->...", [(3, 3)]), ("...ik, ...j -> ij", [(1, 2, 3), (3,)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4),
                                                                                                (2, 2, 5, 4)]),
        ("ij,jk,kl", [(2, 3), (3, 4), (4, 2)]), ("ii", [(3, 3)]), ("ba", [(2, 3)]), ("...j,j", [(2, 3, 4), (4,)]),
        ("i,i->", [(3,), (1,)])]],
        call=lambda ops, *xs, equation: pts.einsum(equation, *xs),
        torch=lambda t, *xs, equation: t.einsum(equation, *xs)),
    # ----- tensor methods -----------------------------------------------------------------------
    OpSpec("Tensor.reshape", _s(((3, 4), {"shape": (2, 6)}), ((3, 4), {"shape": (12,)})),
           call=lambda ops, x, shape: x.reshape(*shape), torch=lambda t, x, shape: x.reshape(*shape)),
    OpSpec("Tensor.view", _s(((3, 4), {"shape": (2, -1)}), ((), {"shape": (1,)})),
           call=lambda ops, x, shape: x.view(shape), torch=lambda t, x, shape: x.view(shape)),
    OpSpec("Tensor.permute", _s(((2, 3, 4), {"dims": (2, 0, 1)})),
           call=lambda ops, x, dims: x.permute(*dims), torch=lambda t, x, dims: x.permute(*dims)),
    OpSpec("Tensor.expand", _s(((5, 1, 1), {"size": (5, 5, 5)}), ((5, 1, 5), {"size": (-1, 5, -1)}),
                               ((1,), {"size": (5, 5, 5)}), ((), {"size": ()}), ((), {"size": (1, 3, 2)})),
           call=lambda ops, x, size: x.expand(*size) if size else x.expand(size),
           torch=lambda t, x, size: x.expand(*size) if size else x.expand(size)),
    OpSpec("Tensor.expand_as", lambda rng: [Sample((normal(rng, 5, 1, 1), normal(rng, 5, 5, 5)))],
           call=lambda ops, x, o: x.expand_as(o), torch=lambda t, x, o: x.expand_as(o), nondiff=(1,)),
    OpSpec("Tensor.repeat", _s(((3, 2), {"repeats": (2, 3)}), ((2,), {"repeats": (1, 3, 2)}),
                               ((), {"repeats": (2, 3)}), ((3, 2), {"repeats": (1, 1)}), ((2,), {"repeats": (0,)}),
                               ((3, 2), {"repeats": (3, 1, 1)})),
           call=lambda ops, x, repeats: x.repeat(*repeats), torch=lambda t, x, repeats: x.repeat(*repeats)),
    OpSpec("Tensor.tile", _s(((3, 2), {"dims": (2, 2)})),
           call=lambda ops, x, dims: x.tile(*dims), torch=lambda t, x, dims: x.tile(*dims)),
    OpSpec("Tensor.flip", _s(((3, 2), {"dims": (0, 1)})),
           call=lambda ops, x, dims: x.flip(*dims), torch=lambda t, x, dims: x.flip(*dims)),
    OpSpec("Tensor.mT", _s(((2, 3, 4), {})), call=lambda ops, x: x.mT, torch=lambda t, x: x.mT),
    OpSpec("Tensor.split", _s(((5, 4), {"split_size": 2, "dim": 1})),
           call=lambda ops, x, **k: _tl_pieces(x.split(**k)),
           torch=lambda t, x, **k: _t_pieces(t, x.split(**k))),
    *_CREATION,
]
