"""Session methods for checkpoints and interop: the random state and ``from_dlpack``.

``SessionState`` is a mixin of ``Session`` (its public methods then run in the session's
public-op frames like every other method: errors name the method, a failure changes nothing).

* ``rng_state()`` / ``set_rng_state(state)``: the session's random stream is ``(seed, counter)``
  (``torchlean/random.py``): every random op (``rand_uniform``, ``bernoulli_mask``, dropout)
  draws key ``splitmix64(seed + counter)`` and advances the counter by one. The state is the
  plain dict ``{"seed": int, "counter": int}``, which ``tl.save`` stores exactly; restoring it
  makes the following random ops repeat the numbers they gave after it was taken.
* ``from_dlpack(obj)``: a leaf from any DLPack producer (NumPy arrays, torch tensors, CuPy
  arrays; torchlean tensors are refused, as in ``input``), **without copying** when it already
  lives on the session's device with the tensor's dtype (floats: the session dtype, or
  ``dtype=``; integers int64; booleans bool) as a C-contiguous, aligned array. The tensor then
  **shares memory with the source**: writing into the source later changes the tensor (and what
  a backward through it reads); pass ``copy=True`` for an independent tensor. Otherwise the data
  is converted with the checks of ``input`` (a copy); ``copy=False`` raises instead, naming what
  differs. A CUDA source on a CPU session raises ``DeviceError``, as in ``input`` (no silent
  download); a host source on a CUDA session is uploaded (a copy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._core import convert
from .._core.current import set_last
from .._core.errors import ArgumentError, DeviceError, DTypeError
from ..interop import refuse_lazy_bits

_U64 = 1 << 64
_CUDA_DEVICE_TYPES = (2, 3, 13)  # kDLCUDA, kDLCUDAHost, kDLCUDAManaged
_CPU_DEVICE_TYPES = (1,)  # kDLCPU


class SessionState:
    """Mixin of ``Session``: ``rng_state``, ``set_rng_state``, ``from_dlpack``."""

    __slots__ = ()

    def rng_state(self) -> dict[str, int]:
        """The random state ``{"seed": ..., "counter": ...}`` (PyTorch's ``get_rng_state``):
        the seed of the stream and the counter the next random op uses."""
        return {"seed": int(self.options.seed), "counter": int(self.rng_counter)}  # type: ignore[attr-defined]

    get_rng_state = rng_state

    def set_rng_state(self, state: Mapping[str, Any]) -> None:
        """Restore a state from ``rng_state()`` (PyTorch's ``set_rng_state``): exactly the keys
        ``seed`` (an int >= 0) and ``counter`` (an int in [0, 2**64)); both are checked before
        either is set."""
        if not isinstance(state, Mapping):
            raise ArgumentError(f"set_rng_state: expected the dict rng_state() returns, got "
                                f"{type(state).__name__}")
        keys = set(state)
        if keys != {"seed", "counter"}:
            raise ArgumentError(f"set_rng_state: expected keys ['counter', 'seed'], got "
                                f"{sorted(map(str, keys))}")
        seed, counter = _int("seed", state["seed"]), _int("counter", state["counter"])
        if seed < 0:
            raise ArgumentError(f"set_rng_state: seed must be >= 0, got {seed}")
        if not 0 <= counter < _U64:
            raise ArgumentError(f"set_rng_state: counter must be in [0, 2**64), got {counter}")
        self.options.seed = seed  # type: ignore[attr-defined]  # each session owns its Options copy
        self.rng_counter = counter

    def from_dlpack(self, obj: Any, name: str | None = None, requires_grad: bool = False,
                    dtype: Any = None, copy: bool | None = None) -> Any:
        """A leaf holding ``obj``'s data, zero-copy when device, dtype and layout match (see the
        module docstring: the tensor then shares memory with ``obj``). ``copy=True`` always
        copies, ``copy=False`` never does (raises if a copy is needed)."""
        if copy is not None and not isinstance(copy, (bool, np.bool_)):
            raise ArgumentError(f"from_dlpack: copy must be None, True or False, got {copy!r}")
        if getattr(obj, "__torchlean_tensor__", False):
            raise DTypeError("from_dlpack: got a torchlean tensor; use it directly (ops take "
                             "tensors), or pass x.detach() / x.numpy() to start a new leaf")
        if not hasattr(obj, "__dlpack__") or not hasattr(obj, "__dlpack_device__"):
            raise ArgumentError(f"from_dlpack: expected an object with __dlpack__ and "
                                f"__dlpack_device__ (a NumPy array, torch tensor, CuPy array...), "
                                f"got {type(obj).__name__}")
        refuse_lazy_bits("from_dlpack", obj)
        target = None if dtype is None else convert.requested_dtype(dtype, "from_dlpack")
        dev_type, dev_id = (int(v) for v in obj.__dlpack_device__())
        backend = self._backend  # type: ignore[attr-defined]
        on_cuda = backend.device.value == "cuda"
        if dev_type in _CUDA_DEVICE_TYPES:
            if not on_cuda:
                raise DeviceError(f"from_dlpack: got a CUDA array ({type(obj).__name__}) but this "
                                  "session runs on cpu; download it explicitly or use a cuda session")
            xp = backend.xp
            here = int(xp.cuda.Device().id)
            if dev_id != here:
                raise DeviceError(f"from_dlpack: the array is on cuda:{dev_id} but this session "
                                  f"runs on cuda:{here}")
            arr, same_device = xp.from_dlpack(obj), True
        elif dev_type in _CPU_DEVICE_TYPES:
            arr, same_device = _host_view(obj), not on_cuda
        else:
            raise DeviceError(f"from_dlpack: DLPack device type {dev_type} is neither the host "
                              "nor CUDA")
        src = np.dtype(arr.dtype)
        if src.kind not in "biuf":
            raise DTypeError(f"from_dlpack: expected numeric data (float, int or bool), got {src.name}")
        want = target if target is not None else convert.default_dtype(src, self.dtype)  # type: ignore[attr-defined]
        mismatch = _mismatch(arr, same_device, src, want, backend.device.value)
        if copy is not True and not mismatch:
            value = arr if on_cuda or type(arr) is np.ndarray else arr.view(np.ndarray)
        elif copy is False:
            raise ArgumentError(f"from_dlpack: copy=False but a copy is needed: {mismatch}")
        elif on_cuda and same_device:
            value = convert.device_cast(backend.xp, "from_dlpack: obj", arr, want)
        else:
            host = convert.host_array(arr, "from_dlpack", "obj", want)
            value = host if not on_cuda else backend.asarray(host, host.dtype)
        if requires_grad and value.dtype.kind != "f":
            raise DTypeError(f"from_dlpack: only float tensors can require a gradient, got "
                             f"{np.dtype(value.dtype).name}")
        set_last(self)
        return self._leaf(value, bool(requires_grad), name)  # type: ignore[attr-defined]


def _host_view(obj: Any) -> np.ndarray:
    try:
        return np.from_dlpack(obj)
    except (BufferError, RuntimeError, TypeError, ValueError) as e:
        raise ArgumentError(f"from_dlpack: cannot read {type(obj).__name__} through DLPack: {e}") from None


def _mismatch(arr: Any, same_device: bool, src: np.dtype, want: np.dtype, device: str) -> str:
    """Why ``arr`` cannot be used as it is ('' when it can)."""
    if not same_device:
        return f"the data is on another device than the session ({device})"
    if src != want:
        return f"the data is {src.name} but the tensor is {want.name}"
    flags = arr.flags
    if not flags.c_contiguous:
        return "the data is not C-contiguous"
    if not getattr(flags, "aligned", True):
        return "the data is not aligned"
    return ""


def _int(what: str, v: Any) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise ArgumentError(f"set_rng_state: {what} must be an int, got {type(v).__name__} {v!r:.40}")
    return int(v)
