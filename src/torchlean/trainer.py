"""``ScalarTrainer``: forward / backward / optimizer steps of a scalar loss on either backend.

The loss is written once against ``Ops`` as ``loss(ops, *params, *inputs)``. With
``Backend.COMPILED`` it is traced once into a gradient graph and every step runs that graph;
with ``Backend.EAGER`` each step records a fresh tape (parameters first, so their leaf ids are
stable). Optimizer state is keyed by ``Param`` and lives on the parameters' device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._core.types import TensorType
from .backends import get_backend
from .compiled import updates as _updates
from .compiled.api import compile_scalar
from .compiled.trace import as_type
from .compiled.transforms import extend_graph
from .eager.session import Session
from .optim import SGD, Adam, AdamW
from .optim import rules as _rules
from .options import Backend, Options
from .params import ParamList


class ScalarTrainer:
    """Train parameters of a scalar loss (the seed's ``ScalarTrainer``).

    Args:
        init_params: initial parameter values (host arrays) or a ``ParamList``.
        input_types: shapes/types of the inputs that follow the parameters in ``loss``.
        loss: ``loss(ops, *params, *inputs) -> scalar``, written against ``Ops``.
        options: backend (eager or compiled), device, dtype, seed.
        requires_grad: per-parameter flags (frozen parameters get no gradient and no update).
    """

    def __init__(self, init_params: Sequence[Any] | ParamList, input_types: Sequence[Any],
                 loss: Callable[..., Any], options: Options | None = None,
                 requires_grad: Sequence[bool] | None = None) -> None:
        self.options = options or Options()
        self.params = init_params if isinstance(init_params, ParamList) else ParamList(
            init_params, requires_grad, dtype=self.options.dtype)
        self.input_types = [as_type(t, self.options.dtype) for t in input_types]
        self.loss = loss
        self._backend = get_backend(self.options.device, self.options.matmul_precision)
        self._optimizers: dict[str, Any] = {}
        self._lr: tuple[float, Any] | None = None
        if self.options.backend is Backend.COMPILED:
            types = [TensorType(p.shape, p.dtype) for p in self.params] + self.input_types
            wrt = self.params.requires_grad + [False] * len(self.input_types)
            self.compiled = compile_scalar(loss, types, self.options, wrt=wrt)
            self.session = None
        else:
            self.compiled = None
            self.session = Session(self.options)

    # -- evaluation ------------------------------------------------------------------------
    def forward(self, *inputs: Any) -> Any:
        """The loss (a 0-d array on the trainer's device)."""
        if self.compiled is not None:
            return self.compiled.forward(*self._param_arrays(), *self._inputs(inputs))
        return self._record(inputs)[1]._v

    def backward(self, *inputs: Any) -> list[Any]:
        """Gradients aligned with the parameters (zeros for frozen ones)."""
        return self._value_and_grads(inputs)[1]

    def _value_and_grads(self, inputs: Sequence[Any]) -> tuple[Any, list[Any]]:
        if self.compiled is not None:
            value, grads = self.compiled.value_and_grad(*self._param_arrays(), *self._inputs(inputs))
            grads = grads[:len(self.params)]
        else:
            s, loss = self._record(inputs)
            dense = s.backward(loss)
            grads = [dense[ref] for ref in self._refs]
            value = loss._v
        return value, [g if g is not None else self._backend.zeros(p.shape, p.dtype)
                       for g, p in zip(grads, self.params)]

    # -- steps -----------------------------------------------------------------------------
    def step(self, lr: float, *inputs: Any) -> Any:
        """One SGD step; returns the loss before the step."""
        return self._step("sgd", SGD, inputs, lr=lr)

    def adam_step(self, lr: float, *inputs: Any, beta1: float = 0.9, beta2: float = 0.999,
                  eps: float = 1e-8) -> Any:
        return self._step("adam", Adam, inputs, lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def adamw_step(self, lr: float, *inputs: Any, weight_decay: float = 0.01, beta1: float = 0.9,
                   beta2: float = 0.999, eps: float = 1e-8) -> Any:
        return self._step("adamw", AdamW, inputs, lr=lr, weight_decay=weight_decay, beta1=beta1,
                          beta2=beta2, eps=eps)

    def _step(self, key: str, cls: type, inputs: Sequence[Any], **hyper: Any) -> Any:
        if self.compiled is not None and key == "sgd":
            return self._compiled_sgd(hyper["lr"], inputs)
        opt = self._optimizers.get(key)
        if opt is None:
            opt = self._optimizers[key] = cls(list(self.params), **hyper)
        for k, v in hyper.items():
            setattr(opt, k, v)
        if self.compiled is not None:  # Adam / AdamW: the update runs inside the step graph
            return self._compiled_adam(key, opt, inputs)
        value, grads = self._value_and_grads(inputs)
        opt.step({p: g for p, g in zip(self.params, grads) if p.requires_grad})
        if self.session is not None:
            self.session.reset()  # release the step's tape
        return value

    def _compiled_sgd(self, lr: float, inputs: Sequence[Any]) -> Any:
        """One run of a graph that computes the loss, the gradients and the updated parameters
        (``p - lr g`` for each trainable one), with ``lr`` as a runtime input."""
        c = self.compiled
        if "sgd" not in c._graphs:
            trainable = [i for i, p in enumerate(self.params) if p.requires_grad]

            def build(ops, ins, outs, extras):
                loss, grads, lr_var = outs[0], outs[1:], extras[0]
                return [loss] + [_rules.sgd(ops, ins[i], g, lr_var) for i, g in zip(trainable, grads)]

            lr_type = TensorType((), self.options.dtype)
            c.add_graph("sgd", extend_graph(c.graph_of("grad"), [lr_type], build))
        if self._lr is None or self._lr[0] != lr:  # upload the rate once, not every step
            self._lr = (lr, self._backend.asarray(lr, self.options.dtype))
        outs = c.run("sgd", [*self._param_arrays(), *self._inputs(inputs)],
                     [(self._lr[1], TensorType((), self.options.dtype))])
        for p, new in zip([p for p in self.params if p.requires_grad], outs[1:]):
            p.assign(self._backend, new)
        return outs[0]

    def _compiled_adam(self, key: str, opt: Any, inputs: Sequence[Any]) -> Any:
        """One run of the step graph with the Adam/AdamW update (``compiled/updates.py``);
        the moments stay in ``opt.state`` in the optimizer's own format."""
        c = self.compiled
        dtype = self.options.dtype
        decoupled = key == "adamw"
        name = f"{key}:{opt.beta1!r}:{opt.beta2!r}:{opt.eps!r}"
        trainable = [i for i, p in enumerate(self.params) if p.requires_grad]
        if name not in c._graphs:
            c.add_graph(name, _updates.adam_graph(c.graph_of("grad"), trainable, dtype, opt.beta1, opt.beta2,
                                                  opt.eps, decoupled))
        ps = [self.params[i] for i in trainable]
        states = []
        for p in ps:
            st = opt.state.get(p)
            if st is None:
                st = opt.state[p] = opt._init_state(self._backend, p)
            st["t"] += 1
            states.append(st)
        scalars = _updates.adam_scalars(states[0]["t"] if states else 1, opt.lr, opt.beta1, opt.beta2,
                                        opt.weight_decay if decoupled else None)
        stype = TensorType((), dtype)
        extra = ([(self._state_array(st, "m"), TensorType(p.shape, p.dtype)) for st, p in zip(states, ps)]
                 + [(self._state_array(st, "v"), TensorType(p.shape, p.dtype)) for st, p in zip(states, ps)]
                 + [(self._backend.asarray(x, dtype), stype) for x in scalars])
        outs = c.run(name, [*self._param_arrays(), *self._inputs(inputs)], extra)
        n = len(ps)
        for k, (p, st) in enumerate(zip(ps, states)):
            p.assign(self._backend, outs[1 + k])
            st["m"], st["v"] = outs[1 + n + k], outs[1 + 2 * n + k]
        return outs[0]

    def _state_array(self, state: dict[str, Any], key: str) -> Any:
        v = state[key]
        if not self._backend.is_array(v):  # a host copy from load_state_dict
            v = state[key] = self._backend.asarray(v, v.dtype)
        return v

    def get_params(self) -> list[Any]:
        """Host copies of the parameters (syncs device mirrors)."""
        return self.params.values()

    # -- helpers ---------------------------------------------------------------------------
    def _param_arrays(self) -> list[Any]:
        return [p.array_on(self._backend) for p in self.params]

    def _inputs(self, inputs: Sequence[Any]) -> list[Any]:
        if len(inputs) != len(self.input_types):
            from ._core.errors import TorchLeanError

            raise TorchLeanError(f"ScalarTrainer: expected {len(self.input_types)} inputs, got {len(inputs)}")
        return [x if self._backend.is_array(x) and x.dtype == t.dtype else self._backend.asarray(x, t.dtype)
                for x, t in zip(inputs, self.input_types)]

    def _record(self, inputs: Sequence[Any]) -> tuple[Session, Any]:
        s = self.session
        s.reset()
        self._refs = [s.use(p) for p in self.params]
        xs = [s.input(x, dtype=t.dtype) for x, t in zip(self._inputs(inputs), self.input_types)]
        return s, self.loss(s, *self._refs, *xs)
