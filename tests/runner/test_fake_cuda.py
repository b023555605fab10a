"""Every example with ``--cuda``, unchanged, on the fake CUDA backend of
``tests/unit/test_device_logic.py`` (device-marked NumPy arrays: no GPU needed): the examples'
code keeps its tensors on the device and reads back only through the public API, and gives the
CPU's numbers."""

from __future__ import annotations

import re

import pytest

from torchlean import backends
from torchlean.options import Device, MatmulPrecision
from torchlean.runner import registry
from torchlean.testing.fake_cuda import FakeCuda

from .helpers import cli_run


@pytest.fixture
def fake_cuda(monkeypatch):
    dev = FakeCuda()
    monkeypatch.setitem(backends._BACKENDS, (Device.CUDA, MatmulPrecision.FP32), dev)
    return dev


def _checked(out):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^check: (\S+) (\S+) ", out, re.M)}


@pytest.mark.parametrize("backend", ["eager", "compiled"])
@pytest.mark.parametrize("name", registry.names())
def test_every_example_runs_on_the_device(name, backend, fake_cuda, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli_run(name, "--smoke", "--check", "--cuda", "--backend", backend)
    assert code == 0, err
    assert "[TorchLean] device: cuda" in out and fake_cuda.uploads > 0
    _, cpu_out, _ = cli_run(name, "--smoke", "--check", "--backend", backend)
    on_device, on_cpu = _checked(out), _checked(cpu_out)
    assert on_device.keys() == on_cpu.keys()
    for k in on_cpu:
        assert on_device[k] == pytest.approx(on_cpu[k], rel=1e-5, abs=1e-6), k
