"""A parameter whose value changes within one tape generation (an optimizer step after
``backward(retain_graph=True)``, ``load_state_dict``, ``requires_grad_``) is read afresh by the
next op, eagerly and through ``tl.compile``; and a module call or compiled call that fails
changes nothing (tape, random counter, BatchNorm's running statistics); ``p.data`` is a
detached view that follows the parameter."""

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn as nn

F64 = np.float64


def test_conv_reads_a_reloaded_weight_in_the_same_generation():
    s = tl.Session(dtype=F64)
    x = s.input(np.ones((1, 1, 1, 1)))
    m = nn.Conv2d(1, 1, 1, bias=False, dtype=F64)
    m(x)
    m.load_state_dict({"weight": np.full((1, 1, 1, 1), 5.0)})
    assert m(x).item() == 5.0


def test_forward_after_a_step_uses_the_stepped_weight_and_both_uses_get_gradients():
    s = tl.Session(dtype=F64)
    x = s.input(np.full((1, 1, 1, 1), 2.0))
    m = nn.Conv2d(1, 1, 1, bias=False, dtype=F64)
    opt = tl.optim.SGD(m.parameters(), lr=1.0)
    w0 = m.weight.value.item()
    m(x).sum().backward(retain_graph=True)
    opt.step()
    w1 = m.weight.value.item()
    assert w1 == w0 - 2.0
    opt.zero_grad()
    y = m(x) * m(x)  # two uses of the new weight in one generation: one leaf
    assert y.item() == (2.0 * w1) ** 2
    y.sum().backward()
    assert m.weight.grad.item() == pytest.approx(2 * (2.0 * w1) * 2.0, rel=1e-15)


def test_compiled_module_reads_a_reloaded_weight():
    s = tl.Session(dtype=F64)
    lin = nn.Linear(1, 1, bias=False, dtype=F64)
    fast = tl.compile(lin)
    x = s.input(np.ones((1, 1)))
    fast(x)
    lin.load_state_dict({"weight": np.array([[9.0]])})
    assert fast(x).item() == 9.0 == lin(x).item()


def test_requires_grad_turned_back_on_gets_a_gradient():
    s = tl.Session(dtype=F64)
    m = nn.Conv2d(1, 1, 1, bias=False, dtype=F64)
    m.requires_grad_(False)
    m(s.input(np.ones((1, 1, 1, 1))))
    m.requires_grad_(True)
    m(s.input(np.full((1, 1, 1, 1), 2.0))).sum().backward()
    assert m.weight.grad is not None and m.weight.grad.item() == 2.0


def _state(m):
    return {k: np.array(v).copy() for k, v in m.state_dict().items()}


@pytest.mark.parametrize("nested", [False, True])
def test_a_failing_module_call_changes_nothing(nested):
    s = tl.Session()
    inner = nn.Sequential(nn.BatchNorm1d(3), nn.Dropout(0.5), nn.BatchNorm1d(3), nn.Linear(4, 2))
    m = nn.Sequential(nn.Linear(3, 3), inner) if nested else inner
    x = s.input(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    before, n0, r0 = _state(m), len(s), s.rng_counter
    with pytest.raises(tl.ShapeError, match="linear"):
        m(x)
    after = _state(m)
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert (len(s), s.rng_counter) == (n0, r0)
    ok = nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 2))  # a successful call still updates
    ok(s.input(np.ones((5, 3), np.float32)))
    assert ok[0].num_batches_tracked.value == 1


def test_a_failing_compiled_call_leaves_the_tape_as_it_was():
    tl.manual_seed(0)
    m = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 2))
    fast = tl.compile(m)
    fast(tl.Session().input(np.array([0, 1, 2])))
    s = tl.Session()
    idx = s.input(np.array([0, 9, 2]))
    n0 = len(s)
    with pytest.raises(tl.ArgumentError, match="out of range"):
        fast(idx)
    assert len(s) == n0 and not s.tape.param_refs
    assert fast(s.input(np.array([0, 1, 2]))).shape == (3, 2)


def test_p_data_is_detached_and_follows_the_parameter():
    s = tl.Session(dtype=F64)
    lin = nn.Linear(2, 1, bias=False, dtype=F64)
    w = lin.weight.value.copy()
    (lin(s.input(np.ones((1, 2)))).sum() + lin.weight.data.pow(2).sum()).backward()
    np.testing.assert_array_equal(lin.weight.grad, [[1.0, 1.0]])  # the .data term adds nothing
    d = lin.weight.data
    assert d.requires_grad is False and d.grad is None and d.shape == (1, 2)
    d.mul_(2.0)  # in place through the view, while recording
    np.testing.assert_array_equal(lin.weight.value, 2 * w)
    np.testing.assert_array_equal(d.numpy(), 2 * w)  # the view reads the parameter's new value


def test_soft_target_update_through_p_data():
    s = tl.Session(dtype=F64)
    a, b = nn.Linear(2, 1, bias=False, dtype=F64), nn.Linear(2, 1, bias=False, dtype=F64)
    a(s.input(np.ones((1, 2))))
    want = 0.3 * a.weight.value + (1 - 0.3) * b.weight.value
    b.weight.data.copy_(0.3 * a.weight.data + (1 - 0.3) * b.weight.data)
    np.testing.assert_allclose(b.weight.value, want, rtol=1e-15)
    assert b.weight.requires_grad and a.weight.grad is None
