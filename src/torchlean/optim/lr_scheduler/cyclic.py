"""``PolynomialLR``, ``CosineAnnealingWarmRestarts`` and ``CyclicLR`` with torch's formulas.

``CosineAnnealingWarmRestarts`` (SGDR) counts ``T_cur`` epochs since the last restart and
restarts every ``T_i`` epochs, ``T_i`` growing by ``T_mult``; ``step(epoch)`` also takes a
fractional epoch (``epoch + i / iters`` inside an epoch). ``CyclicLR`` (stepped per batch)
moves the rate between ``base_lr`` and ``max_lr`` in triangles of ``step_size_up`` +
``step_size_down`` steps, scaled per cycle (``triangular2``: halved) or per step
(``exp_range``: ``gamma ** step``), and with ``cycle_momentum`` the momentum (SGD's
``momentum`` or the first of Adam's ``betas``) the opposite way.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any, ClassVar

from ..._core.errors import ArgumentError
from .. import validate
from ..base import Optimizer
from .base import (
    CyclesMomentum,
    LRScheduler,
    atomic,
    check_optimizer,
    choice,
    momentum_bounds,
    per_group,
    run_user,
    start_momenta,
)


class PolynomialLR(LRScheduler):
    """Decay the base rate by ``(1 - epoch / total_iters) ** power`` until ``total_iters``."""

    _fields: ClassVar = {"total_iters": validate.integer("total_iters", 1), "power": validate.real("power")}

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.total_iters = self._fields["total_iters"]("PolynomialLR", total_iters)
        self.power = self._fields["power"]("PolynomialLR", power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, n = self.last_epoch, self.total_iters
        if self._is_initial or e > n:
            return self._current()
        factor = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * factor for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        n = self.total_iters
        return [b * (1.0 - min(n, self.last_epoch) / n) ** self.power for b in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: cosine annealing from the base rate to ``eta_min`` over ``T_i`` epochs, then a
    restart; ``T_i`` starts at ``T_0`` and is multiplied by ``T_mult`` at each restart."""

    _fields: ClassVar = {"T_0": validate.integer("T_0", 1), "T_i": validate.real("T_i"),
                         "T_mult": validate.integer("T_mult", 1), "eta_min": validate.real("eta_min"),
                         "T_cur": validate.real("T_cur")}

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        op = "CosineAnnealingWarmRestarts"
        self.T_0 = self._fields["T_0"](op, T_0)
        self.T_i = self.T_0
        self.T_mult = self._fields["T_mult"](op, T_mult)
        self.eta_min = self._fields["eta_min"](op, eta_min)
        self.T_cur = validate.integer("last_epoch", -1)(op, last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lo = self.eta_min
        return [lo + (b - lo) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for b in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (a real number >= 0: fractions within an epoch)."""
        op = f"{type(self).__name__}.step"
        if epoch is not None:
            epoch = validate.non_negative("epoch")(op, epoch)
        with atomic(self.optimizer, [self]):
            if epoch is None and self.last_epoch < 0:
                epoch = 0
            if epoch is None:
                epoch = self.last_epoch + 1
                self.T_cur = self.T_cur + 1
                if self.T_cur >= self.T_i:
                    self.T_cur = self.T_cur % self.T_i
                    self.T_i = self.T_i * self.T_mult
            elif epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
            self.last_epoch = math.floor(epoch)
            self._commit(self._checked_lrs(self.get_lr()))
            self._last_lr = [g["lr"] for g in self.optimizer.param_groups]


_MODES = ("triangular", "triangular2", "exp_range")


def _floats(name: str, n: int) -> Any:
    def check(op: str, v: Any) -> list[float]:
        if not isinstance(v, (list, tuple)) or len(v) != n:
            raise ArgumentError(f"{op}: {name} must be a list of {n} numbers, got {v!r:.80}")
        return [validate.real(name)(op, x) for x in v]

    return check


class CyclicLR(CyclesMomentum, LRScheduler):
    """Cyclical learning rates (and inverse momentum) between ``base_lr`` and ``max_lr``; call
    ``step()`` after every batch. A custom ``scale_fn`` is saved in the state dict only when it
    is a callable object (its attributes), as torch."""

    _fields: ClassVar = {"total_size": validate.positive("total_size"), "step_ratio": validate.real("step_ratio"),
                         "mode": choice("mode", _MODES), "gamma": validate.real("gamma"),
                         "scale_mode": choice("scale_mode", ("cycle", "iterations")),
                         "cycle_momentum": validate.flag("cycle_momentum"), "use_beta1": validate.flag("use_beta1")}

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float], max_lr: float | list[float],
                 step_size_up: int = 2000, step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float | list[float] = 0.8,
                 max_momentum: float | list[float] = 0.9, last_epoch: int = -1) -> None:
        op = "CyclicLR"
        check_optimizer(op, optimizer)
        base_lrs = per_group(op, "base_lr", optimizer, base_lr, validate.lr)
        max_lrs = per_group(op, "max_lr", optimizer, max_lr, validate.lr)
        up = validate.positive("step_size_up")(op, step_size_up)
        down = up if step_size_down is None else validate.positive("step_size_down")(op, step_size_down)
        if scale_fn is not None and not callable(scale_fn):
            raise ArgumentError(f"{op}: scale_fn must be callable or None, got {type(scale_fn).__name__}")
        if scale_fn is None:
            mode = choice("mode", _MODES)(op, mode)
            scale_mode = "iterations" if mode == "exp_range" else "cycle"
        else:
            scale_mode = choice("scale_mode", ("cycle", "iterations"))(op, scale_mode)
        cycle = validate.flag("cycle_momentum")(op, cycle_momentum)
        use_beta1 = "betas" in optimizer.defaults
        if cycle:
            self.max_momentums, self.base_momentums = momentum_bounds(op, optimizer, base_momentum, max_momentum)
        self.max_lrs = max_lrs
        self.total_size = float(up) + float(down)
        self.step_ratio = float(up) / self.total_size
        self.mode, self.gamma = mode, validate.real("gamma")(op, gamma)
        self.scale_mode, self._scale_fn_custom = scale_mode, scale_fn
        self.cycle_momentum, self.use_beta1 = cycle, use_beta1
        self._momenta: list[float] | None = None
        with atomic(optimizer, [self]):
            if last_epoch == -1:
                for g, lr in zip(optimizer.param_groups, base_lrs):
                    g["lr"] = lr
                if cycle:
                    start_momenta(optimizer, self.max_momentums, self.base_momentums, use_beta1)
            super().__init__(optimizer, last_epoch)
            self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The scaling policy at cycle or step ``x``."""
        if self._scale_fn_custom is not None:
            return validate.real("scale_fn(x)")(type(self).__name__, run_user(self._scale_fn_custom, x))
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list[float]:
        e = self.last_epoch
        cycle = math.floor(1 + e / self.total_size)
        x = 1.0 + e / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else e)
        lrs = [b + (m - b) * factor * scale for b, m in zip(self.base_lrs, self.max_lrs)]
        self._momenta = None
        if self.cycle_momentum:
            self._momenta = [hi - (hi - lo) * factor * scale for lo, hi in zip(self.base_momentums, self.max_momentums)]
        return lrs


    def _all_fields(self) -> dict[str, Any]:
        n = len(self.optimizer.param_groups)
        out = {**super()._all_fields(), "max_lrs": _floats("max_lrs", n)}
        if self.cycle_momentum:
            out.update(base_momentums=_floats("base_momentums", n), max_momentums=_floats("max_momentums", n))
        return out

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        fn = self._scale_fn_custom
        out["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else dict(fn.__dict__)
        return out

    def _staged(self, op: str, sd: Any) -> dict[str, Any]:
        sd = dict(sd) if isinstance(sd, dict) else sd
        custom = sd.pop("_scale_fn_custom", None) if isinstance(sd, dict) else None
        for key in ("_scale_fn_ref", "_momenta"):  # torch's unpicklable reference; ours is transient
            if isinstance(sd, dict):
                sd.pop(key, None)
        staged = super()._staged(op, sd)
        if custom is not None and not isinstance(custom, dict):
            raise ArgumentError(f"{op}: _scale_fn_custom must be None or a dict of a callable object's attributes")
        staged["_scale_fn_attrs"] = custom
        return staged

    def _apply_staged(self, staged: Any) -> None:
        staged = dict(staged)
        attrs = staged.pop("_scale_fn_attrs")
        self.__dict__.update(staged)
        if attrs is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(attrs)
