"""Device behaviour on a real GPU: no fallback, mixed devices, residency, memory, precision,
randomness, optimizers, compiled graphs, DLPack."""

import numpy as np
import pytest

import torchlean as tl
from torchlean import REGISTRY
from torchlean.backends import get_backend
from torchlean.models import mlp_init, mlp_loss
from torchlean.options import Device, MatmulPrecision


def _data(n=64, d=64, c=10):
    rng = np.random.default_rng(0)
    return rng.random((n, d)).astype(np.float32), rng.integers(0, c, n)


def test_every_primitive_runs_on_cuda_or_has_an_override():
    backend = get_backend(Device.CUDA)
    for prim in REGISTRY.values():
        backend.resolve(prim)


def test_mixing_cpu_and_cuda_tensors_is_an_error_naming_both():
    cpu, gpu = tl.Session(), tl.Session(device="cuda")
    with pytest.raises(tl.DeviceError, match=r"cuda.*cpu"):
        cpu.add(cpu.input([1.0]), gpu.input([1.0]))
    with pytest.raises(tl.DeviceError, match="cuda array"):
        cpu.input(gpu.backend.asarray(np.ones(2), np.float32))


def test_parameters_are_resident_and_host_copies_sync_on_readback():
    import cupy

    s = tl.Session(device="cuda")
    params = [s.param(v) for v in mlp_init([64, 32, 10])]
    x, y = _data()
    mirrors = None
    for _ in range(3):
        s.reset()
        mlp_loss(s, *[s.use(p) for p in params], s.input(x), s.input(y)).backward()
        s.adam_step(1e-3)
        mirrors = [p.array_on(s.backend) for p in params]
    assert all(isinstance(m, cupy.ndarray) for m in mirrors)
    assert all(not p.host_current for p in params)
    for p in params:
        for k, v in s._optimizers["adam"].state[p].items():
            assert k == "step" or isinstance(v, cupy.ndarray)
    np.testing.assert_array_equal(params[0].value, cupy.asnumpy(mirrors[0]))
    assert params[0].host_current


def test_device_memory_is_flat_over_1000_training_steps():
    s = tl.Session(device="cuda")
    params = [s.param(v) for v in mlp_init([64, 128, 128, 10])]
    x, y = _data()
    used = []
    for _ in range(1000):
        s.reset()
        mlp_loss(s, *[s.use(p) for p in params], s.input(x), s.input(y)).backward()
        s.adamw_step(1e-3)
        s.reset()
        used.append(s.memory_in_use())
    assert max(used[10:]) == min(used[10:]), f"memory in use drifts: {min(used[10:])}..{max(used[10:])}"
    s.collect()


def test_optimizers_give_the_cpu_results_on_cuda():
    x, y = _data()
    init = mlp_init([64, 32, 10])
    finals = []
    for device in ("cpu", "cuda"):
        tr = tl.ScalarTrainer(init, [x, y], mlp_loss, tl.Options(device=device))
        for _ in range(20):
            tr.adam_step(1e-2, x, y)
            tr.step(0.05, x, y)
        finals.append(tr.get_params())
    for a, b in zip(*finals):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_random_numbers_are_identical_on_cpu_and_cuda():
    for dtype in (np.float32, np.float64):
        a = tl.Session(seed=7, dtype=dtype)
        b = tl.Session(seed=7, dtype=dtype, device="cuda")
        for _ in range(3):
            np.testing.assert_array_equal(a.rand_uniform((1000,)).numpy(), b.rand_uniform((1000,)).numpy())
            np.testing.assert_array_equal(a.bernoulli_mask(0.3, (999,)).numpy(),
                                          b.bernoulli_mask(0.3, (999,)).numpy())


def test_matmul_precision_tf32_is_close_and_fp32_is_exact_float32():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((512, 512)), rng.standard_normal((512, 512))
    exact = a @ b
    out = {}
    for prec in (MatmulPrecision.FP32, MatmulPrecision.TF32):
        s = tl.Session(device="cuda", matmul_precision=prec)
        out[prec] = s.matmul(s.input(a), s.input(b)).numpy()
    err32 = np.abs(out[MatmulPrecision.FP32] - exact).max() / np.abs(exact).max()
    errtf = np.abs(out[MatmulPrecision.TF32] - exact).max() / np.abs(exact).max()
    assert err32 < 1e-5 and errtf < 1e-2 and errtf > err32


def test_compiled_graphs_run_on_cuda_and_match_cpu():
    import cupy

    x, y = _data()
    init = mlp_init([64, 32, 10])
    c = tl.compile_scalar(mlp_loss, [*init, x, y])
    v_cpu, g_cpu = c.value_and_grad(*init, x, y)
    v_gpu, g_gpu = c.value_and_grad(*[cupy.asarray(a) for a in (*init, x, y)])
    assert isinstance(v_gpu, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(v_gpu), v_cpu, rtol=1e-5)
    for a, b in zip(g_gpu[:4], g_cpu[:4]):
        np.testing.assert_allclose(cupy.asnumpy(a), b, rtol=1e-4, atol=1e-6)


def test_compiled_trainer_on_cuda_matches_eager_on_cuda():
    x, y = _data()
    init = mlp_init([64, 32, 10])
    finals = []
    for backend in (tl.Backend.EAGER, tl.Backend.COMPILED):
        tr = tl.ScalarTrainer(init, [x, y], mlp_loss, tl.Options(device="cuda", backend=backend))
        for _ in range(10):
            tr.step(0.1, x, y)
        finals.append(tr.get_params())
    for a, b in zip(*finals):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_torch_cuda_tensors_enter_without_a_host_round_trip():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch has no CUDA here")
    t = torch.arange(6, dtype=torch.float32, device="cuda").reshape(2, 3)
    s = tl.Session(device="cuda")
    x = s.input(t)
    np.testing.assert_array_equal(x.numpy(), t.cpu().numpy())


def test_float64_runs_on_cuda():
    s = tl.Session(device="cuda", dtype=np.float64)
    x = s.input(np.linspace(-1, 1, 5), requires_grad=True)
    g = s.backward(s.sum(s.tanh(x)))[x]
    assert g.dtype == np.float64
    np.testing.assert_allclose(s.backend.to_host(g), 1 - np.tanh(np.linspace(-1, 1, 5)) ** 2)
