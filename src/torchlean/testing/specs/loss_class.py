"""Specs of ``F.cross_entropy`` and ``F.nll_loss`` against ``torch.nn.functional``: class indices
and probabilities, (C,), (N, C) and (N, C, d1, ...) inputs, weights, ignore_index, label
smoothing and every reduction.
"""

from __future__ import annotations

import numpy as np

from ...nn import functional as F  # noqa: N812
from ..opspec import OpSpec, Sample, normal, positive


def _labels(rng, c, shape, ignore=None, ignored=0):
    t = rng.integers(0, c, shape)
    if ignore is not None and ignored:
        flat = t.reshape(-1)
        flat[rng.choice(flat.size, ignored, replace=False)] = ignore
    return t


def _index_cases(rng, weighted):
    """(logits, target[, weight]) samples over layouts, reductions and ignore_index."""
    cases = [
        ((4, 3), (4,), {}, None, 0),
        ((5,), (), {}, None, 0),
        ((2, 3, 4), (2, 4), {"reduction": "sum"}, None, 0),
        ((2, 4, 2, 3), (2, 2, 3), {"reduction": "none"}, None, 0),
        ((6, 4), (6,), {}, -100, 2),
        ((3, 5), (3,), {"ignore_index": 1, "reduction": "sum"}, 1, 1),
        ((2, 3, 5), (2, 5), {"ignore_index": 0, "reduction": "none"}, 0, 3),
    ]
    out = []
    for sx, st, kw, ign, k in cases:
        c = sx[0] if len(sx) == 1 else sx[1]
        args = (normal(rng, *sx) * 2, _labels(rng, c, st, ign, k))
        if weighted:
            args = (*args, positive(rng, c))
        out.append(Sample(args, dict(kw), f"{sx}{kw}{' w' if weighted else ''}"))
    return out


def _smoothing_cases(rng):
    out = []
    for sx, st, kw in [((4, 3), (4,), {}), ((2, 3, 4), (2, 4), {"reduction": "sum"}),
                       ((5, 4), (5,), {"reduction": "none"}), ((6,), (), {})]:
        c = sx[0] if len(sx) == 1 else sx[1]
        out.append(Sample((normal(rng, *sx) * 2, _labels(rng, c, st, -100, 1 if st else 0)),
                          {"label_smoothing": 0.2, **kw}, f"{sx} ls=0.2{kw}"))
    return out


def _smoothing_weighted(rng):
    return [Sample((normal(rng, 5, 3) * 2, _labels(rng, 3, (5,), -100, 1), positive(rng, 3)),
                   {"label_smoothing": 0.1, **kw}, f"(5,3) w ls=0.1{kw}")
            for kw in ({}, {"reduction": "sum"}, {"reduction": "none"})]


def _prob_cases(rng, weighted):
    out = []
    for sx, kw in [((4, 3), {}), ((5,), {}), ((2, 3, 4), {"reduction": "sum"}), ((3, 4), {"reduction": "none"}),
                   ((4, 3), {"label_smoothing": 0.3}), ((2, 3, 2), {"label_smoothing": 0.1, "reduction": "none"})]:
        c = sx[0] if len(sx) == 1 else sx[1]
        p = rng.uniform(0.1, 1.0, sx)
        p /= p.sum(axis=0 if len(sx) == 1 else 1, keepdims=True)
        args = (normal(rng, *sx) * 2, p)
        if weighted:
            args = (*args, positive(rng, c))
        out.append(Sample(args, dict(kw), f"{sx} probs{kw}{' w' if weighted else ''}"))
    return out


def _ce(ops, x, t, *w, **kw):
    return F.cross_entropy(x, t, *w, **kw)


def _t_ce(t, x, y, *w, **kw):
    return t.nn.functional.cross_entropy(x, y, *w, **kw)


def _nll(ops, x, t, *w, **kw):
    return F.nll_loss(x, t, *w, **kw)


def _t_nll(t, x, y, *w, **kw):
    return t.nn.functional.nll_loss(x, y, *w, **kw)


def _fast_cases(rng):
    return [
        Sample((normal(rng, 4, 3) * 2, _labels(rng, 3, (4,))), {}, "(4,3)"),
        Sample((normal(rng, 5) * 2, np.array(2)), {}, "(5,)"),
        Sample((normal(rng, 2, 4, 3, 2) * 2, _labels(rng, 4, (2, 3, 2), -100, 2)), {}, "(2,4,3,2) ignored"),
        Sample((normal(rng, 3, 4) * 2, np.array([1, 7, 7])), {"ignore_index": 7}, "ignore_index=7"),
    ]


SPECS: list[OpSpec] = [
    OpSpec("F.cross_entropy_fused", _fast_cases, call=_ce, torch=_t_ce, binds=("cross_entropy",)),
    OpSpec("F.cross_entropy", lambda rng: _index_cases(rng, False), call=_ce, torch=_t_ce),
    # PyTorch refuses a gradient for the class weights of index targets: nondiff here (torchlean
    # gives one; tests/unit/test_losses.py checks it against finite differences).
    OpSpec("F.cross_entropy_weight", lambda rng: _index_cases(rng, True), call=_ce, torch=_t_ce, nondiff=(2,)),
    OpSpec("F.cross_entropy_smoothing", _smoothing_cases, call=_ce, torch=_t_ce),
    OpSpec("F.cross_entropy_smoothing_weight", _smoothing_weighted, call=_ce, torch=_t_ce, nondiff=(2,)),
    OpSpec("F.cross_entropy_probs", lambda rng: _prob_cases(rng, False), call=_ce, torch=_t_ce),
    OpSpec("F.cross_entropy_probs_weight", lambda rng: _prob_cases(rng, True), call=_ce, torch=_t_ce),
    OpSpec("F.nll_loss", lambda rng: _index_cases(rng, False), call=_nll, torch=_t_nll,
           binds=("check_index", "take")),
    OpSpec("F.nll_loss_weight", lambda rng: _index_cases(rng, True), call=_nll, torch=_t_nll, nondiff=(2,)),
]
