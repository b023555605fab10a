"""Specs of ``torchlean.nn.functional``'s losses and of their primitives (``bce_loss``,
``check_index``), against ``torch.nn.functional`` (float64, CPU). Samples keep away from the
kinks (|input - target| at 0, beta or delta); the class losses are in ``loss_class.py``.
"""

from __future__ import annotations

import numpy as np

from ...nn import functional as F  # noqa: N812
from ..opspec import OpSpec, Sample, away_from, normal, positive
from .loss_class import SPECS as _CLASS_SPECS

TF = lambda name: (lambda t, *a, **kw: getattr(t.nn.functional, name)(*a, **kw))


def _regression_samples(kinks=(0.0,), extra=()):
    """(input, target) pairs whose difference avoids ``kinks``, over shapes and reductions."""
    def gen(rng):
        out = []
        cases = [((5,), (5,), {}), ((3, 4), (3, 4), {"reduction": "sum"}),
                 ((2, 3, 4), (2, 3, 4), {"reduction": "none"}), ((3, 4), (4,), {}), ((), (), {}), *extra]
        for sx, st, kw in cases:
            t = normal(rng, *st)
            d = away_from(rng, sx, [k for p in kinks for k in (p, -p)], margin=0.1, scale=1.5)
            out.append(Sample((np.broadcast_to(t, sx) + d if sx else t + d, t), dict(kw), f"{sx},{st}{kw}"))
        return out
    return gen


def _with(gen, **extra):
    """The samples of ``gen`` with ``extra`` kwargs."""
    return lambda rng: [Sample(a.args, {**a.kwargs, **extra}, f"{a.label}{extra}") for a in gen(rng)]


def _weighted(kinks=(0.0,)):
    def gen(rng):
        out = []
        for s, kw in [((3, 4), {}), ((2, 3), {"reduction": "sum"}), ((5,), {"reduction": "none"})]:
            t = normal(rng, *s)
            x = t + away_from(rng, s, [k for p in kinks for k in (p, -p)], margin=0.1, scale=1.5)
            out.append(Sample((x, t, positive(rng, *s)), dict(kw), f"{s} weight{kw}"))
        return out
    return gen


def _probs(rng, *s):
    return rng.uniform(0.05, 0.95, s)


def _soft(rng, s):
    """Soft targets inside (0, 1), so that finite differences stay in the domain."""
    return rng.uniform(0.02, 0.98, s)


def _bce_samples(rng):
    return [Sample((_probs(rng, *s), _soft(rng, s)), dict(kw), f"{s}{kw}") for s, kw in [
        ((5,), {}), ((3, 4), {"reduction": "sum"}), ((2, 3, 4), {"reduction": "none"}), ((), {})]]


def _bce_hard_samples(rng):
    return [Sample((_probs(rng, 3, 4), (rng.random((3, 4)) > 0.5).astype(float)), dict(kw), f"hard{kw}")
            for kw in ({}, {"reduction": "none"})]


def _bce_weight_samples(rng):
    return [Sample((_probs(rng, *s), _soft(rng, s), positive(rng, *ws)), dict(kw), f"{s} w{ws}{kw}")
            for s, ws, kw in [((3, 4), (3, 4), {}), ((3, 4), (4,), {"reduction": "sum"}), ((2, 3), (2, 1), {})]]


def _bce_logits_samples(rng):
    return [Sample((normal(rng, *s) * 3, _soft(rng, s)), dict(kw), f"{s}{kw}") for s, kw in [
        ((5,), {}), ((3, 4), {"reduction": "sum"}), ((2, 3, 4), {"reduction": "none"}), ((), {})]]


def _bce_logits_weighted(rng):
    return [
        Sample((normal(rng, 3, 4) * 3, _soft(rng, (3, 4)), positive(rng, 3, 4), positive(rng, 4)), {},
               "weight, pos_weight (C,)"),
        Sample((normal(rng, 2, 3) * 3, _soft(rng, (2, 3)), positive(rng, 3), positive(rng, 2, 3)),
               {"reduction": "none"}, "weight (C,), pos_weight full"),
    ]


def _kl_samples(rng):
    out = []
    for s, kw in [((3, 4), {}), ((3, 4), {"reduction": "batchmean"}), ((2, 3, 4), {"reduction": "sum"}),
                  ((5,), {"reduction": "none"}), ((3, 4), {"reduction": "batchmean", "log_target": True})]:
        x = normal(rng, *s)
        t = normal(rng, *s) if kw.get("log_target") else rng.uniform(0.1, 1.0, s)
        out.append(Sample((x, t), dict(kw), f"{s}{kw}"))
    return out


def _pair(name):
    fn = getattr(F, name)
    return dict(call=lambda ops, x, t, **kw: fn(x, t, **kw), torch=TF(name))


def _pair_weighted(name):
    fn = getattr(F, name)
    return dict(call=lambda ops, x, t, w, **kw: fn(x, t, weight=w, **kw),
                torch=lambda tt, x, t, w, **kw: getattr(tt.nn.functional, name)(x, t, weight=w, **kw))


SPECS: list[OpSpec] = [
    # ----- primitives ---------------------------------------------------------------------------
    OpSpec("bce_loss", lambda rng: [Sample((_probs(rng, *s), _soft(rng, s)), {}, f"{s}")
                                    for s in [(), (5,), (3, 4), (2, 3, 4)]],
           torch=lambda t, x, y: t.nn.functional.binary_cross_entropy(x, y, reduction="none")),
    OpSpec("check_index", lambda rng: [
        Sample((np.array([0, 2, 1, 2]),), {"n": 3}, "(4,) n3"),
        Sample((rng.integers(0, 5, (2, 3)),), {"n": 5}, "(2,3) n5"),
        Sample((np.array([1, -100, 0, -100]),), {"n": 2, "ignore_index": -100}, "ignore_index"),
        Sample((np.zeros((0,), np.int64),), {"n": 0}, "empty")],
           numpy=lambda idx, n, ignore_index=None: idx),
    # ----- regression ---------------------------------------------------------------------------
    OpSpec("F.mse_loss", _regression_samples(), **_pair("mse_loss")),
    OpSpec("F.mse_loss_weight", _weighted(), **_pair_weighted("mse_loss")),
    OpSpec("F.l1_loss", _regression_samples(), **_pair("l1_loss")),
    OpSpec("F.l1_loss_weight", _weighted(), **_pair_weighted("l1_loss")),
    OpSpec("F.smooth_l1_loss", _regression_samples((0.0, 1.0), extra=(((3, 4), (3, 4), {"beta": 0.0}),)),
           **_pair("smooth_l1_loss")),
    OpSpec("F.smooth_l1_loss_beta", _with(_regression_samples((0.0, 0.5)), beta=0.5), **_pair("smooth_l1_loss")),
    OpSpec("F.huber_loss", _regression_samples((0.0, 1.0)), **_pair("huber_loss")),
    OpSpec("F.huber_loss_delta", _with(_regression_samples((0.0, 0.7)), delta=0.7), **_pair("huber_loss")),
    OpSpec("F.huber_loss_weight", _weighted((0.0, 1.0)), **_pair_weighted("huber_loss")),
    # ----- binary -------------------------------------------------------------------------------
    OpSpec("F.binary_cross_entropy", _bce_samples, binds=("bce_loss",), **_pair("binary_cross_entropy")),
    OpSpec("F.binary_cross_entropy_hard_targets", _bce_hard_samples, nondiff=(1,),
           **_pair("binary_cross_entropy")),
    OpSpec("F.binary_cross_entropy_weight", _bce_weight_samples, binds=("bce_loss",), nondiff=(2,),
           **_pair_weighted("binary_cross_entropy")),
    OpSpec("F.binary_cross_entropy_with_logits", _bce_logits_samples, binds=("softplus",),
           **_pair("binary_cross_entropy_with_logits")),
    OpSpec("F.binary_cross_entropy_with_logits_weight", _bce_logits_weighted, nondiff=(2, 3),
           call=lambda ops, x, t, w, pw, **kw: F.binary_cross_entropy_with_logits(x, t, w, pos_weight=pw, **kw),
           torch=lambda tt, x, t, w, pw, **kw: tt.nn.functional.binary_cross_entropy_with_logits(
               x, t, w, pos_weight=pw, **kw)),
    # ----- divergence ---------------------------------------------------------------------------
    OpSpec("F.kl_div", _kl_samples, **_pair("kl_div")),
    *_CLASS_SPECS,
]
