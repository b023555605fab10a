"""Model parity with torch.nn (issue 10, "Done when"): a TransformerEncoder classifier and an LSTM
classifier, each built with ``torchlean.nn`` and with ``torch.nn``, the same state dict in both.

* forward and every parameter's gradient agree (float64, rtol 1e-10), eager and compiled;
* 50 training steps of the PyTorch loop ``loss = F.cross_entropy(model(x), y); loss.backward();
  clip_grad_norm_; opt.step(); sched.step(); opt.zero_grad()`` with AdamW and CosineAnnealingLR
  (no explicit reset, dropout 0) agree with torch's loop: every loss and every final parameter
  (float64, rtol 1e-9), eager and with ``tl.compile(model)``.
"""

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as F
from torchlean import nn
from torchlean.nn.utils import clip_grad_norm_
from torchlean.optim.lr_scheduler import CosineAnnealingLR

TF = torch.nn.functional
N, S, IN, D, HEADS, FF, C = 6, 5, 4, 8, 2, 16, 3
STEPS, LR, WD, MAX_NORM = 50, 0.02, 0.05, 0.5


# -- the two architectures, written once per library ---------------------------------------------
def _encoder_classifier(lib, layer_norm, norm_first, activation):
    """Linear input projection -> TransformerEncoder (2 layers, final norm) -> mean over the
    unpadded positions -> Linear head. ``lib`` is torch.nn or torchlean.nn."""
    is_torch = lib is torch.nn

    class Model(lib.Module):
        def __init__(self):
            super().__init__()
            self.proj = lib.Linear(IN, D)
            layer = lib.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation=activation,
                                                batch_first=True, norm_first=norm_first)
            extra = {"enable_nested_tensor": False} if is_torch else {}
            self.encoder = lib.TransformerEncoder(layer, 2, layer_norm(D), **extra)
            self.head = lib.Linear(D, C)

        def forward(self, x, pad, keep):
            h = self.encoder(self.proj(x), src_key_padding_mask=pad)
            return self.head((h * keep).sum(1) / keep.sum(1))

    return Model()


def _lstm_classifier(lib):
    """LSTM (2 layers, batch first) -> the last step's output -> Linear head."""

    class Model(lib.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lib.LSTM(IN, D, num_layers=2, batch_first=True)
            self.head = lib.Linear(D, C)

        def forward(self, x, pad, keep):
            out, (h, c) = self.lstm(x)
            return self.head(out[:, -1] + 0.5 * h[0] - 0.25 * c[-1])

    return Model()


ARCHS = {
    "encoder-post-norm-relu": lambda lib, ln: _encoder_classifier(lib, ln, False, "relu"),
    "encoder-pre-norm-gelu": lambda lib, ln: _encoder_classifier(lib, ln, True, "gelu"),
    "encoder-post-norm-gelu": lambda lib, ln: _encoder_classifier(lib, ln, False, "gelu"),
    "encoder-pre-norm-relu": lambda lib, ln: _encoder_classifier(lib, ln, True, "relu"),
    "lstm": lambda lib, ln: _lstm_classifier(lib),
}


def _models(arch):
    torch.manual_seed(0)
    theirs = ARCHS[arch](torch.nn, torch.nn.LayerNorm).double()
    ours = ARCHS[arch](nn, nn.LayerNorm).to(dtype=np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _batches():
    """Fixed data (padded sequences of random lengths); the label is a function of the
    unpadded positions, so the models can learn it."""
    rng = np.random.default_rng(3)
    rule = rng.standard_normal((IN, C))
    out = []
    for _ in range(5):  # five batches, seen ten times each
        x = rng.standard_normal((N, S, IN))
        lengths = rng.integers(2, S + 1, N)
        pad = np.arange(S)[None, :] >= lengths[:, None]  # True = padding (ignored keys)
        keep = (~pad)[:, :, None].astype(np.float64)
        y = (((x * keep).sum(1) / keep.sum(1)) @ rule).argmax(1)
        out.append((x, pad, keep, y))
    return out * (STEPS // 5)


# -- one step: forward and every gradient ----------------------------------------------------------
@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_forward_and_every_gradient_agree(arch, compiled):
    ours, theirs = _models(arch)
    x, pad, keep, y = _batches()[0]
    t_logits = theirs(torch.tensor(x), torch.tensor(pad), torch.tensor(keep))
    TF.cross_entropy(t_logits, torch.tensor(y)).backward()

    s = tl.Session(dtype=np.float64)
    model = tl.compile(ours) if compiled else ours
    logits = model(s.input(x), s.input(pad), s.input(keep))
    F.cross_entropy(logits, s.input(y)).backward()
    np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), rtol=1e-10, atol=1e-12)
    t_grads = dict(theirs.named_parameters())
    grads = dict(ours.named_parameters())
    assert set(grads) == set(t_grads)
    for name, p in grads.items():
        assert p.grad is not None, name
        np.testing.assert_allclose(np.asarray(p.grad), t_grads[name].grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


# -- 50 training steps ------------------------------------------------------------------------------
def _train_torch(theirs, batches):
    opt = torch.optim.AdamW(theirs.parameters(), lr=LR, weight_decay=WD)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS)
    losses, norms = [], []
    for x, pad, keep, y in batches:
        loss = TF.cross_entropy(theirs(torch.tensor(x), torch.tensor(pad), torch.tensor(keep)), torch.tensor(y))
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(theirs.parameters(), MAX_NORM)))
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(loss.item())
    return losses, norms


def _train_ours(ours, batches, compiled):
    s = tl.Session(dtype=np.float64)
    model = tl.compile(ours) if compiled else ours
    opt = tl.optim.AdamW(ours.parameters(), lr=LR, weight_decay=WD)
    sched = CosineAnnealingLR(opt, T_max=STEPS)
    losses = []
    for x, pad, keep, y in batches:  # the PyTorch loop as written: no s.reset()
        loss = F.cross_entropy(model(s.input(x), s.input(pad), s.input(keep)), s.input(y))
        loss.backward()
        clip_grad_norm_(ours.parameters(), MAX_NORM)
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(loss.item())
    return losses, model


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
# each norm placement and each activation once (all four combinations are in the gradient test)
@pytest.mark.parametrize("arch", ["encoder-post-norm-relu", "encoder-pre-norm-gelu", "lstm"])
def test_50_training_steps_agree(arch, compiled):
    ours, theirs = _models(arch)
    batches = _batches()
    t_losses, norms = _train_torch(theirs, batches)
    assert max(norms) > MAX_NORM  # the clipping really clipped
    losses, model = _train_ours(ours, batches, compiled)
    np.testing.assert_allclose(losses, t_losses, rtol=1e-9)
    assert np.mean(t_losses[-10:]) < 0.7 * np.mean(t_losses[:10])  # it learned
    t_state = theirs.state_dict()
    for name, v in ours.state_dict().items():
        # atol: the key part of in_proj_bias has a true gradient of zero (softmax ignores a shift
        # of every score), so both libraries move it by rounding noise (~1e-11) only
        np.testing.assert_allclose(v, t_state[name].numpy(), rtol=1e-9, atol=1e-10, err_msg=name)
    if compiled:
        assert model.cache_size == 1  # one signature for all 50 steps
