"""``torchlean.nn.utils``: gradient clipping as ``torch.nn.utils`` (``clip_grad_norm_``,
``clip_grad_value_``).

Both act on ``Param.grad`` (what ``loss.backward()`` fills and the ``torchlean.optim``
optimizers read), on the gradients' own device. Every gradient is checked first (exact shape and
dtype of its parameter), then all new gradients are computed, then assigned: a failed call
changes nothing. The clipped gradients are new arrays (``p.grad`` is replaced, never written in
place), so arrays shared with a ``Gradients`` object or the tape are never changed; the
session's seed-style steps (``s.sgd_step``), which read the tape's gradients rather than
``Param.grad``, are therefore not clipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError
from .._core.guard import guard
from ..optim import validate
from ..optim.base import _checked_grad, backend_of
from ..params import Param

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _params(op: str, parameters: Any) -> list[Param]:
    if isinstance(parameters, Param):
        return [parameters]
    if not isinstance(parameters, Iterable) or isinstance(parameters, (str, bytes, dict)):
        raise ArgumentError(f"{op}: parameters must be a Param or an iterable of Params, got "
                            f"{type(parameters).__name__}")
    out = list(parameters)
    for i, p in enumerate(out):
        if not isinstance(p, Param):
            raise ArgumentError(f"{op}: parameters[{i}] is a {type(p).__name__}, not a Param")
    return out


def _grads(op: str, params: list[Param]) -> list[tuple[Param, Any]]:
    """``(param, gradient)`` for every parameter with a gradient, each gradient checked."""
    out = []
    for i, p in enumerate(params):
        g = p.grad
        if g is None:
            continue
        if not (g.__class__ is np.ndarray and g.shape == p.shape and g.dtype == p.dtype):
            g = _checked_grad(op, i, p, g)
        out.append((p, g))
    return out


def _limit(op: str, name: str, v: Any) -> float:
    """A real number >= 0; ``inf`` is allowed (no clipping), NaN is not."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ArgumentError(f"{op}: {name} must be a real number, got {v!r}")
    f = float(v)
    if math.isnan(f) or f < 0:
        raise ArgumentError(f"{op}: {name} must be >= 0, got {v!r}")
    return f


def _vector_norm(xp: Any, x: Any, p: float) -> Any:
    """torch.linalg.vector_norm of a whole array as a 0-d array."""
    if x.size == 0:
        return xp.asarray(0.0, dtype=x.dtype)
    if p == 2.0:
        return xp.sqrt(xp.sum(x * x))
    a = xp.abs(x)
    if p == math.inf:
        return xp.max(a)
    if p == -math.inf:
        return xp.min(a)
    if p == 0.0:
        return xp.asarray(xp.count_nonzero(x), dtype=x.dtype)
    if p == 1.0:
        return xp.sum(a)
    return xp.sum(a ** p) ** (1.0 / p)


@guard("clip_grad_norm_")
def clip_grad_norm_(parameters: Param | Iterable[Param], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Any:
    """Scale the gradients so that their joint ``norm_type``-norm is at most ``max_norm``
    (by ``max_norm / (total + 1e-6)`` when it is above), as torch does.

    Returns the total norm of the gradients before clipping, a 0-d array on their device (0.0,
    float32, without gradients). ``error_if_nonfinite`` raises when it is NaN or infinite;
    ``foreach`` is accepted and ignored."""
    op = "clip_grad_norm_"
    params = _params(op, parameters)
    max_norm = _limit(op, "max_norm", max_norm)
    if isinstance(norm_type, (bool, np.bool_)) or not isinstance(norm_type, (int, float, np.integer, np.floating)) \
            or math.isnan(float(norm_type)):
        raise ArgumentError(f"{op}: norm_type must be a real number or inf, got {norm_type!r}")
    norm_type = float(norm_type)
    error_if_nonfinite = validate.flag("error_if_nonfinite")(op, error_if_nonfinite)
    validate.optional_flag("foreach")(op, foreach)
    grads = _grads(op, params)
    if not grads:
        return np.asarray(0.0, dtype=np.float32)
    backends = [backend_of(g) for _, g in grads]
    norms = [_vector_norm(b.xp, g, norm_type) for b, (_, g) in zip(backends, grads)]
    home = backends[0]
    if any(b is not home for b in backends):  # gradients on several devices: combine on the host
        home = backend_of(np.zeros(()))
        norms = [np.asarray(b.to_host(n)) for b, n in zip(backends, norms)]
    total = _vector_norm(home.xp, home.xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(home.xp.isfinite(total)):
        raise ArgumentError(f"{op}: the total norm of order {norm_type} of the gradients is non-finite "
                            f"({float(total)}), so it cannot be clipped; pass error_if_nonfinite=False to "
                            "scale by it anyway")
    with np.errstate(all="ignore"):  # an infinite norm scales to NaN silently, as torch
        coef = home.xp.minimum(max_norm / (total + 1e-6), 1.0)
        new = []
        for b, (p, g) in zip(backends, grads):
            c = b.asarray(coef if b is home else home.to_host(coef), np.dtype(g.dtype))
            new.append((p, b.xp.multiply(g, c)))
    for p, g in new:
        p.grad = g
    return home.xp.asarray(total)


@guard("clip_grad_value_")
def clip_grad_value_(parameters: Param | Iterable[Param], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient to ``[-clip_value, clip_value]`` (``foreach`` accepted and ignored)."""
    op = "clip_grad_value_"
    params = _params(op, parameters)
    v = _limit(op, "clip_value", clip_value)
    validate.optional_flag("foreach")(op, foreach)
    new = [(p, backend_of(g).xp.clip(g, -v, v)) for p, g in _grads(op, params)]
    for p, g in new:
        p.grad = g


@guard("parameters_to_vector")
def parameters_to_vector(parameters: Param | Iterable[Param]) -> np.ndarray:
    """The parameters' values flattened and concatenated, in order: a host NumPy array (torch
    returns a tensor on the parameters' device; a Param belongs to no session here)."""
    op = "parameters_to_vector"
    params = _params(op, parameters)
    dtypes = {p.dtype for p in params}
    if len(dtypes) > 1:
        raise ArgumentError(f"{op}: the parameters mix dtypes {sorted(d.name for d in dtypes)}; torchlean never "
                            "mixes float precisions")
    if not params:
        return np.zeros((0,), np.float32)
    return np.concatenate([p.value.reshape(-1) for p in params])


@guard("vector_to_parameters")
def vector_to_parameters(vec: Any, parameters: Param | Iterable[Param]) -> None:
    """Slice the 1-D ``vec`` (a NumPy array or a torchlean tensor) into the parameters, in
    order; its length must be their total size. Checked before any parameter changes."""
    op = "vector_to_parameters"
    params = _params(op, parameters)
    if getattr(type(vec), "__torchlean_tensor__", False) is True:
        vec = vec.numpy()
    if not (isinstance(vec, np.ndarray) or hasattr(vec, "__array__")) or isinstance(vec, (str, bytes)):
        raise ArgumentError(f"{op}: expected a 1-D array or tensor, got {type(vec).__name__}")
    arr = np.asarray(vec)
    if arr.ndim != 1:
        raise ArgumentError(f"{op}: expected a 1-D vector, got shape {arr.shape}")
    total = sum(int(np.prod(p.shape)) for p in params)
    if arr.shape[0] != total:
        raise ArgumentError(f"{op}: the vector has {arr.shape[0]} entries, the parameters {total}")
    if arr.dtype.kind not in "fiu":
        raise ArgumentError(f"{op}: expected a numeric vector, got {arr.dtype.name}")
    pieces, k = [], 0
    for p in params:
        n = int(np.prod(p.shape))
        pieces.append(arr[k:k + n].reshape(p.shape).astype(p.dtype))
        k += n
    for p, v in zip(params, pieces):  # commit: nothing below can fail
        p.set_value(v)


# the two halves of clip_grad_norm_ (torch >= 2.6); defined in grad_norm.py over the helpers above
from .grad_norm import clip_grads_with_norm_, get_total_norm  # noqa: E402

__all__ += ["clip_grads_with_norm_", "get_total_norm"]

# torch.nn.utils.rnn: defined in rnn_utils.py; registered as a submodule (as os.path is) so that
# ``import torchlean.nn.utils.rnn`` and ``from torchlean.nn.utils.rnn import ...`` work
import sys as _sys  # noqa: E402

from . import rnn_utils as rnn  # noqa: E402

_sys.modules[__name__ + ".rnn"] = rnn
