"""Run PyTorch's OpInfo samples through torchlean and classify every sample.

For each sample of an entry in ``table.py`` (``opinfo.sample_inputs('cpu', float64,
requires_grad=True)``) and each torchlean spelling of the op:

* every ``torch.Tensor`` in the sample (the input, the args, the kwargs, inside lists and
  tuples too) becomes ``s.input(t.detach().numpy(), requires_grad=t.requires_grad)`` of a fresh
  float64 eager session; every other value (ints, slices, strings, ``torch.float64``...) is
  passed as it is, so torchlean gets exactly the args and kwargs PyTorch's sample gives;
* **forward**: the structure, shape, dtype and value of the result against OpInfo's own op
  (``RTOL``/``ATOL``; integer and bool results exactly; NaN matches NaN);
* **VJP**: with a random normal cotangent per float output, the gradient of every input that
  requires one against ``torch.autograd.grad`` (same tolerances);
* on a subset (``subset``): the same forward and VJP traced once with ``tl.compile_out``
  (tensors become graph inputs, everything else is static), and the eager JVP along a random
  tangent against central finite differences of PyTorch's op (``FD_RTOL``/``FD_ATOL``; a sample
  where two step sizes disagree is non-smooth there and its JVP is not judged, but counted).

A sample is ``pass``; ``unsupported`` when torchlean raises a ``TorchLeanError`` of its own (the
message is the reason); or ``fail``: a wrong value, shape, dtype or structure, a raw Python
error, or a Python error that a public-op frame converted to ``ArgumentError`` (that is a
crash inside torchlean, not a deliberate refusal). A variant torchlean lacks is ``missing``.
Samples PyTorch itself rejects, and operator spellings of samples with keyword arguments
(``x + y`` cannot take ``alpha=``), are ``n/a``.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import torchlean as tl
from torchlean._core.errors import TorchLeanError
from torchlean._core.guard import _CONVERTED
from torchlean.compiled.config import compile_options
from torchlean.compiled.trace import GraphBuilder
from torchlean.frontend.tensor_methods import TensorMethods

from .compare import compare, compare_arrays, torch_dtype_name
from .table import BY_NAME, OPERATOR, Entry, Variant

_BINDERS = (tl.Session, GraphBuilder)
RTOL, ATOL = 1e-7, 1e-9  # float64 forward and VJP against PyTorch
FD_STEP, FD_RTOL, FD_ATOL = 1e-6, 1e-5, 1e-6  # central differences of PyTorch's op
SUBSET = 6  # samples per variant that are also compiled and JVP-checked
TARGET_UNSUPPORTED = 0.05  # the target: unsupported <= 5% of the judged samples


def strict() -> bool:
    """``TORCHLEAN_CONFORMANCE_STRICT=1``: missing spellings fail, known crashes are not excused,
    and the unsupported share must meet the target."""
    return os.environ.get("TORCHLEAN_CONFORMANCE_STRICT", "") not in ("", "0")


PASS, UNSUPPORTED, FAIL, NA, MISSING = "pass", "unsupported", "fail", "n/a", "missing"


# ----- results ---------------------------------------------------------------------------------
@dataclasses.dataclass
class SampleResult:
    index: int
    status: str
    reason: str = ""
    checks: list[str] = dataclasses.field(default_factory=list)  # what was compared
    crash: bool = False  # a failure by exception (not a wrong value, shape, dtype or structure)


@dataclasses.dataclass
class VariantResult:
    opinfo: str
    label: str
    unresolved: bool  # torchlean has no such function/method at all
    n_samples: int
    samples: list[SampleResult] = dataclasses.field(default_factory=list)
    fd_nonsmooth: int = 0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.samples)

    @property
    def n_missing(self) -> int:
        """Samples not run because the spelling, or the op behind it, does not exist yet."""
        return self.n_samples if self.unresolved else self.count(MISSING)

    @property
    def missing(self) -> bool:
        """Nothing of this variant could run (every sample is missing or n/a)."""
        return self.unresolved or all(r.status in (MISSING, NA) for r in self.samples)

    @property
    def missing_reason(self) -> str:
        return next((r.reason for r in self.samples if r.status == MISSING), "not defined")

    @property
    def random_checked(self) -> int:
        return sum("random" in r.checks for r in self.samples if r.status == PASS)

    @property
    def compiled_checked(self) -> int:
        return sum("compiled" in r.checks for r in self.samples)

    @property
    def fd_checked(self) -> int:
        return sum("jvp-fd" in r.checks for r in self.samples)

    def failures(self) -> list[SampleResult]:
        return [r for r in self.samples if r.status == FAIL]


RESULTS: dict[tuple[str, int], VariantResult] = {}  # in-process memo; nothing is kept on disk


# ----- the OpInfo database (imported lazily: it takes seconds) ---------------------------------
_DB: dict[str, Any] = {}


def opinfo(name: str) -> Any:
    if not _DB:
        from torch.testing._internal.common_methods_invocations import op_db

        for o in op_db:
            _DB[o.name + ("." + o.variant_test_name if o.variant_test_name else "")] = o
    return _DB[name]


def samples_of(entry: Entry) -> list[Any]:
    """OpInfo's samples for ``entry`` (float64 with gradients; bool/int64 where the table says),
    generated from a seed derived from the name, so every run sees the same numbers."""
    import torch

    info = opinfo(entry.opinfo)
    dtype = getattr(torch, entry.dtype)
    torch.manual_seed(zlib.crc32(entry.opinfo.encode()))
    return list(info.sample_inputs("cpu", dtype, requires_grad=dtype.is_floating_point))


# ----- structure: the sample's tensors as numbered slots ---------------------------------------
@dataclasses.dataclass
class Slot:
    index: int


@dataclasses.dataclass
class Leaf:
    array: np.ndarray
    requires_grad: bool


def snapshot(sample: Any) -> tuple[Any, list[Leaf]]:
    """``(input, args, kwargs)`` with every tensor replaced by a ``Slot``, and the tensors' values
    (copied before anything runs: some ops, e.g. batch norm, update their arguments in place)."""
    import torch

    leaves: list[Leaf] = []

    def walk(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            leaves.append(Leaf(v.detach().numpy().copy(), bool(v.requires_grad)))
            return Slot(len(leaves) - 1)
        if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
            return type(v)(walk(u) for u in v)
        if isinstance(v, dict):
            return {k: walk(u) for k, u in v.items()}
        return v

    return walk((sample.input, tuple(sample.args), dict(sample.kwargs))), leaves


def fill(template: Any, values: list[Any]) -> Any:
    def walk(v: Any) -> Any:
        if isinstance(v, Slot):
            return values[v.index]
        if isinstance(v, (list, tuple)):
            return type(v)(walk(u) for u in v)
        if isinstance(v, dict):
            return {k: walk(u) for k, u in v.items()}
        return v

    return walk(template)


def torch_tensors(leaves: list[Leaf], arrays: list[np.ndarray] | None = None, grad: bool = True) -> list[Any]:
    import torch

    out = []
    for i, leaf in enumerate(leaves):
        a = leaf.array if arrays is None else arrays[i]
        t = torch.from_numpy(np.array(a, copy=True))
        out.append(t.requires_grad_(True) if grad and leaf.requires_grad else t)
    return out


def flat(out: Any) -> list[Any]:
    """The leaves of a result (a tensor, a Python number, or tuples/lists of them)."""
    if isinstance(out, (list, tuple)):
        return [u for v in out for u in flat(v)]
    return [out]


# ----- classification of errors ----------------------------------------------------------------
def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:240]


def classify(e: BaseException, stage: str) -> tuple[str, str]:
    """(status, reason) for an exception torchlean raised at ``stage``.

    An ``AttributeError`` saying the binder (session or graph builder) has no such method is a
    spelling that exists (an operator, a forwarding method) over an op that does not yet:
    *missing*, like a spelling torchlean lacks."""
    cause = e.__cause__
    for err in (e, cause):
        if isinstance(err, AttributeError) and isinstance(getattr(err, "obj", None), _BINDERS):
            return MISSING, f"{type(err.obj).__name__} has no {err.name!r}"
    # the frame's conversion: ``raise ArgumentError(f"{op}: {text} ({type(e).__name__})") from e``
    # (an outer frame may append "(in inner_op)" to the message)
    converted = (isinstance(e, TorchLeanError) and isinstance(cause, _CONVERTED)
                 and not isinstance(cause, TorchLeanError) and f"({type(cause).__name__})" in str(e))
    if isinstance(e, TorchLeanError) and not converted:
        return UNSUPPORTED, f"{stage}: {_first_line(e)}"
    if converted:
        return FAIL, f"{stage}: Python {type(cause).__name__} inside torchlean: {_first_line(e)}"
    return FAIL, f"{stage}: raw {type(e).__name__}: {_first_line(e)}"


class OutcomeError(Exception):
    """Ends one sample with a status (raised inside the checks, caught by ``run_sample``)."""

    def __init__(self, status: str, reason: str, crash: bool = False) -> None:
        super().__init__(reason)
        self.status, self.reason, self.crash = status, reason, crash


def guarded(stage: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except OutcomeError:
        raise
    except Exception as e:
        status, reason = classify(e, stage)
        raise OutcomeError(status, reason, crash=status == FAIL) from e


# ----- one sample ------------------------------------------------------------------------------
@dataclasses.dataclass
class Context:
    entry: Entry
    call: Callable[..., Any]
    template: Any
    leaves: list[Leaf]
    rng: np.random.Generator
    rtol: float
    atol: float
    torch_op: Callable[..., Any] | None = None  # PyTorch's side when the entry wraps both (Entry.wrappers)


def _opinfo_wrapped(entry: Entry, sample: Any, call: Callable[..., Any]
                    ) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(torchlean call, PyTorch op), both under the OpInfo entry's own ``gradcheck_wrapper`` and the
    sample's ``output_process_fn_grad`` (``Entry.wrappers``), as OpInfo's gradcheck tests use them."""
    info = opinfo(entry.opinfo)
    wrap, post = info.gradcheck_wrapper, sample.output_process_fn_grad
    ours = lambda binder, *a, **k: post(wrap(lambda *b, **kb: call(binder, *b, **kb), *a, **k))
    return ours, lambda *a, **k: post(wrap(info.op, *a, **k))


def _torch_run(ctx: Context, arrays: list[np.ndarray] | None = None, grad: bool = True) -> tuple[Any, list[Any]]:
    info = opinfo(ctx.entry.opinfo)
    tensors = torch_tensors(ctx.leaves, arrays, grad)
    inp, args, kwargs = fill(ctx.template, tensors)
    import torch

    # torchlean's default float dtype is the session's (float64 here), torch's is its default
    # dtype: compare like with like (constructors without dtype=, int -> float promotions).
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with warnings.catch_warnings():  # PyTorch's own deprecation notes about its samples
            warnings.simplefilter("ignore")
            return (ctx.torch_op or info.op)(inp, *args, **kwargs), tensors
    finally:
        torch.set_default_dtype(prev)


def _eager_run(ctx: Context) -> tuple[Any, list[Any], Any]:
    s = tl.Session(dtype=np.float64)
    refs = [s.input(leaf.array, requires_grad=leaf.requires_grad) for leaf in ctx.leaves]
    inp, args, kwargs = fill(ctx.template, refs)
    return s, refs, ctx.call(s, inp, *args, **kwargs)


def _grad_outputs(want: Any) -> list[int]:
    """Positions (in ``flat``) of PyTorch's outputs that carry a gradient."""
    import torch

    return [k for k, w in enumerate(flat(want)) if isinstance(w, torch.Tensor) and w.requires_grad]


def run_sample(ctx: Context, index: int, in_subset: bool, result: VariantResult) -> SampleResult:
    import torch

    try:
        want, tensors = _torch_run(ctx)
    except Exception as e:
        return SampleResult(index, NA, f"PyTorch raises {type(e).__name__}: {_first_line(e)}")
    res = SampleResult(index, PASS)
    try:
        s, refs, got = guarded("forward", lambda: _eager_run(ctx))
        random = ctx.entry.random is not None and ctx.entry.random(_Args(ctx))
        if random:
            _check_random(ctx, s, refs, got, want, res)
            return res
        bad = compare(got, want, "forward", ctx.rtol, ctx.atol)
        if bad:
            raise OutcomeError(FAIL, bad)
        res.checks.append("forward")
        outs = _grad_outputs(want)
        diff = [i for i, leaf in enumerate(ctx.leaves) if leaf.requires_grad]
        cots = [ctx.rng.standard_normal(tuple(flat(want)[k].shape)).astype(flat(want)[k].detach().numpy().dtype)
                for k in outs]  # in each output's dtype (float32 after x.float())
        wgrads: list[np.ndarray] = []
        if outs and diff:
            try:
                gw = torch.autograd.grad([flat(want)[k] for k in outs], [tensors[i] for i in diff],
                                         [torch.from_numpy(c) for c in cots], allow_unused=True)
            except RuntimeError:  # PyTorch has no derivative here (floor_divide): nothing to compare
                outs = []
        if outs and diff:
            wgrads = [np.zeros(ctx.leaves[i].array.shape) if g is None else g.numpy() for g, i in zip(gw, diff)]
            ggrads = guarded("backward", lambda: _eager_vjp(s, refs, got, outs, cots, diff))
            for i, g, w in zip(diff, ggrads, wgrads):
                bad = compare_arrays(g, w, f"vjp wrt tensor #{i}", ctx.rtol, ctx.atol)
                if bad:
                    raise OutcomeError(FAIL, bad)
            res.checks.append("vjp")
        if in_subset:
            fd_outs = [k for k in outs if flat(want)[k].dtype == torch.float64]  # FD needs float64
            if fd_outs and diff:
                _check_jvp_fd(ctx, s, refs, got, want, fd_outs, diff, res, result)
            _check_compiled(ctx, refs, want, outs, cots, diff, wgrads, res)
    except OutcomeError as o:
        res.status, res.reason, res.crash = o.status, o.reason, o.crash
    return res


class _Args:
    """The sample's args/kwargs for the table's ``random`` predicates."""

    def __init__(self, ctx: Context) -> None:
        _, self.args, self.kwargs = ctx.template


def _eager_vjp(s: Any, refs: list[Any], got: Any, outs: list[int], cots: list[np.ndarray],
               diff: list[int]) -> list[np.ndarray]:
    total = [np.zeros(refs[i].shape) for i in diff]
    gots = flat(got)
    for k, c in zip(outs, cots):
        o = gots[k]
        if not o.requires_grad:
            continue  # torchlean says no gradient flows; the comparison judges that
        grads = s.backward(o, c)
        for j, i in enumerate(diff):
            g = grads.get(refs[i])
            if g is not None:
                total[j] = total[j] + np.asarray(s.backend.to_host(g))
    return total


def _check_jvp_fd(ctx: Context, s: Any, refs: list[Any], got: Any, want: Any, outs: list[int],
                  diff: list[int], res: SampleResult, result: VariantResult) -> None:
    import torch

    tangents = {i: ctx.rng.standard_normal(ctx.leaves[i].array.shape) for i in diff if i not in ctx.entry.fixed}
    if not tangents:
        return

    def fd(h: float) -> list[np.ndarray]:
        def at(sign: float) -> list[Any]:
            arrays = [leaf.array + sign * h * tangents[i] if i in tangents else leaf.array
                      for i, leaf in enumerate(ctx.leaves)]
            with torch.no_grad():
                out, _ = _torch_run(ctx, arrays, grad=False)
            return [flat(out)[k].detach().numpy() for k in outs]

        plus, minus = at(1.0), at(-1.0)
        return [(p - m) / (2 * h) for p, m in zip(plus, minus)]

    d1, d2 = fd(FD_STEP), fd(2 * FD_STEP)
    if any(not np.allclose(a, b, rtol=FD_RTOL, atol=FD_ATOL, equal_nan=True) for a, b in zip(d1, d2)):
        result.fd_nonsmooth += 1
        return
    gots = flat(got)
    tmap = {refs[i]: tangents[i] for i in diff if i in tangents}
    for k, want_t in zip(outs, d1):
        o = gots[k]
        if not o.requires_grad:  # torchlean says no derivative: its JVP is zero
            jv = np.zeros(want_t.shape)
        else:
            jv = guarded("jvp", lambda o=o: np.asarray(s.backend.to_host(s.jvp(o, tmap))))
        bad = compare_arrays(jv, want_t, f"jvp of output #{k} vs finite differences", FD_RTOL, FD_ATOL)
        if bad:
            raise OutcomeError(FAIL, bad)
    res.checks.append("jvp-fd")


def _check_compiled(ctx: Context, refs: list[Any], want: Any, outs: list[int], cots: list[np.ndarray],
                    diff: list[int], wgrads: list[np.ndarray], res: SampleResult) -> None:
    """Trace the same call with ``tl.compile_out`` (one graph per tensor output) and compare
    its forward and VJP with PyTorch's. Every tensor is a graph input; if torchlean cannot
    trace that (a bool mask whose result shape depends on its values), the integer and bool
    tensors are baked in as constants and that is what gets judged."""
    import torch

    if not all(isinstance(w, torch.Tensor) for w in flat(want)):
        return  # Python numbers (item()) have no traced form
    try:
        _compiled(ctx, refs, want, outs, cots, diff, wgrads, consts=False)
        res.checks.append("compiled")
    except OutcomeError as first:
        if first.status != UNSUPPORTED or all(r.dtype.kind == "f" for r in refs):
            raise
        try:
            _compiled(ctx, refs, want, outs, cots, diff, wgrads, consts=True)
        except OutcomeError as second:
            raise (second if second.status == FAIL else first) from None
        res.checks += ["compiled", "compiled-consts"]


def _compiled(ctx: Context, refs: list[Any], want: Any, outs: list[int], cots: list[np.ndarray],
              diff: list[int], wgrads: list[np.ndarray], consts: bool) -> None:
    with compile_options(eager_calls=0):  # the lowered graph, even for a very large one (eager_tier)
        _compiled_lowered(ctx, refs, want, outs, cots, diff, wgrads, consts)


def _compiled_lowered(ctx: Context, refs: list[Any], want: Any, outs: list[int], cots: list[np.ndarray],
                      diff: list[int], wgrads: list[np.ndarray], consts: bool) -> None:
    wants = flat(want)
    arrays = [np.asarray(r.numpy()) for r in refs]
    inputs = [i for i, r in enumerate(refs) if not (consts and r.dtype.kind != "f")]
    types = [(tuple(refs[i].shape), refs[i].dtype) for i in inputs]
    wrt = [ctx.leaves[i].requires_grad for i in inputs]
    acc = [np.zeros(ctx.leaves[i].array.shape) for i in diff]
    for k in range(len(wants)):
        def fn(ops: Any, *vals: Any, k: int = k) -> Any:
            values = [v if v.dtype.kind == "f" or not consts else ops.const(v, v.dtype) for v in arrays]
            for i, v in zip(inputs, vals):
                values[i] = v
            inp, args, kwargs = fill(ctx.template, values)
            return flat(ctx.call(ops, inp, *args, **kwargs))[k]

        cf = guarded("compile", lambda fn=fn: tl.compile_out(fn, types, tl.Options(dtype=np.float64), wrt=wrt))
        value = guarded("compiled forward", lambda cf=cf: cf(*[arrays[i] for i in inputs]))
        w = wants[k].detach().numpy()
        if tuple(cf.output_type.shape) != w.shape or cf.output_type.dtype.name != torch_dtype_name(wants[k]):
            raise OutcomeError(FAIL, f"compiled output #{k}: {cf.output_type}, PyTorch {tuple(w.shape)} "
                                     f"{torch_dtype_name(wants[k])}")
        bad = compare_arrays(np.asarray(value), w, f"compiled output #{k}", ctx.rtol, ctx.atol)
        if bad:
            raise OutcomeError(FAIL, bad)
        if k in outs and cf.output_type.dtype.kind == "f":
            c = cots[outs.index(k)]
            grads = guarded("compiled vjp", lambda cf=cf, c=c: cf.vjp_with_seed([arrays[i] for i in inputs], c))
            for j, i in enumerate(diff):
                g = grads[inputs.index(i)]
                if g is not None:
                    acc[j] = acc[j] + np.asarray(g)
    if outs and diff:
        for j, (i, w) in enumerate(zip(diff, wgrads)):
            bad = compare_arrays(acc[j], w, f"compiled vjp wrt tensor #{i}", ctx.rtol, ctx.atol)
            if bad:
                raise OutcomeError(FAIL, bad)


def _check_random(ctx: Context, s: Any, refs: list[Any], got: Any, want: Any, res: SampleResult) -> None:
    """A random sample: the structure, shapes and dtypes match PyTorch's, and the table's
    property holds (dropout: each output is 0 or x/(1-p), and its VJP is cot * out/x)."""
    import torch

    wants, gots = flat(want), flat(got)
    if len(wants) != len(gots):
        raise OutcomeError(FAIL, f"random forward: {len(gots)} outputs, PyTorch {len(wants)}")
    for k, (g, w) in enumerate(zip(gots, wants)):
        if isinstance(w, torch.Tensor):
            if not isinstance(g, TensorMethods):
                raise OutcomeError(FAIL, f"random forward[{k}]: expected a tensor, got {type(g).__name__}")
            if tuple(g.shape) != tuple(w.shape) or g.dtype.name != torch_dtype_name(w):
                raise OutcomeError(FAIL, f"random forward[{k}]: {tuple(g.shape)} {g.dtype.name}, PyTorch "
                                    f"{tuple(w.shape)} {torch_dtype_name(w)}")
    res.checks.append("random")
    if ctx.entry.prop == "dropout":
        _dropout_property(ctx, s, refs, gots[0])


def _dropout_property(ctx: Context, s: Any, refs: list[Any], out: Any) -> None:
    _, args, kwargs = ctx.template
    p = kwargs.get("p", args[0] if args else 0.5)
    x = ctx.leaves[0].array
    y = np.asarray(out.numpy())
    kept = y != 0
    if not np.allclose(y[kept], x[kept] / (1 - p), rtol=ctx.rtol, atol=ctx.atol):
        raise OutcomeError(FAIL, "dropout: a kept entry is not x / (1 - p)")
    if ctx.leaves[0].requires_grad:
        c = ctx.rng.standard_normal(y.shape)
        g = guarded("backward", lambda: _eager_vjp(s, refs, out, [0], [c], [0])[0])
        if not np.allclose(g, np.where(kept, c / (1 - p), 0.0), rtol=ctx.rtol, atol=ctx.atol):
            raise OutcomeError(FAIL, "dropout: the VJP is not cot * mask / (1 - p)")


# ----- one variant -----------------------------------------------------------------------------
def subset(n: int, k: int = SUBSET) -> set[int]:
    """``k`` sample indices spread evenly over ``n`` (all of them if ``n <= k``)."""
    if n <= k:
        return set(range(n))
    return {round(i * (n - 1) / (k - 1)) for i in range(k)}


def run_variant(name: str, vi: int) -> VariantResult:
    """All samples of variant ``vi`` of OpInfo entry ``name`` (memoised for this process)."""
    key = (name, vi)
    if key not in RESULTS:
        entry = BY_NAME[name]
        RESULTS[key] = run_entry(entry, entry.variants[vi], seed=f"{name}/{vi}")
    return RESULTS[key]


def run_entry(entry: Entry, variant: Variant, seed: str = "") -> VariantResult:
    """All samples of ``entry`` through one torchlean spelling."""
    name = entry.opinfo
    samples = samples_of(entry)
    call = variant.resolve(tl.Session, tl.TensorRef)
    result = VariantResult(name, variant.label, call is None, len(samples))
    if call is not None:
        rng = np.random.default_rng(zlib.crc32((seed or name).encode()))
        chosen = subset(len(samples))
        rtol = RTOL if entry.rtol is None else entry.rtol
        atol = ATOL if entry.atol is None else entry.atol
        for i, sample in enumerate(samples):
            if variant.kind == OPERATOR and sample.kwargs:
                result.samples.append(SampleResult(i, NA, "an operator takes no keyword arguments"))
                continue
            template, leaves = snapshot(sample)
            ctx = Context(entry, call, template, leaves, rng, rtol, atol)
            if entry.wrappers:
                ctx.call, ctx.torch_op = _opinfo_wrapped(entry, sample, call)
            result.samples.append(run_sample(ctx, i, i in chosen, result))
    return result


def iter_results() -> Iterator[VariantResult]:
    return iter(RESULTS.values())


def problems(r: VariantResult, known: dict[tuple[str, str], str]) -> list[str]:
    """Why variant result ``r`` fails its test (empty: it passes). Wrong answers always fail;
    crashes fail unless ``known`` lists the variant (which must then still crash); missing
    samples fail only in strict mode."""
    out = []
    if strict() and r.n_missing:
        out.append(f"{r.label} ({r.opinfo}): {r.n_missing} samples missing: {r.missing_reason}")
    fails = r.failures()
    wrong = [f for f in fails if not f.crash]
    out += [f"{r.label} ({r.opinfo}) sample {f.index}: {f.reason}" for f in wrong[:10]]
    if not strict() and (r.opinfo, r.label) in known:
        if not fails:
            out.append(f"{r.label} ({r.opinfo}) no longer crashes: delete its KNOWN_CRASHES line in "
                       "tests/conformance/table.py")
        return out
    out += [f"{r.label} ({r.opinfo}) sample {f.index}: {f.reason}" for f in fails if f.crash][:10]
    return out
