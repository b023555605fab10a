"""Spatial transformers of ``torch.nn.functional``: ``affine_grid`` and ``grid_sample``.

Composites of PyTorch-shaped tensor operations: ``affine_grid`` is a constant base grid times
``theta`` (a matmul, so ``theta`` gets its gradient); ``grid_sample`` unnormalises the grid,
applies the padding mode (``zeros``, ``border``, ``reflection``) with PyTorch's formulas and
reads the input at the tap positions with ``gather`` (``bilinear``: 4 taps, ``nearest``: 1,
``bicubic``: 16 with PyTorch's cubic convolution, ``A = -0.75``), so the gradients to the input
(a scatter-add) and to the grid (through the tap weights) come from the ops' own VJPs and agree
with PyTorch's analytical ones. ``align_corners=None`` means False, as PyTorch, without its
warning.

``grid_sample`` takes 4-D input ``(N, C, H_in, W_in)`` and 5-D ``(N, C, D_in, H_in, W_in)``
(``bilinear`` is then trilinear; ``bicubic`` is 4-D only, as PyTorch). Divergence (also in
``docs/for-pytorch-users/nn.md``): a NaN grid coordinate reads nothing (zero) in every padding
mode.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, ShapeError
from .._core.shapes import is_int
from .dispatch import torch_op
from .math import where
from .nn_common import float_tensor, same_dtype

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_PADDING = ("zeros", "border", "reflection")
_A = -0.75  # PyTorch's bicubic convolution coefficient


def _align(op: str, align_corners: Any) -> bool:
    if align_corners is None:
        return False
    if isinstance(align_corners, (bool, np.bool_)):
        return bool(align_corners)
    raise ArgumentError(f"{op}: align_corners must be a bool or None, got {align_corners!r}")


# ----- affine_grid -------------------------------------------------------------------------------
def _base_axis(n: int, align_corners: bool) -> np.ndarray:
    """PyTorch's ``linspace_from_neg_one``: n points over [-1, 1] (cell centres without
    ``align_corners``); a single point is 0."""
    if n <= 1:
        return np.zeros(max(n, 0))
    v = np.linspace(-1.0, 1.0, n)
    return v if align_corners else v * ((n - 1) / n)


@torch_op
def affine_grid(theta: Any, size: Any, align_corners: bool | None = None) -> Any:
    """The sampling grid ``(N, H, W, 2)`` (or ``(N, D, H, W, 3)``) of the affine maps ``theta``
    ``(N, 2, 3)`` (``(N, 3, 4)``) for an output of ``size`` ``(N, C, H, W)`` (``(N, C, D, H, W)``):
    each point is ``theta @ (x, y[, z], 1)`` over the normalised output coordinates."""
    op = "affine_grid"
    th = float_tensor(op, "theta", theta)
    ac = _align(op, align_corners)
    if isinstance(size, (str, bytes)) or not isinstance(size, Sequence) or not all(is_int(v) for v in size):
        raise ArgumentError(f"{op}: size must be a sequence of ints (N, C, H, W) or (N, C, D, H, W), got {size!r}")
    dims = tuple(int(v) for v in size)
    if len(dims) not in (4, 5):
        raise ArgumentError(f"{op}: only 4-D and 5-D sizes are supported (2-D and 3-D affine transforms), got "
                            f"size {dims}")
    sd = len(dims) - 2
    if th.ndim != 3 or tuple(th.shape[1:]) != (sd, sd + 1):
        raise ShapeError(f"{op}: expected a batch of {sd}-D affine matrices of shape (N, {sd}, {sd + 1}) for size "
                         f"{dims}, got theta of shape {tuple(th.shape)}")
    spatial = dims[2:]
    if not (ac and min(spatial) == 1) and min(dims) <= 0:
        raise ArgumentError(f"{op}: expected a positive output size, got {dims}")
    if th.shape[0] != dims[0]:
        raise ShapeError(f"{op}: theta has {th.shape[0]} matrices but size asks for a batch of {dims[0]}: theta "
                         f"{tuple(th.shape)}, size {dims}")
    axes = [_base_axis(n, ac) for n in reversed(spatial)]  # x (width) first, as the grid's last axis
    mesh = np.meshgrid(*axes, indexing="ij")  # (W, H[, D]) order
    base = np.stack([*(m.transpose(tuple(reversed(range(sd)))) for m in mesh), np.ones(spatial)], axis=-1)
    ops = th.session
    b = ops.lift(base.reshape(-1, sd + 1).astype(th.dtype), th.dtype)  # (prod(spatial), sd + 1)
    grid = b @ th.transpose(1, 2)  # (N, prod(spatial), sd)
    return grid.reshape((dims[0], *spatial, sd))


# ----- grid_sample -------------------------------------------------------------------------------
def _unnormalize(g: Any, n: int, ac: bool) -> Any:
    """A normalised coordinate in [-1, 1] as a pixel position (PyTorch's formula)."""
    return (g + 1.0) * ((n - 1) / 2) if ac else ((g + 1.0) * n - 1.0) / 2


def _clip(v: Any, n: int) -> Any:
    """Into [0, n - 1]; as PyTorch, the gradient is 0 on and beyond the borders."""
    return where(v <= 0, 0.0, where(v >= n - 1, float(n - 1), v))


def _reflect(v: Any, n: int, ac: bool) -> Any:
    """Reflect about the borders (PyTorch's ``reflect_coordinates``), then clip."""
    twice_low, twice_high = (0, 2 * (n - 1)) if ac else (-1, 2 * n - 1)
    if twice_low == twice_high:
        return v * 0.0
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    d = where(v < lo, lo - v, v - lo)  # |v - lo|, with PyTorch's gradient sign at v == lo
    extra = d % span
    flips = (d / span).floor()
    even = (flips % 2.0) == 0
    return _clip(where(even, extra + lo, (span - extra) + lo), n)


def _pad_coord(v: Any, n: int, padding: str, ac: bool) -> Any:
    if padding == "border":
        return _clip(v, n)
    if padding == "reflection":
        return _reflect(v, n, ac)
    return v


class _Sampler:
    """Reads ``input`` (N, C, *spatial) at integer-valued float positions (N, *out), one per
    spatial axis."""

    def __init__(self, x: Any, out: tuple[int, ...]) -> None:
        self.n, self.c = x.shape[:2]
        self.sp, self.out = tuple(x.shape[2:]), out
        self.m = math.prod(out)
        self.flat = x.reshape((self.n, self.c, math.prod(self.sp)))

    def tap(self, pos: list[Any]) -> tuple[Any, Any]:
        """``(values (N, C, *out), in bounds (N, 1, *out))``; out-of-bounds (and NaN)
        positions read index 0, to be masked by the caller."""
        ok, lin = None, None
        for p, size in zip(pos, self.sp):
            good = (p >= 0) & (p <= size - 1)
            ok = good if ok is None else ok & good
            lin = p if lin is None else lin * float(size) + p
        idx = where(ok, lin, 0.0).long().reshape((self.n, 1, self.m)).expand(self.n, self.c, self.m)
        v = self.flat.gather(2, idx).reshape((self.n, self.c, *self.out))
        return v, ok.reshape((self.n, 1, *self.out))


def _cubic_weights(t: Any) -> list[Any]:
    """PyTorch's ``get_cubic_upsample_coefficients`` for the 4 taps at offsets -1, 0, 1, 2."""
    def conv1(v: Any) -> Any:  # |v| <= 1
        return ((v * (_A + 2) - (_A + 3)) * v) * v + 1.0

    def conv2(v: Any) -> Any:  # 1 < |v| < 2
        return ((v * _A - 5 * _A) * v + 8 * _A) * v - 4 * _A

    u = 1.0 - t
    return [conv2(t + 1.0), conv1(t), conv1(u), conv2(u + 1.0)]


@torch_op
def grid_sample(input: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
                align_corners: bool | None = None) -> Any:
    """Sample ``input`` ``(N, C, H_in, W_in)`` at the normalised positions ``grid``
    ``(N, H_out, W_out, 2)`` (``grid[..., 0]`` is x, the width axis; -1 and 1 are the outer
    pixel edges, or their centres with ``align_corners``): ``(N, C, H_out, W_out)``. A 5-D
    input ``(N, C, D, H, W)`` takes a grid ``(N, D_out, H_out, W_out, 3)`` (x, y, z);
    ``bilinear`` is then trilinear, and ``bicubic`` is for 4-D input only, as PyTorch."""
    op = "grid_sample"
    x, g = float_tensor(op, "input", input), float_tensor(op, "grid", grid)
    same_dtype(op, x, "grid", g)
    if mode not in _MODES:
        raise ArgumentError(f"{op}: mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
    if padding_mode not in _PADDING:
        raise ArgumentError(f"{op}: padding_mode must be one of {', '.join(map(repr, _PADDING))}, got "
                            f"{padding_mode!r}")
    ac = _align(op, align_corners)
    if x.ndim not in (4, 5):
        raise ShapeError(f"{op}: expected 4-D input (N, C, H, W) or 5-D input (N, C, D, H, W), got input of shape "
                         f"{tuple(x.shape)}")
    sd = x.ndim - 2
    if mode == "bicubic" and sd != 2:
        raise ArgumentError(f"{op}: mode 'bicubic' supports 4-D input only, got input of shape {tuple(x.shape)}")
    if g.ndim != x.ndim or g.shape[0] != x.shape[0] or g.shape[-1] != sd:
        outs = ", ".join(f"{a}_out" for a in "DHW"[3 - sd:])
        raise ShapeError(f"{op}: expected grid of shape ({x.shape[0]}, {outs}, {sd}) for input of shape "
                         f"{tuple(x.shape)}, got {tuple(g.shape)}")
    n, c, sp, out = x.shape[0], x.shape[1], tuple(x.shape[2:]), tuple(g.shape[1:-1])
    if min(sp) == 0:
        raise ShapeError(f"{op}: expected input with non-empty spatial dimensions, got {tuple(x.shape)}")
    if n == 0 or c == 0 or min(out) == 0:
        return x.session.zeros((n, c, *out), dtype=x.dtype)
    s = _Sampler(x, out)
    # one pixel position per spatial axis (D, H, W order); grid's last axis lists them as x, y, z
    pos = [_unnormalize(g.select(-1, sd - 1 - a), sp[a], ac) for a in range(sd)]
    if mode == "bicubic":  # the padding applies to each tap's position, as PyTorch's
        iy, ix = pos
        x0, y0 = ix.floor(), iy.floor()
        wx, wy = _cubic_weights(ix - x0), _cubic_weights(iy - y0)
        res = None
        for i in range(4):
            yi = _pad_coord(y0 + float(i - 1), sp[0], padding_mode, ac)
            row = None
            for j in range(4):
                v, ok = s.tap([yi, _pad_coord(x0 + float(j - 1), sp[1], padding_mode, ac)])
                term = where(ok, v, 0.0) * wx[j].unsqueeze(1)
                row = term if row is None else row + term
            term = row * wy[i].unsqueeze(1)
            res = term if res is None else res + term
        return res
    pos = [_pad_coord(p, size, padding_mode, ac) for p, size in zip(pos, sp)]
    if mode == "nearest":
        v, ok = s.tap([p.round() for p in pos])  # round half to even, as PyTorch's nearbyint
        return where(ok, v, 0.0)
    lows = [p.floor() for p in pos]
    fracs = [p - lo for p, lo in zip(pos, lows)]  # PyTorch's weights: products of t and 1 - t
    rests = [1.0 - t for t in fracs]
    res = None
    for corner in itertools.product((0, 1), repeat=sd):
        wt, at = None, []
        for a, bit in enumerate(corner):
            f = fracs[a] if bit else rests[a]
            wt = f if wt is None else wt * f
            at.append(lows[a] + 1.0 if bit else lows[a])
        v, ok = s.tap(at)
        term = where(ok, v * wt.unsqueeze(1), 0.0)
        res = term if res is None else res + term
    return res
