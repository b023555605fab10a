"""``Tracker``: the bookkeeping around an example's training loop, so the loop itself stays the
PyTorch loop a user would write::

    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)
    for epoch in track.epochs():                 # from the resumed epoch to --steps
        for xb, yb in track.batches(loader):     # progress bar / plain lines
            loss = F.mse_loss(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)    # --distributed only
            opt.step()
            track.record(loss)                   # the step's loss, for progress and --log
    track.finish(test_mse=...)                   # --log: JSON + PNG; returns the metrics

Examples whose ``UNIT`` is ``"steps"`` loop ``for step in track.iterations():`` instead.

**Checkpoints** (``--save PATH``, after every epoch, or at the end of ``iterations()`` and every
``save_every`` steps; ``tl.save``, atomic) hold every tracked object's ``state_dict()`` (model,
optimizer, scheduler, and any keyword given to ``track``), the session's random state
(``s.rng_state()``), ``torchlean.random``'s default generator (layer initialisation draws), the
loader's sampler (its shuffle stream: seed and epoch), the epoch and step reached and every loss
so far. ``--resume PATH`` restores all of them when ``track`` is called, so the run continues
bit for bit where the saved one stopped: build the model, optimizer, scheduler and loader as for
a fresh run, then call ``cfg.track``, then evaluate or train.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .._core.errors import TorchLeanError
from . import trainlog
from .errors import InputError, UsageError
from .progress import Progress

if TYPE_CHECKING:
    from .config import RunConfig

FORMAT = "torchlean-run-1"


def _value(loss: Any) -> float:
    item = getattr(loss, "item", None)
    return float(item() if callable(item) else loss)


class Tracker:
    """See the module docstring; made by ``cfg.track(...)``."""

    def __init__(self, cfg: RunConfig, session: Any = None, model: Any = None, optimizer: Any = None,
                 scheduler: Any = None, loader: Any = None, **state: Any) -> None:
        self.cfg, self.session, self.loader = cfg, session, loader
        named = {"model": model, "optimizer": optimizer, "scheduler": scheduler, **state}
        self.objects = {k: v for k, v in named.items() if v is not None}
        for k, v in self.objects.items():
            if not (callable(getattr(v, "state_dict", None)) and callable(getattr(v, "load_state_dict", None))):
                raise TypeError(f"cfg.track: {k} ({type(v).__name__}) has no state_dict()/load_state_dict()")
        self.epoch = 0  # epochs finished
        self.step = 0  # optimizer steps recorded
        self.losses: list[float] = []
        self.epoch_log: list[dict[str, Any]] = []
        self.metrics: dict[str, Any] = {}
        self.resumed_from: str | None = None
        self.progress = Progress(enabled=cfg.dist.is_main)
        self._iterating = False
        self._last: float | None = None
        self._t0 = time.perf_counter()
        self._train_seconds = 0.0
        self._steps_here = 0  # steps recorded by this process (a resumed run's rate counts these)
        if cfg.resume:
            self.restore(cfg.resume)
        if model is not None:
            cfg.dist.broadcast(model)

    # -- the loop --------------------------------------------------------------------------
    def epochs(self) -> Iterator[int]:
        """The epochs still to run (0-based), from the resumed one to ``--steps``. After each:
        its line of progress, and a checkpoint with ``--save``."""
        total = int(self.cfg.steps or 0)
        sampler = getattr(self.loader, "sampler", None)
        if self.loader is not None and hasattr(self.loader, "__len__") and len(self.loader) == 0:
            rows = len(self.loader.dataset) if hasattr(getattr(self.loader, "dataset", None), "__len__") else "?"
            raise UsageError(f"--batch {self.cfg.batch}: larger than the {rows} training rows, so an epoch has "
                             "no full batch")
        for e in range(self.epoch, total):
            if callable(getattr(sampler, "set_epoch", None)):
                sampler.set_epoch(e)  # the order of an epoch depends on (seed, epoch) only
            first, t = self.step, time.perf_counter()
            n = len(self.loader) if self.loader is not None and hasattr(self.loader, "__len__") else None
            self.progress.begin(f"epoch {e + 1}/{total}", n)
            yield e
            seconds = time.perf_counter() - t
            self._train_seconds += seconds
            done = self.losses[first:]
            mean = sum(done) / len(done) if done else float("nan")
            self.epoch_log.append({"epoch": e + 1, "mean_loss": mean, "steps": len(done), "end_step": self.step,
                                   "seconds": seconds})
            self.epoch = e + 1
            self.progress.end(f"loss {mean:.4g}", final=e + 1 == total)
            if self.cfg.save:
                self.save(self.cfg.save)

    def batches(self, loader: Iterable[Any]) -> Iterator[Any]:
        """``loader``'s batches, counted by the progress display."""
        for batch in loader:
            yield batch
            self.progress.update(self._last)
            self._last = None

    def iterations(self, save_every: int | None = None) -> Iterator[int]:
        """For examples counting optimizer steps (``UNIT = "steps"``): the steps still to run
        (0-based), up to ``--steps``; a checkpoint every ``save_every`` steps and at the end."""
        total = int(self.cfg.steps or 0)
        self.progress.begin(f"steps {self.step}-{total}", total - self.step)
        t = time.perf_counter()
        self._iterating = True
        try:
            for k in range(self.step, total):
                yield k
                self.step = k + 1
                self.progress.update(self._last)
                self._last = None
                if self.cfg.save and save_every and self.step % save_every == 0 and self.step < total:
                    self.save(self.cfg.save)
        finally:
            self._iterating = False
        self._train_seconds += time.perf_counter() - t
        done = self.losses[-1] if self.losses else float("nan")
        self.progress.end(f"loss {done:.4g}", final=True)
        if self.cfg.save:
            self.save(self.cfg.save)

    def record(self, loss: Any) -> float:
        """Record one optimizer step's loss (a tensor or a number); returns it as a float."""
        v = _value(loss)
        self.losses.append(v)
        self._steps_here += 1
        self._last = v
        if not self._iterating:
            self.step += 1
        return v

    def finish(self, **metrics: Any) -> dict[str, Any]:
        """The run is over: keep ``metrics`` and, with ``--log``, write the JSON and the PNG."""
        self.metrics = dict(metrics)
        if self.cfg.log and self.cfg.dist.is_main:
            path, png = trainlog.write(self.cfg.log, self.log_record())
            print(f"  wrote TrainLog JSON: {path} (loss curve: {png})")
        return self.metrics

    # -- what is saved ---------------------------------------------------------------------
    def log_record(self) -> dict[str, Any]:
        total = time.perf_counter() - self._t0
        steps_here = self._steps_here
        return {"example": self.cfg.example, "title": f"torchlean {self.cfg.example} ({self.cfg.backend}, "
                f"{self.cfg.device}, {self.cfg.dtype_name})", "unit": self.cfg.unit, "config": self.cfg.describe(),
                "resumed_from": self.resumed_from, "loss": self.losses, "epochs": self.epoch_log,
                "timings": {"total_seconds": total, "train_seconds": self._train_seconds,
                            "steps_per_second": steps_here / self._train_seconds if self._train_seconds else None},
                "metrics": self.metrics, "steps": self.step, "epochs_done": self.epoch}

    def state(self) -> dict[str, Any]:
        """Everything a checkpoint holds (see the module docstring)."""
        from ..random import default_generator

        sampler = getattr(self.loader, "sampler", None)
        return {"format": FORMAT, "example": self.cfg.example, "unit": self.cfg.unit, "epoch": self.epoch,
                "step": self.step, "losses": list(self.losses), "epochs": list(self.epoch_log),
                "config": trainlog.plain(self.cfg.describe()),
                "objects": {k: v.state_dict() for k, v in self.objects.items()},
                "session_rng": self.session.rng_state() if self.session is not None else None,
                "generator": default_generator.get_state(),
                "sampler": sampler.state_dict() if callable(getattr(sampler, "state_dict", None)) else None}

    def save(self, path: str) -> None:
        """``tl.save`` the state to ``path`` (rank 0 only)."""
        if self.cfg.dist.is_main:
            from ..checkpoint import save

            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            save(self.state(), path)

    def restore(self, path: str) -> None:
        """Load a checkpoint written by ``save`` into the tracked objects; a file that is not
        one, or not this example's, raises ``InputError`` naming it."""
        from ..checkpoint import load
        from ..random import default_generator

        try:
            ck = load(path)
        except TorchLeanError as e:
            raise InputError(f"--resume {path}: {e}") from None
        if not isinstance(ck, dict) or ck.get("format") != FORMAT:
            raise InputError(f"--resume {path}: not a checkpoint written by the runner's --save")
        if ck["example"] != self.cfg.example:
            raise InputError(f"--resume {path}: a checkpoint of {ck['example']}, not of {self.cfg.example}")
        if set(ck["objects"]) != set(self.objects):
            raise InputError(f"--resume {path}: holds {sorted(ck['objects'])}, but {self.cfg.example} tracks "
                             f"{sorted(self.objects)}")
        sampler = getattr(self.loader, "sampler", None)
        try:
            for k, obj in self.objects.items():
                obj.load_state_dict(ck["objects"][k])
            if self.session is not None and ck["session_rng"] is not None:
                self.session.set_rng_state(ck["session_rng"])
            default_generator.set_state(ck["generator"])
            if ck["sampler"] is not None and callable(getattr(sampler, "load_state_dict", None)):
                sampler.load_state_dict(ck["sampler"])
        except TorchLeanError as e:
            raise InputError(f"--resume {path}: {e}") from None
        self.epoch, self.step = int(ck["epoch"]), int(ck["step"])
        self.losses, self.epoch_log = [float(x) for x in ck["losses"]], [dict(e) for e in ck["epochs"]]
        self.resumed_from = path
        unit = "epoch" if self.cfg.unit == "epochs" else "step"
        print(f"  resumed from {path} at {unit} {self.epoch if unit == 'epoch' else self.step}")
