"""The ``torch.Tensor`` methods of ``torchlean/pt/math_extra.py`` (``x.add(y, alpha=2)``,
``x.atan2(y)``, ``x.nan_to_num()``...): ``x.name(...)`` is ``torch.name(x, ...)``."""

from __future__ import annotations

from typing import Any

from .math_extra import (
    acos,
    acosh,
    add,
    addcdiv,
    addcmul,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    copysign,
    cosh,
    deg2rad,
    div,
    divide,
    erfc,
    exp2,
    float_power,
    fmax,
    fmin,
    fmod,
    frac,
    heaviside,
    hypot,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    lerp,
    log2,
    log10,
    logit,
    mul,
    multiply,
    nan_to_num,
    positive,
    rad2deg,
    sgn,
    signbit,
    sinc,
    sinh,
    sub,
    subtract,
    tan,
    true_divide,
    xlogy,
)


# ----- torch.Tensor methods ----------------------------------------------------------------------------
class MathExtraMethods:
    """``torch.Tensor`` methods of this module: ``x.name(...)`` is ``torch.name(x, ...)``."""

    __slots__ = ()
    session: Any

    def add(self, other: Any, *, alpha: Any = 1) -> Any:
        return add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Any:
        return sub(self, other, alpha=alpha)

    def subtract(self, other: Any, *, alpha: Any = 1) -> Any:
        return subtract(self, other, alpha=alpha)

    def mul(self, other: Any) -> Any:
        return mul(self, other)

    def multiply(self, other: Any) -> Any:
        return multiply(self, other)

    def div(self, other: Any, *, rounding_mode: Any = None) -> Any:
        return div(self, other, rounding_mode=rounding_mode)

    def divide(self, other: Any, *, rounding_mode: Any = None) -> Any:
        return divide(self, other, rounding_mode=rounding_mode)

    def true_divide(self, other: Any) -> Any:
        return true_divide(self, other)

    def positive(self) -> Any:
        return positive(self)

    def tan(self) -> Any:
        return tan(self)

    def asin(self) -> Any:
        return asin(self)

    def acos(self) -> Any:
        return acos(self)

    def atan(self) -> Any:
        return atan(self)

    def sinh(self) -> Any:
        return sinh(self)

    def cosh(self) -> Any:
        return cosh(self)

    def asinh(self) -> Any:
        return asinh(self)

    def acosh(self) -> Any:
        return acosh(self)

    def atanh(self) -> Any:
        return atanh(self)

    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

    def atan2(self, other: Any) -> Any:
        return atan2(self, other)

    arctan2 = atan2

    def log2(self) -> Any:
        return log2(self)

    def log10(self) -> Any:
        return log10(self)

    def exp2(self) -> Any:
        return exp2(self)

    def erfc(self) -> Any:
        return erfc(self)

    def logit(self, eps: Any = None) -> Any:
        return logit(self, eps)

    def xlogy(self, other: Any) -> Any:
        return xlogy(self, other)

    def hypot(self, other: Any) -> Any:
        return hypot(self, other)

    def fmod(self, other: Any) -> Any:
        return fmod(self, other)

    def copysign(self, other: Any) -> Any:
        return copysign(self, other)

    def fmax(self, other: Any) -> Any:
        return fmax(self, other)

    def fmin(self, other: Any) -> Any:
        return fmin(self, other)

    def frac(self) -> Any:
        return frac(self)

    def sgn(self) -> Any:
        return sgn(self)

    def signbit(self) -> Any:
        return signbit(self)

    def heaviside(self, values: Any) -> Any:
        return heaviside(self, values)

    def float_power(self, exponent: Any) -> Any:
        return float_power(self, exponent)

    def sinc(self) -> Any:
        return sinc(self)

    def deg2rad(self) -> Any:
        return deg2rad(self)

    def rad2deg(self) -> Any:
        return rad2deg(self)

    def lerp(self, end: Any, weight: Any) -> Any:
        return lerp(self, end, weight)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return addcdiv(self, tensor1, tensor2, value=value)

    def isnan(self) -> Any:
        return isnan(self)

    def isinf(self) -> Any:
        return isinf(self)

    def isfinite(self) -> Any:
        return isfinite(self)

    def isposinf(self) -> Any:
        return isposinf(self)

    def isneginf(self) -> Any:
        return isneginf(self)

    def isreal(self) -> Any:
        return isreal(self)

    def nan_to_num(self, nan: Any = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
        return nan_to_num(self, nan, posinf, neginf)
