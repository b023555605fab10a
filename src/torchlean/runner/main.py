"""``torchlean <example> [flags]``: the entry point (``torchlean.cli:main``, ``python -m torchlean``).

Exit codes: 0 success; 1 an unknown example, a failed ``--check``, or an error while running (a
``TorchLeanError`` such as ``--cuda`` without CuPy, one line on stderr); 2 a bad command line or
a bad input file (one line on stderr naming the flag or file).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .._core.errors import TorchLeanError
from . import registry
from .config import build
from .errors import InputError, UsageError
from .flags import FLAGS, parse
from .registry import Example

USAGE = "usage: torchlean <example> [flags]   (flags may come before or after the example name)"


def _error(message: object, code: int) -> int:
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"torchlean: error: {text}", file=sys.stderr)
    return code


def list_lines() -> list[str]:
    """One line per example: its name and summary."""
    examples = registry.all_examples()
    width = max(len(e.name) for e in examples)
    return [f"{e.name:<{width}}  {e.summary}" for e in examples]


def help_text() -> str:
    """``torchlean --help``."""
    lines = [USAGE, "       torchlean list              one line per example",
             "       torchlean <example> --help  the example's settings, smoke size and documented result", ""]
    titles = {"runtime": "runtime flags", "training": "training flags (examples that train)",
              "data": "data flags (examples that read files)"}
    for group, title in titles.items():
        lines.append(f"{title}:")
        for f in FLAGS:
            if f.group == group:
                spelled = ", ".join(f.names) + (f" {f.metavar}" if f.metavar else "")
                lines.append(f"  {spelled:<46} {f.help}")
        lines.append("")
    lines += ["examples:", *("  " + ln for ln in list_lines())]
    return "\n".join(lines)


def example_help(e: Example) -> str:
    """``torchlean <example> --help``."""
    def show(d: dict) -> str:
        return " ".join(f"{k}={v}" for k, v in d.items()) or "(none)"

    lines = [f"torchlean {e.name}: {e.summary}", "", e.doc, "",
             f"defaults: {show(dict(e.defaults))}" + (f"   (--steps counts {e.unit})" if e.trains else ""),
             f"--smoke:  {show(dict(e.smoke))}", f"result:   {e.result}"]
    if e.checks:
        lines.append("--check:  " + ", ".join(f"{c.metric} {c.op} {c.bound}" for c in e.checks))
    if e.flags:
        lines.append("reads:    " + " ".join(f"--{k}" for k in e.flags))
    return "\n".join(lines)


def run_checks(e: Example, metrics: dict, smoke: bool) -> bool:
    """Print what ``--check`` checked; True if everything held."""
    checks = e.smoke_checks if smoke else e.checks
    if not checks:
        why = "for --smoke runs" if smoke else "defined"
        print(f"check: no threshold {why} of {e.name} (its documented result: {e.result})")
        return True
    ok = True
    for c in checks:
        held, line = c.evaluate(metrics)
        print(line)
        ok = ok and held
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        parsed = parse(args)
    except UsageError as e:
        return _error(e, 2)
    if parsed.name is None:
        if parsed.help:
            print(help_text())
            return 0
        return _error("no example given (torchlean list shows them, torchlean --help the flags)", 2)
    if parsed.name == "list":
        print("\n".join(list_lines()))
        return 0
    try:
        example = registry.load(parsed.name)
    except KeyError:
        print(f"torchlean: unknown example {parsed.name!r}; the examples are:", file=sys.stderr)
        print("\n".join("  " + ln for ln in list_lines()), file=sys.stderr)
        return 1
    if parsed.help:
        print(example_help(example))
        return 0
    try:
        cfg = build(example, parsed)
    except UsageError as e:
        return _error(e, 2)
    try:
        with cfg.dist.start():
            print("\n".join(cfg.config_lines()))
            metrics = dict(example.run(cfg) or {})
            if cfg.check and not run_checks(example, metrics, cfg.smoke):
                print(f"torchlean {example.name}: check FAILED")
                return 1
            print(f"torchlean {example.name}: ok")
    except (InputError, UsageError) as e:
        return _error(e, 2)
    except (TorchLeanError, OSError) as e:
        return _error(e, 1)
    except KeyboardInterrupt:
        return _error("interrupted", 130)
    return 0
