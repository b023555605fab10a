"""Two ways to run a ``Schedule``: generated straight-line Python, or an interpreter.

Both read the same schedule and the same fixed arrays. Generated code is the faster per step
(each kernel call is one line with literal params) but costs about 20 us per step to generate
and compile, so schedules longer than ``CompileOptions.interpret_above`` run on the
interpreter, whose set-up cost is a few microseconds per step: the first call then costs a
small multiple of a later one, however large the graph.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import partial
from typing import Any

from ..ops.elementwise import UFUNC_FORMS as _ELEMENTWISE_FORMS
from .facts import inverse
from .plan import FRESH, RUNTIME, Schedule

# Out-variants that are one array-library call ``xp.<name>(operands..., out=out)``.
UFUNC_FORMS = {**_ELEMENTWISE_FORMS, "matmul": ("matmul", ("a", "b"))}


def _literal(v: Any) -> bool:
    try:
        back = ast.literal_eval(repr(v))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False
    return back == v and type(back) is type(v)


def _alloc_expr(sch: Schedule, slot: int, env: dict[str, Any]) -> str:
    shape, dtype, perm = sch.layout[slot]
    env[f"d{slot}"] = dtype
    if perm is None or perm == tuple(range(len(shape))):
        return f"_empty({shape!r}, d{slot})"
    pshape = tuple(shape[a] for a in perm)
    return f"_empty({pshape!r}, d{slot}).transpose({inverse(perm)!r})"


def _dead_after(sch: Schedule) -> dict[int, list[int]]:
    """Runtime slots to drop after each step (their last read)."""
    out: dict[int, list[int]] = {}
    returned = set(sch.output_slots)
    for s, k in sch.last_read.items():
        if sch.kind[s] == RUNTIME and s not in returned:
            out.setdefault(k, []).append(s)
    return out


def generate(sch: Schedule, xp: Any) -> tuple[Callable[..., list[Any]], str]:
    """Straight-line Python for the schedule: ``(run, source)``."""
    env: dict[str, Any] = {"_empty": xp.empty, "xp": xp}
    for s, a in sch.static.items():
        env[f"x{s}"] = a
    args = [f"x{s}" for s in sch.input_slots]
    lines = [f"def run({', '.join(args)}):"]
    dead = _dead_after(sch)
    step_at: dict[int, int] = {}  # line number -> the step it calls (failed_step)
    for k, st in enumerate(sch.steps):
        env[f"f{k}"] = st.fn
        fast = _direct_call(st, xp, env, k)
        params = []
        for p, value in st.params.items():
            if _literal(value):
                params.append(f"{p}={value!r}")
            else:
                env[f"p{k}_{p}"] = value
                params.append(f"{p}=p{k}_{p}")
        for s in st.fresh:
            lines.append(f"    x{s} = {_alloc_expr(sch, s, env)}")
        ins = [f"x{s}" for s in st.ins]
        if fast is not None:
            lines.append(fast)
        elif st.op == "out":
            call = ", ".join([f"x{st.outs[0]}", *ins, *params])
            lines.append(f"    f{k}({call})")
        elif st.op == "fused":
            lines.append(f"    f{k}({', '.join(f'x{s}' for s in st.call_args())})")
        else:  # call, view, copy
            lines.append(f"    x{st.outs[0]} = f{k}({', '.join(ins + params)})")
        step_at[len(lines)] = k
        if k in dead:
            lines.append(f"    del {', '.join(f'x{s}' for s in sorted(dead[k]))}")
    lines.append(f"    return [{', '.join(f'x{s}' for s in sch.output_slots)}]")
    source = "\n".join(lines)
    exec(compile(source, f"<torchlean schedule {id(sch):x}>", "exec"), env)
    run = env["run"]
    code = run.__code__

    def failed_step(e: BaseException) -> int | None:
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is code:
                return step_at.get(tb.tb_lineno)
            tb = tb.tb_next
        return None

    run.failed_step = failed_step  # type: ignore[attr-defined]
    return run, source


def _direct_call(st: Any, xp: Any, env: dict[str, Any], k: int) -> str | None:
    """One line calling the kernel without its Python wrapper where that is the same call:
    a single-ufunc out-variant becomes ``xp.ufunc(operands, out)``; a portable kernel gets
    ``xp`` passed positionally instead of through a ``partial``."""
    if st.prim is None or not isinstance(st.fn, partial) or st.fn.args != (xp,) or st.fn.keywords:
        return None
    ins = [f"x{s}" for s in st.ins]
    if st.op == "out" and st.fn.func is st.prim.impl_out:
        form = UFUNC_FORMS.get(st.prim.name)
        if form is not None and hasattr(xp, form[0]):
            env[f"u{k}"] = getattr(xp, form[0])
            names = iter(ins)
            ops = [next(names) if o in ("a", "b") else repr(st.params[o]) if isinstance(o, str) else repr(o)
                   for o in form[1]]
            if all(_literal(st.params[o]) for o in form[1] if isinstance(o, str) and o not in ("a", "b")):
                return f"    u{k}({', '.join(ops)}, out=x{st.outs[0]})"
        if not all(_literal(v) for v in st.params.values()):
            return None
        env[f"f{k}"] = st.fn.func
        params = [f"{p}={v!r}" for p, v in st.params.items()]
        return f"    f{k}(xp, {', '.join([f'x{st.outs[0]}', *ins, *params])})"
    if st.op in ("call", "view") and st.fn.func is st.prim.impl and all(_literal(v) for v in st.params.values()):
        env[f"f{k}"] = st.fn.func
        params = [f"{p}={v!r}" for p, v in st.params.items()]
        return f"    x{st.outs[0]} = f{k}(xp, {', '.join([*ins, *params])})"
    return None


# Interpreter op codes: the common shapes of a step get a dedicated branch each.
_UF1, _UF2, _UF1S, _UFS1, _OUT1, _OUT2, _OUTN, _CALL1, _CALLN, _FUSED, _ALLOC, _DROP = range(12)
_KEYWORD_OUT = frozenset({"maximum", "minimum"})  # NumPy deprecates their positional out


def _ufunc_step(st: Any, xp: Any) -> tuple[Any, ...] | None:
    """(code, ufunc, a, b-or-scalar, out) for a single-ufunc out-variant step, else None."""
    if st.prim is None or not isinstance(st.fn, partial) or st.fn.args != (xp,) or st.fn.func is not st.prim.impl_out:
        return None
    form = UFUNC_FORMS.get(st.prim.name)
    if form is None:
        return None
    ufunc = _ufuncs.get((xp, form[0]))
    if ufunc is None:
        ufunc = getattr(xp, form[0], None)
        if ufunc is None:
            return None
        if form[0] in _KEYWORD_OUT:
            ufunc = partial(_keyword_out, ufunc)
        _ufuncs[(xp, form[0])] = ufunc
    ops = form[1]
    o = st.outs[0]
    if ops == ("a",):
        return (_UF1, ufunc, st.ins[0], None, o)
    if ops == ("a", "b"):
        return (_UF2, ufunc, st.ins[0], st.ins[1], o)
    scalar = next(st.params[x] if isinstance(x, str) else x for x in ops if x not in ("a", "b"))
    return (_UF1S if ops[0] == "a" else _UFS1, ufunc, st.ins[0], scalar, o)


_ufuncs: dict[tuple[Any, str], Any] = {}


def _keyword_out(ufunc: Any, a: Any, b: Any, out: Any) -> Any:
    return ufunc(a, b, out=out)


def interpreter(sch: Schedule, xp: Any) -> Callable[..., list[Any]]:
    """A loop over the schedule's steps (no code generation): about a microsecond of set-up
    per step, and a few hundred nanoseconds of dispatch per step and call."""
    base: list[Any] = [None] * len(sch.kind)
    for s, a in sch.static.items():
        base[s] = a
    empty = xp.empty
    dead = _dead_after(sch)
    prog: list[tuple[Any, ...]] = []
    step_of: dict[int, int] = {}  # id of a program entry -> the step it runs (failed_step)
    for k, st in enumerate(sch.steps):
        for s in st.fresh:
            shape, dtype, inv = _alloc_args(sch, s)
            prog.append((_ALLOC, None, s, shape, (dtype, inv)))
        uf = _ufunc_step(st, xp)
        if uf is not None:
            prog.append(uf)
        else:
            fn = partial(st.fn, **st.params) if st.params else st.fn
            ins, o = st.ins, st.outs[0]
            if st.op == "fused":
                prog.append((_FUSED, fn, st.call_args(), None, None))
            elif st.op == "out":
                code = _OUT1 if len(ins) == 1 else (_OUT2 if len(ins) == 2 else _OUTN)
                prog.append((code, fn, ins[0] if len(ins) == 1 else (ins if len(ins) > 2 else ins[0]),
                             ins[1] if len(ins) == 2 else None, o))
            else:
                prog.append((_CALL1, fn, ins[0], None, o) if len(ins) == 1 else (_CALLN, fn, ins, None, o))
        step_of[id(prog[-1])] = k
        if k in dead:
            prog.append((_DROP, None, tuple(dead[k]), None, None))
    inputs = sch.input_slots
    failed: list[int | None] = [None]  # the step the latest failed call stopped at
    outputs = sch.output_slots

    def run(*args: Any) -> list[Any]:
        e = base.copy()
        for s, a in zip(inputs, args):
            e[s] = a
        entry = None
        try:
            for entry in prog:
                code, fn, a, b, o = entry
                if code == _UF2:
                    fn(e[a], e[b], e[o])
                elif code == _UF1:
                    fn(e[a], e[o])
                elif code == _UF1S:
                    fn(e[a], b, e[o])
                elif code == _OUT1:
                    fn(e[o], e[a])
                elif code == _OUT2:
                    fn(e[o], e[a], e[b])
                elif code == _CALL1:
                    e[o] = fn(e[a])
                elif code == _FUSED:
                    fn(*[e[i] for i in a])
                elif code == _ALLOC:
                    shape, dtype, inv = b, o[0], o[1]
                    x = empty(shape, dtype)
                    e[a] = x if inv is None else x.transpose(inv)
                elif code == _UFS1:
                    fn(b, e[a], e[o])
                elif code == _CALLN:
                    e[o] = fn(*[e[i] for i in a])
                elif code == _OUTN:
                    fn(e[o], *[e[i] for i in a])
                else:  # _DROP
                    for s in a:
                        e[s] = None
        except BaseException:
            failed[0] = step_of.get(id(entry))
            raise
        return [e[s] for s in outputs]

    run.failed_step = lambda e: failed[0]  # type: ignore[attr-defined]
    return run


def _alloc_args(sch: Schedule, slot: int) -> tuple[Any, Any, Any]:
    shape, dtype, perm = sch.layout[slot]
    if perm is None or perm == tuple(range(len(shape))):
        return shape, dtype, None
    return tuple(shape[a] for a in perm), dtype, inverse(perm)


__all__ = ["FRESH", "generate", "interpreter"]
