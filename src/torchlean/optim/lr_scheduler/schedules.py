"""The epoch-indexed schedules: ``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LinearLR``, ``ConstantLR``, ``LambdaLR``, ``MultiplicativeLR``
(torch's formulas: the chainable form in ``step()``, the closed form for ``step(epoch)`` and
for ``SequentialLR``'s milestones)."""

from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from ..._core.errors import ArgumentError
from .. import validate
from ..base import Optimizer
from .base import LRScheduler, check_optimizer, run_user

_gamma = validate.non_negative("gamma")


def _milestones(op: str, v: Any) -> Counter[int]:
    """Milestones as torch keeps them: a Counter of epoch -> multiplicity."""
    if isinstance(v, Mapping):
        items = list(v.items())
    elif isinstance(v, Iterable) and not isinstance(v, (str, bytes)):
        items = list(Counter(validate.integer("milestones[i]", 0)(op, m) for m in v).items())
    else:
        raise ArgumentError(f"{op}: milestones must be a list of epochs, got {v!r:.80}")
    out: Counter[int] = Counter()
    for m, k in items:
        out[validate.integer("milestone", 0)(op, m)] = validate.integer("milestone count", 1)(op, k)
    return out


def _t_max(op: str, v: Any) -> Any:
    return validate.integer("T_max", 1)(op, v) if isinstance(v, int) else validate.positive("T_max")(op, v)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    _fields: ClassVar = {"step_size": validate.integer("step_size", 1), "gamma": _gamma}

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = self._fields["step_size"]("StepLR", step_size)
        self.gamma = _gamma("StepLR", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone (``gamma ** k`` for a milestone given k times).

    ``milestones`` is a ``Counter`` (epoch -> multiplicity) as in torch; the state dict holds it
    as a plain dict, which ``torchlean.save`` can write (torch's ``MultiStepLR`` steps with it
    too; wrap it in ``collections.Counter`` for torch's closed form, ``step(epoch)``)."""

    _fields: ClassVar = {"milestones": _milestones, "gamma": _gamma}

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = _milestones("MultiStepLR", milestones)
        self.gamma = _gamma("MultiStepLR", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current()]

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        out["milestones"] = dict(self.milestones)
        return out

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [b * self.gamma ** bisect_right(milestones, self.last_epoch) for b in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch."""

    _fields: ClassVar = {"gamma": _gamma}

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _gamma("ExponentialLR", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        return [b * self.gamma ** self.last_epoch for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the base rate to ``eta_min`` over ``T_max`` epochs (SGDR without
    restarts; past ``T_max`` the rate follows the cosine back up, as torch's)."""

    _fields: ClassVar = {"T_max": _t_max, "eta_min": validate.non_negative("eta_min")}

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = _t_max("CosineAnnealingLR", T_max)
        self.eta_min = self._fields["eta_min"]("CosineAnnealingLR", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, t, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and e > 0:
            return [lo + (b - lo) * (1 + math.cos(e * math.pi / t)) / 2 for b in self.base_lrs]
        if (e - 1 - t) % (2 * t) == 0:
            return [lr + (b - lo) * (1 - math.cos(math.pi / t)) / 2 for b, lr in zip(self.base_lrs, self._current())]
        return [(1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t)) * (lr - lo) + lo
                for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        lo = self.eta_min
        return [lo + (b - lo) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2 for b in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` epochs."""

    _fields: ClassVar = {"start_factor": validate.real("start_factor"), "end_factor": validate.real("end_factor"),
                         "total_iters": validate.integer("total_iters", 1)}

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        op = "LinearLR"
        start_factor = validate.real("start_factor")(op, start_factor)
        end_factor = validate.real("end_factor")(op, end_factor)
        if start_factor > 1.0 or start_factor <= 0:
            raise ArgumentError(f"{op}: start_factor must be in (0, 1], got {start_factor!r}")
        if end_factor > 1.0 or end_factor < 0:
            raise ArgumentError(f"{op}: end_factor must be in [0, 1], got {end_factor!r}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = self._fields["total_iters"](op, total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        s, f, n, e = self.start_factor, self.end_factor, self.total_iters, self.last_epoch
        if e == 0:
            return [lr * s for lr in self._current()]
        if self._is_initial or e > n:
            return self._current()
        return [lr * (1.0 + (f - s) / (n * s + (e - 1) * (f - s))) for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        s, f, n = self.start_factor, self.end_factor, self.total_iters
        return [b * (s + (f - s) * min(n, self.last_epoch) / n) for b in self.base_lrs]


class ConstantLR(LRScheduler):
    """The rate times ``factor`` until epoch ``total_iters``, the base rate from then on.
    ``factor=0`` is accepted, as torch's, and its last step sets the base rate (torch divides
    by the factor there and raises ``ZeroDivisionError``)."""

    _fields: ClassVar = {"factor": validate.real("factor"), "total_iters": validate.integer("total_iters", 0)}

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        op = "ConstantLR"
        factor = validate.real("factor")(op, factor)
        if factor > 1.0 or factor < 0:
            raise ArgumentError(f"{op}: the constant multiplicative factor must be between 0 and 1, got {factor!r}")
        self.factor = factor
        self.total_iters = self._fields["total_iters"](op, total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e = self.last_epoch
        if e == 0:
            return [lr * self.factor for lr in self._current()]
        if e != self.total_iters:
            return self._current()
        if self.factor == 0:
            return list(self.base_lrs)
        return [lr * (1.0 / self.factor) for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        f = self.factor
        return [b * (f + (self.last_epoch >= self.total_iters) * (1 - f)) for b in self.base_lrs]


def _lambdas_state(n: int) -> Callable[[str, Any], list[Any]]:
    def check(op: str, v: Any) -> list[Any]:
        if not isinstance(v, (list, tuple)) or len(v) != n:
            raise ArgumentError(f"{op}: lr_lambdas must be a list of {n} entries (None or a dict), got {v!r:.80}")
        for i, x in enumerate(v):
            if x is not None and not isinstance(x, Mapping):
                raise ArgumentError(f"{op}: lr_lambdas[{i}] must be None or a dict of a callable "
                                    f"object's attributes, got {type(x).__name__}")
        return [None if x is None else dict(x) for x in v]

    return check


class LambdaLR(LRScheduler):
    """The base rate times ``lr_lambda(epoch)`` (one function, or one per group). The state dict
    holds the attributes of callable objects; plain functions and lambdas are not saved."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        op = type(self).__name__  # LambdaLR, or MultiplicativeLR
        check_optimizer(op, optimizer)
        n = len(optimizer.param_groups)
        fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(fns) != n:
            raise ArgumentError(f"{op}: expected {n} lr_lambdas (one per param group), got {len(fns)}")
        for i, fn in enumerate(fns):
            if not callable(fn):
                raise ArgumentError(f"{op}: lr_lambda[{i}] must be callable, got {type(fn).__name__}")
        self.optimizer = optimizer
        self.lr_lambdas = fns
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        out = []
        for i, (fn, b) in enumerate(zip(self.lr_lambdas, self.base_lrs)):
            factor = validate.real(f"lr_lambda[{i}]({self.last_epoch})")(type(self).__name__,
                                                                         run_user(fn, self.last_epoch))
            out.append(b * factor)
        return out

    def _all_fields(self) -> dict[str, Any]:
        return {**super()._all_fields(), "lr_lambdas": _lambdas_state(len(self.lr_lambdas))}

    def state_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}
        out["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                             for fn in self.lr_lambdas]
        return out

    def _apply_staged(self, staged: Any) -> None:
        staged = dict(staged)
        attrs = staged.pop("lr_lambdas")
        self.__dict__.update(staged)
        for fn, d in zip(self.lr_lambdas, attrs):
            if d is not None:
                fn.__dict__.update(d)


class MultiplicativeLR(LambdaLR):
    """Each step multiplies the current rate by ``lr_lambda(epoch)`` (one function, or one per
    group); the state dict keeps callable objects' attributes, as ``LambdaLR``'s."""

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        out = []
        for i, (fn, lr) in enumerate(zip(self.lr_lambdas, self._current())):
            factor = validate.real(f"lr_lambda[{i}]({self.last_epoch})")(type(self).__name__,
                                                                         run_user(fn, self.last_epoch))
            out.append(lr * factor)
        return out
