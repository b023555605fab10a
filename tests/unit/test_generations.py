"""PyTorch's loop without reset: backward releases the graph; Params join the tape implicitly."""

import numpy as np
import pytest

import torchlean as tl


def _data(rng):
    return rng.standard_normal((8, 4)), rng.integers(0, 3, 8)


def _step(s, w, b, x, y, reset):
    if reset:
        s.reset()
    xs, ys = s.input(x), s.input(y)
    loss = s.cross_entropy(s.add(s.matmul(xs, w), b), ys)  # Params passed straight to ops
    loss.backward()
    s.sgd_step(0.1)
    s.zero_grad()
    return loss.item()


def test_the_no_reset_loop_equals_the_reset_loop_bit_for_bit():
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((4, 3)), np.zeros(3)
    batches = [_data(rng) for _ in range(5)]
    results = []
    for reset in (True, False):
        s = tl.Session(dtype=np.float64)
        w, b = s.param(w0), s.param(b0)
        losses = [_step(s, w, b, x, y, reset) for x, y in batches * 4]
        results.append((losses, w.value.copy(), b.value.copy()))
        assert len(s) < 12  # the released graph does not pile up
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(results[0][2], results[1][2])


def test_a_param_is_recorded_once_per_step_and_gets_one_gradient():
    s = tl.Session(dtype=np.float64)
    w = s.param([1.0, 2.0])
    x = s.input([3.0, 4.0])
    n = len(s)
    loss = (x * w + w * w).sum()  # w used twice: one leaf, gradients summed
    assert len(s) == n + 5
    loss.backward()
    np.testing.assert_array_equal(w.grad, [3.0 + 2.0, 4.0 + 4.0])


def test_released_refs_stay_readable_and_act_as_constants():
    s = tl.Session(dtype=np.float64)
    w = s.param([1.0, -2.0])
    x = s.input([3.0, 4.0])
    h = x * w
    loss = h.sum()
    loss.backward()
    assert loss.item() == -5.0 and h.numpy().tolist() == [3.0, -8.0]  # readable after release
    z = s.input([1.0, 1.0], requires_grad=True)
    out = (h.detach() * z).sum()  # released values used as constants in the next step
    out.backward()
    np.testing.assert_array_equal(z.grad, [3.0, -8.0])
    with pytest.raises(tl.NotDifferentiableError, match="graph a second time"):
        (h * 2.0).sum().backward()  # h's graph is gone, as in PyTorch
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])  # unchanged by the failed backward


def test_retain_graph_keeps_the_graph_and_accumulates():
    s = tl.Session(dtype=np.float64)
    x = s.input([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])  # 2x twice, accumulated as PyTorch


def test_reset_still_makes_old_refs_and_gradients_stale():
    s = tl.Session()
    x = s.input([1.0], requires_grad=True)
    g = (x * 2.0).sum().backward()
    s.reset()
    with pytest.raises(tl.InvalidRefError, match="stale"):
        x + 1.0
    with pytest.raises(tl.InvalidRefError, match="stale"):
        g[0]
    with pytest.raises(tl.InvalidRefError):
        x.numpy()


def test_a_param_on_its_own_records_on_the_current_session():
    s = tl.Session(dtype=np.float64)
    w = s.param(np.arange(6.0).reshape(2, 3))
    x = s.input(np.ones(2))
    y = (w.t() @ x).sum()  # w.t(): no tensor beside it; recorded on s (the last input's session)
    y.backward()
    np.testing.assert_array_equal(w.grad, np.ones((2, 3)))


def test_two_losses_of_one_step_each_backward_as_in_pytorch():
    import torch

    rng = np.random.default_rng(3)
    x0, w0, v0 = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3)
    s = tl.Session(dtype=np.float64)
    x = s.input(x0, requires_grad=True)
    w, v = s.param(w0), s.param(v0)
    l1 = (x * w).sum()
    l2 = (x * v).exp().sum()  # independent graph, recorded before l1.backward()
    l1.backward()
    l2.backward()
    tx = torch.tensor(x0, requires_grad=True)
    tw, tv = torch.tensor(w0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    (tx * tw).sum().backward()
    (tx * tv).exp().sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(v.grad, tv.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-14)
    # a shared intermediate is freed by the first backward, as PyTorch's
    h = x * 2.0
    a, b = (h * w).sum(), (h * v).sum()
    a.backward()
    with pytest.raises(tl.NotDifferentiableError, match="graph a second time"):
        b.backward()
    # a leaf outlives every backward: reusing it keeps accumulating its gradient
    g0 = x.grad.copy()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad, g0 + 3.0, rtol=1e-14)


def test_memory_stays_flat_without_reset():
    s = tl.Session(dtype=np.float64)
    w = s.param(np.ones(4))
    for i in range(200):
        x = s.input(np.full(4, float(i)))
        loss = (x * w).sum()
        acc = (loss > 0).long()  # a non-differentiable side computation, never backwarded
        loss.backward()
        s.zero_grad()
        assert len(s) == 0, f"step {i}: {len(s)} nodes survived the release"
    assert acc.item() == 1


def test_an_unused_output_sharing_the_graph_does_not_pile_up():
    # an RNN's `output` beside the `h_n` the loss uses: the same forward, never backpropagated
    s = tl.Session(dtype=np.float64)
    w = s.param(np.full(3, 0.5))
    sizes = []
    for i in range(30):
        h = s.input(np.full(3, float(i)))
        steps = []
        for _ in range(4):
            h = (h * w).tanh()
            steps.append(h)
        output = tl.stack(steps)  # unused: its graph leads into the one backward frees
        loss = h.sum()
        loss.backward()
        s.zero_grad()
        sizes.append(len(s))
    assert max(sizes[5:]) == sizes[5] and sizes[5] < 12, sizes  # flat, not growing by a step a step
    assert output.shape == (4, 3)
    with pytest.raises(tl.NotDifferentiableError, match="graph a second time"):
        output.sum().backward()  # the step right after: its graph is gone, as in PyTorch
    n = len(s)
    loss = (s.input(np.ones(3)) * w).sum()
    loss.backward()  # the loop goes on, and the next backward releases `output` itself
    assert len(s) < n
    with pytest.raises(tl.InvalidRefError, match="released"):
        output.backward(np.ones((4, 3)))
    with pytest.raises(tl.NotDifferentiableError, match="graph a second time"):
        output.sum().backward()  # used again: a constant that refuses gradients
