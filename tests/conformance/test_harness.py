"""The harness itself: every way a spelling can be wrong is caught, and classified as documented.

Each test runs real OpInfo samples through a deliberately broken (or deliberately correct)
torchlean spelling built from existing ops, so these keep working as the surface grows.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
from torchlean._core.errors import ArgumentError, ShapeError
from torchlean.frontend.frame import renamed

from . import harness
from .compare import compare
from .harness import FAIL, MISSING, NA, PASS, UNSUPPORTED, classify, problems, run_entry
from .report import report
from .table import METHOD, Entry, F, M, Variant


def _run(opinfo: str, variant: Variant, **entry: object) -> harness.VariantResult:
    return run_entry(Entry(opinfo, (variant,), **entry), variant)


def _statuses(r: harness.VariantResult) -> set[str]:
    return {s.status for s in r.samples}


def _nonempty(r: harness.VariantResult) -> list[harness.SampleResult]:
    """The samples whose input has elements (an empty one passes any elementwise spelling)."""
    sizes = [s.input.numel() for s in harness.samples_of(Entry(r.opinfo, ()))]
    out = [s for s in r.samples if sizes[s.index]]
    assert out
    return out


def test_a_correct_spelling_passes_every_check():
    r = _run("exp", M("exp"))
    assert _statuses(r) == {PASS} and r.n_samples == 3
    assert all({"forward", "vjp", "compiled", "jvp-fd"} <= set(s.checks) for s in r.samples)


def test_a_wrong_value_is_a_wrong_answer():
    r = _run("exp", Variant(METHOD, "exp", adapt=lambda f: lambda x: f(x) * (1 + 1e-6)))
    assert all(s.status == FAIL and not s.crash and s.reason.startswith("forward: max error")
               for s in _nonempty(r))
    assert problems(r, {}) and problems(r, {("exp", "x.exp"): "excused"})  # never excused


def test_rounding_within_the_tolerance_passes():
    r = _run("exp", Variant(METHOD, "exp", adapt=lambda f: lambda x: f(x) * (1 + 1e-12)))
    assert _statuses(r) == {PASS}


def test_a_wrong_shape_or_dtype_is_a_wrong_answer():
    r = _run("sum", Variant(METHOD, "sum", adapt=lambda f: lambda x, **kw: f(x, **kw).reshape(1, -1)))
    assert FAIL in _statuses(r) and any("shape" in s.reason for s in r.samples)
    r = _run("abs", Variant(METHOD, "abs", adapt=lambda f: lambda x: x > 0))
    assert _statuses(r) == {FAIL} and "dtype bool" in r.samples[0].reason


def test_a_wrong_gradient_is_a_wrong_answer():
    r = _run("exp", Variant(METHOD, "exp", adapt=lambda f: lambda x: f(x.detach())))
    assert all(s.status == FAIL and s.reason.startswith("vjp wrt tensor #0") and "forward" in s.checks
               for s in _nonempty(r))


def test_a_traced_disagreement_is_a_wrong_answer():
    def traced_differs(f):
        return lambda x: f(x) if isinstance(x, tl.TensorRef) else f(x) * 2.0

    r = _run("exp", Variant(METHOD, "exp", adapt=traced_differs))
    assert all(s.status == FAIL and s.reason.startswith("compiled output #0") and "vjp" in s.checks
               for s in _nonempty(r))


def test_a_wrong_jvp_is_caught_by_finite_differences(monkeypatch):
    jvp = tl.Session.jvp
    monkeypatch.setattr(tl.Session, "jvp", lambda self, out, t: jvp(self, out, t) * 1.01)
    r = _run("exp", M("exp"))
    assert all(s.status == FAIL and "finite differences" in s.reason for s in _nonempty(r))


def test_a_torchlean_error_is_unsupported_with_its_message():
    def refuse(f):
        def call(x):
            raise ArgumentError("exp: argument 'x': this sample is not supported")
        return call

    r = _run("exp", Variant(METHOD, "exp", adapt=refuse))
    assert _statuses(r) == {UNSUPPORTED}
    assert r.samples[0].reason == "forward: exp: argument 'x': this sample is not supported"
    assert problems(r, {}) == []


def test_python_errors_are_crashes_even_when_a_frame_converted_them():
    assert classify(ValueError("boom"), "forward") == (FAIL, "forward: raw ValueError: boom")
    inner = IndexError("list index out of range")
    converted = renamed("transpose", inner)
    converted.__cause__ = inner
    assert isinstance(converted, ArgumentError)
    status, reason = classify(converted, "forward")
    assert status == FAIL and "Python IndexError inside torchlean" in reason
    renamed("outer", converted)  # an enclosing composite's frame relabels it in place
    assert str(converted).startswith("outer: ") and classify(converted, "forward")[0] == FAIL
    assert classify(ShapeError("sum: bad"), "backward") == (UNSUPPORTED, "backward: sum: bad")


def test_a_raw_python_error_fails_the_variant_unless_it_is_a_known_crash():
    r = _run("exp", Variant(METHOD, "exp", adapt=lambda f: lambda x: f(x, 3)))
    assert _statuses(r) == {FAIL} and all(s.crash for s in r.samples)
    assert problems(r, {})
    assert problems(r, {("exp", "x.exp"): "being fixed"}) == []
    fixed = _run("exp", M("exp"))
    assert "no longer crashes" in problems(fixed, {("exp", "x.exp"): "being fixed"})[0]


def test_missing_spellings_and_missing_ops_behind_them(monkeypatch):
    r = _run("exp", F("no_such_function"))
    assert r.unresolved and r.missing and r.n_missing == 3 and r.samples == []
    r = _run("exp", Variant(METHOD, "exp", adapt=lambda f: lambda x: x.session.no_such_op(x)))
    assert _statuses(r) == {MISSING} and r.missing and r.missing_reason == "Session has no 'no_such_op'"
    monkeypatch.delenv("TORCHLEAN_CONFORMANCE_STRICT", raising=False)
    assert problems(r, {}) == []
    monkeypatch.setenv("TORCHLEAN_CONFORMANCE_STRICT", "1")
    assert problems(r, {}) == ["x.exp (exp): 3 samples missing: Session has no 'no_such_op'"]
    crash = _run("exp", Variant(METHOD, "exp", adapt=lambda f: lambda x: f(x, 3)))
    assert problems(crash, {("exp", "x.exp"): "being fixed"})  # strict excuses nothing


def test_operator_spellings_skip_samples_with_keywords():
    import operator

    from .table import O

    r = _run("add", O(operator.add, "__add__", "x + y"))
    assert r.count(NA) == 2 and r.count(PASS) == r.n_samples - 2


def _dropout(scale: bool):
    def drop(x, p=0.5, training=True, inplace=False):
        if not training or p == 0.0:
            return x * 1.0
        if p == 1.0:
            return x * 0.0
        keep = x.session.bernoulli_mask(1.0 - p, x.shape, x.dtype)
        return x * keep * (1.0 / (1.0 - p) if scale else 1.0)

    return Variant(METHOD, "exp", adapt=lambda f: drop)


def test_random_samples_are_checked_by_their_property():
    from .table import BY_NAME

    entry = BY_NAME["nn.functional.dropout"]
    good = run_entry(entry, _dropout(scale=True))
    assert _statuses(good) == {PASS}
    assert good.random_checked == sum(entry.random(harness._Args(_ctx(s))) for s in harness.samples_of(entry)) > 0
    bad = run_entry(entry, _dropout(scale=False))
    assert {s.reason for s in bad.samples if s.status == FAIL} == {"dropout: a kept entry is not x / (1 - p)"}


def _ctx(sample):
    template, leaves = harness.snapshot(sample)
    return harness.Context(None, None, template, leaves, np.random.default_rng(0), 0, 0)  # type: ignore[arg-type]


def test_the_report_lists_every_category(monkeypatch):
    monkeypatch.delenv("TORCHLEAN_CONFORMANCE_STRICT", raising=False)
    results = [_run("exp", M("exp")), _run("exp", F("no_such_function")),
               _run("log", Variant(METHOD, "log", adapt=lambda f: lambda x: f(x) + 1e-3))]
    text = report(results)
    assert "F.no_such_function (exp, 3)" in text
    assert "log [x.log] sample 0: forward: max error" in text
    assert "TOTAL: 2 variants present, 1 with missing samples; 6 samples judged: 4 pass, 0 unsupported" in text
    assert "2 fail (0 of them known crashes)" in text


def _where_static_mask(bake_ok: bool):
    """``torch.where`` over the session's where, refusing a mask that is a graph input (and,
    unless ``bake_ok``, any traced mask)."""

    def where(x, condition, other):
        ops = x.session
        traced_input = not isinstance(ops, tl.Session) and any(condition is v for v in ops.graph.inputs)
        if traced_input or (not bake_ok and not isinstance(ops, tl.Session)):
            raise ShapeError("where: the mask must be known when tracing")
        return ops.where(condition, x, other)

    return Variant(METHOD, "exp", adapt=lambda f: where)


def test_a_mask_that_must_be_static_is_traced_as_a_constant():
    r = _run("where", _where_static_mask(bake_ok=True))
    assert _statuses(r) == {PASS}
    assert all({"compiled", "compiled-consts"} <= set(s.checks) for s in r.samples)
    r = _run("where", _where_static_mask(bake_ok=False))
    assert _statuses(r) == {UNSUPPORTED}
    assert {s.reason for s in r.samples} == {"compile: where: the mask must be known when tracing"}


def test_named_tuple_results_need_their_field_names():
    assert compare((1, 2), _max_result(), "forward", 0, 0) == \
        "forward: result has no .values (PyTorch returns a named tuple)"
    named = _Named(1, 2)
    assert compare(named, _max_result(), "forward", 0, 0) is None


def _max_result():
    import torch

    return torch.return_types.max((1, 2))


class _Named(tuple):
    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])
