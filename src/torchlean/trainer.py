"""``ScalarTrainer``: forward / backward / optimizer steps of a scalar loss on either backend.

The loss is written once against ``Ops`` as ``loss(ops, *params, *inputs)``. With
``Backend.COMPILED`` it is traced once into a gradient graph and every step runs that graph;
with ``Backend.EAGER`` each step records a fresh tape (parameters first, so their leaf ids are
stable). The steps are backed by ``torchlean.optim`` objects (``optimizer(kind)``) whose state is
keyed by ``Param``, lives on the parameters' device and saves with ``state_dict()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._core.errors import ArgumentError
from ._core.guard import guard_methods
from ._core.types import TensorType
from .backends import get_backend
from .compiled import updates as _updates
from .compiled.api import compile_scalar, input_array
from .compiled.trace import as_type
from .compiled.transforms import extend_graph
from .eager import optimizers as _steps
from .eager.session import Session
from .nn.module import Module
from .optim import SGD, Adam, AdamW
from .optim import rules as _rules
from .options import Backend, Options
from .params import ParamList
from .trainer_module import ModuleTrainer


class ScalarTrainer:
    """Train parameters of a scalar loss (the seed's ``ScalarTrainer``).

    ``ScalarTrainer(module, loss_fn, optimizer=..., options=...)`` with a ``torchlean.nn``
    module instead returns a ``ModuleTrainer`` (``torchlean.trainer_module``): the PyTorch loop
    over the module, the loss on its output and a ``torchlean.optim`` optimizer.

    Args:
        init_params: initial parameter values (host arrays) or a ``ParamList``.
        input_types: shapes/types of the inputs that follow the parameters in ``loss``.
        loss: ``loss(ops, *params, *inputs) -> scalar``, written against ``Ops``.
        options: backend (eager or compiled), device, dtype, seed.
        requires_grad: per-parameter flags (frozen parameters get no gradient and no update).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        first = args[0] if args else kwargs.get("module")
        if isinstance(first, Module):
            return ModuleTrainer(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, init_params: Sequence[Any] | ParamList, input_types: Sequence[Any],
                 loss: Callable[..., Any], options: Options | None = None,
                 requires_grad: Sequence[bool] | None = None) -> None:
        if options is not None and not isinstance(options, Options):
            raise ArgumentError(f"ScalarTrainer: options must be an Options, got {type(options).__name__}")
        self.options = options or Options()
        self.params = init_params if isinstance(init_params, ParamList) else ParamList(
            init_params, requires_grad, dtype=self.options.dtype)
        self.input_types = [as_type(t, self.options.dtype) for t in input_types]
        self.loss = loss
        self._backend = get_backend(self.options.device, self.options.matmul_precision)
        self._optimizers: dict[str, Any] = {}
        self._lr: tuple[float, Any] | None = None
        self._fast_sgd: tuple[Any, float, Callable[[Sequence[Any]], Any]] | None = None
        if self.options.backend is Backend.COMPILED:
            types = [TensorType(p.shape, p.dtype) for p in self.params] + self.input_types
            wrt = self.params.requires_grad + [False] * len(self.input_types)
            self.compiled = compile_scalar(loss, types, self.options, wrt=wrt)
            self._wrt = list(self.params.requires_grad)
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
        """One SGD step (``p - lr g``; compiled: inside the gradient graph); returns the loss
        before the step."""
        fast = self._fast_sgd  # (optimizer, rate, runner) of the previous compiled SGD step
        if fast is not None and type(lr) is float and fast[1] == lr and fast[0] is self._optimizers.get("sgd") \
                and fast[0].param_groups[0]["lr"] == lr and len(inputs) == len(self.input_types):
            return fast[2](inputs)
        return self._step("sgd", SGD, inputs, lr=lr)

    def adam_step(self, lr: float, *inputs: Any, beta1: float = 0.9, beta2: float = 0.999,
                  eps: float = 1e-8) -> Any:
        return self._step("adam", Adam, inputs, lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def adamw_step(self, lr: float, *inputs: Any, weight_decay: float = 0.01, beta1: float = 0.9,
                   beta2: float = 0.999, eps: float = 1e-8) -> Any:
        return self._step("adamw", AdamW, inputs, lr=lr, weight_decay=weight_decay, beta1=beta1,
                          beta2=beta2, eps=eps)

    def _step(self, key: str, cls: type, inputs: Sequence[Any], **hyper: Any) -> Any:
        """One optimizer step: hyperparameters and inputs are checked before anything changes."""
        opt = self._optimizers.get(key)
        if opt is None:
            opt = cls([{"params": list(self.params)}], **hyper)  # validates
            new: dict[str, Any] = {}
        else:
            new = opt._staged_hyper(_METHOD[key], opt.param_groups[0], hyper)
        if self.compiled is not None and key == "sgd":
            value = self._compiled_sgd(new.get("lr", opt.param_groups[0]["lr"]), inputs)
            dict.update(opt.param_groups[0], new)
            self._optimizers[key] = opt
            rate = self._lr[0]  # type: ignore[index]
            self._fast_sgd = (opt, rate, self._sgd_runner()) if self.compiled.rng_ops == 0 else None
            return value
        if self.compiled is not None:  # Adam / AdamW: the update runs inside the step graph
            value = self._compiled_adam(key, opt, new, inputs)
            if value is not None:
                self._optimizers[key] = opt
                return value
        value, grads = self._value_and_grads(inputs)
        _steps.run(opt, _METHOD[key], new, [(p, g) for p, g in zip(self.params, grads) if p.requires_grad])
        self._optimizers[key] = opt
        if self.session is not None:
            self.session.reset()  # release the step's tape
        return value

    def optimizer(self, kind: str) -> Any:
        """The ``torchlean.optim`` object behind ``step`` (``"sgd"``), ``adam_step`` (``"adam"``) or
        ``adamw_step`` (``"adamw"``), made with its defaults if no such step has run yet, so that
        a resumed run can ``load_state_dict`` before its first step. The steps set the
        hyperparameters they are given on its parameter group."""
        cls = _KINDS.get(kind)
        if cls is None:
            raise ArgumentError(f"ScalarTrainer.optimizer: kind must be one of {sorted(_KINDS)}, got {kind!r}")
        opt = self._optimizers.get(kind)
        if opt is None:
            opt = self._optimizers[kind] = cls([{"params": list(self.params)}])
        return opt

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
            self._sgd_params = [self.params[i] for i in trainable]  # the graph's updated outputs
        if self._lr is None or self._lr[0] != lr:  # upload the rate once, not every step
            self._lr = (lr, self._backend.asarray(lr, self.options.dtype))
        # the parameters' arrays are the trainer's own and the batches pass _inputs: the run
        # need not check them again (a microsecond or so each, per step)
        outs = c.run_checked("sgd", [*self._param_arrays(), *self._inputs(inputs)], [self._lr[1]])
        backend = self._backend
        for p, new in zip(self._sgd_params, outs[1:]):
            p.assign(backend, new)
        return outs[0]

    def _sgd_runner(self) -> Callable[[Sequence[Any]], Any]:
        """The steady-state compiled SGD step, for ``step`` to call while the rate and the
        optimizer stay those of the previous step (and the loss draws no random numbers): the
        inputs pass the same checks, the step graph's executable runs on the parameters' own
        arrays and the recorded rate, and the updated parameters are assigned; what the general
        path adds per step (the optimizer's hyperparameter staging, the call-signature checks
        of values the trainer made itself) is about a tenth of a small model's step."""
        exe = self.compiled._executable("sgd")
        backend, params, updated = self._backend, list(self.params), self._sgd_params
        lr_array, types = self._lr[1], self.input_types  # type: ignore[index]

        def run(inputs: Sequence[Any]) -> Any:
            arrays = [p.array_on(backend) for p in params]
            for i, (x, t) in enumerate(zip(inputs, types)):
                arrays.append(input_array(backend, x, t, f"input {i}", "ScalarTrainer", upload=True))
            outs = exe.run(*arrays, lr_array)
            for p, new in zip(updated, outs[1:]):
                p.assign(backend, new)
            return outs[0]

        return run

    def _compiled_adam(self, key: str, opt: Any, new: dict[str, Any], inputs: Sequence[Any]) -> Any:
        """One run of the step graph with the Adam/AdamW update (``compiled/updates.py``), the
        state kept in ``opt.state`` in the optimizer's own format; equal bit for bit to the eager
        step. None (nothing changed) where the fused step does not apply: the optimizer's groups
        or state are not what this trainer made (then the eager optimizer steps)."""
        group = opt.param_groups[0]
        hp = {**group, **new}
        ps = [p for p in self.params if p.requires_grad]
        if (len(opt.param_groups) != 1 or [id(p) for p in group["params"]] != [id(p) for p in self.params]
                or self.params.requires_grad != self._wrt or any(p.dtype != self.options.dtype for p in ps)):
            return None
        amsgrad = bool(hp["amsgrad"])
        keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
        olds = [opt.state.get(p) or {} for p in ps]
        steps = {st.get("step", 0) for st in olds}
        if len(steps) > 1 or any(st and any(k not in st for k in keys) for st in olds):
            return None
        opt._cross_check(_METHOD[key], hp, "the step's hyperparameters")
        step = steps.pop() + 1 if steps else 1
        beta1, beta2 = hp["betas"]
        wd, decoupled = hp["weight_decay"], bool(hp["decoupled_weight_decay"])
        flags = (beta1, beta2, hp["eps"], wd, amsgrad, bool(hp["maximize"]), decoupled)
        name = f"{key}:" + ":".join(repr(f) for f in flags)
        c = self.compiled
        dtype = self.options.dtype
        trainable = [i for i, p in enumerate(self.params) if p.requires_grad]
        if name not in c._graphs:
            c.add_graph(name, _updates.adam_graph(c.graph_of("grad"), trainable, dtype, beta1=beta1, beta2=beta2,
                                                  eps=hp["eps"], weight_decay=wd, amsgrad=amsgrad,
                                                  maximize=flags[5], decoupled=decoupled))
        states = [[self._state_array(st, k, p) for p, st in zip(ps, olds)] for k in keys]
        scalars = _updates.adam_scalars(step, hp["lr"], beta1, beta2, wd, decoupled)
        stype = TensorType((), dtype)
        extra = ([(a, TensorType(p.shape, p.dtype)) for arrays in states for a, p in zip(arrays, ps)]
                 + [(self._backend.asarray(x, dtype), stype) for x in scalars])
        outs = c.run(name, [*self._param_arrays(), *self._inputs(inputs)], extra)
        n = len(ps)
        dict.update(group, new)  # commit: nothing below can fail
        for j, (p, st) in enumerate(zip(ps, olds)):
            p.assign(self._backend, outs[1 + j])
            opt.state[p] = {**st, "step": step, **{k: outs[1 + (1 + ki) * n + j] for ki, k in enumerate(keys)}}
        opt._opt_called = True
        return outs[0]

    def _state_array(self, state: dict[str, Any], key: str, p: Any) -> Any:
        """A state array on the trainer's device (zeros for a parameter without state)."""
        v = state.get(key)
        if v is None:
            return self._backend.zeros(p.shape, p.dtype)
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
        """The inputs through the same checks as a compiled call, on either backend."""
        if len(inputs) != len(self.input_types):
            raise ArgumentError(f"ScalarTrainer: expected {len(self.input_types)} inputs, got {len(inputs)}")
        return [input_array(self._backend, x, t, f"input {i}", "ScalarTrainer", upload=True)
                for i, (x, t) in enumerate(zip(inputs, self.input_types))]

    def _record(self, inputs: Sequence[Any]) -> tuple[Session, Any]:
        s = self.session
        s.reset()
        self._refs = [s.use(p) for p in self.params]
        xs = [s.input(x, dtype=t.dtype) for x, t in zip(self._inputs(inputs), self.input_types)]
        return s, self.loss(s, *self._refs, *xs)


_KINDS: dict[str, type] = {"sgd": SGD, "adam": Adam, "adamw": AdamW}
_METHOD = {"sgd": "ScalarTrainer.step", "adam": "ScalarTrainer.adam_step", "adamw": "ScalarTrainer.adamw_step"}

guard_methods(ScalarTrainer, ["__init__", "forward", "backward", "step", "adam_step", "adamw_step",
                              "get_params", "optimizer"])
