"""A small float64 model built twice, in torchlean and in torch, for step-by-step comparisons.

``Twin`` holds the same four parameters (a 5-7-3 tanh MLP) as ``Param`` objects and as torch
tensors; ``backward(step)`` runs the PyTorch loop's forward and ``loss.backward()`` on both (the
torchlean side on one session, without ``reset``: each backward releases its graph), so
``Param.grad`` and ``tensor.grad`` hold the same gradients for the optimizers to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import torchlean as tl

RTOL = 1e-10
SHAPES = [(7, 5), (7,), (3, 7), (3,)]
NAMES = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]


@pytest.fixture(autouse=True)
def torch_float64():
    """torch keeps scalar state (NAdam's mu_product, step) in its default dtype; float64 makes it
    double precision, as torchlean keeps it."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def batches(n: int = 4, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((16, 5)), rng.standard_normal((16, 3))) for _ in range(n)]


class Twin:
    def __init__(self, seed: int = 0, values: list[np.ndarray] | None = None) -> None:
        rng = np.random.default_rng(100 + seed)
        vals = values if values is not None else [rng.standard_normal(s) * 0.5 for s in SHAPES]
        self.s = tl.Session(dtype=np.float64)
        self.params = [tl.Param(v, name=n) for v, n in zip(vals, NAMES)]
        self.tparams = [torch.tensor(np.array(v), requires_grad=True) for v in vals]
        self.data = batches()

    def groups(self, spec: list[dict[str, Any]] | None) -> tuple[Any, Any]:
        """The ``params`` argument for both optimizers: a list, or groups ``{"idx": [...], **hyper}``."""
        if spec is None:
            return list(self.params), list(self.tparams)
        ours = [{**{k: v for k, v in g.items() if k != "idx"}, "params": [self.params[i] for i in g["idx"]]}
                for g in spec]
        theirs = [{**{k: v for k, v in g.items() if k != "idx"}, "params": [self.tparams[i] for i in g["idx"]]}
                  for g in spec]
        return ours, theirs

    def backward(self, step: int) -> tuple[float, float]:
        x, y = self.data[step % len(self.data)]
        s = self.s
        w1, b1, w2, b2 = self.params
        loss = s.mse_loss(s.linear(w2, b2, s.tanh(s.linear(w1, b1, s.input(x)))), s.input(y))
        loss.backward()
        t1, tb1, t2, tb2 = self.tparams
        tl_ = torch.nn.functional.linear
        tloss = torch.nn.functional.mse_loss(tl_(torch.tanh(tl_(torch.tensor(x), t1, tb1)), t2, tb2), torch.tensor(y))
        tloss.backward()
        return loss.item(), tloss.item()

    def check(self, what: str) -> None:
        for p, t in zip(self.params, self.tparams):
            np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=RTOL, atol=0, err_msg=f"{what}: {p.name}")

    def values(self) -> list[np.ndarray]:
        return [p.value.copy() for p in self.params]


def run(twin: Twin, opt: Any, topt: Any, steps: int, start: int = 0,
        after: Callable[[int], None] | None = None) -> None:
    """``steps`` training steps on both, parameters compared after every one."""
    for k in range(start, start + steps):
        opt.zero_grad()
        topt.zero_grad()
        loss, tloss = twin.backward(k)
        assert loss == pytest.approx(tloss, rel=RTOL), f"loss at step {k}"
        opt.step()
        topt.step()
        if after is not None:
            after(k)
        twin.check(f"step {k}")


def to_torch(sd: Any) -> Any:
    """Our state dict with its arrays as torch tensors (what torch.optim's load_state_dict takes)."""
    if isinstance(sd, np.ndarray):
        return torch.tensor(sd)
    if isinstance(sd, dict):
        return {k: to_torch(v) for k, v in sd.items()}
    if isinstance(sd, list):
        return [to_torch(v) for v in sd]
    return sd
