"""DLPack: TensorRef exports zero-copy, s.from_dlpack imports zero-copy when nothing differs."""

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.interop import refuse_traced_dlpack


def cuda_available():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


needs_cuda = pytest.mark.skipif(not cuda_available(), reason="no CUDA: CuPy or a GPU is missing")


# -- export: TensorRef.__dlpack__ ---------------------------------------------------------------
def test_numpy_and_torch_read_a_tensor_without_copying():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.arange(6.0).reshape(2, 3))
    y = x * 2.0
    a = np.from_dlpack(y)
    t = torch.from_dlpack(y)
    assert np.shares_memory(a, y._v) and t.data_ptr() == y._v.ctypes.data
    np.testing.assert_array_equal(a, y.numpy())
    assert t.dtype == torch.float64 and tuple(t.shape) == (2, 3)
    assert y.__dlpack_device__() == (1, 0)
    t[0, 0] = 100.0  # shared memory: documented, as any DLPack exchange
    assert y.numpy()[0, 0] == 100.0


def test_every_dtype_and_a_scalar_result_export():
    s = tl.Session()
    for value in (np.array([1, 2], np.int64), np.array([True, False]), np.ones((2, 2), np.float32)):
        r = s.input(value)
        out = torch.from_dlpack(r)
        np.testing.assert_array_equal(out.numpy(), value)
        assert out.numpy().dtype == value.dtype
    total = s.input(np.ones(3)).sum()  # NumPy kernels may give a NumPy scalar for a 0-d result
    assert torch.from_dlpack(total).item() == 3.0 and np.from_dlpack(total).shape == ()


def test_released_refs_export_and_stale_refs_refuse():
    s = tl.Session()
    x = s.input(np.ones(2), requires_grad=True)
    loss = (x * x).sum()
    loss.backward()  # releases the graph: the values stay readable
    np.testing.assert_array_equal(np.from_dlpack(loss), np.float32(2.0))
    s.reset()
    with pytest.raises(tl.InvalidRefError, match=r"__dlpack(_device)?__: .*stale"):
        torch.from_dlpack(x)
    with pytest.raises(tl.InvalidRefError, match=r"__dlpack(_device)?__: .*stale"):
        np.from_dlpack(x)
    with pytest.raises(tl.InvalidRefError, match=r"__dlpack__: .*stale"):
        x.__dlpack__()
    with pytest.raises(tl.InvalidRefError, match="__dlpack_device__"):
        x.__dlpack_device__()


def test_copy_true_exports_a_copy():
    s = tl.Session()
    x = s.input(np.ones(3))
    a = np.from_dlpack(x, copy=True)
    assert not np.shares_memory(a, x._v)


def test_a_traced_value_refuses_clearly():
    seen = []

    def fn(ops, a):
        with pytest.raises(tl.InvalidRefError, match=r"traced value inside tl\.compile"):
            refuse_traced_dlpack(a)
        seen.append(type(a).__name__)
        return a.sum()

    tl.compile_scalar(fn, [(2, 3)])
    assert seen == ["Var"]


# -- import: s.from_dlpack ----------------------------------------------------------------------
def test_from_dlpack_shares_memory_with_numpy_and_torch_sources():
    s = tl.Session()
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = s.from_dlpack(a)
    assert np.shares_memory(x._v, a) and x.dtype == np.float32 and x.shape == (2, 3)
    a[0, 0] = 42.0
    assert x.numpy()[0, 0] == 42.0  # documented: the tensor shares memory with the source
    t = torch.arange(4, dtype=torch.int64)
    y = s.from_dlpack(t)
    assert y._v.ctypes.data == t.data_ptr() and y.dtype == np.int64
    b = torch.tensor([True, False])
    assert s.from_dlpack(b)._v.ctypes.data == b.data_ptr()


def test_from_dlpack_copies_when_dtype_or_layout_differs():
    s = tl.Session()  # float32 session
    a64 = np.arange(4.0)
    x = s.from_dlpack(a64)
    assert x.dtype == np.float32 and not np.shares_memory(x._v, a64)
    y = s.from_dlpack(a64, dtype=np.float64)
    assert y.dtype == np.float64 and np.shares_memory(y._v, a64)
    strided = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]
    z = s.from_dlpack(strided)
    assert not np.shares_memory(z._v, strided) and z._v.flags.c_contiguous
    np.testing.assert_array_equal(z.numpy(), strided)
    i32 = torch.arange(3, dtype=torch.int32)
    w = s.from_dlpack(i32)
    assert w.dtype == np.int64 and w.numpy().tolist() == [0, 1, 2]
    assert not np.shares_memory(s.from_dlpack(np.ones(2, np.float32), copy=True)._v, np.ones(2))


def test_copy_false_refuses_a_needed_copy_and_says_why():
    s = tl.Session()
    with pytest.raises(tl.ArgumentError, match=r"from_dlpack: copy=False .* float64 but the tensor is float32"):
        s.from_dlpack(np.ones(2), copy=False)
    with pytest.raises(tl.ArgumentError, match="not C-contiguous"):
        s.from_dlpack(np.ones((2, 2), np.float32).T[::2], copy=False)
    a = np.ones(2, np.float32)
    assert np.shares_memory(s.from_dlpack(a, copy=False)._v, a)


def test_from_dlpack_leaves_take_part_in_autograd():
    s = tl.Session()
    a = np.array([1.0, 2.0, 3.0], np.float32)
    x = s.from_dlpack(a, requires_grad=True, name="x")
    loss = (x * x).sum()
    np.testing.assert_array_equal(s.backward(loss)[x], 2 * a)
    assert x.name == "x" and x.is_leaf


def test_from_dlpack_refusals_change_nothing():
    s = tl.Session()
    before = len(s)

    class FakeCuda:
        def __dlpack__(self, stream=None):
            raise AssertionError("must not be read")

        def __dlpack_device__(self):
            return (2, 0)

    cases = [
        (lambda: s.from_dlpack([1.0, 2.0]), tl.ArgumentError, "expected an object with __dlpack__"),
        (lambda: s.from_dlpack(s.input([1.0])), tl.DTypeError, "torchlean tensor"),
        (lambda: s.from_dlpack(FakeCuda()), tl.DeviceError, "CUDA array .* runs on cpu"),
        (lambda: s.from_dlpack(np.ones(2, np.complex64)), tl.DTypeError, "complex64"),
        (lambda: s.from_dlpack(np.arange(2), requires_grad=True), tl.DTypeError, "only float tensors"),
        (lambda: s.from_dlpack(np.ones(2), dtype=np.float16), tl.DTypeError, "from_dlpack"),
        (lambda: s.from_dlpack(np.ones(2), copy="yes"), tl.ArgumentError, "copy must be"),
        (lambda: s.from_dlpack(np.array([1.5]), dtype=np.int64), tl.DTypeError, "never truncates"),
    ]
    for call, cls, msg in cases:
        with pytest.raises(cls, match=msg):
            call()
    assert len(s) == before + 1  # only the input made for the torchlean-tensor case


# -- s.input keeps copying ------------------------------------------------------------------------
def test_input_copies_numpy_and_torch_data():
    s = tl.Session()
    a = np.ones(3, np.float32)
    t = torch.ones(3)
    x, y = s.input(a), s.input(t)
    assert not np.shares_memory(x._v, a) and y._v.ctypes.data != t.data_ptr()
    a[0] = t[0] = 5.0
    assert x.numpy()[0] == 1.0 and y.numpy()[0] == 1.0


# -- CUDA -------------------------------------------------------------------------------------------
@needs_cuda
def test_cuda_tensors_exchange_through_dlpack_without_copying():
    import cupy

    s = tl.Session(device="cuda")
    c = cupy.arange(6, dtype=cupy.float32)
    x = s.from_dlpack(c)
    assert x._v.data.ptr == c.data.ptr
    t = torch.from_dlpack(x * 2.0) if torch.cuda.is_available() else None
    if t is not None:
        assert t.device.type == "cuda"
    back = cupy.from_dlpack(x)
    assert back.data.ptr == c.data.ptr
    assert x.__dlpack_device__()[0] == 2
    host = s.from_dlpack(np.ones(2, np.float32))  # host data is uploaded (a copy)
    assert isinstance(host._v, cupy.ndarray)
    with pytest.raises(tl.ArgumentError, match="another device"):
        s.from_dlpack(np.ones(2, np.float32), copy=False)
    cpu = tl.Session()
    with pytest.raises(tl.DeviceError, match="runs on cpu"):
        cpu.from_dlpack(c)


def test_traced_values_refuse_dlpack_with_a_clear_error():
    s = tl.Session(dtype=np.float64)
    f = tl.compile(lambda x: torch.from_dlpack(x))
    with pytest.raises(tl.InvalidRefError, match="traced value"):
        f(s.input(np.ones(3)))


def test_a_param_exports_its_host_value():
    p = tl.Param(np.arange(3.0))
    t = torch.from_dlpack(p)
    assert t.tolist() == [0.0, 1.0, 2.0]


def test_input_reads_a_host_producer_that_only_speaks_dlpack():
    class OnlyDLPack:
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return (1, 0)

    s = tl.Session(dtype=np.float64)
    x = s.input(OnlyDLPack(np.arange(4.0)))
    assert x.numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
