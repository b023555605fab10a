"""``get_total_norm`` and ``clip_grads_with_norm_``: the two halves of ``clip_grad_norm_``
(torch.nn.utils, torch >= 2.6), for code that computes the norm, reduces or logs it, then clips.

Re-exported by ``torchlean.nn.utils``; the argument and gradient checks are that module's."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError
from .._core.guard import guard
from ..optim import validate
from ..optim.base import backend_of
from ..params import Param
from .utils import _grads, _limit, _params, _vector_norm

__all__ = ["clip_grads_with_norm_", "get_total_norm"]


def _is_tensor(v: Any) -> bool:
    return getattr(type(v), "__torchlean_tensor__", False) is True


def _arrays(op: str, tensors: Any) -> list[Any]:
    """The arrays to measure: NumPy/CuPy arrays as they are, Params and tensors as host copies."""
    if isinstance(tensors, np.ndarray) or hasattr(tensors, "__cuda_array_interface__") or _is_tensor(tensors):
        tensors = [tensors]
    elif not isinstance(tensors, Iterable) or isinstance(tensors, (str, bytes, dict)):
        raise ArgumentError(f"{op}: tensors must be an array, a tensor or an iterable of them, got "
                            f"{type(tensors).__name__}")
    out = []
    for i, t in enumerate(tensors):
        if _is_tensor(t):
            t = t.numpy()
        elif not (isinstance(t, np.ndarray) or hasattr(t, "__cuda_array_interface__")):
            raise ArgumentError(f"{op}: tensors[{i}] is a {type(t).__name__}, not an array or tensor")
        if np.dtype(t.dtype).kind != "f":
            raise DTypeError(f"{op}: tensors[{i}] is {np.dtype(t.dtype).name}; a norm needs floating-point data")
        out.append(t)
    return out


def _norm_type(op: str, v: Any) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)) \
            or math.isnan(float(v)):
        raise ArgumentError(f"{op}: norm_type must be a real number or inf, got {v!r}")
    return float(v)


@guard("get_total_norm")
def get_total_norm(tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Any:
    """The ``norm_type``-norm of all ``tensors`` together (the norm of their norms), as torch.

    ``tensors`` is one array (NumPy or CuPy), torchlean tensor or Param, or an iterable of them
    (typically ``[p.grad for p in params if p.grad is not None]``). Returns a 0-d array on their
    device (on the host when they are on several; 0.0 float32 for none). ``error_if_nonfinite``
    raises when the norm is NaN or infinite; ``foreach`` is accepted and ignored."""
    op = "get_total_norm"
    arrays = _arrays(op, tensors)
    norm_type = _norm_type(op, norm_type)
    error_if_nonfinite = validate.flag("error_if_nonfinite")(op, error_if_nonfinite)
    validate.optional_flag("foreach")(op, foreach)
    if not arrays:
        return np.asarray(0.0, dtype=np.float32)
    backends = [backend_of(a) for a in arrays]
    norms = [_vector_norm(b.xp, a, norm_type) for b, a in zip(backends, arrays)]
    home = backends[0]
    if any(b is not home for b in backends):
        home = backend_of(np.zeros(()))
        norms = [np.asarray(b.to_host(n)) for b, n in zip(backends, norms)]
    total = _vector_norm(home.xp, home.xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(home.xp.isfinite(total)):
        raise ArgumentError(f"{op}: the total norm of order {norm_type} is non-finite ({float(total)}); pass "
                            "error_if_nonfinite=False to get it anyway")
    return home.xp.asarray(total)


def _total(op: str, v: Any) -> Any:
    """``total_norm`` as a 0-d float array (a Python number becomes float64), >= 0 or NaN."""
    if _is_tensor(v):
        v = v.numpy()
    if isinstance(v, (bool, np.bool_)):
        raise ArgumentError(f"{op}: total_norm must be a number or a 0-d float array, got {v!r}")
    if isinstance(v, (int, float, np.integer)):
        v = np.asarray(float(v))
    elif isinstance(v, np.floating):
        v = np.asarray(v)
    elif not (isinstance(v, np.ndarray) or hasattr(v, "__cuda_array_interface__")):
        raise ArgumentError(f"{op}: total_norm must be a number or a 0-d float array, got {type(v).__name__}")
    if v.shape != ():
        raise ArgumentError(f"{op}: total_norm must be 0-d (one norm), got shape {tuple(v.shape)}")
    if np.dtype(v.dtype).kind != "f":
        raise DTypeError(f"{op}: total_norm must be a float, got {np.dtype(v.dtype).name}")
    if float(v) < 0:
        raise ArgumentError(f"{op}: total_norm must be >= 0 (a norm), got {float(v)}")
    return v


@guard("clip_grads_with_norm_")
def clip_grads_with_norm_(parameters: Param | Iterable[Param], max_norm: float, total_norm: Any,
                          foreach: bool | None = None) -> None:
    """Scale every gradient by ``min(max_norm / (total_norm + 1e-6), 1)``, as torch: with the
    norm ``get_total_norm`` returned this is ``clip_grad_norm_``. ``total_norm`` is a 0-d array
    (or a number, or a 0-d torchlean tensor); NaN or inf scale as in torch. Every gradient is
    checked before any is replaced (by a new array, never in place)."""
    op = "clip_grads_with_norm_"
    params = _params(op, parameters)
    max_norm = _limit(op, "max_norm", max_norm)
    total = _total(op, total_norm)
    validate.optional_flag("foreach")(op, foreach)
    grads = _grads(op, params)
    if not grads:
        return
    home = backend_of(total)
    with np.errstate(all="ignore"):
        coef = home.xp.minimum(max_norm / (total + 1e-6), 1.0)
        new = []
        for p, g in grads:
            b = backend_of(g)
            c = b.asarray(coef if b is home else home.to_host(coef), np.dtype(g.dtype))
            new.append((p, b.xp.multiply(g, c)))
    for p, g in new:
        p.grad = g
