"""``SequentialLR``: run schedulers one after another, switching at milestones (torch's)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from typing import Any

from ..._core.errors import ArgumentError
from .. import validate
from ..base import Optimizer
from .base import LRScheduler, atomic, check_optimizer, lr_list
from .plateau import ReduceLROnPlateau


def nested(s: Any) -> Iterator[LRScheduler]:
    """``s`` and every scheduler inside it."""
    yield s
    for inner in getattr(s, "_schedulers", ()):
        yield from nested(inner)


def staged_container(s: Any, op: str, sd: Any) -> tuple[dict[str, Any], list[Any]]:
    """A container scheduler's state dict ``sd`` (its own fields plus ``_schedulers``, one state
    dict per inner scheduler), checked and converted before anything changes: ``(own, inner)``."""
    name = type(s).__name__
    if not isinstance(sd, Mapping) or not isinstance(sd.get("_schedulers"), (list, tuple)):
        raise ArgumentError(f"{op}: expected a {name} state dict (with a '_schedulers' list), got "
                            f"{type(sd).__name__}")
    subs = sd["_schedulers"]
    if len(subs) != len(s._schedulers):
        raise ArgumentError(f"{op}: the state dict has {len(subs)} schedulers, this {name} has "
                            f"{len(s._schedulers)}")
    inner = [c._staged_any(f"{op}: _schedulers[{i}]", d) for i, (c, d) in enumerate(zip(s._schedulers, subs))]
    own = {k: v for k, v in sd.items() if k != "_schedulers"}
    fields = {k: f for k, f in s._all_fields().items() if f is not None}
    unknown = sorted(str(k) for k in own if k not in fields)
    missing = [k for k in fields if k not in own]
    if unknown or missing:
        raise ArgumentError(f"{op}: a {name} state dict has the keys {[*fields, '_schedulers']}; "
                            f"missing {missing}, unexpected {unknown}")
    return {k: fields[k](op, v) for k, v in own.items()}, inner


def apply_container(s: Any, staged: tuple[dict[str, Any], list[Any]]) -> None:
    """Apply what ``staged_container`` checked: the own fields, then each inner scheduler's."""
    own, inner = staged
    s.__dict__.update(own)
    for c, d in zip(s._schedulers, inner):
        c._apply_staged(d)


class SequentialLR(LRScheduler):
    """``schedulers[i]`` drives the rate from ``milestones[i - 1]`` on; at a milestone the next
    scheduler starts from its epoch 0 (its closed form)."""

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int],
                 last_epoch: int = -1) -> None:
        op = "SequentialLR"
        check_optimizer(op, optimizer)
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ArgumentError(f"{op}: expects a non-empty list of schedulers, got {schedulers!r:.80}")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ArgumentError(f"{op}: ReduceLROnPlateau (schedulers[{i}]) needs a metric at every step "
                                    "and cannot be sequenced")
            if not isinstance(s, LRScheduler):
                raise ArgumentError(f"{op}: schedulers[{i}] is a {type(s).__name__}, not a scheduler")
            if s.optimizer is not optimizer:
                raise ArgumentError(f"{op}: schedulers[{i}] ({type(s).__name__}) belongs to another optimizer")
        if not isinstance(milestones, (list, tuple)):
            raise ArgumentError(f"{op}: milestones must be a list of epochs, got {milestones!r:.80}")
        ms = [validate.integer(f"milestones[{i}]", 0)(op, m) for i, m in enumerate(milestones)]
        if len(ms) != len(schedulers) - 1:
            raise ArgumentError(f"{op}: expects one milestone fewer than schedulers, got {len(schedulers)} "
                                f"schedulers and {len(ms)} milestones")
        if ms != sorted(ms):
            raise ArgumentError(f"{op}: milestones must be in increasing order, got {ms}")
        last_epoch = validate.integer("last_epoch", -1)(op, last_epoch)
        missing = [i for i, g in enumerate(optimizer.param_groups) if "initial_lr" not in g]
        if missing:
            raise ArgumentError(f"{op}: param groups {missing} have no 'initial_lr'")
        inner = [x for s in schedulers for x in nested(s)]
        with atomic(optimizer, [self, *inner]):
            self._schedulers = list(schedulers)
            self._milestones = ms
            self.last_epoch = last_epoch + 1
            self.optimizer = optimizer
            for g in optimizer.param_groups:
                g["lr"] = g["initial_lr"]
            for s in inner:  # undo the step each scheduler took when it was made
                if not isinstance(s, SequentialLR):
                    s.last_epoch -= 1
            idx = bisect_right(self._milestones, 0)
            self._schedulers[idx]._initial_step()
            self._last_lr = self._schedulers[idx].get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch in the scheduler whose turn it is."""
        with atomic(self.optimizer, list(nested(self))):
            self.last_epoch += 1
            idx = bisect_right(self._milestones, self.last_epoch)
            scheduler = self._schedulers[idx]
            if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
                scheduler._update_lr(0)
            else:
                scheduler.step()
            self._last_lr = scheduler.get_last_lr()

    def get_lr(self) -> list[float]:
        return self._current()

    def _all_fields(self) -> dict[str, Any]:
        n = len(self.optimizer.param_groups)
        return {"_milestones": _milestones, "last_epoch": validate.integer("last_epoch", 0),
                "_last_lr": lr_list("_last_lr", n), "_schedulers": None}

    def state_dict(self) -> dict[str, Any]:
        return {"_milestones": list(self._milestones), "last_epoch": self.last_epoch,
                "_last_lr": list(self._last_lr), "_schedulers": [s.state_dict() for s in self._schedulers]}

    def _staged_any(self, op: str, sd: Any) -> tuple[dict[str, Any], list[Any]]:
        staged, inner = staged_container(self, op, sd)
        if len(staged["_milestones"]) != len(self._schedulers) - 1:
            raise ArgumentError(f"{op}: _milestones must have {len(self._schedulers) - 1} entries, got "
                                f"{len(staged['_milestones'])}")
        return staged, inner

    def _apply_staged(self, staged: Any) -> None:
        apply_container(self, staged)


def _milestones(op: str, v: Any) -> list[int]:
    if not isinstance(v, (list, tuple)):
        raise ArgumentError(f"{op}: _milestones must be a list, got {v!r:.80}")
    ms = [validate.integer("_milestones[i]", 0)(op, m) for m in v]
    if ms != sorted(ms):
        raise ArgumentError(f"{op}: _milestones must be increasing, got {ms}")
    return ms
