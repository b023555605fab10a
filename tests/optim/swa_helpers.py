"""A float64 MLP with a BatchNorm built twice (torchlean.nn and torch.nn, the same weights) and
a training step on both, for the swa_utils tests."""

from __future__ import annotations

import numpy as np
import torch

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F

RTOL = 1e-12


def twin_models(seed: int = 0) -> tuple[nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.BatchNorm1d(6), torch.nn.Tanh(),
                             torch.nn.Linear(6, 3)).double()
    m = nn.Sequential(nn.Linear(5, 6, dtype=np.float64), nn.BatchNorm1d(6, dtype=np.float64), nn.Tanh(),
                      nn.Linear(6, 3, dtype=np.float64))
    m.load_state_dict(tm.state_dict())
    return m, tm


def data(n: int = 6, seed: int = 0, batch: int = 8) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((batch, 5)) * 2 + 0.5, rng.standard_normal((batch, 3))) for _ in range(n)]


class Trainer:
    """SGD with momentum on both models, the same batches."""

    def __init__(self, m: nn.Module, tm: torch.nn.Module, lr: float = 0.1) -> None:
        self.m, self.tm = m, tm
        self.s = tl.Session(dtype=np.float64)
        self.opt = tl.optim.SGD(m.parameters(), lr=lr, momentum=0.9)
        self.topt = torch.optim.SGD(tm.parameters(), lr=lr, momentum=0.9)
        self.batches = data(8, seed=1)

    def step(self, k: int) -> None:
        x, y = self.batches[k % len(self.batches)]
        self.opt.zero_grad()
        self.topt.zero_grad()
        F.mse_loss(self.m(self.s.input(x)), self.s.input(y)).backward()
        torch.nn.functional.mse_loss(self.tm(torch.tensor(x)), torch.tensor(y)).backward()
        self.opt.step()
        self.topt.step()


def assert_same_state(ours: dict, theirs: dict, rtol: float = RTOL) -> None:
    assert list(ours) == list(theirs)
    for k, v in ours.items():
        t = theirs[k].detach().numpy()
        assert v.dtype == t.dtype, k
        np.testing.assert_allclose(v, t, rtol=rtol, atol=1e-15, err_msg=k)


def forward_both(m: nn.Module, tm: torch.nn.Module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = tl.Session(dtype=np.float64)
    with tl.no_grad(), torch.no_grad():
        return m(s.input(x)).numpy(), tm(torch.tensor(x)).numpy()
