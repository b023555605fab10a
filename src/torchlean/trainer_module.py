"""``ScalarTrainer(module, loss_fn, optimizer=...)``: the trainer over a ``torchlean.nn`` module.

The seed's trainer takes a flat loss ``loss(ops, *params, *inputs)``; this one takes what a
PyTorch user has: a module, a loss on its output (``F.cross_entropy``, ``nn.MSELoss()``, any
callable ``loss_fn(output, *targets)``) and a ``torchlean.optim`` optimizer over the module's
parameters. A step is the PyTorch loop written once::

    loss = loss_fn(module(*batch[:n_inputs]), *batch[n_inputs:])
    loss.backward(); optimizer.step(); optimizer.zero_grad()

Eagerly it runs on the trainer's session; with ``Backend.COMPILED`` the module and the loss are
traced together by ``tl.compile`` (one graph per batch signature: a short last batch traces once
more), so the step is one forward graph and one backward graph; with a plain ``SGD`` the update
runs inside one step graph too (``compiled/module_step.py``), as the seed's compiled trainer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._core.errors import ArgumentError
from ._core.guard import guard_methods
from .compiled.jit import compile as tl_compile
from .compiled.module_step import SGDStep
from .eager.session import Session
from .nn.module import Module
from .optim.base import Optimizer
from .options import Backend, Options


class ModuleTrainer:
    """What ``ScalarTrainer(module, loss_fn, optimizer=..., options=...)`` returns.

    Args:
        module: the ``torchlean.nn.Module`` to train (put in train mode by ``step``).
        loss_fn: ``loss_fn(output, *targets) -> scalar tensor``.
        optimizer: a ``torchlean.optim`` optimizer whose parameters are the module's.
        options: device, dtype and backend (``Backend.COMPILED`` traces module and loss once
            per batch signature).
        n_inputs: how many leading batch items go to the module; the rest go to ``loss_fn``.
    """

    def __init__(self, module: Module, loss_fn: Callable[..., Any], optimizer: Optimizer | None = None,
                 options: Options | None = None, *, n_inputs: int = 1) -> None:
        if not isinstance(module, Module):
            raise ArgumentError(f"ScalarTrainer: module must be a torchlean.nn.Module, got {type(module).__name__}")
        if not callable(loss_fn):
            raise ArgumentError(f"ScalarTrainer: loss_fn must be callable, got {type(loss_fn).__name__}")
        if not isinstance(optimizer, Optimizer):
            got = "nothing" if optimizer is None else type(optimizer).__name__
            raise ArgumentError(f"ScalarTrainer: with a module, optimizer= must be a torchlean.optim "
                                f"optimizer over its parameters, got {got}")
        if options is not None and not isinstance(options, Options):
            raise ArgumentError(f"ScalarTrainer: options must be an Options, got {type(options).__name__}")
        if type(n_inputs) is not int or n_inputs < 1:
            raise ArgumentError(f"ScalarTrainer: n_inputs must be an int >= 1, got {n_inputs!r}")
        owned = {id(p) for p in module.parameters()}
        foreign = [i for i, g in enumerate(optimizer.param_groups) for p in g["params"] if id(p) not in owned]
        if foreign:
            raise ArgumentError(f"ScalarTrainer: the optimizer's parameter group {foreign[0]} holds a parameter "
                                f"that is not the module's")
        self.module, self.loss_fn, self.optimizer, self.n_inputs = module, loss_fn, optimizer, n_inputs
        self.options = options or Options()
        self.session = Session(self.options.replace(backend=Backend.EAGER))  # the tape the graphs join
        self._compiled = tl_compile(self._compute) if self.options.backend is Backend.COMPILED else None
        self._loss = self._compiled or self._compute
        self._fused = SGDStep(self._compiled, optimizer) if self._compiled is not None else None

    @property
    def compiled(self) -> Any:
        """The ``tl.compile`` callable of module and loss (``None`` eagerly)."""
        return self._compiled

    def _compute(self, *batch: Any) -> Any:
        return self.loss_fn(self.module(*batch[:self.n_inputs]), *batch[self.n_inputs:])

    def _batch(self, batch: tuple[Any, ...]) -> list[Any]:
        if len(batch) < self.n_inputs:
            raise ArgumentError(f"ScalarTrainer: expected at least {self.n_inputs} batch items (the module's "
                                f"inputs), got {len(batch)}")
        s = self.session
        if not any(getattr(x, "__torchlean_tensor__", False) for x in batch):
            s.reset()  # the trainer's own session: the last call's nodes go
        return [x if getattr(x, "__torchlean_tensor__", False) else s.input(x) for x in batch]

    def _loss_of(self, batch: tuple[Any, ...]) -> Any:
        loss = self._loss(*self._batch(batch))
        if tuple(getattr(loss, "shape", (None,))) != ():
            raise ArgumentError(f"ScalarTrainer: loss_fn must return a scalar, got shape "
                                f"{tuple(getattr(loss, 'shape', ()))}")
        return loss

    def step(self, *batch: Any) -> Any:
        """One optimizer step on ``batch``; returns the loss before the step (a 0-d array on the
        trainer's device). A module in eval mode is put in train mode first, as ``model.train()``
        before a PyTorch loop."""
        if self._fused is not None and self.module.training:
            # plain SGD, compiled, already in train mode: one graph with the update inside, whose
            # results are committed only after it ran (nothing to snapshot, nothing to restore)
            value = self._fused("ScalarTrainer.step", self._batch(batch))
            if value is not None:
                return value
        snap = self._snapshot()
        try:
            if not self.module.training:  # a submodule the user put in eval (a frozen BatchNorm) stays so
                self.module.train()
            if self._fused is not None:  # plain SGD, compiled: one graph with the update inside
                value = self._fused("ScalarTrainer.step", self._batch(batch))
                if value is not None:
                    return value
            loss = self._loss_of(batch)
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
            return loss._v
        except BaseException:
            self._restore(snap)
            raise

    def forward(self, *batch: Any) -> Any:
        """The loss on ``batch`` without recording a graph (the module's current mode)."""
        snap = self._snapshot()
        try:
            with self.session.no_grad():
                return self._loss_of(batch)._v
        except BaseException:
            self._restore(snap)
            raise

    def backward(self, *batch: Any) -> list[Any]:
        """Gradients of the loss aligned with ``module.parameters()`` (``None`` for frozen ones);
        no step, and ``Param.grad`` is left as it was."""
        snap = self._snapshot()
        try:
            loss = self._loss_of(batch)
            for p, _ in snap[1]:
                p.grad = None
            loss.backward()
            grads = [p.grad for p, _ in snap[1]]
        except BaseException:
            self._restore(snap)
            raise
        self._restore(snap, grads_only=True)
        return grads

    # -- atomicity: a failed call leaves the module, its gradients and the stream as they were --
    def _snapshot(self) -> tuple[list[Any], list[Any], int, list[Any]]:
        # one walk of the module tree (the step's own cost matters): modes, then each module's
        # own parameters and buffers, shared ones once, in parameters()/buffers() order
        modes = [(m, m.training) for m in self.module.modules()]
        seen: set[int] = set()
        bufs, grads = [], []
        for m, _ in modes:
            for p in m._parameters.values():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    grads.append((p, p.grad))
            for b in m._buffers.values():
                if b is not None and id(b) not in seen:
                    seen.add(id(b))
                    bufs.append((b, b._host, b._host_current, b._mirror, b._mirror_backend))
        return bufs, grads, self.session.rng_counter, modes

    def _restore(self, snap: tuple[list[Any], list[Any], int, list[Any]], grads_only: bool = False) -> None:
        bufs, grads, counter, modes = snap
        for p, g in grads:
            p.grad = g
        if grads_only:
            return
        for b, host, current, mirror, backend in bufs:  # assign replaces arrays: the old ones are intact
            b._host, b._host_current, b._mirror, b._mirror_backend = host, current, mirror, backend
        for m, training in modes:
            object.__setattr__(m, "training", training)
        self.session.rng_counter = counter

    def get_params(self) -> list[Any]:
        """Host copies of the parameters, in ``module.parameters()`` order."""
        return [p.value.copy() for p in self.module.parameters()]

    def state_dict(self) -> dict[str, Any]:
        """The module's, the optimizer's and the session's random stream's state (``tl.save``
        writes it), so a resumed run draws the same dropout masks."""
        return {"module": self.module.state_dict(), "optimizer": self.optimizer.state_dict(),
                "rng": self.session.rng_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` gave (each part checked by its owner)."""
        if not isinstance(state, dict) or not {"module", "optimizer", "rng"} <= set(state):
            raise ArgumentError("ScalarTrainer.load_state_dict: expected a dict with 'module', 'optimizer' and "
                                f"'rng', got {sorted(state) if isinstance(state, dict) else type(state).__name__}")
        self.module.load_state_dict(state["module"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.session.set_rng_state(state["rng"])


guard_methods(ModuleTrainer, ["__init__", "step", "forward", "backward", "get_params", "state_dict",
                              "load_state_dict"])
