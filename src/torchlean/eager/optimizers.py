"""The session's optimizer steps (the seed's ``sgdStepAll``, ``adamStepAll``...), mixed into
``Session`` as ``SessionOptimizers``.

``Session.sgd_step``/``adam_step``/``adamw_step`` update every trainable parameter used on the
tape once, with the gradients of its leaves summed (the gradients of the latest ``backward``, or
the ``Gradients`` given). Each kind is backed by one public ``torchlean.optim`` object per
session (``Session.optimizer(kind)``: ``SGD``, ``Adam``, ``AdamW``) with one parameter group that
grows as new parameters reach the tape; its state is keyed by ``Param``, survives ``reset`` and
saves with ``state_dict()``. The call's hyperparameters are validated, then set on the group,
before anything changes; on any failure the optimizer is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._core.errors import ArgumentError, InvalidRefError
from ..optim import SGD, Adam, AdamW
from .tape import Gradients

if TYPE_CHECKING:
    from ..params import Param
    from .session import Session

_KINDS: dict[str, type] = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def pairs(params_by_leaf: dict[int, Param], dense: list[Any], add: Callable[[Any, Any], Any]
          ) -> list[tuple[Param, Any]]:
    """Each trainable parameter once, with its leaves' gradients summed."""
    out: dict[int, tuple[Param, Any]] = {}
    for leaf, p in params_by_leaf.items():
        g = dense[leaf] if leaf < len(dense) else None
        if g is None or not p.requires_grad:
            continue
        key = id(p)
        out[key] = (p, g) if key not in out else (p, add(out[key][1], g))
    return list(out.values())


def step(session: Session, kind: str, grads: Gradients | None, **hyper: Any) -> None:
    """One step of the session's optimizer of ``kind`` with ``hyper`` (seed-style keywords:
    ``beta1``/``beta2`` set the group's ``betas``)."""
    op = f"{kind}_step"
    opt = session._optimizers.get(kind)
    if opt is None:
        opt = _KINDS[kind]([{"params": []}], **hyper)  # validates the hyperparameters
        new: dict[str, Any] = {}
    else:
        new = opt._staged_hyper(op, opt.param_groups[0], hyper)
    found = session.params_with_grads(grads, op)
    run(opt, op, new, found)
    session._optimizers[kind] = opt


def run(opt: Any, op: str, new: dict[str, Any], found: list[tuple[Param, Any]]) -> None:
    """Set the validated ``new`` hyperparameters on the optimizer's (single) group, add the
    parameters it has not seen, step with the ``found`` gradients; undo it all on failure."""
    group = opt.param_groups[0]
    params = group["params"]
    n = len(params)
    old = {k: group[k] for k in new}
    grads = {id(p): g for p, g in found}
    try:
        dict.update(group, new)
        work = opt._work(op, grads)
        if len(work) != len(grads):  # parameters new to the optimizer (the first steps)
            known = {id(p) for g in opt.param_groups for p in g["params"]}
            params.extend(p for p, _ in found if id(p) not in known)
            work = opt._work(op, grads)
        opt._apply(work)
    except BaseException:
        del params[n:]
        dict.update(group, old)
        raise


class SessionOptimizers:
    """The session's optimizer methods (a mixin of ``Session``, framed with its other methods)."""

    _last_grads: Gradients | None
    _optimizers: dict[str, Any]
    _graded: dict[int, Param]
    tape: Any

    # -- optimizers (state kept per Param in public optimizer objects) ---------------------
    def params_with_grads(self, grads: Gradients | None = None, op: str = "params_with_grads"
                          ) -> list[tuple[Param, Any]]:
        """Each trainable parameter used on the tape once, with its leaves' gradients summed."""
        if grads is None:
            if self._last_grads is None:
                raise ArgumentError(f"{op}: no gradients: call backward first (after the latest reset)")
            grads = self._last_grads
        elif not isinstance(grads, Gradients) or grads._session is not self:
            raise InvalidRefError(f"{op}: expected Gradients of this session, got {type(grads).__name__}")
        dense = grads.dense(op)
        return pairs(grads.param_leaves(), dense, self.tape.arrays.add)

    def sgd_step(self, lr: float, grads: Gradients | None = None) -> None:
        """``p <- p - lr * g`` for every trainable parameter used on the tape (one update each).

        Uses ``grads`` or, by default, the gradients of the latest ``backward``. NumPy and CuPy
        materialise every op, so this is already the seed's one-pass ``sgdStepFast``.
        """
        step(self, "sgd", grads, lr=lr)

    sgd_step_fast = sgd_step

    def adam_step(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                  grads: Gradients | None = None) -> None:
        """One Adam step for every trainable parameter used on the tape (state kept per Param)."""
        step(self, "adam", grads, lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def adamw_step(self, lr: float = 1e-3, weight_decay: float = 0.01, beta1: float = 0.9,
                   beta2: float = 0.999, eps: float = 1e-8, grads: Gradients | None = None) -> None:
        """One AdamW step (decay applied to the parameter before the Adam step)."""
        step(self, "adamw", grads, lr=lr, weight_decay=weight_decay, beta1=beta1,
                    beta2=beta2, eps=eps)

    def optimizer(self, kind: str) -> Any:
        """The optimizer object behind ``sgd_step``/``adam_step``/``adamw_step`` (its
        ``state_dict`` saves the moments), or None before the first such step."""
        return self._optimizers.get(kind)

    def zero_grad(self) -> None:
        """Clear ``Param.grad`` of every parameter this session's ``backward`` has written to
        since the last ``zero_grad`` (across resets), and of every parameter on the tape."""
        for p in self._graded.values():
            p.grad = None
        for p in self.tape.params_by_leaf.values():
            p.grad = None
        self._graded = {}
