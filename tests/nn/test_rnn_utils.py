"""torchlean.nn.utils.rnn against torch.nn.utils.rnn in float64: padding, packing and their
inverses (forward values and input gradients, eager and compiled, through parity.check on
parameter-free wrapper modules), the PackedSequence fields, lengths as host data, and bad
inputs (a TorchLeanError naming the function, nothing recorded)."""

import inspect

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as TR

import torchlean as tl
from torchlean.nn.utils import rnn as R

from .parity import check

G = np.random.default_rng(11)


def rnd(*shape):
    return G.standard_normal(shape)


class FnOurs(tl.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


class FnTheirs(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def both(make):
    """parity.check's pair for ``make(rnn_utils_module)``, one wrapper per library."""
    return FnOurs(make(R)), FnTheirs(make(TR))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("trail", [(), (2,), (2, 3)])
def test_pad_sequence(batch_first, side, trail):
    seqs = [rnd(n, *trail) for n in (3, 1, 4)]
    check(*both(lambda m: lambda *xs: m.pad_sequence(list(xs), batch_first, -1.5, side)), *seqs)


def test_pad_sequence_of_a_tensor_reads_its_rows():
    check(*both(lambda m: lambda x: m.pad_sequence(x, True, padding_value=2.0)), rnd(3, 4, 2))


def test_pad_sequence_edge_cases_and_integers():
    s = tl.Session(dtype=np.float64)
    a, b = np.zeros((0, 2)), rnd(2, 2)
    ours = R.pad_sequence([s.input(a), s.input(b)], padding_value=7.0)
    theirs = TR.pad_sequence([torch.tensor(a), torch.tensor(b)], padding_value=7.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert R.pad_sequence([s.input(a)]).shape == (0, 1, 2) == tuple(TR.pad_sequence([torch.tensor(a)]).shape)
    ints = [np.array([1, 2, 3]), np.array([4])]
    for pv in (0.5, -1.7, 9):
        ours = R.pad_sequence([s.input(v) for v in ints], True, pv)
        theirs = TR.pad_sequence([torch.tensor(v) for v in ints], True, pv)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _packed_fields(ours, theirs):
    np.testing.assert_array_equal(ours.batch_sizes, theirs.batch_sizes.numpy())
    for a, b in ((ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == np.int64
            np.testing.assert_array_equal(a, b.numpy())


PACK_CASES = [([4, 3, 3, 1], True), ([2, 4, 1, 3], False), ([1, 1, 1, 1], True), ([4, 4, 4, 4], False),
              ([3, 1, 4, 2], False)]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths, enforce_sorted", PACK_CASES)
def test_pack_padded_and_pad_packed(lengths, enforce_sorted, batch_first):
    T, B = 4, len(lengths)
    x = rnd(B, T, 2, 3) if batch_first else rnd(T, B, 2, 3)

    def make(m):
        def f(x):
            p = m.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
            return p.data, m.pad_packed_sequence(p, batch_first, padding_value=-3.0, total_length=6)[0]
        return f

    check(*both(make), x)
    s = tl.Session(dtype=np.float64)
    ours = R.pack_padded_sequence(s.input(x), lengths, batch_first, enforce_sorted)
    theirs = TR.pack_padded_sequence(torch.tensor(x), lengths, batch_first, enforce_sorted)
    assert isinstance(ours, R.PackedSequence) and isinstance(ours, tuple)
    _packed_fields(ours, theirs)
    padded, lens = R.pad_packed_sequence(ours, batch_first)
    t_padded, t_lens = TR.pad_packed_sequence(theirs, batch_first)
    assert padded.shape == tuple(t_padded.shape) and lens.dtype == np.int64
    np.testing.assert_array_equal(lens, t_lens.numpy())
    np.testing.assert_array_equal(padded.numpy(), t_padded.numpy())


def test_ties_are_sorted_stably_and_pad_back_as_torch():
    lengths = [2, 3, 2, 3, 1, 2]
    x = rnd(3, 6, 2)
    s = tl.Session(dtype=np.float64)
    ours = R.pack_padded_sequence(s.input(x), lengths, enforce_sorted=False)
    np.testing.assert_array_equal(ours.sorted_indices, [1, 3, 0, 2, 5, 4])
    theirs = TR.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    np.testing.assert_array_equal(R.pad_packed_sequence(ours)[0].numpy(), TR.pad_packed_sequence(theirs)[0].numpy())


def test_integer_data_packs_and_pads():
    labels = np.array([[1, 2, 3], [4, 5, 0], [6, 0, 0]]).T  # (T, B)
    s = tl.Session()
    ours = R.pack_padded_sequence(s.input(labels), [3, 2, 1])
    theirs = TR.pack_padded_sequence(torch.tensor(labels), [3, 2, 1])
    assert ours.data.dtype == np.int64
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(R.pad_packed_sequence(ours, True, -1)[0].numpy(),
                                  TR.pad_packed_sequence(theirs, True, -1)[0].numpy())


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence(enforce_sorted):
    seqs = [rnd(n, 3) for n in ((4, 2, 2, 1) if enforce_sorted else (2, 4, 1, 3))]

    def make(m):
        def f(*xs):
            p = m.pack_sequence(list(xs), enforce_sorted)
            return [p.data, *m.unpack_sequence(p)]
        return f

    check(*both(make), *seqs)


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence(batch_first):
    lengths = [3, 5, 1, 7]  # 7 > T keeps all T steps, as torch's mask does
    x = rnd(4, 5, 2) if batch_first else rnd(5, 4, 2)

    def make(m):
        lens = lengths if m is R else torch.tensor(lengths)
        return lambda x: m.unpad_sequence(x if m is R else x.clone(), lens, batch_first)  # torch transposes in place

    check(*both(make), x)
    s = tl.Session(dtype=np.float64)
    assert [v.shape[0] for v in R.unpad_sequence(s.input(x), lengths, batch_first)] == [3, 5, 1, 5]


def test_lengths_as_numpy_and_as_eager_int_tensor():
    s = tl.Session(dtype=np.float64)
    x = s.input(rnd(3, 2, 4))
    want = R.pack_padded_sequence(x, [3, 2])
    for lens in (np.array([3, 2]), np.array([3, 2], np.int32), s.input(np.array([3, 2])), (3, 2),
                 torch.tensor([3, 2])):
        got = R.pack_padded_sequence(x, lens)
        np.testing.assert_array_equal(got.batch_sizes, want.batch_sizes)
        np.testing.assert_array_equal(got.data.numpy(), want.data.numpy())


def test_compiled_with_static_lengths_traces_per_lengths():
    def fn(x, lengths):
        p = R.pack_padded_sequence(x, list(lengths), enforce_sorted=False)
        return R.pad_packed_sequence(p, total_length=4)[0] * 2.0

    f = tl.compile(fn)
    s = tl.Session(dtype=np.float64)
    xv = rnd(4, 3, 2)
    for lengths in ((2, 4, 1), (3, 3, 3), (2, 4, 1)):
        x = s.input(xv, requires_grad=True)
        y = f(x, lengths)
        y.sum().backward()
        mask = (np.arange(4)[:, None] < np.array(lengths)[None, :])[..., None]
        np.testing.assert_array_equal(y.numpy(), np.where(mask, 2.0 * xv, 0.0))
        np.testing.assert_array_equal(x.grad, np.broadcast_to(np.where(mask, 2.0, 0.0), xv.shape))
    assert f.cache_size == 2 and f.traces == 2


def test_traced_lengths_raise():
    s = tl.Session(dtype=np.float64)
    f = tl.compile(lambda x, n: R.pack_padded_sequence(x, n).data)
    with pytest.raises(tl.ArgumentError, match="pack_padded_sequence: lengths is a traced tensor"):
        f(s.input(rnd(3, 2, 1)), s.input(np.array([3, 2])))


def test_packed_sequence_is_torchs_named_tuple():
    assert R.PackedSequence._fields == TR.PackedSequence._fields
    s = tl.Session(dtype=np.float64)
    data = s.input(rnd(4, 2))
    p = R.PackedSequence(data, [2, 1, 1], [1, 0])
    np.testing.assert_array_equal(p.unsorted_indices, TR.invert_permutation(torch.tensor([1, 0])).numpy())
    assert p.batch_sizes.dtype == np.int64 and p.data is data
    q = R.PackedSequence((data, np.array([2, 2])))
    assert q.sorted_indices is None and q.unsorted_indices is None and q.batch_sizes.tolist() == [2, 2]
    data_, sizes, s_idx, u_idx = p
    assert data_ is data and sizes.tolist() == [2, 1, 1] and s_idx.tolist() == [1, 0] and u_idx.tolist() == [1, 0]
    assert p.float().data.dtype == np.float32 and p.double() is p and p.float().batch_sizes.tolist() == [2, 1, 1]
    assert not p.is_cuda
    perm = np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(R.invert_permutation(perm), TR.invert_permutation(torch.tensor(perm)).numpy())
    assert R.invert_permutation(None) is None


def _sig(f):
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("name", ["pad_sequence", "unpad_sequence", "pack_padded_sequence", "pad_packed_sequence",
                                  "pack_sequence", "unpack_sequence", "invert_permutation"])
def test_signatures_are_torchs(name):
    assert _sig(getattr(R, name)) == _sig(getattr(TR, name))
    assert name in R.__all__ and set(R.__all__) == set(TR.__all__)


def test_imports_as_a_submodule():
    import torchlean.nn.utils.rnn as by_path
    from torchlean.nn.utils.rnn import pack_sequence

    assert by_path is R is tl.nn.utils.rnn and pack_sequence is R.pack_sequence


def _bad_calls(s):
    x, x1 = s.input(rnd(3, 2, 4)), s.input(rnd(3))
    t, t1 = torch.tensor(rnd(3, 2, 4)), torch.tensor(rnd(3))
    a, b = s.input(rnd(2, 3)), s.input(rnd(2, 4))
    ta, tb = torch.tensor(rnd(2, 3)), torch.tensor(rnd(2, 4))
    packed, t_packed = R.pack_padded_sequence(x, [3, 1]), TR.pack_padded_sequence(t, [3, 1])
    a0, a_long, one, empty = a[0, 0], a.long(), s.input(rnd(1, 2)), s.input(rnd(0, 2))
    # (ours, torch's or None where torch answers, error class, function, message)
    return [
        (lambda: R.pack_padded_sequence(x, [2, 3]), lambda: TR.pack_padded_sequence(t, [2, 3]),
         tl.ArgumentError, "pack_padded_sequence", "sorted in decreasing order"),
        (lambda: R.pack_padded_sequence(x, [3, 0]), lambda: TR.pack_padded_sequence(t, [3, 0]),
         tl.ArgumentError, "pack_padded_sequence", "greater than 0"),
        (lambda: R.pack_padded_sequence(x, [3, 0], enforce_sorted=False),
         lambda: TR.pack_padded_sequence(t, [3, 0], enforce_sorted=False),
         tl.ArgumentError, "pack_padded_sequence", "greater than 0"),
        (lambda: R.pack_padded_sequence(x, [4, 2]), None, tl.ShapeError, "pack_padded_sequence",
         r"a length \(4\) exceeds the 3 steps"),
        (lambda: R.pack_padded_sequence(x, [3, 2, 1]), lambda: TR.pack_padded_sequence(t, [3, 2, 1]),
         tl.ShapeError, "pack_padded_sequence", r"len\(lengths\) to be equal to batch_size, but got 3"),
        (lambda: R.pack_padded_sequence(x1, [3]), lambda: TR.pack_padded_sequence(t1, [3]),
         tl.ShapeError, "pack_padded_sequence", "at least 2 dims, got shape \\(3,\\)"),
        (lambda: R.pack_padded_sequence(x, [[3, 2]]), lambda: TR.pack_padded_sequence(t, torch.tensor([[3, 2]])),
         tl.ShapeError, "pack_padded_sequence", r"lengths must be 1-D, got shape \(1, 2\)"),
        (lambda: R.pack_padded_sequence(x, [3.0, 2.0]), None, tl.DTypeError, "pack_padded_sequence",
         "integers, got float64"),
        (lambda: R.pack_padded_sequence(x, [3, 2], batch_first=1), None,
         tl.ArgumentError, "pack_padded_sequence", "batch_first must be a bool"),
        (lambda: R.pack_sequence([a, b]), lambda: TR.pack_sequence([ta, tb]), tl.ShapeError, "pack_sequence",
         r"trailing shape of sequences\[0\], \(3,\)"),
        (lambda: R.pack_sequence([one, empty]),
         lambda: TR.pack_sequence([torch.zeros(1, 2), torch.zeros(0, 2)]), tl.ArgumentError, "pack_sequence",
         "greater than 0"),
        (lambda: R.pad_sequence([]), lambda: TR.pad_sequence([]), tl.TorchLeanError, "pad_sequence",
         "torchlean tensor argument"),
        (lambda: R.pad_sequence([a, a_long]), None, tl.DTypeError, "pad_sequence",
         r"\(float64\); sequences\[1\] is int64"),
        (lambda: R.pad_sequence([a], padding_side="mid"), lambda: TR.pad_sequence([ta], padding_side="mid"),
         tl.ArgumentError, "pad_sequence", "one of left or right"),
        (lambda: R.pad_sequence([a0]), lambda: TR.pad_sequence([ta[0, 0]]), tl.ShapeError, "pad_sequence",
         "0-d"),
        (lambda: R.pad_sequence([a], padding_value="x"), lambda: TR.pad_sequence([ta], padding_value="x"),
         tl.ArgumentError, "pad_sequence", "padding_value must be a real number"),
        (lambda: R.pad_packed_sequence(packed, total_length=2),
         lambda: TR.pad_packed_sequence(t_packed, total_length=2),
         tl.ShapeError, "pad_packed_sequence", "total_length=2 and max sequence length being 3"),
        (lambda: R.pad_packed_sequence(x), lambda: TR.pad_packed_sequence(t), tl.ArgumentError,
         "pad_packed_sequence", "expected a PackedSequence, got TensorRef"),
        (lambda: R.pad_packed_sequence(R.PackedSequence(packed.data, [3, 2])), None, tl.ShapeError,
         "pad_packed_sequence", r"sum\(batch_sizes\) = 5 rows, got shape \(4, 4\)"),
        (lambda: R.pad_packed_sequence(R.PackedSequence(packed.data, [1, 3])), None, tl.ArgumentError,
         "pad_packed_sequence", "non-increasing"),
        (lambda: R.unpad_sequence(x, [3, -1]), None, tl.ArgumentError, "unpad_sequence", ">= 0"),
        (lambda: R.unpad_sequence(x, [3]), lambda: TR.unpad_sequence(t, torch.tensor([3])), tl.ShapeError,
         "unpad_sequence", "one length per sequence"),
    ]


def test_bad_inputs_name_the_function_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    cases = _bad_calls(s)
    before = len(s.tape.nodes)
    for ours, theirs, cls, name, match in cases:
        with pytest.raises(cls, match=match) as e:
            ours()
        assert str(e.value).startswith(name + ": "), str(e.value)
        assert len(s.tape.nodes) == before, name
        if theirs is not None:  # torch refuses the same input
            with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError, IndexError)):
                theirs()


def test_bad_packed_sequence_fields():
    s = tl.Session(dtype=np.float64)
    data = s.input(rnd(3, 2))
    with pytest.raises(tl.ArgumentError, match="PackedSequence: sorted_indices must be a permutation"):
        R.PackedSequence(data, [2, 1], [0, 0])
    with pytest.raises(tl.ArgumentError, match="PackedSequence: without batch_sizes"):
        R.PackedSequence(data)
    with pytest.raises(tl.ArgumentError, match="invert_permutation: permutation must be a permutation"):
        R.invert_permutation([0, 2])
