"""DataLoader: batching, seeded shuffling (a new permutation per pass), samplers, collate."""

import inspect
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import torchlean as tl
from torchlean.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    TensorDataset,
    default_collate,
)
from torchlean.data.sampler import SAMPLER_STREAM
from torchlean.random import splitmix64_int


def labels(loader):
    return [b[1].tolist() for b in loader]


def flat(loader):
    """Every label of one pass, in order."""
    return [v for b in loader for v in b[1].tolist()]


def digits_like(n=10):
    return TensorDataset(np.arange(n * 3, dtype=np.float32).reshape(n, 3), np.arange(n))


def test_signature_is_pytorchs_plus_seed():
    ours = list(inspect.signature(DataLoader).parameters)
    theirs = list(inspect.signature(tud.DataLoader).parameters)
    assert ours[:-1] == theirs and ours[-1] == "seed"
    for name in ("batch_size", "shuffle", "drop_last", "num_workers", "timeout", "in_order"):
        assert inspect.signature(DataLoader).parameters[name].default == \
            inspect.signature(tud.DataLoader).parameters[name].default
    theirs = list(inspect.signature(tud.RandomSampler).parameters)
    assert list(inspect.signature(RandomSampler).parameters)[:4] == theirs


def test_sequential_batches_match_torchs():
    ds = digits_like(10)
    ours = DataLoader(ds, batch_size=4)
    theirs = tud.DataLoader(tud.TensorDataset(torch.from_numpy(ds.tensors[0]), torch.from_numpy(ds.tensors[1])),
                            batch_size=4)
    assert len(ours) == len(theirs) == 3
    for (x, y), (tx, ty) in zip(ours, theirs):
        assert isinstance(x, np.ndarray) and x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(x, tx.numpy())
        np.testing.assert_array_equal(y, ty.numpy())
    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and labels(dropped) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2


def test_shuffle_is_seeded_new_each_pass_and_covers_every_sample():
    ds = digits_like(23)
    loader = DataLoader(ds, batch_size=5, shuffle=True, seed=11)
    epochs = [flat(loader) for _ in range(4)]
    for order in epochs:
        assert sorted(order) == list(range(23))  # each pass is a permutation
    assert len({tuple(o) for o in epochs}) == 4  # a new permutation each pass
    again = DataLoader(ds, batch_size=5, shuffle=True, seed=11)
    assert [flat(again) for _ in range(4)] == epochs  # reproducible
    other = DataLoader(ds, batch_size=5, shuffle=True, seed=12)
    assert flat(other) != epochs[0]
    default = DataLoader(ds, batch_size=5, shuffle=True)
    assert flat(default) == flat(DataLoader(ds, batch_size=5, shuffle=True, seed=0))
    gen = DataLoader(ds, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(11))
    assert flat(gen) == epochs[0]


def test_the_permutation_is_the_documented_algorithm():
    n, seed, epoch = 17, 3, 2
    key = splitmix64_int((splitmix64_int(seed ^ SAMPLER_STREAM) + epoch) % 2**64)
    values = [splitmix64_int((key + t) % 2**64) for t in range(n)]
    expected = sorted(range(n), key=lambda t: (values[t], t))
    sampler = RandomSampler(range(n), seed=seed)
    sampler.set_epoch(epoch)
    assert list(sampler) == expected
    assert sampler.epoch == epoch + 1
    # num_samples beyond n: the next permutation of the epoch continues the stream
    long = RandomSampler(range(n), num_samples=n + 5, seed=seed)
    long.set_epoch(epoch)
    values2 = [splitmix64_int((key + t) % 2**64) for t in range(n, 2 * n)]
    second = sorted(range(n), key=lambda t: (values2[t], t))
    assert list(long) == expected + second[:5]


def test_replacement_draws_follow_the_formula():
    n, seed = 7, 4
    key = splitmix64_int((splitmix64_int(seed ^ SAMPLER_STREAM) + 0) % 2**64)
    expected = [((splitmix64_int((key + t) % 2**64) >> 11) * n) >> 53 for t in range(30)]
    sampler = RandomSampler(range(n), replacement=True, num_samples=30, seed=seed)
    out = list(sampler)
    assert out == expected and len(sampler) == 30 and max(out) < n
    counts = np.bincount(list(RandomSampler(range(n), replacement=True, num_samples=7000, seed=1)), minlength=n)
    assert counts.min() > 850 and counts.max() < 1150


def test_set_epoch_and_state_dict_resume_the_order():
    ds = digits_like(12)
    loader = DataLoader(ds, batch_size=4, shuffle=True, seed=2)
    first = [labels(loader) for _ in range(3)]
    loader.sampler.set_epoch(1)
    assert labels(loader) == first[1]
    resumed = DataLoader(ds, batch_size=4, shuffle=True, seed=2)
    resumed.sampler.load_state_dict({"seed": 2, "epoch": 2})
    assert labels(resumed) == first[2]
    assert resumed.sampler.state_dict() == {"seed": 2, "epoch": 3}
    with pytest.raises(tl.ArgumentError, match=r"RandomSampler.set_epoch: epoch must be an int >= 0"):
        loader.sampler.set_epoch(-1)
    with pytest.raises(tl.ArgumentError, match=r"RandomSampler.load_state_dict: expected keys"):
        loader.sampler.load_state_dict({"epoch": 1})


def test_a_custom_sampler_plugs_in_like_a_distributed_sampler():
    class EveryOther(Sampler):
        """Rank 0 of 2: every other index, reshuffled by set_epoch (DistributedSampler's hooks)."""

        def __init__(self, n):
            self.n, self.epoch = n, 0

        def set_epoch(self, epoch):
            self.epoch = epoch

        def __iter__(self):
            order = RandomSampler(range(self.n), seed=9).indices(self.epoch)
            return iter(order[0::2])

        def __len__(self):
            return (self.n + 1) // 2

    ds = digits_like(10)
    sampler = EveryOther(10)
    loader = DataLoader(ds, batch_size=2, sampler=sampler)
    assert len(loader) == 3
    e0 = flat(loader)
    sampler.set_epoch(1)
    e1 = flat(loader)
    assert len(e0) == len(e1) == 5 and e0 != e1
    assert e0 == RandomSampler(range(10), seed=9).indices(0)[0::2]
    theirs = tud.DataLoader(list(range(10)), batch_size=2, sampler=tud.distributed.DistributedSampler(
        list(range(10)), num_replicas=2, rank=0, shuffle=False))
    ours = DataLoader(list(range(10)), batch_size=2, sampler=tud.distributed.DistributedSampler(
        list(range(10)), num_replicas=2, rank=0, shuffle=False))  # torch's own sampler works too
    assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]


def test_batch_sampler_and_no_batching():
    ds = digits_like(6)
    bs = BatchSampler(SequentialSampler(ds), batch_size=4, drop_last=False)
    assert list(bs) == [[0, 1, 2, 3], [4, 5]] and len(bs) == 2
    loader = DataLoader(ds, batch_sampler=[[5, 0], [2]])
    assert labels(loader) == [[5, 0], [2]]
    single = DataLoader(ds, batch_size=None)
    samples = list(single)
    assert len(single) == 6 and len(samples) == 6 and samples[2][1] == 2 and samples[2][0].shape == (3,)


def test_default_collate_handles_numbers_dicts_tuples_and_namedtuples():
    Pair = namedtuple("Pair", "x y")
    batch = [{"img": np.ones((2, 2), np.float32) * i, "label": i, "w": float(i), "ok": i % 2 == 0,
              "name": f"s{i}", "pair": Pair(np.int64(i), (i, [i * 1.5])), "n": np.float32(i)} for i in range(3)]
    out = default_collate(batch)
    assert type(out) is dict and out["img"].shape == (3, 2, 2) and out["img"].dtype == np.float32
    assert out["label"].dtype == np.int64 and out["w"].dtype == np.float64 and out["ok"].dtype == np.bool_
    assert out["name"] == ["s0", "s1", "s2"] and out["n"].dtype == np.float32
    assert isinstance(out["pair"], Pair) and out["pair"].x.dtype == np.int64
    assert isinstance(out["pair"].y, list) and out["pair"].y[0].tolist() == [0, 1, 2]
    assert out["pair"].y[1][0].tolist() == [0.0, 1.5, 3.0]
    od = default_collate([OrderedDict(a=1), OrderedDict(a=2)])
    assert type(od) is OrderedDict and od["a"].tolist() == [1, 2]
    tensors = default_collate([torch.ones(2), torch.zeros(2)])
    assert isinstance(tensors, np.ndarray) and tensors.shape == (2, 2)
    ref = tud.default_collate([(1, 2.0), (3, 4.0)])
    ours = default_collate([(1, 2.0), (3, 4.0)])
    assert type(ours) is type(ref) is list and [o.tolist() for o in ours] == [r.tolist() for r in ref]


@pytest.mark.parametrize("batch, cls, msg", [
    ([np.ones(2), np.ones(3)], tl.ShapeError, r"sample 1 has shape \(3,\) but sample 0 has \(2,\)"),
    ([(1, 2), (1,)], tl.ShapeError, "sample 1 has 1 fields but sample 0 has 2"),
    ([{"a": 1}, {"b": 1}], tl.ArgumentError, "lacks the key 'a'"),
    ([None], tl.DTypeError, "found NoneType"),
    ([], tl.ArgumentError, "non-empty list"),
    ([np.array(["x"])], tl.DTypeError, "arrays of <U1 are not numbers"),
])
def test_default_collate_errors(batch, cls, msg):
    with pytest.raises(cls, match=f"default_collate: .*{msg}"):
        default_collate(batch)


def test_default_collate_refuses_torchlean_tensors():
    s = tl.Session()
    with pytest.raises(tl.DTypeError, match="samples are torchlean tensors"):
        default_collate([s.input([1.0]), s.input([2.0])])


@pytest.mark.parametrize("kwargs, msg", [
    ({"num_workers": 2}, "num_workers=2"),
    ({"pin_memory": True}, "pin_memory"),
    ({"timeout": 5}, "timeout=5 only applies to worker"),
    ({"persistent_workers": True}, "persistent_workers"),
    ({"prefetch_factor": 2}, "prefetch_factor"),
    ({"shuffle": True, "sampler": [0, 1]}, "mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
    ({"batch_size": 0}, "batch_size must be an int >= 1"),
    ({"batch_size": True}, "batch_size must be an int"),
    ({"shuffle": 1}, "shuffle must be a bool"),
    ({"collate_fn": 3}, "collate_fn must be callable"),
    ({"shuffle": True, "seed": 1, "generator": 1}, "give generator= or seed=, not both"),
    ({"shuffle": True, "seed": -2}, "seed must be an int >= 0"),
    ({"sampler": [0, 1], "seed": 3}, "seed your sampler instead"),
])
def test_loader_argument_errors(kwargs, msg):
    with pytest.raises(tl.ArgumentError, match=f"DataLoader: .*{msg}"):
        DataLoader(digits_like(4), **kwargs)


def test_torch_dataloader_batches_go_into_s_input():
    ds = tud.TensorDataset(torch.arange(12.0).reshape(6, 2), torch.arange(6))
    s = tl.Session()
    for x, y in tud.DataLoader(ds, batch_size=4):
        xs, ys = s.input(x), s.input(y)
        assert xs.dtype == np.float32 and ys.dtype == np.int64 and xs.shape[0] == ys.shape[0]
        np.testing.assert_array_equal(xs.numpy(), x.numpy())
        assert xs._v.ctypes.data != x.data_ptr()  # s.input copies, as documented
    for x, _ in DataLoader(TensorDataset(ds.tensors[0], ds.tensors[1]), batch_size=4):
        np.testing.assert_array_equal(s.input(x).numpy(), x)


def test_a_training_epoch_over_a_loader():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    s = tl.Session(seed=1)
    w = s.param(np.zeros((2, 5)))
    b = s.param(np.zeros(2))
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, seed=1)
    losses = []
    for _ in range(5):
        for xb, yb in loader:
            s.reset()
            loss = s.cross_entropy(s.linear(s.use(w), s.use(b), s.input(xb)), s.input(yb))
            s.backward(loss)
            s.sgd_step(0.5)
            losses.append(loss.item())
    assert len(losses) == 20 and losses[-1] < losses[0] * 0.5
