"""Optimizer state lives on the parameters' device: with the fake 'cuda' backend of
tests/unit/test_device_logic.py (NumPy storage marked as device arrays, counting transfers),
every optimizer keeps its moments on the device, never moves a parameter to the host during
training, gives the CPU's numbers, and a loaded host state moves to the device once."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.models import mlp_init, mlp_loss
from torchlean.nn.utils import clip_grad_norm_
from torchlean.options import Device

from ..unit.test_device_logic import DevArray, fake  # noqa: F401  (the fixture)

KINDS = {"SGD": {"lr": 0.1, "momentum": 0.9}, "Adam": {"amsgrad": True}, "AdamW": {}, "RMSprop": {"centered": True,
         "momentum": 0.5}, "Adagrad": {}, "Adadelta": {}, "Adamax": {}, "NAdam": {}, "RAdam": {},
         "Rprop": {"step_sizes": (1e-4, 0.1)}, "ASGD": {"t0": 1}}


def _train(device, name, steps=4, init=None, load=None):
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 6)).astype(np.float32), rng.integers(0, 3, 8)
    s = tl.Session(device=device)
    params = [tl.Param(v) for v in (init or mlp_init([6, 5, 3]))]
    opt = getattr(tl.optim, name)(params, **KINDS[name])
    if load is not None:
        opt.load_state_dict(load)
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(s, *params, s.input(x), s.input(y)).backward()
        clip_grad_norm_(params, 1.0)
        opt.step()
    return params, opt


@pytest.mark.parametrize("name", sorted(KINDS))
def test_state_stays_on_the_device_and_matches_the_cpu(fake, name):  # noqa: F811
    cpu_params, cpu_opt = _train(Device.CPU, name)
    downloads = fake.downloads
    params, opt = _train(Device.CUDA, name)
    assert fake.downloads == downloads  # no parameter or state came back to the host
    for p in params:
        assert not p.host_current
        for k, v in opt.state[p].items():
            scalar = k in ("step", "mu_product", "eta", "mu")
            assert isinstance(v, (int, float)) if scalar else isinstance(v, DevArray), k
    for a, b in zip(params, cpu_params):
        np.testing.assert_array_equal(a.value, b.value)
    saved = opt.state_dict()  # host copies
    assert all(type(v) is np.ndarray for st in saved["state"].values() for v in st.values()
               if not isinstance(v, (int, float)))
    host = cpu_opt.state_dict()
    for i, st in host["state"].items():
        for k, v in st.items():
            np.testing.assert_array_equal(saved["state"][i][k], v)


def test_a_loaded_host_state_moves_to_the_device_once(fake):  # noqa: F811
    init = mlp_init([6, 5, 3])
    _, first = _train(Device.CPU, "Adam", steps=2, init=init)
    saved = first.state_dict()
    params, opt = _train(Device.CUDA, "Adam", steps=1, init=[p.value for p in first.param_groups[0]["params"]],
                         load=saved)
    uploads = fake.uploads
    assert all(isinstance(opt.state[p]["exp_avg"], DevArray) for p in params)
    assert all(opt.state[p]["step"] == 3 for p in params)
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 6)).astype(np.float32), rng.integers(0, 3, 8)
    s = tl.Session(device=Device.CUDA)
    opt.zero_grad()
    mlp_loss(s, *params, s.input(x), s.input(y)).backward()
    opt.step()
    assert fake.uploads - uploads == 2  # only the batch (x, y): the state is already there
