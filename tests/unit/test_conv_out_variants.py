"""The NumPy backend's out-variants of the convolutions (what a compiled plan calls to write a
convolution's result into its preallocated buffer) give the kernels' bits: the same GEMM into
the buffer when it is laid out as the kernel lays out its result (channels-last underneath),
else the kernel's result copied in. Over the kernel's paths: one input channel (the transposed
im2col), several, groups, bias, stride, dilation, 1-3 spatial axes, unbatched, and
conv_transpose's stride-1 convolution and its col2im path."""

from __future__ import annotations

import numpy as np
import pytest

from torchlean._core.registry import REGISTRY
from torchlean.backends import get_backend
from torchlean.options import Device

RNG = np.random.default_rng(11)
BE = get_backend(Device.CPU)


def _arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


CONV = [  # (x shape, w shape, bias, params)
    ((4, 1, 8, 8), (6, 1, 3, 3), True, {"stride": (1, 1), "padding": (1, 1)}),
    ((4, 3, 7, 6), (5, 3, 3, 2), False, {"stride": (2, 1), "padding": (1, 0)}),
    ((7, 6, 9), (4, 7, 3, 3), True, {"stride": (1, 1), "padding": (0, 1)}),  # unbatched
    ((2, 4, 9), (6, 4, 3), True, {"stride": (2,), "padding": (1,), "dilation": (2,)}),
    ((2, 4, 5, 4, 5), (3, 4, 2, 2, 2), True, {"stride": (1, 1, 1), "padding": (1, 0, 1)}),
    ((2, 6, 6, 6), (4, 3, 3, 3), True, {"stride": (1, 1), "padding": (1, 1), "groups": 2}),
]


def _layouts(y):
    """A buffer laid out like y, and a C-contiguous one, both filled with junk."""
    like = np.empty_like(y)  # keeps y's strides
    like[...] = 7
    return [like, np.full(y.shape, 7, y.dtype)]


@pytest.mark.parametrize(("xs", "ws", "bias", "params"), CONV)
def test_conv_out_variant_equals_kernel(xs, ws, bias, params):
    name = "conv_bias" if bias else "conv"
    prim = REGISTRY[name]
    args = (_arr(*xs), _arr(*ws)) + ((_arr(ws[0]),) if bias else ())
    want = BE.resolve(prim)(*args, **params)
    out_kernel = BE.resolve_out(prim)
    assert out_kernel is not None
    for buf in _layouts(want):
        out_kernel(buf, *args, **params)
        assert np.array_equal(buf.view(np.int32), np.ascontiguousarray(want).view(np.int32))


@pytest.mark.parametrize(("xs", "ws", "params"), [
    ((4, 32, 4, 4), (32, 16, 3, 3), {"stride": (1, 1), "padding": (1, 1), "output_padding": (0, 0)}),
    ((2, 4, 5, 5), (4, 3, 3, 3), {"stride": (2, 2), "padding": (1, 1), "output_padding": (1, 0)}),
    ((2, 8, 5), (8, 1, 3), {"stride": (1,), "padding": (0,), "output_padding": (0,)}),  # C_in >= 8 C_out
])
def test_conv_transpose_out_variant_equals_kernel(xs, ws, params):
    prim = REGISTRY["conv_transpose"]
    args = (_arr(*xs), _arr(*ws))
    want = BE.resolve(prim)(*args, **params)
    for buf in _layouts(want):
        BE.resolve_out(prim)(buf, *args, **params)
        assert np.array_equal(buf.view(np.int32), np.ascontiguousarray(want).view(np.int32))
