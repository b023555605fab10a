"""Transformer encoder/decoder layers, stacks and nn.Transformer against torch.nn: forward and every
gradient, eager and compiled (parity.check), masks, norm_first, activations, deep copies,
signatures, initialisation, dropout and errors."""

import copy
import inspect

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn

from .calls import pair
from .parity import check

# torch's deprecation and fast-path notices (mixed bool/float masks are still supported there)
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")]
R = np.random.default_rng(1)
S, T, N, D, H, FF = 5, 4, 2, 8, 2, 12


def rnd(*shape):
    return R.standard_normal(shape)


def enc_layer(**kw):
    kw = {"dim_feedforward": FF, "dropout": 0.0, **kw}
    return nn.TransformerEncoderLayer(D, H, **kw), torch.nn.TransformerEncoderLayer(D, H, **kw)


def dec_layer(**kw):
    kw = {"dim_feedforward": FF, "dropout": 0.0, **kw}
    return nn.TransformerDecoderLayer(D, H, **kw), torch.nn.TransformerDecoderLayer(D, H, **kw)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer(norm_first, activation):
    check(*enc_layer(norm_first=norm_first, activation=activation), rnd(S, N, D))


def test_encoder_layer_batch_first_no_bias_and_a_module_activation():
    ours, theirs = enc_layer(batch_first=True, bias=False, layer_norm_eps=1e-3)
    assert not any(k.endswith("bias") for k in ours.state_dict())
    check(ours, theirs, rnd(N, S, D))
    ours = nn.TransformerEncoderLayer(D, H, FF, 0.0, nn.GELU(approximate="tanh"))
    theirs = torch.nn.TransformerEncoderLayer(D, H, FF, 0.0, torch.nn.GELU(approximate="tanh"))
    check(ours, theirs, rnd(S, N, D))


def test_encoder_layer_unbatched():
    check(*enc_layer(norm_first=True), rnd(S, D))


@pytest.mark.parametrize("mask, pad, causal", [("bool", None, False), ("float", "bool", False),
                                               (None, "float", False), ("causal", None, True),
                                               ("causal", "bool", True), ("float", "float", False)])
def test_encoder_layer_masks(mask, pad, causal):
    inputs = []
    if mask == "causal":
        inputs.append(np.triu(np.ones((S, S), bool), 1))
    elif mask:
        m = R.random((S, S)) < 0.3
        np.fill_diagonal(m, False)
        inputs.append(m if mask == "bool" else np.where(m, -np.inf, 0.0) + rnd(S, S))
    if pad:
        p = np.zeros((N, S), bool)
        p[0, -2:] = True
        inputs.append(p if pad == "bool" else np.where(p, -np.inf, rnd(N, S)))

    def call(m, x, *ms):
        return m(x, src_mask=ms[0] if mask else None, src_key_padding_mask=ms[-1] if pad else None,
                 is_causal=causal)

    check(*pair(*enc_layer(), call), rnd(S, N, D), *inputs)


@pytest.mark.parametrize("norm_first, activation", [(False, "relu"), (True, "gelu")])
def test_encoder_stack_with_final_norm(norm_first, activation):
    a, b = enc_layer(norm_first=norm_first, activation=activation)
    ours = nn.TransformerEncoder(a, 2, nn.LayerNorm(D))
    theirs = torch.nn.TransformerEncoder(b, 2, torch.nn.LayerNorm(D), enable_nested_tensor=False)
    assert "layers.1.self_attn.in_proj_weight" in ours.state_dict() and "norm.weight" in ours.state_dict()
    pad = np.zeros((N, S), bool)
    pad[1, -1] = True
    causal = nn.Transformer.generate_square_subsequent_mask(S)
    tcausal = torch.tensor(causal, dtype=torch.float64)

    def call(m, x, p):
        return m(x, mask=tcausal if isinstance(x, torch.Tensor) else causal, src_key_padding_mask=p)

    check(*pair(ours, theirs, call), rnd(S, N, D), pad)
    check(nn.TransformerEncoder(a, 3), torch.nn.TransformerEncoder(b, 3, enable_nested_tensor=False), rnd(S, N, D))


def test_stacks_deep_copy_their_layer():
    layer = nn.TransformerEncoderLayer(D, H, FF)
    enc = nn.TransformerEncoder(layer, 2)
    p0, p1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert p0 is not p1 and p0 is not layer.linear1.weight
    np.testing.assert_array_equal(p0.value, p1.value)  # copies of one layer, as torch
    p0.set_value(np.zeros(p0.shape, np.float32))
    assert p1.value.any() and layer.linear1.weight.value.any()
    assert len(list(enc.parameters())) == 2 * len(list(layer.parameters()))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first):
    tgt_mask = np.triu(np.ones((T, T), bool), 1)
    mem_pad = np.zeros((N, S), bool)
    mem_pad[0, -2:] = True
    mem_mask = np.where(R.random((T, S)) < 0.2, -np.inf, 0.0)
    mem_mask[:, 0] = 0.0

    def call(m, t, mem, tm, mp, mm):
        return m(t, mem, tgt_mask=tm, memory_mask=mm, memory_key_padding_mask=mp, tgt_is_causal=True)

    check(*pair(*dec_layer(norm_first=norm_first, activation="gelu"), call), rnd(T, N, D), rnd(S, N, D),
          tgt_mask, mem_pad, mem_mask)


def test_decoder_stack_batch_first():
    a, b = dec_layer(batch_first=True)
    ours = nn.TransformerDecoder(a, 2, nn.LayerNorm(D))
    theirs = torch.nn.TransformerDecoder(b, 2, torch.nn.LayerNorm(D))
    pad = np.zeros((N, T), bool)
    pad[1, -1] = True
    check(*pair(ours, theirs, lambda m, t, mem, p: m(t, mem, tgt_key_padding_mask=p)), rnd(N, T, D),
          rnd(N, S, D), pad)


def test_transformer():
    kw = {"d_model": D, "nhead": H, "num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": FF,
          "dropout": 0.0, "norm_first": True}
    ours, theirs = nn.Transformer(**kw), torch.nn.Transformer(**kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(T)
    ttgt = torch.tensor(tgt_mask, dtype=torch.float64)
    check(*pair(ours, theirs, lambda m, s, t: m(s, t, tgt_mask=ttgt if isinstance(s, torch.Tensor) else tgt_mask)),
          rnd(S, N, D), rnd(T, N, D))


def test_transformer_init_is_xavier_for_matrices():
    tl.manual_seed(0)
    m = nn.Transformer(16, 2, 1, 1, 32)
    w = m.encoder.layers[0].linear1.weight.value  # (32, 16): xavier bound sqrt(6 / 48)
    assert np.abs(w).max() <= np.sqrt(6 / 48) and np.abs(w).max() > 0.3
    assert np.all(m.encoder.norm.weight.value == 1) and not m.decoder.layers[0].norm3.bias.value.any()
    layer = nn.TransformerEncoderLayer(16, 2, 32)
    assert np.abs(layer.linear1.weight.value).max() <= 1 / 4  # Linear's default U(+-1/sqrt(16)) in a layer


def test_dropout_in_training_mode_only():
    s = tl.Session(dtype=np.float64, seed=2)
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.5, dtype=np.float64)
    x = s.input(rnd(S, N, D))
    y_train = layer(x).numpy()
    layer.eval()
    y_eval, y_eval2 = layer(x).numpy(), layer(x).numpy()
    assert not np.allclose(y_train, y_eval) and np.array_equal(y_eval, y_eval2)
    ours = nn.TransformerEncoderLayer(D, H, FF, dropout=0.5)
    theirs = torch.nn.TransformerEncoderLayer(D, H, FF, dropout=0.5)
    check(ours.eval(), theirs.eval(), rnd(S, N, D))


def _sig(f):
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("name", ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
                                  "TransformerDecoder", "Transformer"])
def test_signatures_are_torchs(name):
    ours, theirs = getattr(nn, name), getattr(torch.nn, name)
    for fn in ("__init__", "forward"):
        a, b = _sig(getattr(ours, fn)), _sig(getattr(theirs, fn))
        # the activation default is each library's own F.relu
        assert [(n, k, nn.functional.relu if d is torch.nn.functional.relu else d) for n, k, d in b] == a
    assert _sig(nn.Transformer.generate_square_subsequent_mask) == _sig(
        torch.nn.Transformer.generate_square_subsequent_mask)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.TransformerEncoderLayer(D, 3), "divisible"),
    (lambda: nn.TransformerEncoderLayer(D, H, activation="tanh"), "relu"),
    (lambda: nn.TransformerEncoderLayer(D, H, dropout=-0.1), "dropout"),
    (lambda: nn.TransformerDecoderLayer(D, H, layer_norm_eps=0), "layer_norm_eps"),
    (lambda: nn.TransformerEncoderLayer(D, H, norm_first="no"), "norm_first"),
    (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H), 0), "num_layers"),
    (lambda: nn.TransformerEncoder("layer", 2), "to copy"),
    (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(D, H), 2, norm=3), "norm"),
    (lambda: nn.Transformer(D, H, dim_feedforward=0), "dim_feedforward"),
])
def test_bad_constructor_arguments(make, match):
    with pytest.raises(tl.TorchLeanError, match=match):
        make()


def test_bad_inputs_name_the_layer_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    layer = nn.TransformerEncoderLayer(D, H, FF, dtype=np.float64)
    enc = nn.TransformerEncoder(layer, 2)
    tr = nn.Transformer(D, H, 1, 1, FF, dtype=np.float64)
    x, bad, wide = s.input(rnd(S, N, D)), s.input(rnd(S, N, D + 1)), s.input(rnd(S, N + 1, D))
    mask = s.input(np.zeros((S + 1, S + 1), bool))
    before = len(s.tape.nodes)
    for call, name, match in [
        (lambda: layer(bad), "TransformerEncoderLayer", "src of shape"),
        (lambda: layer(x, is_causal=True), "TransformerEncoderLayer", "needs attn_mask"),
        (lambda: enc(x, mask=mask), "TransformerEncoder", r"attn_mask of shape"),
        (lambda: tr(x, wide), "Transformer", "batch number"),
        (lambda: tr(x, bad), "Transformer", "feature number"),
    ]:
        with pytest.raises(tl.TorchLeanError, match=match) as e:
            call()
        assert str(e.value).startswith(name + ": "), str(e.value)
        assert len(s.tape.nodes) == before
    assert enc(x).shape == (S, N, D)


def test_generate_square_subsequent_mask():
    for n in (1, 3, 6):
        np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(n),
                                      torch.nn.Transformer.generate_square_subsequent_mask(n).numpy())
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=np.float64).dtype == np.float64
    with pytest.raises(tl.ArgumentError, match="sz"):
        nn.Transformer.generate_square_subsequent_mask(-1)


def test_deepcopy_of_a_used_model_is_independent():
    s = tl.Session(dtype=np.float64)
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, dtype=np.float64)
    layer(s.input(rnd(S, N, D))).sum().backward()
    twin = copy.deepcopy(layer)
    assert twin.self_attn.in_proj_weight is not layer.self_attn.in_proj_weight
    np.testing.assert_array_equal(twin.self_attn.in_proj_weight.grad, layer.self_attn.in_proj_weight.grad)
    x = rnd(S, N, D)
    np.testing.assert_array_equal(twin(s.input(x)).numpy(), layer(s.input(x)).numpy())


def test_training_mode_dropout_is_the_same_stream_eager_and_compiled():
    x = rnd(S, N, D)
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.3, dtype=np.float64)
    runs = []
    for compiled in (False, True):
        s = tl.Session(dtype=np.float64, seed=7)
        f = tl.compile(layer) if compiled else layer
        runs.append([f(s.input(x)).numpy() for _ in range(2)])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[0][1])  # the stream advances between calls
