"""The numba cross-entropy loops (backends/cpu_jit_ce.py) give the bits of the NumPy kernels
(ops/loss.py): loss, gradient and the compiled path's pair, equal bit for bit (signed zeros
included, NaN where NumPy has NaN), with the NumPy kernel's result type, shape and strides, for
both float dtypes, row-major, column-major and strided scores, rows short and long (NumPy's
pairwise row sums switch strategy at 8 and 128 values and split longer rows), infinities and
NaN; and NumPy's kernel, with its own errors, wherever the loops do not apply."""

from __future__ import annotations

import numpy as np
import pytest

from torchlean._core.errors import TorchLeanError
from torchlean._core.registry import REGISTRY
from torchlean.backends import cpu_jit, cpu_jit_ce, get_backend
from torchlean.ops.loss import _ce_grad_impl, _ce_impl, ce_and_grad_impl
from torchlean.options import Device

numba = pytest.importorskip("numba", reason="numba (the jit extra) is not installed")
if not cpu_jit.enabled():
    pytest.skip("TORCHLEAN_JIT_KERNELS=0 in this process: the loops are switched off", allow_module_level=True)

RNG = np.random.default_rng(11)


@pytest.fixture(autouse=True)
def _quiet():
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        yield


def _scores(n, c, dtype, kind, layout):
    z = (RNG.standard_normal((n, c)) * (30.0 if kind == "wide" else 1.0)).astype(dtype)
    if kind == "special":
        m = RNG.random((n, c))
        z[m < 0.05] = np.nan
        z[(m >= 0.05) & (m < 0.1)] = np.inf
        z[(m >= 0.1) & (m < 0.15)] = -np.inf
        z[(m >= 0.15) & (m < 0.3)] = 0.0
        z[(m >= 0.3) & (m < 0.4)] = -0.0
    if layout == "F":
        z = np.asfortranarray(z)
    elif layout == "strided":
        z = np.asfortranarray(np.repeat(z, 2, axis=0))[::2]
    return z


def assert_same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    # the same layout (a unit axis's stride is immaterial)
    def layout(a):
        return [s for s, m in zip(a.strides, a.shape) if m > 1]

    assert layout(got) == layout(want)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    ints = {2: np.int16, 4: np.int32, 8: np.int64}[want.dtype.itemsize]
    assert np.array_equal(np.ascontiguousarray(got)[~nan].view(ints), np.ascontiguousarray(want)[~nan].view(ints))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("kind", ["normal", "wide", "special"])
@pytest.mark.parametrize("n,c", [(64, 10), (1, 7), (3, 1), (5, 8), (33, 129), (7, 300), (2, 9000)])
def test_loss_gradient_and_pair_equal_numpy(dtype, layout, kind, n, c):
    z = _scores(n, c, dtype, kind, layout)
    labels = RNG.integers(0, c, n)
    loss = cpu_jit_ce.cross_entropy(z, labels)
    grad = cpu_jit_ce.cross_entropy_grad(z, labels)
    assert loss is not None and grad is not None  # the loops ran
    want = _ce_impl(np, z, labels)
    assert type(loss) is type(want)
    assert_same(loss, want)
    want_grad = _ce_grad_impl(np, z, labels)
    assert_same(grad, want_grad)
    # into the gradient kernel's own layout (as a compiled plan's buffer is), and into the other
    # one, where the row sums (and so the loss) follow the buffer's order in both kernels
    for own, out in ((True, np.full_like(want_grad, 7)), (False, np.full(want_grad.shape, 7, dtype, order="F"))):
        lo, lo_want, out_want = np.full((), 7, dtype), np.full((), 7, dtype), out.copy(order="K")
        assert cpu_jit_ce.ce_and_grad(lo, out, z, labels)
        ce_and_grad_impl(np, lo_want, out_want, z, labels)
        assert_same(lo, lo_want)
        assert_same(out, out_want)
        if own:
            assert_same(lo, want)
            assert_same(out, want_grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_sums_follow_numpys_order(dtype):
    if not cpu_jit_ce._state["loaded"]:
        cpu_jit_ce._load()
    loops = cpu_jit_ce._state["loops"]
    for c in [*range(1, 140), 255, 256, 257, 1000, 1031, 8192, 8193, 20011]:
        e = (RNG.standard_normal((3, c)) * 10.0 ** RNG.integers(-3, 4)).astype(dtype)
        for a in (e, np.asfortranarray(e)):
            s = np.empty(3, dtype)
            loops[1](a, s, a.flags.c_contiguous)
            assert_same(s, a.sum(axis=-1))


def test_where_the_loops_do_not_apply_numpy_runs():
    z = _scores(6, 4, np.float32, "normal", "C")
    labels = RNG.integers(0, 4, 6)
    ignored = labels.copy()
    ignored[2] = 1
    cases = [
        (z, ignored, {"ignore_index": 1}),  # an ignore_index that can occur: the mask path
        (z, labels.astype(np.int32), {}),
        (z[0], labels[0], {}),  # one sample
        (z.astype(np.float16), labels, {}),
        (z[:0], labels[:0], {}),
    ]
    for zz, ll, kw in cases:
        assert cpu_jit_ce.cross_entropy(zz, ll, **kw) is None
        assert cpu_jit_ce.cross_entropy_grad(zz, ll, **kw) is None
        assert_same(cpu_jit.cross_entropy(zz, ll, **kw), _ce_impl(np, zz, ll, **kw))
        assert_same(cpu_jit.cross_entropy_grad(zz, ll, **kw), _ce_grad_impl(np, zz, ll, **kw))


@pytest.mark.parametrize("bad", [4, -1, 100])
def test_an_out_of_range_label_raises_the_numpy_kernels_error(bad):
    z = _scores(5, 4, np.float32, "normal", "C")
    labels = np.array([0, 1, bad, 2, 3])
    for fn, ref, op in ((cpu_jit.cross_entropy, _ce_impl, "cross_entropy"),
                        (cpu_jit.cross_entropy_grad, _ce_grad_impl, "cross_entropy_grad")):
        with pytest.raises(TorchLeanError) as got:
            fn(z, labels)
        with pytest.raises(TorchLeanError) as want:
            ref(np, z, labels)
        assert str(got.value) == str(want.value) and f"{op}:" in str(got.value) and str(bad) in str(got.value)
    out = np.full((5, 4), 7, np.float32)
    lo = np.full((), 7, np.float32)
    with pytest.raises(TorchLeanError):
        cpu_jit.ce_and_grad(lo, out, z, labels)


def test_backend_and_compiled_pair_use_the_loops():
    backend = get_backend(Device.CPU)
    assert backend.resolve(REGISTRY["cross_entropy"]) is cpu_jit.cross_entropy
    assert backend.resolve(REGISTRY["cross_entropy_grad"]) is cpu_jit.cross_entropy_grad
    assert backend.group_kernels["cross_entropy+grad"] is cpu_jit.ce_and_grad


def test_loops_numba_cannot_compile_fall_back_to_numpy(monkeypatch):
    z = _scores(8, 5, np.float32, "normal", "C")
    labels = RNG.integers(0, 5, 8)
    cpu_jit_ce.cross_entropy(z, labels)  # loaded

    def broken(*args):
        raise numba.core.errors.TypingError("this numba cannot compile the loop")

    monkeypatch.setitem(cpu_jit_ce._state, "loops", (broken, broken, broken))
    assert cpu_jit_ce.cross_entropy(z, labels) is None
    assert cpu_jit_ce._state["loops"] is None  # and NumPy's kernels from then on
    assert_same(cpu_jit.cross_entropy(z, labels), _ce_impl(np, z, labels))
