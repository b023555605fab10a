"""W1 through ``torchlean.nn`` modules (issue 10: within 10% of the flat-function W1).

The same 64-128-128-10 MLP and weights as workloads.w1_*, built as ``nn.Sequential`` and trained
by the PyTorch loop: ``F.cross_entropy(model(x), y).backward(); opt.step(); opt.zero_grad()``
with ``torchlean.optim.SGD(lr=0.1)``; compiled, the model and the loss run as one ``tl.compile``
graph, or through ``ScalarTrainer(module, ...)`` with the compiled backend.
"""

from __future__ import annotations

from workloads import _cycle, _digits_batches, _mlp_init


def _model():
    import torchlean.nn as nn

    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    linears = [m for m in model if isinstance(m, nn.Linear)]
    init = _mlp_init()
    for i, layer in enumerate(linears):
        layer.weight.set_value(init[2 * i])
        layer.bias.set_value(init[2 * i + 1])
    return model


def _loop(compiled: bool):
    import torchlean as tl
    import torchlean.nn.functional as F

    batches = _cycle(_digits_batches())
    model = _model()
    opt = tl.optim.SGD(model.parameters(), lr=0.1)
    s = tl.Session()

    def loss_of(x, y):
        return F.cross_entropy(model(x), y)

    fwd = tl.compile(loss_of) if compiled else loss_of

    def step():
        xb, yb = next(batches)
        fwd(s.input(xb), s.input(yb)).backward()
        opt.step()
        opt.zero_grad()

    return step


def w1_nn_eager():
    return _loop(compiled=False)


def w1_nn_compiled():
    return _loop(compiled=True)


def w1_nn_trainer_compiled():
    import torchlean as tl
    import torchlean.nn.functional as F

    batches = _cycle(_digits_batches())
    model = _model()
    tr = tl.ScalarTrainer(model, F.cross_entropy, optimizer=tl.optim.SGD(model.parameters(), lr=0.1),
                          options=tl.Options(backend="compiled"))

    def step():
        tr.step(*next(batches))

    return step
