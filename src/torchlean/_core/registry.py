"""The primitive registry: one ``Primitive`` per op, read by every interpreter.

Rule contract (read before adding a primitive):

* ``shape(*in_types, **params) -> TensorType``: the output type from the input types alone.
  Raise ``ShapeError``/``DTypeError`` naming the op on bad input; never touch data.
* ``impl(xp, *arrays, **params) -> array``: the kernel, written once against ``xp`` (numpy or
  cupy). It must return exactly the type ``shape`` predicts.
* ``vjp[i](ops, g, out, *primals, **params)``: the cotangent of input ``i`` given the output
  cotangent ``g``, written with ``ops`` methods (never raw arrays) so that the same rule runs on
  the eager tape, becomes IR in a compiled graph, and can be differentiated again.
* ``jvp[i](ops, t, out, *primals, **params)``: the contribution of input ``i``'s tangent ``t``
  to the output tangent; contributions of several inputs are summed by the interpreter.
* ``impl_out(xp, out, *arrays, **params)`` (optional): the same kernel writing into a
  preallocated ``out`` (used by the compiled path's memory-planned executor). It must store
  exactly the values ``impl`` returns, given an ``out`` with the shape, dtype and memory layout
  (axis order) of ``impl``'s own result; ``out`` never overlaps an input unless the primitive
  is elementwise and ``out`` is laid out exactly like that input.
* ``None`` marks an input that is not differentiable (indices, masks, detach): no gradient
  flows, and asking for one raises. ``ZERO`` marks an input whose derivative is identically
  zero (sign, step): it is differentiable, its gradient is simply zero. Neither is a silent
  stand-in for a missing rule. ``IDENTITY`` is an ordinary rule that returns the seed
  unchanged (``add``'s inputs, ``add_scalar``): interpreters may skip calling it.

``defop`` refuses incomplete definitions at import time; the test suite asserts every
registered primitive has an op spec that sweeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import RegistryError

Rule = Callable[..., Any]


class _ZeroRule:
    """Sentinel rule: the derivative with respect to this input is identically zero."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ZERO"


ZERO: Any = _ZeroRule()


def IDENTITY(ops: Any, g: Any, *primals: Any, **params: Any) -> Any:  # noqa: N802 - a sentinel's name
    """The rule ``g -> g`` (a real rule: any interpreter may call it); the eager sweeps
    recognise it and pass the seed on without the call."""
    return g


class Primitive:
    """One primitive op: shape rule, xp kernel, and a VJP and JVP rule per tensor input."""

    __slots__ = ("doc", "float_identity", "grad_mask", "impl", "impl_out", "jvp", "name", "nargs", "portable",
                 "saved_vjp", "saving", "scalar_ufunc", "shape", "ufunc", "vjp")

    def __init__(self, name: str, shape: Callable[..., Any], impl: Callable[..., Any],
                 vjp: tuple[Rule | None, ...], jvp: tuple[Rule | None, ...], portable: bool,
                 doc: str, impl_out: Callable[..., Any] | None = None) -> None:
        self.name = name
        self.shape = shape
        self.impl = impl
        self.impl_out = impl_out
        # The name of the array library's ufunc that *is* the kernel (``impl(xp, *arrays) ==
        # xp.<ufunc>(*arrays)``, no params): backends call it directly, one Python frame less
        # per call. Set with ``set_ufunc``.
        self.ufunc: str | None = None
        # Likewise for a unary op with a Python-number param ``c``: ``impl(xp, x, c=c) ==
        # xp.<scalar_ufunc>(x, c)`` (``c * x``, ``x + c``). Set with ``set_ufunc(..., scalar=True)``.
        self.scalar_ufunc: str | None = None
        self.vjp = vjp
        self.jvp = jvp
        # What the eager tape's forward may save for its backward (``set_saving``): the forward
        # kernel that also returns it, and the VJP rules that read it instead of recomputing.
        self.saving: Callable[..., Any] | None = None
        self.saved_vjp: tuple[Rule | None, ...] | None = None
        self.nargs = len(vjp)
        self.portable = portable
        self.doc = doc
        # Per input: True when a gradient can flow through it (a real rule, not None/ZERO).
        self.grad_mask = tuple(r is not None and r is not ZERO for r in vjp)
        # A shortcut binders may take without calling the rule: 1 when the rule maps a float
        # input to its own type, 2 when it maps two equal float types to that type (elementwise
        # ops); 0 otherwise. Set by the rule builders of ops/_rules.py, never by hand.
        self.float_identity = getattr(shape, "float_identity", 0)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


REGISTRY: dict[str, Primitive] = {}


def defop(name: str, *, shape: Callable[..., Any], impl: Callable[..., Any],
          vjp: Sequence[Rule | None], jvp: Sequence[Rule | None], portable: bool = True,
          doc: str = "", impl_out: Callable[..., Any] | None = None) -> Primitive:
    """Define and register a primitive, refusing anything incomplete.

    ``portable=False`` declares that ``impl`` only runs on NumPy; a device backend must then
    supply an override or the op raises ``DeviceError`` there (never a silent CPU fallback).
    ``impl_out`` is the optional out-variant of ``impl`` (see the module docstring).
    """
    if name in REGISTRY:
        raise RegistryError(f"primitive {name!r} is already registered")
    if not callable(shape) or not callable(impl):
        raise RegistryError(f"{name}: shape rule and kernel must both be given")
    if impl_out is not None and not callable(impl_out):
        raise RegistryError(f"{name}: impl_out must be callable, got {impl_out!r}")
    vjp, jvp = tuple(vjp), tuple(jvp)
    if len(vjp) != len(jvp) or not vjp:
        raise RegistryError(f"{name}: vjp and jvp must list one rule (or None/ZERO) per input")
    for i, (b, f) in enumerate(zip(vjp, jvp)):
        for r in (b, f):
            if r is not None and r is not ZERO and not callable(r):
                raise RegistryError(f"{name}: rule for input {i} is not callable: {r!r}")
        if (b is None) != (f is None) or (b is ZERO) != (f is ZERO):
            raise RegistryError(f"{name}: input {i} must be non-differentiable (None) or zero "
                                f"(ZERO) in both vjp and jvp, got {b!r} and {f!r}")
    prim = Primitive(name, shape, impl, vjp, jvp, portable, doc, impl_out)
    REGISTRY[name] = prim
    return prim


def set_ufunc(prim: Primitive, name: str, scalar: bool = False) -> Primitive:
    """Declare that ``prim``'s kernel is exactly the array library's ufunc ``name`` on its
    inputs (no params), or with ``scalar`` on its one input and its param ``c``;
    tests/unit/test_registry.py checks it bitwise. Returns ``prim``."""
    if prim.ufunc is not None or prim.scalar_ufunc is not None:
        raise RegistryError(f"{prim.name}: ufunc is already set")
    if scalar:
        prim.scalar_ufunc = name
    else:
        prim.ufunc = name
    return prim


def set_saving(prim: Primitive, forward: Callable[..., Any], vjp: Sequence[Rule | None]) -> Primitive:
    """Let the eager tape save what ``prim``'s backward needs, as PyTorch's saved tensors:
    ``forward(backend, *arrays, **params)`` returns ``(value, saved)``, with ``value`` equal bit
    for bit to the kernel's (or None where it does not apply: the plain kernel runs), and
    ``vjp[i](ops, g, out, *arrays, saved=saved, **params)`` equals ``prim.vjp[i]`` bit for bit
    (tests/unit/test_saved_for_backward.py checks both on the registry's samples). The
    session uses it only for a node that needs a gradient; traced graphs never do (the
    compiled path shares work between equations itself). Returns ``prim``."""
    vjp = tuple(vjp)
    if not callable(forward) or len(vjp) != prim.nargs:
        raise RegistryError(f"{prim.name}: set_saving needs a forward and one rule (or None) per input")
    for r, plain in zip(vjp, prim.vjp):
        if (r is None) != (plain is None or plain is ZERO) or (r is not None and not callable(r)):
            raise RegistryError(f"{prim.name}: a saved VJP rule per differentiable input, None elsewhere")
    prim.saving, prim.saved_vjp = forward, vjp
    return prim


def set_impl_out(prim: Primitive, impl_out: Callable[..., Any]) -> Primitive:
    """Attach the out-variant of ``prim``'s kernel (see the module docstring); returns ``prim``."""
    if not callable(impl_out):
        raise RegistryError(f"{prim.name}: impl_out must be callable, got {impl_out!r}")
    if prim.impl_out is not None:
        raise RegistryError(f"{prim.name}: impl_out is already set")
    prim.impl_out = impl_out
    return prim
