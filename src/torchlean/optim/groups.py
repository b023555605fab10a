"""Parameter groups: the ``params`` argument of an optimizer, read as torch.optim reads it.

``params`` is an iterable of ``Param`` objects, of ``(name, Param)`` pairs (``named_parameters()``,
giving the group a ``param_names`` list) or of dicts, one per group, each with its own
``params`` and hyperparameters. A ``ParamGroup`` is the dict torch.optim keeps per group; it
validates every known hyperparameter on assignment (``opt.param_groups[0]['lr'] = -1`` raises
and changes nothing). The step validates again what assignment cannot see (a group replaced
by a plain dict, a deleted key, combinations such as Nesterov without momentum).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._core.errors import ArgumentError
from ..params import Buffer, Param
from . import validate

# Keys the schedulers add to a group (OneCycleLR, every LRScheduler's initial_lr): checked too.
SCHEDULE_KEYS: dict[str, validate.Check] = {
    "initial_lr": validate.non_negative("initial_lr"),
    "max_lr": validate.non_negative("max_lr"),
    "min_lr": validate.non_negative("min_lr"),
    "max_momentum": validate.non_negative("max_momentum"),
    "base_momentum": validate.non_negative("base_momentum"),
}


def checked_value(cls: type, op: str, key: Any, value: Any) -> Any:
    """``value`` for group key ``key`` of an optimizer of class ``cls``, validated."""
    check = cls._hyper.get(key) or SCHEDULE_KEYS.get(key)
    if check is not None:
        return check(op, value)
    if key == "params":
        return param_list(op, value)
    if key == "param_names":
        if not isinstance(value, (list, tuple)) or not all(isinstance(n, str) for n in value):
            raise ArgumentError(f"{op}: param_names must be a list of strings, got {value!r:.80}")
        return list(value)
    return value


class ParamGroup(dict):
    """One parameter group (a dict, as in torch.optim) whose known hyperparameters are checked
    whenever they are set: ``group['lr'] = -1.0`` raises ``ArgumentError`` and keeps the old value."""

    __slots__ = ("_cls",)

    def __init__(self, cls: type, items: Mapping[str, Any]) -> None:
        super().__init__(items)  # the caller validated the items
        self._cls = cls

    def __setitem__(self, key: Any, value: Any) -> None:
        value = checked_value(self._cls, f"{self._cls.__name__}.param_groups", key, value)
        dict.__setitem__(self, key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        new = dict(*args, **kwargs)
        op = f"{self._cls.__name__}.param_groups"
        checked = {k: checked_value(self._cls, op, k, v) for k, v in new.items()}  # all first
        dict.update(self, checked)

    def __ior__(self, other: Any) -> ParamGroup:  # type: ignore[override]
        self.update(other)
        return self

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def __reduce__(self) -> Any:  # copies and pickles keep the class and the checks
        return (ParamGroup, (self._cls, dict(self)))


def param_list(op: str, params: Any) -> list[Param]:
    """The ``params`` of one group as a list of Params (a single Param is wrapped)."""
    if isinstance(params, Param):
        params = [params]
    elif isinstance(params, (set, frozenset)):
        raise ArgumentError(f"{op}: optimizer parameters need to be an ordered collection (a list), "
                            "not a set: the order of a set changes between runs")
    elif not isinstance(params, Iterable) or isinstance(params, (str, bytes, Mapping)):
        raise ArgumentError(f"{op}: params must be an iterable of Params, got {type(params).__name__}")
    out = list(params)
    for i, p in enumerate(out):
        if not isinstance(p, Param):
            raise ArgumentError(f"{op}: params[{i}] is a {type(p).__name__}, not a Param")
        if isinstance(p, Buffer):
            raise ArgumentError(f"{op}: params[{i}] is a Buffer, which is never trained")
    return out


def split_names(op: str, items: list[Any]) -> tuple[list[Any], list[str] | None]:
    """``[(name, Param), ...]`` into the parameters and their names (None without names)."""
    named = [isinstance(x, tuple) for x in items]
    if not any(named):
        return items, None
    if not all(named):
        raise ArgumentError(f"{op}: all parameters of a group must be given with names, or none")
    names, params = [], []
    for i, x in enumerate(items):
        if len(x) != 2 or not isinstance(x[0], str):
            raise ArgumentError(f"{op}: params[{i}] must be a (name, Param) pair, got {x!r:.80}")
        names.append(x[0])
        params.append(x[1])
    return params, names


def top_level(op: str, params: Any) -> list[dict[str, Any]]:
    """The optimizer's ``params`` argument as a list of raw group dicts (not yet validated)."""
    if isinstance(params, Param):
        raise ArgumentError(f"{op}: params must be an iterable of Params or dicts, got a single "
                            f"{type(params).__name__} (wrap it in a list)")
    if isinstance(params, (set, frozenset)):
        raise ArgumentError(f"{op}: optimizer parameters need to be an ordered collection (a list), "
                            "not a set: the order of a set changes between runs")
    if not isinstance(params, Iterable) or isinstance(params, (str, bytes, Mapping)):
        raise ArgumentError(f"{op}: params must be an iterable of Params or dicts, got "
                            f"{type(params).__name__}")
    items = list(params)
    if not items:
        raise ArgumentError(f"{op}: optimizer got an empty parameter list")
    if not isinstance(items[0], Mapping):
        return [{"params": items}]
    for i, g in enumerate(items):
        if not isinstance(g, Mapping):
            raise ArgumentError(f"{op}: param group {i} is a {type(g).__name__}, not a dict (give "
                                "either parameters or dicts, not both)")
    return [dict(g) for g in items]
