"""Pooling and normalisation layers against torch.nn: parity (eager and compiled), BatchNorm's
running statistics over training steps (eager, compiled, torch), train/eval, signatures, errors."""

import inspect

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as F
from torchlean import nn
from torchlean.nn.layers import norm, pool

from .parity import check

R = np.random.default_rng(1)


def rnd(*shape):
    return R.standard_normal(shape)


POOLS = [
    ("MaxPool1d", (3,), {}, (2, 3, 9)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1, dilation=2, ceil_mode=True), (2, 3, 10)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1), (2, 3, 7, 8)),
    ("MaxPool2d", ((2, 3),), dict(stride=(1, 2), ceil_mode=True), (3, 7, 8)),
    ("MaxPool2d", (2,), dict(return_indices=True), (2, 3, 5, 6)),
    ("MaxPool3d", (2,), dict(padding=1), (1, 2, 4, 5, 3)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False, ceil_mode=True), (2, 3, 7, 8)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (2, 3, 6, 6)),
    ("AvgPool3d", ((2, 1, 2),), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 8)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 4, 3)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 8)),
    ("AdaptiveMaxPool2d", (3,), dict(return_indices=True), (2, 3, 7, 5)),
    ("AdaptiveMaxPool3d", ((2, 3, 1),), {}, (1, 2, 5, 4, 3)),
]


@pytest.mark.parametrize("name, args, kw, shape", POOLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(POOLS)])
def test_pool_layers_match_torch(name, args, kw, shape):
    check(getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw), rnd(*shape))


def test_max_pool_indices_are_torchs():
    x = rnd(2, 3, 6, 7)
    s = tl.Session(dtype=np.float64)
    _, idx = nn.MaxPool2d(3, 2, 1, return_indices=True)(s.input(x))
    _, tidx = torch.nn.MaxPool2d(3, 2, 1, return_indices=True)(torch.tensor(x))
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


NORMS = [
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), dict(affine=False), (4, 3, 6)),
    ("BatchNorm2d", (3,), dict(momentum=None, bias=False), (4, 3, 2, 3)),
    ("BatchNorm3d", (2,), dict(track_running_stats=False), (2, 2, 3, 2, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 6)),
    ("InstanceNorm1d", (3,), dict(affine=True), (3, 6)),
    ("InstanceNorm2d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 4, 5)),
    ("InstanceNorm3d", (2,), dict(affine=True, bias=False), (2, 2, 3, 2, 2)),
    ("LayerNorm", (5,), {}, (3, 5)),
    ("LayerNorm", ((2, 5),), dict(bias=False, eps=1e-3), (4, 2, 5)),
    ("LayerNorm", ([4],), dict(elementwise_affine=False), (2, 3, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), dict(affine=False), (2, 6, 2, 2)),
    ("GroupNorm", (1, 2), dict(bias=False), (3, 2)),
    ("RMSNorm", (5,), {}, (3, 5)),
    ("RMSNorm", ((2, 3),), dict(eps=1e-4), (4, 2, 3)),
    ("RMSNorm", (3,), dict(elementwise_affine=False), (2, 3)),
]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name, args, kw, shape", NORMS, ids=[f"{c[0]}-{i}" for i, c in enumerate(NORMS)])
def test_norm_layers_match_torch(name, args, kw, shape, train):
    ours, theirs = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    if "running_var" in theirs.state_dict():  # non-trivial running statistics for evaluation
        theirs.running_mean.copy_(torch.tensor(rnd(args[0])))
        theirs.running_var.copy_(torch.tensor(R.uniform(0.5, 2.0, args[0])))
    for p in theirs.parameters():  # non-trivial affine parameters
        with torch.no_grad():
            p.copy_(torch.tensor(rnd(*p.shape)))
    ours.train(train)
    theirs.train(train)
    check(ours, theirs, rnd(*shape) * 2 + 0.5)


def test_norm_defaults_are_torchs():
    bn = nn.BatchNorm2d(4)
    sd, tsd = bn.state_dict(), torch.nn.BatchNorm2d(4).state_dict()
    assert list(sd) == list(tsd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    for k in sd:
        np.testing.assert_array_equal(sd[k], tsd[k].numpy())
        assert sd[k].dtype == {torch.float32: np.float32, torch.int64: np.int64}[tsd[k].dtype]
    assert sd["num_batches_tracked"].shape == ()
    assert list(nn.BatchNorm1d(3, affine=False, track_running_stats=False).state_dict()) == []
    assert list(nn.InstanceNorm2d(3).state_dict()) == list(torch.nn.InstanceNorm2d(3).state_dict()) == []
    assert nn.LayerNorm(3, dtype=np.float64).weight.dtype == np.float64
    assert nn.GroupNorm(2, 4).weight.shape == (4,) and nn.RMSNorm((2, 3)).weight.shape == (2, 3)
    torch_sd = torch.nn.BatchNorm1d(3).state_dict()
    torch_sd["num_batches_tracked"] += 7
    bn1 = nn.BatchNorm1d(3)
    bn1.load_state_dict(torch_sd)  # torch's int64 counter loads, and ours loads into torch
    assert int(bn1.num_batches_tracked.value) == 7
    torch.nn.BatchNorm1d(3).load_state_dict({k: torch.from_numpy(v) for k, v in bn1.state_dict().items()})
    bn1.running_var.set_value(np.full(3, 4.0, np.float32))
    bn1.reset_parameters()
    assert int(bn1.num_batches_tracked.value) == 0 and np.all(bn1.running_var.value == 1.0)


# ----- running statistics over training steps ---------------------------------------------------
def _conv_bn(lib, momentum):
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3, momentum=momentum), torch.nn.ReLU(),
                            torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 2)).double()
    if lib == "torch":
        return m
    ours = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=momentum), nn.ReLU(), nn.Flatten(),
                         nn.Linear(3 * 4 * 4, 2)).double()
    ours.load_state_dict(m.state_dict())
    return ours


@pytest.mark.parametrize("momentum", [0.1, None], ids=["ema", "cumulative"])
def test_batchnorm_running_statistics_train_alike_eagerly_compiled_and_in_torch(momentum):
    steps, lr = 6, 0.1
    data = [(R.standard_normal((5, 2, 6, 6)) * 1.5 + 0.3, R.integers(0, 2, 5)) for _ in range(steps)]
    theirs = _conv_bn("torch", momentum)
    topt = torch.optim.SGD(theirs.parameters(), lr=lr)
    for x, y in data:
        topt.zero_grad()
        torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        topt.step()
    ends = {}
    for mode in ("eager", "compiled"):
        model = _conv_bn("ours", momentum)
        fn = tl.compile(model) if mode == "compiled" else model
        opt = tl.optim.SGD(model.parameters(), lr=lr)
        s = tl.Session(dtype=np.float64)
        for x, y in data:
            F.cross_entropy(fn(s.input(x)), s.input(y)).backward()
            opt.step()
            opt.zero_grad()
        ends[mode] = model.state_dict()
    tsd = theirs.state_dict()
    assert int(ends["eager"]["1.num_batches_tracked"]) == int(ends["compiled"]["1.num_batches_tracked"]) == steps
    assert int(tsd["1.num_batches_tracked"]) == steps
    for k in ("1.running_mean", "1.running_var"):
        np.testing.assert_array_equal(ends["eager"][k], ends["compiled"][k])
        np.testing.assert_allclose(ends["eager"][k], tsd[k].numpy(), rtol=1e-12, atol=1e-14)
    assert not np.allclose(ends["eager"]["1.running_mean"], 0.0)
    for k in tsd:  # and the trained parameters
        np.testing.assert_allclose(ends["compiled"][k], tsd[k].numpy(), rtol=1e-10, atol=1e-13)


def test_a_batchnorm_used_twice_in_one_compiled_call_updates_as_eagerly():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(3, momentum=0.5).double()

        def forward(self, x):
            return self.bn(self.bn(x) * 2.0 + 1.0).sum()

    x = R.standard_normal((6, 3)) * 3 + 1
    s = tl.Session(dtype=np.float64)
    eager, compiled = Twice(), Twice()
    eager(s.input(x))
    tl.compile(compiled)(s.input(x))
    tb = torch.nn.BatchNorm1d(3, momentum=0.5).double()
    tb(tb(torch.tensor(x)) * 2.0 + 1.0)
    for k in ("running_mean", "running_var"):
        np.testing.assert_array_equal(getattr(eager.bn, k).value, getattr(compiled.bn, k).value)
        np.testing.assert_allclose(getattr(eager.bn, k).value, getattr(tb, k).numpy(), rtol=1e-13)
    assert int(compiled.bn.num_batches_tracked.value) == 2


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)], ids=["batched", "unbatched"])
def test_instance_norm_tracked_statistics_update_as_torch(shape):
    x = rnd(*shape) * 2 + 1
    tin = torch.nn.InstanceNorm2d(3, momentum=0.2, track_running_stats=True).double()
    tin(torch.tensor(x))
    s = tl.Session(dtype=np.float64)
    for compiled in (False, True):
        ours = nn.InstanceNorm2d(3, momentum=0.2, track_running_stats=True).double()
        (tl.compile(ours) if compiled else ours)(s.input(x))
        for k in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(ours, k).value, getattr(tin, k).numpy(), rtol=1e-13, err_msg=k)
        assert int(ours.num_batches_tracked.value) == int(tin.num_batches_tracked) == 0  # torch's: never counted


def test_eval_uses_running_statistics_and_updates_nothing():
    bn, tbn = nn.BatchNorm2d(3).double(), torch.nn.BatchNorm2d(3).double()
    s = tl.Session(dtype=np.float64)
    cbn = tl.compile(bn)
    for _ in range(3):  # train both (ours compiled) so the statistics are non-trivial
        x = rnd(4, 3, 2, 2) + 2.0
        cbn(s.input(x))
        tbn(torch.tensor(x))
    bn.eval()
    tbn.eval()
    before = {k: v.copy() for k, v in bn.state_dict().items()}
    x = rnd(2, 3, 2, 2)
    for fn in (bn, cbn):
        np.testing.assert_allclose(fn(s.input(x)).numpy(), tbn(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert int(before["num_batches_tracked"]) == 3 and cbn.cache_size == 2  # train and eval traces
    # without running statistics, eval mode normalises with the batch's, as torch
    free, tfree = nn.BatchNorm1d(3, track_running_stats=False), torch.nn.BatchNorm1d(3, track_running_stats=False)
    check(free.eval(), tfree.eval(), rnd(5, 3))


def test_a_failed_call_changes_no_buffer():
    bn = nn.BatchNorm1d(3).double()
    s = tl.Session(dtype=np.float64)
    before = {k: v.copy() for k, v in bn.state_dict().items()}
    with pytest.raises(tl.ArgumentError, match="more than 1 value per channel"):
        bn(s.input(np.ones((1, 3))))
    with pytest.raises(tl.DTypeError, match="float64"):  # float32 input, float64 statistics
        bn(tl.Session(dtype=np.float32).input(np.ones((4, 3))))
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


# ----- signatures and refusals ------------------------------------------------------------------
@pytest.mark.parametrize("name", [*pool.__all__, *norm.__all__])
def test_constructor_signature_is_torchs(name):
    def params(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]

    assert params(getattr(nn, name)) == params(getattr(torch.nn, name))


@pytest.mark.parametrize("make, err, match", [
    (lambda: nn.MaxPool2d(0), tl.ArgumentError, "MaxPool2d: kernel_size"),
    (lambda: nn.MaxPool2d(2, padding=2), tl.ArgumentError, "at most half"),
    (lambda: nn.MaxPool1d((2, 2)), tl.ArgumentError, "MaxPool1d: kernel_size"),
    (lambda: nn.MaxPool3d(2, return_indices=1), tl.ArgumentError, "return_indices must be a bool"),
    (lambda: nn.AvgPool2d(2, stride=0), tl.ArgumentError, "AvgPool2d: stride"),
    (lambda: nn.AvgPool3d(2, divisor_override=0), tl.ArgumentError, "divisor_override"),
    (lambda: nn.AdaptiveAvgPool2d((2, 0)), tl.ArgumentError, "output_size"),
    (lambda: nn.AdaptiveMaxPool1d(-1), tl.ArgumentError, "output_size"),
    (lambda: nn.BatchNorm2d(0), tl.ArgumentError, "BatchNorm2d: num_features"),
    (lambda: nn.BatchNorm1d(3, eps=-1.0), tl.ArgumentError, "eps"),
    (lambda: nn.BatchNorm1d(3, momentum="fast"), tl.ArgumentError, "momentum"),
    (lambda: nn.BatchNorm1d(3, dtype=np.int64), tl.TorchLeanError, "float32 or float64"),
    (lambda: nn.InstanceNorm1d(3, affine=1), tl.ArgumentError, "affine must be a bool"),
    (lambda: nn.GroupNorm(3, 4), tl.ArgumentError, "divisible by num_groups"),
    (lambda: nn.LayerNorm(()), tl.ArgumentError, "normalized_shape"),
    (lambda: nn.RMSNorm([3, 0]), tl.ArgumentError, "normalized_shape"),
])
def test_bad_constructor_arguments_raise_naming_the_layer(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_bad_inputs_raise_naming_the_layer():
    s = tl.Session(dtype=np.float32)
    for layer, shape, match in [
        (nn.BatchNorm2d(3), (4, 3, 5), r"BatchNorm2d: expected 4D input \(got 3D"),
        (nn.BatchNorm1d(3), (4, 3, 2, 2), "BatchNorm1d: expected 2D or 3D input"),
        (nn.BatchNorm1d(3), (4, 5), "BatchNorm1d: expected 3 channels"),
        (nn.InstanceNorm2d(3, affine=True), (2, 4, 5, 5), "InstanceNorm2d: expected input's size at dim=1"),
        (nn.InstanceNorm1d(3), (2, 3, 4, 4), "InstanceNorm1d: expected 2D or 3D"),
        (nn.GroupNorm(2, 4), (2, 6, 3), "GroupNorm: expected 4 channels"),
        (nn.LayerNorm(4), (2, 5), "normalized_shape"),
        (nn.MaxPool2d(2), (2, 3, 4, 4, 4), "max_pool2d: expected 3D"),
    ]:
        with pytest.raises(tl.ShapeError, match=match):
            layer(s.input(np.ones(shape, np.float32)))
    with pytest.warns(UserWarning, match="does not match num_features"):  # torch warns too
        nn.InstanceNorm1d(3)(s.input(np.ones((2, 4, 5), np.float32)))
    with pytest.raises(tl.TorchLeanError, match="must be a torchlean tensor"):
        nn.BatchNorm1d(3)(np.ones((4, 3)))
