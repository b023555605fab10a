"""``Adafactor`` (torch.optim.Adafactor, torch >= 2.5): Adam-like steps with a factored second
moment, relative step sizes and update clipping (Shazeer and Stern, 2018, as torch implements it).

A parameter of two or more dimensions keeps the second moment factored over its last two
dimensions (``row_var``: the last dimension reduced to 1; ``col_var``: the one before it), any
other a full ``variance``; ``step`` counts the updates. The step is torch's single-tensor kernel
in its operation order; the norms it needs (the parameter's RMS and the update's) are read back
as Python numbers, as torch's ``.item()`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from .._core import convert
from .._core.errors import ArgumentError, ShapeError
from ..params import Param
from . import rules, validate
from . import state as _state
from .base import FOREACH, Optimizer, on_device

_eps1 = validate.non_negative("eps[0] (epsilon1)")
_eps2 = validate.non_negative("eps[1] (epsilon2)")


def _beta2_decay(op: str, v: Any) -> float:
    f = validate.real("beta2_decay")(op, v)
    if f > 0:
        raise ArgumentError(f"{op}: beta2_decay must be <= 0, got {v!r}")
    return f


def _eps(op: str, v: Any) -> tuple[float | None, float]:
    """``(epsilon1, epsilon2)``: epsilon1 None (the dtype's machine epsilon) or >= 0, epsilon2 >= 0."""
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise ArgumentError(f"{op}: eps must be a pair (epsilon1 or None, epsilon2), got {v!r}")
    return (None if v[0] is None else _eps1(op, v[0]), _eps2(op, v[1]))


def _d(op: str, v: Any) -> float:
    f = validate.real("d")(op, v)
    if f < 1.0:
        raise ArgumentError(f"{op}: the clipping threshold d must be >= 1, got {v!r}")
    return f


def _factor_shapes(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return (*shape[:-1], 1), (*shape[:-2], 1, shape[-1])


def _norm(xp: Any, x: Any) -> float:
    return float(xp.sqrt(xp.sum(x * x)))


class Adafactor(Optimizer):
    """Adafactor (torch.optim.Adafactor): the relative step ``min(lr, 1 / sqrt(step))`` scaled
    by the parameter's RMS (at least ``eps[1]``), the second moment decayed by
    ``1 - step ** beta2_decay`` (factored for matrices), updates clipped to RMS ``d``, decoupled
    weight decay ``p (1 - lr weight_decay)``, ``maximize``. State: ``step`` and ``row_var`` /
    ``col_var`` (two or more dimensions) or ``variance``."""

    _hyper: ClassVar = {"lr": validate.lr, "beta2_decay": _beta2_decay, "eps": _eps, "d": _d,
                        "weight_decay": validate.weight_decay, "foreach": FOREACH,
                        "maximize": validate.flag("maximize")}
    _required: ClassVar = ("lr", "beta2_decay", "eps", "d", "weight_decay")
    _flag_defaults: ClassVar = {"foreach": None, "maximize": False}

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                                  "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize})

    def _state_spec(self, group):
        return (), ("variance",), {"step": "count"}  # row_var / col_var: load_state_dict checks them

    def _update(self, ops, hp, p, g, state):
        xp = ops.backend.xp
        if p.size == 0:
            raise ArgumentError("Adafactor.step: cannot scale the update of an empty parameter by its RMS "
                                "(torch divides by zero)")
        if hp["maximize"]:
            g = ops.neg(g)
        step = state.get("step", 0) + 1
        eps1, eps2 = hp["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype).eps)
        lr, wd = hp["lr"], hp["weight_decay"]
        w = step ** hp["beta2_decay"]  # 1 - beta2 at this step
        alpha = max(eps2, _norm(xp, p) / (p.size ** 0.5)) * min(lr, 1 / (step ** 0.5))
        if wd != 0:
            p = ops.scale(p, 1 - lr * wd)
        if g.ndim > 1:
            row_shape, col_shape = _factor_shapes(g.shape)
            row = on_device(ops, state, "row_var")
            col = on_device(ops, state, "col_var")
            row = ops.backend.zeros(row_shape, p.dtype) if row is None else row
            col = ops.backend.zeros(col_shape, p.dtype) if col is None else col
            gg = g * g
            row = rules.lerp(ops, row, xp.sqrt(xp.sum(gg, axis=-1, keepdims=True)) ** 2 / g.shape[-1], w)
            col = rules.lerp(ops, col, xp.sqrt(xp.sum(gg, axis=-2, keepdims=True)) ** 2 / g.shape[-2], w)
            var = xp.matmul(row, col) / xp.maximum(xp.mean(row, axis=-2, keepdims=True), eps1)
            state["row_var"], state["col_var"] = row, col
        else:
            v = on_device(ops, state, "variance")
            v = ops.backend.zeros(g.shape, p.dtype) if v is None else v
            var = v = rules.lerp(ops, v, g * g, w)
            state["variance"] = v
        update = (1 / xp.sqrt(xp.maximum(var, eps1 * eps1))) * g
        denom = max(1.0, _norm(xp, update) / ((update.size ** 0.5) * hp["d"]))
        state["step"] = step
        return ops.add(p, ops.scale(update, -alpha / denom)), state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As every optimizer's (ours or torch's, validated first), with the factored moments
        checked against their shapes: ``row_var`` and ``col_var`` for parameters of two or more
        dimensions, ``variance`` for the others."""
        op = "Adafactor.load_state_dict"
        ids = self._saved_ids(state_dict)
        if ids is None:  # malformed: the common validation names the problem
            self.param_groups, self.state = _state.staged(self, op, state_dict)
            return
        factors: dict[Param, tuple[np.ndarray, np.ndarray]] = {}
        stripped = {}
        for key, st in state_dict["state"].items():
            hit = _state._lookup(ids, key)
            if hit is not None and isinstance(st, Mapping) and st:
                st = dict(st)
                factors.update(_factors(op, hit[0], hit[1], st))
            stripped[key] = st
        groups, state = _state.staged(self, op, {**state_dict, "state": stripped})
        for p, (row, col) in factors.items():
            state[p]["row_var"], state[p]["col_var"] = row, col
        self.param_groups, self.state = groups, state

    def _saved_ids(self, sd: Any) -> dict[Any, tuple[int, Param, int]] | None:
        """Saved parameter id -> (index, our parameter, group), or None for a malformed dict."""
        if not isinstance(sd, Mapping) or not isinstance(sd.get("state"), Mapping):
            return None
        saved = sd.get("param_groups")
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self.param_groups):
            return None
        out: dict[Any, tuple[int, Param, int]] = {}
        for gi, (ours, theirs) in enumerate(zip(self.param_groups, saved)):
            sids = theirs.get("params") if isinstance(theirs, Mapping) else None
            if not isinstance(sids, (list, tuple)) or len(sids) != len(ours["params"]):
                return None
            for sid, p in zip(sids, ours["params"]):
                try:
                    out[sid] = (len(out), p, gi)
                except TypeError:
                    return None
        return out


def _factors(op: str, i: int, p: Param, st: dict[str, Any]) -> dict[Param, tuple[np.ndarray, np.ndarray]]:
    """Check (and take out of ``st``) the factored moments of parameter ``i``."""
    factored = len(p.shape) > 1
    if "step" not in st:
        raise ArgumentError(f"{op}: the state of parameter {i} has no ['step']")
    wrong = [k for k in (("variance",) if factored else ("row_var", "col_var")) if k in st]
    need = [k for k in (("row_var", "col_var") if factored else ("variance",)) if k not in st]
    if wrong or need:
        what = "two or more dimensions keeps row_var and col_var" if factored else "fewer than two dimensions " \
            "keeps variance"
        raise ArgumentError(f"{op}: the state of parameter {i} (shape {p.shape}) has unexpected keys {wrong} and "
                            f"misses {need}: a parameter of {what}")
    if not factored:
        return {}
    out = []
    for k, shape in zip(("row_var", "col_var"), _factor_shapes(p.shape)):
        arr = convert.host_array(st.pop(k), op, f"{k} of parameter {i}", p.dtype)
        if arr.shape != shape:
            raise ShapeError(f"{op}: {k} of parameter {i} has shape {arr.shape}, expected {shape} for a parameter "
                             f"of shape {p.shape}")
        out.append(arr)
    return {p: (out[0], out[1])}
