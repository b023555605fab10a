"""Specs of the PyTorch-shaped convolutions and pools (``torchlean.nn.functional``), against
the same ``torch.nn.functional`` function called with the same arguments (appended to
``specs/conv.py``'s list).

Samples cover 1-D/2-D/3-D, batched and unbatched inputs, stride > 1, padding (ints, tuples,
``'same'`` with even and odd kernels, ``'valid'``), dilation, groups (depthwise included),
``output_padding``, ``ceil_mode`` with a last window past the input, ``count_include_pad``,
``divisor_override``, odd sizes, and adaptive pools whose windows overlap and differ in size.
Values are continuous random numbers, so max-pool windows have no ties (tie semantics are
unit-tested).
"""

from __future__ import annotations

import warnings
from typing import Any

from ..opspec import OpSpec, Sample, normal

_TOL: dict[str, Any] = {"f32_atol": 1e-4, "rtol": 1e-8, "atol": 1e-9}


def _functional():
    from ...nn import functional

    return functional


def _call(name: str, pick: int | None = None):
    """``F.<name>(*refs, **kw)`` (element ``pick`` of a tuple result)."""
    def call(ops: Any, *refs: Any, **kw: Any) -> Any:
        out = getattr(_functional(), name)(*refs, **kw)
        return out if pick is None else out[pick]

    return call


def _ref(name: str, pick: int | None = None):
    def ref(t: Any, *tensors: Any, **kw: Any) -> Any:
        with warnings.catch_warnings():  # 'same' padding with an even kernel: a copy, says torch
            warnings.simplefilter("ignore", UserWarning)
            out = getattr(t.nn.functional, name)(*tensors, **kw)
        return out if pick is None else out[pick]

    return ref


def _spec(name: str, samples, pick: int | None = None, label: str = "", **kw: Any) -> OpSpec:
    return OpSpec(f"F.{name}{label}", samples, call=_call(name, pick), torch=_ref(name, pick), **kw)


def _b(n: int | None) -> tuple[int, ...]:
    return () if n is None else (n,)


# ----- convolutions ------------------------------------------------------------------------------
# (batch, C_in, C_out, spatial, kernel, bias, kwargs)
CONV = {
    1: [(2, 4, 6, (11,), (3,), True, {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}),
        (None, 3, 3, (9,), (4,), False, {"padding": "same", "groups": 3}),
        (2, 2, 3, (8,), (3,), True, {"padding": "valid"})],
    2: [(2, 4, 6, (9, 8), (3, 2), True, {"stride": (2, 1), "padding": 1, "dilation": (2, 3), "groups": 2}),
        (None, 3, 4, (7, 6), (4, 3), True, {"padding": "same", "dilation": (1, 2)}),
        (2, 2, 4, (6, 7), (3, 3), False, {"padding": (0, 2), "stride": 3}),
        (1, 1, 2, (8, 8), (2, 2), True, {"padding": "same"}),
        (2, 2, 2, (7, 6), (2, 2), True, {"stride": (2,), "padding": [1], "dilation": (2,)})],
    3: [(1, 4, 2, (5, 6, 5), (2, 3, 2), True, {"stride": (1, 2, 1), "padding": (1, 0, 1),
                                                "dilation": (2, 1, 1), "groups": 2}),
        (None, 2, 2, (4, 5, 4), (3, 2, 2), False, {"padding": "same"})],
}

# (batch, C_in, C_out per group, spatial, kernel, bias, kwargs)
CONVT = {
    1: [(2, 4, 3, (6,), (3,), True, {"stride": 3, "padding": 1, "output_padding": 2, "groups": 2}),
        (None, 2, 2, (5,), (3,), False, {"dilation": 2, "output_padding": 1})],
    2: [(2, 4, 3, (4, 5), (3, 2), True, {"stride": 2, "padding": 1, "output_padding": (1, 0),
                                          "groups": 2, "dilation": (1, 2)}),
        (None, 3, 2, (3, 4), (2, 3), True, {"stride": (1, 2), "padding": (0, 1)}),
        (2, 2, 2, (4, 4), (4, 5), True, {"stride": (3, 2), "padding": (1, 2), "output_padding": (2, 3),
                                          "groups": 2, "dilation": (4, 4)}),   # output_padding >= stride
        (1, 2, 3, (3, 4), (2, 2), False, {"stride": (2,), "output_padding": [1]})],  # 1-element tuples
    3: [(1, 3, 1, (3, 3, 4), (2, 2, 2), True, {"stride": (2, 1, 1), "output_padding": (1, 0, 0),
                                                "groups": 3, "dilation": (1, 2, 1)})],
}


def _conv_samples(cases, transpose: bool):
    def gen(rng):
        out = []
        for n, c, o, sp, k, bias, kw in cases:
            g = kw.get("groups", 1)
            w = normal(rng, c, o, *k) if transpose else normal(rng, o, c // g, *k)
            args = (normal(rng, *_b(n), c, *sp), w) + ((normal(rng, o * g if transpose else o),) if bias else ())
            out.append(Sample(args, dict(kw), f"x{args[0].shape}w{w.shape}"))
        return out

    return gen


# ----- pools -------------------------------------------------------------------------------------
# (batch, C, spatial, kwargs) per spatial rank
MAX_POOL = {
    1: [(2, 3, (11,), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}),
        (None, 2, (9,), {"kernel_size": 4, "padding": 2})],
    2: [(2, 3, (9, 8), {"kernel_size": (3, 2), "stride": (2, 1), "padding": 1, "dilation": (2, 3),
                        "ceil_mode": True}),
        (None, 2, (7, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
        (2, 2, (6, 5), {"kernel_size": 2}),
        (1, 2, (5, 8), {"kernel_size": (2, 3), "stride": [], "padding": (1, 0)})],
    3: [(1, 2, (5, 6, 5), {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}),
        (None, 2, (4, 5, 6), {"kernel_size": (2, 3, 2), "dilation": (1, 1, 2)})],
}

AVG_POOL = {
    1: [(2, 3, (11,), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True,
                       "count_include_pad": False}),
        (None, 2, (9,), {"kernel_size": 3, "padding": 1})],
    2: [(2, 3, (9, 8), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
        (None, 2, (7, 6), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1),
                           "count_include_pad": False}),
        (2, 2, (6, 7), {"kernel_size": 2, "ceil_mode": True, "count_include_pad": False}),
        (1, 2, (5, 5), {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 4}),
        (2, 3, (9, 9), {"kernel_size": (3,), "stride": (2,), "padding": (1,)}),
        (2, 1, (6, 6), {"kernel_size": 2})],
    3: [(1, 2, (5, 6, 5), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                           "count_include_pad": False}),
        (None, 2, (4, 4, 6), {"kernel_size": (2, 2, 3), "divisor_override": 5})],
}

# (batch, C, spatial, output_size)
ADAPTIVE = {
    1: [(2, 3, (11,), 4), (None, 2, (6,), 3), (2, 2, (5,), 7)],
    2: [(2, 3, (9, 8), (4, 3)), (None, 2, (7, 6), (3, None)), (2, 2, (6, 6), 1), (1, 2, (5, 7), (5, 4))],
    3: [(1, 2, (5, 6, 5), (2, 4, 3)), (None, 2, (4, 4, 4), 2)],
}


def _pool_samples(cases, **extra: Any):
    def gen(rng):
        return [Sample((normal(rng, *_b(n), c, *sp),), {**kw, **extra}, f"x{(*_b(n), c, *sp)}")
                for n, c, sp, kw in cases]

    return gen


def _adaptive_samples(cases, **extra: Any):
    def gen(rng):
        return [Sample((normal(rng, *_b(n), c, *sp),), {"output_size": o, **extra}, f"x{(*_b(n), c, *sp)}o{o}")
                for n, c, sp, o in cases]

    return gen


def _specs() -> list[OpSpec]:
    out = []
    for d in (1, 2, 3):
        out.append(_spec(f"conv{d}d", _conv_samples(CONV[d], False), **_TOL))
        out.append(_spec(f"conv_transpose{d}d", _conv_samples(CONVT[d], True), **_TOL))
        out.append(_spec(f"max_pool{d}d", _pool_samples(MAX_POOL[d]), binds=("max_pool",)))
        out.append(_spec(f"max_pool{d}d", _pool_samples(MAX_POOL[d], return_indices=True), pick=1, label="_indices",
                         nondiff=(0,), fd=False))
        out.append(_spec(f"avg_pool{d}d", _pool_samples(AVG_POOL[d]), binds=("pool_unfold",)))
        out.append(_spec(f"adaptive_avg_pool{d}d", _adaptive_samples(ADAPTIVE[d])))
        out.append(_spec(f"adaptive_max_pool{d}d", _adaptive_samples(ADAPTIVE[d]), binds=("max_pool",)))
        out.append(_spec(f"adaptive_max_pool{d}d", _adaptive_samples(ADAPTIVE[d], return_indices=True),
                         pick=1, label="_indices", nondiff=(0,), fd=False))
    return out


SPECS: list[OpSpec] = _specs()
