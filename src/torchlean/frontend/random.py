"""Counter-based random ops, dropout and the random constructors rand, randn, randint.

Every random op draws the next counter of its binder's stream (``rng_input``): the eager
session's counter advances once per random op and survives ``reset``; a compiled graph takes it
as an implicit input. The values of a call are reproducible from ``(seed, counter)`` alone:
``torchlean.random.uniform_host(seed, counter, shape)``.

* ``rand(*size)`` is ``rand_uniform``: ``u_i`` of the stream, in [0, 1).
* ``randn(*size)`` draws ``2 n`` uniforms ``u`` (one random op) and applies Box-Muller:
  ``z_i = sqrt(-2 log(1 - u_i)) cos(2 pi u_{n+i})``, in float64, rounded once to the dtype
  (``1 - u_i >= 2**-32``, so the log never sees 0).
* ``randint(low, high, size)`` is ``low + floor(u_i * (high - low))`` with the 32-bit uniform
  ``u_i``: every value lies in [low, high) (the float64 product never reaches high - low), and
  each value's probability is within ``2**-32`` of ``1 / (high - low)`` (exactly uniform when
  ``high - low`` is a power of two); ``high - low`` may be at most ``2**32``.
* The seed's per-call ``seed=`` of ``rand_uniform``/``bernoulli_mask`` is a fixed-seed draw:
  the stream ``(seed, counter 0)``, the same values every call; it does not advance the binder's
  counter (a constant computed once on the host and uploaded, in eager and traced code alike).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import is_int
from .._core.types import as_dtype, float_dtype, int64
from .base import OpsBase, is_scalar
from .creation import size_arg


def _shape(op: str, shape: Sequence[int] | int) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(not isinstance(d, int) or isinstance(d, bool) or d < 0 for d in shape):
        raise ShapeError(f"{op}: shape must be non-negative ints, got {shape!r}")
    return shape


class RandomOps(OpsBase):
    """Counter-based random ops, dropout and the random constructors (see the module docstring)."""

    def rand_uniform(self, shape: Sequence[int] | int, dtype: Any = None, *, seed: int | None = None) -> Any:
        """U[0, 1) values of ``shape``: a constant, reproducible from (seed, counter). With
        ``seed=k`` (the seed's per-call seed): the fixed stream (k, 0), counter not advanced."""
        shape = _shape("rand_uniform", shape)
        dt = float_dtype(self.dtype if dtype is None else dtype, "rand_uniform").name
        if seed is not None:
            return self.lift(_fixed_uniform("rand_uniform", seed, shape).astype(dt), dt)
        counter, seed, offset = self.rng_input()
        return self.bind(REGISTRY["rand_uniform"], counter, seed=seed, offset=offset, shape=shape,
                         dtype=dt)

    def bernoulli_mask(self, keep_prob: Any, shape: Sequence[int] | int, dtype: Any = None, *,
                       seed: int | None = None) -> Any:
        """1 with probability ``keep_prob`` (where keep_prob > u_i), else 0; not rescaled (seed).

        ``keep_prob`` is a float or a scalar tensor; it gets no gradient. ``seed=k``: a
        fixed-seed draw from the stream (k, 0) that does not advance the counter.
        """
        shape = _shape("bernoulli_mask", shape)
        dt = float_dtype(self.dtype if dtype is None else dtype, "bernoulli_mask").name
        if is_scalar(keep_prob):
            if not 0.0 <= float(keep_prob) <= 1.0:  # also refuses NaN
                raise ArgumentError(f"bernoulli_mask: keep_prob must be in [0, 1], got {keep_prob!r}")
            keep_prob = self.lift(float(keep_prob), "float64")
        elif self.shape_of(keep_prob) != ():
            raise ShapeError("bernoulli_mask: keep_prob must be a scalar, "
                             f"got shape {self.shape_of(keep_prob)}")
        elif self.type_of(keep_prob).dtype.kind != "f":
            raise ShapeError(f"bernoulli_mask: keep_prob must be a float scalar, got {self.type_of(keep_prob)}")
        if seed is not None:
            u = self.lift(_fixed_uniform("bernoulli_mask", seed, shape), "float64")
            return self.cast(self.lt(u, self.cast(self.detach(keep_prob), "float64")), dt)
        counter, seed, offset = self.rng_input()
        return self.bind(REGISTRY["bernoulli_mask"], counter, keep_prob, seed=seed, offset=offset,
                         shape=shape, dtype=dt)

    def dropout(self, x: Any, p: float = 0.5, training: bool = True) -> Any:
        """PyTorch dropout: zero each element with probability p and scale the rest by 1/(1-p)."""
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ArgumentError(f"dropout: p must be a number in [0, 1], got {p!r}")
        if not training or p == 0.0:
            return x
        t = self.type_of(x)
        mask = self.bernoulli_mask(1.0 - p, t.shape, t.dtype)
        return self.mul(x, mask if p == 1.0 else self.scale(mask, 1.0 / (1.0 - p)))


    # -- random constructors (torch signatures) --------------------------------------------
    def _random_dtype(self, op: str, dtype: Any) -> np.dtype:
        dt = as_dtype(self.dtype if dtype is None else dtype, op)
        if dt.kind != "f":
            raise DTypeError(f"{op}: expected a float dtype (float32 or float64), got {dt.name}")
        return dt

    def _random_tensor(self, op: str, dt: np.dtype, requires_grad: bool, draw: Any) -> Any:
        if requires_grad:
            return self._grad_leaf(op, dt, draw)
        return draw()

    def rand(self, *size: Any, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Any:
        """``torch.rand(*size)``: U[0, 1) values of the binder's stream (``rand_uniform``)."""
        self._factory_args("rand", out=out, layout=layout, device=device, pin_memory=pin_memory,
                           generator=generator)
        shape, dt = size_arg("rand", size), self._random_dtype("rand", dtype)
        return self._random_tensor("rand", dt, requires_grad, lambda: self.rand_uniform(shape, dt))

    def randn(self, *size: Any, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Any:
        """``torch.randn(*size)``: standard normals by Box-Muller from 2n uniforms of one draw
        of the stream (see the module docstring)."""
        self._factory_args("randn", out=out, layout=layout, device=device, pin_memory=pin_memory,
                           generator=generator)
        shape, dt = size_arg("randn", size), self._random_dtype("randn", dtype)
        return self._random_tensor("randn", dt, requires_grad, lambda: self._normal(shape, dt))

    def _normal(self, shape: tuple[int, ...], dt: np.dtype) -> Any:
        counter, seed, offset = self.rng_input()
        u = self.bind(REGISTRY["rand_uniform"], counter, seed=seed, offset=offset, shape=(2, *shape),
                      dtype="float64")
        return self.bind(REGISTRY["box_muller"], u, dtype=dt.name)

    def box_muller(self, u: Any, dtype: Any = None) -> Any:
        """Standard normals from uniform draws u (2, *shape) in [0, 1): ``sqrt(-2 log(1 - u[0]))
        cos(2 pi u[1])`` in float64, rounded once to ``dtype`` (default: u's dtype)."""
        dt = self.type_of(u).dtype if dtype is None else float_dtype(dtype, "box_muller")
        return self.bind(REGISTRY["box_muller"], u, dtype=dt.name)

    def randint(self, *args: Any, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
                device: Any = None, requires_grad: bool = False, **kwargs: Any) -> Any:
        """``torch.randint(high, size)`` or ``randint(low, high, size)`` (also by keyword):
        uniform integers in [low, high), int64 unless ``dtype`` (see the module docstring)."""
        self._factory_args("randint", out=out, layout=layout, device=device, generator=generator)
        low, high, size = _randint_args(args, kwargs)
        shape = size_arg("randint", (size,))
        for what, v in (("low", low), ("high", high)):
            if not is_int(v):
                raise ArgumentError(f"randint: {what} must be an int, got {v!r}")
        low, high = int(low), int(high)
        if high <= low:
            raise ArgumentError(f"randint: expects low < high, got low={low}, high={high}")
        if high - low > 2**32:
            raise ArgumentError(f"randint: high - low must be at most 2**32 (32-bit draws), got {high - low}")
        dt = as_dtype(int64 if dtype is None else dtype, "randint")

        def draw() -> Any:
            u = self.rand_uniform(shape, "float64")
            v = self.cast(self.scale(u, float(high - low)), int64)  # truncation is floor here (v >= 0)
            if low:
                v = self.add(v, low)
            return self.cast(v, dt)

        return self._random_tensor("randint", dt, requires_grad, draw)

    def rand_like(self, input: Any, *, generator: Any = None, dtype: Any = None, layout: Any = None,  # noqa: A002
                  device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Any:
        """``torch.rand_like``: ``rand`` of input's shape and (unless ``dtype``) dtype."""
        t = self.type_of(input)
        self._factory_args("rand_like", layout=layout, device=device, memory_format=memory_format,
                           generator=generator)
        return self.rand(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)

    def randn_like(self, input: Any, *, generator: Any = None, dtype: Any = None, layout: Any = None,  # noqa: A002
                   device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Any:
        """``torch.randn_like``: ``randn`` of input's shape and (unless ``dtype``) dtype."""
        t = self.type_of(input)
        self._factory_args("randn_like", layout=layout, device=device, memory_format=memory_format,
                           generator=generator)
        return self.randn(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)


def _randint_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(low, high, size) from randint's overloads: (high, size), (low, high, size), keywords."""
    extra = set(kwargs) - {"low", "high", "size"}
    if extra:
        raise ArgumentError(f"randint: unexpected keyword arguments {sorted(extra)}")
    if len(args) == 3:
        names: tuple[str, ...] = ("low", "high", "size")
    elif len(args) == 2:
        names = ("low", "high") if "size" in kwargs else ("high", "size")
    elif len(args) == 1:
        names = ("low",) if "high" in kwargs else ("high",)
    elif not args:
        names = ()
    else:
        raise ArgumentError(f"randint: expected at most 3 positional arguments, got {len(args)}")
    given = dict(zip(names, args))
    for k, v in kwargs.items():
        if k in given:
            raise ArgumentError(f"randint: got multiple values for {k}")
        given[k] = v
    if "high" not in given or "size" not in given:
        raise ArgumentError("randint: expected randint(high, size) or randint(low, high, size)")
    return given.get("low", 0), given["high"], given["size"]


def _fixed_uniform(op: str, seed: Any, shape: tuple[int, ...]) -> np.ndarray:
    from ..random import uniform_host

    if not is_int(seed) or seed < 0:
        raise ArgumentError(f"{op}: seed must be a non-negative int, got {seed!r}")
    return uniform_host(int(seed) & ((1 << 64) - 1), 0, shape, dtype=np.float64)


def _name(dtype: Any) -> str:
    import numpy as np

    return np.dtype(dtype).name
