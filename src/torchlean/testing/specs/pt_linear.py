"""Specs of torchlean.nn.functional.linear and bilinear (PyTorch's argument order)."""

from __future__ import annotations

from ...pt.linear import bilinear, linear
from ..opspec import OpSpec, Sample, normal

SPECS: list[OpSpec] = [
    OpSpec("F.linear", lambda rng: [
        Sample((normal(rng, 4, 3), normal(rng, 2, 3), normal(rng, 2)), {}, "batch-bias"),
        Sample((normal(rng, 3), normal(rng, 2, 3), normal(rng, 2)), {}, "vector"),
        Sample((normal(rng, 2, 5, 3), normal(rng, 4, 3), normal(rng, 4)), {}, "3d"),
        Sample((normal(rng, 4, 3), normal(rng, 2, 3)), {}, "no-bias"),
        Sample((normal(rng, 4, 3), normal(rng, 3)), {}, "1d-weight")],
        call=lambda ops, *a: linear(*a), binds=(),
        torch=lambda t, *a: t.nn.functional.linear(*a)),
    OpSpec("F.bilinear", lambda rng: [
        Sample((normal(rng, 4, 3), normal(rng, 4, 5), normal(rng, 2, 3, 5), normal(rng, 2)), {}, "bias"),
        Sample((normal(rng, 2, 3, 3), normal(rng, 2, 3, 2), normal(rng, 4, 3, 2)), {}, "lead-no-bias")],
        call=lambda ops, *a: bilinear(*a), binds=("matmul",),
        torch=lambda t, *a: t.nn.functional.bilinear(*a)),
]
