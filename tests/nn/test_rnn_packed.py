"""RNN, LSTM and GRU on PackedSequence input against torch.nn in float64: the packed output, the
padded output, h_n and c_n (each sequence's state at its own length, in the original batch
order), and every parameter and input gradient, eager and compiled (parity.check); a given hx;
each sequence run alone; errors naming the layer with nothing recorded."""

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as TR

import torchlean as tl
from torchlean import nn
from torchlean.nn.utils import rnn as R

from .calls import Ours, Theirs
from .parity import check

G = np.random.default_rng(5)
T, I, HID = 5, 3, 4


def rnd(*shape):
    return G.standard_normal(shape)


def layers(name, *args, **kw):
    return getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)


def packed_call(utils, lengths, enforce_sorted, batch_first=False):
    """x [, h [, c]] -> (packed output data, padded output, *states), the same for both libraries."""
    def call(m, x, *hx):
        packed = utils.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
        state = None if not hx else (tuple(hx) if len(hx) == 2 else hx[0])
        out, h = m(packed, state)
        assert isinstance(out, utils.PackedSequence)
        padded = utils.pad_packed_sequence(out, batch_first, total_length=T)[0]
        return (out.data, padded, *(h if isinstance(h, tuple) else (h,)))
    return call


def both(ours, theirs, *args, **kw):
    return Ours(ours, packed_call(R, *args, **kw)), Theirs(theirs, packed_call(TR, *args, **kw))


KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
OPTIONS = [{}, {"num_layers": 2}, {"bidirectional": True}, {"bias": False},
           {"num_layers": 3, "bidirectional": True}, {"num_layers": 2, "dropout": 0.3}]
LENGTHS = [([5, 3, 3, 1], True), ([2, 5, 1, 4], False)]


@pytest.mark.parametrize("lengths, enforce_sorted", LENGTHS, ids=["sorted", "unsorted"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "default")
@pytest.mark.parametrize("name, kind", KINDS, ids=["tanh", "relu", "lstm", "gru"])
def test_packed_input(name, kind, options, lengths, enforce_sorted):
    ours, theirs = layers(name, I, HID, **kind, **options)
    ours.eval(), theirs.eval()  # dropout between layers: the same function in evaluation
    check(*both(ours, theirs, lengths, enforce_sorted), rnd(T, len(lengths), I))


@pytest.mark.parametrize("kw", [{"proj_size": 2}, {"proj_size": 3, "num_layers": 2, "bidirectional": True}])
def test_projected_lstm(kw):
    check(*both(*layers("LSTM", I, HID, **kw), [3, 5, 2], False), rnd(T, 3, I))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_batch_first_packing_and_a_batch_first_layer(name):
    # batch_first only changes how the padded tensor is read: the layer's flag does not apply
    check(*both(*layers(name, I, HID, batch_first=True, bidirectional=True), [4, 5, 1], False, batch_first=True),
          rnd(3, T, I))


@pytest.mark.parametrize("lengths, enforce_sorted", LENGTHS, ids=["sorted", "unsorted"])
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_given_initial_state_is_in_the_original_batch_order(name, lengths, enforce_sorted):
    kw = {"num_layers": 2, "bidirectional": True}
    n = len(lengths)
    states = [rnd(4, n, HID) for _ in range(2 if name == "LSTM" else 1)]
    check(*both(*layers(name, I, HID, **kw), lengths, enforce_sorted), rnd(T, n, I), *states)


def test_one_sequence_and_equal_lengths():
    check(*both(*layers("GRU", I, HID, bidirectional=True), [3], True), rnd(T, 1, I))
    check(*both(*layers("LSTM", I, HID, num_layers=2), [5, 5, 5], False), rnd(T, 3, I))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_each_sequence_alone_gives_the_same_states(name):
    s = tl.Session(dtype=np.float64)
    m = getattr(nn, name)(I, HID, num_layers=2, bidirectional=True, dtype=np.float64)
    lengths = [2, 5, 1, 4]
    x = rnd(T, len(lengths), I)
    packed = R.pack_padded_sequence(s.input(x), lengths, enforce_sorted=False)
    out, h = m(packed)
    padded, lens = R.pad_packed_sequence(out)
    np.testing.assert_array_equal(lens, lengths)
    states = h if isinstance(h, tuple) else (h,)
    for b, n in enumerate(lengths):
        y_b, h_b = m(s.input(x[:n, b:b + 1]))
        np.testing.assert_allclose(padded.numpy()[:n, b:b + 1], y_b.numpy(), rtol=1e-12, atol=1e-14)
        assert not np.any(padded.numpy()[n:, b])
        for got, want in zip(states, h_b if isinstance(h_b, tuple) else (h_b,)):
            np.testing.assert_allclose(got.numpy()[:, b:b + 1], want.numpy(), rtol=1e-12, atol=1e-14)


def test_output_keeps_the_packing_and_dropout_applies_in_training():
    s = tl.Session(dtype=np.float64, seed=3)
    m = nn.LSTM(I, HID, num_layers=2, dropout=0.5, dtype=np.float64)
    packed = R.pack_padded_sequence(s.input(rnd(T, 3, I)), [2, 5, 3], enforce_sorted=False)
    out, (h, c) = m(packed)
    assert out.data.shape == (10, HID) and h.shape == c.shape == (2, 3, HID)
    assert out.batch_sizes.tolist() == packed.batch_sizes.tolist() == [3, 3, 2, 1, 1]
    assert out.sorted_indices.tolist() == packed.sorted_indices.tolist() == [1, 2, 0]
    assert out.unsorted_indices.tolist() == [2, 0, 1]
    trained = out.data.numpy()
    m.eval()
    assert not np.allclose(trained, m(packed)[0].data.numpy())


def test_bad_inputs_name_the_layer_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    lstm, gru = nn.LSTM(I, HID, 2, dtype=np.float64), nn.GRU(I, HID, dtype=np.float64)
    t_lstm, t_gru = torch.nn.LSTM(I, HID, 2).double(), torch.nn.GRU(I, HID).double()
    xv, wide = rnd(T, 3, I), rnd(T, 3, I + 1)
    packed = R.pack_padded_sequence(s.input(xv), [5, 3, 2])
    p_wide = R.pack_padded_sequence(s.input(wide), [5, 3, 2])
    p_1d = R.PackedSequence(packed.data[:, 0], packed.batch_sizes)
    p_f32 = packed.float()
    tp = TR.pack_padded_sequence(torch.tensor(xv), [5, 3, 2])
    tp_wide = TR.pack_padded_sequence(torch.tensor(wide), [5, 3, 2])
    h_bad, h_ok, c_ok = s.input(rnd(2, 2, HID)), s.input(rnd(2, 3, HID)), s.input(rnd(2, 3, HID))
    before = len(s.tape.nodes)
    for ours, theirs, name, cls, match in [
        (lambda: lstm(packed, (h_bad, c_ok)), lambda: t_lstm(tp, (torch.zeros(2, 2, HID, dtype=torch.float64),
                                                                  torch.zeros(2, 3, HID, dtype=torch.float64))),
         "LSTM", tl.ShapeError, r"hx\[0\] of shape \(2, 3, 4\)"),
        (lambda: lstm(packed, h_ok), None, "LSTM", tl.ArgumentError, "tuple"),
        (lambda: gru(p_wide), lambda: t_gru(tp_wide), "GRU", tl.ShapeError, "input_size. Expected 3, got 4"),
        (lambda: gru(p_1d), None, "GRU", tl.ShapeError, "2 dimensions"),
        (lambda: gru(p_f32), None, "GRU", tl.DTypeError, "float32"),
        (lambda: gru(R.PackedSequence(packed.data, [3, 3, 2])), None, "GRU", tl.ShapeError, r"sum\(batch_sizes\)"),
    ]:
        with pytest.raises(cls, match=match) as e:
            ours()
        assert str(e.value).startswith(name + ": "), str(e.value)
        assert len(s.tape.nodes) == before
        if theirs is not None:
            with pytest.raises(RuntimeError):
                theirs()
    assert lstm(packed, (h_ok, c_ok))[1][0].shape == (2, 3, HID)
