"""``ChainedScheduler``: step several schedulers of one optimizer together (torch's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..._core.errors import ArgumentError
from ..base import Optimizer
from .base import LRScheduler, atomic, check_optimizer, lr_list
from .plateau import ReduceLROnPlateau
from .sequential import nested


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
        if not isinstance(sd, Mapping) or not isinstance(sd.get("_schedulers"), (list, tuple)):
            raise ArgumentError(f"{op}: expected a ChainedScheduler state dict (with a '_schedulers' list), got "
                                f"{type(sd).__name__}")
        subs = sd["_schedulers"]
        if len(subs) != len(self._schedulers):
            raise ArgumentError(f"{op}: the state dict has {len(subs)} schedulers, this ChainedScheduler has "
                                f"{len(self._schedulers)}")
        inner = [s._staged_any(f"{op}: _schedulers[{i}]", d) for i, (s, d) in enumerate(zip(self._schedulers, subs))]
        own = {k: v for k, v in sd.items() if k != "_schedulers"}
        fields = self._all_fields()
        unknown = sorted(str(k) for k in own if k not in fields)
        missing = [k for k in fields if k not in own]
        if unknown or missing:
            raise ArgumentError(f"{op}: a ChainedScheduler state dict has the keys {[*fields, '_schedulers']}; "
                                f"missing {missing}, unexpected {unknown}")
        return {k: fields[k](op, v) for k, v in own.items()}, inner

    def _apply_staged(self, staged: Any) -> None:
        own, inner = staged
        self.__dict__.update(own)
        for s, d in zip(self._schedulers, inner):
            s._apply_staged(d)
