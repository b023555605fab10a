"""The examples the runner knows: every module of ``torchlean.examples`` not starting with ``_``.

An example module declares (see ``docs/examples.md``)::

    SUMMARY = "one line for `torchlean list`"
    GROUP = "models"                       # quickstart | models | rl | interop | data
    DEFAULTS = {"steps": 10, "lr": 1e-3}   # the common flags it takes, and its own settings
    SMOKE = {"steps": 1}                   # overrides for --smoke (seconds)
    RESULT = "what the defaults reach"     # the documented result
    CHECKS = [("loss1", "<", "loss0")]     # --check: metric, comparison, number or metric
    UNIT = "epochs"                        # what --steps counts (epochs or steps)
    FLAGS = ("csv",)                       # data flags it reads: csv, npy, out
    ORDER = 1                              # optional: place in its group of `torchlean list`
    def run(cfg): ... return {"loss1": ...}   # the metrics

The module's docstring is its ``torchlean <name> --help`` text.
"""

from __future__ import annotations

import importlib
import operator
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .flags import DATA_KEYS

GROUPS = ("quickstart", "models", "rl", "interop", "data")
COMMON = frozenset({"steps", "lr", "batch", "seed"})
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


class ExampleError(TypeError):
    """An example module that does not declare what the runner needs."""


@dataclass(frozen=True)
class Check:
    """``metric op bound``: ``bound`` is a number or the name of another metric."""

    metric: str
    op: str
    bound: float | str

    def evaluate(self, metrics: Mapping[str, Any]) -> tuple[bool, str]:
        """Whether it holds, and the line that says what was checked."""
        if self.metric not in metrics:
            return False, f"check: {self.metric} {self.op} {self.bound}: FAILED (the run reported no {self.metric})"
        value = float(metrics[self.metric])
        if isinstance(self.bound, str):
            if self.bound not in metrics:
                return False, f"check: {self.metric} {self.op} {self.bound}: FAILED (no {self.bound})"
            bound, shown = float(metrics[self.bound]), f"{self.bound} {float(metrics[self.bound]):.6g}"
        else:
            bound, shown = float(self.bound), f"{self.bound:g}"
        ok = bool(_OPS[self.op](value, bound))
        return ok, f"check: {self.metric} {value:.6g} {self.op} {shown}: {'ok' if ok else 'FAILED'}"


@dataclass(frozen=True)
class Example:
    """One runnable example, read from its module."""

    name: str
    summary: str
    group: str
    defaults: Mapping[str, Any]
    smoke: Mapping[str, Any]
    result: str
    checks: tuple[Check, ...]
    smoke_checks: tuple[Check, ...]
    flags: tuple[str, ...]
    unit: str
    order: int
    run: Callable[..., Any]
    doc: str
    module: ModuleType

    @property
    def trains(self) -> bool:
        """Examples that train take --steps, --log, --save, --resume and --distributed."""
        return "steps" in self.defaults


def _checks(name: str, value: Any, what: str) -> tuple[Check, ...]:
    out = []
    for c in value:
        if not (isinstance(c, tuple) and len(c) == 3 and isinstance(c[0], str) and c[1] in _OPS
                and isinstance(c[2], (int, float, str)) and not isinstance(c[2], bool)):
            raise ExampleError(f"example {name}: {what} entries are (metric, one of {sorted(_OPS)}, number or "
                               f"metric), got {c!r}")
        out.append(Check(*c))
    return tuple(out)


def from_module(name: str, module: ModuleType) -> Example:
    """Validate ``module``'s declarations and build its ``Example``."""
    def need(attr: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if not hasattr(module, attr):
            if default is ...:
                raise ExampleError(f"example {name}: the module does not define {attr}")
            return default
        v = getattr(module, attr)
        if not isinstance(v, kind):
            raise ExampleError(f"example {name}: {attr} must be {kind}, got {type(v).__name__}")
        return v

    run = need("run", object)
    if not callable(run):
        raise ExampleError(f"example {name}: run must be a function run(cfg)")
    group = need("GROUP", str)
    if group not in GROUPS:
        raise ExampleError(f"example {name}: GROUP must be one of {GROUPS}, got {group!r}")
    defaults = dict(need("DEFAULTS", dict, {}))
    smoke = dict(need("SMOKE", dict))
    unknown = set(smoke) - set(defaults)
    if unknown:
        raise ExampleError(f"example {name}: SMOKE sets {sorted(unknown)}, which DEFAULTS does not have")
    flags = tuple(need("FLAGS", tuple, ()))
    if set(flags) - DATA_KEYS:
        raise ExampleError(f"example {name}: FLAGS may hold {sorted(DATA_KEYS)}, got {flags}")
    unit = need("UNIT", str, "epochs")
    if unit not in ("epochs", "steps"):
        raise ExampleError(f"example {name}: UNIT must be 'epochs' or 'steps', got {unit!r}")
    order = need("ORDER", int, 100)
    defaults.setdefault("seed", 0)
    return Example(name=name, summary=need("SUMMARY", str), group=group, defaults=defaults, smoke=smoke,
                   result=need("RESULT", str), checks=_checks(name, need("CHECKS", list, []), "CHECKS"),
                   smoke_checks=_checks(name, need("SMOKE_CHECKS", list, []), "SMOKE_CHECKS"), flags=flags,
                   unit=unit, order=order, run=run, doc=(module.__doc__ or "").strip(), module=module)


def names() -> list[str]:
    """The example names, from the files of ``torchlean.examples`` (no import)."""
    from .. import examples

    return sorted(m.name for m in pkgutil.iter_modules(examples.__path__) if not m.name.startswith("_")
                  and not m.ispkg)


def load(name: str) -> Example:
    """The example ``name`` (``KeyError`` if there is none)."""
    if name not in names():
        raise KeyError(name)
    return from_module(name, importlib.import_module(f"torchlean.examples.{name}"))


def all_examples() -> list[Example]:
    """Every example, in list order (by group, then ``ORDER``, then name)."""
    found = [load(n) for n in names()]
    return sorted(found, key=lambda e: (GROUPS.index(e.group), e.order, e.name))
