"""Options, enums and the parameter containers."""

import numpy as np
import pytest

import torchlean as tl


def test_defaults_follow_the_seed():
    o = tl.Options()
    assert o.backend is tl.Backend.EAGER and o.device is tl.Device.CPU
    assert o.requires_grad_by_default and o.seed == 0 and not o.fast_kernels
    assert o.matmul_precision is tl.MatmulPrecision.FP32 and not o.strict_cuda
    assert o.dtype == np.float32 and not o.use_gpu


def test_use_gpu_is_an_alias_of_device():
    o = tl.Options(use_gpu=True)
    assert o.device is tl.Device.CUDA and o.use_gpu
    o.use_gpu = False
    assert o.device is tl.Device.CPU
    assert tl.Options(device="cuda").use_gpu


def test_bad_options_are_rejected():
    with pytest.raises(tl.TorchLeanError, match="device"):
        tl.Options(device="tpu")
    with pytest.raises(tl.DTypeError):
        tl.Options(dtype=np.int32)
    with pytest.raises(tl.TorchLeanError, match="seed"):
        tl.Options(seed=-1)
    with pytest.raises(tl.TorchLeanError, match="eager"):
        tl.Session(backend=tl.Backend.COMPILED)


def test_requires_grad_by_default_applies_to_new_params():
    s = tl.Session(requires_grad_by_default=False)
    assert not s.param([1.0]).requires_grad
    assert s.param([1.0], requires_grad=True).requires_grad


def test_param_set_value_checks_shape_and_copies():
    init = np.ones(3, np.float32)
    p = tl.Param(init)
    init[0] = 5.0
    assert p.value[0] == 1.0
    with pytest.raises(tl.ShapeError):
        p.set_value(np.ones(4))
    p.set_value([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(p.value, [1, 2, 3])


def test_param_list_values_and_flag_lengths():
    pl = tl.ParamList([np.ones(2), np.zeros((2, 2))], requires_grad=[True, False])
    assert pl.requires_grad == [True, False] and len(pl) == 2
    with pytest.raises(tl.TorchLeanError, match="requires_grad"):
        tl.ParamList([np.ones(2)], requires_grad=[True, False])
    with pytest.raises(tl.TorchLeanError):
        pl.set_values([np.ones(2)])
    pl.set_values([np.full(2, 3.0), np.ones((2, 2))])
    np.testing.assert_array_equal(pl.values()[0], [3, 3])
