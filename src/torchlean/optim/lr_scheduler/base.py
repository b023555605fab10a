"""``LRScheduler``: torch.optim.lr_scheduler's base class, with atomic steps.

A scheduler sets ``group['lr']`` of its optimizer's groups. Construction records
``initial_lr`` in each group and takes the initial step; ``step()`` advances ``last_epoch`` and
writes the new rates; ``get_last_lr()`` returns them; ``state_dict()`` holds torch's keys (every
attribute but the optimizer), so a torch scheduler's state dict loads here and ours loads into
torch. Unlike torch, a failed call changes nothing: every constructor and step runs in
``atomic``, which restores the optimizer's groups and the schedulers' attributes on any error,
new rates are validated (finite, >= 0) before they are written, and ``load_state_dict``
validates every entry before applying any.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from ..._core.errors import ArgumentError
from ..._core.guard import guard_methods
from .. import validate
from ..base import Optimizer

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch "
    "is different from None, the closed form is used instead of the new chainable form, where available."
)
_GUARDED = ("__init__", "step", "state_dict", "load_state_dict", "get_last_lr", "get_lr")
Field = Callable[[str, Any], Any]


@contextmanager
def atomic(optimizer: Optimizer, schedulers: list[Any]) -> Iterator[None]:
    """On any error inside, put the optimizer's groups and the schedulers' attributes back."""
    groups = [(g, dict(g)) for g in optimizer.param_groups]
    saved = [(s, dict(s.__dict__)) for s in schedulers]
    try:
        yield
    except BaseException:
        for g, old in groups:
            dict.clear(g)
            dict.update(g, old)
        for s, old in saved:
            s.__dict__.clear()
            s.__dict__.update(old)
        raise


def check_optimizer(op: str, optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise ArgumentError(f"{op}: {type(optimizer).__name__} is not a torchlean Optimizer")
    return optimizer


def per_group(op: str, name: str, optimizer: Optimizer, value: Any, check: Field) -> list[Any]:
    """A value per parameter group: a list of one per group, or one value for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ArgumentError(f"{op}: {name} must have one value per param group ({n}), got {len(value)}")
        return [check(op, v) for v in value]
    return [check(op, value)] * n


def lr_list(name: str, n: int) -> Field:
    """A field holding one learning rate per group (``base_lrs``, ``_last_lr``)."""

    def check(op: str, v: Any) -> list[float]:
        if not isinstance(v, (list, tuple)) or len(v) != n:
            raise ArgumentError(f"{op}: {name} must be a list of {n} learning rates, got {v!r:.80}")
        return [validate.lr(op, x) for x in v]

    return check


def choice(name: str, options: tuple[str, ...]) -> Field:
    """A field holding one of ``options``."""

    def check(op: str, v: Any) -> str:
        if v not in options:
            raise ArgumentError(f"{op}: {name} must be one of {list(options)}, got {v!r}")
        return v

    return check


def set_momentum(group: Any, value: float, use_beta1: bool) -> None:
    """A group's momentum: SGD's ``momentum`` or the first of Adam's ``betas``."""
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


def momentum_bounds(op: str, optimizer: Optimizer, base_momentum: Any, max_momentum: Any
                    ) -> tuple[list[float], list[float]]:
    """``(highs, lows)`` per group for ``cycle_momentum``, checked (beta1 in [0, 1])."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ArgumentError(f"{op}: cycle_momentum needs an optimizer with momentum or betas, got "
                            f"{type(optimizer).__name__}")
    check = validate.unit_interval if "betas" in optimizer.defaults else validate.non_negative
    return (per_group(op, "max_momentum", optimizer, max_momentum, check("max_momentum")),
            per_group(op, "base_momentum", optimizer, base_momentum, check("base_momentum")))


def start_momenta(optimizer: Optimizer, highs: list[float], lows: list[float], use_beta1: bool) -> None:
    """Start each group at its high momentum and record both bounds in it (torch's keys)."""
    for g, hi, lo in zip(optimizer.param_groups, highs, lows):
        set_momentum(g, hi, use_beta1)
        g.update(max_momentum=hi, base_momentum=lo)


class CyclesMomentum:
    """Mixin of the schedulers that move the momentum with the rate: ``get_lr`` leaves the new
    momenta in ``_momenta`` (or None), ``_commit`` writes both."""

    _momenta: list[float] | None
    use_beta1: bool
    optimizer: Optimizer

    def _commit(self, lrs: list[float]) -> None:
        moms, self._momenta = self._momenta, None
        for i, g in enumerate(self.optimizer.param_groups):
            g["lr"] = lrs[i]
            if moms is not None:
                set_momentum(g, moms[i], self.use_beta1)


def run_user(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a user's function; its errors pass through unrenamed."""
    from ..._core.guard import mark_user

    try:
        return fn(*args)
    except BaseException as e:
        mark_user(e)
        raise


class LRScheduler:
    """Base class of the schedulers (torch.optim.lr_scheduler.LRScheduler).

    Subclasses implement ``get_lr()`` (torch's chainable form, reading the groups' current
    rates) and optionally ``_get_closed_form_lr()``; ``_fields`` lists their own state-dict
    entries with a check each."""

    _fields: ClassVar[dict[str, Field]] = {}

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        check_optimizer(name, optimizer)
        last_epoch = validate.integer("last_epoch", -1)(name, last_epoch)
        groups = optimizer.param_groups
        if last_epoch != -1:
            missing = [i for i, g in enumerate(groups) if "initial_lr" not in g]
            if missing:
                raise ArgumentError(f"{name}: param groups {missing} have no 'initial_lr', needed to resume a "
                                    f"scheduler with last_epoch={last_epoch} (load the optimizer's state first)")
        with atomic(optimizer, [self]):
            self.optimizer = optimizer
            if last_epoch == -1:
                for g in groups:
                    if "initial_lr" not in g:
                        g["initial_lr"] = g["lr"]
            self.base_lrs: list[float] = [g["initial_lr"] for g in groups]
            self.last_epoch = last_epoch
            self._initial_step()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        guard_methods(cls, _GUARDED)

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False
        self._get_lr_called_within_step = False

    # -- stepping ----------------------------------------------------------------------------
    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (after ``optimizer.step()``) and write the new rates."""
        op = f"{type(self).__name__}.step"
        if epoch is not None:
            epoch = validate.integer("epoch", 0)(op, epoch)
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=3)
        if self._step_count == 1 and not self._is_initial and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. You should call "
                          "them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`; "
                          "otherwise the first value of the learning rate schedule is skipped.",
                          UserWarning, stacklevel=3)
        with atomic(self.optimizer, [self]):
            self._step_count += 1
            self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        self._commit(self._checked_lrs(values))
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def _checked_lrs(self, values: list[Any]) -> list[float]:
        op = f"{type(self).__name__}.step"
        n = len(self.optimizer.param_groups)
        if len(values) != n:
            raise ArgumentError(f"{op}: the optimizer has {n} param groups but the scheduler computed "
                                f"{len(values)} rates (a group added after the scheduler was made?)")
        return [validate.lr(f"{op}: param group {i}", v) for i, v in enumerate(values)]

    def _commit(self, lrs: list[float]) -> None:
        for g, lr in zip(self.optimizer.param_groups, lrs):
            g["lr"] = lr

    def get_lr(self) -> list[float]:
        """The rates for the current ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The rates the latest step wrote, one per param group."""
        return list(self._last_lr)

    def _current(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    # -- state -------------------------------------------------------------------------------
    def _all_fields(self) -> dict[str, Field]:
        n = len(self.optimizer.param_groups)
        return {**self._fields, "base_lrs": lr_list("base_lrs", n), "last_epoch": validate.integer("last_epoch", -1),
                "_step_count": validate.integer("_step_count", 0), "_is_initial": validate.flag("_is_initial"),
                "_get_lr_called_within_step": validate.flag("_get_lr_called_within_step"),
                "_last_lr": lr_list("_last_lr", n)}

    _optional_fields: ClassVar[tuple[str, ...]] = ("_is_initial", "_get_lr_called_within_step")

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, with torch's names (copies)."""
        return {k: _copy(getattr(self, k)) for k in self._all_fields()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state dict (ours or torch's); every entry is validated first."""
        self._apply_staged(self._staged_any(f"{type(self).__name__}.load_state_dict", state_dict))

    def _staged_any(self, op: str, sd: Any) -> Any:
        """The validated content of a state dict (nothing changes); ``_apply_staged`` applies it."""
        return self._staged(op, sd)

    def _apply_staged(self, staged: Any) -> None:
        self.__dict__.update(staged)

    def _staged(self, op: str, sd: Any) -> dict[str, Any]:
        if not isinstance(sd, Mapping):
            raise ArgumentError(f"{op}: expected a state dict (a dict), got {type(sd).__name__}")
        fields = self._all_fields()
        unknown = sorted(str(k) for k in sd if k not in fields)
        missing = [k for k in fields if k not in sd and k not in self._optional_fields]
        if unknown or missing:
            raise ArgumentError(f"{op}: a {type(self).__name__} state dict has the keys {list(fields)}; "
                                f"missing {missing}, unexpected {unknown}")
        return {k: fields[k](op, v) for k, v in sd.items()}


guard_methods(LRScheduler, _GUARDED)


def _copy(v: Any) -> Any:
    if isinstance(v, dict):
        return type(v)({k: _copy(x) for k, x in v.items()})
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v
