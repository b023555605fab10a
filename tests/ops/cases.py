"""Parametrisation of the op sweeps: one case per (spec, sample), generated deterministically."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import pytest

from torchlean.testing.opspec import OpSpec, Sample
from torchlean.testing.specs import ALL_SPECS

SPECS = {s.name: s for s in ALL_SPECS}


def rng_for(name: str, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()) + salt)


def samples(spec: OpSpec) -> list[Sample]:
    return spec.samples(rng_for(spec.name))


def cases(keep: Callable[[OpSpec, Sample], bool] = lambda spec, sample: True) -> list:
    out = []
    for spec in ALL_SPECS:
        for k, sample in enumerate(samples(spec)):
            if keep(spec, sample):
                out.append(pytest.param(spec.name, k, id=f"{spec.name}-{k}-{sample.label}"))
    return out


def get(name: str, k: int) -> tuple[OpSpec, Sample]:
    spec = SPECS[name]
    return spec, samples(spec)[k]


def has_diff(spec: OpSpec, sample: Sample) -> bool:
    return bool(spec.diff_positions(sample))
