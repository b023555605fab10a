"""``update_bn``: recompute a model's BatchNorm running statistics from data (torch's)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..._core.errors import ArgumentError
from ..._core.grad_mode import no_grad
from ..._core.guard import guard
from ...nn.layers.norm import _BatchNorm
from ...nn.module import Module
from ...options import Device


def _session_device(device: Any) -> Device:
    if device is None or isinstance(device, Device):
        return device or Device.CPU
    if isinstance(device, int) and not isinstance(device, bool) and device >= 0:
        return Device.CUDA
    if isinstance(device, str) and device.split(":")[0].lower() in ("cpu", "cuda"):
        return Device(device.split(":")[0].lower())
    raise ArgumentError(f"update_bn: device must be None, 'cpu', 'cuda[:n]', a Device or a CUDA index, got "
                        f"{device!r}")


def _float_dtype(bns: list[_BatchNorm]) -> Any:
    for m in bns:
        for t in (m.running_mean, m.weight):
            if t is not None:
                return t.dtype
    return np.float32


@guard("update_bn")
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """One pass over ``loader`` in training mode with every BatchNorm's statistics reset and its
    ``momentum`` set to None (the cumulative average over the batches), as torch.

    A batch that is a list or tuple gives its first element. torchlean tensors are used as they
    are; NumPy arrays (a ``DataLoader``'s batches) become inputs of a private no-grad session on
    ``device`` (default CPU) in the BatchNorms' float dtype; anything else goes to the model
    unchanged. Afterwards every module's ``momentum`` and training mode are what they were; if
    the pass fails, the running statistics are put back too."""
    if not isinstance(model, Module):
        raise ArgumentError(f"update_bn: model must be a torchlean nn.Module, got {type(model).__name__}")
    if not isinstance(loader, Iterable):
        raise ArgumentError(f"update_bn: loader must be iterable, got {type(loader).__name__}")
    dev = _session_device(device)
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    if not bns:
        return
    stats = [(b, b.value.copy()) for m in bns for b in (m.running_mean, m.running_var, m.num_batches_tracked)
             if b is not None]
    momenta = [(m, m.momentum) for m in bns]
    modes = [(m, m.training) for m in model.modules()]
    session = None
    try:
        for m in bns:
            m.reset_running_stats()
            m.momentum = None
        model.train()
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if getattr(type(batch), "__torchlean_tensor__", False) is not True and (
                    isinstance(batch, np.ndarray) or hasattr(batch, "__array__")
                    or hasattr(batch, "__cuda_array_interface__")):
                if session is None:
                    from ...eager.session import Session

                    session = Session(device=dev, dtype=_float_dtype(bns), no_grad=True)
                batch = session.input(batch)
            with no_grad():
                model(batch)
            if session is not None:
                session.reset()
    except BaseException:
        for b, v in stats:
            b.set_value(v)
        raise
    finally:
        for m, mom in momenta:
            m.momentum = mom
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
