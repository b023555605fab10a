"""The eager session (the seed's ``EagerSession``): the user-facing object over a ``Tape``.

``bind`` runs the primitive's shape rule, then its kernel, then appends one node, so a failing
primitive raises before the tape changes; every public method runs inside a public-op frame
(``frontend/frame.py``), so a composite that fails half-way is rolled back as a whole and its
error names the op the user called. A node needs a gradient only if one of its differentiable
inputs does (``requires_grad`` propagates). Parameters join the tape through ``use``; the tape
remembers which leaves are parameters so that ``backward`` fills ``Param.grad`` and the
optimizer steps update each parameter once, with its leaves' gradients summed.

Every value that enters (``input``, ``const``, seeds, tangents) goes through the boundary
(``_core/convert.py``): refused data raises naming the method and the argument.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from .._core import convert, grad_mode
from .._core.current import set_last
from .._core.errors import (
    ArgumentError,
    DeviceError,
    DTypeError,
    InvalidRefError,
    NotDifferentiableError,
    ShapeError,
    TorchLeanError,
)
from .._core.registry import REGISTRY as P
from .._core.registry import Primitive
from .._core.types import TensorType, as_dtype
from ..backends import get_backend
from ..frontend import Ops
from ..frontend.frame import framed, guard_methods
from ..options import Backend, Options
from ..params import Buffer, Param
from .arrays import ArrayOps
from .natops import NatRefOps
from .optimizers import SessionOptimizers
from .state import SessionState
from .tape import Gradients, Tape, check_tangents
from .tensor import NatRef, NatVecRef, TensorRef

_new_ref = object.__new__
_NO_PARAMS: dict[str, Any] = {}  # the params of every node that has none (never mutated)
_EXACT = (np.dtype(np.int64), np.dtype(np.bool_))  # kept as they are, as every float of the session dtype
HOOKS = ("bind", "type_of", "shape_of", "lift", "rng_input", "assign_buffer")


# The frame's mark, inlined (the per-op cost matters): the same tuple as Session._mark().
_MARK = "(len(self.tape.nodes), len(self.tape.nats), self.rng_counter)"


@framed(exclude=HOOKS, mark=_MARK)
class Session(NatRefOps, SessionState, SessionOptimizers, Ops):
    """Eager session: create parameters and inputs, call ops, run ``backward``, step.

    Example:
        >>> s = Session()
        >>> x = s.input([2.0], requires_grad=True)
        >>> z = x * x + x
        >>> s.backward(z.sum())[x]
        array([5.], dtype=float32)
    """

    _frame: str | None = None
    note_module = None  # a trace records the modules it calls (their modes key its cache); a session does not

    def __init__(self, options: Options | None = None, **kwargs: Any) -> None:
        if options is not None and not isinstance(options, Options):
            raise ArgumentError(f"Session: options must be an Options, got {type(options).__name__}")
        opts = options.replace(**kwargs) if options is not None else Options(**kwargs)
        if opts.backend is not Backend.EAGER:
            raise ArgumentError("Session is the eager session; for the compiled backend use "
                                "compile_scalar/compile_out or ScalarTrainer")
        self.options = opts
        self.dtype = opts.dtype
        self._backend = get_backend(opts.device, opts.matmul_precision)
        self._on_cpu = self._backend.device.value == "cpu"
        self._kernels = self._backend.kernels
        self.tape = Tape(ArrayOps(self._backend, opts.dtype))
        self._frame = None
        self._grad_wanted = not opts.no_grad
        grad_mode.register(self)  # sets _grad_enabled from both settings
        self._last_grads: Gradients | None = None
        self._checks = os.environ.get("TORCHLEAN_CHECKS", "") not in ("", "0")
        self.rng_counter = 0
        self._optimizers: dict[str, Any] = {}
        self._graded: dict[int, Param] = {}  # Params whose .grad backward has written
        self._journal: list[tuple[Param, tuple[Any, ...]]] | None = None  # see _begin_call

    def __repr__(self) -> str:
        return (f"Session(device={self.options.device.value}, dtype={self.dtype.name}, "
                f"tape={len(self.tape.nodes)})")

    @property
    def backend(self) -> Any:
        """The array backend (device) this session runs on."""
        return self._backend

    # -- frames (frontend/frame.py) --------------------------------------------------------
    def _mark(self) -> tuple[int, int, int]:
        t = self.tape
        return len(t.nodes), len(t.nats), self.rng_counter

    def _restore(self, mark: tuple[int, int, int]) -> None:
        self.tape.rollback((mark[0], mark[1]))
        self.rng_counter = mark[2]

    # -- module calls: all or nothing (Module.__call__) --------------------------------------
    def _begin_call(self) -> tuple[Any, ...]:
        """Start a module call: buffer updates are journaled until ``_end_call``, so that a
        failing forward (``_abort_call``) leaves the tape, the random counter and every buffer
        (BatchNorm's running statistics) as they were, as a failing op does."""
        prev, self._journal = self._journal, []
        return self._mark(), prev

    def _end_call(self, token: tuple[Any, ...]) -> None:
        done, self._journal = self._journal, token[1]
        if self._journal is not None and done:
            self._journal.extend(done)

    def _abort_call(self, token: tuple[Any, ...]) -> None:
        for buffer, state in reversed(self._journal or ()):
            buffer._set_state(state)
        self._journal = []
        self._restore(token[0])

    # -- binder hooks ----------------------------------------------------------------------
    def bind(self, prim: Primitive, *args: Any, **params: Any) -> TensorRef:
        tape = self.tape
        epoch = tape.epoch
        if len(args) == 1:  # fast path: most ops are unary
            a = args[0]
            if a.__class__ is not TensorRef or a.session is not self or a.epoch != epoch:
                args = (a := self._coerce(prim.name, a),)
            vals: tuple[Any, ...] = (a._v,)
            out_type = a.type
            if prim.float_identity != 1 or out_type.dtype.kind != "f":
                out_type = prim.shape(out_type, **params)
            rg = a.requires_grad and prim.grad_mask[0]
        else:
            mask = prim.grad_mask
            rg = False
            for i, a in enumerate(args):
                if a.__class__ is not TensorRef or a.session is not self or a.epoch != epoch:
                    args = tuple([self._coerce(prim.name, v) for v in args])
                    rg = any(v.requires_grad and m for v, m in zip(args, mask))
                    break
                if a.requires_grad and mask[i]:
                    rg = True
            vals = tuple([a._v for a in args])
            out_type = args[0].type
            if prim.float_identity != 2 or out_type.dtype.kind != "f" or args[1].type != out_type:
                out_type = prim.shape(*[a.type for a in args], **params)
            # an integer or bool result carries no gradient (a float unary op with a rule always
            # gives a float, so only multi-input ops need the check)
            rg = rg and out_type.dtype.kind == "f"
        # (value, what the backward reads) from a primitive that saves it, when a gradient is wanted
        got = prim.saving(self._backend, *vals, **params) if prim.saving and rg and self._grad_enabled else None
        if got is None:
            try:
                kernel = self._kernels[prim]
            except KeyError:
                kernel = self._backend.resolve(prim)
            value = kernel(*vals, **params)
        ref = _new_ref(TensorRef)
        if got is not None:
            value, ref.saved = got
        if self._checks:
            _check_kernel(prim.name, out_type, value)
        ref.session = self
        ref.epoch = epoch
        ref.type = out_type
        ref._v = value
        ref.prim = prim
        ref.inputs = args
        ref.vals = vals
        ref.params = params or _NO_PARAMS  # the call's own empty dict goes straight back
        ref.name = None
        if self._grad_enabled:
            ref.requires_grad = rg
            nodes = tape.nodes
            ref.id = len(nodes)
            nodes.append(ref)
        else:
            ref.requires_grad = False
            ref.id = None
        return ref

    def _bind_float(self, prim: Primitive, a: TensorRef, params: dict[str, Any]) -> TensorRef:
        """``bind(prim, a, **params)`` where the caller has checked that ``a`` is a float ref of
        this session's current generation and ``prim`` keeps a float input's type
        (``float_identity == 1``): the operators' and float methods' shortcut, without the
        argument and shape checks those facts make redundant."""
        try:
            kernel = self._kernels[prim]
        except KeyError:
            kernel = self._backend.resolve(prim)
        value = kernel(a._v, **params)
        if self._checks:
            _check_kernel(prim.name, a.type, value)
        ref = _new_ref(TensorRef)
        ref.session = self
        ref.epoch = a.epoch
        ref.type = a.type
        ref._v = value
        ref.prim = prim
        ref.inputs = (a,)
        ref.vals = (a._v,)
        ref.params = params or _NO_PARAMS
        ref.name = None
        if self._grad_enabled:
            ref.requires_grad = a.requires_grad and prim.grad_mask[0]
            nodes = self.tape.nodes
            ref.id = len(nodes)
            nodes.append(ref)
        else:
            ref.requires_grad = False
            ref.id = None
        return ref

    def _record_node(self, prim: Primitive, args: list[TensorRef], value: Any, out_type: TensorType
                     ) -> TensorRef:
        """Record a node whose value was computed elsewhere (a ``tl.compile`` call: one node for
        a whole compiled forward, its VJP the compiled backward). ``args`` are current refs."""
        ref = _new_ref(TensorRef)
        ref.session, ref.epoch, ref.type, ref._v = self, self.tape.epoch, out_type, value
        ref.prim, ref.inputs, ref.vals = prim, tuple(args), tuple(a._v for a in args)
        ref.params, ref.name = _NO_PARAMS, None
        if self._grad_enabled:
            mask = prim.grad_mask
            ref.requires_grad = any(a.requires_grad and m for a, m in zip(args, mask))
            nodes = self.tape.nodes
            ref.id = len(nodes)
            nodes.append(ref)
        else:
            ref.requires_grad, ref.id = False, None
        return ref

    def type_of(self, x: Any) -> TensorType:
        if x.__class__ is not TensorRef or x.session is not self or x.epoch != self.tape.epoch:
            return self._type_of_other("type_of", x)
        return x.type

    def shape_of(self, x: Any) -> tuple[int, ...]:
        if x.__class__ is not TensorRef or x.session is not self or x.epoch != self.tape.epoch:
            return self._type_of_other("shape_of", x).shape
        return x.type.shape

    # -- values that are not refs of the current generation ---------------------------------
    def _type_of_other(self, op: str, x: Any) -> TensorType:
        """The type of a Param or a released ref (nothing is recorded), else the usual error."""
        if isinstance(x, Param) or (x.__class__ is TensorRef and x.session is self
                                    and self.tape.is_released(x.epoch)):
            return x.type
        self._reject(op, x)
        raise AssertionError  # unreachable: _reject raises

    def _coerce(self, op: str, a: Any) -> TensorRef:
        """A ref of the current generation for an op argument that is not one: a ``Param``
        (recorded once per generation, like ``use``), or a ref of a released generation (its
        value, as a constant; a backward that reaches it raises). Anything else raises."""
        tape = self.tape
        if a.__class__ is TensorRef and a.session is self and a.epoch == tape.epoch:
            return a
        if isinstance(a, Param):
            if isinstance(a, Buffer):  # no gradient to gather, and it may change within a step
                return self.use(a)     # (running statistics): always its current value
            hit = tape.param_refs.get(id(a))
            # the leaf recorded earlier in this generation, while it still holds the parameter's
            # value (an optimizer step, load_state_dict or set_value replaces the array: a new
            # leaf then records the new value; both leaves' gradients reach the parameter)
            if hit is not None and hit[1]._v is a.array_on(self._backend) \
                    and hit[1].requires_grad == (a.requires_grad and self._grad_enabled):
                return hit[1]
            ref = self.use(a)
            if ref.id is not None:
                tape.param_refs[id(a)] = (a, ref)
            return ref
        if a.__class__ is TensorRef and a.session is self and tape.is_released(a.epoch):
            if a.prim is None and a.id is not None and self._grad_enabled:
                # a leaf has no graph to lose: it moves into this generation itself, so its
                # x.grad keeps accumulating (PyTorch's leaves outlive every backward)
                a.epoch, a.id = tape.epoch, len(tape.nodes)
                tape.nodes.append(a)
                if a.requires_grad:
                    tape.grad_leaves.append(a.id)
                return a
            hit = tape.adopted.get(id(a))
            if hit is not None:
                return hit[1]
            ref = self._leaf(a._v, False, a.name)
            if ref.id is not None:
                tape.adopted[id(a)] = (a, ref)
                if a.requires_grad:  # its graph is gone: a gradient through it is an error
                    ref.requires_grad = True
                    tape.released_leaves.append(ref.id)
            return ref
        self._reject(op, a)
        raise AssertionError  # unreachable

    def lift(self, value: Any, dtype: Any = None) -> TensorRef:
        """A constant made by an op from checked Python data (scalars, index lists)."""
        if dtype is None:
            dtype = convert.default_dtype(np.asarray(value).dtype, self.dtype)
        return self._leaf(self._backend.asarray(np.asarray(value), as_dtype(dtype)), False, None)

    def assign_buffer(self, buffer: Param, value: Any) -> None:
        """Store ``value`` (a tensor of this session) into a module's ``Buffer`` (a BatchNorm's
        running statistics); the traced form records the update as a graph output instead.
        Call it last in an op, after everything that can fail."""
        if not isinstance(buffer, Param):
            raise DTypeError(f"assign_buffer: expected a Buffer, got {type(buffer).__name__}")
        ref = self._coerce("assign_buffer", value)
        if ref.type != buffer.type:
            raise ShapeError(f"assign_buffer: the buffer is {buffer.type}, the value {ref.type}")
        if self._journal is not None:
            self._journal.append((buffer, buffer._state()))
        buffer.assign(self._backend, ref._v.copy() if hasattr(ref._v, "copy") else ref._v)

    def rng_input(self) -> tuple[TensorRef, int, int]:
        """The session counter as a uint64 constant (offset 0); advances once per random op."""
        counter = self.lift(np.asarray(self.rng_counter, dtype=np.uint64), np.uint64)
        self.rng_counter += 1
        return counter, self.options.seed, 0

    # -- leaves ----------------------------------------------------------------------------
    def _leaf(self, value: Any, requires_grad: bool, name: str | None) -> TensorRef:
        tape = self.tape
        ref = _new_ref(TensorRef)
        ref.session, ref.epoch, ref._v, ref.name = self, tape.epoch, value, name
        ref.type = TensorType(tuple(value.shape), value.dtype)
        ref.prim, ref.inputs, ref.vals, ref.params = None, (), (), {}
        if self._grad_enabled:
            ref.requires_grad = requires_grad
            ref.id = len(tape.nodes)
            tape.nodes.append(ref)
            if requires_grad:
                tape.grad_leaves.append(ref.id)
        else:
            ref.requires_grad, ref.id = False, None
        return ref

    def _convert(self, value: Any, op: str, arg: str, dtype: Any = None) -> Any:
        """The boundary: ``value`` as a fresh array of this session's device, floats in the
        session dtype unless ``dtype`` says otherwise, integers int64, booleans bool."""
        backend = self._backend
        if self._on_cpu:
            if (dtype is None and value.__class__ is np.ndarray
                    and (value.dtype == self.dtype or value.dtype in _EXACT)):
                return value.copy()  # already a tensor dtype: host_array would only copy it
            return convert.host_array(value, op, arg, dtype, self.dtype)
        if backend.is_array(value):
            dst = (convert.default_dtype(np.dtype(value.dtype), self.dtype) if dtype is None
                   else convert.requested_dtype(dtype, op))
            return convert.device_cast(backend.xp, f"{op}: {arg}", value, dst)
        arr = convert.host_array(value, op, arg, dtype, self.dtype)
        return backend.asarray(arr, arr.dtype)

    def param(self, init: Any, name: str | None = None, requires_grad: bool | None = None,
              dtype: Any = None) -> Param:
        """A new parameter (not yet on the tape; ``use`` records it)."""
        rg = self.options.requires_grad_by_default if requires_grad is None else requires_grad
        return Param(init, name, rg, self.dtype if dtype is None else dtype)

    def use(self, p: Param) -> TensorRef:
        """Record a parameter's current value as a leaf; its gradient flows to ``p``."""
        if not isinstance(p, Param):
            raise DTypeError(f"use: expected a Param, got {type(p).__name__}")
        ref = self._leaf(p.array_on(self._backend), p.requires_grad, p.name)
        if ref.id is not None:
            self.tape.params_by_leaf[ref.id] = p
        return ref

    def input(self, value: Any, name: str | None = None, requires_grad: bool = False,
              dtype: Any = None) -> TensorRef:
        """Record external data as a leaf (no gradient unless ``requires_grad``).

        The data is copied (later changes to the caller's array do not reach the tape);
        see the boundary rules in ``torchlean/_core/convert.py``."""
        arr = self._convert(value, "input", "value", dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise DTypeError(f"input: only float tensors can require a gradient, got {arr.dtype.name}")
        set_last(self)
        return self._leaf(arr, bool(requires_grad), name)

    def const(self, value: Any, dtype: Any = None, name: str | None = None) -> TensorRef:
        """Record a constant leaf (never requires a gradient)."""
        set_last(self)
        return self._leaf(self._convert(value, "const", "value", dtype), False, name)

    def value(self, ref: TensorRef) -> np.ndarray:
        """A host copy of a tensor's value (downloads from the device); also for refs whose
        graph a backward released."""
        self._check_ref("value", ref, released_ok=True)
        return self._backend.to_host(ref._v)

    get_value = value

    # -- tape lifetime ---------------------------------------------------------------------
    def reset(self) -> None:
        """Empty the tape, the parameter-leaf table and the nat store (seed ``resetTape``).

        Old refs and ``Gradients`` become invalid. The random-stream counter survives, and so
        do ``Param.grad`` values (``zero_grad`` clears them)."""
        self.tape.reset()
        self._last_grads = None

    reset_tape = reset

    def collect(self) -> None:
        """Return the device allocator's free blocks (the seed's ``collectCudaAllocator``);
        a no-op on the CPU. Call after ``reset`` to shrink a CUDA memory pool."""
        self._backend.collect()

    def memory_in_use(self) -> int:
        """Bytes of device memory held by live arrays (0 on the CPU, which does not track it)."""
        return self._backend.memory_in_use()

    def __len__(self) -> int:
        return len(self.tape.nodes)

    @contextmanager
    def no_grad(self) -> Iterator[None]:
        """Inside this block ops compute values but record nothing on the tape."""
        prev, self._grad_wanted, self._grad_enabled = self._grad_wanted, False, False
        try:
            yield
        finally:
            self._grad_wanted = prev
            self._grad_enabled = prev and grad_mode.is_grad_enabled()

    # -- differentiation -------------------------------------------------------------------
    def backward(self, out: TensorRef, seed: Any = None, retain_graph: bool = True) -> Gradients:
        """Reverse sweep from ``out``: dense gradients for every tape entry (the seed's
        ``backwardDenseAll``; the tape is kept, as the seed's, unless ``retain_graph=False``).

        ``seed`` is the output cotangent (PyTorch's ``gradient=``); it defaults to 1 for a
        scalar. Also accumulates into ``Param.grad`` of every parameter used on the tape and
        into ``x.grad`` of every leaf that requires a gradient. ``TensorRef.backward`` is
        PyTorch's: it releases the graph unless ``retain_graph=True``.
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
            seed = self._convert(seed, "backward", "seed", out.type.dtype)
            if tuple(seed.shape) != out.type.shape:
                raise ShapeError(f"backward: seed must have the output's shape {out.type.shape}, "
                                 f"got {tuple(seed.shape)}")
        tape = self.tape
        dense = tape.backward(out, seed)
        for leaf in tape.released_leaves:  # checked before any gradient is stored
            if leaf <= out.id and dense[leaf] is not None:
                raise NotDifferentiableError(
                    "backward: the gradient flows into a tensor whose graph an earlier backward "
                    "released (PyTorch: 'Trying to backward through the graph a second time'); "
                    "pass retain_graph=True to the first backward")
        grads = self._last_grads = Gradients(self, dense)
        add = tape.arrays.add
        graded = self._graded
        for leaf, p in tape.params_by_leaf.items():
            g = dense[leaf]
            if g is not None and p.requires_grad:
                p.grad = g if p.grad is None else add(p.grad, g)
                graded[id(p)] = p
        nodes = tape.nodes
        for leaf in tape.grad_leaves:  # x.grad of leaves made with requires_grad=True
            if leaf > out.id:
                break
            g = dense[leaf]
            if g is not None:
                node = nodes[leaf]
                cur = getattr(node, "_grad", None)
                node._grad = g if cur is None else add(cur, g)
        if not retain_graph:
            tape.release(dense)
        return grads

    def leaf_grad(self, ref: TensorRef) -> Any:
        """``ref.grad``: the accumulated gradient of a leaf that requires one (None before the
        first backward that reaches it, and for non-leaf tensors, as PyTorch)."""
        self._check_ref("grad", ref, released_ok=True)
        return getattr(ref, "_grad", None)

    def grad(self, grads: Gradients, ref: TensorRef) -> Any:
        """The gradient of one tape entry (zeros if the sweep did not reach it)."""
        if not isinstance(grads, Gradients) or grads._session is not self:
            raise InvalidRefError(f"grad: expected Gradients of this session, got {type(grads).__name__}")
        g = grads[ref]
        if tuple(g.shape) != ref.type.shape:
            raise ShapeError(f"grad: stored gradient has shape {g.shape}, expected {ref.type.shape}")
        return g

    def jvp(self, out: TensorRef, tangents: Mapping[TensorRef, Any]) -> Any:
        """Forward mode: the tangent of ``out`` given tangents of earlier tape entries."""
        self._check_ref("jvp", out)
        if out.id is None:
            raise InvalidRefError("jvp: the output was computed under no_grad")
        if not isinstance(tangents, Mapping):
            raise ArgumentError(f"jvp: tangents must map input refs to tangents, got "
                                f"{type(tangents).__name__}")
        checked = check_tangents(self, tangents)
        zeros = lambda: self._backend.zeros(out.type.shape, out.type.dtype)
        return self.tape.jvp(out, checked, zeros)

    # -- checks ----------------------------------------------------------------------------
    def _check_ref(self, op: str, ref: Any, released_ok: bool = False) -> None:
        current = ref.__class__ is TensorRef and ref.session is self and ref.epoch == self.tape.epoch
        released = (released_ok and ref.__class__ is TensorRef and ref.session is self
                    and self.tape.is_released(ref.epoch))
        if not (current or released):
            self._reject(op, ref)

    def _check_nat(self, op: str, ref: Any, cls: type) -> None:
        if not isinstance(ref, cls):
            want, got = cls.__name__, type(ref).__name__
            hint = " (use get_nat_vec/set_nat_vec for a NatVecRef)" if isinstance(ref, NatVecRef) else (
                " (use get_nat/set_nat for a NatRef)" if isinstance(ref, NatRef) else "")
            raise InvalidRefError(f"{op}: expected a {want}, got {got}{hint}")
        if ref.session is not self or ref.epoch < self.tape.floor:
            raise InvalidRefError(f"{op}: {ref!r} is not a live nat reference of this session "
                                  "(another session's, or the tape was reset)")

    def _reject(self, op: str, a: Any) -> None:
        op = self._frame or op
        if isinstance(a, TensorRef):
            if a.session is not self:
                mine, theirs = self.options.device.value, a.session.options.device.value
                if mine != theirs:
                    raise DeviceError(f"{op}: tensor is on {theirs} but this session runs on {mine}")
                raise InvalidRefError(f"{op}: {a!r} belongs to another session")
            if self.tape.is_released(a.epoch):
                raise InvalidRefError(f"{op}: {a!r} belongs to a graph that a backward released; "
                                      "pass retain_graph=True to backward to keep it")
            raise InvalidRefError(f"{op}: {a!r} is stale: the tape was reset after it was made")
        what = type(a).__name__
        if isinstance(a, (np.ndarray, list, tuple)) or hasattr(a, "__array__"):
            hint = "; wrap data with s.input(...) or s.const(...)"
        elif a is None:
            hint = " (an optional argument given in the wrong position?)"
        else:
            hint = ""
        if isinstance(a, (complex, np.complexfloating)):
            raise DTypeError(f"{op}: complex numbers are not supported, got {a!r}")
        raise DTypeError(f"{op}: expected a TensorRef of this session, got {what}{hint}")


guard_methods(Session, ["__init__"])

_MISSING = object()


def _unary_direct(name: str) -> None:
    """``s.<name>(x)`` for a float ref of the current generation as one bind, without the
    public op's frame (the frame's mark and rollback guard nothing here: ``bind`` records only
    once the kernel has succeeded). Anything else, and any failure, takes the framed op, which
    redoes the call and raises the error naming it. (``TensorRef``'s float methods take the same
    shortcut, eager/tensor.py, with PyTorch's methods as their fallback.)"""
    prim, framed_op = P[name], getattr(Session, name)
    assert prim.float_identity == 1, name

    def method(self: Session, x: Any = _MISSING, *extra: Any, **kw: Any) -> Any:
        if (not extra and not kw and x.__class__ is TensorRef and x.session is self
                and x.epoch == self.tape.epoch and x.type.dtype.kind == "f"):
            try:
                return self._bind_float(prim, x, _NO_PARAMS)
            except Exception:  # redone below as the public op, which names it
                pass
        if x is _MISSING:
            return framed_op(self, *extra, **kw)
        return framed_op(self, x, *extra, **kw)

    method.__name__, method.__qualname__ = name, f"Session.{name}"
    method.__doc__, method.__wrapped__ = framed_op.__doc__, framed_op
    setattr(Session, name, method)


for _name in ("relu", "exp", "log", "tanh", "sigmoid", "softplus", "sqrt", "abs", "neg"):
    _unary_direct(_name)


def _check_kernel(op: str, expected: TensorType, value: Any) -> None:
    got = TensorType(tuple(value.shape), value.dtype)
    if got != expected:
        raise TorchLeanError(f"{op}: kernel returned {got} but the shape rule predicts {expected}")
