"""PyTorch and DLPack interop: whole state dicts to and from torch, and the DLPack export.

``to_torch(obj)`` and ``from_torch(obj)`` walk nested dicts (``dict`` and ``OrderedDict``, any
keys), lists and tuples and convert the tensors they hold, leaving everything else (numbers,
strings, None, ...) as it is, so a model's or an optimizer's state dict converts in one call:

* ``to_torch``: NumPy arrays become CPU tensors **sharing their memory** (``torch.from_numpy``;
  a read-only array is copied, since torch tensors are writable); CuPy arrays and ``TensorRef``
  values become tensors on their own device through DLPack, also sharing memory; a ``Param`` or
  ``Buffer`` gives its current host value (``p.value``, syncing a device mirror), shared until an
  optimizer step replaces that array. Torch tensors pass through.
* ``from_torch``: CPU tensors become NumPy arrays **sharing their memory** (detached first, so a
  parameter that requires a gradient works); CUDA tensors are downloaded (a copy), since
  ``load_state_dict``/``Param`` take host data. ``bfloat16`` has no NumPy dtype and raises
  (convert with ``.float()``); other torch dtypes keep their NumPy equivalent. NumPy arrays pass
  through.

torch is imported inside these two functions only: importing torchlean never imports torch.

``export_dlpack`` is the DLPack producer behind ``TensorRef.__dlpack__``: it hands the
consumer (``torch.from_dlpack``, ``np.from_dlpack``, ``cupy.from_dlpack``) the tensor's own
array, so the result shares memory with the tensor, on the tensor's device. Writing into the
consumer's view changes the tensor, and the values a later ``backward`` reads (as with any
DLPack exchange). ``refuse_traced_dlpack`` is the method a traced value (``Var``) uses instead:
it has no value to export.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from ._core.errors import ArgumentError, DeviceError, DTypeError, InvalidRefError
from ._core.guard import guard

__all__ = ["export_dlpack", "from_torch", "refuse_lazy_bits", "refuse_traced_dlpack", "to_torch"]


def export_dlpack(value: Any, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                  copy: Any = None) -> Any:
    """A DLPack capsule of ``value`` (a NumPy or CuPy array, or a NumPy scalar), zero-copy.

    The keywords are checked first (errors name ``__dlpack__``): ``stream`` must be None for a
    host tensor (streams are CUDA's), ``dl_device`` None or the tensor's own device (no
    cross-device export: ``DeviceError``), ``copy`` None or a bool, ``max_version`` None or a
    ``(major, minor)`` tuple. Only the keywords the consumer gave are passed on, so producers
    that predate DLPack 1.0 still answer consumers that retry without ``max_version`` on
    ``TypeError`` (a refusal from the array is an ``ArgumentError``, also a ``TypeError``)."""
    if isinstance(value, np.generic):  # some kernels return NumPy scalars for 0-d results
        value = np.asarray(value)
    here = _device_pair(value.__dlpack_device__()) if hasattr(value, "__dlpack_device__") else (1, 0)
    if copy is not None and not isinstance(copy, (bool, np.bool_)):
        raise ArgumentError(f"__dlpack__: copy must be None, True or False, got {copy!r:.40}")
    if max_version is not None and _device_pair(max_version) is None:
        raise ArgumentError(f"__dlpack__: max_version must be None or a (major, minor) tuple of ints, "
                            f"got {max_version!r:.40}")
    if dl_device is not None:
        want = _device_pair(dl_device)
        if want is None:
            raise ArgumentError(f"__dlpack__: dl_device must be None or a (device type, device id) "
                                f"tuple of ints, got {dl_device!r:.40}")
        if want != here:
            raise DeviceError(f"__dlpack__: dl_device={want} is not supported: the tensor is on "
                              f"{_device_name(here)} (DLPack device {here}) and exports only there; "
                              f"pass dl_device=None or {here}, or move the data first")
    if stream is not None and here[0] == 1:
        raise ArgumentError(f"__dlpack__: stream must be None for a host (cpu) tensor, got "
                            f"{stream!r:.40} (streams are for CUDA tensors)")
    kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version),
                                ("dl_device", dl_device), ("copy", None if copy is None else bool(copy)))
              if v is not None}
    try:
        return value.__dlpack__(**kwargs)
    except (BufferError, RuntimeError, TypeError, ValueError, AssertionError) as e:
        raise ArgumentError(f"__dlpack__: the {_device_name(here)} array refused the export with "
                            f"{sorted(kwargs)}: {e} ({type(e).__name__})") from e


def _device_pair(v: Any) -> tuple[int, int] | None:
    """``v`` as a pair of ints (a DLPack device or version), or None."""
    if not isinstance(v, tuple) or len(v) != 2:
        return None
    if any(isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) for x in v):
        return None
    return int(v[0]), int(v[1])


def _device_name(dev: tuple[int, int]) -> str:
    names = {1: "cpu", 2: "cuda", 3: "cuda (pinned host)", 13: "cuda (managed)"}
    return f"{names[dev[0]]}:{dev[1]}" if dev[0] in names else f"DLPack device type {dev[0]}"


def refuse_lazy_bits(op: str, obj: Any) -> None:
    """Refuse a torch tensor whose negative or conjugate bit is set (``t._neg_view()``,
    ``t.conj()``): DLPack carries the memory without the bit, so a consumer would read the
    values un-negated. Duck-typed (the type's module, ``is_neg``/``is_conj``): no torch import.
    ``op`` "" leaves the name to the public op's frame around the caller."""
    if type(obj).__module__.split(".", 1)[0] != "torch":
        return
    for bit, method, fix in (("negative", "is_neg", "resolve_neg"), ("conjugate", "is_conj", "resolve_conj")):
        test = getattr(obj, method, None)
        if callable(test) and test() is True:
            head = f"{op}: " if op else ""
            raise ArgumentError(f"{head}cannot read {type(obj).__name__} through DLPack: it has the "
                                f"{bit} bit set (DLPack would drop it and give other values); pass "
                                f"t.{fix}() instead")


def refuse_traced_dlpack(self: Any, *args: Any, **kwargs: Any) -> Any:
    """``Var.__dlpack__``/``Var.__dlpack_device__``: a traced value has no data to export."""
    raise InvalidRefError(f"__dlpack__: {self!r} is a traced value inside tl.compile / compile_scalar: it "
                          "has no data at trace time, so torch.from_dlpack / np.from_dlpack cannot read "
                          "it; return it from the compiled function and convert the result")


def _is_torch_tensor(v: Any) -> bool:
    cls = type(v)
    return cls.__module__.split(".", 1)[0] == "torch" and hasattr(v, "detach") and hasattr(v, "numpy")


def _where(path: tuple[Any, ...]) -> str:
    return "obj" + "".join(f"[{k!r}]" for k in path)


def _walk(obj: Any, leaf: Any, path: tuple[Any, ...], active: set[int]) -> Any:
    """Rebuild the containers of ``obj`` (same types, same key order), mapping ``leaf``."""
    cls = type(obj)
    if cls in (dict, OrderedDict, list, tuple):
        if id(obj) in active:
            raise ArgumentError(f"{_where(path)} contains itself (a cycle); state dicts are trees")
        active.add(id(obj))
        try:
            if cls is dict or cls is OrderedDict:
                return cls((k, _walk(v, leaf, (*path, k), active)) for k, v in obj.items())
            return cls(_walk(v, leaf, (*path, i), active) for i, v in enumerate(obj))
        finally:
            active.discard(id(obj))
    return leaf(obj, path)


@guard("to_torch")
def to_torch(obj: Any) -> Any:
    """``obj`` (a state dict, or any nesting of dicts, lists and tuples) with every torchlean
    tensor, NumPy and CuPy array converted to a ``torch.Tensor``, zero-copy where possible (see
    the module docstring); other values are kept."""
    import torch

    from .eager.tensor import TensorRef
    from .frontend.tensor_methods import TensorMethods
    from .params import Param

    def leaf(v: Any, path: tuple[Any, ...]) -> Any:
        if isinstance(v, torch.Tensor):
            return v
        if isinstance(v, Param):
            return _numpy_to_torch(torch, v.value, path)
        if isinstance(v, TensorRef):
            return torch.from_dlpack(v)
        if isinstance(v, TensorMethods):  # a traced Var
            raise InvalidRefError(f"{_where(path)}: a traced value has no data; convert the "
                                  "compiled function's results instead")
        if isinstance(v, np.ndarray):
            return _numpy_to_torch(torch, v, path)
        if hasattr(v, "__cuda_array_interface__") and hasattr(v, "__dlpack__"):  # CuPy
            return torch.from_dlpack(v)
        return v

    return _walk(obj, leaf, (), set())


def _numpy_to_torch(torch: Any, arr: np.ndarray, path: tuple[Any, ...]) -> Any:
    if type(arr) is not np.ndarray:
        arr = arr.view(np.ndarray)
    if arr.dtype.kind not in "biuf":
        raise DTypeError(f"to_torch: {_where(path)} is a NumPy array of {arr.dtype.name}, not numeric")
    if not arr.flags.writeable or not arr.dtype.isnative:
        arr = np.array(arr, dtype=arr.dtype.newbyteorder("="), copy=True)
    return torch.from_numpy(arr)


@guard("from_torch")
def from_torch(obj: Any) -> Any:
    """``obj`` (e.g. ``torch_model.state_dict()`` or an optimizer's) with every ``torch.Tensor``
    converted to a NumPy array (sharing memory with CPU tensors, see the module docstring);
    other values are kept."""
    import torch

    def leaf(v: Any, path: tuple[Any, ...]) -> Any:
        if not isinstance(v, torch.Tensor):
            return v
        t = v.detach()
        if t.layout is not torch.strided:
            raise ArgumentError(f"from_torch: {_where(path)} is a {t.layout} tensor; only dense "
                                "(strided) tensors convert (call .to_dense() first)")
        if t.dtype is torch.bfloat16 or t.is_complex() or (t.dtype.is_floating_point and t.element_size() < 2):
            raise DTypeError(f"from_torch: {_where(path)} is a {t.dtype} tensor, which has no "
                             "NumPy dtype torchlean reads; convert it first (e.g. .float())")
        try:
            if t.device.type != "cpu":
                t = t.cpu()
            return t.resolve_conj().resolve_neg().numpy()
        except RuntimeError as e:  # quantized, meta, ... tensors
            raise ArgumentError(f"from_torch: {_where(path)}: cannot read the {t.dtype} tensor on "
                                f"{t.device} as a NumPy array: {e}") from None

    return _walk(obj, leaf, (), set())
