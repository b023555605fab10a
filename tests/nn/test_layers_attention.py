"""nn.MultiheadAttention against torch.nn.MultiheadAttention: every option and mask kind, eager and
compiled (parity.check), signatures, initialisation, dropout, errors and atomicity."""

import inspect

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn

from .calls import pair
from .parity import check

R = np.random.default_rng(0)
L, S, N, E, H = 4, 5, 2, 8, 2


def rnd(*shape):
    return R.standard_normal(shape)


def mha(**kw):
    return nn.MultiheadAttention(E, H, **kw), torch.nn.MultiheadAttention(E, H, **kw)


def self_call(**kw):
    return lambda m, x: m(x, x, x, **kw)


@pytest.mark.parametrize("kw, call_kw", [
    ({}, {}),
    ({}, {"average_attn_weights": False}),
    ({}, {"need_weights": False}),
    ({"bias": False}, {}),
    ({"add_bias_kv": True}, {}),
    ({"add_zero_attn": True}, {"average_attn_weights": False}),
    ({"add_bias_kv": True, "add_zero_attn": True, "bias": False}, {"need_weights": False}),
])
def test_self_attention(kw, call_kw):
    check(*pair(*mha(**kw), self_call(**call_kw)), rnd(L, N, E))


@pytest.mark.parametrize("batch_first", [False, True])
def test_cross_attention_with_kdim_vdim(batch_first):
    ours = nn.MultiheadAttention(E, H, kdim=3, vdim=6, batch_first=batch_first)
    theirs = torch.nn.MultiheadAttention(E, H, kdim=3, vdim=6, batch_first=batch_first)
    assert "in_proj_weight" not in ours.state_dict() and ours.k_proj_weight.shape == (E, 3)
    q, k, v = ((rnd(N, L, E), rnd(N, S, 3), rnd(N, S, 6)) if batch_first else
               (rnd(L, N, E), rnd(S, N, 3), rnd(S, N, 6)))
    check(*pair(ours, theirs, lambda m, q, k, v: m(q, k, v)), q, k, v)


def test_batch_first_packed_cross_attention():
    ours, theirs = mha(batch_first=True)
    check(*pair(ours, theirs, lambda m, q, kv: m(q, kv, kv, average_attn_weights=False)), rnd(N, L, E), rnd(N, S, E))


def _pad(dtype):
    m = np.zeros((N, S), bool)
    m[0, 3:] = True
    m[1, 1] = True
    return m if dtype == "bool" else np.where(m, -np.inf, 0.0) + rnd(N, S) * (dtype == "float")


def _attn(dtype, shape=(L, S)):
    m = R.random(shape) < 0.3
    m[..., 0] = False  # every query keeps a key
    return m if dtype == "bool" else np.where(m, -np.inf, 0.0) + rnd(*shape)


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("pad, attn", [("bool", None), ("float", None), (None, "bool"), (None, "float"),
                                       ("bool", "bool"), ("float", "float"), ("bool", "float")])
def test_masks(pad, attn, need_weights):
    masks = []
    if pad:
        masks.append(_pad(pad))
    if attn:
        masks.append(_attn(attn))

    def call(m, q, kv, *ms):
        kw = {}
        if pad:
            kw["key_padding_mask"] = ms[0]
        if attn:
            kw["attn_mask"] = ms[-1]
        return m(q, kv, kv, need_weights=need_weights, **kw)

    check(*pair(*mha(add_bias_kv=True), call), rnd(L, N, E), rnd(S, N, E), *masks)


def test_3d_attn_mask_is_per_batch_and_head():
    am = _attn("float", (N * H, L, S))
    check(*pair(*mha(), lambda m, q, kv, a: m(q, kv, kv, attn_mask=a, average_attn_weights=False)),
          rnd(L, N, E), rnd(S, N, E), am)


@pytest.mark.parametrize("need_weights", [True, False])
def test_unbatched(need_weights):
    pad = np.array([False, False, True, False, True])
    am = _attn("bool", (H, L, S))
    check(*pair(*mha(), lambda m, q, kv, p, a: m(q, kv, kv, key_padding_mask=p, attn_mask=a,
                                                 need_weights=need_weights, average_attn_weights=False)),
          rnd(L, E), rnd(S, E), pad, am)


@pytest.mark.parametrize("need_weights, with_pad", [(False, False), (True, False), (False, True)])
def test_is_causal_hint(need_weights, with_pad):
    causal = np.triu(np.ones((L, L), bool), 1)
    pad = np.zeros((N, L), bool)
    pad[1, -1] = True

    def call(m, x, c, p):
        return m(x, x, x, attn_mask=c, is_causal=True, need_weights=need_weights,
                 key_padding_mask=p if with_pad else None)

    check(*pair(*mha(add_zero_attn=True), call), rnd(L, N, E), causal, pad)


def test_is_causal_replaces_the_mask_as_torch_does():
    # torch trusts the hint when need_weights=False and there is no key_padding_mask: the given
    # (here: not causal) mask is replaced by the causal one; ours does the same
    wrong = np.zeros((L, L), bool)
    check(*pair(*mha(), lambda m, x, a: m(x, x, x, attn_mask=a, is_causal=True, need_weights=False)),
          rnd(L, N, E), wrong)


def test_host_array_masks_inside_a_model():
    mask = nn.Transformer.generate_square_subsequent_mask(L)
    assert mask.dtype == np.float32 and mask[0, 1] == -np.inf and mask[1, 0] == 0
    np.testing.assert_array_equal(mask, torch.nn.Transformer.generate_square_subsequent_mask(L).numpy())
    tmask = torch.tensor(mask, dtype=torch.float64)

    def call(m, x):  # a NumPy mask for torchlean (a constant of the trace or session), a tensor for torch
        return m(x, x, x, attn_mask=tmask if isinstance(x, torch.Tensor) else mask)

    check(*pair(*mha(), call), rnd(L, N, E))


def test_a_fully_masked_query_gets_zeros_like_torchs_sdpa_path():
    pad = np.zeros((N, S), bool)
    pad[1] = True  # batch element 1 attends to nothing
    check(*pair(*mha(), lambda m, q, kv, p: m(q, kv, kv, key_padding_mask=p, need_weights=False)),
          rnd(L, N, E), rnd(S, N, E), pad)
    # with need_weights=True torch gives NaN there; ours gives zero weights and finite gradients
    s = tl.Session(dtype=np.float64)
    m = nn.MultiheadAttention(E, H, dtype=np.float64)
    x = s.input(rnd(L, N, E), requires_grad=True)
    out, w = m(x, x, x, key_padding_mask=s.input(np.array([[False] * L, [True] * L])))
    assert np.all(w.numpy()[1] == 0) and np.allclose(w.numpy()[0].sum(-1), 1)
    out.sum().backward()
    assert np.all(np.isfinite(x.grad)) and np.all(np.isfinite(m.in_proj_weight.grad))


def test_dropout_applies_in_training_only():
    s = tl.Session(dtype=np.float64, seed=3)
    m = nn.MultiheadAttention(E, H, dropout=0.5, dtype=np.float64)
    x = s.input(rnd(L, N, E))
    w_train = m(x, x, x)[1].numpy()
    m.eval()
    w_eval = m(x, x, x)[1].numpy()
    np.testing.assert_allclose(w_eval.sum(-1), 1.0)
    assert not np.allclose(w_train, w_eval)
    ours, theirs = mha(dropout=0.5)
    check(*pair(ours.eval(), theirs.eval(), self_call()), rnd(L, N, E))


def _sig(f):
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


def test_signatures_are_torchs():
    assert _sig(nn.MultiheadAttention.__init__) == _sig(torch.nn.MultiheadAttention.__init__)
    assert _sig(nn.MultiheadAttention.forward) == _sig(torch.nn.MultiheadAttention.forward)


def test_default_init_follows_torch():
    tl.manual_seed(4)
    m = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    tl.manual_seed(4)
    m2 = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    t = torch.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    assert list(m.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        assert m.state_dict()[k].shape == tuple(v.shape) and m.state_dict()[k].dtype == np.float32, k
        np.testing.assert_array_equal(m.state_dict()[k], m2.state_dict()[k])
    w = m.in_proj_weight.value
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform_ of (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.value.any() and not m.out_proj.bias.value.any()
    assert np.abs(m.out_proj.weight.value).max() <= 1 / 4  # Linear's default U(+-1/sqrt(16))
    bk = np.concatenate([m.bias_k.value.ravel(), m.bias_v.value.ravel()])
    assert 0.1 < bk.std() < 0.5 and bk.std() != 0  # xavier_normal_: std sqrt(2 / (16 + 16)) = 0.25
    sep = nn.MultiheadAttention(8, 2, kdim=4, vdim=4, bias=False, dtype=np.float64)
    assert sep.in_proj_bias is None and sep.out_proj.bias is None and sep.q_proj_weight.dtype == np.float64
    assert np.abs(sep.k_proj_weight.value).max() <= np.sqrt(6 / 12)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.MultiheadAttention(10, 3), "divisible"),
    (lambda: nn.MultiheadAttention(0, 1), "embed_dim"),
    (lambda: nn.MultiheadAttention(8, 2, dropout=2.0), "dropout"),
    (lambda: nn.MultiheadAttention(8, 2, kdim=0), "kdim"),
    (lambda: nn.MultiheadAttention(8, 2, batch_first=1), "batch_first"),
    (lambda: nn.MultiheadAttention(8, 2, dtype=np.int64), "float32 or float64"),
])
def test_bad_constructor_arguments(make, match):
    with pytest.raises(tl.TorchLeanError, match=match):
        make()


def _bad_calls(s):
    x = s.input(rnd(L, N, E))
    v4, kv, x2 = s.input(rnd(L, N, 4)), s.input(rnd(S, N + 1, E)), s.input(rnd(N, E))
    pad, am_int = s.input(np.zeros((N, L + 1), bool)), s.input(np.zeros((L, L), np.int64))
    xf = x.float()
    return [
        (lambda m: m(x, x, v4), tl.ShapeError, "embedding sizes"),
        (lambda m: m(x, kv, kv), tl.ShapeError, "batch"),
        (lambda m: m(x2, x, x), tl.ShapeError, "all 3-D"),
        (lambda m: m(x, x, x, key_padding_mask=pad), tl.ShapeError, "key_padding_mask of shape"),
        (lambda m: m(x, x, x, attn_mask=am_int), tl.DTypeError, "bool mask"),
        (lambda m: m(x, x, x, attn_mask=np.zeros((3, L, L), bool)), tl.ShapeError, "attn_mask of shape"),
        (lambda m: m(x, x, x, is_causal=True), tl.ArgumentError, "needs attn_mask"),
        (lambda m: m(x, x, x, need_weights="yes"), tl.ArgumentError, "need_weights"),
        (lambda m: m(xf, xf, xf), tl.DTypeError, "float32"),
        (lambda m: m(rnd(L, N, E), x, x), tl.TorchLeanError, "query must be a torchlean tensor"),
    ]


@pytest.mark.parametrize("i", range(10))
def test_bad_inputs_raise_naming_the_layer_and_record_nothing(i):
    s = tl.Session(dtype=np.float64)
    m = nn.MultiheadAttention(E, H, dtype=np.float64)
    call, cls, match = _bad_calls(s)[i]
    before = len(s.tape.nodes)
    assert before > 0
    with pytest.raises(cls, match=match) as e:
        call(m)
    assert str(e.value).startswith("MultiheadAttention: ")
    assert len(s.tape.nodes) == before
    x = s.input(rnd(L, N, E))
    assert m(x, x, x)[0].shape == (L, N, E)  # the layer still works
