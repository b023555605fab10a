"""The runner's command line: ``torchlean <example> [flags]`` with the seed's conventions.

Global flags may come before or after the example name; a leading ``--`` is ignored;
``--flag value`` and ``--flag=value`` are the same; a flag given twice keeps its last value
(so ``--cpu --cuda`` runs on CUDA and ``--cuda --cpu`` on the CPU). Every bad value raises
``UsageError`` with one line naming the flag, what it expects and what it got.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise ValueError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise ValueError(f"expected a positive integer, got {text!r}")
    return v


def seed_value(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise ValueError(f"expected an integer >= 0, got {text!r}") from None
    if not 0 <= v < 2**63:
        raise ValueError(f"expected an integer in [0, 2**63), got {text!r}")
    return v


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"expected a positive number, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"expected a positive finite number, got {text!r}")
    return v


def choice(*names: str, aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    table = {n: n for n in names} | (aliases or {})

    def parse(text: str) -> str:
        v = table.get(text.lower())
        if v is None:
            raise ValueError(f"expected one of {'|'.join(names)}, got {text!r}")
        return v

    return parse


def log_path(text: str) -> str | None:
    if text.lower() in ("off", "false", "none"):
        return None
    return output_path(text)


def output_path(text: str) -> str:
    if not text:
        raise ValueError("expected a path, got ''")
    parent = os.path.dirname(os.path.abspath(text))
    if os.path.isdir(text):
        raise ValueError(f"expected a file path, got the directory {text!r}")
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise ValueError(f"{parent!r} is not a directory")
    return text


def existing_file(text: str) -> str:
    if not os.path.isfile(text):
        what = "a directory" if os.path.isdir(text) else "no such file"
        raise ValueError(f"expected an existing file, got {text!r} ({what})")
    return text


def npy_files(text: str) -> str:
    """``X.npy,Y.npy`` (two files) or one ``.npz`` holding ``x`` and ``y``."""
    for part in text.split(","):
        existing_file(part)
    if text.count(",") > 1:
        raise ValueError(f"expected X.npy,Y.npy or DATA.npz, got {text!r}")
    return text


def directory(text: str) -> str:
    if not text:
        raise ValueError("expected a directory, got ''")
    if os.path.exists(text) and not os.path.isdir(text):
        raise ValueError(f"expected a directory, got the file {text!r}")
    return text


@dataclass(frozen=True)
class Flag:
    """One flag: its spellings, the config key it sets, how its value is read, and its help."""

    names: tuple[str, ...]
    key: str
    parse: Callable[[str], Any] | None  # None: a switch (sets ``const``)
    help: str
    metavar: str = ""
    const: Any = True
    group: str = "runtime"  # runtime | training | data


_PRECISION = choice("fp32", "fp64", "tf32", aliases={"float32": "fp32", "float64": "fp64", "double": "fp64"})

FLAGS: tuple[Flag, ...] = (
    Flag(("--backend",), "backend", choice("eager", "compiled"), "eager tape (default) or tl.compile(model)",
         "eager|compiled"),
    Flag(("--cpu",), "device", None, "run on the CPU (the default; the last of --cpu/--cuda wins)", const="cpu"),
    Flag(("--cuda",), "device", None, "run on a CUDA GPU through CuPy (pip install 'torchlean[cuda]')",
         const="cuda"),
    Flag(("--dtype", "--float32-mode"), "dtype",
         choice("float64", "float32", aliases={"float": "float64", "double": "float64", "f64": "float64",
                                               "f32": "float32"}),
         "float (= float64, the seed's Float) | float64 | float32 (default)", "float|float64|float32"),
    Flag(("--fast-kernels",), "fast_kernels", None, "allow fused device kernels where registered"),
    Flag(("--fast-gpu-matmul-precision",), "matmul_precision", _PRECISION,
         "CUDA float32 GEMMs: fp32 or fp64 (exact, the default) or tf32 (tensor cores)", "fp32|fp64|tf32"),
    Flag(("--smoke",), "smoke", None, "the example's smoke size: runs in seconds"),
    Flag(("--check",), "check", None, "check the example's documented quality threshold (exit 1 if missed)"),
    Flag(("--distributed",), "distributed", None,
         "data-parallel over MPI ranks (mpiexec -n N torchlean ... --distributed; needs torchlean.distributed)"),
    Flag(("--steps", "--epochs"), "steps", positive_int, "training length (the example says epochs or steps)",
         "N", group="training"),
    Flag(("--lr",), "lr", positive_float, "learning rate", "LR", group="training"),
    Flag(("--batch",), "batch", positive_int, "batch size", "N", group="training"),
    Flag(("--seed",), "seed", seed_value, "seed of initialisation, shuffles and random ops (default 0)", "N",
         group="training"),
    Flag(("--log",), "log", log_path, "write the train log as JSON and a loss-curve PNG beside it", "PATH|off",
         group="training"),
    Flag(("--save",), "save", output_path, "save a checkpoint (tl.save) after every epoch", "PATH",
         group="training"),
    Flag(("--resume",), "resume", existing_file, "resume bit for bit from a --save checkpoint", "PATH",
         group="training"),
    Flag(("--csv",), "csv", existing_file, "read the data from this CSV file instead of the shipped one", "PATH",
         group="data"),
    Flag(("--npy",), "npy", npy_files, "read the data from X.npy,Y.npy or DATA.npz", "PATH", group="data"),
    Flag(("--out",), "out", directory, "directory for images the example writes (default runs/<example>)", "DIR",
         group="data"),
)
BY_NAME: dict[str, Flag] = {name: f for f in FLAGS for name in f.names}
TRAINING_KEYS = frozenset(f.key for f in FLAGS if f.group == "training")
DATA_KEYS = frozenset(f.key for f in FLAGS if f.group == "data")


@dataclass
class Parsed:
    """What the command line said: the example name (or None), the values given by key (in
    order, last one kept), which flag spelled each key, and whether help was asked for."""

    name: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)
    help: bool = False


def parse(argv: Sequence[str]) -> Parsed:
    """Read ``argv`` (without the program name); raises ``UsageError`` on anything bad."""
    out = Parsed()
    args = list(argv)
    if args and args[0] == "--":
        args = args[1:]
    i = 0
    while i < len(args):
        tok = args[i]
        i += 1
        if tok in ("-h", "--help"):
            out.help = True
            continue
        if not tok.startswith("--") or tok == "--":
            if tok.startswith("-") and tok != "-" and not _is_number(tok):
                raise UsageError(f"unknown flag {tok!r} (flags are spelled --name; see torchlean --help)")
            if out.name is not None:
                raise UsageError(f"unexpected argument {tok!r} after the example name {out.name!r}")
            out.name = tok
            continue
        name, eq, inline = tok.partition("=")
        flag = BY_NAME.get(name)
        if flag is None:
            raise UsageError(f"unknown flag {name!r} (see torchlean --help)")
        if flag.parse is None:
            if eq:
                raise UsageError(f"{name} takes no value, got {tok!r}")
            value: Any = flag.const
        else:
            if eq:
                text = inline
            elif i < len(args) and not (args[i].startswith("--") and len(args[i]) > 2):
                text = args[i]
                i += 1
            else:
                raise UsageError(f"{name}: expected a value ({flag.metavar}), got nothing")
            try:
                value = flag.parse(text)
            except ValueError as e:
                raise UsageError(f"{name}: {e}") from None
        out.values.pop(flag.key, None)  # re-insert: the order of the last occurrences
        out.values[flag.key] = value
        out.spelled[flag.key] = name
    return out


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True
