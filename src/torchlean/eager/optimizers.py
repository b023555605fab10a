"""The session's optimizer steps (the seed's ``sgdStepAll``, ``adamStepAll``...).

``Session.sgd_step``/``adam_step``/``adamw_step`` update every trainable parameter used on the
tape once, with the gradients of its leaves summed. Each kind keeps one public optimizer object
per session (``Session.optimizer(kind)``), whose state is keyed by ``Param`` and survives
``reset``. Hyperparameters are validated before anything changes, on every call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..optim.optimizers import SGD, Adam, AdamW

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
    """One step of the session's optimizer of ``kind`` with ``hyper``: hyperparameters and
    gradients are validated first; on any failure the optimizer is left exactly as it was."""
    op = f"{kind}_step"
    opt = session._optimizers.get(kind)
    fresh = opt is None
    unchanged = not fresh and all(getattr(opt, k) == v for k, v in hyper.items())
    if fresh:
        opt = _KINDS[kind]([], **hyper)  # validates the hyperparameters
    elif not unchanged:
        opt.check_hyper(**hyper)
    found = session.params_with_grads(grads, op)
    old_hyper = {k: getattr(opt, k) for k in hyper}
    n_params = len(opt.params)
    known = set(opt.params)
    opt.params.extend(p for p, _ in found if p not in known)
    try:
        if not fresh and not unchanged:
            opt.set_hyper(**hyper)
        opt.step(dict(found))
    except BaseException:
        del opt.params[n_params:]
        for k, v in old_hyper.items():
            setattr(opt, k, v)
        raise
    session._optimizers[kind] = opt
