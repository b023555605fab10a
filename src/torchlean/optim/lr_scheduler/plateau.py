"""``ReduceLROnPlateau``: cut the rate when a metric stops improving (torch's)."""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np

from ..._core.errors import ArgumentError
from .. import validate
from ..base import Optimizer
from .base import EPOCH_DEPRECATION_WARNING, LRScheduler, atomic, check_optimizer, choice, lr_list


def _float_or_inf(name: str) -> Any:
    def check(op: str, v: Any) -> float:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"{op}: {name} must be a number, got {v!r}")
        f = float(v)
        if math.isnan(f):
            raise ArgumentError(f"{op}: {name} must not be NaN")
        return f

    return check


def _factor(op: str, v: Any) -> float:
    f = validate.non_negative("factor")(op, v)
    if f >= 1.0:
        raise ArgumentError(f"{op}: factor must be < 1.0, got {v!r}")
    return f


def _default_min_lr(op: str, v: Any) -> float | None:
    return None if v is None else validate.non_negative("default_min_lr")(op, v)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` once the metric given to ``step(metric)`` has not improved
    for more than ``patience`` epochs (by ``threshold``, relative or absolute), then wait
    ``cooldown`` epochs; never below ``min_lr``."""

    _fields: ClassVar = {
        "factor": _factor, "default_min_lr": _default_min_lr, "patience": validate.integer("patience", 0),
        "cooldown": validate.integer("cooldown", 0), "eps": validate.eps,
        "last_epoch": validate.integer("last_epoch", 0),
        "mode_worse": _float_or_inf("mode_worse"), "mode": choice("mode", ("min", "max")),
        "threshold": validate.non_negative("threshold"), "threshold_mode": choice("threshold_mode", ("rel", "abs")),
        "best": _float_or_inf("best"), "cooldown_counter": validate.integer("cooldown_counter", 0),
        "num_bad_epochs": validate.integer("num_bad_epochs", 0),
    }

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: list[float] | float = 0, eps: float = 1e-8) -> None:
        op = "ReduceLROnPlateau"
        f = self._fields
        factor = _factor(op, factor)
        check_optimizer(op, optimizer)
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ArgumentError(f"{op}: expected {n} min_lrs (one per param group), got {len(min_lr)}")
            default_min_lr, min_lrs = None, [validate.non_negative("min_lr")(op, v) for v in min_lr]
        else:
            default_min_lr = validate.non_negative("min_lr")(op, min_lr)
            min_lrs = [default_min_lr] * n
        patience, cooldown = f["patience"](op, patience), f["cooldown"](op, cooldown)
        eps = validate.eps(op, eps)
        mode, threshold_mode = f["mode"](op, mode), f["threshold_mode"](op, threshold_mode)
        threshold = f["threshold"](op, threshold)
        self.factor = factor
        self.optimizer = optimizer
        self.default_min_lr, self.min_lrs = default_min_lr, min_lrs
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.last_epoch = 0
        self._last_lr = self._current()
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.best, self.cooldown_counter, self.num_bad_epochs = self.mode_worse, 0, 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """One epoch with the monitored ``metrics`` (a number, or a one-element tensor/array)."""
        op = "ReduceLROnPlateau.step"
        try:
            current = float(metrics)
        except (TypeError, ValueError) as e:
            raise ArgumentError(f"{op}: metrics must be a number, got {type(metrics).__name__} ({e})") from None
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            epoch = validate.integer("epoch", 0)(op, epoch)
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=3)
        with atomic(self.optimizer, [self]):
            self.last_epoch = epoch
            if self._is_better(current, self.best):
                self.best, self.num_bad_epochs = current, 0
            else:
                self.num_bad_epochs += 1
            if self.cooldown_counter > 0:
                self.cooldown_counter -= 1
                self.num_bad_epochs = 0
            if self.num_bad_epochs > self.patience:
                self._reduce_lr(op)
                self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
            self._last_lr = self._current()

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _reduce_lr(self, op: str) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ArgumentError(f"{op}: the optimizer has {len(groups)} param groups but min_lr has "
                                    f"{len(self.min_lrs)} values (a group added later?); update min_lrs")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for g, lo in zip(groups, self.min_lrs):
            old = float(g["lr"])
            new = max(old * self.factor, lo)
            if old - new > self.eps:
                g["lr"] = new

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if self.threshold_mode == "rel" else a > best + self.threshold

    def get_lr(self) -> list[float]:
        return self._current()

    def _all_fields(self) -> dict[str, Any]:
        n = len(self.optimizer.param_groups)
        f = self._fields
        order = ("factor", "default_min_lr", "min_lrs", "patience", "cooldown", "eps", "last_epoch", "_last_lr",
                 "mode_worse", "mode", "threshold", "threshold_mode", "best", "cooldown_counter", "num_bad_epochs")
        extra = {"min_lrs": _min_lrs, "_last_lr": lr_list("_last_lr", n)}
        return {k: extra.get(k) or f[k] for k in order}

    _optional_fields: ClassVar = ()

    def _staged_any(self, op: str, state_dict: Any) -> Any:
        staged = self._staged(op, state_dict)
        worse = math.inf if staged["mode"] == "min" else -math.inf
        if staged["mode_worse"] != worse:
            raise ArgumentError(f"{op}: mode_worse must be {worse} for mode {staged['mode']!r}, got "
                                f"{staged['mode_worse']}")
        return staged


def _min_lrs(op: str, v: Any) -> list[float]:
    if not isinstance(v, (list, tuple)):
        raise ArgumentError(f"{op}: min_lrs must be a list, got {v!r:.80}")
    return [validate.non_negative("min_lrs[i]")(op, x) for x in v]
