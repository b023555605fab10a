"""The input boundary: every value that enters torchlean is converted here, or refused here.

``host_array`` turns user data into a fresh, C-contiguous, base-class NumPy array of a tensor
dtype (float32, float64, int64, bool), or raises naming the entry point and the argument:

* accepted: numeric NumPy arrays and scalars, Python bools/ints/floats, nested lists/tuples of
  them, and objects that speak ``__array__`` or DLPack on the host (PyTorch CPU tensors, ...);
* refused (``DTypeError``): ``None``, strings, bytes, objects, complex, datetime/timedelta,
  torchlean tensors (they are already inside: use them directly), requested dtypes torchlean
  does not support (float16, int32, ...);
* refused (``ShapeError``): ragged nested lists;
* refused (``ArgumentError``): values that do not fit the dtype (an int beyond int64, a finite
  float64 that overflows float32, non-integral data for an integer tensor);
* refused (``DeviceError``): device arrays on the host path (CuPy, CUDA tensors).

Subclasses (``np.matrix``, masked arrays without masked entries) become base ndarrays; a masked
array with masked entries is refused. Data is always copied, so changing the caller's array
later never changes a tensor. Casting follows NumPy's ``same_kind`` rule plus value checks:
bool -> int -> float widen freely, float -> int is refused (PyTorch truncates; torchlean never
changes a value silently).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ArgumentError, DeviceError, DTypeError, ShapeError
from .types import TENSOR_DTYPES, bool_, float32, int64, tensor_dtype

_INT64_MAX = np.iinfo(np.int64).max
_KIND_NAMES = {"c": "complex", "M": "datetime", "m": "timedelta", "O": "Python objects",
               "U": "strings", "S": "bytes", "V": "structured records"}


def _where(op: str, arg: str) -> str:
    return f"{op}: {arg}" if arg else op


_TENSOR_TYPES: list[type] = []


def _is_torchlean_tensor(v: Any) -> bool:
    if not _TENSOR_TYPES:
        from ..frontend.tensor_methods import TensorMethods

        _TENSOR_TYPES.append(TensorMethods)
    return isinstance(v, _TENSOR_TYPES[0])


def _scan_list(op: str, arg: str, value: Any, ints: bool = True) -> None:
    """Refuse torchlean tensors and None inside nested lists before NumPy sees them (NumPy
    would read a tensor's value through ``__array__`` and silently cut the gradient)."""
    for item in value:
        if isinstance(item, (list, tuple)):
            _scan_list(op, arg, item, ints)
        elif ints and item.__class__ is int and not -(1 << 63) <= item < (1 << 63):
            # NumPy would read such a list as float64 (or objects): the int would change silently
            raise ArgumentError(f"{_where(op, arg)}: {item} does not fit in int64")
        elif item is None:
            raise DTypeError(f"{_where(op, arg)}: the nested list contains None")
        elif _is_torchlean_tensor(item):
            raise DTypeError(f"{_where(op, arg)}: the nested list contains a torchlean tensor; "
                             "combine tensors with cat/stack, or pass .numpy() values")


def _device_of_dlpack(value: Any) -> int | None:
    dev = getattr(value, "__dlpack_device__", None)
    if dev is None:
        return None
    try:
        return int(dev()[0])
    except Exception:
        return None


def _read(op: str, arg: str, value: Any, float_target: bool = False) -> np.ndarray:
    """Any accepted value as some NumPy array (not yet checked for kind or dtype)."""
    if value.__class__ is np.ndarray:  # the common case, first
        return value
    where = _where(op, arg)
    if value is None:
        raise DTypeError(f"{where}: expected numeric data, got None")
    if isinstance(value, (str, bytes)):
        raise DTypeError(f"{where}: expected numeric data, got a {type(value).__name__} ({value!r:.40})")
    if _is_torchlean_tensor(value):
        raise DTypeError(f"{where}: got a torchlean tensor; use it directly (ops take tensors), "
                         "or pass x.numpy() to start a new leaf")
    if hasattr(value, "__cuda_array_interface__") or _device_of_dlpack(value) in (2, 3, 13):
        raise DeviceError(f"{where}: got a CUDA array ({type(value).__name__}) where host (cpu) "
                          "data is expected; download it explicitly or use a cuda session")
    if isinstance(value, np.ndarray):
        if isinstance(value, np.ma.MaskedArray):
            if np.ma.getmaskarray(value).any():
                raise ArgumentError(f"{where}: a masked array with masked entries has no single "
                                    "value per element; fill it first (x.filled(...))")
            value = value.data
        return value.view(np.ndarray) if type(value) is not np.ndarray else value
    if isinstance(value, (list, tuple)):
        _scan_list(op, arg, value, ints=not float_target)
    elif not hasattr(value, "__array__") and hasattr(value, "__dlpack__") and _device_of_dlpack(value) == 1:
        value = np.from_dlpack(value)  # a host DLPack producer without __array__
    try:
        arr = np.asarray(value)
    except ValueError as e:
        if isinstance(value, (list, tuple)):
            raise ShapeError(f"{where}: a ragged nested list (rows of different lengths) is not a "
                             f"tensor: {e}") from None
        raise ArgumentError(f"{where}: cannot read {type(value).__name__} as an array: {e}") from None
    except (TypeError, RuntimeError, OverflowError) as e:
        # e.g. a torch tensor that requires grad, a bfloat16 tensor, an int too large for C.
        raise ArgumentError(f"{where}: cannot read {type(value).__name__} as an array: {e}") from None
    if type(arr) is not np.ndarray:
        arr = arr.view(np.ndarray)
    return arr


def _check_fits(where: str, src: np.ndarray, dst: np.dtype) -> None:
    """Raise when casting ``src`` to ``dst`` would change a value's category."""
    sk = src.dtype.kind
    if sk == dst.kind or (dst.kind == "f" and sk in "biu") or (dst.kind == "i" and sk == "b"):
        return
    if dst.kind == "b":
        if sk != "b":
            raise DTypeError(f"{where}: expected bool data, got {src.dtype.name}; convert "
                             "explicitly (e.g. x != 0 or arr.astype(bool))")
    elif dst.kind == "i":
        if sk == "f":
            raise DTypeError(f"{where}: expected integer data for {dst.name}, got {src.dtype.name} "
                             "(torchlean never truncates floats; round and cast explicitly)")
        if sk == "u" and src.size and src.max() > _INT64_MAX:
            raise ArgumentError(f"{where}: {int(src.max())} does not fit in int64")


def _cast(where: str, arr: np.ndarray, dst: np.dtype) -> np.ndarray:
    _check_fits(where, arr, dst)
    narrowing = dst.kind == "f" and arr.dtype.kind == "f" and arr.dtype.itemsize > dst.itemsize
    if narrowing and arr.size:
        # Two reductions, no temporary: when the range fits, no value can overflow.
        hi, lo = float(arr.max()), float(arr.min())
        if not (math.isfinite(hi - lo) and max(hi, -lo) <= float(np.finfo(dst).max)):
            with np.errstate(over="ignore", invalid="ignore"):
                out = np.array(arr, dtype=dst, copy=True, order="C")
            bad = np.isinf(out) & np.isfinite(arr)
            if bad.any():
                v = float(arr[bad].flat[0])
                raise ArgumentError(f"{where}: {v!r} does not fit in {dst.name} (it would become inf)")
            return out
    return np.array(arr, dtype=dst, copy=True, order="C")


def host_array(value: Any, op: str, arg: str = "", dtype: Any = None,
               default_float: np.dtype = float32) -> np.ndarray:
    """``value`` as a fresh C-contiguous NumPy array of a tensor dtype (see module docstring).

    ``dtype`` is the requested dtype (float32/float64/int64/bool); without it, floats become
    ``default_float``, integers int64 and booleans bool.
    """
    where = _where(op, arg)
    dst = None if dtype is None else tensor_dtype(dtype, op)
    arr = _read(op, arg, value, float_target=dst is not None and dst.kind == "f")
    kind = arr.dtype.kind
    if kind not in "biuf":
        what = _KIND_NAMES.get(kind, arr.dtype.name)
        hint = " (an int beyond the int64 range?)" if kind == "O" and _has_big_int(value) else ""
        raise DTypeError(f"{where}: expected numeric data (float, int or bool), got {what}{hint}")
    if dst is None:
        dst = default_dtype(arr.dtype, default_float)
    return _cast(where, arr, dst)


def _has_big_int(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_big_int(v) for v in value)
    return False


def default_dtype(dt: np.dtype, default_float: np.dtype = float32) -> np.dtype:
    """The tensor dtype data of dtype ``dt`` gets when none is requested."""
    return bool_ if dt.kind == "b" else (int64 if dt.kind in "iu" else default_float)


def scalar(value: Any, op: str, arg: str = "the scalar") -> float:
    """A Python or NumPy real number operand (``x + 2``) as a float, or ``ArgumentError``."""
    if isinstance(value, (bool, np.bool_, int, float, np.integer, np.floating)):
        try:
            return float(value)
        except OverflowError:
            raise ArgumentError(f"{op}: {arg} {value!r:.40} does not fit in float64") from None
    if isinstance(value, (complex, np.complexfloating)):
        raise DTypeError(f"{op}: complex {arg} {value!r} is not supported")
    raise DTypeError(f"{op}: expected a real number for {arg}, got {type(value).__name__}")


def requested_dtype(dtype: Any, op: str) -> np.dtype | None:
    """None, or a supported tensor dtype (``DTypeError`` for float16, int32, 'flot32', ...)."""
    if dtype is None:
        return None
    dt = tensor_dtype(dtype, op)
    assert dt in TENSOR_DTYPES
    return dt


def device_cast(xp: Any, where: str, arr: Any, dst: np.dtype) -> Any:
    """A device array (CuPy, or another CUDA array) as a fresh array of ``dst`` on the device,
    with the same kind and value checks as ``host_array``."""
    src = xp.asarray(arr) if not isinstance(arr, xp.ndarray) else arr
    kind = np.dtype(src.dtype).kind
    if kind not in "biuf":
        raise DTypeError(f"{where}: expected numeric data (float, int or bool), got "
                         f"{_KIND_NAMES.get(kind, np.dtype(src.dtype).name)}")
    _check_fits(where, src, dst)
    out = src.astype(dst, copy=True)
    narrowing = dst.kind == "f" and kind == "f" and np.dtype(src.dtype).itemsize > dst.itemsize
    if narrowing and not bool(xp.isfinite(out).all()) and bool((xp.isinf(out) & xp.isfinite(src)).any()):
        raise ArgumentError(f"{where}: a value overflows {dst.name}")
    return out


def scalar_fits(op: str, name: str, value: Any, dtype: np.dtype) -> None:
    """Raise ArgumentError when a Python scalar cannot be stored in ``dtype`` without
    overflow (torch: "value cannot be converted to type float without overflow"): a finite
    float beyond the float dtype's range, an int beyond float range, or a non-finite or
    out-of-range value for an integer dtype. Infinities and NaN are fine for a float dtype."""
    if not isinstance(value, (int, float)) or dtype.kind == "b":
        return
    if dtype.kind == "f":
        try:
            f = float(value)
        except OverflowError:
            f = math.inf
        with np.errstate(over="ignore"):
            stored = np.asarray(f, np.float64).astype(dtype)
        if (not math.isfinite(f) and isinstance(value, int)) or (math.isfinite(f) and not np.isfinite(stored)):
            raise ArgumentError(f"{op}: {name}={short_repr(value)} cannot be converted to {dtype.name} without "
                                "overflow")
        return
    info = np.iinfo(dtype)
    if isinstance(value, float) and not math.isfinite(value):
        raise ArgumentError(f"{op}: {name}={value!r} cannot be converted to {dtype.name}")
    iv = math.trunc(value) if isinstance(value, float) else value
    if not info.min <= iv <= info.max:
        raise ArgumentError(f"{op}: {name}={short_repr(value)} cannot be converted to {dtype.name} without overflow "
                            f"(range [{info.min}, {info.max}])")


def short_repr(v: Any) -> str:
    """``repr(v)``, shortened for a huge int."""
    s = repr(v)
    return s if len(s) <= 40 else f"{s[:12]}...({len(s)} digits)"
