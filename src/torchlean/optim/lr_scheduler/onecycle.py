"""``OneCycleLR``: the 1cycle policy (torch.optim.lr_scheduler.OneCycleLR), stepped per batch.

The rate rises from ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of the steps, then
anneals to ``initial_lr / final_div_factor`` (three phases with ``three_phase``); with
``cycle_momentum`` the momentum (SGD's ``momentum`` or the first of Adam's ``betas``) moves
inversely between ``max_momentum`` and ``base_momentum``.

One deviation from torch: the step after the last one (``last_epoch == total_steps``, which a
loop reaches with its final ``scheduler.step()``) extrapolates past the end of the cycle, and
with linear annealing torch's rate there is negative; torchlean gives 0.0 there instead (a
rate is never negative), so that final step and a checkpoint taken after it stay valid.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from ..._core.errors import ArgumentError
from .. import validate
from ..base import Optimizer
from .base import CyclesMomentum, LRScheduler, atomic, check_optimizer, momentum_bounds, per_group, start_momenta

_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


def _phases(op: str, v: Any) -> list[dict[str, Any]]:
    if not isinstance(v, (list, tuple)) or not v:
        raise ArgumentError(f"{op}: _schedule_phases must be a non-empty list of dicts, got {v!r:.80}")
    out = []
    for i, ph in enumerate(v):
        names = ("start_lr", "end_lr", "start_momentum", "end_momentum")
        if not isinstance(ph, dict) or set(ph) != {"end_step", *names}:
            raise ArgumentError(f"{op}: _schedule_phases[{i}] must be a dict with keys end_step, "
                                f"{', '.join(names)}; got {ph!r:.80}")
        bad = [ph[k] for k in names if ph[k] not in _KEYS]
        if bad:
            raise ArgumentError(f"{op}: _schedule_phases[{i}] names unknown group keys {bad}")
        out.append({"end_step": validate.real("end_step")(op, ph["end_step"]), **{k: ph[k] for k in names}})
    return out


def _strategy(op: str, v: Any) -> str:
    if v not in ("cos", "linear"):
        raise ArgumentError(f"{op}: anneal_strategy must be 'cos' or 'linear', got {v!r}")
    return v


class OneCycleLR(CyclesMomentum, LRScheduler):
    """The 1cycle learning-rate (and momentum) policy; call ``step()`` after every batch."""

    _fields: ClassVar = {"total_steps": validate.integer("total_steps", 1), "_schedule_phases": _phases,
                         "_anneal_func_type": _strategy, "cycle_momentum": validate.flag("cycle_momentum"),
                         "use_beta1": validate.flag("use_beta1")}

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85, max_momentum: float | list[float] = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        op = "OneCycleLR"
        check_optimizer(op, optimizer)
        if total_steps is not None:
            total = validate.integer("total_steps", 1)(op, total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            total = (validate.integer("epochs", 1)(op, epochs)
                     * validate.integer("steps_per_epoch", 1)(op, steps_per_epoch))
        else:
            raise ArgumentError(f"{op}: give either total_steps or both epochs and steps_per_epoch")
        pct = validate.unit_interval("pct_start", closed=True)(op, pct_start)
        three = validate.flag("three_phase")(op, three_phase)
        if three:
            phases = [{"end_step": float(pct * total) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                       "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                      {"end_step": float(2 * pct * total) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                       "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                      {"end_step": total - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                       "start_momentum": "max_momentum", "end_momentum": "max_momentum"}]
        else:
            phases = [{"end_step": float(pct * total) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                       "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                      {"end_step": total - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                       "start_momentum": "base_momentum", "end_momentum": "max_momentum"}]
        start = 0.0
        for i, ph in enumerate(phases):
            if not ph["end_step"] > start:
                raise ArgumentError(f"{op}: phase {i} of the cycle would be empty (pct_start={pct_start!r} "
                                    f"of total_steps={total}); use more steps or another pct_start")
            start = ph["end_step"]
        strategy = _strategy(op, anneal_strategy)
        max_lrs = per_group(op, "max_lr", optimizer, max_lr, validate.lr)
        div = validate.positive("div_factor")(op, div_factor)
        final_div = validate.positive("final_div_factor")(op, final_div_factor)
        cycle = validate.flag("cycle_momentum")(op, cycle_momentum)
        use_beta1 = "betas" in optimizer.defaults
        if cycle:
            max_moms, base_moms = momentum_bounds(op, optimizer, base_momentum, max_momentum)
        self.total_steps = total
        self._schedule_phases = phases
        self._anneal_func_type = strategy
        self.cycle_momentum = cycle
        self.use_beta1 = use_beta1
        self._momenta: list[float] | None = None
        with atomic(optimizer, [self]):
            if last_epoch == -1:
                for g, m in zip(optimizer.param_groups, max_lrs):
                    g.update(initial_lr=m / div, max_lr=m)
                    g["min_lr"] = g["initial_lr"] / final_div
                if cycle:
                    start_momenta(optimizer, max_moms, base_moms, use_beta1)
            super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ArgumentError(f"{type(self).__name__}.step: tried to step {step} times; total_steps is "
                                f"{self.total_steps}")
        lrs, moms = [], []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, ph in enumerate(self._schedule_phases):
                end = ph["end_step"]
                if step <= end or i == last:
                    pct = (step - start) / (end - start)
                    lrs.append(max(self._anneal(group[ph["start_lr"]], group[ph["end_lr"]], pct), 0.0))
                    if self.cycle_momentum:
                        moms.append(self._anneal(group[ph["start_momentum"]], group[ph["end_momentum"]], pct))
                    break
                start = end
        self._momenta = moms if self.cycle_momentum else None
        return lrs

