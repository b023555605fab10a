"""The checkpoint tree: a Python object as JSON plus named tensors, and back.

``pack(obj)`` returns ``(tree, tensors)``: ``tensors`` maps names to C-contiguous NumPy arrays
(what the safetensors part of the file holds) and ``tree`` is a JSON value describing ``obj``:

=====================  =====================================================================
Python value           JSON
=====================  =====================================================================
None, bool, str        null, true/false, a string
int                    a JSON integer (any size)
float                  a JSON number (Python's shortest repr, which reads back bit for bit);
                       ``{"float": "inf"}``, ``{"float": "-inf"}``, ``{"float": "nan:<16 hex
                       digits of the IEEE bits>"}``
list                   an array of items
tuple                  ``{"tuple": [items]}``
dict / OrderedDict     ``{"dict": [[key, value], ...]}`` / ``{"odict": [...]}``: keys are str
                       or int (JSON keeps which), in order
tensor                 ``{"tensor": name}``; a NumPy scalar ``{"scalar": name}`` (a 0-d tensor)
=====================  =====================================================================

A tensor is named after its path (``model.fc1.weight``, ``state.0.exp_avg``; the keys of a flat
``{str: tensor}`` dict are the names themselves, so ``safetensors.torch.load_file`` reads such a
dict back as it was), with ``#2``, ``#3``... appended on a clash. The same object met twice is
stored once and loads as one array. Tensors are NumPy arrays, NumPy scalars, ``Param`` /
``Buffer`` (their host value), ``TensorRef`` (its value), torch tensors (detached, downloaded
from a GPU) and CuPy arrays (downloaded); they all load as NumPy arrays of the same dtype and
shape (in native byte order).
"""

from __future__ import annotations

import math
import struct
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DeviceError, DTypeError, InvalidRefError

# NumPy dtypes a checkpoint stores, with their safetensors names.
ST_DTYPES = {
    "bool": "BOOL", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64",
    "uint8": "U8", "uint16": "U16", "uint32": "U32", "uint64": "U64",
    "float16": "F16", "float32": "F32", "float64": "F64",
}
NP_DTYPES = {v: np.dtype(k) for k, v in ST_DTYPES.items()}
RESERVED = "__metadata__"
MAX_DEPTH = 200  # containers nested deeper are refused by save (and by load, in a file)


def where(path: tuple[Any, ...]) -> str:
    return "obj" + "".join(f"[{k!r}]" for k in path)


class Packer:
    """Walks one object for ``save``; raises before anything is written."""

    def __init__(self) -> None:
        self.tensors: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}  # id(source object) -> tensor name
        self._alive: list[Any] = []  # keeps the sources alive, so their ids stay unique
        self._active: set[int] = set()  # containers on the current path (cycle check)

    def pack(self, obj: Any, path: tuple[Any, ...] = ()) -> Any:
        cls = type(obj)
        if obj is None or cls is bool or cls is str:
            return obj
        if cls is int:
            if obj.bit_length() > 14_000:  # beyond Python's 4300-digit int/str conversion limit
                raise ArgumentError(f"save: {where(path)} is an int of {obj.bit_length()} bits, too "
                                    "large to store (store it as bytes or a string)")
            return obj
        if cls is float:
            return _float(obj)
        if cls in (list, tuple, dict, OrderedDict):
            return self._container(obj, path)
        return self._tensor(obj, path)

    def _container(self, obj: Any, path: tuple[Any, ...]) -> Any:
        if len(path) >= MAX_DEPTH:
            shown = where(path[:8]) + ("..." if len(path) > 8 else "")
            raise ArgumentError(f"save: {shown} is a container nested more than {MAX_DEPTH} deep; a "
                                f"checkpoint holds at most {MAX_DEPTH} levels of dicts, lists and tuples")
        if id(obj) in self._active:
            raise ArgumentError(f"save: {where(path)} contains itself (a cycle); a checkpoint is a tree")
        self._active.add(id(obj))
        try:
            if type(obj) is list:
                return [self.pack(v, (*path, i)) for i, v in enumerate(obj)]
            if type(obj) is tuple:
                return {"tuple": [self.pack(v, (*path, i)) for i, v in enumerate(obj)]}
            items = []
            for k, v in obj.items():
                if type(k) not in (str, int):
                    raise ArgumentError(f"save: {where(path)} has a key {k!r:.40} of type "
                                        f"{type(k).__name__}; dict keys must be str or int")
                items.append([k, self.pack(v, (*path, k))])
            return {"dict" if type(obj) is dict else "odict": items}
        finally:
            self._active.discard(id(obj))

    def _tensor(self, obj: Any, path: tuple[Any, ...]) -> Any:
        tag = "scalar" if isinstance(obj, np.generic) else "tensor"
        name = self._names.get(id(obj))
        if name is None:
            arr = as_array(obj, path)
            name = self._name(path)
            self.tensors[name] = arr
            self._names[id(obj)] = name
            self._alive.append(obj)
        return {tag: name}

    def _name(self, path: tuple[Any, ...]) -> str:
        base = ".".join(str(k) for k in path) or "tensor"
        name, n = base, 1
        while name in self.tensors or name == RESERVED:
            n += 1
            name = f"{base}#{n}"
        return name


def _float(x: float) -> Any:
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return {"float": "nan:" + struct.pack(">d", x).hex()}
    return {"float": "inf" if x > 0 else "-inf"}


def as_array(obj: Any, path: tuple[Any, ...]) -> np.ndarray:
    """A tensor leaf as a C-contiguous NumPy array in native byte order, or a clear error."""
    arr = _read_tensor(obj, path)
    if type(arr) is not np.ndarray:
        arr = arr.view(np.ndarray)
    if arr.dtype.name not in ST_DTYPES:
        raise DTypeError(f"save: {where(path)} is an array of {arr.dtype}; a checkpoint stores bool, "
                         "(u)int8-64 and float16/32/64 arrays")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr if arr.flags.c_contiguous else arr.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)


def _read_tensor(obj: Any, path: tuple[Any, ...]) -> Any:
    from ..eager.tensor import TensorRef
    from ..frontend.tensor_methods import TensorMethods
    from ..params import Param

    if isinstance(obj, np.ndarray):
        if isinstance(obj, np.ma.MaskedArray):
            raise DTypeError(f"save: {where(path)} is a masked array; save .filled(...) and the mask")
        return obj
    if isinstance(obj, np.generic):
        return np.asarray(obj)
    if isinstance(obj, Param):
        return obj.value
    if isinstance(obj, TensorRef):
        return obj.numpy()
    if isinstance(obj, TensorMethods):
        raise InvalidRefError(f"save: {where(path)} is a traced value, which has no data; save the "
                              "compiled function's results")
    mod = type(obj).__module__.split(".", 1)[0]
    if mod == "torch" and hasattr(obj, "detach"):
        return _torch_array(obj, path)
    if hasattr(obj, "__cuda_array_interface__") and callable(getattr(obj, "get", None)):
        return obj.get()  # a CuPy array: checkpoints read device data back explicitly
    if hasattr(obj, "__dlpack__") and hasattr(obj, "__dlpack_device__"):
        if int(obj.__dlpack_device__()[0]) != 1:
            raise DeviceError(f"save: {where(path)} is a {type(obj).__name__} on a device; copy it "
                              "to the host first")
        return np.from_dlpack(obj)
    raise ArgumentError(f"save: {where(path)} is a {type(obj).__name__}; a checkpoint holds dicts "
                        "(str or int keys), lists, tuples, tensors, int, float, bool, str and None")


def _torch_array(obj: Any, path: tuple[Any, ...]) -> np.ndarray:
    t = obj.detach()
    if str(t.dtype) == "torch.bfloat16":
        raise DTypeError(f"save: {where(path)} is a bfloat16 tensor, which NumPy cannot hold; "
                         "convert it first (.float())")
    try:
        if t.device.type != "cpu":
            t = t.cpu()
        return t.resolve_conj().resolve_neg().numpy()
    except (RuntimeError, TypeError) as e:
        raise ArgumentError(f"save: {where(path)}: cannot read the {t.dtype} tensor: {e}") from None


class Unpacker:
    """Rebuilds an object from its tree; ``fetch(name)`` reads one tensor of the file."""

    def __init__(self, fetch: Callable[[str], np.ndarray], bad: Callable[[str], Exception]) -> None:
        self._fetch, self._bad = fetch, bad
        self._cache: dict[str, np.ndarray] = {}

    def unpack(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self._bad(f"the tree is nested more than {MAX_DEPTH} deep")
        if node is None or type(node) in (bool, int, str, float):
            return node
        if type(node) is list:
            return [self.unpack(v, depth + 1) for v in node]
        if type(node) is not dict or len(node) != 1:
            raise self._bad(f"unexpected tree node {str(node)[:60]}")
        (tag, body), = node.items()
        if tag == "tuple" and type(body) is list:
            return tuple(self.unpack(v, depth + 1) for v in body)
        if tag in ("dict", "odict") and type(body) is list:
            out: dict[Any, Any] = {} if tag == "dict" else OrderedDict()
            for item in body:
                if type(item) is not list or len(item) != 2 or type(item[0]) not in (str, int):
                    raise self._bad(f"bad dict entry {str(item)[:60]}")
                out[item[0]] = self.unpack(item[1], depth + 1)
            return out
        if tag in ("tensor", "scalar") and type(body) is str:
            arr = self._cache.get(body)
            if arr is None:
                arr = self._cache[body] = self._fetch(body)
            if tag == "scalar":
                if arr.shape != ():
                    raise self._bad(f"scalar {body!r} has shape {arr.shape}")
                return arr[()]
            return arr
        if tag == "float" and type(body) is str:
            return _read_float(body, self._bad)
        raise self._bad(f"unexpected tree node {str(node)[:60]}")


def _read_float(body: str, bad: Callable[[str], Exception]) -> float:
    if body in ("inf", "-inf"):
        return float(body)
    if body.startswith("nan:") and len(body) == 20:
        try:
            return struct.unpack(">d", bytes.fromhex(body[4:]))[0]
        except ValueError:
            pass
    raise bad(f"bad float {body!r}")
