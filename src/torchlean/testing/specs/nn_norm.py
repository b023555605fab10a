"""Specs of ``torchlean.nn.functional``'s normalisation, distances and attention, against
``torch.nn.functional`` (float64, CPU). Running statistics are non-differentiable inputs
(PyTorch refuses a gradient for them); their in-place update is tested in
tests/unit/test_nn_norm.py.
"""

from __future__ import annotations

import numpy as np

from ...nn import functional as F  # noqa: N812
from ...pt.dispatch import torch_op
from ..opspec import OpSpec, Sample, normal, positive

TF = lambda name: (lambda t, *a, **kw: getattr(t.nn.functional, name)(*a, **kw))


def _x(rng, *s):
    return normal(rng, *s) * 2 + 0.5


def _layer_norm_samples(rng):
    out = []
    for s, ns, kw in [((5,), (5,), {}), ((3, 4), (4,), {}), ((2, 3, 4), (3, 4), {}), ((2, 2, 3, 2), (2, 3, 2), {}),
                      ((3, 5), (5,), {"eps": 1e-2})]:
        out.append(Sample((_x(rng, *s), normal(rng, *ns), normal(rng, *ns)), {"normalized_shape": ns, **kw},
                          f"{s} ns={ns}{kw}"))
    return out


def _group_norm_samples(rng):
    out = []
    for s, g, kw in [((2, 4, 3), 2, {}), ((3, 6), 3, {}), ((2, 6, 2, 3), 3, {}), ((1, 4, 5), 4, {"eps": 1e-3}),
                     ((2, 3, 4), 1, {})]:
        c = s[1]
        out.append(Sample((_x(rng, *s), normal(rng, c), normal(rng, c)), {"num_groups": g, **kw}, f"{s} G={g}{kw}"))
    return out


def _bn_train_samples(rng):
    out = []
    for s, kw in [((4, 3), {}), ((3, 2, 5), {}), ((2, 3, 2, 3), {}), ((2, 2, 2, 2, 2), {"eps": 1e-3})]:
        c = s[1]
        out.append(Sample((_x(rng, *s), normal(rng, c), normal(rng, c)), dict(kw), f"{s}{kw}"))
    return out


def _bn_eval_samples(rng):
    out = []
    for s in [(4, 3), (3, 2, 5), (2, 3, 2, 3)]:
        c = s[1]
        out.append(Sample((_x(rng, *s), normal(rng, c), positive(rng, c), normal(rng, c), normal(rng, c)), {},
                          f"{s}"))
    return out


def _instance_samples(rng):
    out = []
    for s, kw in [((2, 3, 4), {}), ((1, 2, 3, 3), {}), ((3, 2, 2, 2, 2), {"eps": 1e-2})]:
        c = s[1]
        out.append(Sample((_x(rng, *s), normal(rng, c), normal(rng, c)), dict(kw), f"{s}{kw}"))
    return out


def _rms_samples(rng):
    out = []
    for s, ns, kw in [((5,), (5,), {}), ((3, 4), (4,), {"eps": 1e-3}), ((2, 3, 4), (3, 4), {})]:
        out.append(Sample((_x(rng, *s), normal(rng, *ns)), {"normalized_shape": ns, **kw}, f"{s} ns={ns}{kw}"))
    return out


def _pair_samples(shapes, kwargs):
    def gen(rng):
        return [Sample((normal(rng, *a), normal(rng, *b)), dict(kw), f"{a},{b}{kw}")
                for (a, b), kw in zip(shapes, kwargs)]
    return gen


SPECS: list[OpSpec] = [
    OpSpec("F.layer_norm", _layer_norm_samples, binds=("normalize_last",),
           call=lambda ops, x, w, b, **kw: F.layer_norm(x, weight=w, bias=b, **kw),
           torch=lambda t, x, w, b, **kw: t.nn.functional.layer_norm(x, weight=w, bias=b, **kw)),
    OpSpec("F.layer_norm_noaffine", lambda rng: [Sample((_x(rng, 3, 4),), {"normalized_shape": [4]}, "(3,4)"),
                                                 Sample((_x(rng, 2, 3, 4),), {"normalized_shape": (2, 3, 4)}, "all")],
           call=lambda ops, x, **kw: F.layer_norm(x, **kw), torch=TF("layer_norm")),
    OpSpec("F.rms_norm", _rms_samples,
           call=lambda ops, x, w, **kw: F.rms_norm(x, weight=w, **kw),
           torch=lambda t, x, w, **kw: t.nn.functional.rms_norm(x, weight=w, **kw)),
    OpSpec("F.group_norm", _group_norm_samples, binds=("normalize_last",),
           call=lambda ops, x, w, b, **kw: F.group_norm(x, weight=w, bias=b, **kw),
           torch=lambda t, x, w, b, num_groups, **kw: t.nn.functional.group_norm(x, num_groups, w, b, **kw)),
    OpSpec("F.batch_norm_train", _bn_train_samples, binds=("normalize_last",),
           call=lambda ops, x, w, b, **kw: F.batch_norm(x, None, None, w, b, training=True, **kw),
           torch=lambda t, x, w, b, **kw: t.nn.functional.batch_norm(x, None, None, w, b, training=True, **kw)),
    OpSpec("F.batch_norm_eval", _bn_eval_samples, nondiff=(1, 2),
           call=lambda ops, x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b),
           torch=lambda t, x, rm, rv, w, b: t.nn.functional.batch_norm(x, rm, rv, w, b)),
    OpSpec("F.instance_norm", _instance_samples, binds=("normalize_last",),
           call=lambda ops, x, w, b, **kw: F.instance_norm(x, weight=w, bias=b, **kw),
           torch=lambda t, x, w, b, **kw: t.nn.functional.instance_norm(x, weight=w, bias=b, **kw)),
    OpSpec("F.instance_norm_running", lambda rng: [
        Sample((_x(rng, 2, 3, 4), normal(rng, 3), positive(rng, 3), normal(rng, 3), normal(rng, 3)), {}, "(2,3,4)")],
           nondiff=(1, 2),
           call=lambda ops, x, rm, rv, w, b: F.instance_norm(x, rm, rv, w, b, use_input_stats=False),
           torch=lambda t, x, rm, rv, w, b: t.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats=False)),
    OpSpec("F.normalize", lambda rng: [Sample((normal(rng, *s),), dict(kw), f"{s}{kw}") for s, kw in [
        ((3, 4), {}), ((5,), {"dim": 0}), ((2, 3, 4), {"dim": -1}), ((3, 4), {"p": 1.0, "dim": 0}),
        ((2, 3, 4), {"p": 3.0, "dim": (1, 2)}), ((3, 4), {"dim": 1, "eps": 10.0})]],
           call=lambda ops, x, **kw: F.normalize(x, **kw), torch=TF("normalize")),
    OpSpec("F.cosine_similarity", _pair_samples(
        [((3, 4), (3, 4)), ((4, 5), (5,)), ((2, 3, 4), (2, 3, 4)), ((5,), (5,))],
        [{}, {"dim": 1}, {"dim": 2}, {"dim": 0}]),
           call=lambda ops, a, b, **kw: F.cosine_similarity(a, b, **kw), torch=TF("cosine_similarity")),
    # clamped norms pass the gradient of the unclamped norm (PyTorch's in-place no_grad clamp):
    # not the derivative, so no FD
    OpSpec("F.cosine_similarity_clamped", _pair_samples([((3, 4), (3, 4)), ((2, 3), (3,))],
                                                        [{"dim": 0, "eps": 10.0}, {"eps": 5.0}]), fd=False,
           call=lambda ops, a, b, **kw: F.cosine_similarity(a, b, **kw), torch=TF("cosine_similarity")),
    OpSpec("F.pairwise_distance", _pair_samples(
        [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (2, 3, 4)), ((5,), (5,)), ((3, 4), (3, 4))],
        [{}, {"keepdim": True}, {"p": 1.0}, {"p": 3.0}, {"eps": 0.1}]),
           call=lambda ops, a, b, **kw: F.pairwise_distance(a, b, **kw), torch=TF("pairwise_distance")),
]


# ----- scaled_dot_product_attention ----------------------------------------------------------------
def _random_keep(rng, shape, p=0.6):
    """A random bool mask with at least one kept key per query."""
    m = rng.random(shape) < p
    idx = rng.integers(0, shape[-1], shape[:-1])
    np.put_along_axis(m, idx[..., None], True, axis=-1)
    return m


def _qkv(rng, lead, lq, s, e, ev=None):
    return normal(rng, *lead, lq, e), normal(rng, *lead, s, e), normal(rng, *lead, s, e if ev is None else ev)


def _sdpa_samples(rng):
    return [
        Sample(_qkv(rng, (), 4, 4, 3), {}, "(L4,S4,E3)"),
        Sample(_qkv(rng, (2,), 3, 5, 4, 2), {}, "B2 L3 S5 E4 Ev2"),
        Sample(_qkv(rng, (2, 2), 4, 4, 3), {"is_causal": True}, "B2 H2 causal"),
        Sample(_qkv(rng, (2,), 3, 5, 4), {"is_causal": True}, "causal L3 S5"),
        Sample(_qkv(rng, (1, 2), 3, 3, 2), {"scale": 0.3}, "scale=0.3"),
    ]


def _sdpa_bool_samples(rng):
    blocked = _random_keep(rng, (2, 4, 5))
    blocked[1, 2] = False
    return [
        Sample((*_qkv(rng, (2,), 4, 5, 3), _random_keep(rng, (4, 5))), {}, "shared mask"),
        Sample((*_qkv(rng, (2,), 4, 5, 3), blocked), {}, "per-batch mask, fully blocked row"),
        Sample((*_qkv(rng, (2, 2), 3, 3, 2), _random_keep(rng, (2, 1, 3, 3))), {}, "head-broadcast mask"),
    ]


def _sdpa_float_samples(rng):
    return [
        Sample((*_qkv(rng, (2,), 4, 5, 3), normal(rng, 4, 5)), {}, "float mask"),
        Sample((*_qkv(rng, (2, 2), 3, 3, 2), normal(rng, 2, 1, 3, 3)), {}, "float mask, broadcast heads"),
    ]


def _sdpa_inf_samples(rng):
    keep = _random_keep(rng, (2, 4, 5))
    keep[0, 1] = False
    return [Sample((*_qkv(rng, (2,), 4, 5, 3), keep), {}, "-inf mask, fully blocked row")]


@torch_op(name="scaled_dot_product_attention")
def _sdpa_inf(q, k, v, keep):
    return F.scaled_dot_product_attention(q, k, v, q.session.where(keep, 0.0, -np.inf))


_SDPA = lambda ops, q, k, v, *mask, **kw: F.scaled_dot_product_attention(q, k, v, *mask, **kw)
_T_SDPA = lambda t, q, k, v, *mask, **kw: t.nn.functional.scaled_dot_product_attention(q, k, v, *mask, **kw)

SPECS += [
    OpSpec("F.scaled_dot_product_attention", _sdpa_samples, call=_SDPA, torch=_T_SDPA, binds=("matmul",)),
    OpSpec("F.scaled_dot_product_attention_bool_mask", _sdpa_bool_samples, call=_SDPA, torch=_T_SDPA,
           binds=("masked_softmax",)),
    OpSpec("F.scaled_dot_product_attention_float_mask", _sdpa_float_samples, call=_SDPA, torch=_T_SDPA,
           binds=("masked_softmax",)),
    # a float mask of 0 and -inf, made from a bool sample inside the call (one public op)
    OpSpec("F.scaled_dot_product_attention_inf_mask", _sdpa_inf_samples, binds=("masked_softmax",),
           call=lambda ops, q, k, v, keep: _sdpa_inf(q, k, v, keep),
           torch=lambda t, q, k, v, keep: t.nn.functional.scaled_dot_product_attention(
               q, k, v, t.where(keep, 0.0, -np.inf).to(q.dtype))),
]
