"""``ScalarTrainer(module, loss_fn, optimizer=...)``: the PyTorch loop, eager and compiled."""

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.trainer_module import ModuleTrainer

X, Y, X_TEST, Y_TEST = tl.data.load_digits()


def _model(seed=0):
    tl.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Dropout(0.1), nn.Linear(32, 10))


def _batches():
    return [(X[i:i + 64], Y[i:i + 64]) for i in range(0, 256, 64)] + [(X[256:276], Y[256:276])]  # short last


def _manual(backend):
    model = _model()
    opt = tl.optim.AdamW(model.parameters(), lr=1e-2)
    s = tl.Session(seed=0)
    fwd = tl.compile(lambda x, y: F.cross_entropy(model(x), y)) if backend == "compiled" else (
        lambda x, y: F.cross_entropy(model(x), y))
    losses = []
    for xb, yb in _batches():
        loss = fwd(s.input(xb), s.input(yb))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.numpy())
    return losses, [p.value.copy() for p in model.parameters()]


@pytest.mark.parametrize("backend", ["eager", "compiled"])
def test_module_trainer_equals_the_handwritten_loop(backend):
    model = _model()
    opt = tl.optim.AdamW(model.parameters(), lr=1e-2)
    trainer = tl.ScalarTrainer(model, F.cross_entropy, optimizer=opt, options=tl.Options(backend=backend, seed=0))
    assert isinstance(trainer, ModuleTrainer)
    losses = [np.asarray(trainer.step(xb, yb)) for xb, yb in _batches()]
    want_losses, want_params = _manual(backend)
    np.testing.assert_array_equal(np.array(losses), np.array(want_losses))
    for got, want in zip(trainer.get_params(), want_params):
        np.testing.assert_array_equal(got, want)
    if backend == "compiled":
        assert trainer.compiled.cache_size == 2  # 64-row batches and the short last one
    else:
        assert trainer.compiled is None


def test_eager_and_compiled_module_trainers_agree():
    results = []
    for backend in ("eager", "compiled"):
        model = _model().double()
        opt = tl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        tr = tl.ScalarTrainer(model, nn.CrossEntropyLoss(), optimizer=opt,
                              options=tl.Options(backend=backend, dtype=np.float64, seed=0))
        model.eval()
        results.append([float(tr.step(xb, yb)) for xb, yb in _batches()] + [float(tr.forward(X_TEST, Y_TEST))])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_backward_returns_gradients_and_leaves_grad_and_params_alone():
    model = _model()
    opt = tl.optim.SGD(model.parameters(), lr=0.1)
    tr = tl.ScalarTrainer(model, F.cross_entropy, optimizer=opt)
    model.eval()
    before = tr.get_params()
    grads = tr.backward(X[:8], Y[:8])
    assert [g.shape for g in grads] == [p.shape for p in model.parameters()]
    assert all(p.grad is None for p in model.parameters())
    for a, b in zip(before, tr.get_params()):
        np.testing.assert_array_equal(a, b)
    # the same gradient as loss.backward() by hand
    s = tl.Session()
    F.cross_entropy(model(s.input(X[:8])), s.input(Y[:8])).backward()
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(p.grad))


def test_state_dict_resumes_bit_for_bit():
    def run(split):
        model = _model()
        opt = tl.optim.Adam(model.parameters(), lr=1e-2)
        tr = tl.ScalarTrainer(model, F.cross_entropy, optimizer=opt)
        batches = _batches()  # train mode: dropout draws from the trainer's session stream
        for xb, yb in batches[:split]:
            tr.step(xb, yb)
        if split < len(batches):
            state = tr.state_dict()
            model2 = _model(seed=5)
            tr = tl.ScalarTrainer(model2, F.cross_entropy, optimizer=tl.optim.Adam(model2.parameters(), lr=1e-2))
            tr.load_state_dict(state)
            for xb, yb in batches[split:]:
                tr.step(xb, yb)
        return tr.get_params()

    for a, b in zip(run(len(_batches())), run(2)):
        np.testing.assert_array_equal(a, b)


def test_bad_arguments_are_clear_and_change_nothing():
    model = _model()
    opt = tl.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(tl.ArgumentError, match=r"optimizer= must be a torchlean\.optim optimizer"):
        tl.ScalarTrainer(model, F.cross_entropy)
    other = nn.Linear(3, 3)
    with pytest.raises(tl.ArgumentError, match="not the module's"):
        tl.ScalarTrainer(model, F.cross_entropy, optimizer=tl.optim.SGD(other.parameters(), lr=0.1))
    with pytest.raises(tl.ArgumentError, match="loss_fn must be callable"):
        tl.ScalarTrainer(model, 3, optimizer=opt)
    with pytest.raises(tl.ArgumentError, match="n_inputs"):
        tl.ScalarTrainer(model, F.cross_entropy, optimizer=opt, n_inputs=0)
    tr = tl.ScalarTrainer(model, lambda out, y: out, optimizer=opt)
    before = tr.get_params()
    with pytest.raises(tl.ArgumentError, match="must return a scalar"):
        tr.step(X[:4], Y[:4])
    tr = tl.ScalarTrainer(model, F.cross_entropy, optimizer=opt)
    with pytest.raises(tl.ShapeError):
        tr.step(X[:4, :10], Y[:4])
    for a, b in zip(before, tr.get_params()):
        np.testing.assert_array_equal(a, b)
    assert all(p.grad is None for p in model.parameters())


def _sgd_run(fused_ok, **sgd):
    """Losses and parameters of the compiled trainer and of the hand-written tl.compile loop."""
    out = {}
    for mode in ("trainer", "manual"):
        model = _model()
        opt = tl.optim.SGD(model.parameters(), **sgd)
        if mode == "trainer":
            tr = tl.ScalarTrainer(model, F.cross_entropy, optimizer=opt, options=tl.Options(backend="compiled", seed=0))
            losses = [np.asarray(tr.step(xb, yb)) for xb, yb in _batches()]
            kinds = {k[0] for e in tr.compiled._cache.values() for k in e.exes}
            assert ("sgd-step" in kinds) is fused_ok, kinds
            out["tape"] = len(tr.session.tape.nodes)
        else:
            s = tl.Session(seed=0)
            fwd = tl.compile(lambda x, y, m=model: F.cross_entropy(m(x), y))
            losses = []
            for xb, yb in _batches():
                loss = fwd(s.input(xb), s.input(yb))
                loss.backward()
                opt.step()
                opt.zero_grad()
                losses.append(loss.numpy())
        out[mode] = losses, [p.value.copy() for p in model.parameters()]
    return out


@pytest.mark.parametrize(("sgd", "fused"), [({"lr": 0.1}, True), ({"lr": 0.1, "momentum": 0.9}, False),
                                            ({"lr": 0.05, "weight_decay": 1e-3}, False)])
def test_compiled_sgd_step_runs_as_one_graph_and_equals_the_loop(sgd, fused):
    out = _sgd_run(fused, **sgd)
    assert out["tape"] <= 3  # the trainer's session keeps one call's inputs, not every step's
    np.testing.assert_array_equal(np.array(out["trainer"][0]), np.array(out["manual"][0]))
    for a, b in zip(out["trainer"][1], out["manual"][1]):
        np.testing.assert_array_equal(a, b)


def test_fused_sgd_step_with_batchnorm_buffers_param_groups_and_frozen_params():
    def build():
        tl.manual_seed(1)
        return nn.Sequential(nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 10))

    results = []
    for fused in (True, False):
        model = build()
        groups = [{"params": list(model[0].parameters()), "lr": 0.2},
                  {"params": [model[3].weight], "lr": 0.05}]
        model[3].bias.requires_grad_(False)  # frozen: neither stepped nor given a gradient
        groups.append({"params": [model[1].bias], "lr": 0.1})
        if fused:  # else a trainable parameter outside the optimizer: the general path
            groups.append({"params": [model[1].weight], "lr": 0.1})
        opt = tl.optim.SGD(groups, lr=0.1)
        tr = tl.ScalarTrainer(model, F.cross_entropy, optimizer=opt, options=tl.Options(backend="compiled"))
        for xb, yb in _batches():
            tr.step(xb, yb)
        kinds = {k[0] for e in tr.compiled._cache.values() for k in e.exes}
        assert ("sgd-step" in kinds) is fused
        results.append(model)
    fused_model, _ = results
    # the running statistics moved, the frozen bias did not, and no gradient was left behind
    assert not np.allclose(fused_model[1].running_mean.value, 0)
    tl.manual_seed(1)
    np.testing.assert_array_equal(fused_model[3].bias.value, build()[3].bias.value)
    assert all(p.grad is None for p in fused_model.parameters())


@pytest.mark.parametrize("backend", ["eager", "compiled"])
@pytest.mark.parametrize("method", ["step", "forward", "backward"])
def test_a_failed_call_leaves_module_buffers_gradients_stream_and_modes_as_they_were(backend, method):
    tl.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 10), nn.BatchNorm1d(10), nn.Dropout(0.2))
    model.eval()
    tr = tl.ScalarTrainer(model, F.cross_entropy, optimizer=tl.optim.SGD(model.parameters(), lr=0.1),
                          options=tl.Options(backend=backend))
    tr.step(X[:8], Y[:8])  # a first good step (train mode): running statistics and the stream move
    model.eval()
    bad_calls = [((X[:4], Y[:4] + 20), tl.ArgumentError), ((X[:4], -Y[:4] - 1), tl.ArgumentError),
                 ((X[:4, :3], Y[:4]), tl.ShapeError)]
    for args, error in bad_calls:
        state = {k: v.copy() for k, v in model.state_dict().items()}
        rng = tr.session.rng_state()
        with pytest.raises(error):
            getattr(tr, method)(*args)
        for k, v in model.state_dict().items():
            np.testing.assert_array_equal(v, state[k], err_msg=k)
        assert all(p.grad is None for p in model.parameters())
        assert tr.session.rng_state() == rng
        assert not any(m.training for m in model.modules())
