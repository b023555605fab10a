"""Composite architectures built twice, with torchlean.nn and torch.nn, from one state dict:
the output and every parameter's gradient agree in float64, eagerly and under ``tl.compile``
(with fusion, where the fused regions read graph outputs computed earlier in the same graph).

Covers what the single-layer parity tests do not: skip connections through ``cat``, GroupNorm
followed by SiLU, ConvTranspose2d upsampling, Conv1d over embeddings with max over time,
a two-layer bidirectional GRU feeding LayerNorm, weight tying with a buffer, ModuleDict and
nn.Parameter, Upsample, MultiheadAttention with kdim/vdim, a key padding mask and per-head
weights, a MobileNet-style block (grouped conv, BatchNorm in train mode, Hardswish, ReLU6) and a
VAE loss (reparameterisation, ELU, binary cross-entropy, KL)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn as tnn
from torchlean.compiled import codegen_numba
from torchlean.compiled.config import compile_options


def _cat(lib):
    return torch.cat if lib is torch.nn else tl.cat


def _unet(n):
    class UNet(n.Module):
        def __init__(self):
            super().__init__()
            self.d1 = n.Sequential(n.Conv2d(3, 8, 3, padding=1), n.GroupNorm(2, 8), n.SiLU())
            self.down = n.Conv2d(8, 16, 3, stride=2, padding=1)
            self.up = n.ConvTranspose2d(16, 8, 2, stride=2)
            self.out = n.Conv2d(16, 2, 1)

        def forward(self, x):
            a = self.d1(x)
            return self.out(_cat(n)([a, self.up(self.down(a).relu())], dim=1))

    return UNet()


def _textcnn(n):
    class TextCNN(n.Module):
        def __init__(self):
            super().__init__()
            self.emb = n.Embedding(20, 8, padding_idx=0)
            self.convs = n.ModuleList([n.Conv1d(8, 4, k) for k in (2, 3)])
            self.fc = n.Linear(8, 3)

        def forward(self, x):
            e = self.emb(x).transpose(1, 2)
            return self.fc(_cat(n)([c(e).relu().amax(dim=2) for c in self.convs], dim=1))

    return TextCNN()


def _gru(n):
    class GRUHead(n.Module):
        def __init__(self):
            super().__init__()
            self.gru = n.GRU(5, 7, num_layers=2, batch_first=True, bidirectional=True)
            self.ln = n.LayerNorm(14)
            self.head = n.Linear(14, 2)

        def forward(self, x):
            out, _ = self.gru(x)
            return self.head(self.ln(out[:, -1]))

    return GRUHead()


def _tied(n):
    class Tied(n.Module):
        def __init__(self):
            super().__init__()
            self.emb = n.Embedding(11, 6)
            self.proj = n.Linear(6, 11, bias=False)
            self.proj.weight = self.emb.weight
            self.register_buffer("scale", torch.full((1,), 2.0) if n is torch.nn else np.full((1,), 2.0))

        def forward(self, x):
            return self.proj(self.emb(x) * self.scale).log_softmax(-1)

    return Tied()


def _mixer(n):
    class Mixer(n.Module):
        def __init__(self):
            super().__init__()
            self.p = n.Parameter(torch.zeros(4, 6) if n is torch.nn else np.zeros((4, 6)))
            self.blocks = n.ModuleDict({"a": n.Linear(6, 6), "b": n.Sequential(n.GELU(), n.Linear(6, 6))})
            self.up = n.Upsample(scale_factor=2, mode="nearest")

        def forward(self, x):
            h = x @ self.p
            h = self.blocks["b"](self.blocks["a"](h)) + h
            return self.up(h.unsqueeze(1).unsqueeze(1)).flatten(1).softmax(-1)

    return Mixer()


def _attn(n):
    class Attn(n.Module):
        def __init__(self):
            super().__init__()
            self.mha = n.MultiheadAttention(8, 2, batch_first=True, kdim=6, vdim=5)

        def forward(self, q, k, v, mask):
            out, w = self.mha(q, k, v, key_padding_mask=mask, need_weights=True, average_attn_weights=False)
            return out.sum() + (w * w).sum()

    return Attn()


def _mobilenet(n):
    return n.Sequential(n.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), n.BatchNorm2d(8), n.Hardswish(),
                        n.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), n.BatchNorm2d(8), n.ReLU6(),
                        n.Conv2d(8, 12, 1), n.Hardsigmoid(), n.AdaptiveAvgPool2d(1), n.Flatten(), n.Linear(12, 5))


def _vae(n):
    F = torch.nn.functional if n is torch.nn else tnn.functional

    class VAE(n.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.mu, self.logvar = n.Linear(10, 8), n.Linear(8, 3), n.Linear(8, 3)
            self.dec = n.Sequential(n.Linear(3, 8), n.ELU(), n.Linear(8, 10), n.Sigmoid())

        def forward(self, x, eps):
            h = F.leaky_relu(self.enc(x), 0.1)
            mu, lv = self.mu(h), self.logvar(h)
            rec = self.dec(mu + (0.5 * lv).exp() * eps)
            kl = -0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum()
            return F.binary_cross_entropy(rec, x.clamp(0, 1), reduction="sum") + kl

    return VAE()


def _inputs(name):
    rng = np.random.default_rng(1)
    if name == "textcnn":
        return [rng.integers(0, 20, (3, 7))]
    if name == "tied":
        return [rng.integers(0, 11, (2, 5))]
    if name == "attn":
        mask = np.zeros((2, 4), bool)
        mask[0, 3] = True
        return [rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 4, 5)), mask]
    if name == "vae":
        return [rng.random((6, 10)), rng.standard_normal((6, 3))]
    shape = {"unet": (2, 3, 8, 8), "gru": (3, 6, 5), "mixer": (3, 4), "mobilenet": (4, 3, 16, 16)}[name]
    return [rng.standard_normal(shape)]


ARCHS = {"unet": _unet, "textcnn": _textcnn, "gru": _gru, "tied": _tied, "mixer": _mixer, "attn": _attn,
         "mobilenet": _mobilenet, "vae": _vae}


MODES = [pytest.param("eager"), pytest.param("compiled"),
         pytest.param("fused", marks=pytest.mark.skipif(not codegen_numba.available(),
                                                         reason="numba is not installed (no fusion)"))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(ARCHS))
def test_architecture_output_and_gradients_match_torch(name, mode):
    with compile_options(fusion=mode == "fused"):  # the suite runs unfused by default (conftest)
        _check(name, compiled=mode != "eager")


def _check(name, compiled):
    torch.manual_seed(0)
    theirs = ARCHS[name](torch.nn).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(0.1 * torch.randn_like(p))  # the mixer's zero matrix, and no symmetric weights
    ours = ARCHS[name](tnn).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    arrays = _inputs(name)
    s = tl.Session(dtype=np.float64)
    out = (tl.compile(ours) if compiled else ours)(*[s.input(a) for a in arrays])
    ref = theirs(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    (out * out).sum().backward()
    (ref * ref).sum().backward()
    want = dict(theirs.named_parameters())
    for k, p in ours.named_parameters():
        # rtol 1e-7: torch's CPU hardsigmoid backward multiplies by 1/6 rounded to float32 even in
        # float64 (a relative 3e-8), where torchlean divides by 6
        ref_grad = want[k].grad.numpy()
        np.testing.assert_allclose(np.asarray(p.grad), ref_grad, rtol=1e-7, atol=1e-9 * np.abs(ref_grad).max(),
                                   err_msg=k)
    state = theirs.state_dict()  # BatchNorm's running statistics, updated in train mode
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v, state[k].numpy(), rtol=1e-10, atol=1e-13, err_msg=k)
