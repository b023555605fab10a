"""``torch.nn.functional.batch_norm`` and ``instance_norm``, with PyTorch's running statistics.

Running statistics (``running_mean``, ``running_var``) may be:

* a ``torchlean.Param`` (``requires_grad=False``, as a module buffer) or a host NumPy array:
  read in evaluation mode, and **updated in place after the op** in training mode, eagerly, as
  PyTorch mutates its buffers: ``new = momentum * batch_stat + (1 - momentum) * old``, with the
  unbiased batch variance for ``running_var``;
* a torchlean tensor: read only (evaluation mode, or ``use_input_stats=False``); a training-mode
  update of a tensor raises ``ArgumentError`` (values are immutable);
* ``None`` (training mode only).

On a traced (compiled) graph a training-mode update raises ``ArgumentError`` (not supported
yet); a ``Param`` is read through the binder's ``use`` (the eager session) or as a tensor
argument where the binder takes Params (otherwise ``ArgumentError``: pass the statistics as
inputs of the compiled function). Running statistics never receive a
gradient (PyTorch marks them non-differentiable). The update happens once the op has succeeded;
if an enclosing op fails afterwards, the update stays (as in PyTorch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import prod
from ..params import Param
from .dispatch import is_tensor, torch_op
from .nn_common import along_axis, check_vector, flag, float_tensor, number, optional_float_tensor
from .nn_norm import affine_channels, standardize

__all__ = ["batch_norm", "instance_norm"]


class _Stat:
    """One running-statistics argument: what it is, and how to read and update it."""

    def __init__(self, op: str, what: str, v: Any, c: int, dtype: np.dtype) -> None:
        self.op, self.what, self.v = op, what, v
        if v is None:
            self.kind = None
            return
        if isinstance(v, Param):  # first: a Param may also act as a tensor
            self.kind, shape, dt = "param", tuple(v.shape), v.dtype
        elif is_tensor(v):
            self.kind, shape, dt = "tensor", tuple(v.shape), v.dtype
        elif isinstance(v, np.ndarray):
            self.kind, shape, dt = "array", v.shape, v.dtype
        else:
            raise ArgumentError(f"{op}: {what} must be None, a torchlean tensor, a Param or a NumPy "
                                f"array, got {type(v).__name__}")
        if shape != (c,):
            raise ShapeError(f"{op}: expected {what} of shape ({c},) (the channels), got {shape}")
        if dt != dtype:
            raise DTypeError(f"{op}: {what} is {np.dtype(dt).name} but the input is {dtype.name}")

    def check_readable(self, ops: Any) -> None:
        # a binder reads a Param through ``use`` (the eager session), or takes it as a tensor
        # argument where Params are tensors
        if self.kind == "param" and getattr(ops, "use", None) is None and not is_tensor(self.v):
            raise ArgumentError(f"{self.op}: {self.what} is a Param, which a traced graph cannot read; "
                                "pass the running statistics as inputs of the compiled function")

    def check_updatable(self, ops: Any) -> None:
        if self.kind == "tensor":
            raise ArgumentError(f"{self.op}: {self.what} is a tensor, which cannot be updated in place "
                                "in training mode; give a Param (requires_grad=False) or a NumPy array")
        if self.kind is not None and getattr(ops, "no_grad", None) is None:
            raise ArgumentError(f"{self.op}: updating {self.what} in training mode is not supported "
                                "in a traced graph yet; run the training step eagerly")

    def read(self, ops: Any) -> Any:
        """The current value as a tensor of ``ops`` that takes no gradient."""
        if self.kind == "tensor":
            return ops.detach(self.v)
        if self.kind == "param":
            use = getattr(ops, "use", None)
            return ops.detach(self.v if use is None else use(self.v))
        return ops.lift(self.v, self.v.dtype)

    def store(self, ops: Any, new: Any) -> None:
        """Write ``new`` (a tensor of the eager session ``ops``) into the Param or array."""
        if self.kind == "param":
            self.v.assign(ops.backend, new._v)  # the session's own array: no device round trip
        elif self.kind == "array":
            self.v[...] = ops.value(new)


def _update(ops: Any, stats: list[tuple[_Stat, Any]], momentum: float) -> None:
    """``stat <- momentum * new + (1 - momentum) * stat`` for each (stat, new) pair, eagerly."""
    with ops.no_grad():
        for stat, new in stats:
            if stat.kind is not None:
                stat.store(ops, ops.add(ops.scale(new, momentum), ops.scale(stat.read(ops), 1.0 - momentum)))


def _normalize_channels(ops: Any, x: Any, eps: float) -> Any:
    """Standardise each channel (axis 1) of x (N, C, *) over every other axis."""
    shape = tuple(ops.shape_of(x))
    nd = len(shape)
    perm = (1, 0, *range(2, nd))
    rows = ops.reshape(ops.permute(x, perm), (shape[1], -1))
    y = ops.normalize_last(rows, eps)
    return ops.permute(ops.reshape(y, (shape[1], shape[0], *shape[2:])), perm)


def _eval_norm(ops: Any, x: Any, mean: _Stat, var: _Stat, eps: float) -> Any:
    """(x - running_mean) / sqrt(running_var + eps) per channel (axis 1)."""
    shape = tuple(ops.shape_of(x))
    invstd = ops.inv(ops.sqrt(ops.add_scalar(var.read(ops), eps)))
    return ops.mul(ops.sub(x, along_axis(ops, mean.read(ops), shape, 1)), along_axis(ops, invstd, shape, 1))


def _args(op: str, input: Any, running_mean: Any, running_var: Any, weight: Any, bias: Any,  # noqa: A002
          momentum: Any) -> tuple[Any, _Stat, _Stat, Any, Any, float]:
    x = float_tensor(op, "input", input)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expected input (N, C, *) with at least 2 dimensions, got shape {x.shape}")
    c = x.shape[1]
    rm = _Stat(op, "running_mean", running_mean, c, x.dtype)
    rv = _Stat(op, "running_var", running_var, c, x.dtype)
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    b = optional_float_tensor(op, "bias", bias, x.dtype)
    check_vector(op, "weight", w, c)
    check_vector(op, "bias", b, c)
    return x, rm, rv, w, b, number(op, "momentum", momentum)


@torch_op
def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None,  # noqa: A002
               training: bool = False, momentum: float = 0.1, eps: float = 1e-05) -> Any:
    """Batch normalisation of ``(N, C, *)`` per channel (axis 1), then ``* weight + bias``.

    ``training=True``: the batch's statistics (biased variance) normalise, and the running
    statistics, if given, are updated in place after the op (module docstring).
    ``training=False``: ``running_mean``/``running_var`` normalise (both required)."""
    op = "batch_norm"
    x, rm, rv, w, b, m = _args(op, input, running_mean, running_var, weight, bias, momentum)
    train = flag(op, "training", training)
    ops = x.session
    if train:
        e = number(op, "eps", eps, lo=0.0, lo_open=True)
        count = x.shape[0] * prod(x.shape[2:])
        if count == 1:
            raise ArgumentError(f"{op}: expected more than 1 value per channel when training, got input "
                                f"size {list(x.shape)}")
        rm.check_updatable(ops)
        rv.check_updatable(ops)
        y = affine_channels(ops, _normalize_channels(ops, x, e), w, b, 1)
        if rm.kind is not None or rv.kind is not None:
            with ops.no_grad():
                axes = (0, *range(2, x.ndim))
                mean = ops.reduce_mean(x, axes)
                xc = ops.sub(x, along_axis(ops, mean, x.shape, 1))
                var = ops.div_scalar(ops.reduce_sum(ops.mul(xc, xc), axes), float(count - 1))
            _update(ops, [(rm, mean), (rv, var)], m)
        return y
    e = number(op, "eps", eps, lo=0.0)
    if rm.kind is None or rv.kind is None:
        raise ArgumentError(f"{op}: running_mean and running_var must be given in evaluation mode "
                            "(training=False)")
    rm.check_readable(ops)
    rv.check_readable(ops)
    return affine_channels(ops, _eval_norm(ops, x, rm, rv, e), w, b, 1)


@torch_op
def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,  # noqa: A002
                  bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-05) -> Any:
    """Instance normalisation of ``(N, C, *spatial)``: each (sample, channel) over its spatial
    positions (biased variance), then ``* weight + bias`` per channel.

    With ``use_input_stats`` (default) and running statistics given, they are updated in place
    with the instances' statistics averaged over the batch (PyTorch's rule); with
    ``use_input_stats=False`` the running statistics normalise instead."""
    op = "instance_norm"
    x, rm, rv, w, b, m = _args(op, input, running_mean, running_var, weight, bias, momentum)
    use_stats = flag(op, "use_input_stats", use_input_stats)
    e = number(op, "eps", eps)
    ops = x.session
    n, c = x.shape[0], x.shape[1]
    if not use_stats:
        if rm.kind is None or rv.kind is None:
            raise ArgumentError(f"{op}: running_mean and running_var must be given when "
                                "use_input_stats=False")
        rm.check_readable(ops)
        rv.check_readable(ops)
        return affine_channels(ops, _eval_norm(ops, x, rm, rv, e), w, b, 1)
    spatial = prod(x.shape[2:])
    if spatial == 1:
        raise ArgumentError(f"{op}: expected more than 1 spatial element when training, got input "
                            f"size {list(x.shape)}")
    rm.check_updatable(ops)
    rv.check_updatable(ops)
    flat = ops.reshape(x, (n, c, spatial))
    y = affine_channels(ops, ops.reshape(standardize(ops, flat, e), x.shape), w, b, 1)
    if rm.kind is not None or rv.kind is not None:
        with ops.no_grad():
            mean = ops.reduce_mean(flat, 2)  # (N, C)
            xc = ops.sub(flat, ops.broadcast_to(mean, (n, c, spatial), axes=(0, 1)))
            var = ops.div_scalar(ops.reduce_sum(ops.mul(xc, xc), 2), float(spatial - 1))
            # PyTorch updates a (N * C) copy of the statistics per instance, then averages over N.
            updates = []
            for stat, new in ((rm, mean), (rv, var)):
                if stat.kind is not None:
                    old = ops.broadcast_to(stat.read(ops), (n, c), axes=(1,))
                    per = ops.add(ops.scale(new, m), ops.scale(old, 1.0 - m))
                    updates.append((stat, ops.reduce_mean(per, 0)))
        for stat, new in updates:
            stat.store(ops, new)
    return y
