"""``torch.special`` (``torchlean.special``, also ``tl.special``) and the special functions that
torch also has at the top level and as methods: ``erfinv i0 lgamma digamma polygamma mvlgamma``.

New primitives (``ops/special_erf.py``, ``ops/special_bessel.py``, ``ops/special_gamma.py``):
``erfcx erfinv ndtri entr xlog1py i0 i0e i1 i1e lgamma polygamma`` (digamma is polygamma 0).
The rest are composites with PyTorch's formulas: ``ndtr(x) = (1 + erf(x / sqrt 2)) / 2`` (so it
underflows to 0 below x ~ -8.3, as torch's; ``log_ndtr`` keeps the tail), ``log_ndtr(x)`` is
``log(erfcx(-t) / 2) - t^2`` below x = -1 and ``log1p(-erfc(t) / 2)`` above (t = x / sqrt 2),
``multigammaln(x, p) = sum_i lgamma(x - i/2) + p(p - 1)/4 log(pi)`` (no domain check, as torch
2.13), and the aliases (``expit`` is ``sigmoid``, ``psi`` is ``digamma``, ``gammaln`` is
``lgamma``...). Integer and bool inputs promote to the binder's float dtype, as torch.

Divergences (``docs/for-pytorch-users/math.md``): ``polygamma(1, x)`` is accurate to float64
(PyTorch's trigamma has relative errors up to ~5e-10); at non-positive integers polygamma gives
its pole's value (-1)^(n+1) inf and at x = +inf 0, where PyTorch's algorithm can give finite
values or NaN; ``i0``/``i1`` of +-inf are +-inf (PyTorch: NaN). ``lgamma`` below 0 has an
absolute error of ~1e-15 |lgamma(1 - x)| (fewer correct digits than PyTorch's right at its
negative zeros). ``torch.special``'s Bessel J/Y/K, Airy, orthogonal polynomials, ``zeta``,
``gammainc`` and ``gammaincc`` are not provided.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError
from .._core.registry import REGISTRY as P
from .._core.shapes import is_int
from .dispatch import tensor, torch_op
from .math import _operand, _session, floated, no_out
from .math import erf as _erf
from .math import expm1 as _expm1
from .math import log1p as _log1p
from .math import round as _round
from .math_extra import _float_pair
from .math_extra import _unary as _math_unary
from .reduce import log_softmax as _log_softmax
from .reduce import logsumexp as _logsumexp
from .reduce import softmax as _softmax

__all__ = ["digamma", "erfinv", "i0", "lgamma", "mvlgamma", "polygamma"]  # also top-level and methods
_SQRT1_2 = math.sqrt(0.5)


def _unary(name: str, prim: str, doc: str) -> Callable[..., Any]:
    return _math_unary(name, prim, doc, namespace="torch.special")


erfcx = _unary("erfcx", "erfcx", "exp(x^2) erfc(x), finite where erfc underflows.")
erfinv = _unary("erfinv", "erfinv", "the inverse error function (+-inf at +-1, NaN outside [-1, 1]).")
ndtri = _unary("ndtri", "ndtri", "the inverse of ndtr (-inf at 0, inf at 1, NaN outside [0, 1]).")
entr = _unary("entr", "entr", "-x log x (0 at 0, -inf below 0); the gradient -(1 + log x).")
i0 = _unary("i0", "i0", "the modified Bessel function of the first kind, order 0.")
i0e = _unary("i0e", "i0e", "exp(-|x|) i0(x).")
i1 = _unary("i1", "i1", "the modified Bessel function of the first kind, order 1.")
i1e = _unary("i1e", "i1e", "exp(-|x|) i1(x).")
lgamma = _unary("lgamma", "lgamma", "log |Gamma(x)| (inf at 0, -1, -2, ...); the gradient is digamma.")
gammaln = _unary("gammaln", "lgamma", "alias of lgamma.")


@torch_op
def digamma(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.digamma(input)``: Gamma'/Gamma (-+inf at +-0, NaN at negative integers)."""
    no_out("digamma", out)
    x = tensor("digamma", "input", input)
    return x.session.bind(P["polygamma"], floated(x.session, x), n=0)


@torch_op
def psi(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.psi(input)``: alias of digamma."""
    return digamma(input, out=out)


@torch_op
def polygamma(n: int, input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.polygamma(n, input)``: the n-th derivative of digamma (n >= 0)."""
    no_out("polygamma", out)
    if not is_int(n) or n < 0:
        raise ArgumentError(f"polygamma: n must be a non-negative int, got {n!r:.40}")
    x = tensor("polygamma", "input", input)
    return x.session.bind(P["polygamma"], floated(x.session, x), n=int(n))


@torch_op
def mvlgamma(input: Any, p: int) -> Any:  # noqa: A002
    """``torch.mvlgamma(input, p)``: the multivariate log-gamma function of dimension p,
    ``sum_{i<p} lgamma(x - i/2) + p (p - 1) / 4 log(pi)`` (PyTorch's order of terms)."""
    x = tensor("mvlgamma", "input", input)
    if not is_int(p) or p < 1:
        raise ArgumentError(f"mvlgamma: p has to be an int greater than or equal to 1, got {p!r:.40}")
    p = int(p)
    ops = x.session
    x = floated(ops, x)
    dt = ops.type_of(x).dtype
    offsets = ops.const(np.arange(p, dtype=np.float64)[::-1].copy() * -0.5, dtype=dt)
    args = ops.add(offsets, ops.unsqueeze(x, -1))
    total = ops.reduce_sum(ops.bind(P["lgamma"], args), -1)
    return ops.add_scalar(total, float(p * (p - 1)) * math.log(math.pi) * 0.25)


@torch_op
def multigammaln(input: Any, p: int, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.multigammaln(input, p)``: alias of mvlgamma."""
    no_out("multigammaln", out)
    return mvlgamma(input, p)


@torch_op
def expit(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.expit(input)``: the logistic sigmoid."""
    no_out("expit", out)
    x = tensor("expit", "input", input)
    return x.session.sigmoid(floated(x.session, x))


@torch_op
def ndtr(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.ndtr(input)``: the standard normal CDF, PyTorch's ``(1 + erf(x / sqrt 2)) / 2``
    (0 below x ~ -8.3; ``log_ndtr`` keeps the tail)."""
    no_out("ndtr", out)
    x = tensor("ndtr", "input", input)
    ops = x.session
    return ops.scale(ops.add_scalar(ops.erf(ops.scale(floated(ops, x), _SQRT1_2)), 1.0), 0.5)


@torch_op
def log_ndtr(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.log_ndtr(input)``: log of the standard normal CDF, accurate in both tails
    (PyTorch's two formulas; each branch sees only its own inputs, so no NaN leaks into the
    gradient)."""
    no_out("log_ndtr", out)
    x = tensor("log_ndtr", "input", input)
    ops = x.session
    x = floated(ops, x)
    low = ops.lt(x, -1.0)
    tl_ = ops.scale(ops.where(low, x, -1.0), _SQRT1_2)
    left = ops.sub(ops.log(ops.scale(ops.bind(P["erfcx"], ops.neg(tl_)), 0.5)), ops.mul(tl_, tl_))
    th = ops.scale(ops.where(low, -1.0, x), _SQRT1_2)
    right = ops.log1p(ops.scale(ops.bind(P["erfc"], th), -0.5))
    return ops.where(low, left, right)


@torch_op
def xlog1py(input: Any, other: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.xlog1py(input, other)``: ``input * log1p(other)``, 0 where input == 0 unless
    other is NaN; numbers on either side, integers promote; torch's gradients."""
    no_out("xlog1py", out)
    a, b = _operand("xlog1py", "input", input), _operand("xlog1py", "other", other)
    ops = _session(a, b)
    return ops.bind(P["xlog1py"], *_float_pair(ops, "xlog1py", a, b))


@torch_op
def erf(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.erf(input)``: the error function."""
    return _erf(input, out=out)


@torch_op
def expm1(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.expm1(input)``: exp(x) - 1, accurate near 0."""
    return _expm1(input, out=out)


@torch_op
def log1p(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.log1p(input)``: log(1 + x), accurate near 0."""
    return _log1p(input, out=out)


@torch_op(name="round")
def round(input: Any, *, decimals: int = 0, out: Any = None) -> Any:  # noqa: A001, A002
    """``torch.special.round(input, *, decimals=0)``: ``torch.round``."""
    return _round(input, decimals=decimals, out=out)


@torch_op
def softmax(input: Any, dim: Any, *, dtype: Any = None) -> Any:  # noqa: A002
    """``torch.special.softmax(input, dim, *, dtype=None)``."""
    return _softmax(input, dim, dtype=dtype)


@torch_op
def log_softmax(input: Any, dim: Any, *, dtype: Any = None) -> Any:  # noqa: A002
    """``torch.special.log_softmax(input, dim, *, dtype=None)``."""
    return _log_softmax(input, dim, dtype=dtype)


@torch_op
def logsumexp(input: Any, dim: Any, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.special.logsumexp(input, dim, keepdim=False)``."""
    return _logsumexp(input, dim, keepdim, out=out)

