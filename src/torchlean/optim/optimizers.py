"""Stateful optimizers over ``Param`` objects.

State is keyed by ``Param`` identity and lives on the device of the parameter's gradient; a
parameter with ``requires_grad=False`` or without a gradient is left untouched (its state too).
Updates run the pure rules of ``rules.py`` through the array binder of the gradient's backend,
so on CUDA both the parameter mirror and the moments stay on the device.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._core.errors import TorchLeanError
from ..backends import get_backend
from ..backends.base import ArrayBackend
from ..eager.arrays import ArrayOps
from ..options import Device
from ..params import Param
from . import rules


def backend_of(array: Any) -> ArrayBackend:
    return get_backend(Device.CUDA if hasattr(array, "__cuda_array_interface__") else Device.CPU)


class Optimizer:
    """Base class: ``step`` applies ``_update`` to every trainable parameter with a gradient."""

    state_keys: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Param], lr: float) -> None:
        self.params = list(params)
        if lr <= 0:
            raise TorchLeanError(f"{type(self).__name__}: lr must be positive, got {lr}")
        self.lr = float(lr)
        self.state: dict[Param, dict[str, Any]] = {}
        self._ops: dict[Device, ArrayOps] = {}

    def step(self, grads: Mapping[Param, Any] | None = None) -> None:
        """One update; gradients from ``grads`` or, by default, each parameter's ``.grad``."""
        for p in self.params:
            if not p.requires_grad:
                continue
            g = p.grad if grads is None else grads.get(p)
            if g is None:
                continue
            backend = backend_of(g)
            ops = self._ops.get(backend.device)
            if ops is None:
                ops = self._ops[backend.device] = ArrayOps(backend, p.dtype)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = self._init_state(backend, p)
            p.assign(backend, self._update(ops, p.array_on(backend), g, state))

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def _init_state(self, backend: ArrayBackend, p: Param) -> dict[str, Any]:
        state: dict[str, Any] = {k: backend.zeros(p.shape, p.dtype) for k in self.state_keys}
        state["t"] = 0
        return state

    def _update(self, ops: ArrayOps, p: Any, g: Any, state: dict[str, Any]) -> Any:
        raise NotImplementedError

    # -- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Host copies of the state, by parameter position (loadable into a fresh optimizer)."""
        out = {}
        for i, p in enumerate(self.params):
            st = self.state.get(p)
            if st is not None:
                out[str(i)] = {k: (v if k == "t" else backend_of(v).to_host(v)) for k, v in st.items()}
        return {"lr": self.lr, "state": out}

    def load_state_dict(self, d: Mapping[str, Any]) -> None:
        self.lr = float(d["lr"])
        self.state = {}
        for i, st in d["state"].items():
            p = self.params[int(i)]
            self.state[p] = {k: (int(v) if k == "t" else np.array(v, dtype=p.dtype)) for k, v in st.items()}
            for k, v in st.items():
                if k != "t" and np.shape(v) != p.shape:
                    raise TorchLeanError(f"load_state_dict: {k} of parameter {i} has shape "
                                         f"{np.shape(v)}, expected {p.shape}")


def _on(ops: ArrayOps, state: dict[str, Any], key: str) -> Any:
    """A state array on the ops' device (moves a host copy from load_state_dict once)."""
    v = state[key]
    if not ops.backend.is_array(v):
        v = state[key] = ops.backend.asarray(v, v.dtype)
    return v


class SGD(Optimizer):
    """``p <- p - lr g``."""

    def _update(self, ops, p, g, state):
        return rules.sgd(ops, p, g, self.lr)


class MomentumSGD(Optimizer):
    """``buf <- momentum buf + g; p <- p - lr buf`` (momentum 0.9 by default, as the seed)."""

    state_keys = ("buf",)

    def __init__(self, params: Iterable[Param], lr: float, momentum: float = 0.9) -> None:
        super().__init__(params, lr)
        self.momentum = momentum

    def _update(self, ops, p, g, state):
        p, state["buf"] = rules.momentum_sgd(ops, p, g, _on(ops, state, "buf"), self.lr, self.momentum)
        return p


class Adam(Optimizer):
    """Adam with the seed's defaults (0.9, 0.999, 1e-8); state ``m``, ``v`` and step ``t``."""

    state_keys = ("m", "v")

    def __init__(self, params: Iterable[Param], lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1 and eps >= 0):
            raise TorchLeanError(f"{type(self).__name__}: need 0 <= beta < 1 and eps >= 0")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def _update(self, ops, p, g, state):
        state["t"] += 1
        p, state["m"], state["v"] = rules.adam(ops, p, g, _on(ops, state, "m"), _on(ops, state, "v"),
                                               state["t"], self.lr, self.beta1, self.beta2, self.eps)
        return p


class AdamW(Adam):
    """AdamW: decay ``p - lr wd p`` first, then the Adam step (weight decay 0.01 by default)."""

    def __init__(self, params: Iterable[Param], lr: float = 1e-3, weight_decay: float = 0.01,
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(params, lr, beta1, beta2, eps)
        self.weight_decay = weight_decay

    def _update(self, ops, p, g, state):
        state["t"] += 1
        p, state["m"], state["v"] = rules.adamw(ops, p, g, _on(ops, state, "m"), _on(ops, state, "v"),
                                                state["t"], self.lr, self.weight_decay, self.beta1,
                                                self.beta2, self.eps)
        return p
