"""Tensor types (shape + dtype), the "aval" every shape rule computes with.

Shapes are tuples of ints, outermost axis first; ``()`` is a scalar. Dtypes are NumPy dtype
objects, which CuPy shares, so a type means the same on every device.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .errors import DTypeError

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

FLOAT_DTYPES = (float32, float64)


class TensorType(NamedTuple):
    """Static type of a tensor: its shape and dtype."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __str__(self) -> str:
        dims = ",".join(str(d) for d in self.shape)
        return f"{self.dtype.name}[{dims}]"


def as_dtype(dtype: Any) -> np.dtype:
    """Normalise ``'float32'``, ``np.float64``... to a NumPy dtype object."""
    if isinstance(dtype, np.dtype):
        return dtype
    return np.dtype(dtype)


def is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def is_int(dtype: np.dtype) -> bool:
    return dtype.kind in "iu"


def check_float(op: str, *types: TensorType) -> np.dtype:
    """All inputs share one float dtype; return it or raise DTypeError naming the op."""
    dtype = types[0].dtype
    for t in types:
        if t.dtype != dtype or dtype.kind != "f":
            got = ", ".join(x.dtype.name for x in types)
            raise DTypeError(f"{op}: expected one float dtype (float32 or float64), got {got}")
    return dtype


def check_int(op: str, what: str, t: TensorType) -> None:
    if not is_int(t.dtype):
        raise DTypeError(f"{op}: {what} must be an integer tensor, got {t.dtype.name}")
