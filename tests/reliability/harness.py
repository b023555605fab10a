"""The catalogue's machinery: a ``Case`` record, a ``World`` of live objects, a state snapshot.

A case runs in a fresh ``World`` (an eager float32 session with parameters used on its tape, a
finished backward, an advanced random counter and stored nats; optimizers, compiled functions
and trainers are made on first use). ``setup(w)`` may add objects (store them on ``w.c``); then
everything observable is snapshotted, ``act(w)`` runs, and (an ``act`` that returns a deferred
``Call``, e.g. ``w.S.relu(w.s.input(...))``, builds its operands first; the snapshot is taken
again just before the call itself runs):

* an error case (``raises`` set) must raise exactly one of ``raises`` (TorchLeanError
  subclasses, never a raw Python error and never the bare base class), with every string of
  ``names`` in its message, and the snapshot taken after must equal the one taken before;
* a positive control (``raises`` None) must return, and ``check(result, w)`` asserts the exact
  value (expected values come from NumPy, torch or hand arithmetic, never from torchlean);
  a ``quiet`` one must not emit a NumPy ``RuntimeWarning`` either;
* a ``may`` case (both set: PyTorch accepts the call) passes either way: a correct value, or a
  clean error as above.

Observable state: every tracked session's tape length, epoch, random counter, nat store and
parameter-leaf count, its optimizers; every tracked ``Param``'s value, dtype, shape and grad;
every tracked optimizer's hyperparameters, parameter list and state (moments and step counts);
every tracked compiled function's random counter; every tracked trainer's parameters and
optimizers; every tracked ``Gradients`` object's liveness.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import torchlean as tl
from torchlean._core.errors import ArgumentError  # noqa: F401  (not re-exported by torchlean: see cases_ops)

F32 = np.float32
F64 = np.float64


@dataclass(frozen=True)
class Case:
    """One catalogue entry (see the module docstring)."""

    id: str
    act: Callable[[World], Any]
    raises: type | tuple[type, ...] | None = None
    names: tuple[str, ...] = ()
    setup: Callable[[World], Any] | None = None
    check: Callable[[Any, World], None] | None = None
    unchanged: bool | None = None  # state check; default: True for errors, False for controls
    quiet: bool = False  # a positive control must not emit a NumPy RuntimeWarning


def err(name: str, act: Callable[[World], Any], raises: type | tuple[type, ...], *names: str,
        setup: Callable[[World], Any] | None = None) -> Case:
    """An error case: ``act`` must raise ``raises`` naming ``names`` and change nothing."""
    return Case(name, act, raises, tuple(names), setup)


def ok(name: str, act: Callable[[World], Any], check: Callable[[Any, World], None],
       setup: Callable[[World], Any] | None = None, unchanged: bool = False, quiet: bool = False) -> Case:
    """A positive control: ``act`` must succeed and ``check(result, w)`` must hold."""
    return Case(name, act, None, (), setup, check, unchanged, quiet)


def may(name: str, act: Callable[[World], Any], check: Callable[[Any, World], None],
        raises: type | tuple[type, ...], *names: str, setup: Callable[[World], Any] | None = None) -> Case:
    """PyTorch accepts the call and defines a result: torchlean may accept it (then ``check``
    must hold) or refuse it (then as an error case: ``raises``, ``names``, nothing changed)."""
    return Case(name, act, raises, tuple(names), setup, check)


# -- deferred calls ----------------------------------------------------------------------------

class Call:
    """A call whose arguments are built but which has not run yet (see ``World.S``)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __call__(self) -> Any:
        return self.fn(*self.args, **self.kwargs)


class Deferred:
    """``Deferred(obj).name(*args)`` is ``Call(obj.name, args)``: a case's ``act`` builds its
    operands (recording them on the tape), the harness snapshots the state, then runs the call."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Callable[..., Call]:
        fn = getattr(self._target, name)
        return lambda *args, **kwargs: Call(fn, args, kwargs)


def later(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Call:
    """``fn(*args, **kwargs)`` as a deferred ``Call`` (operators: ``later(operator.add, x, 1j)``)."""
    return Call(fn, args, kwargs)


# -- the world ---------------------------------------------------------------------------------

W_INIT = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], F32)
B_INIT = np.array([0.5, -0.5], F32)
X_INIT = np.array([1.0, 2.0, 3.0], F32)
M_INIT = np.arange(6, dtype=F32).reshape(2, 3) - 2.5


def _square_sum(ops: Any, x: Any) -> Any:
    return ops.sum(ops.mul(x, x))


def _noisy(ops: Any, x: Any) -> Any:
    return ops.sum(ops.mul(x, ops.rand_uniform((3,))))


def _linear_loss(ops: Any, w: Any, x: Any, y: Any) -> Any:
    return ops.cross_entropy(ops.linear(w, None, x), y)


class World:
    """Live objects for one case; lazily made ones are tracked when first touched."""

    def __init__(self) -> None:
        self.c = types.SimpleNamespace()  # per-case scratch space for setup()
        self._sessions: list[tl.Session] = []
        self._params: list[tl.Param] = []
        self._opts: list[Any] = []
        self._compiled: list[Any] = []
        self._trainers: list[Any] = []
        self._grads: list[Any] = []
        self._nats: list[tuple[tl.Session, Any]] = []
        self._lazy: dict[str, Any] = {}

        s = self.s = self.session()
        self.S = Deferred(s)  # w.S.op(...): operands built now, the op run after the snapshot
        self.stale = s.input(X_INIT, requires_grad=True)  # made before the reset below: stale
        self.stale_nat = s.nat(4)
        s.reset()
        self.w = self.param(W_INIT, "w")
        self.b = self.param(B_INIT, "b")
        self.v = self.param(X_INIT, "v")  # never used on a tape (a target for set_value)
        self.W, self.B = s.use(self.w), s.use(self.b)
        self.x = s.input(X_INIT, name="x", requires_grad=True)       # float32 (3,)
        self.m = s.input(M_INIT, name="m", requires_grad=True)       # float32 (2, 3)
        self.i = s.input(np.array([0, 2], np.int64), name="labels")  # int64 (2,)
        self.flag = s.input(np.array([True, False, True]))           # bool (3,)
        self.d = s.input(np.array([1.0, 2.0, 3.0]), dtype=F64)       # float64 (3,)
        self.loss = s.sum(s.linear(self.W, self.B, self.x))
        self.grads = self.track_grads(s.backward(self.loss))        # w.grad, b.grad filled
        s.rand_uniform((2,))                                         # rng_counter 1
        self.n = self.nat(s, 2)
        self.nv = self.nat(s, [0, 1, 2], vec=True)
        self.other = self.session()
        self.y = self.other.input(X_INIT, requires_grad=True)       # another session's ref

    # -- makers that track what they make ------------------------------------------------------
    def session(self, *args: Any, **kwargs: Any) -> tl.Session:
        s = tl.Session(*args, **kwargs)
        self._sessions.append(s)
        return s

    def param(self, value: Any, name: str | None = None, **kwargs: Any) -> tl.Param:
        p = tl.Param(value, name, **kwargs)
        self._params.append(p)
        return p

    def track(self, obj: Any) -> Any:
        if isinstance(obj, tl.Param):
            self._params.append(obj)
        elif isinstance(obj, tl.optim.Optimizer):
            self._opts.append(obj)
        elif isinstance(obj, tl.ScalarTrainer):
            self._trainers.append(obj)
            self._params.extend(obj.params)
        elif hasattr(obj, "rng_counter") and hasattr(obj, "graph"):
            self._compiled.append(obj)
        elif isinstance(obj, tl.Session):
            self._sessions.append(obj)
        else:
            raise TypeError(f"cannot track {obj!r}")
        return obj

    def track_grads(self, g: Any) -> Any:
        self._grads.append(g)
        return g

    def nat(self, s: tl.Session, v: Any, vec: bool = False) -> Any:
        ref = s.nat_vec(v) if vec else s.nat(v)
        self._nats.append((s, ref))
        return ref

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._lazy:
            self._lazy[key] = make()
        return self._lazy[key]

    # -- lazily made objects -------------------------------------------------------------------
    def opt(self, kind: str) -> Any:
        """An optimizer of ``kind`` over fresh params p (3,) and q (2, 2), stepped once."""

        def make() -> Any:
            p = self.param(np.array([1.0, -2.0, 3.0], F32), "p")
            q = self.param(np.array([[0.5, 1.5], [-1.0, 2.0]], F32), "q")
            cls = OPTIMIZERS[kind]
            o = cls([p, q], lr=0.1) if kind in ("sgd", "momentum") else cls([p, q], lr=0.01)
            p.grad = np.array([0.1, 0.2, -0.3], F32)
            q.grad = np.array([[1.0, -1.0], [0.5, 0.25]], F32)
            o.step()
            return self.track(o)

        return self._once(f"opt-{kind}", make)

    def stepped(self, kind: str) -> tl.Session:
        """``self.s`` after one ``<kind>_step`` (its optimizer of that kind exists)."""

        def make() -> tl.Session:
            getattr(self.s, f"{kind}_step")(0.01)
            return self.s

        return self._once(f"stepped-{kind}", make)

    def compiled(self, kind: str = "square") -> Any:
        def make() -> Any:
            if kind == "square":
                return self.track(tl.compile_scalar(_square_sum, [(3,)]))
            if kind == "noisy":
                c = self.track(tl.compile_scalar(_noisy, [(3,)]))
                c(np.ones(3, F32))  # rng_counter 1
                return c
            if kind == "ce":
                return self.track(tl.compile_scalar(_linear_loss, [(3, 4), (2, 4), ((2,), np.int64)]))
            raise KeyError(kind)

        return self._once(f"compiled-{kind}", make)

    def trainer(self, backend: str = "eager") -> Any:
        def make() -> Any:
            init = [np.array([[0.1, -0.2, 0.3, 0.0], [0.2, 0.1, -0.1, 0.4], [0.0, 0.3, 0.2, -0.3]], F32)]
            types_ = [(2, 4), ((2,), np.int64)]
            t = tl.ScalarTrainer(init, types_, _linear_loss, tl.Options(backend=backend))
            self.track(t)
            t.step(0.1, TR_X, TR_Y)  # the trainer's SGD exists
            t.adam_step(0.01, TR_X, TR_Y)
            return t

        return self._once(f"trainer-{backend}", make)


OPTIMIZERS = {"sgd": tl.SGD, "momentum": tl.MomentumSGD, "adam": tl.Adam, "adamw": tl.AdamW,
              "rmsprop": tl.optim.RMSprop, "adagrad": tl.optim.Adagrad, "adadelta": tl.optim.Adadelta,
              "adamax": tl.optim.Adamax, "nadam": tl.optim.NAdam, "radam": tl.optim.RAdam,
              "rprop": tl.optim.Rprop, "asgd": tl.optim.ASGD}
TR_X = np.array([[1.0, 2.0, 0.5, -1.0], [0.0, -1.0, 2.0, 1.0]], F32)
TR_Y = np.array([1, 2], np.int64)


# -- snapshots ---------------------------------------------------------------------------------

def _arr(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, np.ndarray):
        return ("array", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (list, tuple)):
        return tuple(_arr(u) for u in v)
    return ("value", type(v).__name__, repr(v))


def _opt_state(o: Any) -> Any:
    if o is None:
        return None
    groups = tuple((type(g).__name__, tuple(sorted((k, repr(v)) for k, v in g.items() if k != "params")),
                    tuple(id(p) for p in g["params"])) for g in o.param_groups)
    state = tuple(sorted((id(p), tuple(sorted((k, _arr(v)) for k, v in st.items())))
                         for p, st in o.state.items()))
    return (type(o).__name__, groups, state)


def snapshot(w: World) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, s in enumerate(w._sessions):
        t = s.tape
        out[f"session{k}"] = (len(s), t.epoch, s.rng_counter, tuple(t.nats), len(t.params_by_leaf),
                              s.dtype.str, s._grad_enabled,
                              tuple(_opt_state(s.optimizer(kind)) for kind in ("sgd", "adam", "adamw")))
    for s, ref in w._nats:
        live = ref.epoch == s.tape.epoch
        if live:
            val = s.get_nat_vec(ref) if isinstance(ref, tl.NatVecRef) else s.get_nat(ref)
            out[f"nat{id(ref)}"] = tuple(val) if isinstance(val, list) else val
    for p in w._params:
        out[f"param{id(p)}"] = (p.shape, p.dtype.str, p.requires_grad, p.name, _arr(p.value), _arr(p.grad))
    for o in w._opts:
        out[f"opt{id(o)}"] = _opt_state(o)
    for c in w._compiled:
        out[f"compiled{id(c)}"] = c.rng_counter
    for t in w._trainers:
        out[f"trainer{id(t)}"] = (tuple(_arr(v) for v in t.params.values()),
                                  tuple(sorted((k, _opt_state(o)) for k, o in t._optimizers.items())))
        if t.session is not None:  # its tape is the trainer's scratch space; its stream is not
            out[f"trainer{id(t)}-session"] = t.session.rng_counter
        if t.compiled is not None:
            out[f"trainer{id(t)}-compiled"] = t.compiled.rng_counter
    for g in w._grads:
        out[f"grads{id(g)}"] = (g.live, len(g))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Keys of ``before`` whose state differs (objects first made during the call are new, not
    changed; their own state is checked by the cases that make them in ``setup``)."""
    return [k for k in sorted(before) if before[k] != after.get(k, "<absent>")]


# -- running one case --------------------------------------------------------------------------

def run_case(case: Case) -> None:
    w = World()
    if case.setup is not None:
        case.setup(w)
    before = snapshot(w)
    if case.raises is None:
        with warnings.catch_warnings():
            if case.quiet:  # a defined result comes without NumPy warnings
                warnings.simplefilter("error", RuntimeWarning)
            result = case.act(w)
            if isinstance(result, Call):
                before = snapshot(w)
                result = result()
        assert case.check is not None, f"{case.id}: a positive control needs a check"
        case.check(result, w)
        if case.unchanged:
            changed = diff(before, snapshot(w))
            assert not changed, f"{case.id}: an accepted call that must change nothing changed {changed}"
        return
    expected = case.raises if isinstance(case.raises, tuple) else (case.raises,)
    try:
        result = case.act(w)
        if isinstance(result, Call):  # the operands are built: the state to keep is now
            before = snapshot(w)
            result = result()
    except BaseException as e:
        got = e
    else:
        if case.check is not None:  # ``may``: accepted, so the value must be PyTorch's
            case.check(result, w)
            return
        raise AssertionError(f"{case.id}: expected {_names(expected)}, but the call returned "
                             f"{_short(result)}")
    msg = str(got)
    assert isinstance(got, expected) and type(got) is not tl.TorchLeanError, (
        f"{case.id}: expected {_names(expected)}, got {type(got).__module__}.{type(got).__name__}: {msg}")
    hook = msg.split(":", 1)[0]
    assert hook not in HOOKS, f"{case.id}: the message names the binder hook {hook!r}, not the public op: {msg!r}"
    missing = [n for n in case.names if n not in msg]
    assert not missing, f"{case.id}: the message does not name {missing}: {msg!r}"
    changed = diff(before, snapshot(w))
    assert not changed, f"{case.id}: the failed call changed {changed} ({type(got).__name__}: {msg})"


HOOKS = {"bind", "type_of", "shape_of", "lift", "rng_input", "_reject", "_pair"}


def _names(classes: tuple[type, ...]) -> str:
    return " or ".join(c.__name__ for c in classes)


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) < 200 else text[:200] + "..."


# -- helpers for checks ------------------------------------------------------------------------

def value(r: Any) -> np.ndarray:
    """The host value of a TensorRef, or the array itself."""
    return r.numpy() if isinstance(r, tl.TensorRef) else np.asarray(r)


def same(expected: Any, dtype: Any = None) -> Callable[[Any, World], None]:
    """Check: the result's value equals ``expected`` exactly (dtype too when given)."""

    def check(r: Any, w: World) -> None:
        v = value(r)
        e = np.asarray(expected)
        if dtype is not None:
            assert v.dtype == np.dtype(dtype), f"dtype {v.dtype}, expected {np.dtype(dtype)}"
        assert v.shape == e.shape, f"shape {v.shape}, expected {e.shape}"
        np.testing.assert_array_equal(v, e)

    return check


def close(expected: Any, dtype: Any = None, rtol: float = 1e-6, atol: float = 1e-7) -> Callable[[Any, World], None]:
    """Check: the result's value is ``expected`` to float32 rounding (NaN where NaN)."""

    def check(r: Any, w: World) -> None:
        v = value(r)
        e = np.asarray(expected)
        if dtype is not None:
            assert v.dtype == np.dtype(dtype), f"dtype {v.dtype}, expected {np.dtype(dtype)}"
        assert v.shape == e.shape, f"shape {v.shape}, expected {e.shape}"
        np.testing.assert_allclose(v, e, rtol=rtol, atol=atol, equal_nan=True)

    return check


def torch_fn(fn: Callable[..., Any], *arrays: Any) -> np.ndarray:
    """``fn(torch, *tensors)`` evaluated by PyTorch in float64 (the oracle), as a NumPy array."""
    import torch

    ts = [torch.tensor(np.asarray(a)) for a in arrays]
    out = fn(torch, *ts)
    return out.detach().numpy()
