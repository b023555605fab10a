"""Device logic without a GPU: a fake 'cuda' backend whose arrays are marked NumPy arrays.

It counts uploads and downloads, so these tests check on the CPU what the CUDA backend relies
on: resident parameter mirrors, stale host copies synced only on readback, optimizer state on
the device, no CPU fallback, mixed-device errors, compiled graphs on the inputs' device.
"""

import gc
import weakref

import numpy as np
import pytest

import torchlean as tl
from torchlean import backends
from torchlean._core.registry import REGISTRY, defop
from torchlean.models import mlp_init, mlp_loss
from torchlean.options import Device, MatmulPrecision
from torchlean.testing.fake_cuda import DevArray, FakeCuda, dev

_dev = dev


@pytest.fixture
def fake(monkeypatch):
    dev = FakeCuda()
    monkeypatch.setitem(backends._BACKENDS, (Device.CUDA, MatmulPrecision.FP32), dev)
    return dev


def _loss(s, params, x, y):
    return mlp_loss(s, *[s.use(p) for p in params], s.input(x), s.input(y))


def _data():
    rng = np.random.default_rng(0)
    return rng.random((8, 6)).astype(np.float32), rng.integers(0, 3, 8)


def test_parameters_stay_resident_and_sync_only_on_readback(fake):
    s = tl.Session(device=Device.CUDA)
    params = [s.param(v) for v in mlp_init([6, 5, 3])]
    x, y = _data()
    for step in range(5):
        s.reset()
        _loss(s, params, x, y).backward()
        s.adam_step(0.01)
        if step == 0:
            uploads_after_first_step = fake.uploads
    # after the first step only the batch (x, y, the seed) is uploaded, never a parameter
    assert fake.uploads - uploads_after_first_step == 4 * 2
    assert all(not p.host_current for p in params) and fake.downloads == 0
    for p in params:
        assert isinstance(p.array_on(fake), DevArray)
        assert all(isinstance(v, DevArray) for k, v in s.optimizer("adam").state[p].items() if k != "step")
    values = [p.value for p in params]  # explicit readback: one download each
    assert fake.downloads == len(params) and all(p.host_current for p in params)
    assert all(type(v) is np.ndarray for v in values)


def test_device_results_equal_cpu_results(fake):
    x, y = _data()
    init = mlp_init([6, 5, 3])
    out = []
    for device in (Device.CPU, Device.CUDA):
        s = tl.Session(device=device, seed=3)
        params = [s.param(v) for v in init]
        for _ in range(3):
            s.reset()
            loss = _loss(s, params, x, y) + s.sum(s.rand_uniform((4,)))
            loss.backward()
            s.sgd_step(0.1)
        out.append([p.value for p in params])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


def test_an_op_without_a_device_kernel_raises_instead_of_falling_back(fake):
    prim = defop("_test_cpu_only", shape=lambda x: x, impl=lambda xp, x: np.negative(x),
                 vjp=[lambda ops, g, out, x: ops.neg(g)], jvp=[lambda ops, t, out, x: ops.neg(t)],
                 portable=False)
    try:
        cpu = tl.Session()
        assert cpu.bind(prim, cpu.input([1.0])).item() == -1.0
        s = tl.Session(device=Device.CUDA)
        x = s.input([1.0])
        n = len(s)
        with pytest.raises(tl.DeviceError, match="_test_cpu_only: no cuda kernel"):
            s.bind(prim, x)
        assert len(s) == n
        fake.overrides["_test_cpu_only"] = lambda x: -x
        fake.kernels.pop(prim, None)
        assert s.bind(prim, x).item() == -1.0
    finally:
        REGISTRY.pop("_test_cpu_only")


def test_every_registered_primitive_has_a_device_path(fake):
    for prim in REGISTRY.values():
        fake.resolve(prim)  # raises DeviceError for a CPU-only kernel without an override


def test_mixing_devices_is_an_error_naming_both(fake):
    cpu, gpu = tl.Session(), tl.Session(device=Device.CUDA)
    a, b = cpu.input([1.0]), gpu.input([1.0])
    with pytest.raises(tl.DeviceError, match="on cuda but this session runs on cpu"):
        cpu.add(a, b)
    with pytest.raises(tl.DeviceError, match=r"(?i)cuda array"):
        cpu.input(gpu.backend.asarray(np.ones(2), np.float32))
    c = tl.compile_scalar(lambda ops, u, v: ops.sum(ops.mul(u, v)), [(2,), (2,)])
    with pytest.raises(tl.DeviceError, match=r"input 1: got a CUDA array \(DevArray\) where host"):
        c.forward(np.ones(2, np.float32), fake.asarray(np.ones(2), np.float32))


def test_compiled_functions_run_on_the_device_of_their_options(fake):
    init = mlp_init([6, 5, 3])
    x, y = _data()
    c = tl.compile_scalar(mlp_loss, [*init, x, y])
    host = c.value_and_grad(*init, x, y)
    g = tl.compile_scalar(mlp_loss, [*init, x, y], tl.Options(device=Device.CUDA))
    dev_args = [fake.asarray(a, a.dtype) for a in (*init, x, y)]
    value, grads = g.value_and_grad(*dev_args)
    assert isinstance(value, DevArray) and all(isinstance(g, DevArray) for g in grads[:4])
    np.testing.assert_array_equal(np.asarray(value), host[0])
    with pytest.raises(tl.DeviceError, match="input 0: got a host \\(cpu\\) ndarray but this function was "
                                             "compiled for cuda"):
        g.value_and_grad(*init, x, y)  # no silent upload either
    with pytest.raises(tl.DeviceError, match="input 0: got a CUDA array"):
        c.value_and_grad(*dev_args)


def test_asking_for_cuda_without_cupy_raises_at_compile_time():
    # no fake device here: the real CUDA backend is asked for, and CuPy is absent on CI
    if backends._BACKENDS.get((Device.CUDA, MatmulPrecision.FP32)) is not None:
        pytest.skip("a CUDA backend is available in this process")
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    with pytest.raises(tl.DeviceError, match="CuPy is not installed"):
        tl.compile_scalar(lambda ops, u: ops.sum(u), [(2,)], tl.Options(device="cuda"))
    with pytest.raises(tl.DeviceError, match="CuPy is not installed"):
        tl.grad(lambda ops, u: ops.sum(u), options=tl.Options(device="cuda"))(np.ones(2))
    with pytest.raises(tl.DeviceError, match="CuPy is not installed"):
        tl.grad(lambda ops, u: ops.sum(u), backend=tl.Backend.COMPILED,
                options=tl.Options(device="cuda"))(np.ones(2))


def test_trainer_on_the_device_keeps_parameters_resident(fake):
    x, y = _data()
    for backend in (tl.Backend.EAGER, tl.Backend.COMPILED):
        tr = tl.ScalarTrainer(mlp_init([6, 5, 3]), [x, y], mlp_loss,
                              tl.Options(backend=backend, device=Device.CUDA))
        for _ in range(3):
            tr.step(0.1, x, y)
            tr.adamw_step(0.01, x, y)
        assert not any(p.host_current for p in tr.params)
        before = fake.downloads
        tr.get_params()
        assert fake.downloads == before + 4


def test_reset_releases_the_steps_temporaries(fake):
    s = tl.Session(device=Device.CUDA)
    params = [s.param(v) for v in mlp_init([6, 5, 3])]
    x, y = _data()
    loss = _loss(s, params, x, y)
    refs = [weakref.ref(node._v) for node in s.tape.nodes if node.prim is not None]
    s.backward(loss)
    s.sgd_step(0.1)
    del loss
    s.reset()
    gc.collect()
    assert all(r() is None for r in refs)


def test_selecting_cuda_without_a_gpu_says_what_is_missing():
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            pytest.skip("a CUDA device is present")
    except ImportError:
        pass
    except Exception:
        pass
    backends._BACKENDS.pop((Device.CUDA, MatmulPrecision.FP32), None)
    with pytest.raises(tl.DeviceError, match=r"CuPy is not installed.*torchlean\[cuda\]|no CUDA device"):
        tl.Session(device="cuda")


def test_a_mirror_is_shared_by_backends_of_one_device(fake, monkeypatch):
    other = FakeCuda()  # e.g. the TF32 backend of the same GPU
    monkeypatch.setitem(backends._BACKENDS, (Device.CUDA, MatmulPrecision.TF32), other)
    p = tl.Param(np.ones(3))
    m = p.array_on(fake)
    p.assign(fake, m * 2)
    assert p.array_on(other) is not None and other.uploads == 0 and fake.downloads == 0
