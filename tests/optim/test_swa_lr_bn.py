"""``SWALR`` and ``update_bn`` match torch.optim.swa_utils: SWALR's rates over a float64 training
run (both strategies, several anneal lengths, per-group rates, after a cosine schedule, inside
SequentialLR), its state dicts both ways; update_bn's running statistics for BatchNorm1d/2d
models and for an ``AveragedModel`` (torch's SWA recipe end to end), with modes and momenta put
back and failures that change nothing."""

import copy

import numpy as np
import pytest
import torch
import torch.optim.swa_utils as tswa
from torch.optim import lr_scheduler as torch_sched

import torchlean as tl
import torchlean.nn as nn
from torchlean.optim import swa_utils as swa

from .helpers import RTOL, Twin, run
from .swa_helpers import Trainer, assert_same_state, data, forward_both, twin_models

L = tl.optim.lr_scheduler


def _opts(twin):
    ours, theirs = twin.groups([{"idx": [0, 1]}, {"idx": [2, 3], "lr": 0.02}])
    return tl.optim.SGD(ours, lr=0.08, momentum=0.9), torch.optim.SGD(theirs, lr=0.08, momentum=0.9)


def _stepper(pairs, opt, topt, lrs):
    def after(k):
        for sched, tsched in pairs(k):
            sched.step()
            tsched.step()
            np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=RTOL, atol=0)
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups],
                                   rtol=RTOL, atol=0)
        lrs.append(tuple(g["lr"] for g in opt.param_groups))

    return after


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("epochs", [0, 1, 5])
def test_swalr_drives_training_as_torch(strategy, epochs):
    twin = Twin(seed=41)
    opt, topt = _opts(twin)
    sched = swa.SWALR(opt, [0.01, 0.005], anneal_epochs=epochs, anneal_strategy=strategy)
    tsched = tswa.SWALR(topt, [0.01, 0.005], anneal_epochs=epochs, anneal_strategy=strategy)
    assert [g["swa_lr"] for g in opt.param_groups] == [g["swa_lr"] for g in topt.param_groups] == [0.01, 0.005]
    np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=RTOL, atol=0)
    lrs = []
    run(twin, opt, topt, 12, after=_stepper(lambda k: [(sched, tsched)], opt, topt, lrs))
    assert lrs[-1] == pytest.approx((0.01, 0.005), rel=1e-12)
    assert len(set(lrs)) >= min(epochs, 2), "the rate annealed"
    assert set(sched.state_dict()) == set(tsched.state_dict())
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert set(g) == set(tg)
    assert sched.anneal_func(0.5) == pytest.approx(tsched.anneal_func(0.5), rel=1e-15)


def test_swa_schedule_after_cosine_annealing_as_torch():
    """torch's recipe: a cosine schedule until ``swa_start``, then SWALR."""
    twin = Twin(seed=42)
    opt, topt = _opts(twin)
    cos, tcos = L.CosineAnnealingLR(opt, T_max=30), torch_sched.CosineAnnealingLR(topt, T_max=30)
    sw, tsw = swa.SWALR(opt, swa_lr=0.03, anneal_epochs=4), tswa.SWALR(topt, swa_lr=0.03, anneal_epochs=4)
    lrs = []
    run(twin, opt, topt, 20, after=_stepper(lambda k: [(cos, tcos)] if k < 8 else [(sw, tsw)], opt, topt, lrs))
    assert lrs[-1] == pytest.approx((0.03, 0.03), rel=1e-12) and lrs[5] != lrs[6]


def test_swalr_inside_sequential_lr_as_torch():
    twin = Twin(seed=43)
    opt, topt = _opts(twin)

    def make(L, S, o):
        return L.SequentialLR(o, [L.LinearLR(o, 0.2, total_iters=4), S.SWALR(o, 0.01, anneal_epochs=3)], [6])

    sched, tsched = make(L, swa, opt), make(torch_sched, tswa, topt)
    lrs = []
    run(twin, opt, topt, 14, after=_stepper(lambda k: [(sched, tsched)], opt, topt, lrs))
    assert lrs[-1] == pytest.approx((0.01, 0.01), rel=1e-12)


@pytest.mark.parametrize("direction", ["torch-to-ours", "ours-to-torch"])
def test_swalr_state_dicts_load_both_ways_mid_anneal(direction):
    twin = Twin(seed=44)
    opt, topt = _opts(twin)
    sched = swa.SWALR(opt, 0.01, anneal_epochs=8, anneal_strategy="linear")
    tsched = tswa.SWALR(topt, 0.01, anneal_epochs=8, anneal_strategy="linear")
    lrs = []
    run(twin, opt, topt, 3, after=_stepper(lambda k: [(sched, tsched)], opt, topt, lrs))
    twin2 = Twin(seed=45)
    opt2, topt2 = _opts(twin2)
    if direction == "torch-to-ours":
        sched2 = swa.SWALR(opt2, 0.5, anneal_epochs=2)  # other settings: the state dict brings torch's
        sched2.load_state_dict(copy.deepcopy(tsched.state_dict()))
        for g, tg in zip(opt2.param_groups, topt.param_groups):
            g["lr"], g["swa_lr"] = tg["lr"], tg["swa_lr"]
        assert sched2.anneal_epochs == 8 and sched2.anneal_func(0.3) == pytest.approx(0.3)
        pairs = [(sched2, tsched)]
        other, tother = opt2, topt
    else:
        tsched2 = tswa.SWALR(topt2, 0.5, anneal_epochs=2)
        tsched2.load_state_dict(sched.state_dict())
        for g, tg in zip(opt.param_groups, topt2.param_groups):
            tg["lr"], tg["swa_lr"] = g["lr"], g["swa_lr"]
        pairs = [(sched, tsched2)]
        other, tother = opt, topt2
    for _ in range(8):
        for s, t in pairs:
            other.step()
            tother.step()
            s.step()
            t.step()
            np.testing.assert_allclose(s.get_last_lr(), t.get_last_lr(), rtol=RTOL, atol=0)
    assert pairs[0][0].get_last_lr() == pytest.approx([0.01, 0.01], rel=1e-12)


def test_swalr_bad_arguments_change_nothing():
    twin = Twin()
    opt, _ = _opts(twin)
    before = [dict(g) for g in opt.param_groups]
    cases = [
        ({"swa_lr": [0.1]}, "swa_lr must have one value per param group"),
        ({"swa_lr": -0.1}, "swa_lr must be >= 0"),
        ({"swa_lr": 0.1, "anneal_strategy": "exp"}, "anneal_strategy must be one of"),
        ({"swa_lr": 0.1, "anneal_epochs": -1}, "anneal_epochs must be an int >= 0"),
        ({"swa_lr": 0.1, "anneal_epochs": 2.5}, "anneal_epochs must be an int"),
        ({"swa_lr": 0.1, "last_epoch": 3}, "initial_lr"),  # resuming needs the groups' initial_lr
    ]
    for kw, msg in cases:
        with pytest.raises(tl.ArgumentError, match=f"^SWALR: .*{msg}"):
            swa.SWALR(opt, **kw)
        assert [dict(g) for g in opt.param_groups] == before  # no swa_lr, no initial_lr left behind
    with pytest.raises(tl.ArgumentError, match="SWALR: list is not a torchlean Optimizer"):
        swa.SWALR([], 0.1)
    sched = swa.SWALR(opt, 0.1)
    bad = dict(sched.state_dict(), _anneal_strategy="exp")
    with pytest.raises(tl.ArgumentError, match=r"SWALR\.load_state_dict: anneal_strategy must be one of"):
        sched.load_state_dict(bad)
    assert sched._anneal_strategy == "cos"


# -- update_bn ---------------------------------------------------------------------------------

def _bn_stats(m):
    return {k: v for k, v in m.state_dict().items() if "running" in k or "num_batches" in k}


def test_update_bn_matches_torch_for_a_data_loader():
    m, tm = twin_models(seed=6)
    Trainer(m, tm).step(0)  # statistics from training, to be replaced
    xs = np.concatenate([x for x, _ in data(5, seed=2, batch=10)])
    ys = np.zeros((len(xs), 3))
    loader = tl.data.DataLoader(tl.data.TensorDataset(xs, ys), batch_size=8)  # NumPy (x, y) batches, last one short
    tloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(xs), torch.tensor(ys)),
                                          batch_size=8)
    m.eval()
    tm.eval()
    assert swa.update_bn(loader, m) is None
    tswa.update_bn(tloader, tm)
    assert_same_state(_bn_stats(m), {k: v for k, v in tm.state_dict().items() if k in _bn_stats(m)})
    assert int(m[1].num_batches_tracked.value) == 7 and m[1].momentum == 0.1 and not m.training
    out, tout = forward_both(m, tm, xs[:4])
    np.testing.assert_allclose(out, tout, rtol=1e-11, atol=1e-14)


def test_update_bn_for_conv_batchnorm2d_and_tensor_batches():
    torch.manual_seed(7)
    tm = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3, momentum=0.3), torch.nn.ReLU(),
                             torch.nn.Flatten(), torch.nn.Linear(12, 4), torch.nn.BatchNorm1d(4)).double()
    m = nn.Sequential(nn.Conv2d(2, 3, 3, dtype=np.float64), nn.BatchNorm2d(3, momentum=0.3, dtype=np.float64),
                      nn.ReLU(), nn.Flatten(), nn.Linear(12, 4, dtype=np.float64), nn.BatchNorm1d(4, dtype=np.float64))
    m.load_state_dict(tm.state_dict())
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((6, 2, 4, 4)) for _ in range(4)]
    s = tl.Session(dtype=np.float64)
    swa.update_bn([s.input(x) for x in xs], m)  # torchlean tensors, used as they are
    tswa.update_bn([torch.tensor(x) for x in xs], tm)
    assert_same_state(_bn_stats(m), {k: v for k, v in tm.state_dict().items() if k in _bn_stats(m)})
    assert m[1].momentum == 0.3 and m.training


def test_swa_recipe_end_to_end_as_torch():
    """Train, average from step 4 with SWALR, then ``update_bn`` on the averaged model."""
    m, tm = twin_models(seed=8)
    tr = Trainer(m, tm, lr=0.05)
    avg, tavg = swa.AveragedModel(m), tswa.AveragedModel(tm)
    sw, tsw = swa.SWALR(tr.opt, swa_lr=0.02, anneal_epochs=3), tswa.SWALR(tr.topt, swa_lr=0.02, anneal_epochs=3)
    for k in range(10):
        tr.step(k)
        if k >= 4:
            avg.update_parameters(m)
            tavg.update_parameters(tm)
            sw.step()
            tsw.step()
    batches = [x for x, _ in data(4, seed=11)]
    swa.update_bn([(x, None) for x in batches], avg)
    tswa.update_bn([(torch.tensor(x), None) for x in batches], tavg)
    assert_same_state(avg.state_dict(), tavg.state_dict(), rtol=1e-11)
    out, tout = forward_both(avg.eval(), tavg.eval(), batches[0])
    np.testing.assert_allclose(out, tout, rtol=1e-10, atol=1e-13)


def test_update_bn_keeps_each_modules_mode_where_torch_resets_them():
    m, tm = twin_models()
    m.train()
    m[1].eval()
    tm.train()
    tm[1].eval()
    batches = [x for x, _ in data(2)]
    swa.update_bn(batches, m)
    tswa.update_bn([torch.tensor(x) for x in batches], tm)
    assert m.training and not m[1].training
    assert tm[1].training  # torch: model.train(was_training) on every module


def test_update_bn_without_batchnorm_or_tracking_changes_nothing():
    plain = nn.Sequential(nn.Linear(5, 3, dtype=np.float64))
    before = {k: v.copy() for k, v in plain.state_dict().items()}
    assert swa.update_bn([np.ones((2, 5))], plain) is None
    for k, v in plain.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    untracked = nn.Sequential(nn.Linear(5, 4, dtype=np.float64), nn.BatchNorm1d(4, track_running_stats=False,
                                                                                 dtype=np.float64))
    swa.update_bn([np.ones((2, 5))], untracked)
    assert untracked[1].running_mean is None and untracked[1].momentum == 0.1


def test_a_failed_update_bn_puts_everything_back():
    m, _ = twin_models()
    Trainer(m, twin_models()[1]).step(0)
    m.eval()
    before = {k: v.copy() for k, v in _bn_stats(m).items()}
    batches = [x for x, _ in data(2)] + [np.ones((4, 7))]  # the third batch has the wrong width
    with pytest.raises(tl.ShapeError, match=r"^update_bn: "):
        swa.update_bn(batches, m)
    for k, v in _bn_stats(m).items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    assert m[1].momentum == 0.1 and not m.training and not m[1].training


def test_update_bn_bad_arguments():
    m, _ = twin_models()
    with pytest.raises(tl.ArgumentError, match=r"^update_bn: model must be a torchlean nn\.Module"):
        swa.update_bn([], "model")
    with pytest.raises(tl.ArgumentError, match=r"^update_bn: loader must be iterable"):
        swa.update_bn(3, m)
    with pytest.raises(tl.ArgumentError, match=r"^update_bn: device must be"):
        swa.update_bn([], m, device="tpu")
    before = {k: v.copy() for k, v in _bn_stats(m).items()}
    swa.update_bn([], m, device="cpu")  # no batches: the statistics are reset, as torch's
    assert float(m[1].running_var.value.min()) == 1.0 and int(m[1].num_batches_tracked.value) == 0
    assert before.keys() == _bn_stats(m).keys()
