"""``tl.compile(module_or_fn)``: trace once per input signature, run the graph, one tape node.

The compiled callable has the function's own call signature (no ``ops`` argument: tensors and
modules carry their binder). Called on eager tensors, it traces the function on a graph builder
(the module's ``Param``s and ``Buffer``s become graph inputs), runs the forward graph, and
records the result on the session's tape as **one node** whose VJP runs the backward half of
the compiled VJP graph (``partition.split``: the forward saves its residuals), so
``loss.backward()``, ``Param.grad`` and optimizers work unchanged, as with ``torch.compile``.

Arguments and results are pytrees (nested tuples, lists, dicts); non-tensor arguments are part
of the signature. A new signature (shapes, dtypes, static values, a module's train/eval mode)
traces again; at most ``max_cache`` signatures are kept (least recently used first out), and
``cache_size`` tells how many are. Called inside another trace, it simply inlines the function.
A signature whose graph has more than ``CompileOptions.eager_above`` equations replays them on
the calling session (ordinary tape nodes) for its first ``eager_calls`` calls before it lowers
the graph, as ``compile_scalar`` does (``eager_tier.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.current import active
from .._core.errors import ArgumentError, DTypeError, InvalidRefError, TorchLeanError
from .._core.gcpause import gc_paused
from .._core.registry import Primitive
from .._core.types import TensorType
from ..params import Param
from . import pytree
from .config import current_options
from .eager_tier import bind_equations
from .ir import Graph, Var, typecheck
from .lower import Executable
from .partition import split
from .trace import GraphBuilder, _with_user_line
from .transforms import vjp_graph

_RNG = ("rand_uniform", "bernoulli_mask")


def _is_tensor(v: Any) -> bool:
    return getattr(v, "__torchlean_tensor__", False) and not isinstance(v, Param)


class _Entry:
    """One traced signature: the graphs and, per device, their executables."""

    def __init__(self, graph: Graph, n_args: int, params: list[Param], out_tree: pytree.TreeDef,
                 out_static: list[Any], out_is_var: list[bool], rng_ops: int, n_out: int,
                 buffers: list[Param]) -> None:
        # graph.outputs = the function's tensor outputs (n_out) followed by buffer updates
        self.graph, self.n_args, self.params = graph, n_args, params
        self.n_out, self.buffers = n_out, buffers
        self.out_tree, self.out_static, self.out_is_var = out_tree, out_static, out_is_var
        self.rng_ops = rng_ops
        self.exes: dict[Any, Executable] = {}
        self.split: tuple[Graph, Graph, list[Var], list[bool]] | None = None
        opts = current_options()  # read once, as an executable does
        # a very large graph replays on the calling session for its first calls (eager_tier.py)
        self.replays_left = opts.eager_calls if len(graph.eqns) > opts.eager_above else 0

    def executable(self, kind: str, backend: Any) -> Executable:
        key = (kind, id(backend))
        exe = self.exes.get(key)
        if exe is None:
            graph = self.graph if kind == "forward" else self.vjp_parts()[0 if kind == "fwd" else 1]
            exe = self.exes[key] = Executable(graph, backend)
        return exe

    @gc_paused
    def vjp_parts(self) -> tuple[Graph, Graph, list[Var], list[bool]]:
        """Forward-with-residuals and backward graphs, differentiating every float input the
        float outputs depend on (an input they do not reach gets no gradient, ``None`` as in
        PyTorch, rather than zeros: an optimizer then skips an unused parameter)."""
        if self.split is None:
            g = self.graph
            floats = [v for v in g.outputs[:self.n_out] if v.type.dtype.kind == "f"]
            reached = {id(v) for v in floats}  # by id: Var overloads ==
            for eqn in reversed(g.eqns):
                if id(eqn.out) in reached:
                    reached.update(id(v) for v, m in zip(eqn.inputs, eqn.prim.grad_mask) if m)
            wrt = [v.type.dtype.kind == "f" and id(v) in reached for v in g.inputs]
            if self.rng_ops:
                wrt[-1] = False
            updates = g.outputs[self.n_out:]
            # differentiate the float outputs only (buffer updates are values): a view of the graph
            view = Graph()
            view.inputs, view.consts, view.eqns = g.inputs, g.consts, g.eqns
            view.outputs = [*floats, *updates]
            view._next = g._next
            joint = vjp_graph(view, wrt, with_value=True,
                              out_wrt=[True] * len(floats) + [False] * len(updates))
            typecheck(joint)
            fwd, bwd, residuals = split(joint, len(g.inputs), len(floats) + len(updates))
            typecheck(fwd)
            typecheck(bwd)
            self.split = (fwd, bwd, residuals, wrt)
        return self.split


class Compiled:
    """What ``tl.compile`` returns (see module docstring)."""

    def __init__(self, fn: Callable[..., Any], max_cache: int = 16) -> None:
        if not callable(fn):
            raise ArgumentError(f"compile: expected a Module or a function, got {type(fn).__name__}")
        if isinstance(max_cache, bool) or not isinstance(max_cache, int) or max_cache < 1:
            raise ArgumentError(f"compile: max_cache must be a positive int, got {max_cache!r}")
        self.fn = fn
        self.max_cache = max_cache
        self._cache: OrderedDict[Any, _Entry] = OrderedDict()
        self.traces = 0  # how many times the function was traced (new signatures)
        # the modules whose train/eval mode is part of the signature: the function's own (a
        # Module) and every module a trace called (a function closing over a model)
        modules = getattr(fn, "modules", None)
        self._modules: dict[int, Any] = {id(m): m for m in modules()} if callable(modules) else {}

    @property
    def cache_size(self) -> int:
        """The number of traced signatures kept."""
        return len(self._cache)

    def __repr__(self) -> str:
        return f"Compiled({getattr(self.fn, '__name__', type(self.fn).__name__)}, cache_size={self.cache_size})"

    # -- calling ---------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        leaves, tree = pytree.flatten((args, kwargs))
        if any(isinstance(v, Var) for v in leaves):
            return self.fn(*args, **kwargs)  # inside another trace: inline
        session, entry, tensors = self.entry_for(args, kwargs, leaves, tree)
        return _run(session, entry, tensors)

    def entry_for(self, args: Any, kwargs: Any, leaves: list[Any] | None = None,
                  tree: pytree.TreeDef | None = None) -> tuple[Any, _Entry, list[Any]]:
        """The session, the traced signature (tracing it now if new) and the tensor arguments
        of a call on eager tensors (``ScalarTrainer(module, ...)`` runs its own step graph)."""
        if leaves is None:
            leaves, tree = pytree.flatten((args, kwargs))
        tensors = [v for v in leaves if _is_tensor(v)]
        if not tensors:
            raise ArgumentError("compile: the compiled function needs at least one tensor argument "
                                "(made with s.input(...)) to know its session")
        session = tensors[0].session
        for t in tensors:
            if t.session is not session:
                raise InvalidRefError("compile: the tensor arguments belong to different sessions")
        key = self._key(tree, leaves)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._trace(session, args, kwargs, tree, leaves)
            key = self._key(tree, leaves)  # with the modes of the modules this trace called
            self._cache[key] = entry
            while len(self._cache) > self.max_cache:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return session, entry, tensors

    def _key(self, tree: pytree.TreeDef, leaves: list[Any]) -> Any:
        parts = []
        for v in leaves:
            if _is_tensor(v):
                parts.append(("T", v.type))
            elif isinstance(v, Param):
                raise ArgumentError("compile: pass Params as module attributes, not as call arguments "
                                    "(a module's parameters are captured by the trace)")
            elif isinstance(v, np.ndarray) or hasattr(v, "__array__"):
                raise ArgumentError(f"compile: got a {type(v).__name__} argument; make it a tensor with "
                                    "s.input(...) (arrays are data, not part of the signature)")
            else:
                try:
                    hash(v)
                except TypeError:
                    raise ArgumentError(f"compile: a non-tensor argument must be hashable (it is part of "
                                        f"the signature), got {type(v).__name__}") from None
                parts.append(("S", type(v), v))
        training = tuple([m.training for m in self._modules.values()])
        return tree, tuple(parts), training

    @gc_paused
    def _trace(self, session: Any, args: Any, kwargs: Any, tree: pytree.TreeDef, leaves: list[Any]) -> _Entry:
        b = GraphBuilder(session.dtype, session.options.seed)
        traced = [b.graph.add_input(v.type) if _is_tensor(v) else v for v in leaves]
        n_args = sum(1 for v in leaves if _is_tensor(v))
        t_args, t_kwargs = pytree.unflatten(tree, traced)
        try:
            with active(b):
                out = self.fn(*t_args, **t_kwargs)
        except TorchLeanError as e:
            raise _with_user_line(e) from None
        out_leaves, out_tree = pytree.flatten(out)
        out_vars = []
        for v in out_leaves:
            if isinstance(v, Var):
                if v.graph is not b.graph:
                    raise InvalidRefError("compile: the function returned a traced value of another graph")
                out_vars.append(v)
            elif _is_tensor(v) or isinstance(v, Param):
                raise DTypeError(f"compile: the function returned an eager {type(v).__name__}; return "
                                 "values computed from the arguments")
        for k, m in b.modules_called.items():
            self._modules.setdefault(k, m)
        g = b.graph
        g.outputs = [*out_vars, *(v for _, v in b.buffer_updates)]
        buffers = [buf for buf, _ in b.buffer_updates]
        params = [p for p, _ in b.captured.values()]
        rng_ops = b.rng_ops
        if b.counter is not None:
            g.inputs.append(b.counter)
        typecheck(g)
        self.traces += 1
        return _Entry(g, n_args, params, out_tree, out_leaves, [isinstance(v, Var) for v in out_leaves],
                      rng_ops, len(out_vars), buffers)


# -- running on an eager session ---------------------------------------------------------------
def _run(session: Any, entry: _Entry, tensors: list[Any]) -> Any:
    """One call on ``session``; a failure leaves its tape (the parameter leaves the call
    recorded included) and random counter as they were (buffers change only on success)."""
    mark = session._mark()
    try:
        return _run_on(session, entry, tensors)
    except BaseException:
        session._restore(mark)
        raise


def _run_on(session: Any, entry: _Entry, tensors: list[Any]) -> Any:
    refs = [session._coerce("compile", t) for t in tensors]
    prefs = [session._coerce("compile", p) for p in entry.params]
    inputs = [*refs, *prefs]
    if entry.replays_left:
        outs = _replay(session, entry, inputs)
        entry.replays_left -= 1
        it = iter(outs)
        return pytree.unflatten(entry.out_tree, [next(it) if is_var else static
                                                 for is_var, static in zip(entry.out_is_var, entry.out_static)])
    arrays = [r._v for r in inputs]
    backend = session.backend
    if entry.rng_ops:
        arrays.append(backend.asarray(np.asarray(session.rng_counter, np.uint64), np.dtype(np.uint64)))
    g = entry.graph
    out_vars = g.outputs[:entry.n_out]
    n_upd = len(entry.buffers)
    float_pos = [i for i, v in enumerate(out_vars) if v.type.dtype.kind == "f"]
    needs_grad = session._grad_enabled and any(r.requires_grad for r in inputs) and float_pos
    if not needs_grad:
        values = entry.executable("forward", backend).run(*arrays)
        updates = values[entry.n_out:]
        outs = [session._leaf(v, False, None) for v in values[:entry.n_out]]
    else:
        _, _, _, wrt = entry.vjp_parts()
        got = entry.executable("fwd", backend).run(*arrays)
        k = len(float_pos)
        floats, updates, saved = got[:k], got[k:k + n_upd], got[k + n_upd:]
        outs = _record(session, entry, inputs, wrt, float_pos, floats, saved, backend)
        nonfloat = [i for i in range(len(out_vars)) if i not in set(float_pos)]
        if nonfloat:  # integer/bool outputs: no gradient; computed by the plain forward graph
            values = entry.executable("forward", backend).run(*arrays)
            for i in nonfloat:
                outs[i] = session._leaf(values[i], False, None)
    for buf, value in zip(entry.buffers, updates):  # a module's running statistics, as eagerly
        buf.assign(backend, value)
    if entry.rng_ops:
        session.rng_counter += entry.rng_ops
    it = iter(outs)
    leaves = [next(it) if is_var else static for is_var, static in zip(entry.out_is_var, entry.out_static)]
    return pytree.unflatten(entry.out_tree, leaves)


def _replay(session: Any, entry: _Entry, inputs: list[Any]) -> list[Any]:
    """The graph's equations bound one by one on the session (its tape records them as eager
    ops would, so backward needs no gradient graph): what the first calls of a very large
    graph run (``CompileOptions.eager_above``; the same bits as the lowered graph). A failure
    leaves the tape, the buffers and the random counter as they were."""
    g = entry.graph
    env = dict(zip(g.inputs, inputs))
    mark = session._mark()
    try:
        if entry.rng_ops:
            env[g.inputs[-1]] = session.lift(np.asarray(session.rng_counter, np.uint64), np.uint64)
        for v, c in g.consts.items():
            env[v] = session.lift(c, c.dtype)
        bind_equations(session, g, env)
    except BaseException:
        session._restore(mark)
        raise
    for buf, v in zip(entry.buffers, g.outputs[entry.n_out:]):
        value = env[v]._v
        buf.assign(session.backend, value.copy() if hasattr(value, "copy") else value)
    session.rng_counter += entry.rng_ops
    return [env[v] for v in g.outputs[:entry.n_out]]


def _record(session: Any, entry: _Entry, inputs: list[Any], wrt: list[bool], float_pos: list[int],
            floats: list[Any], saved: list[Any], backend: Any) -> list[Any]:
    """One tape node holding the float outputs, flattened and concatenated, whose VJP runs the
    backward graph once for all inputs; each output is a slice of it, reshaped."""
    out_vars = entry.graph.outputs[:entry.n_out]
    dtypes = {out_vars[i].type.dtype for i in float_pos}
    if len(dtypes) > 1:
        raise DTypeError("compile: the float outputs mix float32 and float64; return one float dtype")
    dt = dtypes.pop()
    xp = backend.xp
    flat = xp.concatenate([f.reshape(-1) for f in floats]) if len(floats) > 1 else floats[0].reshape(-1)
    sizes = [int(np.prod(out_vars[i].type.shape)) for i in float_pos]
    shapes = [out_vars[i].type.shape for i in float_pos]
    n_in = len(inputs)
    grad_inputs = [i for i in range(n_in) if wrt[i]]
    cache: dict[str, Any] = {}

    def cotangents(g: Any) -> list[Any]:
        if cache.get("g") is not g:
            cts, start = [], 0
            for size, shape in zip(sizes, shapes):
                cts.append(g[start:start + size].reshape(shape))
                start += size
            bwd = entry.executable("bwd", backend)
            grads = bwd.run(*saved, *cts)
            cache["g"], cache["grads"] = g, dict(zip(grad_inputs, grads))
        return cache["grads"]

    def rule_for(i: int) -> Any:
        return lambda ops, g, out, *vals, **_: cotangents(g)[i]

    vjp = tuple(rule_for(i) if wrt[i] else None for i in range(n_in))
    jvp = tuple(_no_jvp if wrt[i] else None for i in range(n_in))
    prim = Primitive(f"compiled[{getattr(entry, 'name', 'fn')}]", shape=lambda *t, **p: None,
                     impl=lambda *a, **p: None, vjp=vjp, jvp=jvp, portable=True, doc="tl.compile node")
    node = session._record_node(prim, inputs, flat, TensorType((sum(sizes),), dt))
    outs: list[Any] = [None] * len(out_vars)
    start = 0
    for i, size, shape in zip(float_pos, sizes, shapes):
        piece = session.slice(node, 0, start, start + size) if len(float_pos) > 1 else node
        outs[i] = session.reshape(piece, shape)
        start += size
    return outs


def _no_jvp(ops: Any, t: Any, out: Any, *vals: Any, **params: Any) -> Any:
    from .._core.errors import NotDifferentiableError

    raise NotDifferentiableError("jvp: forward mode through a tl.compile node is not supported; use "
                                 "tl.jvp on the function itself")


def compile(fn: Callable[..., Any] | None = None, *, max_cache: int = 16, **_: Any) -> Any:  # noqa: A001
    """``tl.compile(module_or_fn)`` (also as a decorator, with or without arguments): see the
    module docstring. torch.compile's keywords (``mode=``, ``fullgraph=``...) are accepted and
    have no effect."""
    if fn is None:
        return lambda f: Compiled(f, max_cache)
    return Compiled(fn, max_cache)
