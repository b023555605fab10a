"""``torchlean.nn.init``: PyTorch's initialisers, drawing from the seed's SplitMix64 stream.

Each function fills a ``Param``/``Buffer`` in place and returns it, with torch's formulas
(``calculate_gain``, fan-in/fan-out, Kaiming and Xavier bounds). The numbers come from a
``torchlean.Generator`` (``generator=``, else the default one that ``torchlean.manual_seed``
restarts), not from torch's Mersenne Twister: the same seed gives the same model on CPU and
CUDA, but not the same numbers as torch (load a torch state dict for that). Normals use
Box-Muller (``torchlean.random.normal_host``); ``trunc_normal_`` redraws the values outside
``[a, b]``; ``orthogonal_`` is torch's QR method.

The seed's own demo initialisers (its LCG ``rand01``, ``uniform``, ``xavier_uniform``,
``kaiming_uniform``, which return arrays) are in ``torchlean.nn.init.seed``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, ShapeError
from ..params import Param
from ..random import Generator, default_generator
from . import seed_init as seed

__all__ = ["calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_", "normal_",
           "ones_", "orthogonal_", "seed", "trunc_normal_", "uniform_", "xavier_normal_",
           "xavier_uniform_", "zeros_"]


def _param(op: str, tensor: Any) -> Param:
    if not isinstance(tensor, Param):
        raise ArgumentError(f"{op}: expected a Param or Buffer to fill, got {type(tensor).__name__}")
    return tensor


def _gen(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def _fill(t: Param, value: np.ndarray) -> Param:
    t.set_value(value.astype(t.dtype))
    return t


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch's recommended gain for a nonlinearity (relu sqrt(2), tanh 5/3, selu 3/4, ...)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ArgumentError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(op: str, shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        raise ShapeError(f"{op}: fan in and fan out need at least 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def uniform_(tensor: Param, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("uniform_", tensor)
    return _fill(t, _gen(generator).uniform(t.shape, a, b))


def normal_(tensor: Param, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("normal_", tensor)
    return _fill(t, mean + std * _gen(generator).normal(t.shape))


def trunc_normal_(tensor: Param, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Param:
    """N(mean, std) restricted to [a, b]: values outside are redrawn (a few rounds suffice;
    each round advances the generator)."""
    t = _param("trunc_normal_", tensor)
    if not a < b:
        raise ArgumentError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    g = _gen(generator)
    out = mean + std * g.normal(t.shape)
    for _ in range(1000):
        bad = (out < a) | (out > b)
        if not bad.any():
            break
        out = np.where(bad, mean + std * g.normal(t.shape), out)
    else:
        out = np.clip(out, a, b)
    return _fill(t, out)


def constant_(tensor: Param, val: float) -> Param:
    t = _param("constant_", tensor)
    return _fill(t, np.full(t.shape, val, np.float64))


def zeros_(tensor: Param) -> Param:
    return constant_(tensor, 0.0)


def ones_(tensor: Param) -> Param:
    return constant_(tensor, 1.0)


def eye_(tensor: Param) -> Param:
    t = _param("eye_", tensor)
    if len(t.shape) != 2:
        raise ShapeError(f"eye_: expected a 2-D tensor, got shape {t.shape}")
    return _fill(t, np.eye(*t.shape))


def dirac_(tensor: Param, groups: int = 1) -> Param:
    """The identity for convolutions (torch's ``dirac_``)."""
    t = _param("dirac_", tensor)
    if len(t.shape) not in (3, 4, 5) or t.shape[0] % groups:
        raise ShapeError(f"dirac_: expected a 3-, 4- or 5-D weight with out channels divisible by groups, "
                         f"got shape {t.shape} and groups={groups}")
    out = np.zeros(t.shape)
    per = t.shape[0] // groups
    centre = tuple(k // 2 for k in t.shape[2:])
    for g in range(groups):
        for d in range(min(per, t.shape[1])):
            out[(g * per + d, d, *centre)] = 1.0
    return _fill(t, out)


def xavier_uniform_(tensor: Param, gain: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("xavier_uniform_", tensor)
    fan_in, fan_out = _fans("xavier_uniform_", t.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(t, _gen(generator).uniform(t.shape, -bound, bound))


def xavier_normal_(tensor: Param, gain: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("xavier_normal_", tensor)
    fan_in, fan_out = _fans("xavier_normal_", t.shape)
    return _fill(t, gain * math.sqrt(2.0 / (fan_in + fan_out)) * _gen(generator).normal(t.shape))


def _kaiming_std(op: str, shape: tuple[int, ...], a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(op, shape)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ShapeError(f"{op}: cannot initialise a tensor with zero elements, shape {shape}")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Param, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Param:
    t = _param("kaiming_uniform_", tensor)
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", t.shape, a, mode, nonlinearity)
    return _fill(t, _gen(generator).uniform(t.shape, -bound, bound))


def kaiming_normal_(tensor: Param, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Param:
    t = _param("kaiming_normal_", tensor)
    std = _kaiming_std("kaiming_normal_", t.shape, a, mode, nonlinearity)
    return _fill(t, std * _gen(generator).normal(t.shape))


def orthogonal_(tensor: Param, gain: float = 1.0, generator: Generator | None = None) -> Param:
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one, signs fixed by the
    diagonal of R (torch's method), reshaped to the tensor."""
    t = _param("orthogonal_", tensor)
    if len(t.shape) < 2:
        raise ShapeError(f"orthogonal_: expected at least 2 dimensions, got shape {t.shape}")
    rows = t.shape[0]
    cols = math.prod(t.shape[1:])
    flat = _gen(generator).normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, gain * q.reshape(t.shape))
