"""``ChainedScheduler``: step several schedulers of one optimizer together (torch's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..._core.errors import ArgumentError
from ..base import Optimizer
from .base import LRScheduler, atomic, check_optimizer, lr_list
from .plateau import ReduceLROnPlateau
from .sequential import apply_container, nested, staged_container


class ChainedScheduler(LRScheduler):
    """Every scheduler's ``step()`` runs, in order, at each ``step()``; each one multiplies or
    sets the rate the previous one left, so chainable schedules compose. Making the chain steps
    nothing (each scheduler took its own initial step when it was made)."""

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        op = "ChainedScheduler"
        if not isinstance(schedulers, Sequence) or isinstance(schedulers, (str, bytes)) or not schedulers:
            raise ArgumentError(f"{op}: expects a non-empty sequence of schedulers, got {schedulers!r:.80}")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ArgumentError(f"{op}: ReduceLROnPlateau (schedulers[{i}]) needs a metric at every step "
                                    "and cannot be chained")
            if not isinstance(s, LRScheduler):
                raise ArgumentError(f"{op}: schedulers[{i}] is a {type(s).__name__}, not a scheduler")
        optimizer = check_optimizer(op, schedulers[0].optimizer if optimizer is None else optimizer)
        for i, s in enumerate(schedulers):
            if s.optimizer is not optimizer:
                raise ArgumentError(f"{op}: schedulers[{i}] ({type(s).__name__}) belongs to another optimizer")
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._current()

    def step(self) -> None:  # type: ignore[override]
        """One ``step()`` of every scheduler, in order (all or none: a failure restores them all)."""
        with atomic(self.optimizer, list(nested(self))):
            for s in self._schedulers:
                s.step()
            self._last_lr = self._current()

    def get_lr(self) -> list[float]:
        return self._current()

    def _all_fields(self) -> dict[str, Any]:
        return {"_last_lr": lr_list("_last_lr", len(self.optimizer.param_groups))}

    def state_dict(self) -> dict[str, Any]:
        """torch's layout: ``{'_last_lr': [...], '_schedulers': [each scheduler's state dict]}``."""
        return {"_last_lr": list(self._last_lr), "_schedulers": [s.state_dict() for s in self._schedulers]}

    def _staged_any(self, op: str, sd: Any) -> tuple[dict[str, Any], list[Any]]:
        return staged_container(self, op, sd)

    def _apply_staged(self, staged: Any) -> None:
        apply_container(self, staged)
