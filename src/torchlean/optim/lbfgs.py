"""``LBFGS`` (torch.optim.LBFGS): limited-memory BFGS over all the parameters as one vector.

One ``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations, re-evaluating the model
through the closure (at most ``max_eval`` evaluations). The search direction is the two-loop
recursion over the last ``history_size`` pairs ``(y, s)`` (gradient change, parameter change)
scaled by ``H_diag = y.s / y.y``; the first iteration ever is steepest descent with the step
``min(1, 1 / |g|_1) lr``, every later one starts at ``lr``, and ``line_search_fn='strong_wolfe'``
refines it by a bracketing and zoom search with cubic interpolation (sufficient decrease
``c1 = 1e-4``, curvature ``c2 = 0.9``, at most the evaluations ``max_eval`` leaves).

The algorithm's state is torch's, kept for the first parameter: ``func_evals`` and ``n_iter``
(ints), the flat vectors ``d`` and ``prev_flat_grad``, the lists ``old_dirs`` / ``old_stps``
(the ``y`` and ``s`` vectors), ``ro`` (``1 / y.s``) and ``al``, ``t``, ``H_diag`` and
``prev_loss``. Numbers that torch computes as 0-d tensors of the parameters' dtype (reductions
and what follows from them) are NumPy scalars of that dtype here, and torch's Python numbers stay
Python numbers, so float32 rounds where torch rounds and a Python number divided by a tensor goes
through the reciprocal as in torch. Vectors live on the gradients' device.

A step fails whole: if the closure raises (or anything else fails), the parameters get back
their values from before the step and the state is not changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from .._core import convert
from .._core.errors import ArgumentError, ShapeError
from .._core.guard import mark_user
from ..params import Param
from . import state as _state
from . import validate
from .base import _CPU, Optimizer, _checked_grad, backend_of
from .groups import param_list

_STRONG_WOLFE = "strong_wolfe"
_VECTORS = ("d", "prev_flat_grad")
_HISTORY = ("old_dirs", "old_stps")
_NUMBERS = ("t", "H_diag")
_RUN = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")  # after an iteration
_KEYS = ("func_evals", "n_iter", *_RUN, "al")


def line_search_fn(op: str, v: Any) -> str | None:
    """None (fixed steps) or ``'strong_wolfe'``."""
    if v is None or v == _STRONG_WOLFE:
        return v
    raise ArgumentError(f"{op}: line_search_fn must be None or 'strong_wolfe', got {v!r}")


def _cubic_minimum(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any, bounds: Any = None) -> Any:
    """The minimiser of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1``, ``g2``,
    clamped to ``bounds`` (default: between the two points); their midpoint where the cubic has
    no real minimiser."""
    if bounds is None:
        bounds = (x1, x2) if x1 <= x2 else (x2, x1)
    lo, hi = bounds
    gap = x1 - x2
    rise = 3 * (f1 - f2)
    # torch divides a Python number by a tensor as reciprocal-then-multiply
    d1 = g1 + g2 - (np.reciprocal(gap) * rise if isinstance(gap, np.generic) else rise / gap)
    disc = d1 * d1 - g1 * g2
    if not disc >= 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(at, lo), hi)


def _strong_wolfe(probe: Callable[[Any], tuple[float, Any, Any]], t: Any, f: float, g: Any, gtd: Any,
                  d_norm: Any, max_ls: int, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9) -> tuple[float, Any, Any, int]:
    """A step along the direction satisfying the strong Wolfe conditions (or the best point
    found within ``max_ls`` further evaluations). ``probe(t)`` is ``(f, g, g.d)`` at step ``t``;
    ``f``, ``g``, ``gtd`` are their values at 0. Points are ``[t, f, g, gtd]``. Returns
    ``(f, g, t, evaluations)`` of the chosen point."""
    fn, gn, gtdn = probe(t)
    evals, tries = 1, 0
    last = [0, f, g, gtd]
    bracket: list[list[Any]] | None = None
    done = False
    while tries < max_ls:
        here = [t, fn, gn, gtdn]
        if fn > f + c1 * t * gtd or (tries > 1 and fn >= last[1]):
            bracket = [last, here]
            break
        if abs(gtdn) <= -c2 * gtd:
            bracket, done = [here], True
            break
        if gtdn >= 0:
            bracket = [last, here]
            break
        t = _cubic_minimum(last[0], last[1], last[3], t, fn, gtdn, bounds=(t + 0.01 * (t - last[0]), t * 10))
        last = here
        fn, gn, gtdn = probe(t)
        evals += 1
        tries += 1
    if bracket is None:  # no bracket within max_ls evaluations: between the start and the last point
        bracket = [[0, f, g, None], [t, fn, gn, None]]

    low, high = (0, 1) if len(bracket) == 1 or bracket[0][1] <= bracket[-1][1] else (1, 0)
    stalled = False
    while not done and tries < max_ls:
        a, b = bracket
        if abs(b[0] - a[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(a[0], a[1], a[3], b[0], b[1], b[3])
        top, bottom = max(a[0], b[0]), min(a[0], b[0])
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:  # too close to an end: step away from it if that recurs
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        fn, gn, gtdn = probe(t)
        evals += 1
        tries += 1
        here = [t, fn, gn, gtdn]
        if fn > f + c1 * t * gtd or fn >= bracket[low][1]:
            bracket[high] = here
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtdn) <= -c2 * gtd:
                done = True
            elif gtdn * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = here
    t, fn, gn, _ = bracket[low]
    return fn, gn, t, evals


class _Flat:
    """The parameters of one step as one flat vector on one backend: the closure's loss and
    flat gradient, and moves of the parameters along a flat direction."""

    def __init__(self, op: str, params: list[Param], closure: Callable[[], Any], errstate: dict[str, str]) -> None:
        self.op, self.params, self.closure, self.errstate = op, params, closure, errstate
        self.dtype = params[0].dtype
        self.num = self.dtype.type  # a host scalar of the parameters' dtype (torch: a 0-d tensor)
        self.backend: Any = None
        self.sizes = [math.prod(p.shape) for p in params]

    def evaluate(self) -> tuple[Any, float, Any]:
        """Run the closure: ``(what it returned, the loss as a float, the flat gradient)``."""
        with np.errstate(**self.errstate):  # the user's NumPy error settings inside the closure
            try:
                out = self.closure()
            except BaseException as e:
                mark_user(e)
                raise
        try:
            loss = float(out)
        except (TypeError, ValueError) as e:
            raise ArgumentError(f"{self.op}: the closure must return the loss (a number or a one-element "
                                f"tensor), got {type(out).__name__}") from e
        return out, loss, self.gradient()

    def gradient(self) -> Any:
        grads = []
        for i, p in enumerate(self.params):
            g = p.grad if p.requires_grad else None
            if g is not None:
                if not (g.__class__ is np.ndarray and g.shape == p.shape and g.dtype == p.dtype):
                    g = _checked_grad(self.op, i, p, g)
                backend = _CPU if g.__class__ is np.ndarray else backend_of(g)
                if self.backend is None:
                    self.backend = backend
                elif backend.device is not self.backend.device:
                    raise ArgumentError(f"{self.op}: the gradient of parameter {i} is on {backend.device.value}, "
                                        f"the others on {self.backend.device.value}: LBFGS keeps all the "
                                        f"parameters as one vector on one device")
            grads.append(g)
        if self.backend is None:
            self.backend = _CPU
        xp = self.backend.xp
        parts = [self.backend.zeros((n,), self.dtype) if g is None else g.reshape(-1)
                 for g, n in zip(grads, self.sizes)]
        return xp.concatenate(parts) if parts else self.backend.zeros((0,), self.dtype)

    def values(self) -> list[Any]:
        return [p.array_on(self.backend) for p in self.params]

    def restore(self, values: list[Any]) -> None:
        for p, v in zip(self.params, values):
            p.assign(self.backend, v)

    def move(self, t: Any, d: Any) -> None:
        """Every trainable parameter ``p <- p + t d`` (its slice of ``d``)."""
        at = 0
        for p, n in zip(self.params, self.sizes):
            if p.requires_grad:
                new = p.array_on(self.backend) + d[at:at + n].reshape(p.shape) * t
                p.assign(self.backend, new.astype(self.dtype, copy=False))
            at += n

    def dot(self, a: Any, b: Any) -> Any:
        return self.num(self.backend.xp.dot(a, b).item())

    def abs_max(self, a: Any) -> Any:
        return self.num(self.backend.xp.max(self.backend.xp.abs(a)).item()) if a.size else self.num(0)

    def abs_sum(self, a: Any) -> Any:
        return self.num(self.backend.xp.sum(self.backend.xp.abs(a)).item())

    def on_device(self, v: Any) -> Any:
        return v if self.backend.is_array(v) else self.backend.asarray(v, self.dtype)


class LBFGS(Optimizer):
    """L-BFGS (torch.optim.LBFGS), optionally with a strong-Wolfe line search. One parameter
    group only; ``step(closure)`` needs the closure and returns the loss of its first call."""

    _hyper: ClassVar = {
        "lr": validate.lr, "max_iter": validate.integer("max_iter", 0), "max_eval": validate.integer("max_eval", 0),
        "tolerance_grad": validate.real("tolerance_grad"), "tolerance_change": validate.real("tolerance_change"),
        "history_size": validate.integer("history_size", 1), "line_search_fn": line_search_fn,
    }
    _required: ClassVar = ("lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change", "history_size")
    _flag_defaults: ClassVar = {"line_search_fn": None}

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_iter = validate.integer("max_iter", 0)("LBFGS", max_iter)
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                                  "history_size": history_size, "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ArgumentError("LBFGS: LBFGS doesn't support per-parameter options (parameter groups): give "
                                f"one group, got {len(self.param_groups)}")
        self._params("LBFGS", self.param_groups[0]["params"])

    def _cross_check(self, op: str, group: Mapping[str, Any], what: str) -> None:
        if (group.get("line_search_fn") == _STRONG_WOLFE and group.get("max_iter", 1) >= 1
                and group.get("max_eval", 1) < 1):
            raise ArgumentError(f"{op}: the strong-Wolfe line search needs max_eval >= 1 ({what}: max_eval="
                                f"{group.get('max_eval')})")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        raise ArgumentError("LBFGS.add_param_group: LBFGS doesn't support per-parameter options (parameter "
                            "groups): it optimizes one group")

    @staticmethod
    def _params(op: str, params: Any) -> list[Param]:
        if type(params) is not list or not all(isinstance(p, Param) for p in params):
            params = param_list(f"{op}: param_groups[0]['params']", params)
        if not params:
            raise ArgumentError(f"{op}: LBFGS has no parameters")
        if len({id(p) for p in params}) != len(params):
            raise ArgumentError(f"{op}: param_groups[0] contains a parameter more than once")
        dtypes = {p.dtype for p in params}
        if len(dtypes) != 1:
            raise ArgumentError(f"{op}: LBFGS keeps the parameters as one vector: they must share a dtype, got "
                                f"{sorted(dt.name for dt in dtypes)}")
        return params

    # -- steps -------------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to ``max_iter`` L-BFGS iterations; ``closure`` zeroes the gradients, computes the
        loss, calls ``backward()`` and returns the loss. Returns the closure's first loss."""
        op = "LBFGS.step"
        if closure is None:
            raise ArgumentError(f"{op}: LBFGS needs a closure that re-evaluates the model and returns the loss "
                                "(opt.step(closure))")
        if not callable(closure):
            raise ArgumentError(f"{op}: closure must be callable (it re-evaluates the model and returns the "
                                f"loss), got {type(closure).__name__}")
        if not isinstance(self.param_groups, list) or len(self.param_groups) != 1:
            raise ArgumentError(f"{op}: LBFGS keeps exactly one parameter group")
        hp = self._group_at_step(op, 0, self.param_groups[0])
        params = self._params(op, hp["params"])
        old = dict.get(self.state, params[0])
        st = {k: list(v) if isinstance(v, list) else v for k, v in (old or {}).items()}
        if st.get("n_iter", 0) >= 1:
            absent = [k for k in _RUN if st.get(k) is None]
            if absent:
                raise ArgumentError(f"{op}: the state has n_iter={st['n_iter']} but no {absent}")
        flat = _Flat(op, params, closure, np.geterr())
        before: list[Any] | None = None
        try:
            with np.errstate(all="ignore"):  # torch's arithmetic never warns
                out, loss, g = flat.evaluate()
                before = flat.values()
                self._iterate(flat, hp, st, loss, g)
        except BaseException:
            if before is not None:
                flat.restore(before)
            raise
        self.state[params[0]] = st
        self._opt_called = True
        return out

    def _iterate(self, flat: _Flat, hp: Mapping[str, Any], st: dict[str, Any], loss: float, g: Any) -> None:
        """The iterations of one step from the first evaluation (``loss``, ``g``), updating the
        working copy ``st`` of the state and moving the parameters."""
        lr, max_iter, max_eval = hp["lr"], hp["max_iter"], hp["max_eval"]
        tol_grad, tol_change, history = hp["tolerance_grad"], hp["tolerance_change"], hp["history_size"]
        st["func_evals"] = st.get("func_evals", 0) + 1
        st["n_iter"] = st.get("n_iter", 0)
        if flat.abs_max(g) <= tol_grad:
            return
        num = flat.num
        for k in _VECTORS:
            if st.get(k) is not None:
                st[k] = flat.on_device(st[k])
        for k in _HISTORY:
            if st.get(k) is not None:
                st[k] = [flat.on_device(v) for v in st[k]]
        d, t, dirs, stps, ro, h_diag, prev_g, prev_loss = (st.get(k) for k in _RUN)
        evals, it, optimal = 1, 0, False
        while it < max_iter:
            it += 1
            st["n_iter"] += 1
            if st["n_iter"] == 1:  # steepest descent, empty history
                d, dirs, stps, ro, h_diag = -g, [], [], [], num(1)
            else:
                y, s = g - prev_g, d * t
                ys = flat.dot(y, s)
                if ys > 1e-10:  # keep the pair only with enough curvature
                    while len(dirs) >= history:
                        del dirs[0], stps[0], ro[0]
                    dirs.append(y)
                    stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / flat.dot(y, y)
                al = list(st.get("al") or [None] * history)
                al += [None] * (len(dirs) - len(al))
                q = -g
                for i in range(len(dirs) - 1, -1, -1):
                    al[i] = flat.dot(stps[i], q) * ro[i]
                    q = q + dirs[i] * -al[i]
                d = q * h_diag
                for i in range(len(dirs)):
                    beta = flat.dot(dirs[i], d) * ro[i]
                    d = d + stps[i] * (al[i] - beta)
                st["al"] = al
            prev_g, prev_loss = g, loss
            t = min(1.0, 1.0 / flat.abs_sum(g)) * lr if st["n_iter"] == 1 else lr
            gtd = flat.dot(g, d)
            if gtd > -tol_change:  # not a descent direction (any more)
                break
            spent = 0
            if hp["line_search_fn"] == _STRONG_WOLFE:
                start = flat.values()

                def probe(step: Any, start: list[Any] = start, d: Any = d) -> tuple[float, Any, Any]:
                    flat.move(step, d)
                    _, f_at, g_at = flat.evaluate()
                    flat.restore(start)
                    return f_at, g_at, flat.dot(g_at, d)

                loss, g, t, spent = _strong_wolfe(probe, t, loss, g, gtd, flat.abs_max(d), max_eval - evals)
                flat.move(t, d)
                optimal = flat.abs_max(g) <= tol_grad
            else:
                flat.move(t, d)
                if it != max_iter:  # the last iteration's loss would go unused
                    _, loss, g = flat.evaluate()
                    optimal = flat.abs_max(g) <= tol_grad
                    spent = 1
            evals += spent
            st["func_evals"] += spent
            if (it == max_iter or evals >= max_eval or optimal or flat.abs_max(d * t) <= tol_change
                    or abs(loss - prev_loss) < tol_change):
                break
        st.update(zip(_RUN, (d, t, dirs, stps, ro, h_diag, prev_g, prev_loss)))

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """torch's layout: ``{'state': {0: {...}}, 'param_groups': [...]}``, the state of the
        first parameter with host NumPy copies of the vectors and Python numbers."""
        sd = _state.export(self)
        params = self.param_groups[0]["params"]
        sd["state"] = {i: {k: _exported(v) for k, v in st.items()}
                       for i, p in enumerate(params) if (st := dict.get(self.state, p))}
        return sd

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Ours or a torch LBFGS's (tensors accepted): the group and every state entry are
        validated (keys, vector lengths, history lengths, counts) before any is applied."""
        op = "LBFGS.load_state_dict"
        raw: Any = {}
        stripped = state_dict
        if isinstance(state_dict, Mapping) and "state" in state_dict:
            raw, stripped = state_dict["state"], {**state_dict, "state": {}}
        groups, _ = _state.staged(self, op, stripped)  # everything but the state
        if not isinstance(raw, Mapping):
            raise ArgumentError(f"{op}: 'state' must be a dict, got {type(raw).__name__}")
        params = self._params(op, groups[0]["params"])
        ids = state_dict["param_groups"][0]["params"]
        id_map = {sid: (i, p, 0) for i, (sid, p) in enumerate(zip(ids, params))}
        state: Any = type(self.state)(dict)
        for key, st in raw.items():
            hit = _state._lookup(id_map, key)
            if hit is None:
                raise ArgumentError(f"{op}: state key {key!r:.40} is not a parameter id of the state dict's "
                                    f"param_groups")
            if not isinstance(st, Mapping):
                raise ArgumentError(f"{op}: the state of parameter {hit[0]} must be a dict, got {type(st).__name__}")
            if not st:
                continue
            if hit[0] != 0:
                raise ArgumentError(f"{op}: LBFGS keeps its state on the first parameter; the state dict has "
                                    f"state for parameter {hit[0]}")
            state[params[0]] = _loaded(op, st, sum(math.prod(p.shape) for p in params), params[0].dtype)
        self.param_groups = groups
        self.state = state


def _exported(v: Any) -> Any:
    if isinstance(v, list):
        return [_exported(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if hasattr(v, "__cuda_array_interface__"):
        return backend_of(v).to_host(v)
    return np.array(v, copy=True) if isinstance(v, np.ndarray) else v


def _loaded(op: str, st: Mapping[str, Any], n: int, dtype: np.dtype) -> dict[str, Any]:
    unknown = sorted(str(k) for k in st if k not in _KEYS)
    if unknown:
        raise ArgumentError(f"{op}: the state has unexpected keys {unknown}; LBFGS keeps {list(_KEYS)}")
    absent = [k for k in ("func_evals", "n_iter") if k not in st]
    if absent:
        raise ArgumentError(f"{op}: the state has no {absent}")
    out: dict[str, Any] = {k: _state._count(op, k, st[k]) for k in ("func_evals", "n_iter")}
    if out["n_iter"] >= 1:
        missing = [k for k in _RUN if st.get(k) is None]
        if missing:
            raise ArgumentError(f"{op}: the state has n_iter={out['n_iter']} but no {missing}")
    num = dtype.type

    def vector(what: str, v: Any) -> np.ndarray:
        arr = convert.host_array(v, op, what, dtype)
        if arr.shape != (n,):
            raise ShapeError(f"{op}: {what} has shape {arr.shape}, expected ({n},) (all the parameters as one "
                             f"vector)")
        return arr

    def sequence(k: str) -> list[Any]:
        v = st[k]
        if not isinstance(v, (list, tuple)):
            raise ArgumentError(f"{op}: {k} must be a list, got {type(v).__name__}")
        return list(v)

    for k in _KEYS[2:]:
        if st.get(k) is None:
            if k in st:
                out[k] = None
            continue
        if k in _VECTORS:
            out[k] = vector(k, st[k])
        elif k in _HISTORY:
            out[k] = [vector(f"{k}[{i}]", v) for i, v in enumerate(sequence(k))]
        elif k == "ro":
            out[k] = [num(_state._scalar(op, f"ro[{i}]", v)) for i, v in enumerate(sequence(k))]
        elif k == "al":
            out[k] = [None if v is None else num(_state._scalar(op, f"al[{i}]", v))
                      for i, v in enumerate(sequence(k))]
        elif k in _NUMBERS:
            out[k] = num(_state._scalar(op, k, st[k]))
        else:  # prev_loss: a Python float, as torch keeps it
            out[k] = _state._scalar(op, k, st[k])
    lengths = {k: len(out[k]) for k in ("old_dirs", "old_stps", "ro") if out.get(k) is not None}
    if len(set(lengths.values())) > 1:
        raise ArgumentError(f"{op}: old_dirs, old_stps and ro must have the same length, got {lengths}")
    return out
