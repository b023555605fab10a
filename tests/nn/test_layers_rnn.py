"""RNN, LSTM, GRU and their cells against torch.nn: forward, every gradient (input, hx and each
parameter), eager and compiled (parity.check), for every option; signatures, initialisation,
dropout between layers, errors and atomicity."""

import inspect
import typing
import warnings

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn

from .calls import pair
from .parity import check

R = np.random.default_rng(2)
T, N, I, HID = 4, 3, 5, 6


def rnd(*shape):
    return R.standard_normal(shape)


def layers(name, *args, **kw):
    return getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)


KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
OPTIONS = [{}, {"num_layers": 2}, {"bidirectional": True}, {"batch_first": True}, {"bias": False},
           {"num_layers": 3, "bidirectional": True, "batch_first": True, "bias": False}]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "default")
@pytest.mark.parametrize("name, kind", KINDS, ids=["tanh", "relu", "lstm", "gru"])
def test_recurrent_layers(name, kind, options):
    kw = {**kind, **options}
    x = rnd(N, T, I) if kw.get("batch_first") else rnd(T, N, I)
    check(*layers(name, I, HID, **kw), x)


def _states(name, kw, batched=True):
    dirs = 2 if kw.get("bidirectional") else 1
    lead = (kw.get("num_layers", 1) * dirs,) + ((N,) if batched else ())
    h = rnd(*lead, kw.get("proj_size") or HID)
    return [h, rnd(*lead, HID)] if name == "LSTM" else [h]


def _with_hx(name):
    if name == "LSTM":
        return lambda m, x, h, c: m(x, (h, c))
    return lambda m, x, h: m(x, h)


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("name, kind", KINDS, ids=["tanh", "relu", "lstm", "gru"])
def test_given_initial_state(name, kind, batched):
    kw = {**kind, "num_layers": 2, "bidirectional": True}
    x = rnd(T, N, I) if batched else rnd(T, I)
    check(*pair(*layers(name, I, HID, **kw), _with_hx(name)), x, *_states(name, kw, batched))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_unbatched_without_state(name):
    check(*layers(name, I, HID, num_layers=2, batch_first=True), rnd(T, I))


@pytest.mark.parametrize("kw", [{"proj_size": 2}, {"proj_size": 3, "num_layers": 2, "bidirectional": True},
                                {"proj_size": 2, "batch_first": True, "bias": False}])
def test_lstm_projection(kw):
    ours, theirs = layers("LSTM", I, HID, **kw)
    assert ours.weight_hr_l0.shape == (kw["proj_size"], HID)
    x = rnd(N, T, I) if kw.get("batch_first") else rnd(T, N, I)
    check(ours, theirs, x)
    check(*pair(ours, theirs, _with_hx("LSTM")), x, *_states("LSTM", kw))


def test_one_step_and_long_sequences():
    check(*layers("GRU", I, HID), rnd(1, N, I))
    check(*layers("LSTM", I, 2, bidirectional=True), rnd(12, 1, I))


def test_dropout_between_layers_in_training_only():
    s = tl.Session(dtype=np.float64, seed=1)
    m = nn.LSTM(I, HID, num_layers=2, dropout=0.5, dtype=np.float64)
    x = s.input(rnd(T, N, I))
    y_train = m(x)[0].numpy()
    m.eval()
    assert not np.allclose(y_train, m(x)[0].numpy())
    check(*(layer.eval() for layer in layers("GRU", I, HID, num_layers=2, dropout=0.5)), rnd(T, N, I))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.RNN(I, HID, dropout=0.2)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {}),
         ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("name, kw", CELLS)
@pytest.mark.parametrize("batched", [True, False])
def test_cells(name, kw, batched):
    x = rnd(N, I) if batched else rnd(I)
    h = [rnd(*((N,) if batched else ()), HID) for _ in range(2 if name == "LSTMCell" else 1)]
    check(*layers(name, I, HID, **kw), x)
    call = (lambda m, x, h, c: m(x, (h, c))) if name == "LSTMCell" else (lambda m, x, h: m(x, h))
    check(*pair(*layers(name, I, HID, **kw), call), x, *h)


def test_a_cell_unrolled_by_hand_equals_the_layer():
    s = tl.Session(dtype=np.float64)
    cell, layer = nn.LSTMCell(I, HID, dtype=np.float64), nn.LSTM(I, HID, dtype=np.float64)
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = rnd(T, N, I)
    state = None
    for t in range(T):
        state = cell(s.input(x[t]), state)
    _, (h, c) = layer(s.input(x))
    np.testing.assert_allclose(h.numpy()[0], state[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(c.numpy()[0], state[1].numpy(), rtol=1e-12)


def _sig(f):
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_layer_signatures_are_torchs_documented_ones(name):
    ours, theirs = getattr(nn, name), getattr(torch.nn, name)
    assert _sig(ours.__init__) == _sig(typing.get_overloads(theirs.__init__)[0])  # torch's runtime one is *args
    assert _sig(ours.forward) == _sig(theirs.forward)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_signatures_are_torchs(name):
    for fn in ("__init__", "forward"):
        assert _sig(getattr(getattr(nn, name), fn)) == _sig(getattr(getattr(torch.nn, name), fn))


@pytest.mark.parametrize("name, kw", [("RNN", {}), ("LSTM", {"proj_size": 2}), ("GRU", {}), ("LSTMCell", {}),
                                      ("GRUCell", {})])
def test_default_init_is_torchs_uniform_from_the_seeded_stream(name, kw):
    args = (I, HID, 2) if "Cell" not in name else (I, HID)
    extra = {} if "Cell" in name else {"bidirectional": True}
    tl.manual_seed(9)
    a = getattr(nn, name)(*args, **kw, **extra)
    tl.manual_seed(9)
    b = getattr(nn, name)(*args, **kw, **extra)
    theirs = getattr(torch.nn, name)(*args, **kw, **extra)
    assert list(a.state_dict()) == list(theirs.state_dict())
    bound = 1 / np.sqrt(HID)
    values = np.concatenate([p.value.ravel() for p in a.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.95 * bound
    for (k, v), (_, w) in zip(a.state_dict().items(), b.state_dict().items()):
        assert v.dtype == np.float32 and tuple(theirs.state_dict()[k].shape) == v.shape
        np.testing.assert_array_equal(v, w)
    first = list(a.parameters())
    assert not np.array_equal(first[0].value.ravel()[:4], first[1].value.ravel()[:4])  # one draw per param


def test_all_weights_and_float64():
    m = nn.LSTM(I, HID, 2, bidirectional=True, dtype=np.float64)
    t = torch.nn.LSTM(I, HID, 2, bidirectional=True)
    assert [[p.shape for p in ws] for ws in m.all_weights] == [[tuple(p.shape) for p in ws] for ws in t.all_weights]
    assert all(p.dtype == np.float64 for p in m.parameters())


@pytest.mark.parametrize("make, match", [
    (lambda: nn.LSTM(I, 0), "hidden_size"),
    (lambda: nn.GRU(0, HID), "input_size"),
    (lambda: nn.RNN(I, HID, 0), "num_layers"),
    (lambda: nn.RNN(I, HID, nonlinearity="sigmoid"), "nonlinearity"),
    (lambda: nn.LSTM(I, HID, proj_size=HID), "smaller than hidden_size"),
    (lambda: nn.LSTM(I, HID, dropout=1.5), "dropout"),
    (lambda: nn.GRU(I, HID, batch_first=None), "batch_first"),
    (lambda: nn.GRU(I, HID, dtype=np.int64), "float32 or float64"),
    (lambda: nn.RNNCell(I, HID, nonlinearity="gelu"), "nonlinearity"),
    (lambda: nn.LSTMCell(I, -2), "hidden_size"),
])
def test_bad_constructor_arguments(make, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(tl.TorchLeanError, match=match):
            make()


def test_bad_inputs_name_the_layer_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    lstm, gru = nn.LSTM(I, HID, 2, dtype=np.float64), nn.GRU(I, HID, dtype=np.float64)
    cell = nn.LSTMCell(I, HID, dtype=np.float64)
    x, x4, wide = s.input(rnd(T, N, I)), s.input(rnd(T, N, I, 1)), s.input(rnd(T, N, I + 1))
    h_bad, h_ok = s.input(rnd(1, N, HID)), s.input(rnd(2, N, HID))
    h_cell = s.input(rnd(N, HID))
    xf, x0 = x.float(), x[0]
    before = len(s.tape.nodes)
    for call, name, cls, match in [
        (lambda: lstm(x4), "LSTM", tl.ShapeError, "2-D"),
        (lambda: gru(wide), "GRU", tl.ShapeError, "input_size"),
        (lambda: lstm(x, (h_bad, h_ok)), "LSTM", tl.ShapeError, r"hx\[0\] of shape \(2, 3, 6\)"),
        (lambda: lstm(x, h_ok), "LSTM", tl.ArgumentError, "tuple"),
        (lambda: gru(x, h_ok), "GRU", tl.ShapeError, r"hx of shape \(1, 3, 6\)"),
        (lambda: gru(xf), "GRU", tl.DTypeError, "float32"),
        (lambda: gru(rnd(T, N, I)), "GRU", tl.TorchLeanError, "torchlean tensor"),
        (lambda: cell(x), "LSTMCell", tl.ShapeError, "expected input"),
        (lambda: cell(x0, (h_cell, h_bad)), "LSTMCell", tl.ShapeError, r"hx\[1\]"),
    ]:
        with pytest.raises(cls, match=match) as e:
            call()
        assert str(e.value).startswith(name + ": "), str(e.value)
        assert len(s.tape.nodes) == before
    assert lstm(x)[0].shape == (T, N, HID)


def test_training_mode_dropout_is_the_same_stream_eager_and_compiled():
    x = rnd(T, N, I)
    m = nn.GRU(I, HID, 3, dropout=0.4, dtype=np.float64)
    runs = []
    for compiled in (False, True):
        s = tl.Session(dtype=np.float64, seed=7)
        f = tl.compile(m) if compiled else m
        runs.append([f(s.input(x))[0].numpy() for _ in range(2)])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[0][1])
