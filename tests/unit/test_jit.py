"""tl.compile: one traced graph per signature, one tape node whose VJP is the compiled backward."""

import numpy as np
import pytest

import torchlean as tl
from torchlean import nn


class MLP(nn.Module):
    def __init__(self, p_drop=0.0):
        super().__init__()
        rng = np.random.default_rng(0)
        self.w1 = nn.Parameter(rng.standard_normal((5, 4)))
        self.b1 = nn.Parameter(np.zeros(5))
        self.w2 = nn.Parameter(rng.standard_normal((3, 5)))
        self.p_drop = p_drop

    def forward(self, x):
        h = (x @ self.w1.t() + self.b1).relu()
        if self.p_drop:
            h = h.session.dropout(h, self.p_drop, self.training)
        return h @ self.w2.t()


def _grads(m):
    return [p.grad.copy() for p in m.parameters()]


def _step(s, fn, m, x, y):
    m.zero_grad()
    loss = s.cross_entropy(fn(x), y)
    loss.backward()
    return loss.item(), _grads(m)


def test_compiled_module_equals_eager_bit_for_bit():
    s = tl.Session(dtype=np.float64)
    m = MLP()
    cm = tl.compile(m)
    rng = np.random.default_rng(1)
    for n in (6, 6, 2):
        x, y = s.input(rng.standard_normal((n, 4))), s.input(rng.integers(0, 3, n))
        le, ge = _step(s, m, m, x, y)
        lc, gc = _step(s, cm, m, x, y)
        assert le == lc
        for a, b in zip(ge, gc):
            np.testing.assert_array_equal(a, b)


def test_three_batch_sizes_trace_three_times_then_hit_the_cache():
    s = tl.Session()
    cm = tl.compile(MLP().float())
    for n in (8, 4, 1, 8, 4, 1, 8):
        cm(s.input(np.ones((n, 4), np.float32)))
    assert cm.traces == 3 and cm.cache_size == 3
    small = tl.compile(MLP().float(), max_cache=2)
    for n in (1, 2, 3, 1):
        small(s.input(np.ones((n, 4), np.float32)))
    assert small.cache_size == 2 and small.traces == 4  # 1 was evicted, then traced again


def test_pytrees_in_and_out_and_static_arguments():
    s = tl.Session(dtype=np.float64)

    @tl.compile
    def f(d, scale, flag=True):
        a, b = d["a"], d["pair"][1]
        return {"sum": (a * scale + b).sum(), "parts": [a * 2.0, b.exp()], "flag": flag}

    a, b = s.input([1.0, 2.0], requires_grad=True), s.input([0.5, 0.0], requires_grad=True)
    out = f({"a": a, "pair": (None, b)}, 3.0)
    assert out["flag"] is True and set(out) == {"sum", "parts", "flag"}
    assert out["sum"].item() == 9.5
    (out["sum"] + out["parts"][1].sum()).backward()
    np.testing.assert_array_equal(a.grad, [3.0, 3.0])
    np.testing.assert_allclose(b.grad, 1.0 + np.exp([0.5, 0.0]))
    f({"a": a, "pair": (None, b)}, 4.0)
    assert f.cache_size == 2  # a new static value is a new signature


def test_train_and_eval_are_separate_signatures_and_dropout_follows_the_session_stream():
    s1, s2 = tl.Session(dtype=np.float64, seed=5), tl.Session(dtype=np.float64, seed=5)
    m = MLP(p_drop=0.5)
    cm = tl.compile(m)
    x1, x2 = s1.input(np.ones((4, 4))), s2.input(np.ones((4, 4)))
    np.testing.assert_array_equal(m(x1).numpy(), cm(x2).numpy())  # same counter, same mask
    assert s1.rng_counter == s2.rng_counter == 1
    m.eval()
    np.testing.assert_array_equal(m(x1).numpy(), cm(x2).numpy())
    assert cm.cache_size == 2


def test_no_grad_and_integer_outputs():
    s = tl.Session()
    f = tl.compile(lambda x: (x.sum(), x.argmax()))
    x = s.input(np.array([1.0, 3.0, 2.0], np.float32), requires_grad=True)
    total, idx = f(x)
    assert idx.item() == 1 and idx.dtype == np.int64 and not idx.requires_grad
    total.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0])
    with s.no_grad():
        t2, _ = f(x)
    assert not t2.requires_grad and t2.item() == 6.0


def test_errors():
    s = tl.Session()
    f = tl.compile(lambda x: x * 2.0)
    with pytest.raises(tl.ArgumentError, match="at least one tensor"):
        f(np.ones(3))
    with pytest.raises(tl.ShapeError, match="in your model at"):
        tl.compile(lambda x: x @ x)(s.input(np.ones((2, 3), np.float32)))
    with pytest.raises(tl.ArgumentError, match="hashable"):
        tl.compile(lambda x, opts: x)(s.input([1.0]), {1, 2})
    with pytest.raises(tl.ArgumentError, match="make it a tensor"):
        tl.compile(lambda x, y: x)(s.input([1.0]), np.ones(2))
    with pytest.raises(tl.ArgumentError, match="Module or a function"):
        tl.compile(3)


def test_buffer_updates_of_a_compiled_module_match_the_eager_ones():
    class Running(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(np.ones(3))
            self.register_buffer("mean", np.zeros(3))

        def forward(self, x):
            y = x * self.w
            if self.training:  # exponential moving average of the batch mean, as BatchNorm's
                batch = y.mean(0)
                x.session.assign_buffer(self.mean, self.mean * 0.9 + batch * 0.1)
            return y.sum()

    rng = np.random.default_rng(0)
    eager, compiled = Running(), Running()
    cm = tl.compile(compiled)
    s = tl.Session(dtype=np.float64)
    for _ in range(3):
        x = s.input(rng.standard_normal((4, 3)))
        le, lc = eager(x), cm(x)
        le.backward()
        lc.backward()
        np.testing.assert_array_equal(eager.mean.value, compiled.mean.value)
        np.testing.assert_array_equal(eager.w.grad, compiled.w.grad)
    assert np.abs(compiled.mean.value).sum() > 0
    compiled.eval()
    before = compiled.mean.value.copy()
    cm(s.input(rng.standard_normal((4, 3))))
    np.testing.assert_array_equal(compiled.mean.value, before)  # eval: no update


def test_a_function_closing_over_a_module_retraces_when_its_mode_changes():
    import torchlean.nn as nn

    tl.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    f = tl.compile(lambda x: model(x))  # the model is not an argument: its mode is found by the trace
    s = tl.Session(seed=0)
    x = s.input(np.ones((8, 4), np.float32))
    train_out = f(x).numpy()
    model.eval()
    np.testing.assert_array_equal(f(x).numpy(), model(x).numpy())  # eval: no dropout
    assert not np.array_equal(train_out, f(x).numpy())
    assert f.cache_size == 2
    model.train()
    f(x)
    assert f.cache_size == 2 and f.traces == 2


def test_inputs_and_parameters_the_outputs_do_not_reach_get_no_gradient_as_in_pytorch():
    import torchlean.nn as nn

    s = tl.Session(dtype=np.float64)
    a = s.input(np.ones((2, 3)), requires_grad=True)
    b = s.input(np.ones(3), requires_grad=True)
    tl.compile(lambda a, b: (a * 2).sum())(a, b).backward()
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 2.0))
    assert b.grad is None  # not zeros: unused

    tl.manual_seed(0)
    lin = nn.Linear(3, 2).double()
    scale = nn.Linear(3, 1).double()
    f = tl.compile(lambda x: lin(x) * scale(x).detach())  # scale's parameters only through detach
    f(s.input(np.ones((4, 3)))).sum().backward()
    assert lin.weight.grad is not None and scale.weight.grad is None and scale.bias.grad is None
    opt = tl.optim.AdamW(list(lin.parameters()) + list(scale.parameters()), lr=0.1)
    before = scale.weight.value.copy()
    opt.step()  # AdamW skips a parameter without a gradient (its decay too), as torch.optim
    np.testing.assert_array_equal(scale.weight.value, before)
