"""``RunConfig``: what an example's ``run(cfg)`` is given (the seed's ``ExecConfig`` plus the
common training flags), built from the example's ``DEFAULTS``, its ``SMOKE`` sizes under
``--smoke`` and the flags given (a flag beats ``SMOKE``, which beats ``DEFAULTS``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..options import Options
from .distributed import DistributedHook
from .errors import UsageError
from .flags import DATA_KEYS, TRAINING_KEYS, Parsed
from .registry import COMMON, Example

if TYPE_CHECKING:
    from ..eager.session import Session
    from .track import Tracker

_RUNTIME = ("backend", "device", "dtype", "fast_kernels", "matmul_precision", "smoke", "check", "distributed")


@dataclass
class RunConfig:
    """The configuration of one run. Example settings beyond the common flags (``DEFAULTS``
    keys such as ``hidden``) read as attributes: ``cfg.hidden``."""

    example: str
    backend: str = "eager"
    device: str = "cpu"
    dtype: Any = np.float32
    fast_kernels: bool = False
    matmul_precision: str = "fp32"
    smoke: bool = False
    check: bool = False
    distributed: bool = False
    steps: int | None = None
    lr: float | None = None
    batch: int | None = None
    seed: int = 0
    log: str | None = None
    save: str | None = None
    resume: str | None = None
    csv: str | None = None
    npy: str | None = None
    out: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    unit: str = "epochs"
    dist: DistributedHook = field(default_factory=DistributedHook)

    def __getattr__(self, name: str) -> Any:
        settings = self.__dict__.get("settings", {})
        if name in settings:
            return settings[name]
        raise AttributeError(f"RunConfig of {self.__dict__.get('example')!r} has no setting {name!r} "
                             f"(its settings: {sorted(settings)})")

    # -- what examples call ----------------------------------------------------------------
    def options(self) -> Options:
        """The ``tl.Options`` of the flags (device, dtype, seed, fast kernels, GEMM precision)."""
        return Options(device=self.device, dtype=self.dtype, seed=self.seed, fast_kernels=self.fast_kernels,
                       matmul_precision="tf32" if self.matmul_precision == "tf32" else "fp32")

    def session(self) -> Session:
        """A ``tl.Session`` on the chosen device and dtype, seeded with ``--seed``."""
        from ..eager.session import Session

        return Session(self.options())

    def compile(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``tl.compile(fn)`` under ``--backend compiled``; ``fn`` itself under eager."""
        if self.backend != "compiled":
            return fn
        from ..compiled.jit import compile as tl_compile

        return tl_compile(fn)

    def track(self, session: Any = None, model: Any = None, optimizer: Any = None, scheduler: Any = None,
              loader: Any = None, **state: Any) -> Tracker:
        """A ``Tracker`` for the training loop: progress, ``--log``, ``--save``/``--resume``
        (restoring these objects from the checkpoint now if ``--resume`` was given)."""
        from .track import Tracker

        return Tracker(self, session=session, model=model, optimizer=optimizer, scheduler=scheduler,
                       loader=loader, **state)

    def artifact(self, filename: str) -> str:
        """A path for a file the example writes (an image): in ``--out`` (default
        ``runs/<example>``), created on first use."""
        folder = self.out or os.path.join("runs", self.example)
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, filename)

    @property
    def dtype_name(self) -> str:
        return np.dtype(self.dtype).name

    def config_lines(self) -> list[str]:
        """The seed's ``[TorchLean] ...`` lines."""
        return [f"[TorchLean] dtype: {self.dtype_name}", f"[TorchLean] backend: {self.backend}",
                f"[TorchLean] device: {self.device}",
                f"[TorchLean] fastKernels: {str(self.fast_kernels).lower()}",
                f"[TorchLean] fastGpuMatmulPrecision: {self.matmul_precision}"]

    def describe(self) -> dict[str, Any]:
        """The configuration as plain values (for the train log and checkpoints)."""
        out = {k: getattr(self, k) for k in ("example", *_RUNTIME, "steps", "lr", "batch", "seed", "log",
                                             "save", "resume", "csv", "npy", "out", "unit")}
        out["dtype"] = self.dtype_name
        out["settings"] = dict(self.settings)
        return out


def build(example: Example, parsed: Parsed) -> RunConfig:
    """The ``RunConfig`` of ``example`` under the parsed flags; ``UsageError`` for a flag the
    example does not take."""
    given = parsed.values
    for key in given:
        flag = parsed.spelled[key]
        if key in COMMON and key != "seed" and key not in example.defaults:
            raise UsageError(f"{flag} does not apply to {example.name} (it takes: {_takes(example)})")
        if key in TRAINING_KEYS - COMMON and not example.trains:
            raise UsageError(f"{flag} does not apply to {example.name}, which does not train")
        if key in DATA_KEYS and key not in example.flags:
            raise UsageError(f"{flag} does not apply to {example.name} (it takes: {_takes(example)})")
        if key == "distributed" and not example.trains:
            raise UsageError(f"--distributed does not apply to {example.name}, which does not train")
    values = dict(example.defaults)
    smoke = bool(given.get("smoke", False))
    if smoke:
        values.update(example.smoke)
    values.update({k: v for k, v in given.items() if k in COMMON})
    common = {k: values.pop(k) for k in list(values) if k in COMMON}
    dtype = np.float64 if given.get("dtype") == "float64" else np.float32
    cfg = RunConfig(example=example.name, dtype=dtype, settings=values, unit=example.unit, **common,
                    **{k: v for k, v in given.items() if k not in COMMON and k != "dtype"})
    cfg.dist = DistributedHook(cfg.distributed)
    return cfg


def _takes(example: Example) -> str:
    flags = [f"--{k}" for k in ("steps", "lr", "batch") if k in example.defaults] + ["--seed"]
    if example.trains:
        flags += ["--log", "--save", "--resume"]
    flags += [f"--{k}" for k in example.flags]
    return " ".join(flags)

