"""Op specs: one declarative record per public op, driving every sweep.

What each spec gets checked for free (tests/ops):

* the shape rule of every primitive it binds predicts its kernel's shape and dtype;
* forward matches the reference (PyTorch float64, or a NumPy float64 function);
* the VJP matches ``torch.autograd`` (or the expected zero/no gradient) and passes the
  dot-product test against the JVP;
* the JVP matches central finite differences;
* float32 runs and agrees with float64;
* (compiled, later) eager and compiled agree.

A sample's positional ``args`` are arrays: float arrays are differentiable inputs unless listed
in ``nondiff``; integer/bool arrays are indices or masks. ``kwargs`` are static parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


@dataclasses.dataclass
class Sample:
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        # NumPy scalars (what rng calls return for shape ()) are 0-d tensors here.
        self.args = tuple(np.asarray(a) if isinstance(a, np.generic) else a for a in self.args)


@dataclasses.dataclass
class OpSpec:
    """How to call one op, on what, and what it must equal.

    Attributes:
        name: the ``Ops`` method; for a primitive, also the registry name.
        samples: ``rng -> list[Sample]``.
        torch: reference ``(torch, *tensors, **kwargs) -> tensor`` (float64), or None.
        numpy: reference ``(*arrays, **kwargs) -> array`` (float64) when torch has no such op.
        call: ``(ops, *refs, **kwargs) -> ref``; defaults to ``getattr(ops, name)``.
        nondiff: positions of float args that take no gradient.
        zero_grad: the derivative is identically zero (piecewise-constant ops).
        binds: primitives this spec must bind (defaults to ``(name,)`` for primitives).
        fd: whether finite differences apply (False for piecewise-constant ops).
        rtol, atol: forward/VJP tolerance against the reference; fd_rtol/fd_atol for FD.
    """

    name: str
    samples: Callable[[np.random.Generator], list[Sample]]
    torch: Callable[..., Any] | None = None
    numpy: Callable[..., Any] | None = None
    call: Callable[..., Any] | None = None
    nondiff: Sequence[int] = ()
    zero_grad: bool = False
    binds: Sequence[str] | None = None
    fd: bool = True
    rtol: float = 1e-9
    atol: float = 1e-10
    fd_rtol: float = 1e-5
    fd_atol: float = 1e-6
    f32_rtol: float = 2e-4
    f32_atol: float = 1e-5

    def apply(self, ops: Any, *refs: Any, **kwargs: Any) -> Any:
        if self.call is not None:
            return self.call(ops, *refs, **kwargs)
        return getattr(ops, self.name)(*refs, **kwargs)

    def diff_positions(self, sample: Sample) -> list[int]:
        return [i for i, a in enumerate(sample.args)
                if isinstance(a, np.ndarray) and a.dtype.kind == "f" and i not in self.nondiff]


# ----- sample helpers ---------------------------------------------------------------------------
def normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def positive(rng: np.random.Generator, *shape: int, lo: float = 0.2, hi: float = 3.0) -> np.ndarray:
    return rng.uniform(lo, hi, shape)


def away_from(rng: np.random.Generator, shape: tuple[int, ...], points: Sequence[float],
              margin: float = 0.05, scale: float = 2.0) -> np.ndarray:
    """Normal samples nudged at least ``margin`` away from each kink in ``points``."""
    x = rng.standard_normal(shape) * scale
    for p in points:
        near = np.abs(x - p) < margin
        x = np.where(near, p + np.where(x >= p, margin, -margin) * 2, x)
    return x


UNARY_SHAPES: list[tuple[int, ...]] = [(), (5,), (3, 4), (2, 3, 4)]
BINARY_SHAPES: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
    ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (3,)), ((2, 3, 4), (3, 1)), ((5,), ()),
]


def unary_samples(make: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray],
                  shapes: Sequence[tuple[int, ...]] = tuple(UNARY_SHAPES), **kwargs: Any
                  ) -> Callable[[np.random.Generator], list[Sample]]:
    def gen(rng: np.random.Generator) -> list[Sample]:
        return [Sample((make(rng, s),), dict(kwargs), f"{s}") for s in shapes]

    return gen


def binary_samples(make: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray],
                   shapes: Sequence[tuple[tuple[int, ...], tuple[int, ...]]] = tuple(BINARY_SHAPES)
                   ) -> Callable[[np.random.Generator], list[Sample]]:
    def gen(rng: np.random.Generator) -> list[Sample]:
        return [Sample((make(rng, a), make(rng, b)), {}, f"{a},{b}") for a, b in shapes]

    return gen
