"""PyTorch-style operators and methods shared by ``TensorRef`` (eager) and ``Var`` (traced).

Both forward every call to ``self.session``: the binder that owns the value (the eager session
or the graph builder), so ``x.relu()`` is ``ops.relu(x)`` on either path. ``CoreMethods``
here holds the metadata, the operators and the casts; the op methods with ``torch.Tensor``'s
signatures come from one mixin per family in ``torchlean/pt/`` (each next to the functions it
calls).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np


def _scalar(v: Any) -> Any:
    """NumPy scalars behave as Python scalars in operators (like PyTorch numbers)."""
    if type(v) is float:
        return v
    return v.item() if isinstance(v, np.generic) else v


_SCALAR_UFUNCS = {
    np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
    np.true_divide: operator.truediv, np.floor_divide: operator.floordiv, np.remainder: operator.mod,
    np.power: operator.pow, np.matmul: operator.matmul, np.less: operator.lt,
    np.less_equal: operator.le, np.greater: operator.gt, np.greater_equal: operator.ge,
    np.equal: operator.eq, np.not_equal: operator.ne, np.bitwise_and: operator.and_,
    np.bitwise_or: operator.or_, np.bitwise_xor: operator.xor,
}


class CoreMethods:
    """Metadata, operators and casts; subclasses provide ``session`` (the owning binder)."""

    __slots__ = ()
    __torchlean_tensor__ = True  # how torchlean recognises its tensors without an import
    session: Any
    type: Any

    __hash__ = object.__hash__  # identity, as torch.Tensor (refs are dict keys in jvp/grad maps)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """A NumPy scalar operand (``np.float64(2) + x``) acts as the Python number it holds, as
        in PyTorch; other NumPy ufuncs on a tensor (``np.exp(x)``, ``ndarray + x``) refuse with
        one clear error instead of building an object array of tensors or a raw TypeError."""
        from .._core.errors import DTypeError

        op = _SCALAR_UFUNCS.get(ufunc)
        if (op is not None and method == "__call__" and not kwargs
                and all(isinstance(v, (np.generic, CoreMethods)) for v in inputs)):
            return op(*(v.item() if isinstance(v, np.generic) else v for v in inputs))
        kinds = " and ".join(type(v).__name__ for v in inputs)
        raise DTypeError(f"numpy.{ufunc.__name__}: got {kinds}: torchlean tensors do not mix with NumPy "
                         "arrays and ufuncs; use the tensor's own ops (x.exp(), x + s.input(arr)) or "
                         "read the value with x.numpy()")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from .._core.errors import DTypeError

        name = getattr(func, "__name__", str(func))
        raise DTypeError(f"numpy.{name}: torchlean tensors are not NumPy arrays; use the tensor's "
                         f"own ops (x.sum(), s.matmul(a, b), ...) or read the value with x.numpy()")

    # -- metadata --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.type.shape

    @property
    def dtype(self) -> np.dtype:
        return self.type.dtype

    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    def __len__(self) -> int:
        """The first axis's length (static, so also inside ``tl.compile``); 0-d raises."""
        if not self.type.shape:
            from .._core.errors import ArgumentError

            raise ArgumentError("len: a 0-d tensor has no length")
        return self.type.shape[0]

    def size(self, dim: int | None = None) -> Any:
        """PyTorch ``size()``: the shape, or one dim of it."""
        if dim is None:
            return self.type.shape
        from .._core.shapes import normalize_axis

        if not self.ndim:  # as torch: a 0-d tensor has no dimension to ask for
            from .._core.errors import ShapeError

            raise ShapeError(f"size: dimension specified as {dim!r} but the tensor has no dimensions")
        return self.type.shape[normalize_axis("size", dim, self.ndim)]

    def numel(self) -> int:
        return self.type.size

    # -- operators -------------------------------------------------------------------------
    def __add__(self, o: Any) -> Any:
        return self.session.add(self, o if o.__class__ is float else _scalar(o))

    def __radd__(self, o: Any) -> Any:
        return self.session.add(o if o.__class__ is float else _scalar(o), self)

    def __sub__(self, o: Any) -> Any:
        return self.session.sub(self, o if o.__class__ is float else _scalar(o))

    def __rsub__(self, o: Any) -> Any:
        return self.session.sub(o if o.__class__ is float else _scalar(o), self)

    def __mul__(self, o: Any) -> Any:
        return self.session.mul(self, o if o.__class__ is float else _scalar(o))

    def __rmul__(self, o: Any) -> Any:
        return self.session.mul(o if o.__class__ is float else _scalar(o), self)

    def __truediv__(self, o: Any) -> Any:
        return self.session.div(self, o if o.__class__ is float else _scalar(o))

    def __rtruediv__(self, o: Any) -> Any:
        return self.session.div(o if o.__class__ is float else _scalar(o), self)

    def __matmul__(self, o: Any) -> Any:
        return self.session.matmul(self, o)

    def __rmatmul__(self, o: Any) -> Any:
        return self.session.matmul(o, self)

    def __neg__(self) -> Any:
        return self.session.neg(self)

    def __pow__(self, p: Any) -> Any:
        return self.session.pow(self, _scalar(p))

    def __rpow__(self, b: Any) -> Any:
        return self.session.pow(_scalar(b), self)

    def __floordiv__(self, o: Any) -> Any:
        return self.session.floor_divide(self, _scalar(o))

    def __rfloordiv__(self, o: Any) -> Any:
        return self.session.floor_divide(_scalar(o), self)

    def __mod__(self, o: Any) -> Any:
        return self.session.remainder(self, _scalar(o))

    def __rmod__(self, o: Any) -> Any:
        return self.session.remainder(_scalar(o), self)

    def __abs__(self) -> Any:
        return self.session.abs(self)

    def __pos__(self) -> Any:
        return self

    # comparisons give bool tensors (as torch.Tensor); __hash__ stays identity (see above)
    def __lt__(self, o: Any) -> Any:
        return self.session.lt(self, _scalar(o))

    def __le__(self, o: Any) -> Any:
        return self.session.le(self, _scalar(o))

    def __gt__(self, o: Any) -> Any:
        return self.session.gt(self, _scalar(o))

    def __ge__(self, o: Any) -> Any:
        return self.session.ge(self, _scalar(o))

    def __eq__(self, o: Any) -> Any:  # type: ignore[override]
        return self.session.eq(self, _scalar(o))

    def __ne__(self, o: Any) -> Any:  # type: ignore[override]
        return self.session.ne(self, _scalar(o))

    def __invert__(self) -> Any:
        return self.session.bitwise_not(self)

    def __and__(self, o: Any) -> Any:
        return self.session.bitwise_and(self, _scalar(o))

    def __rand__(self, o: Any) -> Any:
        return self.session.bitwise_and(_scalar(o), self)

    def __or__(self, o: Any) -> Any:
        return self.session.bitwise_or(self, _scalar(o))

    def __ror__(self, o: Any) -> Any:
        return self.session.bitwise_or(_scalar(o), self)

    def __xor__(self, o: Any) -> Any:
        return self.session.bitwise_xor(self, _scalar(o))

    def __rxor__(self, o: Any) -> Any:
        return self.session.bitwise_xor(_scalar(o), self)

    # -- casts (torch.Tensor names) --------------------------------------------------------
    # ``memory_format=`` takes torch.preserve_format / contiguous_format and has no effect:
    # torchlean has one layout (contiguous).
    def float(self, memory_format: Any = None) -> Any:
        """float32 (torch's default float dtype)."""
        _memory_format("float", memory_format)
        return self.session.cast(self, "float32")

    def double(self, memory_format: Any = None) -> Any:
        _memory_format("double", memory_format)
        return self.session.cast(self, "float64")

    def long(self, memory_format: Any = None) -> Any:
        """int64; floats truncate toward zero, as torch."""
        _memory_format("long", memory_format)
        return self.session.cast(self, "int64")

    def bool(self, memory_format: Any = None) -> Any:
        _memory_format("bool", memory_format)
        return self.session.cast(self, "bool")

    def type_as(self, other: Any) -> Any:
        """``self`` cast to ``other``'s dtype (a tensor)."""
        if getattr(type(other), "__torchlean_tensor__", False) is not True:
            from .._core.errors import DTypeError

            raise DTypeError(f"type_as: other must be a torchlean tensor, got {type(other).__name__}")
        return self.session.cast(self, other.dtype)

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """``x.to(dtype)``, ``x.to(other)``, ``x.to(device)`` (the tensor's own device only: a
        tensor cannot leave its session), ``x.to(device, dtype)``; ``copy``/``non_blocking``
        are accepted."""
        return _to(self, *args, **kwargs)

    # -- metadata (torch.Tensor names) -----------------------------------------------------
    def dim(self) -> int:
        return len(self.type.shape)

    ndimension = dim

    def is_floating_point(self) -> bool:
        return self.type.dtype.kind == "f"

    def __bool__(self) -> bool:
        from .._core.errors import ShapeError

        raise ShapeError("bool: a traced tensor has no value at trace time (use where/masks)")


def _memory_format(op: str, memory_format: Any) -> None:
    """torch.preserve_format / torch.contiguous_format (or None): values have one layout here."""
    if memory_format is None or str(memory_format) in ("torch.preserve_format", "torch.contiguous_format"):
        return
    from .._core.errors import ArgumentError

    raise ArgumentError(f"{op}: memory_format must be torch.preserve_format or torch.contiguous_format "
                        f"(torchlean has one layout), got {memory_format!r:.60}")


def _to(x: Any, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
        non_blocking: bool = False, memory_format: Any = None, **extra: Any) -> Any:
    """torch's overloads: ``to(dtype, non_blocking, copy)``, ``to(device, dtype, non_blocking,
    copy)``, ``to(other, non_blocking, copy)``; anything else raises naming the argument."""
    from .._core.errors import ArgumentError, DeviceError
    from .._core.types import as_dtype

    if extra:
        raise ArgumentError(f"to: unexpected keyword arguments {sorted(extra)}")
    rest = list(args)
    if rest and isinstance(rest[0], CoreMethods):
        dtype = rest.pop(0).type.dtype
    elif rest and _is_device(rest[0]):
        device = rest.pop(0)
        if rest and rest[0].__class__ is not bool:
            dtype = rest.pop(0)
    elif rest and rest[0].__class__ is not bool:
        dtype = rest.pop(0)
    flags = {"non_blocking": non_blocking, "copy": copy}
    for name, v in zip(("non_blocking", "copy"), rest):
        flags[name] = v
    if len(rest) > 2:
        raise ArgumentError(f"to: too many positional arguments {args!r:.80}")
    for name, v in flags.items():
        if v.__class__ is not bool:
            raise ArgumentError(f"to: {name} must be a bool, got {type(v).__name__} {v!r:.40}")
    _memory_format("to", memory_format)
    if device is not None:
        if not _is_device(device):
            raise ArgumentError(f"to: device must be 'cpu' or 'cuda' (or a torch.device), got {device!r:.40}")
        want = str(getattr(device, "value", device)).split(":")[0].lower()
        have = _device_name(x)
        if want != have:
            raise DeviceError(f"to: the tensor lives on {have} in its session; a tensor cannot move "
                              f"to {want} (make the data an input of a {want} session instead)")
    if dtype is None:
        return x  # values are immutable: a copy would be indistinguishable
    return x.session.cast(x, as_dtype(dtype, "to"))


def _is_device(a: Any) -> bool:
    if not isinstance(a, str) and type(a).__name__ not in ("device", "Device"):
        return False
    name = str(getattr(a, "value", a)).split(":")[0].lower()
    return name in ("cpu", "cuda")


def _device_name(x: Any) -> str:
    dev = getattr(x, "device", None)
    return str(getattr(dev, "value", "cpu"))


def _mixins() -> tuple[type, ...]:
    from ..pt.index import IndexMethods
    from ..pt.math import MathMethods
    from ..pt.reduce import ReduceMethods
    from ..pt.shape import ShapeMethods

    return (MathMethods, ReduceMethods, ShapeMethods, IndexMethods, *_extra_mixins(), *_shape_extra_mixins(),
            *_linalg_mixins(), *_more_mixins())


def _extra_mixins() -> tuple[type, ...]:
    """The math family's additions (``pt/math_extra.py``, ``pt/reduce_extra.py``)."""
    from ..pt.math_extra_methods import MathExtraMethods
    from ..pt.reduce_extra import ReduceExtraMethods

    return MathExtraMethods, ReduceExtraMethods


def _shape_extra_mixins() -> tuple[type, ...]:
    """The shape family's additions (``pt/shape_extra.py``, ``pt/sorting.py``, ``pt/linalg_extra.py``,
    ``pt/index_extra.py``, ``pt/tensor_extra.py``)."""
    from ..pt.index_extra import IndexExtraMethods
    from ..pt.linalg_extra import LinalgExtraMethods
    from ..pt.shape_extra import ShapeExtraMethods
    from ..pt.sorting import SortingMethods
    from ..pt.tensor_extra import TensorExtraMethods

    return ShapeExtraMethods, SortingMethods, LinalgExtraMethods, IndexExtraMethods, TensorExtraMethods


def _linalg_mixins() -> tuple[type, ...]:
    """The linear-algebra methods (``pt/linalg_toplevel.py``: ``x.det()``, ``x.inverse()``...)."""
    from ..pt.linalg_toplevel import LinalgMethods

    return (LinalgMethods,)


def _more_mixins() -> tuple[type, ...]:
    """``pt/more_methods.py``: ``x.logaddexp``, ``x.lgamma``, ``x.erfinv``, ``x.unique``, ``x.nonzero``..."""
    from ..pt.more_methods import MoreMethods

    return (MoreMethods,)


class TensorMethods(CoreMethods, *_mixins()):  # type: ignore[misc]
    """Every tensor method: ``CoreMethods`` plus the family mixins of ``torchlean/pt``."""

    __slots__ = ()
