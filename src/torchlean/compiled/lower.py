"""Lower a graph to a memory-planned executable over one backend's kernels.

``Executable(graph, backend)`` keeps the traced graph; ``run(*inputs)`` executes it. The
first call with a given input layout (the inputs' strides) builds a plan:

1. **Static passes** (``passes.py``; switchable): dead code, common subexpressions,
   constant folding.
2. **Recording run** (``facts.py``): the plain kernels run once, recording every value's
   layout and which values are views of others.
3. **Layout-guarded simplification** (``passes.simplify``): identities such as ``x * 1``,
   double transposes, trivial reshapes, each applied only where the replacement has the
   value's exact layout, so results stay bitwise equal to eager.
4. **Fusion** (``fusion.py`` + ``codegen_numba.py``, when numba is installed): runs of
   elementwise ops become one generated kernel each.
5. **Memory plan** (``plan.py``): buffers preallocated once and reused, out-variant kernels
   writing into them, views made once where their base is fixed; outputs never aliased.
6. **Runner** (``runner.py``): straight-line generated Python, or an interpreter for very
   long schedules.

The plan (``plans[layout]``, a ``Schedule``) is an explicit data structure: the fixed
buffers and the ordered steps a CUDA-graph capture replays.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from .._core.gcpause import gc_paused
from .._core.guard import raise_as
from ..backends.base import ArrayBackend
from ..backends.blas_threads import enter_scope, exit_scope
from ..options import Device
from . import passes
from .config import CompileOptions, current_options
from .facts import record
from .fusion import attach_sums, form_regions, fusion_order, split_bias
from .ir import Eqn, Graph, Var
from .patterns import pair_cross_entropy
from .plan import Schedule, build
from .runner import generate, interpreter


class Plan:
    """What one input layout runs: the optimised graph, its items, schedule and runner."""

    def __init__(self, graph: Graph, items: list[Any], schedule: Schedule, run: Any, source: str | None,
                 stats: dict[str, int]) -> None:
        self.graph, self.items, self.schedule, self.run = graph, items, schedule, run
        self.source, self.stats = source, stats

    def describe(self) -> str:
        """The optimised graph with its fused regions, then the schedule."""
        lines = [f"passes: {self.stats}"]
        ins = ", ".join(f"v{v.id}: {v.type}" for v in self.graph.inputs)
        lines.append(f"graph({ins}) {{")
        for v in self.graph.consts:
            lines.append(f"  v{v.id}: {v.type} = const")
        for item in self.items:
            lines.append(f"  {item}")
        lines.append(f"  return {', '.join(f'v{v.id}' for v in self.graph.outputs)}")
        lines.append("}")
        return "\n".join(lines) + "\n" + str(self.schedule)


class Executable:
    """A graph lowered for one backend: ``run(*inputs) -> list of outputs``."""

    @gc_paused
    def __init__(self, graph: Graph, backend: ArrayBackend, options: CompileOptions | None = None) -> None:
        self.graph = graph
        self.backend = backend
        self.options = options or current_options()
        self.stats: dict[str, int] = {}
        self.static_graph = passes.static_pipeline(graph, backend, self.options.passes, self.stats)
        if _fusion_backend(self.options, backend) is not None:
            self.static_graph = split_bias(self.static_graph, self.stats)
        xp = backend.xp
        self.consts = {v: backend.asarray(value, value.dtype) for v, value in self.static_graph.consts.items()}
        self._xp = xp
        self.plans: dict[tuple[Any, ...], Plan] = {}
        self.last_plan: Plan | None = None
        self._owner = threading.get_ident()
        self._local = threading.local()
        # one BLAS thread-count switch per run for a graph of small products (blas_threads)
        self._blas_scope = any(e.prim.name in backend.gemm_names for e in graph.eqns)

    # -- running ------------------------------------------------------------------------------
    def run(self, *args: Any) -> list[Any]:
        """Outputs for ``args``. A plan's buffers belong to one thread: the thread that made the
        executable uses ``plans``; any other thread plans (and keeps) its own."""
        key = tuple([a.strides for a in args])
        plans = self.plans if threading.get_ident() == self._owner else self._thread_plans()
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = self._plan(args)
        try:
            if not self._blas_scope:
                return plan.run(*args)
            enter_scope()
            try:
                return plan.run(*args)
            finally:
                exit_scope()
        except BaseException as e:  # an error a kernel raised names the public op, as eager does
            k = plan.run.failed_step(e)
            raise_as(plan.schedule.steps[k].origin if k is not None else None, e)

    def _thread_plans(self) -> dict[tuple[Any, ...], Plan]:
        plans = getattr(self._local, "plans", None)
        if plans is None:
            plans = self._local.plans = {}
        return plans

    @property
    def source(self) -> str:
        """Generated code of the latest plan ('' before the first call or when interpreted)."""
        return (self.last_plan.source or "") if self.last_plan else ""

    @property
    def schedule(self) -> Schedule | None:
        return self.last_plan.schedule if self.last_plan else None

    def describe(self) -> str:
        return self.last_plan.describe() if self.last_plan else str(self.static_graph)

    # -- planning -----------------------------------------------------------------------------
    @gc_paused
    def _plan(self, args: Sequence[Any]) -> Plan:
        opts = self.options
        g = self.static_graph
        facts, _ = record(g, self.backend, self.consts, args)
        stats = dict(self.stats)
        if "simplify" in opts.passes:
            g = passes.simplify(g, facts, stats)
        if "dce" in opts.passes:
            g = passes.dce(g, stats)
        consts = {v: self.consts[v] for v in g.consts}
        items: list[Eqn | Any] = list(g.eqns)
        kernels = _fusion_backend(opts, self.backend)
        if kernels is not None:
            order = fusion_order(g, opts.fuse_inexact)
            items = form_regions(order, g.outputs, opts.fuse_inexact, opts.fuse_min_ops, opts.fuse_max_ops,
                                 opts.fuse_max_args)
            items = attach_sums(items, facts, g.outputs)
            kernels.compile_regions(items, facts)
            stats["fused_regions"] = sum(1 for i in items if not isinstance(i, Eqn))
        if self.backend.device is Device.CPU:
            items = pair_cross_entropy(items, self.backend, facts)
        sch = build(g, items, facts, consts, self.backend, opts.persistent_outputs)
        if len(sch.steps) > opts.interpret_above:
            run, source = interpreter(sch, self._xp), None
        else:
            run, source = generate(sch, self._xp)
        plan = Plan(g, items, sch, run, source, stats)
        self.last_plan = plan
        return plan


def _fusion_backend(opts: CompileOptions, backend: ArrayBackend) -> Any:
    """The kernel generator for fused regions on this backend, or None (plain kernels)."""
    if not opts.fusion or backend.device is not Device.CPU:
        return None
    from . import codegen_numba

    return codegen_numba if codegen_numba.available() else None


__all__ = ["Executable", "Plan", "Var"]
