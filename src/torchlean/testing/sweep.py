"""Run an op spec on a binder and collect what the sweeps compare.

Used by the test suite (eager and compiled sweeps) and usable for your own ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..eager.session import Session
from .opspec import OpSpec, Sample


def eager_run(spec: OpSpec, sample: Sample, dtype: Any = np.float64,
              args: tuple[Any, ...] | None = None, **options: Any) -> tuple[Session, list[Any], Any]:
    """Run ``spec`` on a fresh eager session; float args require grad unless nondiff."""
    s = Session(dtype=dtype, **options)
    diff = set(spec.diff_positions(sample))
    refs = []
    for i, a in enumerate(sample.args if args is None else args):
        if isinstance(a, np.generic):
            a = np.asarray(a)
        if isinstance(a, np.ndarray):
            if a.dtype.kind == "f":
                refs.append(s.input(a.astype(dtype), requires_grad=i in diff))
            else:
                refs.append(s.input(a))
        else:
            refs.append(a)
    out = spec.apply(s, *refs, **sample.kwargs)
    return s, refs, out


def eager_value(spec: OpSpec, sample: Sample, args: tuple[Any, ...] | None = None,
                dtype: Any = np.float64) -> np.ndarray:
    s, _, out = eager_run(spec, sample, dtype, args)
    return s.value(out)


def eager_vjp(spec: OpSpec, sample: Sample, cot: np.ndarray) -> list[np.ndarray]:
    """Cotangents of the differentiable args for output cotangent ``cot``."""
    s, refs, out = eager_run(spec, sample)
    grads = s.backward(out, cot)
    return [np.asarray(s.backend.to_host(grads[refs[i]])) for i in spec.diff_positions(sample)]


def eager_jvp(spec: OpSpec, sample: Sample, tangents: list[np.ndarray]) -> np.ndarray:
    """Output tangent for tangents of the differentiable args."""
    s, refs, out = eager_run(spec, sample)
    pos = spec.diff_positions(sample)
    tangent = s.jvp(out, {refs[i]: t for i, t in zip(pos, tangents)})
    return np.asarray(s.backend.to_host(tangent))


def with_diff_args(spec: OpSpec, sample: Sample, diff_values: list[np.ndarray]) -> tuple[Any, ...]:
    """The sample's args with the differentiable ones replaced."""
    args = list(sample.args)
    for i, v in zip(spec.diff_positions(sample), diff_values):
        args[i] = v
    return tuple(args)


def torch_reference(spec: OpSpec, sample: Sample, cot: np.ndarray | None = None
                    ) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Forward value and (for ``cot``) VJP of the torch reference, float64 on the CPU."""
    import torch

    pos = spec.diff_positions(sample)
    targs = []
    for i, a in enumerate(sample.args):
        if isinstance(a, np.ndarray):
            ta = torch.tensor(a)
            if i in pos:
                ta.requires_grad_(True)
            targs.append(ta)
        else:
            targs.append(a)
    out = spec.torch(torch, *targs, **sample.kwargs)
    value = out.detach().numpy()
    if cot is None:
        return value, None
    inputs = [targs[i] for i in pos]
    if not out.requires_grad:
        return value, [np.zeros_like(sample.args[i]) for i in pos]
    grads = torch.autograd.grad(out, inputs, torch.tensor(cot), allow_unused=True)
    return value, [np.zeros(sample.args[i].shape) if g is None else g.numpy()
                   for g, i in zip(grads, pos)]


def compiled_run(spec: OpSpec, sample: Sample, dtype: Any = np.float64) -> tuple[Any, list[Any]]:
    """Compile ``spec`` on ``sample``'s array args (static kwargs baked in): (CompiledOut, args)."""
    from ..compiled.api import compile_out
    from ..options import Options

    arrays = [np.asarray(a) for a in sample.args]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    fn = lambda ops, *refs: spec.apply(ops, *refs, **sample.kwargs)
    return compile_out(fn, arrays, Options(dtype=dtype)), arrays


def compiled_tangent_args(spec: OpSpec, sample: Sample, tangents: list[np.ndarray]) -> list[Any]:
    """Tangents for every float input of the compiled function (zeros for nondiff ones)."""
    pos = spec.diff_positions(sample)
    out, it = [], iter(tangents)
    for i, a in enumerate(sample.args):
        a = np.asarray(a)
        if a.dtype.kind == "f":
            out.append(next(it) if i in pos else np.zeros(a.shape))
    return out
