"""``torchlean.optim.swa_utils.AveragedModel`` and the averaging functions match torch's: the
averaged parameters and buffers, ``n_averaged``, the averaged model's outputs and state dicts
(both ways) over a float64 training run, for SWA, EMA (both function kinds), ``use_buffers`` and
user functions; failed updates change nothing."""

import inspect

import numpy as np
import pytest
import torch
import torch.optim.swa_utils as tswa

import torchlean as tl
from torchlean.optim import swa_utils as swa

from .helpers import to_torch
from .swa_helpers import Trainer, assert_same_state, data, forward_both, twin_models

NAMES = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
         "get_swa_avg_fn"]

AVERAGES = {
    "swa": lambda m: {},
    "swa-multi": lambda m: {"multi_avg_fn": m.get_swa_multi_avg_fn()},
    "swa-fn": lambda m: {"avg_fn": m.get_swa_avg_fn()},
    "ema-multi": lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.8)},
    "ema-fn": lambda m: {"avg_fn": m.get_ema_avg_fn(0.7)},
    "ema-multi-buffers": lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.6), "use_buffers": True},
    "swa-buffers": lambda m: {"use_buffers": True},
    "user-fn": lambda m: {"avg_fn": lambda a, c, n: a * 0.25 + c * 0.75 + 0.01 * n},
}


@pytest.mark.parametrize("name", NAMES)
def test_signatures_are_torchs(name):
    def shape(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert shape(getattr(swa, name)) == shape(getattr(tswa, name))
    assert name in swa.__all__ and tl.optim.swa_utils is swa


@pytest.mark.parametrize("kind", sorted(AVERAGES))
def test_averaged_model_follows_training_as_torch(kind):
    m, tm = twin_models(seed=3)
    avg, tavg = swa.AveragedModel(m, **AVERAGES[kind](swa)), tswa.AveragedModel(tm, **AVERAGES[kind](tswa))
    assert_same_state(avg.state_dict(), tavg.state_dict())
    tr = Trainer(m, tm)
    x = data(1, seed=9)[0][0]
    for k in range(12):
        tr.step(k)
        if k % 2 == 1:
            avg.update_parameters(m)
            tavg.update_parameters(tm)
            assert_same_state(avg.state_dict(), tavg.state_dict())
    assert int(avg.n_averaged.value) == 6 == tavg.n_averaged.item()
    for i, (a, p) in enumerate(zip(avg.module.parameters(), m.parameters())):
        if i != 1:  # an average, not a copy of the model (BatchNorm cancels the first bias's gradient)
            assert a is not p and not np.allclose(a.value, p.value), i
    avg.eval()
    tavg.eval()
    out, tout = forward_both(avg, tavg, x)
    np.testing.assert_allclose(out, tout, rtol=1e-11, atol=1e-14)


def test_the_first_update_copies_and_the_copy_is_independent():
    m, _ = twin_models()
    avg = swa.AveragedModel(m)
    before = [p.value.copy() for p in avg.module.parameters()]
    for p in m.parameters():
        p.set_value(p.value + 1.0)
    for a, b in zip(avg.module.parameters(), before):
        np.testing.assert_array_equal(a.value, b)  # deepcopy: the model's change is not seen
    avg.update_parameters(m)
    for a, p in zip(avg.module.parameters(), m.parameters()):
        np.testing.assert_array_equal(a.value, p.value)
    assert next(iter(avg.state_dict())) == "n_averaged" and int(avg.n_averaged.value) == 1
    assert avg.n_averaged.dtype == np.int64 and avg.n_averaged.shape == ()


def test_swa_is_the_mean_of_the_models():
    m, _ = twin_models()
    avg = swa.AveragedModel(m)
    seen = []
    rng = np.random.default_rng(5)
    for _ in range(5):
        for p in m.parameters():
            p.set_value(rng.standard_normal(p.shape))
        seen.append([p.value.copy() for p in m.parameters()])
        avg.update_parameters(m)
    for i, a in enumerate(avg.module.parameters()):
        np.testing.assert_allclose(a.value, np.mean([s[i] for s in seen], axis=0), rtol=1e-13, atol=1e-15)


def test_in_place_multi_avg_fn_and_one_call_per_dtype():
    calls = []

    def halfway(avg_list, cur_list, n):  # torch's style: writes into the arrays, returns None
        calls.append((len(avg_list), np.dtype(avg_list[0].dtype).name, n))
        for a, c in zip(avg_list, cur_list):
            a += (c - a) / 2 if a.dtype.kind == "f" else (c - a) // 2

    m, _ = twin_models()
    avg = swa.AveragedModel(m, multi_avg_fn=halfway, use_buffers=True)
    avg.update_parameters(m)
    m[1].num_batches_tracked.set_value(np.asarray(6))
    for p in m.parameters():
        p.set_value(p.value + 2.0)
    avg.update_parameters(m)
    assert sorted(calls) == [(1, "int64", 1), (8, "float64", 1)]  # 6 parameters, 2 running stats
    assert int(avg.module[1].num_batches_tracked.value) == 3
    for a, p in zip(avg.module.parameters(), m.parameters()):
        np.testing.assert_allclose(a.value, p.value - 1.0, rtol=1e-14)


def test_torch_state_dicts_load_both_ways():
    m, tm = twin_models(seed=4)
    avg, tavg = swa.AveragedModel(m), tswa.AveragedModel(tm)
    tr = Trainer(m, tm)
    for k in range(4):
        tr.step(k)
        avg.update_parameters(m)
        tavg.update_parameters(tm)
    m2, tm2 = twin_models(seed=5)
    avg2, tavg2 = swa.AveragedModel(m2), tswa.AveragedModel(tm2)
    avg2.load_state_dict(tavg.state_dict())
    tavg2.load_state_dict(to_torch(avg.state_dict()))
    assert_same_state(avg2.state_dict(), tavg.state_dict())
    assert_same_state(avg.state_dict(), tavg2.state_dict())
    for k in range(4, 6):  # both resumed averages continue as torch's
        tr.step(k)
        avg2.update_parameters(m)
        tavg2.update_parameters(tm)
        assert_same_state(avg2.state_dict(), tavg2.state_dict())
    assert int(avg2.n_averaged.value) == 6


@pytest.mark.parametrize("make", ["get_ema_avg_fn", "get_ema_multi_avg_fn"])
def test_ema_decay_outside_the_unit_interval_is_refused(make):
    for bad in (-0.1, 1.5):
        with pytest.raises(tl.ArgumentError, match=f"^{make}: decay must be in"):
            getattr(swa, make)(bad)
        with pytest.raises(ValueError, match="Invalid decay"):  # torch refuses it too
            getattr(tswa, make)(bad)
    with pytest.raises(tl.ArgumentError, match="decay must be a real number"):
        swa.get_ema_avg_fn("0.9")
    assert getattr(swa, make)(1.0) is not None and getattr(swa, make)(0.0) is not None


def test_the_functions_compute_torchs_formulas():
    rng = np.random.default_rng(0)
    a, c = [rng.standard_normal((3, 2))], [rng.standard_normal((3, 2))]
    ta, tc = [torch.tensor(a[0])], [torch.tensor(c[0])]
    for n in (1, 2, 7):
        ours = swa.get_swa_multi_avg_fn()(a, c, n)
        theirs = [x.clone() for x in ta]
        tswa.get_swa_multi_avg_fn()(theirs, tc, torch.tensor(n))
        np.testing.assert_allclose(ours[0], theirs[0].numpy(), rtol=1e-15)
        np.testing.assert_allclose(swa.get_swa_avg_fn()(a[0], c[0], n),
                                   tswa.get_swa_avg_fn()(ta[0], tc[0], torch.tensor(n)).numpy(), rtol=1e-15)
    for d in (0.0, 0.3, 0.75, 1.0):
        theirs = [x.clone() for x in ta]
        tswa.get_ema_multi_avg_fn(d)(theirs, tc, 3)
        np.testing.assert_allclose(swa.get_ema_multi_avg_fn(d)(a, c, 3)[0], theirs[0].numpy(), rtol=1e-15)
        np.testing.assert_allclose(swa.get_ema_avg_fn(d)(a[0], c[0], 3),
                                   tswa.get_ema_avg_fn(d)(ta[0], tc[0], 3).numpy(), rtol=1e-15)
    np.testing.assert_array_equal(swa.get_ema_multi_avg_fn(0.0)(a, c, 1)[0], c[0])  # lerp is exact at 1
    ints = swa.get_ema_multi_avg_fn(0.5)([np.array([4])], [np.array([7])], 1)[0]
    assert ints.dtype.kind == "f" and ints[0] == 5.5  # AveragedModel truncates it into an int buffer


def test_bad_constructor_arguments():
    m, _ = twin_models()
    f = swa.get_swa_avg_fn()
    cases = [
        ((3,), {}, "model must be a torchlean nn.Module"),
        ((m,), {"avg_fn": f, "multi_avg_fn": swa.get_swa_multi_avg_fn()}, "only one of avg_fn and multi_avg_fn"),
        ((m,), {"avg_fn": 3}, "avg_fn must be callable"),
        ((m,), {"use_buffers": 1}, "use_buffers must be a bool"),
        ((m,), {"device": "tpu"}, "device must be"),
    ]
    for args, kw, msg in cases:
        with pytest.raises(tl.ArgumentError, match=f"^AveragedModel: {msg}"):
            swa.AveragedModel(*args, **kw)
    for dev in ("cpu", "cuda:1", 0, tl.Device.CPU):  # accepted and changes nothing
        assert int(swa.AveragedModel(m, device=dev).n_averaged.value) == 0


def _snapshot(avg):
    return {k: v.copy() for k, v in avg.state_dict().items()}


def _assert_unchanged(avg, snap):
    now = avg.state_dict()
    assert list(now) == list(snap)
    for k, v in snap.items():
        np.testing.assert_array_equal(now[k], v, err_msg=k)


def test_failed_updates_change_nothing():
    m, _ = twin_models()
    bad_shape = {"calls": 0}

    def wrong(a, c, n):
        bad_shape["calls"] += 1
        return a if bad_shape["calls"] < 3 else a[:1]

    def boom(a, c, n):
        raise RuntimeError("user boom")

    for kw, exc, msg in (({"avg_fn": wrong}, tl.ShapeError, r"average of parameters 2 has shape \(1,\), expected \(6,"),
                         ({"avg_fn": boom}, RuntimeError, "^user boom$"),
                         ({"multi_avg_fn": lambda a, c, n: a[:-1]}, tl.ArgumentError, "returned 5 averages for 6"),
                         ({"avg_fn": lambda a, c, n: "x"}, tl.DTypeError, "not numbers")):
        avg = swa.AveragedModel(m, **kw)
        avg.update_parameters(m)
        for p in m.parameters():
            p.set_value(p.value * 2)
        m[1].running_mean.set_value(np.ones(6))
        snap = _snapshot(avg)
        with pytest.raises(exc, match=msg):
            avg.update_parameters(m)
        _assert_unchanged(avg, snap)  # parameters, buffers and n_averaged
    other = tl.nn.Sequential(tl.nn.Linear(5, 6, dtype=np.float64), tl.nn.Linear(6, 3, dtype=np.float64))
    avg = swa.AveragedModel(m)
    snap = _snapshot(avg)
    with pytest.raises(tl.ArgumentError, match=r"^AveragedModel\.update_parameters: the model has 4 parameters, the"):
        avg.update_parameters(other)  # torch zips the two lists without comparing their lengths
    nn = tl.nn
    wide = nn.Sequential(nn.Linear(5, 6, dtype=np.float64), nn.BatchNorm1d(6, dtype=np.float64), nn.Tanh(),
                         nn.Linear(6, 4, dtype=np.float64))
    with pytest.raises(tl.ShapeError, match=r"parameters 4 has shape \(4, 6\) in the model, \(3, 6\) in the"):
        avg.update_parameters(wide)
    with pytest.raises(tl.ArgumentError, match=r"model must be a torchlean nn\.Module"):
        avg.update_parameters("m")
    _assert_unchanged(avg, snap)
