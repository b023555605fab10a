"""The session's optimizer steps (the seed's ``sgdStepAll``, ``adamStepAll``...).

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

from ..optim import SGD, Adam, AdamW

if TYPE_CHECKING:
    from ..params import Param
    from .session import Session
    from .tape import Gradients

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
