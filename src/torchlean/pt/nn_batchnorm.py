"""``torch.nn.functional.batch_norm`` and ``instance_norm``, with PyTorch's running statistics.

Running statistics (``running_mean``, ``running_var``) may be:

* a ``torchlean.Buffer`` (a module's, as BatchNorm's) or a ``Param`` (``requires_grad=False``):
  read in evaluation mode, and in training mode **updated** through the binder's
  ``assign_buffer``, as PyTorch mutates its buffers: ``new = momentum * batch_stat + (1 -
  momentum) * old``, with the unbiased batch variance for ``running_var``. Eagerly the buffer
  takes its new value when the op returns; in a ``tl.compile``d function the update is an extra
  output of the graph, written back after each compiled call, so eager and compiled runs
  update the buffers alike. (``compile_out``/``compile_scalar`` graphs do not write buffers
  back and refuse an update.)
* a host NumPy array: read, and updated in place eagerly (a traced update raises
  ``ArgumentError``: the array would be a constant of the graph; give a Buffer);
* a torchlean tensor: read only (evaluation mode, or ``use_input_stats=False``); a training-mode
  update of a tensor raises ``ArgumentError`` (values are immutable);
* ``None`` (training mode only).

Running statistics never receive a gradient (PyTorch marks them non-differentiable). The
updates are made last, once everything that can fail has been checked and computed; if the
enclosing module call fails afterwards, ``Module.__call__`` puts them back (a failed call
changes nothing; PyTorch keeps them), while a plain function calling ``F.batch_norm`` keeps them.

``tracked_batch_norm`` is what ``nn.BatchNorm*`` calls: ``batch_norm`` plus the module's
``num_batches_tracked`` counter (incremented through ``assign_buffer`` with the statistics) and
``momentum=None`` (the cumulative average, factor ``1 / num_batches_tracked``, computed from the
buffer in the graph so a compiled module does not bake it in).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import prod
from .._core.types import int64
from ..params import Param
from .dispatch import is_tensor, torch_op
from .nn_common import along_axis, check_vector, flag, float_tensor, number, optional_float_tensor
from .nn_norm import affine_channels, standardize

__all__ = ["batch_norm", "instance_norm"]


def _eager(ops: Any) -> bool:
    """Whether ``ops`` is the eager session (it reads Params through ``use``) rather than a
    graph builder."""
    return getattr(ops, "use", None) is not None


def _quiet(ops: Any) -> Any:
    """Record nothing while computing statistics updates (eagerly; a graph's buffer updates are
    outputs that are never differentiated)."""
    no_grad = getattr(ops, "no_grad", None)
    return contextlib.nullcontext() if no_grad is None else no_grad()


class _Stat:
    """One running-statistics argument: what it is, and how to read and update it."""

    def __init__(self, op: str, what: str, v: Any, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.op, self.what, self.v = op, what, v
        if v is None:
            self.kind = None
            return
        if isinstance(v, Param):  # first: a Param may also act as a tensor
            self.kind, got, dt = "param", tuple(v.shape), v.dtype
        elif is_tensor(v):
            self.kind, got, dt = "tensor", tuple(v.shape), v.dtype
        elif isinstance(v, np.ndarray):
            self.kind, got, dt = "array", v.shape, v.dtype
        else:
            raise ArgumentError(f"{op}: {what} must be None, a torchlean tensor, a Buffer or a NumPy "
                                f"array, got {type(v).__name__}")
        if got != shape:
            where = "(the channels)" if shape else "(a scalar)"
            raise ShapeError(f"{op}: expected {what} of shape {shape} {where}, got {got}")
        if dt != dtype:
            raise DTypeError(f"{op}: {what} is {np.dtype(dt).name} but the input is {np.dtype(dtype).name}")

    def check_readable(self, ops: Any) -> None:
        # a binder reads a Param through ``use`` (the eager session), or takes it as a tensor
        # argument where Params are tensors (the graph builder)
        if self.kind == "param" and not _eager(ops) and not is_tensor(self.v):
            raise ArgumentError(f"{self.op}: {self.what} is a Param, which a traced graph cannot read; "
                                "pass the running statistics as inputs of the compiled function")

    def check_updatable(self, ops: Any) -> None:
        if self.kind == "tensor":
            raise ArgumentError(f"{self.op}: {self.what} is a tensor, which cannot be updated in place "
                                "in training mode; give a Buffer (or a NumPy array, eagerly)")
        if self.kind == "array" and not _eager(ops):
            raise ArgumentError(f"{self.op}: {self.what} is a NumPy array, which a traced graph cannot "
                                "update (it would be a constant of the graph); give a Buffer")
        if self.kind == "param" and getattr(ops, "assign_buffer", None) is None:
            raise ArgumentError(f"{self.op}: this binder cannot update {self.what} "
                                f"({type(ops).__name__} has no assign_buffer)")

    def read(self, ops: Any) -> Any:
        """The current value as a tensor of ``ops`` that takes no gradient (in a trace, a
        buffer updated earlier in the same trace reads as its new value)."""
        if self.kind == "tensor":
            return ops.detach(self.v)
        if self.kind == "param":
            return ops.detach(ops.use(self.v) if _eager(ops) else self.v)
        return ops.lift(self.v, self.v.dtype)

    def store(self, ops: Any, new: Any) -> None:
        """Write ``new`` into the Buffer (``assign_buffer``) or, eagerly, the array."""
        if self.kind == "param":
            ops.assign_buffer(self.v, new)
        elif self.kind == "array":
            self.v[...] = ops.value(new)


def _blend(ops: Any, new: Any, old: Any, momentum: Any) -> Any:
    """``momentum * new + (1 - momentum) * old`` (PyTorch's update), momentum a float or a 0-d
    tensor."""
    if isinstance(momentum, float):
        return ops.add(ops.scale(new, momentum), ops.scale(old, 1.0 - momentum))
    return ops.add(ops.mul(new, momentum), ops.mul(old, ops.sub(1.0, momentum)))


def _store_all(ops: Any, updates: list[tuple[_Stat, Any]]) -> None:
    """The last step of an op: every update was computed, nothing after this can fail."""
    for stat, new in updates:
        if stat.kind is not None:
            stat.store(ops, new)


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
          ) -> tuple[Any, _Stat, _Stat, Any, Any]:
    x = float_tensor(op, "input", input)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expected input (N, C, *) with at least 2 dimensions, got shape {x.shape}")
    c = x.shape[1]
    rm = _Stat(op, "running_mean", running_mean, (c,), x.dtype)
    rv = _Stat(op, "running_var", running_var, (c,), x.dtype)
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    b = optional_float_tensor(op, "bias", bias, x.dtype)
    check_vector(op, "weight", w, c)
    check_vector(op, "bias", b, c)
    return x, rm, rv, w, b


def _batch_norm(op: str, input: Any, running_mean: Any, running_var: Any, weight: Any, bias: Any,  # noqa: A002
                training: Any, momentum: Any, eps: Any, num_batches_tracked: Any = None) -> Any:
    x, rm, rv, w, b = _args(op, input, running_mean, running_var, weight, bias)
    train = flag(op, "training", training)
    nbt = _Stat(op, "num_batches_tracked", num_batches_tracked, (), np.dtype(int64))
    m = None if momentum is None and nbt.kind is not None else number(op, "momentum", momentum)
    ops = x.session
    if not train:
        e = number(op, "eps", eps, lo=0.0)
        if rm.kind is None or rv.kind is None:
            raise ArgumentError(f"{op}: running_mean and running_var must be given in evaluation mode "
                                "(training=False)")
        rm.check_readable(ops)
        rv.check_readable(ops)
        return affine_channels(ops, _eval_norm(ops, x, rm, rv, e), w, b, 1)
    e = number(op, "eps", eps, lo=0.0, lo_open=True)
    count = x.shape[0] * prod(x.shape[2:])
    if count == 1:
        raise ArgumentError(f"{op}: expected more than 1 value per channel when training, got input "
                            f"size {list(x.shape)}")
    for stat in (rm, rv, nbt):
        stat.check_updatable(ops)
    y = affine_channels(ops, _normalize_channels(ops, x, e), w, b, 1)
    updates: list[tuple[_Stat, Any]] = []
    with _quiet(ops):
        factor: Any = m
        if nbt.kind is not None:  # PyTorch's module: num_batches_tracked += 1 before the update
            tracked = ops.add(nbt.read(ops), ops.lift(1, int64))
            updates.append((nbt, tracked))
            if m is None:  # the cumulative average: factor 1 / num_batches_tracked
                factor = ops.div(ops.lift(1.0, x.dtype), ops.cast(tracked, x.dtype))
        if rm.kind is not None or rv.kind is not None:
            axes = (0, *range(2, x.ndim))
            mean = ops.reduce_mean(x, axes)
            xc = ops.sub(x, along_axis(ops, mean, x.shape, 1))
            var = ops.div_scalar(ops.reduce_sum(ops.mul(xc, xc), axes), float(count - 1))
            for stat, new in ((rm, mean), (rv, var)):
                if stat.kind is not None:
                    updates.append((stat, _blend(ops, new, stat.read(ops), factor)))
    _store_all(ops, updates)
    return y


@torch_op
def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None,  # noqa: A002
               training: bool = False, momentum: float = 0.1, eps: float = 1e-05) -> Any:
    """Batch normalisation of ``(N, C, *)`` per channel (axis 1), then ``* weight + bias``.

    ``training=True``: the batch's statistics (biased variance) normalise, and the running
    statistics, if given, are updated (module docstring), eagerly and in ``tl.compile``.
    ``training=False``: ``running_mean``/``running_var`` normalise (both required)."""
    return _batch_norm("batch_norm", input, running_mean, running_var, weight, bias, training, momentum, eps)


@torch_op(name="batch_norm")
def tracked_batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any, bias: Any,  # noqa: A002
                       training: bool, momentum: float | None, eps: float, num_batches_tracked: Any) -> Any:
    """``batch_norm`` as ``nn.BatchNorm*`` runs it: in training mode ``num_batches_tracked`` (an
    int64 0-d Buffer, or None) is incremented with the statistics' update, and ``momentum=None``
    averages cumulatively (factor ``1 / num_batches_tracked``, as PyTorch's module)."""
    return _batch_norm("batch_norm", input, running_mean, running_var, weight, bias, training, momentum, eps,
                       num_batches_tracked if training else None)


@torch_op
def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,  # noqa: A002
                  bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-05) -> Any:
    """Instance normalisation of ``(N, C, *spatial)``: each (sample, channel) over its spatial
    positions (biased variance), then ``* weight + bias`` per channel.

    With ``use_input_stats`` (default) and running statistics given, they are updated (as
    ``batch_norm``'s, eagerly and in ``tl.compile``) with the instances' statistics averaged
    over the batch (PyTorch's rule); with ``use_input_stats=False`` the running statistics
    normalise instead."""
    op = "instance_norm"
    x, rm, rv, w, b = _args(op, input, running_mean, running_var, weight, bias)
    m = number(op, "momentum", momentum)
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
    updates: list[tuple[_Stat, Any]] = []
    if rm.kind is not None or rv.kind is not None:
        with _quiet(ops):
            mean = ops.reduce_mean(flat, 2)  # (N, C)
            xc = ops.sub(flat, ops.broadcast_to(mean, (n, c, spatial), axes=(0, 1)))
            var = ops.div_scalar(ops.reduce_sum(ops.mul(xc, xc), 2), float(spatial - 1))
            # PyTorch updates a (N * C) copy of the statistics per instance, then averages over N.
            for stat, new in ((rm, mean), (rv, var)):
                if stat.kind is not None:
                    old = ops.broadcast_to(stat.read(ops), (n, c), axes=(1,))
                    updates.append((stat, ops.reduce_mean(_blend(ops, new, old, m), 0)))
    _store_all(ops, updates)
    return y
