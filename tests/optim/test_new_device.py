"""Device logic of Adafactor, get_total_norm and clip_grads_with_norm_ with the fake 'cuda'
backend of tests/unit/test_device_logic.py (NumPy storage marked as device arrays, counting
transfers): Adafactor's state and the clipped gradients stay on the gradients' device and equal
the CPU's numbers."""

import numpy as np

import torchlean as tl
from torchlean.models import mlp_init, mlp_loss
from torchlean.nn.utils import clip_grads_with_norm_, get_total_norm
from torchlean.options import Device
from torchlean.testing.fake_cuda import dev

from ..unit.test_device_logic import DevArray, fake  # noqa: F401  (the fixture)


def _train(device, steps=4, init=None, load=None):
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 6)).astype(np.float32), rng.integers(0, 3, 8)
    s = tl.Session(device=device)
    params = [tl.Param(v) for v in (init or mlp_init([6, 5, 3]))]
    opt = tl.optim.Adafactor(params, lr=0.05, weight_decay=0.01)
    if load is not None:
        opt.load_state_dict(load)
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(s, *params, s.input(x), s.input(y)).backward()
        total = get_total_norm([p.grad for p in params])
        clip_grads_with_norm_(params, 0.5, total)
        opt.step()
    return params, opt


def test_adafactor_state_stays_on_the_device_and_matches_the_cpu(fake):  # noqa: F811
    init = mlp_init([6, 5, 3])
    cpu_params, cpu_opt = _train(Device.CPU, init=init)
    downloads = fake.downloads
    params, opt = _train(Device.CUDA, init=init)
    assert fake.downloads == downloads  # no parameter or state array came back through the backend
    for p in params:
        assert not p.host_current
        st = opt.state[p]
        assert set(st) == ({"step", "row_var", "col_var"} if len(p.shape) > 1 else {"step", "variance"})
        assert all(isinstance(v, DevArray) for k, v in st.items() if k != "step")
    for a, b in zip(params, cpu_params):
        np.testing.assert_array_equal(a.value, b.value)
    saved, host = opt.state_dict(), cpu_opt.state_dict()
    for i, st in host["state"].items():
        for k, v in st.items():
            assert type(saved["state"][i][k]) is type(v)
            np.testing.assert_array_equal(saved["state"][i][k], v)


def test_a_loaded_host_adafactor_state_moves_to_the_device(fake):  # noqa: F811
    init = mlp_init([6, 5, 3])
    cpu_params, first = _train(Device.CPU, steps=2, init=init)
    params, opt = _train(Device.CUDA, steps=1, init=[p.value for p in cpu_params], load=first.state_dict())
    assert all(opt.state[p]["step"] == 3 for p in params)
    assert all(isinstance(opt.state[p]["row_var"], DevArray) for p in params if len(p.shape) > 1)
    more, _ = _train(Device.CPU, steps=1, init=[p.value for p in cpu_params], load=first.state_dict())
    for a, b in zip(params, more):
        np.testing.assert_array_equal(a.value, b.value)


def test_total_norm_and_clipping_on_the_device(fake):  # noqa: F811
    rng = np.random.default_rng(2)
    host = [rng.standard_normal(s) for s in ((3, 4), (5,))]
    total = get_total_norm([dev(g.copy()) for g in host], 3.0)
    assert total.shape == () and float(total) == float(get_total_norm(host, 3.0))  # (the fake's stack is NumPy's)
    mixed = get_total_norm([dev(host[0].copy()), host[1]])  # two devices: combined on the host
    assert type(mixed) is np.ndarray and float(mixed) == float(get_total_norm(host))
    ps = [tl.Param(np.zeros(g.shape)) for g in host]
    for p, g in zip(ps, host):
        p.grad = dev(g.copy())
    clip_grads_with_norm_(ps, 0.5, total)
    qs = [tl.Param(np.zeros(g.shape)) for g in host]
    for q, g in zip(qs, host):
        q.grad = g.copy()
    clip_grads_with_norm_(qs, 0.5, get_total_norm(host, 3.0))
    for p, q in zip(ps, qs):
        assert isinstance(p.grad, DevArray)
        np.testing.assert_array_equal(p.grad, q.grad)
