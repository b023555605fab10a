"""Stateful optimizers over ``Param`` objects, with the seed's formulas and defaults.

State is keyed by ``Param`` identity and lives on the device of the parameter's gradient; a
parameter with ``requires_grad=False`` or without a gradient is left untouched (its state too).
Updates run the pure rules of ``rules.py`` through the array binder of the gradient's backend,
so on CUDA both the parameter mirror and the moments stay on the device.

Every step fails whole or succeeds whole: all gradients are checked first (exact shape and
dtype of their parameter: a gradient is never broadcast into a parameter), then every update
is computed without touching anything, then parameters and state are committed together.
Hyperparameters are validated on construction, on every assignment and in ``load_state_dict``
(torch.optim's rules: lr finite and >= 0, 0 <= betas < 1, eps, weight decay, momentum >= 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from .._core import convert
from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.guard import guard_methods
from ..backends import get_backend
from ..backends.base import ArrayBackend
from ..eager.arrays import ArrayOps
from ..options import Device
from ..params import Param
from . import rules, validate

_GUARDED = ("__init__", "step", "zero_grad", "state_dict", "load_state_dict", "check_hyper", "set_hyper")


def backend_of(array: Any) -> ArrayBackend:
    return get_backend(Device.CUDA if hasattr(array, "__cuda_array_interface__") else Device.CPU)


_CPU = get_backend(Device.CPU)


class Optimizer:
    """Base class: ``step`` applies ``_update`` to every trainable parameter with a gradient."""

    state_keys: tuple[str, ...] = ()
    counts_steps = False  # whether the state holds a step count t (Adam's bias correction)
    # Hyperparameters and their checks; every assignment of one is validated (__setattr__).
    checks: ClassVar[dict[str, Callable[[str, Any], float]]] = {"lr": validate.lr}

    @property
    def hyper_names(self) -> tuple[str, ...]:
        return tuple(self.checks)

    def __setattr__(self, name: str, value: Any) -> None:
        check = self.checks.get(name)
        if check is not None:
            value = check(type(self).__name__, value)
        object.__setattr__(self, name, value)

    def __init__(self, params: Iterable[Param], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Param):
            raise ArgumentError(f"{name}: params must be an iterable of Params, got a single Param "
                                "(wrap it in a list)")
        if not isinstance(params, Iterable) or isinstance(params, (str, bytes)):
            raise ArgumentError(f"{name}: params must be an iterable of Params, got {type(params).__name__}")
        self.params = list(params)
        for i, p in enumerate(self.params):
            if not isinstance(p, Param):
                raise ArgumentError(f"{name}: params[{i}] is a {type(p).__name__}, not a Param")
        self.lr = lr
        self.state: dict[Param, dict[str, Any]] = {}
        self._ops: dict[tuple[int, np.dtype], ArrayOps] = {}

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={getattr(self, k)}" for k in self.hyper_names)
        return f"{type(self).__name__}({len(self.params)} params, {hyper})"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        guard_methods(cls, _GUARDED)

    def step(self, grads: Mapping[Param, Any] | None = None) -> None:
        """One update; gradients from ``grads`` or, by default, each parameter's ``.grad``."""
        if grads is not None and not isinstance(grads, Mapping):
            raise ArgumentError(f"{type(self).__name__}.step: grads must map Params to gradients, got "
                                f"{type(grads).__name__}")
        work = []
        for i, p in enumerate(self.params):
            if not p.requires_grad:
                continue
            g = p.grad if grads is None else grads.get(p)
            if g is None:
                continue
            if not (g.__class__ is np.ndarray and g.shape == p.shape and g.dtype == p.dtype):
                g = self._checked_grad(f"{type(self).__name__}.step", i, p, g)
            work.append((p, g))
        stateful = bool(self.state_keys) or self.counts_steps
        updates = []
        for p, g in work:
            backend = _CPU if g.__class__ is np.ndarray else backend_of(g)
            key = (id(backend), p.dtype)  # not the Device enum: its hash runs in Python
            ops = self._ops.get(key)
            if ops is None:
                ops = self._ops[key] = ArrayOps(backend, p.dtype)
            state = None
            if stateful:
                state = self.state.get(p)
                state = dict(state) if state is not None else self._init_state(backend, p)
            new_p, new_state = self._update(ops, p.array_on(backend), g, state)
            updates.append((p, backend, new_p, new_state))
        for p, backend, new_p, new_state in updates:  # commit: nothing below can fail
            if stateful:
                self.state[p] = new_state
            p.assign(backend, new_p)

    def _checked_grad(self, op: str, i: int, p: Param, g: Any) -> Any:
        what = f"gradient of parameter {i}" + (f" ({p.name!r})" if p.name else "")
        if not hasattr(g, "shape") or not backend_of(g).is_array(g):
            g = convert.host_array(g, op, what, p.dtype)
        if tuple(g.shape) != p.shape:
            raise ShapeError(f"{op}: {what} has shape {tuple(g.shape)}, expected the parameter's "
                             f"shape {p.shape} (gradients are never broadcast)")
        if np.dtype(g.dtype) != p.dtype:
            raise DTypeError(f"{op}: {what} is {np.dtype(g.dtype).name}, expected {p.dtype.name}")
        return g

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def _init_state(self, backend: ArrayBackend, p: Param) -> dict[str, Any]:
        state: dict[str, Any] = {k: backend.zeros(p.shape, p.dtype) for k in self.state_keys}
        state["t"] = 0
        return state

    def _update(self, ops: ArrayOps, p: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """The new parameter value and the new state; must not mutate anything it was given
        except the ``state`` dict, which is a fresh copy."""
        raise NotImplementedError

    def check_hyper(self, **hyper: Any) -> dict[str, float]:
        """Validated values of several hyperparameters (nothing is changed)."""
        name = type(self).__name__
        unknown = sorted(set(hyper) - set(self.hyper_names))
        if unknown:
            raise ArgumentError(f"{name}: unknown hyperparameters {unknown}; it has {list(self.hyper_names)}")
        return {k: self.checks[k](name, v) for k, v in hyper.items()}

    def set_hyper(self, **hyper: Any) -> None:
        """Set several hyperparameters at once, all validated before any is changed."""
        for k, v in self.check_hyper(**hyper).items():
            setattr(self, k, v)

    # -- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Host copies of the state, by parameter position, and the hyperparameters."""
        out = {}
        for i, p in enumerate(self.params):
            st = self.state.get(p)
            if st is not None:
                out[str(i)] = {k: (v if k == "t" else backend_of(v).to_host(v)) for k, v in st.items()}
        d: dict[str, Any] = {k: getattr(self, k) for k in self.hyper_names}
        d["state"] = out
        return d

    def load_state_dict(self, d: Mapping[str, Any]) -> None:
        """Replace hyperparameters and state; the whole dict is validated before any of it is
        applied (keys, parameter indices, state shapes and dtypes, step counts, hyperparameters)."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(d, Mapping):
            raise ArgumentError(f"{name}: expected a dict, got {type(d).__name__}")
        missing = [k for k in (*self.hyper_names, "state") if k not in d]
        extra = sorted(set(d) - {*self.hyper_names, "state"})
        if missing or extra:
            raise ArgumentError(f"{name}: expected keys {[*self.hyper_names, 'state']}, missing "
                                f"{missing}, unexpected {extra}")
        hyper = {k: self.checks[k](name, d[k]) for k in self.hyper_names}
        if not isinstance(d["state"], Mapping):
            raise ArgumentError(f"{name}: 'state' must be a dict, got {type(d['state']).__name__}")
        state: dict[Param, dict[str, Any]] = {}
        for key, st in d["state"].items():
            i = _index(name, key, len(self.params))
            p = self.params[i]
            state[p] = self._checked_state(name, i, p, st)
        for k, v in hyper.items():
            setattr(self, k, v)
        self.state = state

    def _checked_state(self, name: str, i: int, p: Param, st: Any) -> dict[str, Any]:
        want = {*self.state_keys, "t"}
        if not isinstance(st, Mapping) or set(st) != want:
            got = sorted(st) if isinstance(st, Mapping) else type(st).__name__
            raise ArgumentError(f"{name}: state of parameter {i} must have keys {sorted(want)}, got {got}")
        t = st["t"]
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ArgumentError(f"{name}: step count t of parameter {i} must be an int >= 0, got {t!r}")
        out: dict[str, Any] = {"t": int(t)}
        for k in self.state_keys:
            arr = convert.host_array(st[k], name, f"{k} of parameter {i}", p.dtype)
            if arr.shape != p.shape:
                raise ShapeError(f"{name}: {k} of parameter {i} has shape {arr.shape}, expected {p.shape}")
            out[k] = arr
        return out


guard_methods(Optimizer, _GUARDED)


def _index(op: str, key: Any, n: int) -> int:
    try:
        i = int(key)
    except (TypeError, ValueError):
        raise ArgumentError(f"{op}: state key {key!r} is not a parameter index") from None
    if str(i) != str(key).strip() and not isinstance(key, (int, np.integer)):
        raise ArgumentError(f"{op}: state key {key!r} is not a parameter index")
    if not 0 <= i < n:
        raise ArgumentError(f"{op}: state key {key!r} is out of range for {n} parameters")
    return i


def _on(ops: ArrayOps, state: dict[str, Any], key: str) -> Any:
    """A state array on the ops' device (moves a host copy from load_state_dict once)."""
    v = state[key]
    if not ops.backend.is_array(v):
        v = state[key] = ops.backend.asarray(v, v.dtype)
    return v


class SGD(Optimizer):
    """``p <- p - lr g``."""

    def _update(self, ops, p, g, state):
        # rules.sgd in one temporary: (-lr) g + p is bit-identical to p - lr g in IEEE arithmetic.
        t = ops.backend.xp.multiply(g, -self.lr)
        t += p
        return t, state


class MomentumSGD(Optimizer):
    """``buf <- momentum buf + g; p <- p - lr buf`` (momentum 0.9 by default, as the seed)."""

    state_keys = ("buf",)
    checks: ClassVar = {**Optimizer.checks, "momentum": validate.momentum}

    def __init__(self, params: Iterable[Param], lr: float, momentum: float = 0.9) -> None:
        super().__init__(params, lr)
        self.momentum = momentum

    def _update(self, ops, p, g, state):
        p, state["buf"] = rules.momentum_sgd(ops, p, g, _on(ops, state, "buf"), self.lr, self.momentum)
        return p, state


class Adam(Optimizer):
    """Adam with the seed's defaults (0.9, 0.999, 1e-8); state ``m``, ``v`` and step ``t``."""

    state_keys = ("m", "v")
    counts_steps = True
    checks: ClassVar = {**Optimizer.checks, "beta1": validate.beta1, "beta2": validate.beta2,
                        "eps": validate.eps}

    def __init__(self, params: Iterable[Param], lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def _update(self, ops, p, g, state):
        state["t"] += 1
        p, state["m"], state["v"] = rules.adam(ops, p, g, _on(ops, state, "m"), _on(ops, state, "v"),
                                               state["t"], self.lr, self.beta1, self.beta2, self.eps)
        return p, state


class AdamW(Adam):
    """AdamW: decay ``p - lr wd p`` first, then the Adam step (weight decay 0.01 by default)."""

    checks: ClassVar = {"lr": validate.lr, "weight_decay": validate.weight_decay, "beta1": validate.beta1,
                        "beta2": validate.beta2, "eps": validate.eps}

    def __init__(self, params: Iterable[Param], lr: float = 1e-3, weight_decay: float = 0.01,
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(params, lr, beta1, beta2, eps)
        self.weight_decay = weight_decay

    def _update(self, ops, p, g, state):
        state["t"] += 1
        p, state["m"], state["v"] = rules.adamw(ops, p, g, _on(ops, state, "m"), _on(ops, state, "v"),
                                                state["t"], self.lr, self.weight_decay, self.beta1,
                                                self.beta2, self.eps)
        return p, state
