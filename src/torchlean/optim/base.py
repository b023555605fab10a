"""``Optimizer``: torch.optim's base class over ``Param`` objects.

``param_groups`` (a list of ``ParamGroup`` dicts: ``params`` and the group's hyperparameters),
``defaults``, ``state`` (per parameter, keyed by the ``Param`` itself, with torch.optim's key
names), ``step(closure=None)`` reading ``Param.grad``, ``zero_grad(set_to_none=True)``,
``add_param_group``, ``state_dict``/``load_state_dict`` in torch.optim's layout.

State lives on the device of the parameter's gradient (arrays of its backend; step counts are
Python ints, as torch keeps ``step`` on the host). A parameter with ``requires_grad=False`` or
without a gradient is left untouched, its state too. Updates run the pure rules of ``rules.py``
through the array binder of the gradient's backend.

Every step fails whole or succeeds whole: the groups' hyperparameters and every gradient
(exact shape and dtype of its parameter: a gradient is never broadcast) are checked first,
then every update is computed without touching anything, then parameters and state are
committed together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from .._core import convert
from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.guard import guard_methods, mark_user
from ..backends import get_backend
from ..backends.base import ArrayBackend
from ..eager.arrays import ArrayOps
from ..options import Device
from ..params import Param
from . import groups as _groups
from . import state as _state
from . import validate
from .groups import ParamGroup

_GUARDED = ("__init__", "step", "zero_grad", "state_dict", "load_state_dict", "add_param_group")
_CPU = get_backend(Device.CPU)

# torch's implementation switches: accepted; the update is the same whichever is chosen.
FOREACH = validate.optional_flag("foreach")
CAPTURABLE = validate.flag("capturable")
DIFFERENTIABLE = validate.never_true("differentiable", "torchlean optimizer steps are not recorded "
                                     "for autograd")
FUSED = validate.never_true("fused", "torchlean has no fused optimizer kernels")


def backend_of(array: Any) -> ArrayBackend:
    return get_backend(Device.CUDA if hasattr(array, "__cuda_array_interface__") else Device.CPU)


def betas_with_aliases(op: str, betas: Any, beta1: Any, beta2: Any) -> Any:
    """``betas`` with the seed-style ``beta1=``/``beta2=`` keywords applied (each checked under
    its own name first)."""
    if beta1 is None and beta2 is None:
        return betas
    b = list(validate.betas(op, betas))
    if beta1 is not None:
        b[0] = validate.beta1(op, beta1)
    if beta2 is not None:
        b[1] = validate.beta2(op, beta2)
    return tuple(b)


class Optimizer:
    """Base class of the optimizers (torch.optim.Optimizer).

    Subclasses declare ``_hyper`` (a check per group key), ``_required`` (the keys a loaded
    group must carry; flags missing from an older state dict take ``_flag_defaults``),
    ``_state_spec`` (the per-parameter state keys) and ``_update`` (one parameter's update).
    """

    _hyper: ClassVar[dict[str, validate.Check]] = {"lr": validate.lr}
    _required: ClassVar[tuple[str, ...]] = ("lr",)
    _flag_defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = self._checked_group(name, defaults, "the defaults")
        staged: list[ParamGroup] = []
        for i, raw in enumerate(_groups.top_level(name, params)):
            staged.append(self._new_group(name, raw, staged, i))
        self.param_groups: list[ParamGroup] = staged
        self.state: defaultdict[Param, dict[str, Any]] = defaultdict(dict)
        self._ops: dict[Any, ArrayOps] = {}  # by dtype (CPU) or (id(backend), dtype)
        self._opt_called = False
        for g in staged:
            self._init_group_state(g)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        guard_methods(cls, _GUARDED)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"

    # -- groups ------------------------------------------------------------------------------
    def _checked_group(self, op: str, values: Mapping[str, Any], what: str) -> dict[str, Any]:
        """Every value of a group (or of the defaults) validated; cross-checks included."""
        cls = type(self)
        out = {k: _groups.checked_value(cls, op, k, v) for k, v in values.items()}
        self._cross_check(op, out, what)
        return out

    def _cross_check(self, op: str, group: Mapping[str, Any], what: str) -> None:
        """Checks that involve several keys (SGD: Nesterov needs momentum and no dampening)."""

    def _new_group(self, op: str, raw: Mapping[str, Any], existing: list[ParamGroup], index: int) -> ParamGroup:
        if not isinstance(raw, Mapping):
            raise ArgumentError(f"{op}: a param group must be a dict, got {type(raw).__name__}")
        if "params" not in raw:
            raise ArgumentError(f"{op}: param group {index} has no 'params'")
        raw = dict(raw)
        items = raw["params"]
        if isinstance(items, Iterable) and not isinstance(items, (Param, set, frozenset, str, bytes, Mapping)):
            items, names = _groups.split_names(op, list(items))
            raw["params"] = items
            if names is not None:
                raw["param_names"] = names
        values = {**self.defaults, **raw}
        group = self._checked_group(op, values, f"param group {index}")
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            raise ArgumentError(f"{op}: param group {index} contains a parameter more than once")
        taken = {id(p) for g in existing for p in g["params"]}
        if any(i in taken for i in ids):
            raise ArgumentError(f"{op}: some parameters appear in more than one parameter group")
        if existing and ("param_names" in group) != ("param_names" in existing[0]):
            raise ArgumentError(f"{op}: all param groups must be given with parameter names, or none")
        return ParamGroup(type(self), group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group (its own ``params`` and hyperparameters; the rest from ``defaults``)."""
        name = f"{type(self).__name__}.add_param_group"
        if not isinstance(param_group, dict):
            raise ArgumentError(f"{name}: param_group must be a dict, got {type(param_group).__name__}")
        group = self._new_group(name, param_group, self.param_groups, len(self.param_groups))
        self.param_groups.append(group)
        self._init_group_state(group)

    def _init_group_state(self, group: ParamGroup) -> None:
        """State made when a group is added (Adagrad's accumulators); none by default."""

    def _group_at_step(self, op: str, index: int, group: Any) -> Mapping[str, Any]:
        """The hyperparameters of group ``index`` for this step, validated."""
        cls = type(self)
        if type(group) is ParamGroup and group._cls is cls and group.keys() >= cls._hyper.keys():
            self._cross_check(op, group, f"param group {index}")
            return group
        if not isinstance(group, Mapping) or "params" not in group:
            raise ArgumentError(f"{op}: param_groups[{index}] must be a dict with 'params', got "
                                f"{type(group).__name__}")
        missing = [k for k in cls._hyper if k not in group]
        if missing:
            raise ArgumentError(f"{op}: param_groups[{index}] has no {missing}")
        return self._checked_group(op, group, f"param group {index}")

    # -- steps -------------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every trainable parameter that has a gradient (``Param.grad``).

        ``closure`` (optional) re-evaluates the model and returns the loss; it runs first and
        its result is returned."""
        op = f"{type(self).__name__}.step"
        loss = None
        if closure is not None:
            if not callable(closure):
                raise ArgumentError(f"{op}: closure must be callable (it re-evaluates the model and "
                                    f"returns the loss), got {type(closure).__name__}")
            try:
                loss = closure()
            except BaseException as e:
                mark_user(e)
                raise
        self._apply(self._work(op, None))
        return loss

    def _step_grads(self, op: str, grads: Mapping[int, Any]) -> None:
        """One update with explicit gradients (``id(param) -> gradient``) instead of ``.grad``:
        the session's and trainer's seed-style steps."""
        self._apply(self._work(op, grads))

    def _work(self, op: str, grads: Mapping[int, Any] | None) -> list[tuple[Mapping[str, Any], Param, Any]]:
        groups = self.param_groups
        if not isinstance(groups, list):
            raise ArgumentError(f"{op}: param_groups must be a list, got {type(groups).__name__}")
        seen: set[int] = set()
        work = []
        for gi, group in enumerate(groups):
            hp = self._group_at_step(op, gi, group)
            params = group["params"]
            if type(params) is not list:
                params = _groups.param_list(f"{op}: param_groups[{gi}]", params)
            for i, p in enumerate(params):
                pid = id(p)
                if pid in seen or not isinstance(p, Param):
                    raise ArgumentError(f"{op}: param_groups[{gi}]['params'][{i}] is " + (
                        "a parameter that appears more than once in param_groups" if pid in seen
                        else f"a {type(p).__name__}, not a Param"))
                seen.add(pid)
                if not p.requires_grad:
                    continue
                g = p.grad if grads is None else grads.get(pid)
                if g is None:
                    continue
                if not (g.__class__ is np.ndarray and g.shape == p.shape and g.dtype == p.dtype):
                    g = _checked_grad(op, len(seen) - 1, p, g)
                work.append((hp, p, g))
        return work

    def _apply(self, work: list[tuple[Mapping[str, Any], Param, Any]]) -> None:
        updates = []
        state = self.state
        get = dict.get
        for hp, p, g in work:
            if g.__class__ is np.ndarray:
                backend = _CPU
                ops = self._ops.get(p.dtype)
            else:
                backend = backend_of(g)
                ops = self._ops.get((id(backend), p.dtype))  # not the Device enum: its hash runs in Python
            if ops is None:
                ops = ArrayOps(backend, p.dtype)
                self._ops[p.dtype if backend is _CPU else (id(backend), p.dtype)] = ops
            old = get(state, p)
            new_p, new_state = self._update(ops, hp, p.array_on(backend), g, dict(old) if old else {})
            updates.append((p, backend, new_p, new_state))
        for p, backend, new_p, new_state in updates:  # commit: nothing below can fail
            if new_state:
                state[p] = new_state
            p.assign(backend, new_p)
        self._opt_called = True

    def _update(self, ops: ArrayOps, hp: Mapping[str, Any], p: Any, g: Any, state: dict[str, Any]
                ) -> tuple[Any, dict[str, Any]]:
        """The new parameter value and its new state (``state`` is a fresh copy, empty for a
        parameter without state); must not mutate anything else."""
        raise NotImplementedError

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: ``None`` (default) or zeros of the gradient's shape and device."""
        set_to_none = validate.flag("set_to_none")(f"{type(self).__name__}.zero_grad", set_to_none)
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif hasattr(g, "shape") and backend_of(g).is_array(g):
                    p.grad = backend_of(g).zeros(tuple(g.shape), np.dtype(g.dtype))
                else:
                    p.grad = np.zeros(p.shape, p.dtype)

    # -- state -------------------------------------------------------------------------------
    def _state_spec(self, group: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
        """Per-parameter state of a group: (required arrays, optional arrays, scalars and their
        kind, 'count' or 'unit'). A parameter's state is either empty or has every required key."""
        return (), (), {}

    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` as
        torch.optim: host copies of the state arrays, step counts as ints."""
        return _state.export(self)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Replace the groups' hyperparameters and the state with a ``state_dict`` (ours or a
        torch optimizer's: torch tensors are accepted). The whole dict is validated first (group
        count and sizes, every hyperparameter, state keys, shapes, dtypes and step counts)."""
        groups, state = _state.staged(self, f"{type(self).__name__}.load_state_dict", state_dict)
        self.param_groups = groups
        self.state = state

    # -- the seed-style steps' hyperparameters -----------------------------------------------
    def _staged_hyper(self, op: str, group: Mapping[str, Any], hyper: Mapping[str, Any]) -> dict[str, Any]:
        """Validated new values for ``group`` from seed-style keywords (``beta1``/``beta2`` map
        onto ``betas``); nothing is changed."""
        for k, v in hyper.items():  # the common case: the same values as the group's
            if type(v) is not float or v != (group["betas"][k == "beta2"] if k in ("beta1", "beta2")
                                              else group.get(k)):
                break
        else:
            return {}
        out: dict[str, Any] = {}
        for k, v in hyper.items():
            if k in ("beta1", "beta2"):
                b = list(out.get("betas", group["betas"]))
                b[k == "beta2"] = getattr(validate, k)(op, v)
                out["betas"] = tuple(b)
            elif k in type(self)._hyper:
                out[k] = _groups.checked_value(type(self), op, k, v)
            else:
                raise ArgumentError(f"{op}: unknown hyperparameter {k!r}")
        self._cross_check(op, {**group, **out}, "the step's hyperparameters")
        return out


guard_methods(Optimizer, _GUARDED)


def _checked_grad(op: str, i: int, p: Param, g: Any) -> Any:
    what = f"gradient of parameter {i}" + (f" ({p.name!r})" if p.name else "")
    if not hasattr(g, "shape") or not backend_of(g).is_array(g):
        g = convert.host_array(g, op, what, p.dtype)
    if tuple(g.shape) != p.shape:
        raise ShapeError(f"{op}: {what} has shape {tuple(g.shape)}, expected the parameter's "
                         f"shape {p.shape} (gradients are never broadcast)")
    if np.dtype(g.dtype) != p.dtype:
        raise DTypeError(f"{op}: {what} is {np.dtype(g.dtype).name}, expected {p.dtype.name}")
    return g


def on_device(ops: ArrayOps, state: dict[str, Any], key: str) -> Any:
    """A state array on the ops' device (moves a host copy from ``load_state_dict`` once), or
    None when the state has no such entry."""
    v = state.get(key)
    if v is not None and not ops.backend.is_array(v):
        v = state[key] = ops.backend.asarray(v, v.dtype)
    return v


def zeros_like(ops: ArrayOps, p: Any) -> Any:
    return ops.backend.zeros(p.shape, p.dtype)
