"""ScalarTrainer: the digits MLP trains to the same parameters on both backends."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.data import load_digits
from torchlean.models import mlp_init, mlp_loss


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def _trainer(backend, init, dtype=np.float32):
    return tl.ScalarTrainer(init, [(64, 64), ((64,), np.int64)], mlp_loss,
                            tl.Options(backend=backend, dtype=dtype))


@pytest.mark.parametrize("method", ["step", "adam_step", "adamw_step"])
def test_eager_and_compiled_trainers_reach_the_same_parameters(digits, method):
    xtr, ytr, _, _ = digits
    init = mlp_init([64, 32, 10], seed=1, dtype=np.float64)
    trainers = [_trainer(b, init, np.float64) for b in (tl.Backend.EAGER, tl.Backend.COMPILED)]
    lr = 0.1 if method == "step" else 1e-3
    for i in range(0, 640, 64):
        for tr in trainers:
            getattr(tr, method)(lr, xtr[i:i + 64], ytr[i:i + 64])
    for a, b in zip(*[tr.get_params() for tr in trainers]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_digits_mlp_trains_to_high_accuracy_with_the_compiled_trainer(digits):
    xtr, ytr, xte, yte = digits
    tr = _trainer(tl.Backend.COMPILED, mlp_init([64, 128, 128, 10], seed=0))
    before = float(tr.forward(xtr[:64], ytr[:64]))
    rng = np.random.default_rng(0)
    for _ in range(15):
        order = rng.permutation(len(xtr))
        for i in range(0, len(xtr) - 63, 64):
            idx = order[i:i + 64]
            tr.step(0.1, xtr[idx], ytr[idx])
    assert float(tr.forward(xtr[:64], ytr[:64])) < before / 5
    from torchlean.models import mlp

    s = tl.Session()
    logits = s.value(mlp(s, [s.const(p) for p in tr.get_params()], s.input(xte)))
    assert np.mean(logits.argmax(1) == yte) > 0.9


def test_backward_returns_gradients_aligned_with_params_and_zeros_for_frozen(digits):
    xtr, ytr, _, _ = digits
    init = mlp_init([64, 16, 10], seed=2)
    for backend in (tl.Backend.EAGER, tl.Backend.COMPILED):
        tr = tl.ScalarTrainer(init, [(64, 64), ((64,), np.int64)], mlp_loss,
                              tl.Options(backend=backend), requires_grad=[False, True, True, True])
        grads = tr.backward(xtr[:64], ytr[:64])
        assert [g.shape for g in grads] == [p.shape for p in init]
        assert not np.any(grads[0]) and np.any(grads[1])
        tr.step(0.5, xtr[:64], ytr[:64])
        np.testing.assert_array_equal(tr.get_params()[0], init[0])
    with pytest.raises(tl.TorchLeanError, match="requires_grad"):
        tl.ScalarTrainer(init, [(64, 64)], mlp_loss, requires_grad=[True])


def test_compiled_trainer_traces_the_loss_once(digits):
    xtr, ytr, _, _ = digits
    calls = []

    def loss(ops, *args):
        calls.append(1)
        return mlp_loss(ops, *args)

    tr = tl.ScalarTrainer(mlp_init([64, 8, 10]), [(64, 64), ((64,), np.int64)], loss,
                          tl.Options(backend=tl.Backend.COMPILED))
    for _ in range(20):
        tr.step(0.1, xtr[:64], ytr[:64])
    assert len(calls) == 1
