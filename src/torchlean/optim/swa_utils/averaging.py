"""``AveragedModel`` and the averaging functions of torch.optim.swa_utils (SWA and EMA).

The functions work on arrays (NumPy on the host, where ``AveragedModel`` keeps its averages):
``avg_fn(averaged, current, num_averaged)`` returns the new average of one tensor;
``multi_avg_fn(averaged_list, current_list, num_averaged)`` returns the list of new averages
(torch's update the lists in place: a function that writes into the arrays it is given and
returns None works too). ``num_averaged`` is a Python int (torch passes a 0-d tensor).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..._core.errors import ArgumentError, DTypeError, ShapeError
from ..._core.guard import guard, guard_methods, mark_user
from ...nn.module import Module
from ...options import Device
from ...params import Param
from .. import validate

AvgFn = Callable[[Any, Any, int], Any]
MultiAvgFn = Callable[[list[Any], list[Any], int], Any]


def _decay(op: str, decay: Any) -> float:
    d = validate.real("decay")(op, decay)
    if not 0.0 <= d <= 1.0:
        raise ArgumentError(f"{op}: decay must be in [0, 1], got {decay!r}")
    return d


def _is_float(a: Any) -> bool:
    return np.dtype(a.dtype).kind in "fc"


def _lerp(a: Any, b: Any, w: float) -> Any:
    """``a + w (b - a)`` in torch's two-sided form (exact at ``w = 1``)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


@guard("get_ema_multi_avg_fn")
def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """Exponential moving average of a list: ``lerp(ema, current, 1 - decay)`` for floats,
    ``ema * decay + current * (1 - decay)`` otherwise."""
    d = _decay("get_ema_multi_avg_fn", decay)

    def ema_update(ema_param_list: Sequence[Any], current_param_list: Sequence[Any], _: Any) -> list[Any]:
        if _is_float(ema_param_list[0]):
            return [_lerp(e, c, 1 - d) for e, c in zip(ema_param_list, current_param_list, strict=True)]
        return [e * d + c * (1 - d) for e, c in zip(ema_param_list, current_param_list, strict=True)]

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """Running (equal-weight) average of a list: ``lerp(avg, current, 1 / (n + 1))`` for floats,
    ``avg + (current - avg) / (n + 1)`` otherwise."""

    def swa_update(averaged_param_list: Sequence[Any], current_param_list: Sequence[Any],
                   num_averaged: Any) -> list[Any]:
        n = num_averaged + 1
        if _is_float(averaged_param_list[0]):
            return [_lerp(a, c, float(1 / n)) for a, c in zip(averaged_param_list, current_param_list, strict=True)]
        return [a + (c - a) / n for a, c in zip(averaged_param_list, current_param_list, strict=True)]

    return swa_update


@guard("get_ema_avg_fn")
def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """Exponential moving average of one tensor: ``decay * ema + (1 - decay) * current``."""
    d = _decay("get_ema_avg_fn", decay)

    def ema_update(ema_param: Any, current_param: Any, num_averaged: Any) -> Any:
        return d * ema_param + (1 - d) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """Running average of one tensor: ``avg + (current - avg) / (n + 1)``."""

    def swa_update(averaged_param: Any, current_param: Any, num_averaged: Any) -> Any:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _user(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except BaseException as e:
        mark_user(e)
        raise


def _device(op: str, device: Any) -> None:
    if device is None or isinstance(device, Device):
        return
    if isinstance(device, int) and not isinstance(device, bool) and device >= 0:
        return  # torch's CUDA index
    if isinstance(device, str) and device.split(":")[0].lower() in ("cpu", "cuda"):
        return
    raise ArgumentError(f"{op}: device must be None, 'cpu', 'cuda[:n]', a Device or a CUDA index, got {device!r}")


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) are the average
    of the models given to ``update_parameters`` (torch.optim.swa_utils.AveragedModel).

    The copy is ``copy.deepcopy(model)``, held as the submodule ``module``; ``n_averaged`` is an
    int64 buffer, so ``state_dict`` has torch's keys (``n_averaged``, ``module.*``). Without
    ``avg_fn`` / ``multi_avg_fn`` the average is the equal-weight running mean (SWA).
    ``device`` is accepted and changes nothing (parameters follow the session they are used in).
    """

    def __init__(self, model: Module, device: Any = None, avg_fn: AvgFn | None = None,
                 multi_avg_fn: MultiAvgFn | None = None, use_buffers: bool = False) -> None:
        op = "AveragedModel"
        super().__init__()
        if not isinstance(model, Module):
            raise ArgumentError(f"{op}: model must be a torchlean nn.Module, got {type(model).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ArgumentError(f"{op}: only one of avg_fn and multi_avg_fn should be provided")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise ArgumentError(f"{op}: {name} must be callable or None, got {type(fn).__name__}")
        use_buffers = validate.flag("use_buffers")(op, use_buffers)
        _device(op, device)
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", np.asarray(0, dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged copy's forward."""
        return self.module(*args, **kwargs)

    def _averaged(self, m: Module) -> list[Param]:
        return [*m.parameters(), *m.buffers()] if self.use_buffers else list(m.parameters())

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current parameters in (the first call copies them), copy its
        buffers unless ``use_buffers``, and count one more model. All or nothing: every shape
        and every returned average is checked before any value is written."""
        op = "AveragedModel.update_parameters"
        if not isinstance(model, Module):
            raise ArgumentError(f"{op}: model must be a torchlean nn.Module, got {type(model).__name__}")
        ours, theirs = self._averaged(self.module), self._averaged(model)
        what = "parameters and buffers" if self.use_buffers else "parameters"
        _pair(op, what, ours, theirs)
        n = int(self.n_averaged.value)
        current = [p.value.copy() for p in theirs]
        if n == 0:
            new = current
        else:
            new = self._average(op, [p.value.copy() for p in ours], current, n)
        writes = [(t, _cast(op, f"{what} {i}", t, v)) for i, (t, v) in enumerate(zip(ours, new))]
        if not self.use_buffers:
            bufs, model_bufs = list(self.module.buffers()), list(model.buffers())
            _pair(op, "buffers", bufs, model_bufs)
            writes += [(t, _cast(op, f"buffer {i}", t, b.value)) for i, (t, b) in enumerate(zip(bufs, model_bufs))]
        for t, v in writes:  # nothing below can fail
            t.set_value(v)
        self.n_averaged.set_value(np.asarray(n + 1, dtype=np.int64))

    def _average(self, op: str, avg: list[Any], cur: list[Any], n: int) -> list[Any]:
        if self.avg_fn is not None:
            return [_user(self.avg_fn, a, c, n) for a, c in zip(avg, cur)]
        if self.multi_avg_fn is None:
            fn = get_swa_avg_fn()
            return [fn(a, c, n) for a, c in zip(avg, cur)]
        groups: dict[np.dtype, list[int]] = {}
        for i, a in enumerate(avg):  # one call per dtype, as torch groups by device and dtype
            groups.setdefault(np.dtype(a.dtype), []).append(i)
        out: list[Any] = list(avg)
        for idx in groups.values():
            given = [avg[i] for i in idx]
            res = _user(self.multi_avg_fn, given, [cur[i] for i in idx], n)
            res = given if res is None else list(res)
            if len(res) != len(idx):
                raise ArgumentError(f"{op}: multi_avg_fn returned {len(res)} averages for {len(idx)} tensors")
            for i, r in zip(idx, res):
                out[i] = r
        return out


def _pair(op: str, what: str, ours: list[Param], theirs: list[Param]) -> None:
    if len(ours) != len(theirs):
        raise ArgumentError(f"{op}: the model has {len(theirs)} {what}, the averaged model {len(ours)}")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a.shape != b.shape:
            raise ShapeError(f"{op}: {what} {i} has shape {b.shape} in the model, {a.shape} in the averaged model")


def _cast(op: str, what: str, target: Param, v: Any) -> np.ndarray:
    """A new value for ``target``: its shape, cast to its dtype (float into int truncates, as
    torch's ``copy_``)."""
    if hasattr(v, "__cuda_array_interface__"):
        v = v.get()
    try:
        arr = np.asarray(v)
    except Exception as e:
        raise ArgumentError(f"{op}: the average of {what} is not an array ({type(v).__name__})") from e
    if arr.dtype.kind not in "biuf":
        raise DTypeError(f"{op}: the average of {what} is {arr.dtype}, not numbers")
    if arr.shape != target.shape:
        raise ShapeError(f"{op}: the average of {what} has shape {arr.shape}, expected {target.shape}")
    return arr.astype(target.dtype)


guard_methods(AveragedModel, ("__init__", "update_parameters"))
