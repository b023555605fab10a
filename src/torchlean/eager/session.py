"""The eager session (the seed's ``EagerSession``): a hidden tape behind an ``Ops`` binder.

``bind`` runs the primitive's shape rule, then its kernel, then appends one node, so a failing
op raises before the tape changes. A node needs a gradient only if one of its differentiable
inputs does (``requires_grad`` propagates). Parameters join the tape through ``use``; the session
remembers which leaves are parameters so that ``backward`` fills ``Param.grad`` and ``sgd_step``
updates each parameter once, with its leaves' gradients summed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .._core.errors import (
    DeviceError,
    DTypeError,
    InvalidRefError,
    NotDifferentiableError,
    ShapeError,
    TorchLeanError,
)
from .._core.registry import Primitive
from .._core.types import TensorType, as_dtype
from ..backends import get_backend
from ..frontend import Ops
from ..optim import rules as _rules
from ..optim.optimizers import Adam, AdamW
from ..options import Backend, Options
from ..params import Param
from . import tape as _tape
from .arrays import ArrayOps
from .natops import NatRefOps
from .tensor import NatRef, NatVecRef, TensorRef

_new_ref = object.__new__


class Session(NatRefOps, Ops):
    """Eager session: create parameters and inputs, call ops, run ``backward``, step.

    Example:
        >>> s = Session()
        >>> x = s.input([2.0], requires_grad=True)
        >>> z = x * x + x
        >>> s.backward(z.sum())[x]
        array([5.], dtype=float32)
    """

    def __init__(self, options: Options | None = None, **kwargs: Any) -> None:
        opts = options.replace(**kwargs) if options is not None else Options(**kwargs)
        if opts.backend is not Backend.EAGER:
            raise TorchLeanError("Session is the eager session; for the compiled backend use "
                                 "compile_scalar/compile_out or ScalarTrainer")
        self.options = opts
        self.dtype = opts.dtype
        self._backend = get_backend(opts.device, opts.matmul_precision)
        self._kernels = self._backend.kernels
        self._arrays = ArrayOps(self._backend, opts.dtype)
        self._tape: list[TensorRef] = []
        self._epoch = 0
        self._params_by_leaf: dict[int, Param] = {}
        self._nats: list[int] = []
        self._grad_enabled = not opts.no_grad
        self._last_grads: list[Any] | None = None
        self._checks = os.environ.get("TORCHLEAN_CHECKS", "") not in ("", "0")
        self.rng_counter = 0
        self._optimizers: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Session(device={self.options.device.value}, dtype={self.dtype.name}, tape={len(self._tape)})"

    @property
    def backend(self) -> Any:
        """The array backend (device) this session runs on."""
        return self._backend

    # -- binder hooks ----------------------------------------------------------------------
    def bind(self, prim: Primitive, *args: Any, **params: Any) -> TensorRef:
        epoch = self._epoch
        if len(args) == 1:  # fast path: most ops are unary
            a = args[0]
            if a.__class__ is not TensorRef or a.session is not self or a.epoch != epoch:
                self._reject(prim.name, a)
            rg = a.requires_grad and prim.grad_mask[0]
            vals: tuple[Any, ...] = (a._v,)
            out_type = prim.shape(a.type, **params)
        else:
            mask = prim.grad_mask
            rg = False
            for i, a in enumerate(args):
                if a.__class__ is not TensorRef or a.session is not self or a.epoch != epoch:
                    self._reject(prim.name, a)
                if a.requires_grad and mask[i]:
                    rg = True
            vals = tuple([a._v for a in args])
            out_type = prim.shape(*[a.type for a in args], **params)
        try:
            kernel = self._kernels[prim]
        except KeyError:
            kernel = self._backend.resolve(prim)
        value = kernel(*vals, **params)
        if self._checks:
            _check_kernel(prim.name, out_type, value)
        ref = _new_ref(TensorRef)
        ref.session = self
        ref.epoch = epoch
        ref.type = out_type
        ref._v = value
        ref.prim = prim
        ref.inputs = args
        ref.vals = vals
        ref.params = params
        ref.name = None
        if self._grad_enabled:
            ref.requires_grad = rg
            tape = self._tape
            ref.id = len(tape)
            tape.append(ref)
        else:
            ref.requires_grad = False
            ref.id = None
        return ref

    def type_of(self, x: Any) -> TensorType:
        if x.__class__ is not TensorRef:
            self._reject("type_of", x)
        return x.type

    def shape_of(self, x: Any) -> tuple[int, ...]:
        if x.__class__ is not TensorRef:
            self._reject("shape_of", x)
        return x.type.shape

    def lift(self, value: Any, dtype: Any = None) -> TensorRef:
        return self._leaf(self._to_device(value, dtype), False, None)

    def rng_input(self) -> tuple[TensorRef, int, int]:
        """The session counter as a uint64 constant (offset 0); advances once per random op."""
        counter = self.lift(np.asarray(self.rng_counter, dtype=np.uint64), np.uint64)
        self.rng_counter += 1
        return counter, self.options.seed, 0

    # -- leaves ----------------------------------------------------------------------------
    def _leaf(self, value: Any, requires_grad: bool, name: str | None) -> TensorRef:
        ref = _new_ref(TensorRef)
        ref.session, ref.epoch, ref._v, ref.name = self, self._epoch, value, name
        ref.type = TensorType(value.shape, value.dtype)
        ref.prim, ref.inputs, ref.vals, ref.params = None, (), (), {}
        if self._grad_enabled:
            ref.requires_grad = requires_grad
            ref.id = len(self._tape)
            self._tape.append(ref)
        else:
            ref.requires_grad, ref.id = False, None
        return ref

    def _to_device(self, value: Any, dtype: Any = None) -> Any:
        """An array of this session's device: floats in the session dtype unless ``dtype`` says
        otherwise, integers as int64, booleans as bool."""
        if dtype is None:
            kind = _kind_of(value)
            dtype = np.int64 if kind in "iu" else (np.bool_ if kind == "b" else self.dtype)
        dtype = as_dtype(dtype)
        if self._backend.is_array(value) and value.dtype == dtype:
            return value.copy() if hasattr(value, "copy") else value
        return self._backend.asarray(value, dtype)

    def param(self, init: Any, name: str | None = None, requires_grad: bool | None = None,
              dtype: Any = None) -> Param:
        """A new parameter (not yet on the tape; ``use`` records it)."""
        rg = self.options.requires_grad_by_default if requires_grad is None else requires_grad
        return Param(init, name, rg, self.dtype if dtype is None else dtype)

    def use(self, p: Param) -> TensorRef:
        """Record a parameter's current value as a leaf; its gradient flows to ``p``."""
        if not isinstance(p, Param):
            raise TorchLeanError(f"use: expected a Param, got {type(p).__name__}")
        ref = self._leaf(p.array_on(self._backend), p.requires_grad, p.name)
        if ref.id is not None:
            self._params_by_leaf[ref.id] = p
        return ref

    def input(self, value: Any, name: str | None = None, requires_grad: bool = False,
              dtype: Any = None) -> TensorRef:
        """Record external data as a leaf (no gradient unless ``requires_grad``)."""
        arr = self._to_device(value, dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise DTypeError(f"input: only float tensors can require a gradient, got {arr.dtype.name}")
        return self._leaf(arr, requires_grad, name)

    def const(self, value: Any, dtype: Any = None, name: str | None = None) -> TensorRef:
        """Record a constant leaf (never requires a gradient)."""
        return self._leaf(self._to_device(value, dtype), False, name)

    def value(self, ref: TensorRef) -> np.ndarray:
        """A host copy of a tensor's value (downloads from the device)."""
        self._check_ref("value", ref)
        return self._backend.to_host(ref._v)

    get_value = value

    # -- natural-number store --------------------------------------------------------------
    def nat(self, n: int) -> NatRef:
        """Store a non-differentiable natural number (an index or label)."""
        self._nats.append(_nat("nat", n))
        return NatRef(self, len(self._nats) - 1, self._epoch)

    def nat_vec(self, values: Sequence[int] | np.ndarray) -> NatVecRef:
        """Store a block of natural numbers (an index vector)."""
        vals = [_nat("nat_vec", v) for v in np.asarray(values).reshape(-1).tolist()]
        start = len(self._nats)
        self._nats.extend(vals)
        return NatVecRef(self, start, len(vals), self._epoch)

    input_nat, input_nat_vec = nat, nat_vec

    def get_nat(self, ref: NatRef) -> int:
        self._check_nat("get_nat", ref)
        return self._nats[ref.id]

    def set_nat(self, ref: NatRef, n: int) -> None:
        self._check_nat("set_nat", ref)
        self._nats[ref.id] = _nat("set_nat", n)

    def get_nat_vec(self, ref: NatVecRef) -> list[int]:
        self._check_nat("get_nat_vec", ref)
        return self._nats[ref.start:ref.start + ref.length]

    def set_nat_vec(self, ref: NatVecRef, values: Sequence[int] | np.ndarray) -> None:
        self._check_nat("set_nat_vec", ref)
        vals = [_nat("set_nat_vec", v) for v in np.asarray(values).reshape(-1).tolist()]
        if len(vals) != ref.length:
            raise ShapeError(f"set_nat_vec: expected {ref.length} values, got {len(vals)}")
        self._nats[ref.start:ref.start + ref.length] = vals

    def nat_tensor(self, ref: NatRef | NatVecRef) -> TensorRef:
        """The stored number(s) as an int64 constant, for ops that take index tensors."""
        if isinstance(ref, NatVecRef):
            return self.const(np.asarray(self.get_nat_vec(ref), dtype=np.int64))
        return self.const(np.asarray(self.get_nat(ref), dtype=np.int64))

    # -- tape lifetime ---------------------------------------------------------------------
    def reset(self) -> None:
        """Empty the tape, the parameter-leaf table and the nat store (seed ``resetTape``).

        Old refs become invalid. The random-stream counter survives.
        """
        self._tape = []
        self._params_by_leaf = {}
        self._nats = []
        self._last_grads = None
        self._epoch += 1

    reset_tape = reset

    def collect(self) -> None:
        """Return the device allocator's free blocks (the seed's ``collectCudaAllocator``);
        a no-op on the CPU. Call after ``reset`` to shrink a CUDA memory pool."""
        self._backend.collect()

    def memory_in_use(self) -> int:
        """Bytes of device memory held by live arrays (0 on the CPU, which does not track it)."""
        return self._backend.memory_in_use()

    def __len__(self) -> int:
        return len(self._tape)

    @contextmanager
    def no_grad(self) -> Iterator[None]:
        """Inside this block ops compute values but record nothing on the tape."""
        prev, self._grad_enabled = self._grad_enabled, False
        try:
            yield
        finally:
            self._grad_enabled = prev

    # -- differentiation -------------------------------------------------------------------
    def backward(self, out: TensorRef, seed: Any = None) -> _tape.Gradients:
        """Reverse sweep from ``out``: dense gradients for every tape entry.

        ``seed`` is the output cotangent (PyTorch's ``gradient=``); it defaults to 1 for a
        scalar. Also accumulates into ``Param.grad`` of every parameter used on the tape.
        """
        self._check_ref("backward", out)
        if out.id is None:
            raise InvalidRefError("backward: the output was computed under no_grad")
        if out.type.dtype.kind != "f":
            raise NotDifferentiableError(f"backward: output is {out.type}, not a float tensor")
        if seed is None:
            if out.type.shape:
                raise ShapeError(f"backward: a seed is required for a non-scalar output {out.type}")
            seed = self._backend.ones((), out.type.dtype)
        else:
            seed = self._to_device(seed, out.type.dtype)
            if seed.shape != out.type.shape:
                raise ShapeError(f"backward: seed must have the output's shape {out.type.shape}, "
                                 f"got {seed.shape}")
        grads = _tape.backward(self, out, seed)
        self._last_grads = grads
        add = self._arrays.add
        for leaf, p in self._params_by_leaf.items():
            g = grads[leaf]
            if g is not None and p.requires_grad:
                p.grad = g if p.grad is None else add(p.grad, g)
        return _tape.Gradients(self, grads)

    def grad(self, grads: _tape.Gradients, ref: TensorRef) -> Any:
        """The gradient of one tape entry (zeros if the sweep did not reach it)."""
        g = grads[ref]
        if tuple(g.shape) != ref.type.shape:
            raise ShapeError(f"grad: stored gradient has shape {g.shape}, expected {ref.type.shape}")
        return g

    def jvp(self, out: TensorRef, tangents: Mapping[TensorRef, Any]) -> Any:
        """Forward mode: the tangent of ``out`` given tangents of earlier tape entries."""
        self._check_ref("jvp", out)
        if out.id is None:
            raise InvalidRefError("jvp: the output was computed under no_grad")
        return _tape.jvp(self, out, tangents)

    # -- optimizers ------------------------------------------------------------------------
    def params_with_grads(self, grads: _tape.Gradients | None = None) -> list[tuple[Param, Any]]:
        """Each trainable parameter used on the tape once, with its leaves' gradients summed."""
        dense = self._last_grads if grads is None else grads._grads
        if dense is None:
            raise TorchLeanError("no gradients: call backward first")
        out: dict[int, tuple[Param, Any]] = {}
        add = self._arrays.add
        for leaf, p in self._params_by_leaf.items():
            g = dense[leaf] if leaf < len(dense) else None
            if g is None or not p.requires_grad:
                continue
            key = id(p)
            out[key] = (p, g) if key not in out else (p, add(out[key][1], g))
        return list(out.values())

    def sgd_step(self, lr: float, grads: _tape.Gradients | None = None) -> None:
        """``p <- p - lr * g`` for every trainable parameter used on the tape (one update each).

        Uses ``grads`` or, by default, the gradients of the latest ``backward``. NumPy and CuPy
        materialise every op, so this is already the seed's one-pass ``sgdStepFast``.
        """
        for p, g in self.params_with_grads(grads):
            p.assign(self._backend, _rules.sgd(self._arrays, p.array_on(self._backend), g, lr))

    sgd_step_fast = sgd_step

    def adam_step(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                  grads: _tape.Gradients | None = None) -> None:
        """One Adam step for every trainable parameter used on the tape (state kept per Param)."""
        self._optimizer_step("adam", Adam, grads, lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def adamw_step(self, lr: float = 1e-3, weight_decay: float = 0.01, beta1: float = 0.9,
                   beta2: float = 0.999, eps: float = 1e-8, grads: _tape.Gradients | None = None) -> None:
        """One AdamW step (decay applied to the parameter before the Adam step)."""
        self._optimizer_step("adamw", AdamW, grads, lr=lr, weight_decay=weight_decay, beta1=beta1,
                             beta2=beta2, eps=eps)

    def _optimizer_step(self, key: str, cls: type, grads: _tape.Gradients | None, **hyper: Any) -> None:
        """Step the session's optimizer of a kind; its state (keyed by Param) survives resets."""
        pairs = self.params_with_grads(grads)
        opt = self._optimizers.get(key)
        if opt is None:
            opt = self._optimizers[key] = cls([], **hyper)
        for k, v in hyper.items():
            setattr(opt, k, v)
        known = set(opt.params)
        opt.params.extend(p for p, _ in pairs if p not in known)
        opt.step(dict(pairs))

    def zero_grad(self) -> None:
        """Clear ``Param.grad`` of every parameter used on the tape."""
        for p in self._params_by_leaf.values():
            p.grad = None

    def _rollback(self, n: int, counter: int) -> None:
        """Undo the recording since tape length ``n`` (a failed op)."""
        for ref in self._tape[n:]:
            self._params_by_leaf.pop(ref.id, None)
        del self._tape[n:]
        self.rng_counter = counter

    # -- checks ----------------------------------------------------------------------------
    def _check_ref(self, op: str, ref: Any) -> None:
        if ref.__class__ is not TensorRef or ref.session is not self or ref.epoch != self._epoch:
            self._reject(op, ref)

    def _check_nat(self, op: str, ref: Any) -> None:
        if not isinstance(ref, (NatRef, NatVecRef)) or ref.session is not self or ref.epoch != self._epoch:
            raise InvalidRefError(f"{op}: {ref!r} is not a live nat reference of this session")

    def _reject(self, op: str, a: Any) -> None:
        if isinstance(a, TensorRef):
            if a.session is not self:
                mine, theirs = self.options.device.value, a.session.options.device.value
                if mine != theirs:
                    raise DeviceError(f"{op}: tensor is on {theirs} but this session runs on {mine}")
                raise InvalidRefError(f"{op}: {a!r} belongs to another session")
            raise InvalidRefError(f"{op}: {a!r} is stale: the tape was reset after it was made")
        raise TorchLeanError(f"{op}: expected a TensorRef of this session, got {type(a).__name__}; "
                             "wrap data with s.input(...) or s.const(...)")


def _atomic(fn: Any) -> Any:
    """A public op that leaves the tape, the parameter table and the random counter as they
    were if it fails: a composite may have recorded nodes (a broadcast, a constant) before
    the primitive that rejects its input. Nested ops each roll back to their own start."""

    def op(self: Session, *args: Any, **kwargs: Any) -> Any:
        n, counter = len(self._tape), self.rng_counter
        try:
            return fn(self, *args, **kwargs)
        except BaseException:
            self._rollback(n, counter)
            raise

    functools.update_wrapper(op, fn)
    return op


_HOOKS = frozenset({"bind", "type_of", "shape_of", "lift", "rng_input", "const"})
# Ops that validate everything before recording anything and then record at most one node,
# or a chain whose later nodes cannot fail once the first succeeded: atomic without a guard
# (the per-op cost matters for them). tests/ops/test_error_sweep.py checks every op either way.
_SINGLE = frozenset({
    "add", "sub", "mul", "div", "maximum", "minimum", "max", "min", "neg", "scale", "add_scalar",
    "abs", "sign", "step", "sqrt", "exp", "log", "inv", "relu", "sigmoid", "tanh", "softplus",
    "power", "clamp", "detach", "softmax", "log_softmax", "linear", "cross_entropy",
})
for _name in dir(Ops):
    if (not _name.startswith("_") and _name not in _HOOKS | _SINGLE
            and _name not in Session.__dict__):
        _fn = getattr(Ops, _name)
        if callable(_fn):
            setattr(Session, _name, _atomic(_fn))
for _name in ("gather_scalar_ref", "gather_row_ref", "gather_vec_ref", "gather_rows_ref"):
    if hasattr(Session, _name):
        setattr(Session, _name, _atomic(getattr(Session, _name)))


def _check_kernel(op: str, expected: TensorType, value: Any) -> None:
    got = TensorType(tuple(value.shape), value.dtype)
    if got != expected:
        raise TorchLeanError(f"{op}: kernel returned {got} but the shape rule predicts {expected}")


def _nat(op: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise TorchLeanError(f"{op}: expected a natural number, got {n!r}")
    return int(n)


def _kind_of(value: Any) -> str:
    """NumPy dtype kind of array-like data (NumPy, CuPy, PyTorch tensors, Python lists)."""
    dt = getattr(value, "dtype", None)
    if dt is None:
        return np.asarray(value).dtype.kind
    try:
        return np.dtype(dt).kind
    except TypeError:  # e.g. torch.float32: named like NumPy after the prefix
        return np.dtype(str(dt).rsplit(".", 1)[-1]).kind
