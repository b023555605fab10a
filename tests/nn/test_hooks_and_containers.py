"""Forward hooks, get_submodule/get_parameter/get_buffer and the list-like container methods
against PyTorch's, with identical weights: the same outputs, the same hook calls, the same
state-dict keys after edits."""

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn as nn

X = np.random.default_rng(3).standard_normal((5, 3))


def pair():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    lm = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.ReLU(), nn.Linear(4, 2, dtype=np.float64))
    lm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return tm, lm


def run(tm, lm, compiled=False):
    want = tm(torch.tensor(X)).detach().numpy()
    s = tl.Session(dtype=np.float64)
    f = tl.compile(lm) if compiled else lm
    return f(s.input(X)).numpy(), want


@pytest.mark.parametrize("compiled", [False, True])
def test_hooks_replace_arguments_and_outputs_as_pytorch(compiled):
    tm, lm = pair()
    calls = {"torch": [], "tl": []}
    handles = []
    for m, key in ((tm, "torch"), (lm, "tl")):
        handles.append(m[0].register_forward_hook(lambda mod, a, out, k=key: calls[k].append(tuple(out.shape))))
        handles.append(m[2].register_forward_pre_hook(lambda mod, a: (a[0] * 2,)))
        handles.append(m[2].register_forward_pre_hook(lambda mod, a, kw: ((a[0] - 1,), kw), with_kwargs=True,
                                                      prepend=True))
        handles.append(m.register_forward_hook(lambda mod, a, out: out + 1))
        handles.append(m.register_forward_hook(lambda mod, a, kw, out: out * 3, with_kwargs=True))
    got, want = run(tm, lm, compiled)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert calls["tl"] == calls["torch"] == [(5, 4)]
    for h in handles:
        h.remove()
    got, want = run(tm, lm)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert calls["tl"] == calls["torch"] == [(5, 4)]  # removed: not called again


def test_a_handle_removes_its_hook_on_exit_and_always_call_sees_a_failure():
    _, lm = pair()
    seen = []
    with lm.register_forward_hook(lambda mod, a, out: seen.append(out)):
        lm(tl.Session(dtype=np.float64).input(X))
    lm(tl.Session(dtype=np.float64).input(X))
    assert len(seen) == 1
    lm[0].register_forward_hook(lambda mod, a, out: seen.append("failed" if out is None else "ok"), always_call=True)
    with pytest.raises(tl.ShapeError):
        lm(tl.Session(dtype=np.float64).input(np.ones((5, 7))))
    assert seen[-1] == "failed"
    with pytest.raises(tl.ArgumentError, match="hook must be callable"):
        lm.register_forward_hook(3)


def test_get_submodule_parameter_and_buffer():
    m = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.BatchNorm1d(4)))
    assert m.get_submodule("1.0") is m[1][0] and m.get_submodule("") is m
    assert m.get_parameter("0.weight") is m[0].weight
    assert m.get_buffer("1.0.running_mean") is m[1][0].running_mean
    for bad, call in (("2", m.get_submodule), ("0.nothing", m.get_parameter), ("0.weight", m.get_buffer)):
        with pytest.raises(tl.ArgumentError):
            call(bad)


def keys_match(tm, lm):
    assert list(lm.state_dict()) == list(tm.state_dict())


def test_sequential_edits_keep_pytorch_keys_and_order():
    tm, lm = pair()
    tm.insert(1, torch.nn.Tanh())
    lm.insert(1, nn.Tanh())
    tm.append(torch.nn.Linear(2, 2).double())
    lm.append(nn.Linear(2, 2, dtype=np.float64))
    lm[4].load_state_dict({k: v.detach().numpy() for k, v in tm[4].state_dict().items()})
    keys_match(tm, lm)
    del tm[0]
    del lm[0]
    keys_match(tm, lm)
    tm[0], lm[0] = torch.nn.Linear(3, 4).double(), nn.Linear(3, 4, dtype=np.float64)
    lm[0].load_state_dict({k: v.detach().numpy() for k, v in tm[0].state_dict().items()})
    keys_match(tm, lm)
    assert type(tm.pop(1)).__name__ == type(lm.pop(1)).__name__ == "ReLU"
    keys_match(tm, lm)
    got, want = run(tm, lm)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    both = lm + nn.Sequential(nn.ReLU())
    assert len(both) == len(lm) + 1 and list(both.state_dict()) == list(lm.state_dict())
    lm.extend([nn.ReLU()])
    assert len(lm) == len(tm) + 1
    with pytest.raises(tl.DTypeError):
        lm.insert(0, "relu")
    with pytest.raises(tl.ArgumentError):
        lm.insert(99, nn.ReLU())


def test_module_list_edits_keep_pytorch_keys():
    tl_list = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 3)])
    t_list = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 3)])
    for m in (tl_list, t_list):
        m.insert(0, (nn if m is tl_list else torch.nn).Linear(2, 5))
    keys_match(t_list, tl_list)
    del tl_list[1]
    del t_list[1]
    keys_match(t_list, tl_list)
    joined = tl_list + nn.ModuleList([nn.Linear(1, 1)])
    assert len(joined) == 3 and [type(m) for m in joined][-1] is nn.Linear
    assert tl_list.pop(1).out_features == t_list.pop(1).out_features == 3
