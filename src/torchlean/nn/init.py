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

Every argument is checked before anything is drawn, as torch checks them (``normal_`` needs
``std >= 0``, ``uniform_`` a finite ``a <= b``, ``trunc_normal_`` ``a <= b``, Xavier a gain
``>= 0``, random fills a float tensor, ``constant_`` a number that fits the dtype, ...): a call
that raises names the function, and leaves the tensor and the generator's counter as they were.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, ShapeError
from ..param_inplace import check_float, fill_value, generator_of, normal_args, number, uniform_args
from ..params import Param
from ..random import Generator
from . import seed_init as seed

__all__ = ["calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_", "normal_",
           "ones_", "orthogonal_", "seed", "trunc_normal_", "uniform_", "xavier_normal_",
           "xavier_uniform_", "zeros_"]


def _param(op: str, tensor: Any, random: bool = False) -> Param:
    if not isinstance(tensor, Param):
        raise ArgumentError(f"{op}: expected a Param or Buffer to fill, got {type(tensor).__name__}")
    if random:
        check_float(op, tensor.dtype)
    return tensor


def _fill(t: Param, value: np.ndarray) -> Param:
    with np.errstate(over="ignore", invalid="ignore"):
        value = np.asarray(value).astype(t.dtype)
    t.set_value(value)
    return t


def _gain(op: str, nonlinearity: Any, param: Any) -> float:
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if not isinstance(nonlinearity, str):
        raise ArgumentError(f"{op}: nonlinearity must be a string, got {type(nonlinearity).__name__}")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, (bool, np.bool_)) or not isinstance(slope, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"{op}: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + float(slope) ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"{op}: unsupported nonlinearity {nonlinearity!r}")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch's recommended gain for a nonlinearity (relu sqrt(2), tanh 5/3, selu 3/4, ...)."""
    return _gain("calculate_gain", nonlinearity, param)


def _fans(op: str, shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        raise ShapeError(f"{op}: fan in and fan out need at least 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def uniform_(tensor: Param, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("uniform_", tensor, random=True)
    lo, hi = uniform_args("uniform_", a, b, t.dtype, ("a", "b"))
    return _fill(t, generator_of("uniform_", generator).uniform(t.shape, lo, hi))


def normal_(tensor: Param, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("normal_", tensor, random=True)
    m, s = normal_args("normal_", mean, std)
    return _fill(t, m + s * generator_of("normal_", generator).normal(t.shape))


def trunc_normal_(tensor: Param, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Param:
    """N(mean, std) restricted to [a, b]: values outside are redrawn (a few rounds suffice;
    each round advances the generator). ``a == b`` fills with ``a`` (one round drawn)."""
    op = "trunc_normal_"
    t = _param(op, tensor, random=True)
    m, s, lo, hi = (number(op, n, v) for n, v in (("mean", mean), ("std", std), ("a", a), ("b", b)))
    for name, v in (("mean", m), ("std", s), ("a", lo), ("b", hi)):
        if math.isnan(v):
            raise ArgumentError(f"{op}: {name} must not be NaN")
    if not (math.isfinite(m) and math.isfinite(s)):
        raise ArgumentError(f"{op}: mean and std must be finite, got mean={m}, std={s}")
    if lo > hi:
        raise ArgumentError(f"{op}: expects a <= b (the range [a, b]), got a={lo} > b={hi}")
    g = generator_of(op, generator)
    out = m + s * g.normal(t.shape)
    if lo == hi:
        return _fill(t, np.full(t.shape, lo))
    for _ in range(1000):
        bad = (out < lo) | (out > hi)
        if not bad.any():
            break
        out = np.where(bad, m + s * g.normal(t.shape), out)
    else:
        out = np.clip(out, lo, hi)
    return _fill(t, out)


def _constant(op: str, tensor: Any, val: Any) -> Param:
    t = _param(op, tensor)
    v = fill_value(op, val, t.dtype)
    with np.errstate(invalid="ignore"):
        return _fill(t, np.full(t.shape, v, t.dtype))


def constant_(tensor: Param, val: float) -> Param:
    return _constant("constant_", tensor, val)


def zeros_(tensor: Param) -> Param:
    return _constant("zeros_", tensor, 0)


def ones_(tensor: Param) -> Param:
    return _constant("ones_", tensor, 1)


def eye_(tensor: Param) -> Param:
    t = _param("eye_", tensor)
    if len(t.shape) != 2:
        raise ShapeError(f"eye_: expected a 2-D tensor, got shape {t.shape}")
    return _fill(t, np.eye(*t.shape))


def dirac_(tensor: Param, groups: int = 1) -> Param:
    """The identity for convolutions (torch's ``dirac_``)."""
    t = _param("dirac_", tensor)
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ArgumentError(f"dirac_: groups must be a positive int, got {groups!r}")
    groups = int(groups)
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


def _xavier(op: str, t: Param, gain: Any) -> tuple[float, int]:
    """The checked gain and fan_in + fan_out."""
    g = number(op, "gain", gain)
    if not (math.isfinite(g) and g >= 0):
        raise ArgumentError(f"{op}: gain must be a finite number >= 0, got {g}")
    fan_in, fan_out = _fans(op, t.shape)
    if fan_in + fan_out == 0:
        raise ShapeError(f"{op}: fan_in + fan_out is 0 for shape {t.shape}; nothing to scale by")
    return g, fan_in + fan_out


def xavier_uniform_(tensor: Param, gain: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("xavier_uniform_", tensor, random=True)
    g, fans = _xavier("xavier_uniform_", t, gain)
    bound = g * math.sqrt(6.0 / fans)
    return _fill(t, generator_of("xavier_uniform_", generator).uniform(t.shape, -bound, bound))


def xavier_normal_(tensor: Param, gain: float = 1.0, generator: Generator | None = None) -> Param:
    t = _param("xavier_normal_", tensor, random=True)
    g, fans = _xavier("xavier_normal_", t, gain)
    return _fill(t, g * math.sqrt(2.0 / fans) * generator_of("xavier_normal_", generator).normal(t.shape))


def _kaiming_std(op: str, shape: tuple[int, ...], a: Any, mode: Any, nonlinearity: Any) -> float:
    if not isinstance(mode, str) or mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    gain = _gain(op, nonlinearity, a)
    if math.isnan(gain):
        raise ArgumentError(f"{op}: negative_slope a={a!r} gives a NaN gain")
    fan_in, fan_out = _fans(op, shape)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ShapeError(f"{op}: cannot initialise a tensor with zero elements, shape {shape}")
    return gain / math.sqrt(fan)


def kaiming_uniform_(tensor: Param, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Param:
    t = _param("kaiming_uniform_", tensor, random=True)
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", t.shape, a, mode, nonlinearity)
    return _fill(t, generator_of("kaiming_uniform_", generator).uniform(t.shape, -bound, bound))


def kaiming_normal_(tensor: Param, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Param:
    t = _param("kaiming_normal_", tensor, random=True)
    std = _kaiming_std("kaiming_normal_", t.shape, a, mode, nonlinearity)
    return _fill(t, std * generator_of("kaiming_normal_", generator).normal(t.shape))


def orthogonal_(tensor: Param, gain: float = 1.0, generator: Generator | None = None) -> Param:
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one, signs fixed by the
    diagonal of R (torch's method), reshaped to the tensor."""
    t = _param("orthogonal_", tensor, random=True)
    if len(t.shape) < 2:
        raise ShapeError(f"orthogonal_: expected at least 2 dimensions, got shape {t.shape}")
    g = number("orthogonal_", "gain", gain)
    rows = t.shape[0]
    cols = math.prod(t.shape[1:])
    flat = generator_of("orthogonal_", generator).normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, g * q.reshape(t.shape))
