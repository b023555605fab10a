"""Container modules with PyTorch's names and key layouts: ``Sequential``, ``ModuleList``,
``ModuleDict``, ``ParameterList``, ``ParameterDict``. Children are named ``"0"``, ``"1"``...
(or by their keys), so state-dict keys match torch's (``layers.0.weight``)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .._core.errors import ArgumentError, DTypeError
from ..params import Param
from .module import Module


def _index(op: str, i: Any, n: int) -> int:
    if not isinstance(i, int) or isinstance(i, bool):
        raise ArgumentError(f"{op}: index must be an int, got {i!r}")
    if not -n <= i < n:
        raise ArgumentError(f"{op}: index {i} is out of range for {n} items")
    return i % n


def _module(op: str, m: Any) -> Module:
    if not isinstance(m, Module):
        raise DTypeError(f"{op}: expected a Module, got {type(m).__name__}")
    return m


def _renumber(container: Module, mods: list[Module]) -> None:
    """Children keyed ``0``, ``1``... in order (what PyTorch's containers do after a removal)."""
    object.__setattr__(container, "_modules", OrderedDict((str(k), m) for k, m in enumerate(mods)))


def _delete(container: Module, op: str, i: int | slice) -> None:
    mods = list(container._modules.values())
    if isinstance(i, slice):
        del mods[i]
    else:
        del mods[_index(op, i, len(mods))]
    _renumber(container, mods)


def _insert(container: Module, op: str, index: int, module: Module) -> None:
    mods = list(container._modules.values())
    if not isinstance(index, int) or isinstance(index, bool) or not -len(mods) <= index <= len(mods):
        raise ArgumentError(f"{op}.insert: index {index!r} is out of range for {len(mods)} items")
    mods.insert(index, _module(f"{op}.insert", module))
    _renumber(container, mods)


class Sequential(Module):
    """Modules applied in order: ``Sequential(a, b, c)`` or ``Sequential(OrderedDict(...))``."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                if not isinstance(m, Module):
                    raise DTypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module")
                self.add_module(str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, i: int | slice) -> Any:
        mods = list(self._modules.items())
        if isinstance(i, slice):
            return Sequential(OrderedDict(mods[i]))
        return mods[_index("Sequential", i, len(mods))][1]

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), module)
        return self

    def __setitem__(self, i: int, module: Module) -> None:
        """Replace the module at position ``i`` (its key stays)."""
        key = list(self._modules)[_index("Sequential", i, len(self._modules))]
        self.add_module(key, _module("Sequential", module))

    def __delitem__(self, i: int | slice) -> None:
        """Remove modules; the rest are renumbered ``0``, ``1``... (as PyTorch)."""
        _delete(self, "Sequential", i)

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (the rest renumbered)."""
        _insert(self, "Sequential", index, module)
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        for m in sequential:
            self.append(_module("Sequential.extend", m))
        return self

    def pop(self, i: int) -> Module:
        m = self[i]
        del self[i]
        return m

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise DTypeError(f"Sequential + {type(other).__name__}: add a Sequential")
        return Sequential(*self, *other)


class ModuleList(Module):
    """A list of modules, registered as ``0``, ``1``..."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for m in modules or ():
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        if not isinstance(module, Module):
            raise DTypeError(f"ModuleList.append: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, i: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return ModuleList(mods[i])
        return mods[_index("ModuleList", i, len(mods))]

    def __setitem__(self, i: int, module: Module) -> None:
        i = _index("ModuleList", i, len(self._modules))
        self.add_module(str(i), _module("ModuleList", module))

    def __delitem__(self, i: int | slice) -> None:
        _delete(self, "ModuleList", i)

    def insert(self, index: int, module: Module) -> None:
        _insert(self, "ModuleList", index, module)

    def pop(self, i: int) -> Module:
        m = self[i]
        del self[i]
        return m

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])


class ModuleDict(Module):
    """A dict of modules, registered under their keys."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for k, m in items:
            self[k] = m

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise ArgumentError(f"ModuleDict: no module named {key!r}")
        return self._modules[key]

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()


class ParameterList(Module):
    """A list of parameters, registered as ``0``, ``1``..."""

    def __init__(self, values: Iterable[Param] | None = None) -> None:
        super().__init__()
        for p in values or ():
            self.append(p)

    def append(self, value: Param) -> ParameterList:
        if not isinstance(value, Param):
            value = Param(value)
        self.register_parameter(str(len(self._parameters)), value)
        return self

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Param]:
        return iter(self._parameters.values())  # type: ignore[arg-type]

    def __getitem__(self, i: int) -> Param:
        ps = list(self._parameters.values())
        return ps[_index("ParameterList", i, len(ps))]  # type: ignore[return-value]


class ParameterDict(Module):
    """A dict of parameters, registered under their keys."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        for k, v in (values or {}).items():
            self[k] = v

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, value if isinstance(value, Param) else Param(value))

    def __getitem__(self, key: str) -> Param:
        if key not in self._parameters:
            raise ArgumentError(f"ParameterDict: no parameter named {key!r}")
        return self._parameters[key]  # type: ignore[return-value]

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def items(self) -> Iterable[tuple[str, Param]]:
        return self._parameters.items()  # type: ignore[return-value]
