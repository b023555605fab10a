"""Optimizer state dicts in torch.optim's layout, and their validation.

``{'state': {index: {key: value}}, 'param_groups': [{hyperparameters..., 'params': [indices]}]}``:
parameters are numbered in the order of the groups; the state keys are torch's (Adam's
``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``...). Arrays come out as host NumPy
copies and step counts as ints; going in, anything the input boundary accepts (NumPy arrays,
torch tensors, nested lists) is converted to the parameter's dtype, and a step count may be a
whole float or a 0-d tensor (torch keeps ``step`` as a float tensor).

``staged`` validates a whole state dict and returns the new groups and state without changing
the optimizer: the group count and sizes, every hyperparameter (torch's flags missing from an
older state dict take their defaults; keys torchlean does not read, such as a scheduler's
``initial_lr``, are kept), every state key, shape, dtype and step count.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import convert
from .._core.errors import ArgumentError, ShapeError
from ..params import Param
from .groups import ParamGroup

if TYPE_CHECKING:
    from .base import Optimizer


def _host(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return np.array(v, copy=True)
    if hasattr(v, "__cuda_array_interface__"):
        from .base import backend_of

        return backend_of(v).to_host(v)
    return list(v) if isinstance(v, list) else v


def export(opt: Optimizer) -> dict[str, Any]:
    """The optimizer's state dict (copies: changing it never changes the optimizer)."""
    index: dict[int, int] = {}
    groups = []
    for g in opt.param_groups:
        packed = {k: _host(v) for k, v in g.items() if k != "params"}
        ids = []
        for p in g["params"]:
            ids.append(index.setdefault(id(p), len(index)))
        packed["params"] = ids
        groups.append(packed)
    state: dict[int, dict[str, Any]] = {}
    for g in opt.param_groups:
        for p in g["params"]:
            st = dict.get(opt.state, p)
            if st:
                state[index[id(p)]] = {k: _host(v) for k, v in st.items()}
    return {"state": state, "param_groups": groups}


def staged(opt: Optimizer, op: str, sd: Any) -> tuple[list[ParamGroup], defaultdict[Param, dict[str, Any]]]:
    """The groups and state ``sd`` describes for ``opt``, all validated; ``opt`` is unchanged."""
    if not isinstance(sd, Mapping):
        raise ArgumentError(f"{op}: expected a state dict (a dict with 'state' and 'param_groups'), "
                            f"got {type(sd).__name__}")
    missing = [k for k in ("state", "param_groups") if k not in sd]
    extra = sorted(str(k) for k in sd if k not in ("state", "param_groups"))
    if missing or extra:
        raise ArgumentError(f"{op}: a state dict has the keys ['state', 'param_groups']; missing "
                            f"{missing}, unexpected {extra}")
    saved = sd["param_groups"]
    if not isinstance(saved, (list, tuple)):
        raise ArgumentError(f"{op}: 'param_groups' must be a list, got {type(saved).__name__}")
    mine = opt.param_groups
    if len(saved) != len(mine):
        raise ArgumentError(f"{op}: the state dict has {len(saved)} parameter groups, this optimizer "
                            f"has {len(mine)}")
    cls = type(opt)
    id_map: dict[Any, tuple[int, Param, int]] = {}
    groups: list[ParamGroup] = []
    for gi, (ours, theirs) in enumerate(zip(mine, saved)):
        where = f"param group {gi} of the state dict"
        if not isinstance(theirs, Mapping) or "params" not in theirs:
            raise ArgumentError(f"{op}: {where} must be a dict with 'params', got {type(theirs).__name__}")
        ids = theirs["params"]
        if not isinstance(ids, (list, tuple)):
            raise ArgumentError(f"{op}: 'params' of {where} must be a list of ids, got {type(ids).__name__}")
        if len(ids) != len(ours["params"]):
            raise ArgumentError(f"{op}: {where} has {len(ids)} parameters, this optimizer's group has "
                                f"{len(ours['params'])}")
        for sid, p in zip(ids, ours["params"]):
            try:
                taken = sid in id_map
            except TypeError:
                raise ArgumentError(f"{op}: parameter id {sid!r:.40} in {where} is not hashable") from None
            if taken:
                raise ArgumentError(f"{op}: parameter id {sid!r} appears twice in the state dict's param_groups")
            id_map[sid] = (len(id_map), p, gi)
        values = {k: v for k, v in theirs.items() if k != "params"}
        absent = [k for k in cls._required if k not in values]
        if absent:
            raise ArgumentError(f"{op}: {where} has no {absent} (is it another optimizer's state dict?)")
        for k, d in cls._flag_defaults.items():
            values.setdefault(k, d)
        if "param_names" not in values and "param_names" in ours:
            values["param_names"] = ours["param_names"]
        values["params"] = list(ours["params"])
        groups.append(ParamGroup(cls, opt._checked_group(op, values, where)))
    raw_state = sd["state"]
    if not isinstance(raw_state, Mapping):
        raise ArgumentError(f"{op}: 'state' must be a dict, got {type(raw_state).__name__}")
    state: defaultdict[Param, dict[str, Any]] = defaultdict(dict)
    for key, st in raw_state.items():
        hit = _lookup(id_map, key)
        if hit is None:
            raise ArgumentError(f"{op}: state key {key!r:.40} is not a parameter id of the state dict's "
                                f"param_groups (ids 0..{len(id_map) - 1})")
        i, p, gi = hit
        checked = _param_state(opt, op, i, p, groups[gi], st)
        if checked:
            state[p] = checked
    return groups, state


def _lookup(id_map: dict[Any, tuple[int, Param, int]], key: Any) -> tuple[int, Param, int] | None:
    try:
        hit = id_map.get(key)
    except TypeError:
        return None
    if hit is None and isinstance(key, str) and key.strip().lstrip("-").isdigit():
        hit = id_map.get(int(key))  # a state dict whose int keys went through JSON
    if hit is None and isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        hit = id_map.get(str(int(key)))
    return hit


def _param_state(opt: Optimizer, op: str, i: int, p: Param, group: Mapping[str, Any], st: Any) -> dict[str, Any]:
    if not isinstance(st, Mapping):
        raise ArgumentError(f"{op}: the state of parameter {i} must be a dict, got {type(st).__name__}")
    if not st:
        return {}
    required, optional, scalars = opt._state_spec(group)
    known = (*scalars, *required, *optional)
    unknown = sorted(str(k) for k in st if k not in known)
    if unknown:
        raise ArgumentError(f"{op}: the state of parameter {i} has unexpected keys {unknown}; "
                            f"{type(opt).__name__} keeps {list(known)}")
    absent = [k for k in (*scalars, *required) if k not in st]
    if absent:
        raise ArgumentError(f"{op}: the state of parameter {i} has no {absent}")
    out: dict[str, Any] = {}
    for k, kind in scalars.items():
        out[k] = _SCALARS[kind](op, f"{k} of parameter {i}", st[k])
    for k in (*required, *optional):
        v = st.get(k)
        if v is None and k in optional:  # torch's SGD keeps a None buffer before its first step
            continue
        arr = convert.host_array(v, op, f"{k} of parameter {i}", p.dtype)
        if arr.shape != p.shape:
            raise ShapeError(f"{op}: {k} of parameter {i} has shape {arr.shape}, expected the "
                             f"parameter's shape {p.shape}")
        out[k] = arr
    return out


def _scalar(op: str, what: str, v: Any) -> float:
    if isinstance(v, (bool, np.bool_)):
        raise ArgumentError(f"{op}: {what} must be a number, got {v!r}")
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    arr = convert.host_array(v, op, what, np.float64)
    if arr.size != 1:
        raise ArgumentError(f"{op}: {what} must be a single number, got shape {arr.shape}")
    return float(arr.reshape(()))


def _count(op: str, what: str, v: Any) -> int:
    """A step count: an int >= 0 (a whole float or a 0-d tensor as torch saves it)."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        n = int(v)
    else:
        f = _scalar(op, what, v)
        if not math.isfinite(f) or f != math.floor(f):
            raise ArgumentError(f"{op}: {what} must be a whole number, got {v!r}")
        n = int(f)
    if n < 0:
        raise ArgumentError(f"{op}: {what} must be an int >= 0, got {v!r}")
    return n


def _unit(op: str, what: str, v: Any) -> float:
    """A number in [0, 1] (NAdam's ``mu_product``, ASGD's ``mu``)."""
    f = _scalar(op, what, v)
    if not 0.0 <= f <= 1.0:
        raise ArgumentError(f"{op}: {what} must be in [0, 1], got {v!r}")
    return f


def _real(op: str, what: str, v: Any) -> float:
    """A finite number (ASGD's ``eta``)."""
    f = _scalar(op, what, v)
    if not math.isfinite(f):
        raise ArgumentError(f"{op}: {what} must be finite, got {v!r}")
    return f


_SCALARS = {"count": _count, "unit": _unit, "real": _real}
