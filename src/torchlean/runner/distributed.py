"""The ``--distributed`` hook: the one place where the runner and its examples meet
``torchlean.distributed`` (data parallelism over MPI, issue 12), imported only when the flag is
given. Without ``--distributed`` every method does nothing, so an example calls them always:

* ``loader = cfg.dist.loader(DataLoader(...))``: each rank reads its own shard (the loader is
  rebuilt over a ``DistributedSampler`` with the same seed, shuffle, batch size and
  ``drop_last``); without the flag the loader itself comes back;
* ``cfg.dist.average_gradients(model)`` right after ``loss.backward()``: gradients averaged over
  the ranks, so every rank's optimizer takes the same step;
* ``cfg.dist.is_main``: True on rank 0 (and always without the flag). The runner prints only on
  rank 0 (other ranks' stdout is silenced while the example runs) and the ``Tracker`` writes
  logs, plots and checkpoints on rank 0 only; ``Tracker`` also broadcasts rank 0's parameters
  once at the start (``broadcast``), so every rank starts from the same model.

Launch: ``mpiexec -n 2 torchlean mlp --distributed``.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from collections.abc import Iterator
from typing import Any

from .._core.errors import TorchLeanError


class DistributedHook:
    """See the module docstring. ``enabled`` is the ``--distributed`` flag."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = bool(enabled)
        self._dist: Any = None

    # -- set-up (the runner calls these) -----------------------------------------------------
    def _module(self) -> Any:
        if self._dist is None:
            try:
                self._dist = importlib.import_module("torchlean.distributed")
            except ImportError as e:
                raise TorchLeanError(f"--distributed needs torchlean.distributed and MPI "
                                     f"(pip install 'torchlean[distributed]'): {e}") from None
        return self._dist

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        fn = getattr(self._module(), name, None)
        if not callable(fn):
            raise TorchLeanError(f"--distributed: torchlean.distributed has no {name}()")
        return fn(*args, **kwargs)

    @contextlib.contextmanager
    def start(self) -> Iterator[None]:
        """Initialise MPI (with the flag) and silence stdout on ranks other than 0."""
        if not self.enabled:
            yield
            return
        self._call("init")
        if self.is_main:
            yield
            return
        with contextlib.redirect_stdout(io.StringIO()):
            yield

    # -- what examples call ------------------------------------------------------------------
    @property
    def rank(self) -> int:
        return int(self._call("rank")) if self.enabled else 0

    @property
    def world_size(self) -> int:
        return int(self._call("world_size")) if self.enabled else 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def loader(self, loader: Any) -> Any:
        """``loader`` over this rank's shard (see the module docstring)."""
        if not self.enabled:
            return loader
        from ..data import DataLoader
        from ..data.sampler import RandomSampler

        sampler = loader.sampler
        shuffle = isinstance(sampler, RandomSampler)
        shard = self._call("DistributedSampler", loader.dataset, shuffle=shuffle,
                           seed=sampler.seed if shuffle else 0, drop_last=loader.drop_last)
        return DataLoader(loader.dataset, batch_size=loader.batch_size, sampler=shard,
                          drop_last=loader.drop_last, collate_fn=loader.collate_fn)

    def average_gradients(self, model_or_params: Any) -> None:
        """After ``backward``: average every parameter's gradient over the ranks."""
        if self.enabled:
            params = model_or_params.parameters() if hasattr(model_or_params, "parameters") else model_or_params
            self._call("allreduce_gradients", list(params))

    def broadcast(self, model_or_params: Any) -> None:
        """Give every rank rank 0's parameters."""
        if self.enabled:
            self._call("broadcast_parameters", model_or_params, root=0)

