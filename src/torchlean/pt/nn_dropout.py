"""``torch.nn.functional`` dropout: ``dropout``, ``dropout1d/2d/3d``, ``alpha_dropout`` and
``feature_alpha_dropout``.

Masks come from the session's SplitMix64 counter stream (``bernoulli_mask``), so CPU and CUDA,
eager and compiled runs agree; they differ from PyTorch's generator's draws (the distribution
and the scaling are PyTorch's). ``p == 0`` or ``training=False`` returns the input itself;
``p == 1`` zeroes it. ``inplace`` is accepted and ignored (values are immutable).
"""

from __future__ import annotations

from typing import Any

from .._core.errors import ArgumentError, ShapeError
from .dispatch import torch_op
from .nn_common import flag, float_tensor, number

__all__ = ["alpha_dropout", "dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"]

_SELU_ALPHA = 1.7580993408473766  # SELU's scale * alpha: the value alpha dropout drops to (negated)


def _probability(op: str, p: Any) -> float:
    prob = number(op, "p", p)
    if not 0.0 <= prob <= 1.0:
        raise ArgumentError(f"{op}: dropout probability has to be between 0 and 1, but got {p!r}")
    return prob


@torch_op
def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when
    ``training``; the identity otherwise."""
    op = "dropout"
    x = float_tensor(op, "input", input)
    return x.session.dropout(x, _probability(op, p), flag(op, "training", training))


def _feature_mask_shape(op: str, shape: tuple[int, ...], spatial: int | None) -> tuple[int, ...]:
    """The mask of one draw per channel: ``(N, C, 1, ...)`` batched, ``(C, 1, ...)`` unbatched."""
    if spatial is None:  # feature_alpha_dropout: (N, C, *) with any number of trailing axes
        if len(shape) < 2:
            raise ShapeError(f"{op}: expected an input of at least 2 dimensions (N, C, ...), got {shape}")
        lead = 2
    else:
        if len(shape) not in (spatial + 1, spatial + 2):
            raise ShapeError(f"{op}: expected a {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input, "
                             f"got shape {shape}")
        # batched; or dropout2d's 3-D input, which PyTorch reads as (N, C, L)
        lead = 2 if len(shape) == spatial + 2 or (spatial == 2 and len(shape) == 3) else 1
    return shape[:lead] + (1,) * (len(shape) - lead)


def _run(op: str, input: Any, p: Any, training: Any, spatial: int | None, alpha: bool) -> Any:  # noqa: A002
    x = float_tensor(op, "input", input)
    prob, train = _probability(op, p), flag(op, "training", training)
    if prob == 0.0 or not train or x.type.size == 0:  # as PyTorch: the input, whatever its rank
        return x
    shape = x.shape if alpha and spatial == 0 else _feature_mask_shape(op, x.shape, spatial)
    ops = x.session
    if prob == 1.0:
        return ops.mul(x, ops.zeros_like(x))
    mask = ops.bernoulli_mask(1.0 - prob, shape, x.dtype)
    if not alpha:
        return ops.mul(x, ops.scale(mask, 1.0 / (1.0 - prob)))
    # PyTorch: y = x * (mask * a) + ((mask - 1) * alpha * a + alpha * a * p)
    a = 1.0 / ((_SELU_ALPHA * _SELU_ALPHA * prob + 1.0) * (1.0 - prob)) ** 0.5
    shift = ops.add_scalar(ops.scale(ops.add_scalar(mask, -1.0), _SELU_ALPHA * a), _SELU_ALPHA * a * prob)
    return ops.add(ops.mul(x, ops.scale(mask, a)), shift)


@torch_op
def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:  # noqa: A002
    """Zero whole channels of ``(N, C, L)`` / ``(C, L)`` input with probability ``p``, scaling the
    kept ones by ``1 / (1 - p)``."""
    return _run("dropout1d", input, p, training, 1, False)


@torch_op
def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:  # noqa: A002
    """Channel dropout of ``(N, C, H, W)`` / ``(C, H, W)`` input. A 3-D input is read as
    ``(N, C, L)`` (channel-wise 1-D dropout), as PyTorch does, without its warning."""
    return _run("dropout2d", input, p, training, 2, False)


@torch_op
def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:  # noqa: A002
    """Channel dropout of ``(N, C, D, H, W)`` / ``(C, D, H, W)`` input."""
    return _run("dropout3d", input, p, training, 3, False)


@torch_op
def alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Any:  # noqa: A002
    """Dropout for SELU networks: dropped elements become ``-1.7581`` and an affine map keeps
    the mean and variance (PyTorch's constants). ``training`` defaults to False, as PyTorch."""
    return _run("alpha_dropout", input, p, training, 0, True)


@torch_op
def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Any:
    """``alpha_dropout`` with one draw per channel of ``(N, C, ...)`` input."""
    return _run("feature_alpha_dropout", input, p, training, None, True)
