"""Shared by the tests/unit/test_linalg_*.py files: run a torchlean function and its torch
counterpart on the same arrays and compare values and gradients, eagerly and under tl.compile."""

from __future__ import annotations

import numpy as np
import torch

import torchlean as tl


def _flat(v):
    return [u for w in v for u in _flat(w)] if isinstance(v, (tuple, list)) else [v]


def run_both(fn, tfn, arrays, *, rtol=1e-9, atol=1e-10, compiled=True, seed=0):
    """``fn`` (torchlean tensors -> tensor or tuple) against ``tfn`` (torch): every float output's
    value and dtype, and the gradient of ``sum(out * cot)`` (random ``cot`` per float output) for
    every float input, eagerly and (``compiled``) through ``tl.compile``."""
    rng = np.random.default_rng(seed)
    arrays = [np.ascontiguousarray(a) for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    refs = _flat(tfn(*ts))
    cots = [rng.standard_normal(tuple(r.shape)) if r.dtype.is_floating_point else None for r in refs]
    loss = sum((r * torch.tensor(c)).sum() for r, c in zip(refs, cots) if c is not None and r.requires_grad)
    tgrads = [None] * len(ts)
    if torch.is_tensor(loss) and loss.requires_grad:
        want = [t for t in ts if t.requires_grad]
        got = torch.autograd.grad(loss, want, allow_unused=True)
        it = iter(got)
        tgrads = [next(it) if t.requires_grad else None for t in ts]
    for mode in ("eager", "compiled") if compiled else ("eager",):
        s = tl.Session(dtype=np.float64)
        xs = [s.input(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        outs = _flat((tl.compile(fn) if mode == "compiled" else fn)(*xs))
        assert len(outs) == len(refs), mode
        total = None
        for o, r, c in zip(outs, refs, cots):
            assert tuple(o.shape) == tuple(r.shape), (mode, o.shape, r.shape)
            assert o.dtype.name == str(r.dtype).removeprefix("torch."), (mode, o.dtype, r.dtype)
            np.testing.assert_allclose(o.numpy(), r.detach().numpy(), rtol=rtol, atol=atol, err_msg=mode)
            if c is not None and o.requires_grad:
                term = (o * s.input(c)).sum()
                total = term if total is None else total + term
        if total is None:
            continue
        total.backward()
        for x, g in zip(xs, tgrads):
            if g is None:
                continue
            mine = np.zeros(x.shape) if x.grad is None else np.asarray(x.grad)
            np.testing.assert_allclose(mine, g.numpy(), rtol=rtol * 10, atol=atol * 10, err_msg=f"{mode} gradient")


def refuses(fn, session, error, *words):
    """``fn()`` raises ``error`` whose message has every word, and records nothing."""
    before = len(session)
    try:
        fn()
    except error as e:
        msg = str(e)
        assert all(w in msg for w in words), msg
    else:
        raise AssertionError(f"no {error.__name__}")
    assert len(session) == before, "a failed call changed the tape"
