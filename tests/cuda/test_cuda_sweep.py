"""The op sweep again on CUDA: every spec's forward, VJP and JVP against the CPU (float32)."""

import numpy as np
import pytest

from torchlean.options import Device
from torchlean.testing.sweep import eager_run

from ..ops.cases import cases, get, has_diff, rng_for

F32 = dict(rtol=2e-4, atol=2e-5)


def _run(spec, sample, device, cot=None, tangents=None):
    s, refs, out = eager_run(spec, sample, np.float32, device=device)
    value = s.value(out)
    pos = spec.diff_positions(sample)
    grads = None
    if cot is not None:
        g = s.backward(out, cot.astype(np.float32))
        grads = [s.backend.to_host(g[refs[i]]) for i in pos]
    tan = None
    if tangents is not None:
        t = s.jvp(out, {refs[i]: t.astype(np.float32) for i, t in zip(pos, tangents)})
        tan = s.backend.to_host(t)
    return value, grads, tan


@pytest.mark.parametrize("name,k", cases())
def test_cuda_forward_matches_cpu(name, k):
    spec, sample = get(name, k)
    gpu, _, _ = _run(spec, sample, Device.CUDA)
    cpu, _, _ = _run(spec, sample, Device.CPU)
    np.testing.assert_allclose(gpu, cpu, **F32, err_msg=f"{name}: cuda forward")


@pytest.mark.parametrize("name,k", cases(has_diff))
def test_cuda_vjp_and_jvp_match_cpu(name, k):
    spec, sample = get(name, k)
    rng = rng_for(name, 500 + k)
    out_shape = np.shape(_run(spec, sample, Device.CPU)[0])
    cot = rng.standard_normal(out_shape)
    ts = [rng.standard_normal(np.shape(sample.args[i])) for i in spec.diff_positions(sample)]
    _, g_gpu, t_gpu = _run(spec, sample, Device.CUDA, cot, ts)
    _, g_cpu, t_cpu = _run(spec, sample, Device.CPU, cot, ts)
    for a, b in zip(g_gpu, g_cpu):
        np.testing.assert_allclose(a, b, **F32, err_msg=f"{name}: cuda vjp")
    np.testing.assert_allclose(t_gpu, t_cpu, **F32, err_msg=f"{name}: cuda jvp")
