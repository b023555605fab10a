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

uint64 = np.dtype(np.uint64)

FLOAT_DTYPES = (float32, float64)
# What a user tensor may hold. uint64 exists internally only (the random stream's counter).
TENSOR_DTYPES = (float32, float64, int64, bool_)


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


def as_dtype(dtype: Any, op: str = "dtype") -> np.dtype:
    """Normalise ``'float32'``, ``np.float64``, ``torch.float64``... to a NumPy dtype object.

    Raises ``DTypeError`` naming ``op`` for anything that is not a dtype (NumPy's own
    ``TypeError`` says only "data type not understood")."""
    if isinstance(dtype, np.dtype):
        return dtype
    if dtype is None or isinstance(dtype, bool):
        raise DTypeError(f"{op}: expected a dtype such as float32, got {dtype!r}")
    name = str(dtype)
    if name.startswith("torch."):  # torch.float32 -> float32 (names agree after the prefix)
        dtype = name[len("torch."):]
    try:
        return np.dtype(dtype)
    except (TypeError, ValueError):
        raise DTypeError(f"{op}: {dtype!r} is not a dtype (use float32, float64, int64 or bool)") from None


def float_dtype(dtype: Any, op: str) -> np.dtype:
    """A requested float dtype: float32 or float64, else ``DTypeError`` (never a silent swap)."""
    dt = as_dtype(dtype, op)
    if dt not in FLOAT_DTYPES:
        raise DTypeError(f"{op}: dtype must be float32 or float64, got {dt.name}")
    return dt


def tensor_dtype(dtype: Any, op: str) -> np.dtype:
    """A requested tensor dtype: float32, float64, int64 or bool, else ``DTypeError``."""
    dt = as_dtype(dtype, op)
    if dt not in TENSOR_DTYPES:
        raise DTypeError(f"{op}: dtype must be one of float32, float64, int64, bool; got {dt.name}")
    return dt


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
