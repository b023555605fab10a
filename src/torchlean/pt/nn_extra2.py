"""Still more of ``torch.nn.functional``: ``local_response_norm``, ``lp_pool1d``, ``lp_pool2d``,
``multi_margin_loss``, ``multilabel_margin_loss`` and ``rrelu``.

Each is a composite of PyTorch-shaped tensor operations with PyTorch's formula, signature,
defaults and reductions (``size_average``/``reduce`` where PyTorch still takes them).
Divergences (also in ``docs/for-pytorch-users/nn.md``):

* ``rrelu(training=True)`` draws its slopes ``U[lower, upper)`` from the session's SplitMix64
  counter stream (as dropout draws its masks), not from PyTorch's generator: the distribution is
  PyTorch's, the numbers are not.
* ``multilabel_margin_loss`` checks that every target lies in ``[-1, C)`` eagerly; in traced
  code only the targets before the first ``-1`` are checked (as indices), those after it are
  ignored, as they are in the loss.
* ``multi_margin_loss(reduction='mean')`` of an empty batch is NaN (PyTorch's value is
  unspecified); ``multilabel_margin_loss``'s is 0, as PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from ..ops.window import spatial_param
from .dispatch import tensor, torch_op
from .math import where
from .nn_common import float_tensor, integer, number, optional_float_tensor, reduce_loss, reduction_of

__all__ = ["local_response_norm", "lp_pool1d", "lp_pool2d", "multi_margin_loss", "multilabel_margin_loss",
           "rrelu"]


# ----- normalisation and pooling ---------------------------------------------------------------
@torch_op
def local_response_norm(input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75,  # noqa: A002
                        k: float = 1.0) -> Any:
    """``x / (k + alpha * mean_window(x^2))^beta`` across channels (dimension 1): the window of
    ``size`` channels runs from ``c - size // 2`` to ``c + (size - 1) // 2``, zero-padded, and
    the mean always divides by ``size`` (PyTorch's average pool over the padded squares)."""
    op = "local_response_norm"
    x = float_tensor(op, "input", input)
    n = integer(op, "size", size)
    if n < 1:
        raise ArgumentError(f"{op}: size must be an int >= 1, got {size!r}")
    a, b, kk = (number(op, w, v) for w, v in (("alpha", alpha), ("beta", beta), ("k", k)))
    if x.ndim < 3:
        raise ShapeError(f"{op}: expected an input of 3 or more dimensions (N, C, *), got shape {tuple(x.shape)}")
    if x.numel() == 0:
        return x
    ops = x.session
    shape = tuple(x.shape)
    sq = (x * x).reshape((shape[0], 1, shape[1], -1))  # (N, 1, C, rest)
    sq = ops.pad(sq, (0, 0, n // 2, (n - 1) // 2))
    div = ops.avg_pool(sq, (n, 1), (1, 1), 0, _op=op, _d=2, _divide=True).reshape(shape)
    return x / (div * a + kk).pow(b)


def _lp_pool(op: str, d: int, input: Any, norm_type: Any, kernel_size: Any, stride: Any,  # noqa: A002
             ceil_mode: Any) -> Any:
    x = float_tensor(op, "input", input)
    if x.ndim not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected {d + 1}D (unbatched) or {d + 2}D (batched) input, got input of shape "
                         f"{tuple(x.shape)}")
    p = number(op, "norm_type", norm_type, finite=False)
    if p == 0.0:
        raise ArgumentError(f"{op}: norm_type must be nonzero (the result is a power 1 / norm_type), got "
                            f"{norm_type!r}")
    ctx = f"input {tuple(x.shape)}"
    kernel = spatial_param(op, "kernel_size", kernel_size, d, 1, ctx, one=True)
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        strides = kernel
    else:
        strides = spatial_param(op, "stride", stride, d, 1, ctx, one=True)
    ops = x.session
    if math.isinf(p):  # PyTorch: a max pool of |x| (of -|x|, negated, for -inf)
        a = x.abs() if p > 0 else -x.abs()
        m = ops.max_pool(a, kernel, strides, 0, 1, bool(ceil_mode), _op=op, _d=d)
        return m if p > 0 else -m
    out = ops.avg_pool(x.pow(p), kernel, strides, 0, bool(ceil_mode), _op=op, _d=d, _divide=True)
    # PyTorch: (sign(out) * relu(|out|) * prod(kernel)) ** (1 / p). sign * relu(|.|) is the
    # identity on values but its gradient is 0 where out == 0 (where the power's is not finite).
    nz = out != 0
    base = where(nz, out, 1.0) * float(math.prod(kernel))
    return where(nz, base.pow(1.0 / p), 0.0 if p > 0 else math.inf)


@torch_op
def lp_pool1d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Any:
    """Power-average pool of ``(N, C, L)`` / ``(C, L)``: ``(sum_window x^p)^(1/p)``, computed as
    PyTorch does, ``(avg_pool1d(x^p) * kernel_size)^(1/p)`` (with ``ceil_mode`` a window cut by
    the edge averages its cells and is still scaled by the full kernel size); ``norm_type=inf``
    is a max pool of ``|x|``. A window whose sum is 0 gets a zero gradient."""
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


@torch_op
def lp_pool2d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Any:
    """``lp_pool1d`` over the last two axes of ``(N, C, H, W)`` / ``(C, H, W)``, scaled by
    ``kh * kw``."""
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


# ----- margin losses over class scores ---------------------------------------------------------
def _class_scores(op: str, input: Any, target: Any) -> tuple[Any, Any, Any]:  # noqa: A002
    """``(x, (N, C) scores, target)``: 0-d and 1-d inputs are one sample; target int64."""
    x = float_tensor(op, "input", input)
    t = tensor(op, "target", target)
    if t.dtype.kind not in "iu":
        raise DTypeError(f"{op}: target must be an int64 tensor of class indices, got {t.dtype.name}")
    if x.ndim > 2:
        raise ShapeError(f"{op}: expected a 0-d, (C,) or (N, C) input, got shape {tuple(x.shape)}")
    x2 = x.reshape((1, -1)) if x.ndim < 2 else x
    return x, x2, t


def _eager_range_check(op: str, t: Any, lo: int, hi: int) -> None:
    value = getattr(t, "_v", None)  # eager only: a traced graph has no values yet
    if value is not None and t.numel() and bool(((value < lo) | (value >= hi)).any()):
        raise ArgumentError(f"{op}: target out of range: every target must lie in [{lo}, {hi})")


@torch_op
def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None,  # noqa: A002
                      size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Any:
    """``sum_{j != y} w[y] max(0, margin - x[y] + x[j])^p / C`` per sample (``p`` 1 or 2,
    ``y`` the target class), reduced over the batch."""
    op = "multi_margin_loss"
    x, x2, t = _class_scores(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce)
    if isinstance(p, bool) or p not in (1, 2):
        raise ArgumentError(f"{op}: only p == 1 and p == 2 are supported, got p={p!r}")
    m = number(op, "margin", margin)
    n, c = x2.shape
    want = ((n,),) if x.ndim == 2 else ((), (1,))
    if tuple(t.shape) not in want:
        raise ShapeError(f"{op}: expected target of shape {' or '.join(map(str, want))} for input of shape "
                         f"{tuple(x.shape)}, got {tuple(t.shape)}")
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    if w is not None and tuple(w.shape) != (c,):
        raise ShapeError(f"{op}: weight must be one-dimensional with one entry per class, shape ({c},), got "
                         f"{tuple(w.shape)}")
    _eager_range_check(op, t, 0, c)
    ops = x.session
    t1 = t.reshape((n,)).long()
    xy = x2.gather(1, t1.reshape((n, 1)))  # (N, 1): the score of the target class
    z = x2 - xy + m
    h = where(z > 0, z, 0.0)  # PyTorch's max(0, z): no gradient at z == 0
    if p == 2:
        h = h * h
    if w is not None:
        h = h * w.gather(0, t1).reshape((n, 1))
    others = ops.lift(np.arange(c, dtype=np.int64).reshape(1, c), "int64") != t1.reshape((n, 1))
    loss = where(others, h, 0.0).sum(dim=1) / float(c)
    return reduce_loss(ops, loss.reshape(tuple(t.shape)), red)


@torch_op
def multilabel_margin_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,  # noqa: A002
                           reduction: str = "mean") -> Any:
    """``sum_{j, k} max(0, 1 - (x[y_j] - x[k])) / C`` per sample, over the target classes
    ``y_j`` (the target's entries before the first ``-1``; a repeated class counts each time)
    and the classes ``k`` that are not targets; reduced over the batch."""
    op = "multilabel_margin_loss"
    x, x2, t = _class_scores(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce)
    if tuple(t.shape) != tuple(x.shape):
        raise ShapeError(f"{op}: target must have the input's shape {tuple(x.shape)}, got {tuple(t.shape)}")
    n, c = x2.shape
    _eager_range_check(op, t, -1, c)
    ops = x.session
    t2 = t.reshape((n, c)).long()
    valid = (t2 == -1).long().cumsum(dim=1) == 0  # (N, C): the entries before the first -1
    ts = where(valid, t2, 0)
    xy = x2.gather(1, ts)  # (N, C): the score of each listed target
    classes = ops.lift(np.arange(c, dtype=np.int64).reshape(1, 1, c), "int64")
    is_target = ((ts.reshape((n, c, 1)) == classes) & valid.reshape((n, c, 1))).any(dim=1)  # (N, C)
    z = x2.reshape((n, 1, c)) - xy.reshape((n, c, 1)) + 1.0  # (N, j, k)
    keep = valid.reshape((n, c, 1)) & ~is_target.reshape((n, 1, c)) & (z > 0)
    loss = where(keep, z, 0.0).sum(dim=(1, 2)) / float(c)
    loss = loss.reshape(tuple(t.shape)[:-1])
    if red == "mean" and n == 0:
        return ops.sum(loss)  # PyTorch: 0, not NaN
    return reduce_loss(ops, loss, red)


# ----- randomized leaky ReLU ---------------------------------------------------------------------
@torch_op
def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,  # noqa: A002
          inplace: bool = False) -> Any:
    """``x`` where ``x > 0``, else ``a * x``: ``a = (lower + upper) / 2`` in evaluation, and in
    training a slope per element drawn ``U[lower, upper)`` from the session's random stream
    (not PyTorch's generator). ``inplace`` is accepted and ignored."""
    op = "rrelu"
    x = float_tensor(op, "input", input)
    lo, hi = number(op, "lower", lower), number(op, "upper", upper)
    if lo > hi:
        raise ArgumentError(f"{op}: lower bound should be less than or equal to the upper bound, got lower={lower!r}, "
                            f"upper={upper!r}")
    if not training:
        return where(x > 0, x, x * ((lo + hi) / 2))
    if x.numel() == 0:
        return x
    slope = x.session.rand_uniform(tuple(x.shape), x.dtype) * (hi - lo) + lo
    return where(x > 0, x, x * slope)
