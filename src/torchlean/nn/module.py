"""``torchlean.nn.Module``: a container of parameters, buffers and submodules, named as PyTorch.

A module is not tied to a session: its ``Param``s join the tape of the input's session when a
layer passes them to an op (once per step), and the same module runs eagerly or traced
(``tl.compile``). Attribute assignment registers a ``Param`` as a parameter, a ``Buffer`` as a
buffer and a ``Module`` as a submodule, so ``state_dict`` keys are PyTorch's for the same
architecture (``fc1.weight``, ``layers.0.norm1.bias``, ``bn.running_mean``): a torch model's
state dict loads directly (torch tensors are accepted) and ours loads into torch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .._core import convert
from .._core.current import _stack as current_stack
from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.types import as_dtype, float_dtype
from ..params import Buffer, Param
from . import hooks as _hooks


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns (as torch): keys the module wanted but did not get,
    and keys it got but does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model (PyTorch's ``nn.Module``)."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration ----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise ArgumentError(f"{type(self).__name__}: call super().__init__() before assigning "
                                f"attributes (assigning {name!r})")
        if not isinstance(value, (Param, Module)):  # PyTorch's rules for a registered name
            cls = type(self).__name__
            if name in self._parameters:
                if value is not None:
                    raise DTypeError(f"{cls}: cannot assign {type(value).__name__} as parameter {name!r} "
                                     "(nn.Parameter or None expected)")
                self._parameters[name] = None
                return
            if name in self._modules:
                if value is not None:
                    raise DTypeError(f"{cls}: cannot assign {type(value).__name__} as child module {name!r} "
                                     "(nn.Module or None expected)")
                self._modules[name] = None
                return
            if name in self._buffers:  # a new value for the buffer (array data or None)
                old = self._buffers[name]
                self._buffers[name] = None if value is None else Buffer(
                    value, persistent=getattr(old, "persistent", True))
                return
        for d in (self._parameters, self._buffers, self._modules):
            d.pop(name, None)
        if isinstance(value, Buffer):
            self._buffers[name] = value
        elif isinstance(value, Param):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for d in (self._parameters, self._buffers, self._modules):
            if name in d:
                del d[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Param | None) -> None:
        """Register ``param`` (or None: a declared, absent parameter, as an absent bias)."""
        _check_name("register_parameter", name)
        if param is not None and (not isinstance(param, Param) or isinstance(param, Buffer)):
            raise DTypeError(f"register_parameter: {name!r} must be a Param or None, got {type(param).__name__}")
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register state that is not trained (a ``Buffer``, or data made into one; None for
        an absent buffer). Non-persistent buffers are left out of ``state_dict``."""
        _check_name("register_buffer", name)
        if tensor is not None and not isinstance(tensor, Buffer):
            tensor = Buffer(tensor.value if isinstance(tensor, Param) else tensor, name=name)
        if tensor is not None:
            tensor.persistent = bool(persistent)
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor

    def add_module(self, name: str, module: Module | None) -> None:
        _check_name("add_module", name)
        if module is not None and not isinstance(module, Module):
            raise DTypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        self.__dict__.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    # -- traversal -------------------------------------------------------------------------
    def named_modules(self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        # named_modules' order (depth first, each module once) without building the names:
        # trainers walk the tree every step
        memo: set[int] = set()
        stack: list[Module] = [self]
        while stack:
            m = stack.pop()
            if id(m) in memo:
                continue
            memo.add(id(m))
            yield m
            children = [c for c in m._modules.values() if c is not None]
            children.reverse()
            stack += children

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named(self, store: str, prefix: str, recurse: bool, remove_duplicate: bool
               ) -> Iterator[tuple[str, Param]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, p in getattr(m, store).items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield (f"{mprefix}.{name}" if mprefix else name), p

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                         ) -> Iterator[tuple[str, Param]]:
        yield from self._named("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Param]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Buffer]]:
        yield from self._named("_buffers", prefix, recurse, remove_duplicate)  # type: ignore[misc]

    def buffers(self, recurse: bool = True) -> Iterator[Buffer]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and utilities ---------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ArgumentError(f"train: mode must be a bool, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        if not isinstance(requires_grad, bool):  # as torch (and Param.requires_grad_)
            raise ArgumentError(f"{type(self).__name__}.requires_grad_: requires_grad must be a bool, got "
                                f"{type(requires_grad).__name__} {requires_grad!r:.60}")
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (``set_to_none=False`` writes zeros, as torch)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = p.grad * 0

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """``fn`` on every submodule (children first) and then on this module, as torch."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)`` converts every float parameter and buffer (float32 <-> float64);
        ``to(device)`` is accepted and changes nothing: parameters follow the session they are
        used in (each keeps a mirror per device)."""
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise ArgumentError(f"to: unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            name = str(getattr(a, "value", a)).split(":")[0].lower()
            if name not in ("cpu", "cuda"):
                dtype = a
        if dtype is not None:
            dt = float_dtype(as_dtype(dtype, "to"), "to")
            for t in (*self.parameters(), *self.buffers()):
                if t.dtype.kind == "f" and t.dtype != dt:
                    _retype(t, dt)
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        return self

    # -- state -----------------------------------------------------------------------------
    def state_dict(self, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Any]:
        """Parameters and persistent buffers by PyTorch's names: host NumPy copies (the
        ``Param``/``Buffer`` objects themselves with ``keep_vars=True``)."""
        out: dict[str, Any] = OrderedDict() if destination is None else destination
        for mprefix, m in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            for name, p in m._parameters.items():
                if p is not None:
                    out[_join(mprefix, name)] = p if keep_vars else p.value.copy()
            for name, b in m._buffers.items():
                if b is not None and b.persistent:
                    out[_join(mprefix, name)] = b if keep_vars else b.value.copy()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
                        ) -> IncompatibleKeys:
        """Copy values into the parameters and buffers by name; torch tensors, NumPy arrays and
        anything the input boundary accepts. Everything is checked (keys when ``strict``, every
        shape, every value's kind) before anything is written: a failed load changes nothing.
        Values are cast to the parameter's dtype as torch's ``copy_`` does (float64 data into a
        float32 parameter is rounded; float data into an int64 buffer raises)."""
        op = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise ArgumentError(f"{op}: expected a mapping of names to tensors, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise ArgumentError(f"{op}: missing keys {missing}, unexpected keys {unexpected}")
        staged = []
        for k, target in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            v = v.value if isinstance(v, Param) else v
            arr = convert.host_array(v, op, repr(k), target.dtype)
            if arr.shape != target.shape:
                raise ShapeError(f"{op}: {k!r} has shape {arr.shape} in the state dict, the module's is "
                                 f"{target.shape}")
            staged.append((target, arr))
        for target, arr in staged:  # nothing above changed the module
            target.set_value(arr)
        return IncompatibleKeys(missing, unexpected)

    # -- calling ---------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``forward``, with the inputs' binder made current: a parameter used on its own inside
        (``self.weight.t()``) records on the session (or trace) of the tensors it was called on;
        and with the module's forward hooks, if any (``nn/hooks.py``)."""
        hooks = self.__dict__.get("_hooks")
        if hooks:
            return _hooks.call(self, hooks, args, kwargs)
        return self._call(args, kwargs)

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> _hooks.RemovableHandle:
        """``hook(module, args)`` (or ``hook(module, args, kwargs)``) before each ``forward``;
        a non-None result replaces the arguments. Returns a handle whose ``remove()`` undoes it."""
        return _hooks.register(self, "pre", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False) -> _hooks.RemovableHandle:
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) after each
        ``forward``; a non-None result replaces the output."""
        return _hooks.register(self, "forward", hook, prepend, with_kwargs, always_call)

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` (``""`` is this module)."""
        m: Module = self
        if target == "":
            return m
        for i, name in enumerate(target.split(".")):
            child = m._modules.get(name) if isinstance(m, Module) else None
            if child is None:
                raise ArgumentError(f"get_submodule: {type(m).__name__} has no submodule "
                                    f"{'.'.join(target.split('.')[:i + 1])!r}")
            m = child
        return m

    def get_parameter(self, target: str) -> Param:
        """The parameter at the dotted path ``target`` (``"layer.0.weight"``)."""
        return self._get_leaf("get_parameter", "_parameters", "a parameter", target)

    def get_buffer(self, target: str) -> Buffer:
        """The buffer at the dotted path ``target`` (``"bn.running_mean"``)."""
        return self._get_leaf("get_buffer", "_buffers", "a buffer", target)

    def _get_leaf(self, op: str, store: str, what: str, target: str) -> Any:
        mod, _, name = target.rpartition(".")
        leaf = getattr(self.get_submodule(mod), store).get(name)
        if leaf is None:
            raise ArgumentError(f"{op}: {target!r} is not {what}")
        return leaf

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        binder = _binder_of(args, kwargs)
        if binder is None:
            return self.forward(*args, **kwargs)
        note = getattr(binder, "note_module", None)  # a trace records the modules it calls
        if note is not None:
            note(self)
        stack = current_stack  # active(binder), inlined: one module call per layer per step
        if stack and stack[-1] is binder:  # a submodule: its parent made the binder current
            return self.forward(*args, **kwargs)
        stack.append(binder)
        begin = getattr(binder, "_begin_call", None)  # the eager session: a failed call changes nothing
        token = None if begin is None else begin()
        try:
            return self.forward(*args, **kwargs)
        except BaseException:
            if token is not None:
                binder._abort_call(token)
            raise
        finally:
            if token is not None:
                binder._end_call(token)
            stack.pop()

    # -- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._parameters, *self._buffers, *self._modules})


def _binder_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if args and not kwargs:  # the common call: module(x)
        a = args[0]
        if a.__class__ is not Param and getattr(a, "__torchlean_tensor__", False):
            return a.session
    for v in (*args, *kwargs.values()) if kwargs else args:
        if getattr(v, "__torchlean_tensor__", False) and not isinstance(v, Param):
            return v.session
        if isinstance(v, (list, tuple)):
            for u in v:
                if getattr(u, "__torchlean_tensor__", False) and not isinstance(u, Param):
                    return u.session
    return None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_name(op: str, name: Any) -> None:
    if not isinstance(name, str) or not name or "." in name:
        raise ArgumentError(f"{op}: a name must be a non-empty string without '.', got {name!r}")


def _retype(t: Param, dtype: np.dtype) -> None:
    """Convert a parameter or buffer to another float dtype in place (its gradient is dropped)."""
    value = t.value.astype(dtype)
    t._host, t._host_current, t.dtype = value, True, dtype
    t._mirror = t._mirror_backend = None
    t.grad = None
