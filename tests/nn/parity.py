"""Layer parity with torch.nn: the same state dict in both, float64, forward values and the
gradients of every parameter and input for one random cotangent per output; eager and compiled.

``check(ours, theirs, *inputs)`` is the whole test of a layer: ``ours`` is a ``torchlean.nn``
module, ``theirs`` the equivalent ``torch.nn`` module (its state dict is loaded into ours),
``inputs`` NumPy arrays (float ones get gradients). Outputs may be nested tuples/lists.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import torchlean as tl
from torchlean.compiled.config import compile_options


def flatten(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in flatten(t)]
    return [] if tree is None else [tree]


def torch_run(theirs: torch.nn.Module, inputs: list[np.ndarray], cots: list[np.ndarray] | None, **kw: Any):
    xs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    outs = flatten(theirs(*xs, **kw))
    if cots is None:
        cots = [np.random.default_rng(7 + i).standard_normal(tuple(o.shape)) for i, o in enumerate(outs)]
    loss = sum((o * torch.tensor(c)).sum() for o, c in zip(outs, cots) if o.dtype.is_floating_point)
    theirs.zero_grad()
    loss.backward()
    grads = {n: (p.grad.numpy() if p.grad is not None else None) for n, p in theirs.named_parameters()}
    return [o.detach().numpy() for o in outs], grads, [x.grad.numpy() if x.grad is not None else None
                                                       for x in xs], cots


def ours_run(ours: tl.nn.Module, inputs: list[np.ndarray], cots: list[np.ndarray], compiled: bool, **kw: Any):
    s = tl.Session(dtype=np.float64)
    xs = [s.input(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    fn = tl.compile(ours) if compiled else ours
    with compile_options(eager_calls=0):  # compiled: the lowered graph, even a very large one
        outs = flatten(fn(*xs, **kw))
    ours.zero_grad()
    loss = None
    for o, c in zip(outs, cots):
        if o.dtype.kind == "f":
            term = (o * s.input(c)).sum()
            loss = term if loss is None else loss + term
    loss.backward()
    grads = {n: (None if p.grad is None else np.asarray(p.grad)) for n, p in ours.named_parameters()}
    return [o.numpy() for o in outs], grads, [None if x.grad is None else np.asarray(x.grad)
                                              for x in xs]


def check(ours: tl.nn.Module, theirs: torch.nn.Module, *inputs: np.ndarray, rtol: float = 1e-10,
          atol: float = 1e-12, compiled: bool = True, **kw: Any) -> None:
    theirs = theirs.double()
    ours.to(dtype=np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict()), "state-dict keys differ from torch's"
    ours.load_state_dict(theirs.state_dict())
    inputs_ = [np.asarray(a) for a in inputs]
    t_out, t_grads, t_xgrads, cots = torch_run(theirs, inputs_, None, **kw)
    for mode in (False, True) if compiled else (False,):
        o_out, o_grads, o_xgrads = ours_run(ours, inputs_, cots, mode, **kw)
        where = "compiled" if mode else "eager"
        assert len(o_out) == len(t_out), where
        for a, b in zip(o_out, t_out):
            assert a.shape == b.shape, (where, a.shape, b.shape)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{where} forward")
        assert set(o_grads) == set(t_grads)
        for n, g in t_grads.items():
            if g is None:
                assert o_grads[n] is None or not np.any(o_grads[n]), (where, n)
            else:
                np.testing.assert_allclose(o_grads[n], g, rtol=rtol, atol=atol, err_msg=f"{where} grad {n}")
        for a, b in zip(o_xgrads, t_xgrads):
            if b is not None:
                np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{where} input grad")
