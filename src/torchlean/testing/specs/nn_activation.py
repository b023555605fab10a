"""Specs of ``torchlean.nn.functional``'s activations, dropout, embedding and one_hot, and of the
``elu`` primitive. References are ``torch.nn.functional`` itself (float64, CPU); samples keep
away from kinks (the gradients there are pinned in tests/unit/test_nn_functional.py).
"""

from __future__ import annotations

import numpy as np

from ...nn import functional as F  # noqa: N812
from ...random import uniform_host
from ..opspec import OpSpec, Sample, away_from, normal

_SHAPES = [(), (7,), (3, 4), (2, 3, 4)]


def _unary(points=(), scale=2.0, shapes=_SHAPES, **kw):
    """Samples of one float input nudged away from the kinks ``points``."""
    def gen(rng):
        return [Sample((away_from(rng, s, points, scale=scale),), dict(kw), f"{s}{kw or ''}") for s in shapes]
    return gen


def _variants(*cases):
    """Samples of (shape, kwargs, kinks) cases."""
    def gen(rng):
        return [Sample((away_from(rng, s, pts, scale=sc),), dict(kw), f"{s}{kw}")
                for s, kw, pts, sc in cases]
    return gen


def _act(name, samples, ref=None, **spec_kw):
    """A spec calling ``F.<name>(x, **kw)`` against ``torch.nn.functional.<name>``."""
    fn = getattr(F, name)
    ref = ref or (lambda t, x, **kw: getattr(t.nn.functional, name)(x, **kw))
    return OpSpec(f"F.{name}", samples, torch=ref, call=lambda ops, x, **kw: fn(x, **kw), **spec_kw)


# ----- dropout, embedding, one_hot ---------------------------------------------------------------
_U = lambda shape: uniform_host(0, 0, shape, dtype=np.float64)


def _dropout_ref(x, p=0.5, training=True):
    if not training:
        return x
    return x * 0.0 if p == 1.0 else x * ((1 - p) > _U(x.shape)) / (1 - p)


def _embedding_samples(rng):
    w = normal(rng, 7, 3)
    return [
        Sample((np.array([0, 3, 6, 3]), w), {}, "(4,) ids"),
        Sample((rng.integers(0, 7, (2, 5)), normal(rng, 7, 4)), {}, "(2,5) ids"),
        Sample((np.array(2), normal(rng, 5, 2)), {}, "0-d id"),
    ]


def _embedding_padding_samples(rng):
    return [
        Sample((np.array([[1, 0, 1], [2, 1, 0]]), normal(rng, 4, 3)), {"padding_idx": 1}, "padding_idx=1"),
        Sample((np.array([4, 0, 4, 2]), normal(rng, 5, 2)), {"padding_idx": -1}, "padding_idx=-1"),
    ]


def _one_hot_samples(rng):
    return [
        Sample((np.array([0, 2, 1, 2]),), {"num_classes": 3}, "(4,) C3"),
        Sample((rng.integers(0, 5, (2, 3)),), {"num_classes": 5}, "(2,3) C5"),
        Sample((np.array(1),), {"num_classes": 4}, "0-d"),
    ]


SPECS: list[OpSpec] = [
    # ----- primitive ----------------------------------------------------------------------------
    OpSpec("elu", lambda rng: [
        Sample((away_from(rng, s, (0.0,)),), dict(kw), f"{s}{kw}") for s, kw in [
            ((7,), {}), ((3, 4), {"alpha": 0.5}), ((2, 3, 4), {"alpha": 1.7, "scale": 1.2}),
            ((3, 4), {"alpha": 2.0, "input_scale": 0.5}), ((), {})]],
           torch=lambda t, x, alpha=1.0, scale=1.0, input_scale=1.0:
           t.where(x > 0, x * scale, t.expm1(x * input_scale) * (alpha * scale))),
    # ----- rectifiers ---------------------------------------------------------------------------
    _act("relu", _unary((0.0,)), binds=("relu",)),
    _act("relu6", _unary((0.0, 6.0), scale=5.0)),
    _act("hardtanh", _variants(((3, 4), {}, (-1.0, 1.0), 2.0),
                               ((2, 3, 4), {"min_val": -0.5, "max_val": 2.0}, (-0.5, 2.0), 2.0),
                               ((7,), {"min_val": 0.0, "max_val": 0.0}, (0.0,), 2.0))),
    _act("leaky_relu", _variants(((7,), {}, (0.0,), 2.0), ((3, 4), {"negative_slope": 0.2}, (0.0,), 2.0),
                                 ((2, 3, 4), {"negative_slope": -1.5}, (0.0,), 2.0), ((), {}, (0.0,), 2.0))),
    # ----- exponential units --------------------------------------------------------------------
    _act("elu", _variants(((7,), {}, (0.0,), 2.0), ((3, 4), {"alpha": 0.3}, (0.0,), 2.0),
                          ((2, 3, 4), {"alpha": 2.5}, (0.0,), 3.0)), binds=("elu",)),
    _act("selu", _unary((0.0,)), binds=("elu",)),
    _act("celu", _variants(((7,), {}, (0.0,), 2.0), ((3, 4), {"alpha": 0.5}, (0.0,), 2.0),
                           ((2, 3, 4), {"alpha": 3.0}, (0.0,), 3.0)), binds=("elu",)),
    # ----- smooth -------------------------------------------------------------------------------
    _act("gelu", _unary(scale=2.5), binds=("erf",)),
    OpSpec("F.gelu_tanh", _unary(scale=2.5, approximate="tanh"), binds=("tanh",),
           call=lambda ops, x, **kw: F.gelu(x, **kw),
           torch=lambda t, x, **kw: t.nn.functional.gelu(x, **kw)),
    _act("silu", _unary(scale=3.0)),
    _act("mish", _unary(scale=3.0)),
    _act("softplus", _variants(((7,), {}, (), 3.0), ((3, 4), {"beta": 2.0}, (), 3.0),
                               ((2, 3, 4), {"beta": 0.5, "threshold": 1.0}, (2.0,), 3.0),
                               ((3, 4), {"threshold": 0.5}, (0.5,), 2.0), ((3, 4), {"beta": -1.0}, (), 2.0))),
    _act("logsigmoid", _unary(scale=4.0)),
    _act("sigmoid", _unary(scale=4.0)),
    _act("tanh", _unary(scale=2.0)),
    # ----- hard ---------------------------------------------------------------------------------
    # PyTorch's hardsigmoid_backward multiplies by float32(1/6) even in float64: 3e-8 relative.
    _act("hardsigmoid", _unary((-3.0, 3.0), scale=4.0), rtol=1e-8),
    _act("hardswish", _unary((-3.0, 3.0), scale=4.0)),
    # ----- softmax family -----------------------------------------------------------------------
    _act("softmax", lambda rng: [Sample((normal(rng, *s) * 2,), {"dim": d}, f"{s} dim={d}")
                                 for s, d in [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1), ((), 0)]]),
    _act("log_softmax", lambda rng: [Sample((normal(rng, *s) * 2,), {"dim": d}, f"{s} dim={d}")
                                     for s, d in [((5,), 0), ((3, 4), 1), ((2, 3, 4), 1)]]),
    _act("softmin", lambda rng: [Sample((normal(rng, *s) * 2,), {"dim": d}, f"{s} dim={d}")
                                 for s, d in [((5,), 0), ((3, 4), -1), ((2, 3, 4), 0)]]),
    _act("glu", lambda rng: [Sample((normal(rng, *s) * 2,), dict(kw), f"{s}{kw}")
                             for s, kw in [((4,), {}), ((3, 6), {}), ((4, 3), {"dim": 0}), ((2, 4, 3), {"dim": 1})]]),
    # ----- dropout, embedding, one_hot ----------------------------------------------------------
    OpSpec("F.dropout", lambda rng: [Sample((normal(rng, *s),), dict(kw), f"{s}{kw}") for s, kw in [
        ((40,), {"p": 0.25}), ((3, 4), {}), ((5,), {"p": 1.0}), ((3, 2), {"p": 0.5, "training": False}),
        ((2, 3), {"p": 0.0})]],
           call=lambda ops, x, **kw: F.dropout(x, **kw), numpy=_dropout_ref),
    OpSpec("F.embedding", _embedding_samples, binds=("check_index", "take"),
           call=lambda ops, ids, w, **kw: F.embedding(ids, w, **kw),
           torch=lambda t, ids, w, **kw: t.nn.functional.embedding(ids, w, **kw)),
    # the padding row's value is looked up but takes no gradient: not the derivative, so no FD
    OpSpec("F.embedding_padding", _embedding_padding_samples, binds=("check_index", "take"), fd=False,
           call=lambda ops, ids, w, **kw: F.embedding(ids, w, **kw),
           torch=lambda t, ids, w, **kw: t.nn.functional.embedding(ids, w, **kw)),
    OpSpec("F.one_hot", _one_hot_samples, binds=("check_index", "one_hot"),
           call=lambda ops, x, **kw: F.one_hot(x, **kw),
           torch=lambda t, x, **kw: t.nn.functional.one_hot(x, **kw)),
]
