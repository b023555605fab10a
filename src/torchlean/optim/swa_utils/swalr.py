"""``SWALR``: anneal each group's rate to its ``swa_lr`` and hold it there (torch's)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

from .. import validate
from ..base import Optimizer
from ..lr_scheduler.base import LRScheduler, atomic, check_optimizer, choice, per_group

_strategy = choice("anneal_strategy", ("cos", "linear"))
_epochs = validate.integer("anneal_epochs", 0)


def _cosine(t: float) -> float:
    return (1 - math.cos(math.pi * t)) / 2


def _linear(t: float) -> float:
    return t


class SWALR(LRScheduler):
    """Move each group's rate from its value when the scheduler starts to ``group['swa_lr']``
    over ``anneal_epochs`` steps (cosine or linear), then keep it at ``swa_lr``.

    ``swa_lr`` is one rate or one per group, written into the groups as ``'swa_lr'`` (torch's
    key). Like torch's, each step recovers the previous step's starting rate from the current
    one, so the schedule composes with a rate changed in between."""

    _fields: ClassVar = {"_anneal_strategy": _strategy, "anneal_epochs": _epochs}

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float], anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        op = "SWALR"
        check_optimizer(op, optimizer)
        swa_lrs = per_group(op, "swa_lr", optimizer, swa_lr, validate.non_negative("swa_lr"))
        self._anneal_strategy = _strategy(op, anneal_strategy)
        self.anneal_epochs = _epochs(op, anneal_epochs)
        with atomic(optimizer, []):  # the groups' swa_lr go if the base constructor fails
            for g, lr in zip(optimizer.param_groups, swa_lrs):
                g["swa_lr"] = lr
            super().__init__(optimizer, last_epoch)

    @property
    def anneal_func(self) -> Callable[[float], float]:
        """The annealing curve ``t -> alpha`` on ``[0, 1]`` (from ``_anneal_strategy``)."""
        return _cosine if self._anneal_strategy == "cos" else _linear

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        alpha = self.anneal_func(max(0, min(1, step / span)))
        groups = self.optimizer.param_groups
        return [g["swa_lr"] * alpha + self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) * (1 - alpha)
                for g in groups]
