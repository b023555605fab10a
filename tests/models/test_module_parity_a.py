"""PyTorch-architecture parity (issue 10, "Done when"): an MLP and a CNN with BatchNorm2d, each
built with ``torchlean.nn`` and with ``torch.nn``, the same state dict in both (float64).

* one step: the logits, the loss and every parameter's gradient agree (rtol 1e-10), eagerly and
  through ``tl.compile(model)``;
* 50 training steps with AdamW + CosineAnnealingLR + clip_grad_norm_, written as the PyTorch loop
  (``loss.backward(); clip; opt.step(); sched.step(); opt.zero_grad()``, no explicit reset): the
  losses, the learning rates, the final parameters and the BatchNorm running statistics agree
  with torch's (rtol 1e-9), eagerly and compiled; then an evaluation pass on the running
  statistics agrees too.
"""

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as F
from torchlean import nn
from torchlean.nn.utils import clip_grad_norm_

TF = torch.nn.functional
STEPS, LR, MAX_NORM = 50, 0.02, 0.5


def _mlp(lib):
    return lib.Sequential(lib.Linear(6, 16), lib.ReLU(), lib.Linear(16, 16), lib.Tanh(), lib.Linear(16, 4))


def _cnn(lib):
    # A convolution's bias right before a BatchNorm has a zero gradient in exact arithmetic: its
    # computed gradient is rounding noise, which Adam would amplify to full-size steps of a
    # random sign. So the first convolution has none, and the second's bias goes through a ReLU.
    return lib.Sequential(
        lib.Conv2d(2, 4, 3, padding=1, bias=False), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(4, 6, 3, padding=1), lib.ReLU(), lib.BatchNorm2d(6, momentum=None), lib.MaxPool2d(2),
        lib.Flatten(), lib.Linear(6 * 2 * 2, 4),
    )


MODELS = {"mlp": (_mlp, (6,)), "cnn": (_cnn, (2, 8, 8))}


def _pair(name):
    """(ours, torch's), float64, the same state dict (torch's init loaded into ours)."""
    make, _ = MODELS[name]
    torch.manual_seed(0)
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _batches(name, n):
    """Fixed data: batches of 8, with a short batch of 5 every fifth step (a second signature
    for the compiled model)."""
    rng = np.random.default_rng(11)
    shape = MODELS[name][1]
    sizes = [5 if i % 5 == 4 else 8 for i in range(n)]
    return [(rng.standard_normal((b, *shape)), rng.integers(0, 4, b)) for b in sizes]


def _assert_state_close(ours, theirs, rtol, what):
    tsd = theirs.state_dict()
    sd = ours.state_dict()
    assert list(sd) == list(tsd)
    for k, v in tsd.items():
        if v.dtype == torch.int64:  # num_batches_tracked
            assert int(sd[k]) == int(v), (what, k)
        else:
            np.testing.assert_allclose(sd[k], v.numpy(), rtol=rtol, atol=1e-13, err_msg=f"{what} {k}")


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_and_every_gradient_match_torch(name, compiled):
    ours, theirs = _pair(name)
    x, y = _batches(name, 1)[0]
    tlogits = theirs(torch.tensor(x))
    tloss = TF.cross_entropy(tlogits, torch.tensor(y))
    tloss.backward()
    s = tl.Session(dtype=np.float64)
    model = tl.compile(ours) if compiled else ours
    logits = model(s.input(x))
    loss = F.cross_entropy(logits, s.input(y))
    loss.backward()
    np.testing.assert_allclose(logits.numpy(), tlogits.detach().numpy(), rtol=1e-10, atol=1e-13)
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
    grads = dict(ours.named_parameters())
    for k, p in theirs.named_parameters():
        np.testing.assert_allclose(grads[k].grad, p.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=k)
    _assert_state_close(ours, theirs, 1e-10, "after one step")  # BatchNorm's statistics updated alike


def _train_torch(theirs, batches):
    opt = torch.optim.AdamW(theirs.parameters(), lr=LR, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS, eta_min=1e-4)
    losses, norms, lrs = [], [], []
    for x, y in batches:
        loss = TF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(theirs.parameters(), MAX_NORM)))
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(loss.item())
        lrs.append(sched.get_last_lr()[0])
    return losses, norms, lrs


def _train_ours(ours, batches, compiled):
    opt = tl.optim.AdamW(ours.parameters(), lr=LR, weight_decay=0.05)
    sched = tl.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS, eta_min=1e-4)
    model = tl.compile(ours) if compiled else ours
    s = tl.Session(dtype=np.float64)
    losses, norms, lrs = [], [], []
    for x, y in batches:  # the PyTorch loop, as written, no s.reset()
        loss = F.cross_entropy(model(s.input(x)), s.input(y))
        loss.backward()
        norms.append(float(clip_grad_norm_(ours.parameters(), MAX_NORM)))
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(loss.item())
        lrs.append(sched.get_last_lr()[0])
    return losses, norms, lrs, model, s


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_fifty_adamw_cosine_clipped_steps_match_torch(name, compiled):
    batches = _batches(name, STEPS)
    ours, theirs = _pair(name)
    t_losses, t_norms, t_lrs = _train_torch(theirs, batches)
    losses, norms, lrs, model, s = _train_ours(ours, batches, compiled)
    np.testing.assert_allclose(losses, t_losses, rtol=1e-9)
    np.testing.assert_allclose(norms, t_norms, rtol=1e-9)
    np.testing.assert_allclose(lrs, t_lrs, rtol=1e-12)
    assert any(n > MAX_NORM for n in t_norms), "the clipping never acted"
    assert t_losses[-1] < t_losses[0], "the model did not train"
    _assert_state_close(ours, theirs, 1e-9, f"after {STEPS} steps")
    if compiled:
        assert model.cache_size == 2  # batches of 8 and of 5, in train mode
    # evaluation: BatchNorm normalises with the running statistics
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(12).standard_normal((3, *MODELS[name][1]))
    np.testing.assert_allclose(model(s.input(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-9, atol=1e-12)
    _assert_state_close(ours, theirs, 1e-9, "after evaluation")


def test_eager_and_compiled_training_end_with_identical_batchnorm_buffers():
    batches = _batches("cnn", 10)
    ends = []
    for compiled in (False, True):
        ours, _ = _pair("cnn")
        _train_ours(ours, batches, compiled)
        ends.append(ours.state_dict())
    bufs = [k for k in ends[0] if "running" in k or "num_batches" in k]
    assert len(bufs) == 6
    for k in bufs:
        np.testing.assert_allclose(ends[0][k], ends[1][k], rtol=1e-12, atol=1e-15, err_msg=k)
    assert int(ends[1]["6.num_batches_tracked"]) == 10
