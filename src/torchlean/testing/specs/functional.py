"""Specs of the padding and resampling functions of ``torchlean.nn.functional`` (``pad``,
``interpolate``, ``unfold``, ``fold``, ``pixel_shuffle``, ``pixel_unshuffle``) against the same
``torch.nn.functional`` call.

Samples cover every padding mode on 1, 2 and 3 padded axes (batched and unbatched, negative
amounts, a nonzero fill value), every interpolation mode with ``size`` and ``scale_factor``
(up and down, ``align_corners`` both ways, ``recompute_scale_factor``), blocks with stride,
padding and dilation, and shuffles with leading batch axes.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..opspec import OpSpec, Sample, normal


def _functional():
    from ...nn import functional

    return functional


def _spec(name: str, samples, label: str = "", **kw: Any) -> OpSpec:
    return OpSpec(f"F.{name}{label}", samples,
                  call=lambda ops, *refs, **k: getattr(_functional(), name)(*refs, **k),
                  torch=lambda t, *ts, **k: _torch_call(t, name, ts, k), **kw)


def _torch_call(t: Any, name: str, tensors: Any, kw: dict) -> Any:
    with warnings.catch_warnings():  # upsample*: deprecated names, says torch
        warnings.simplefilter("ignore", UserWarning)
        return getattr(t.nn.functional, name)(*tensors, **kw)


def _samples(cases):
    """(shape, kwargs) pairs as samples of one random input."""
    def gen(rng):
        return [Sample((normal(rng, *shape),), dict(kw), f"x{shape}") for shape, kw in cases]

    return gen


PAD = [
    ((2, 3, 5, 6), {"pad": (1, 2, 2, 1)}),
    ((2, 3, 5, 6), {"pad": (1, -2, -1, 3)}),
    ((2, 3, 5), {"pad": (1, 0, 0, 0, 2, 1), "value": 2.5}),
    ((2, 3, 7), {"pad": (2, 3), "mode": "reflect"}),
    ((3, 5, 6), {"pad": (4, 1, 2, 4), "mode": "reflect"}),
    ((1, 2, 3, 4, 5), {"pad": (1, 0, 2, 1, 0, 2), "mode": "reflect"}),
    ((2, 3, 5, 6), {"pad": (1, 2, 3, 0), "mode": "replicate"}),
    ((3, 4), {"pad": (5, 2), "mode": "replicate"}),
    ((1, 2, 3, 4, 5), {"pad": (2, 1, 0, 1, 1, 2), "mode": "replicate"}),
    ((2, 3, 5, 6), {"pad": (1, 2, 5, 3), "mode": "circular"}),
    ((2, 3, 6), {"pad": (-1, 4), "mode": "circular"}),
    ((2, 2, 3, 4, 2), {"pad": (1, 1, 2, 0, 0, 3), "mode": "circular"}),
    ((2, 6), {"pad": (-4, 3), "mode": "reflect"}),          # crop one side, reflect the other
    ((3, 4), {"pad": (-3, 4), "mode": "replicate"}),
]

INTERP = [
    ((2, 3, 7), {"size": 11}),
    ((2, 3, 7), {"scale_factor": 0.6}),
    ((2, 2, 5, 6), {"scale_factor": 2}),
    ((2, 2, 5, 6), {"size": (8, 4)}),
    ((1, 2, 3, 4, 5), {"scale_factor": (1.7, 1.0, 0.5)}),
    ((2, 2, 5, 6), {"size": (9, 11), "mode": "nearest-exact"}),
    ((2, 3, 7), {"size": 11, "mode": "linear"}),
    ((2, 3, 7), {"scale_factor": 1.7, "mode": "linear", "align_corners": True}),
    ((2, 3, 7), {"scale_factor": 0.6, "mode": "linear", "recompute_scale_factor": True}),
    ((2, 2, 5, 6), {"size": (8, 4), "mode": "bilinear"}),
    ((2, 2, 5, 6), {"scale_factor": 1.7, "mode": "bilinear", "align_corners": True}),
    ((2, 2, 5, 6), {"scale_factor": (2.5, 0.7), "mode": "bilinear"}),
    ((1, 2, 3, 4, 5), {"size": (5, 4, 3), "mode": "trilinear"}),
    ((1, 2, 3, 4, 5), {"scale_factor": 1.5, "mode": "trilinear", "align_corners": True}),
    ((2, 2, 5, 6), {"size": (9, 4), "mode": "bicubic"}),
    ((2, 2, 5, 6), {"scale_factor": 1.7, "mode": "bicubic", "align_corners": True}),
    ((2, 2, 7, 6), {"size": (3, 4), "mode": "area"}),
    ((2, 3, 9), {"scale_factor": 0.5, "mode": "area"}),
]

UNFOLD = [
    ((2, 3, 5, 6), {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
    ((3, 4, 5), {"kernel_size": 2}),
    ((1, 2, 6, 6), {"kernel_size": 3, "stride": 3}),
]

# (input shape, kwargs): blocks of output_size for the kernel/stride/padding/dilation given
FOLD = [
    ((2, 18, 9), {"output_size": (5, 6), "kernel_size": (2, 3), "padding": 1, "stride": 2}),
    ((8, 8), {"output_size": (4, 5), "kernel_size": 2, "dilation": (2, 1)}),
    ((1, 9, 4), {"output_size": 6, "kernel_size": 3, "stride": 3}),
]

SHUFFLE = [((2, 8, 3, 4), {"upscale_factor": 2}), ((2, 3, 9, 3, 2), {"upscale_factor": 3}),
           ((4, 2, 3), {"upscale_factor": 2})]
UNSHUFFLE = [((2, 2, 6, 4), {"downscale_factor": 2}), ((3, 6, 9), {"downscale_factor": 3})]

SPECS: list[OpSpec] = [
    _spec("pad", _samples(PAD)),
    _spec("interpolate", _samples(INTERP), f32_atol=1e-4),
    _spec("upsample", _samples([((2, 2, 5, 6), {"scale_factor": 1.5, "mode": "bilinear"}),
                                ((2, 3, 7), {"size": 4})])),
    _spec("upsample_nearest", _samples([((2, 2, 5, 6), {"scale_factor": 2}), ((2, 3, 7), {"size": 10})])),
    _spec("upsample_bilinear", _samples([((2, 2, 5, 6), {"size": (7, 4)}),
                                         ((1, 2, 3, 4), {"scale_factor": 1.5})])),
    _spec("unfold", _samples(UNFOLD), binds=("pool_unfold",)),
    _spec("fold", _samples(FOLD), binds=("pool_fold",)),
    _spec("pixel_shuffle", _samples(SHUFFLE)),
    _spec("pixel_unshuffle", _samples(UNSHUFFLE)),
]
