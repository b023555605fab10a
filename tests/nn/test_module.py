"""Module registration, traversal, modes and state dicts with PyTorch's key names."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn


class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(np.arange(n * n, dtype=np.float32).reshape(n, n))
        self.bias = nn.Parameter(np.zeros(n, np.float32))
        self.register_buffer("running_mean", np.zeros(n, np.float32))
        self.register_buffer("scratch", np.ones(n, np.float32), persistent=False)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Block(2)
        self.layers = nn.ModuleList([Block(3), Block(3)])
        self.heads = nn.ModuleDict({"a": Block(1)})
        self.seq = nn.Sequential(Block(2), Block(2))


def test_state_dict_keys_follow_pytorch():
    keys = list(Net().state_dict())
    assert keys == [
        "fc1.weight", "fc1.bias", "fc1.running_mean",
        "layers.0.weight", "layers.0.bias", "layers.0.running_mean",
        "layers.1.weight", "layers.1.bias", "layers.1.running_mean",
        "heads.a.weight", "heads.a.bias", "heads.a.running_mean",
        "seq.0.weight", "seq.0.bias", "seq.0.running_mean",
        "seq.1.weight", "seq.1.bias", "seq.1.running_mean",
    ]
    net = Net()
    assert [n for n, _ in net.named_parameters()][:2] == ["fc1.weight", "fc1.bias"]
    assert len(list(net.buffers())) == 12  # persistent or not, buffers are buffers
    assert [n for n, _ in net.named_modules()][:3] == ["", "fc1", "layers"]
    assert [n for n, _ in net.named_children()] == ["fc1", "layers", "heads", "seq"]


def test_torch_state_dicts_load_both_ways():
    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(3, 2)
            self.bn = torch.nn.BatchNorm1d(2)

    class LNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Module()
            self.fc1.weight = nn.Parameter(np.zeros((2, 3), np.float32))
            self.fc1.bias = nn.Parameter(np.zeros(2, np.float32))
            self.bn = nn.Module()
            self.bn.weight = nn.Parameter(np.zeros(2, np.float32))
            self.bn.bias = nn.Parameter(np.zeros(2, np.float32))
            self.bn.register_buffer("running_mean", np.zeros(2, np.float32))
            self.bn.register_buffer("running_var", np.zeros(2, np.float32))
            self.bn.register_buffer("num_batches_tracked", np.array(0))

    t, ours = TNet(), LNet()
    t.bn.num_batches_tracked.fill_(7)
    result = ours.load_state_dict(t.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k], v.numpy())
    assert ours.bn.num_batches_tracked.dtype == np.int64
    t2 = TNet()
    t2.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(t2.fc1.weight.detach().numpy(), t.fc1.weight.detach().numpy())


def test_a_failed_load_changes_nothing():
    net = Net()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    bad = dict(net.state_dict())
    bad["fc1.weight"] = np.ones((2, 2), np.float32) * 5
    bad["seq.1.bias"] = np.ones(3, np.float32)  # wrong shape, late in the dict
    with pytest.raises(tl.ShapeError, match=r"seq.1.bias.*\(3,\).*\(2,\)"):
        net.load_state_dict(bad)
    with pytest.raises(tl.ArgumentError, match="missing keys"):
        net.load_state_dict({"fc1.weight": np.zeros((2, 2))})
    bad = dict(net.state_dict())
    bad["layers.0.running_mean"] = np.array([1.5, 2.5, 3.5])  # fine: float64 rounds to float32
    bad["fc1.bias"] = ["a", "b"]
    with pytest.raises(tl.DTypeError, match=r"fc1\.bias"):
        net.load_state_dict(bad)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    result = net.load_state_dict({"fc1.weight": np.zeros((2, 2))}, strict=False)
    assert "fc1.bias" in result.missing_keys


def test_train_eval_requires_grad_zero_grad_apply():
    net = Net()
    assert net.training and net.layers[1].training
    net.eval()
    assert not net.training and not net.seq[0].training
    net.train()
    assert net.heads["a"].training
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    for p in net.parameters():
        p.grad = np.ones(p.shape, np.float32)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.count("Block") == 6


def test_to_double_converts_float_state_only():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.state_dict()["fc1.running_mean"].dtype == np.float64


def test_registration_errors():
    m = nn.Module()
    with pytest.raises(tl.ArgumentError, match="name"):
        m.register_buffer("a.b", np.zeros(2))
    with pytest.raises(tl.DTypeError, match="Param"):
        m.register_parameter("w", np.zeros(2))

    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(2))

    with pytest.raises(tl.ArgumentError, match="super"):
        Bad()


def test_sequential_runs_modules_in_order():
    class Add(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c = c

        def forward(self, x):
            return x + self.c

    s = tl.Session(dtype=np.float64)
    seq = nn.Sequential(OrderedDict([("a", Add(1.0)), ("b", Add(10.0))]))
    assert s.value(seq(s.input([0.0]))).tolist() == [11.0]
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 1


def test_assigning_to_a_registered_name_follows_pytorchs_rules():
    m = nn.Linear(4, 3)
    with pytest.raises(tl.DTypeError, match="cannot assign str as parameter 'weight'"):
        m.weight = "abc"
    assert isinstance(m.weight, nn.Parameter)  # unchanged
    m.bias = None
    assert m.bias is None and list(m.state_dict()) == ["weight"]
    seq = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(tl.DTypeError, match="child module '0'"):
        setattr(seq, "0", 3)
    bn = nn.BatchNorm1d(3)
    bn.running_mean = np.full(3, 2.0, np.float32)  # array data replaces the buffer's value
    assert isinstance(bn.running_mean, nn.Buffer) and bn.state_dict()["running_mean"].tolist() == [2.0] * 3
