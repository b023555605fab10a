"""Datasets and random_split: PyTorch's shapes, the seeded split, errors."""

import inspect
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import torchlean as tl
from torchlean.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from torchlean.data.sampler import SPLIT_STREAM, stream_key
from torchlean.random import splitmix64_int


def test_tensor_dataset_indexes_every_tensor_along_the_first_axis():
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6 and ds.tensors[0] is x  # NumPy arrays are kept without a copy
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi, x[4])
    assert yi == 4 and isinstance(yi, np.int64)
    many = ds.__getitems__([1, 3])
    assert len(many) == 2 and many[1][1] == 3
    np.testing.assert_array_equal(many[0][0], x[1])
    with pytest.raises(IndexError):
        ds[6]
    assert [int(s[1]) for s in ds] == list(range(6))  # iteration stops at IndexError


def test_tensor_dataset_reads_torch_and_torchlean_tensors():
    t = torch.arange(6.0).reshape(3, 2)
    ds = TensorDataset(t, [0, 1, 2])
    assert isinstance(ds.tensors[0], np.ndarray) and ds.tensors[0].ctypes.data == t.data_ptr()
    assert ds.tensors[1].dtype == np.int64
    s = tl.Session()
    ds2 = TensorDataset(s.input(np.ones((2, 3))), tl.Param(np.zeros((2, 1))))
    assert ds2[1][0].shape == (3,) and ds2[0][1].tolist() == [0.0]


@pytest.mark.parametrize("args, cls, msg", [
    ((), tl.ArgumentError, "at least one tensor"),
    ((np.ones((3, 2)), np.ones(4)), tl.ShapeError, r"same first dimension, got \[3, 4\]"),
    ((np.ones(()),), tl.ShapeError, "0-d"),
    ((np.array(["a", "b"]),), tl.DTypeError, "tensor 0 holds <U1"),
])
def test_tensor_dataset_errors(args, cls, msg):
    with pytest.raises(cls, match=f"TensorDataset: .*{msg}"):
        TensorDataset(*args)


def test_subset_and_concat_follow_pytorch():
    base = TensorDataset(np.arange(10))
    sub = Subset(base, [7, 2, 5])
    assert len(sub) == 3 and int(sub[0][0]) == 7 and int(sub[-1][0]) == 5
    assert [int(v[0]) for v in sub.__getitems__([2, 0])] == [5, 7]
    both = base + sub
    assert isinstance(both, ConcatDataset) and len(both) == 13
    assert int(both[10][0]) == 7 and int(both[-1][0]) == 5 and int(both[0][0]) == 0
    with pytest.raises(IndexError):
        both[13]
    with pytest.raises(IndexError):
        both[-14]
    ref = tud.ConcatDataset([list(range(10)), [7, 2, 5]])
    assert ref.cumulative_sizes == both.cumulative_sizes


def test_dataset_base_class():
    class Squares(Dataset):
        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return 4

    assert [Squares()[i] for i in range(4)] == [0, 1, 4, 9]
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def test_signatures_match_pytorch():
    for ours, theirs in [(TensorDataset, tud.TensorDataset), (Subset, tud.Subset)]:
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)
    ps = list(inspect.signature(random_split).parameters)
    assert ps[:3] == list(inspect.signature(tud.random_split).parameters) and ps[3] == "seed"


@pytest.mark.parametrize("n, lengths", [
    (10, [3, 7]), (10, [0.3, 0.7]), (30, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.2, 0.2, 0.2, 0.2, 0.2]),
    (5, [1.0]), (3, [0.1, 0.9]), (100, [0.33, 0.33, 0.34]), (0, [0.5, 0.5]), (4, [4, 0]),
])
def test_random_split_lengths_are_pytorchs_and_the_subsets_partition(n, lengths):
    base = list(range(n))
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = random_split(base, lengths, seed=1)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = tud.random_split(base, lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert len(ours_w) == len(theirs_w)  # the same zero-length warnings
    flat = [i for s in ours for i in s.indices]
    assert sorted(flat) == base  # disjoint and covering
    assert all(isinstance(s, Subset) and s.dataset is base for s in ours)


def test_random_split_is_seeded_and_follows_the_documented_stream():
    base = list(range(50))
    a = random_split(base, [20, 30], seed=5)
    b = random_split(base, [20, 30], generator=5)
    c = random_split(base, [20, 30], generator=torch.Generator().manual_seed(5))
    assert a[0].indices == b[0].indices == c[0].indices
    assert random_split(base, [20, 30], seed=6)[0].indices != a[0].indices
    assert random_split(base, [20, 30])[0].indices == random_split(base, [20, 30], seed=0)[0].indices
    # the documented formula, computed independently with Python ints
    key = splitmix64_int((splitmix64_int(5 ^ SPLIT_STREAM) + 0) % 2**64)
    assert key == stream_key(5, SPLIT_STREAM, 0)
    values = [splitmix64_int((key + t) % 2**64) for t in range(50)]
    order = sorted(range(50), key=lambda t: (values[t], t))
    assert a[0].indices + a[1].indices == order


@pytest.mark.parametrize("lengths, msg", [
    ([3, 3], "sum to 6 but the dataset has 10"),
    ([0.5, 0.6], "ints summing to 10 or fractions summing to 1"),
    ([-1, 11], "must be finite and >= 0"),
    ([True, 9], "length 0 must be an int or a float"),
    ("ab", "non-empty sequence"),
    ([], "non-empty sequence"),
    ([float("nan"), 1], "finite"),
])
def test_random_split_errors(lengths, msg):
    with pytest.raises(tl.ArgumentError, match=f"random_split: .*{msg}"):
        random_split(list(range(10)), lengths)


def test_random_split_seed_errors():
    with pytest.raises(tl.ArgumentError, match="random_split: give generator= or seed=, not both"):
        random_split(list(range(4)), [2, 2], generator=1, seed=1)
    with pytest.raises(tl.ArgumentError, match="seed must be an int >= 0"):
        random_split(list(range(4)), [2, 2], seed=-1)
    with pytest.raises(tl.ArgumentError, match="has no __len__"):
        random_split(iter([1, 2]), [1, 1])
