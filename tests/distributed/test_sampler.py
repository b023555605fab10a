"""DistributedSampler without MPI (explicit replicas and ranks): PyTorch's sharding and padding,
disjoint covering shards, orders that do not depend on the number of replicas, set_epoch."""

from __future__ import annotations

import numpy as np
import pytest
import torch.utils.data

import torchlean as tl
from torchlean.distributed import DistributedError, DistributedSampler


def _shards(n, replicas, **kw):
    return [list(DistributedSampler(range(n), num_replicas=replicas, rank=r, **kw)) for r in range(replicas)]


@pytest.mark.parametrize("n", [0, 1, 3, 10, 63, 64])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_shards_are_torchs(n, replicas, drop_last):
    for r in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=r, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=r, shuffle=False,
                                                     drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) and ours.total_size == theirs.total_size


@pytest.mark.parametrize("n,replicas", [(64, 2), (60, 3), (61, 4), (7, 3)])
def test_shuffled_shards_are_disjoint_equal_and_cover(n, replicas):
    shards = _shards(n, replicas, seed=5)
    assert len({len(s) for s in shards}) == 1
    flat = [i for s in shards for i in s]
    pad = -(-n // replicas) * replicas - n
    assert set(flat) == set(range(n)) and len(flat) == n + pad
    assert len(set(flat)) == n  # only the padding repeats
    dropped = _shards(n, replicas, seed=5, drop_last=True)
    flat = [i for s in dropped for i in s]
    assert len(flat) == len(set(flat)) == (n // replicas) * replicas


def test_the_order_does_not_depend_on_the_number_of_replicas():
    one = list(DistributedSampler(range(48), num_replicas=1, rank=0, seed=9))
    for replicas in (2, 3, 4):
        shards = _shards(48, replicas, seed=9)
        interleaved = [shards[r][k] for k in range(48 // replicas) for r in range(replicas)]
        assert interleaved == one
    assert one != list(range(48)) and sorted(one) == list(range(48))


def test_set_epoch_seed_and_state_dict():
    s = DistributedSampler(range(20), num_replicas=2, rank=1, seed=4)
    e0 = list(s)
    assert list(s) == e0  # as in PyTorch, iterating again does not advance the epoch
    s.set_epoch(1)
    e1 = list(s)
    assert e1 != e0 and len(e1) == 10
    assert list(DistributedSampler(range(20), num_replicas=2, rank=1, seed=5)) != e0
    state = s.state_dict()
    assert state == {"seed": 4, "epoch": 1}
    t = DistributedSampler(range(20), num_replicas=2, rank=1)
    t.load_state_dict(state)
    assert list(t) == e1


def test_dataloader_batches_are_equal_in_number_on_every_rank():
    x = np.arange(50, dtype=np.float32).reshape(25, 2)
    ds = tl.data.TensorDataset(x, np.arange(25))
    counts, seen = [], []
    for r in range(3):
        loader = tl.data.DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds, num_replicas=3, rank=r))
        batches = list(loader)
        counts.append(len(batches))
        seen += [int(i) for _, yb in batches for i in yb]
        assert len(loader) == len(batches)
    assert counts == [3, 3, 3] and set(seen) == set(range(25))


def test_bad_arguments_are_named():
    with pytest.raises(tl.ArgumentError, match=r"DistributedSampler: rank must be in \[0, 1\], got 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(tl.ArgumentError, match="num_replicas must be an int >= 1, got 0"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    with pytest.raises(tl.ArgumentError, match="shuffle must be a bool, got 'yes'"):
        DistributedSampler(range(4), num_replicas=1, rank=0, shuffle="yes")
    with pytest.raises(tl.ArgumentError, match="has no __len__"):
        DistributedSampler(iter(range(4)), num_replicas=1, rank=0)
    s = DistributedSampler(range(4), num_replicas=1, rank=0)
    with pytest.raises(tl.ArgumentError, match="set_epoch: epoch must be an int >= 0, got -1"):
        s.set_epoch(-1)
    with pytest.raises(tl.ArgumentError, match=r"expected keys \['epoch', 'seed'\]"):
        s.load_state_dict({"epoch": 1})


def test_default_replicas_need_init():
    with pytest.raises(DistributedError, match=r"DistributedSampler: call torchlean.distributed.init\(\) "
                                               r"first \(in world_size\)"):
        DistributedSampler(range(4))


def test_the_shards_interleave_the_shuffling_loaders_order():
    # batch k of size R*b of one process == the union of batch k of size b on each of R ranks
    from torchlean.data import RandomSampler
    from torchlean.distributed import DistributedSampler

    data = list(range(24))
    one = RandomSampler(data, seed=7)
    one.set_epoch(3)
    full = list(one)
    shards = []
    for r in range(3):
        ds = DistributedSampler(data, num_replicas=3, rank=r, seed=7)
        ds.set_epoch(3)
        shards.append(list(ds))
    for k in range(4):  # local batches of 2
        got = sorted(i for sh in shards for i in sh[2 * k:2 * k + 2])
        assert got == sorted(full[6 * k:6 * k + 6])
