"""Specs of the nn ops: normalisation, attention, gelu (the seed's), and of
``torchlean.nn.functional``'s activations, normalisation and attention (``nn_activation.py``,
``nn_norm.py``, appended below).

References are PyTorch float64: ``F.layer_norm``/``F.instance_norm`` with the seed's eps 1e-6,
``F.gelu(approximate="tanh")``, and attention written out with torch ops (standard head split),
where a fully blocked mask row is defined as all-zero weights like torchlean (PyTorch's own
softmax over an all ``-inf`` row gives NaN).
"""

from __future__ import annotations

import math

import numpy as np

from ..opspec import OpSpec, Sample, normal
from .nn_activation import SPECS as _ACTIVATION_SPECS
from .nn_norm import SPECS as _NORM_SPECS

N = lambda rng, s: normal(rng, *s)


# ----- torch references -------------------------------------------------------------------------
def _t_masked_softmax(t, x, mask):
    """softmax(x) over the kept entries of the last axis; blocked = 0; fully blocked row = 0."""
    z = x.masked_fill(~mask, float("-inf"))
    m = z.amax(-1, keepdim=True).detach()
    m = t.where(t.isfinite(m), m, t.zeros_like(m))
    e = t.exp(z - m)
    s = e.sum(-1, keepdim=True)
    return e / (s + (s == 0).to(s.dtype))


def _t_instance_norm(t, x, gamma, beta, eps=1e-6, spatial_dims=2):
    batched = x.dim() == spatial_dims + 2
    xb = x if batched else x.unsqueeze(0)
    y = t.nn.functional.instance_norm(xb, weight=gamma, bias=beta, eps=eps)
    return y if batched else y[0]


def _t_mha(t, wq, wk, wv, wo, x, mask=None, *, num_heads):
    *lead, n, _ = x.shape
    width = wq.shape[1]
    hd = width // num_heads

    def split(z):  # (*lead, n, H*hd) -> (*lead, H, n, hd): the standard split
        return z.reshape(*lead, n, num_heads, hd).transpose(-3, -2)

    q, k, v = split(x @ wq), split(x @ wk), split(x @ wv)
    s = q @ k.transpose(-1, -2) / math.sqrt(hd)
    a = t.softmax(s, -1) if mask is None else _t_masked_softmax(t, s, mask.unsqueeze(-3))
    o = (a @ v).transpose(-3, -2).reshape(*lead, n, width)
    return o @ wo


# ----- samples ----------------------------------------------------------------------------------
def _random_mask(rng, shape, p=0.6):
    """A random bool mask with at least one kept entry per row."""
    m = rng.random(shape) < p
    idx = rng.integers(0, shape[-1], shape[:-1])
    np.put_along_axis(m, idx[..., None], True, axis=-1)
    return m


def _causal(n):
    return np.tril(np.ones((n, n), dtype=bool))


def _masked_softmax_samples(rng):
    blocked = _random_mask(rng, (3, 6))
    blocked[1] = False
    return [
        Sample((normal(rng, 5) * 3, _random_mask(rng, (5,))), {}, "(5,)"),
        Sample((normal(rng, 3, 6) * 3, blocked), {}, "(3,6) fully blocked row"),
        Sample((normal(rng, 2, 3, 4) * 3, _random_mask(rng, (2, 3, 4))), {}, "(2,3,4)"),
        Sample((normal(rng, 2, 4, 4) * 3, _causal(4)), {}, "(2,4,4) causal broadcast"),
        Sample((normal(rng, 3, 4) * 3, np.ones((3, 4), dtype=bool)), {}, "all kept"),
    ]


def _norm_samples(rng):
    return [Sample((normal(rng, *s) * 2 + 0.5,), dict(kw), f"{s}{kw}") for s, kw in [
        ((5,), {}), ((3, 4), {}), ((2, 3, 4), {}), ((2, 1, 3, 5), {}), ((4, 1), {}),
        ((3, 4), {"eps": 1e-3})]]


def _layer_norm_samples(rng):
    out = []
    for s, kw in [((4,), {}), ((3, 5), {}), ((2, 3, 5), {}), ((2, 2, 3, 4), {}), ((3, 5), {"eps": 1e-2})]:
        e = s[-1]
        out.append(Sample((normal(rng, *s) * 2 + 0.5, normal(rng, e), normal(rng, e)), dict(kw), f"{s}{kw}"))
    return out


def _batchnorm_samples(rng):
    out = []
    for s, kw in [((3, 4, 5), {}), ((2, 3, 4, 5), {}), ((2, 6), {"spatial_dims": 1}),
                  ((2, 3, 6), {"spatial_dims": 1}), ((2, 2, 3, 2, 2), {"spatial_dims": 3}),
                  ((3, 2, 3), {"eps": 1e-2})]:
        c = s[1] if len(s) == kw.get("spatial_dims", 2) + 2 else s[0]
        out.append(Sample((normal(rng, *s) * 2 + 0.5, normal(rng, c), normal(rng, c)), dict(kw), f"{s}{kw}"))
    return out


def _mha_args(rng, lead, n, d, heads, hd, d_out=None):
    w = heads * hd
    scale = 1.0 / math.sqrt(d)
    return (normal(rng, d, w) * scale, normal(rng, d, w) * scale, normal(rng, d, w) * scale,
            normal(rng, w, d if d_out is None else d_out) * scale, normal(rng, *lead, n, d))


def _mha_samples(rng):
    return [
        Sample(_mha_args(rng, (), 5, 6, 2, 3), {"num_heads": 2}, "n5 D6 H2"),
        Sample(_mha_args(rng, (), 4, 3, 1, 5), {"num_heads": 1}, "n4 D3 H1 hd5"),
        Sample(_mha_args(rng, (2,), 3, 8, 4, 2), {"num_heads": 4}, "B2 n3 D8 H4"),
        Sample(_mha_args(rng, (2,), 4, 5, 2, 3, d_out=3), {"num_heads": 2}, "B2 n4 D5 H2 Dout3"),
        Sample(_mha_args(rng, (1,), 1, 4, 2, 2), {"num_heads": 2}, "B1 n1"),
    ]


def _mha_masked_samples(rng):
    fully = _random_mask(rng, (2, 5, 5))
    fully[1, 2] = False
    return [
        Sample((*_mha_args(rng, (), 4, 6, 2, 3), _causal(4)), {"num_heads": 2}, "n4 H2 causal"),
        Sample((*_mha_args(rng, (), 5, 3, 1, 4), _random_mask(rng, (5, 5))), {"num_heads": 1},
               "n5 H1 partial"),
        Sample((*_mha_args(rng, (2,), 4, 8, 4, 2), _causal(4)), {"num_heads": 4}, "B2 H4 shared mask"),
        Sample((*_mha_args(rng, (2,), 5, 4, 2, 2), fully), {"num_heads": 2},
               "B2 H2 per-sample mask, fully blocked row"),
    ]


SPECS: list[OpSpec] = [
    # ----- primitives ---------------------------------------------------------------------------
    OpSpec("normalize_last", _norm_samples,
           torch=lambda t, x, eps=1e-6: t.nn.functional.layer_norm(x, x.shape[-1:], eps=eps)),
    OpSpec("masked_softmax", _masked_softmax_samples, torch=_t_masked_softmax),
    # ----- composites ---------------------------------------------------------------------------
    OpSpec("layer_norm", _layer_norm_samples, binds=("normalize_last",),
           torch=lambda t, x, g, b, eps=1e-6: t.nn.functional.layer_norm(x, x.shape[-1:], g, b, eps=eps)),
    OpSpec("batchnorm_channel_first", _batchnorm_samples, binds=("normalize_last",),
           torch=_t_instance_norm),
    OpSpec("gelu", lambda rng: [Sample((normal(rng, *s) * 2,), {}, f"{s}")
                                for s in [(), (7,), (3, 4), (2, 3, 4)]],
           torch=lambda t, x: t.nn.functional.gelu(x, approximate="tanh"), binds=("tanh",)),
    OpSpec("multi_head_attention", _mha_samples, binds=("matmul", "softmax", "transpose"),
           torch=_t_mha),
    OpSpec("multi_head_attention_masked", _mha_masked_samples,
           call=lambda ops, *args, **kw: ops.multi_head_attention(*args, **kw),
           binds=("matmul", "masked_softmax", "transpose"), torch=_t_mha),
]
SPECS += [*_ACTIVATION_SPECS, *_NORM_SPECS]
