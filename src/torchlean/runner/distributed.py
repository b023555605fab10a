"""The ``--distributed`` hook: the one place where the runner and its examples meet
``torchlean.distributed`` (data parallelism over MPI, issue 12), imported only when the flag is
given. Without ``--distributed`` every method does nothing, so an example calls them always:

* ``loader = cfg.dist.loader(DataLoader(...))``: each rank takes its rows (``rank::N``) of every
  batch of the same loader, so ``--batch`` stays the global batch and N ranks see exactly the
  batches of one process (any N, any batch size; resuming with another N works, since the
  loader's state is the same on every rank); without the flag the loader itself comes back;
* ``cfg.dist.average_gradients(model)`` right after ``loss.backward()``: each rank's gradient
  weighted by its rows of the global batch, so every rank's optimizer takes the one-process
  step (for a loss that is a mean over the batch);
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
        self._local_rows: int | None = None  # this rank's rows of the current global batch

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
        return _RankRows(loader, self.rank, self.world_size, self)

    def average_gradients(self, model_or_params: Any) -> None:
        """After ``backward``: the gradients of every rank, weighted by its rows of the global
        batch, summed and divided by the global batch (the one-process gradient)."""
        if self.enabled:
            params = model_or_params.parameters() if hasattr(model_or_params, "parameters") else model_or_params
            self._call("allreduce_gradients", list(params), local_batch=self._local_rows)

    def broadcast(self, model_or_params: Any) -> None:
        """Give every rank rank 0's parameters."""
        if self.enabled:
            self._call("broadcast_parameters", model_or_params, root=0)


class _RankRows:
    """A loader whose batches are this rank's rows of the wrapped loader's (global) batches:
    rows ``rank, rank + N, ...`` of each. Every rank iterates the same loader (same sampler,
    seed, epoch and state), so the ranks' rows partition exactly the batches one process would
    see, whatever ``N`` and the batch size; a final batch with fewer rows than ranks is skipped on
    every rank. Everything else (``sampler``, ``dataset``, ``batch_size``...) is the loader's."""

    def __init__(self, loader: Any, rank: int, n: int, hook: DistributedHook) -> None:
        self._loader, self._rank, self._n, self._hook = loader, rank, n, hook

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def __len__(self) -> int:
        return len(self._loader)

    def __iter__(self) -> Iterator[Any]:
        for batch in self._loader:
            rows = _rows_of(batch)
            if rows < self._n:
                continue
            self._hook._local_rows = len(range(self._rank, rows, self._n))
            yield _take(batch, slice(self._rank, None, self._n))


def _rows_of(batch: Any) -> int:
    if isinstance(batch, dict):
        return _rows_of(next(iter(batch.values())))
    if isinstance(batch, (list, tuple)):
        return _rows_of(batch[0])
    return len(batch)


def _take(batch: Any, rows: slice) -> Any:
    if isinstance(batch, dict):
        return {k: _take(v, rows) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)) and not hasattr(batch, "shape"):
        return type(batch)(_take(v, rows) for v in batch)
    return batch[rows]
