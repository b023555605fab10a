"""Models written once with ``F.*`` and tensor methods, run by torchlean and by PyTorch: the same
losses over 20 SGD steps (float64, rtol 1e-9).

* a causal char-level transformer block: embedding, scaled_dot_product_attention(is_causal),
  layer_norm, exact gelu, cross_entropy with ignore_index (padding targets);
* an MLP with batch_norm in training mode (running statistics updated in place, as PyTorch's
  buffers), silu/leaky_relu, cross_entropy with class weights and label smoothing, then an
  evaluation pass on the running statistics.
"""

import numpy as np
import torch

import torchlean as tl
import torchlean.nn.functional as tlF

TF = torch.nn.functional
STEPS, LR = 20, 0.1
V, T, D, H = 11, 6, 8, 2


def _transformer_loss(F, p, ids, targets):  # F: either library's functional module
    b, t = ids.shape
    x = F.embedding(ids, p["emb"], padding_idx=0) + p["pos"]
    h = F.layer_norm(x, (D,), p["ln1_w"], p["ln1_b"])

    def heads(z):
        return z.reshape(b, t, H, D // H).transpose(1, 2)

    q, k, v = heads(h @ p["wq"].t()), heads(h @ p["wk"].t()), heads(h @ p["wv"].t())
    a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, D)
    x = x + a @ p["wo"].t()
    h = F.layer_norm(x, (D,), p["ln2_w"], p["ln2_b"])
    x = x + F.gelu(h @ p["w1"].t() + p["b1"]) @ p["w2"].t() + p["b2"]
    logits = F.layer_norm(x, (D,)) @ p["emb"].t()
    return F.cross_entropy(logits.reshape(b * t, V), targets.reshape(b * t), ignore_index=-1)


def _transformer_params(rng):
    n = lambda *s: rng.standard_normal(s) * 0.3
    return {"emb": n(V, D), "pos": n(T, D), "ln1_w": 1 + n(D), "ln1_b": n(D), "wq": n(D, D), "wk": n(D, D),
            "wv": n(D, D), "wo": n(D, D), "ln2_w": 1 + n(D), "ln2_b": n(D), "w1": n(2 * D, D), "b1": n(2 * D),
            "w2": n(D, 2 * D), "b2": n(D)}


def _train_torchlean(loss_fn, init, batches):
    s = tl.Session(dtype=np.float64)
    params = {k: s.param(v, name=k) for k, v in init.items()}
    losses = []
    for inputs in batches:
        s.reset()
        p = {k: s.use(v) for k, v in params.items()}
        loss = loss_fn(tlF, p, *(s.input(a) for a in inputs))
        losses.append(float(s.value(loss)))
        loss.backward()
        s.sgd_step(LR)
    return losses, params


def _train_torch(loss_fn, init, batches):
    params = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    losses = []
    for inputs in batches:
        loss = loss_fn(TF, params, *(torch.tensor(a) for a in inputs))
        losses.append(loss.item())
        grads = torch.autograd.grad(loss, list(params.values()))
        with torch.no_grad():
            for p, g in zip(params.values(), grads):
                p -= LR * g
    return losses, params


def test_causal_transformer_trains_like_pytorch():
    rng = np.random.default_rng(0)
    init = _transformer_params(rng)
    batches = []
    for _ in range(STEPS):
        ids = rng.integers(1, V, (3, T))
        ids[0, -2:] = 0  # padding tokens (padding_idx=0) with ignored targets
        targets = np.roll(ids, -1, axis=1)
        targets[:, -1] = -1
        targets[ids == 0] = -1
        batches.append((ids, targets))
    ours, params = _train_torchlean(_transformer_loss, init, batches)
    ref, tparams = _train_torch(_transformer_loss, init, batches)
    np.testing.assert_allclose(ours, ref, rtol=1e-9)
    assert ours[-1] < ours[0]
    for k in init:
        np.testing.assert_allclose(params[k].value, tparams[k].detach().numpy(), rtol=1e-8, atol=1e-10, err_msg=k)


C_IN, C_HID, C_OUT = 5, 6, 3
CLASS_W = np.array([1.0, 2.0, 0.5])


def _mlp_logits(F, p, x, rm, rv, training):
    h = F.batch_norm(x @ p["w1"].t(), rm, rv, p["g"], p["beta"], training=training, momentum=0.2)
    h = F.leaky_relu(F.silu(h), 0.1)
    return h @ p["w2"].t() + p["b2"]


def _mlp_loss(rm, rv):
    def loss(F, p, x, y, w):
        return F.cross_entropy(_mlp_logits(F, p, x, rm, rv, True), y, w, label_smoothing=0.1)
    return loss


def test_mlp_with_batch_norm_running_statistics_trains_like_pytorch():
    rng = np.random.default_rng(1)
    init = {"w1": rng.standard_normal((C_HID, C_IN)) * 0.5, "g": 1 + rng.standard_normal(C_HID) * 0.1,
            "beta": rng.standard_normal(C_HID) * 0.1, "w2": rng.standard_normal((C_OUT, C_HID)) * 0.5,
            "b2": np.zeros(C_OUT)}
    batches = [(rng.standard_normal((8, C_IN)) * 2 + 1, rng.integers(0, C_OUT, 8), CLASS_W) for _ in range(STEPS)]
    rm, rv = tl.Param(np.zeros(C_HID), requires_grad=False), tl.Param(np.ones(C_HID), requires_grad=False)
    trm, trv = torch.zeros(C_HID, dtype=torch.float64), torch.ones(C_HID, dtype=torch.float64)
    ours, params = _train_torchlean(_mlp_loss(rm, rv), init, batches)
    ref, tparams = _train_torch(_mlp_loss(trm, trv), init, batches)
    np.testing.assert_allclose(ours, ref, rtol=1e-9)
    assert ours[-1] < ours[0]
    np.testing.assert_allclose(rm.value, trm.numpy(), rtol=1e-9)
    np.testing.assert_allclose(rv.value, trv.numpy(), rtol=1e-9)
    xe = rng.standard_normal((4, C_IN))
    s = tl.Session(dtype=np.float64)
    p = {k: s.use(v) for k, v in params.items()}
    out = s.value(_mlp_logits(tlF, p, s.input(xe), rm, rv, False))
    tout = _mlp_logits(TF, {k: v.detach() for k, v in tparams.items()}, torch.tensor(xe), trm, trv, False)
    np.testing.assert_allclose(out, tout.numpy(), rtol=1e-9, atol=1e-12)


def test_causal_transformer_compiled_with_the_pytorch_loop_trains_like_pytorch():
    # Same model and data, traced once by tl.compile, trained with loss.backward(); opt.step();
    # opt.zero_grad() and no reset.
    rng = np.random.default_rng(0)
    init = _transformer_params(rng)
    batches = []
    for _ in range(STEPS):
        ids = rng.integers(1, V, (3, T))
        targets = np.roll(ids, -1, axis=1)
        targets[:, -1] = -1
        batches.append((ids, targets))
    ref, _ = _train_torch(_transformer_loss, init, batches)
    s = tl.Session(dtype=np.float64)
    params = {k: s.param(v, name=k) for k, v in init.items()}
    opt = tl.optim.SGD(params.values(), lr=LR)
    step = tl.compile(lambda ids, targets: _transformer_loss(tlF, params, ids, targets))
    losses = []
    for ids, targets in batches:
        loss = step(s.input(ids), s.input(targets))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    np.testing.assert_allclose(losses, ref, rtol=1e-9)
    assert step.cache_size == 1 and len(s) < 40  # no reset: backward released each step's graph
