"""Progress of a training loop on stderr: a ``tqdm`` bar (loss, steps/s) when stderr is a
terminal, plain lines otherwise (CI logs, pipes): one per epoch, at most one a second, and one
every ``every`` seconds inside a long epoch. Without ``tqdm`` installed the plain lines are used
on a terminal too. ``TORCHLEAN_PROGRESS=bar|lines|off`` overrides the choice."""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO


def _mode(stream: TextIO) -> str:
    forced = os.environ.get("TORCHLEAN_PROGRESS", "").lower()
    if forced in ("bar", "lines", "off"):
        return forced
    isatty = getattr(stream, "isatty", None)
    return "bar" if callable(isatty) and isatty() else "lines"


class Progress:
    """One stream of progress for a run (``enabled=False``: silent, e.g. on MPI ranks > 0)."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True, every: float = 10.0,
                 mininterval: float = 0.1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.mode = _mode(self.stream) if enabled else "off"
        if self.mode == "bar":
            try:
                import tqdm  # noqa: F401
            except ImportError:
                self.mode = "lines"
        self.every, self.mininterval = every, mininterval  # seconds between plain lines / bar redraws
        self._last_line = time.perf_counter()  # the first line comes after a second (or at the end)
        self._bar: Any = None
        self._label, self._count, self._total, self._t0, self._loss = "", 0, 0, 0.0, float("nan")

    def begin(self, label: str, total: int | None) -> None:
        """Start a phase (an epoch, or a run of steps) of ``total`` steps."""
        self._label, self._count, self._total, self._t0 = label, 0, total or 0, time.perf_counter()
        self._loss = float("nan")
        if self.mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, unit="step", file=self.stream, leave=False,
                             dynamic_ncols=True, mininterval=self.mininterval)

    def update(self, loss: float | None = None) -> None:
        """One step done (with its loss)."""
        self._count += 1
        if loss is not None:
            self._loss = loss
        if self._bar is not None:
            self._bar.update(1)
            if loss is not None:
                self._bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        elif self.mode == "lines" and time.perf_counter() - self._last_line >= self.every:
            self._line("")

    def end(self, summary: str = "", final: bool = False) -> None:
        """The phase is over: close the bar, or print its line (always for the ``final`` one)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            if summary:
                self.stream.write(f"{self._label}  {summary}  {self._rate()}\n")
                self.stream.flush()
        elif self.mode == "lines" and (final or time.perf_counter() - self._last_line >= 1.0):
            self._line(summary)

    def _rate(self) -> str:
        dt = time.perf_counter() - self._t0
        rate = self._count / dt if dt > 0 else float("inf")
        return f"{self._count} steps  {rate:.1f} steps/s  {dt:.1f} s"

    def _line(self, summary: str) -> None:
        total = f"/{self._total}" if self._total else ""
        where = f"{self._label} [{self._count}{total}]"
        loss = summary or f"loss {self._loss:.4g}"
        self.stream.write(f"{where}  {loss}  {self._rate()}\n")
        self.stream.flush()
        self._last_line = time.perf_counter()
