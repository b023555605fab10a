"""PyTorch's own OpInfo samples through torchlean: forward, VJP, compiled and JVP (issue 9.6).

One test per (OpInfo entry, torchlean spelling) of ``table.py``: it fails on any wrong answer or
crash (``harness.problems``); a spelling torchlean does not have yet passes as *missing* (listed
in the report) unless ``TORCHLEAN_CONFORMANCE_STRICT=1``. ``test_totals`` runs every variant
(each runs once per process) and checks the overall numbers; the report is printed at the end
of the run (``conftest.py``) and written to ``tests/conformance/last-report.txt``.
"""

from __future__ import annotations

import pytest

from .harness import FAIL, PASS, TARGET_UNSUPPORTED, UNSUPPORTED, problems, run_variant, strict
from .table import BY_NAME, KNOWN_CRASHES, cases


@pytest.mark.parametrize("name,vi", cases(), ids=[f"{n}-{i}" for n, i in cases()])
def test_opinfo_samples(name, vi):
    bad = problems(run_variant(name, vi), KNOWN_CRASHES)
    assert not bad, "\n".join(bad)


def test_known_crashes_name_variants_of_the_table():
    labels = {(e.opinfo, v.label) for e in BY_NAME.values() for v in e.variants}
    assert set(KNOWN_CRASHES) <= labels


def test_totals():
    results = [run_variant(n, i) for n, i in cases()]
    assert [p for r in results for p in problems(r, KNOWN_CRASHES)] == []
    present = [r for r in results if not r.missing]
    assert not [f for r in present for f in r.failures() if not f.crash]  # never a wrong answer
    if strict():
        judged = sum(r.count(PASS) + r.count(UNSUPPORTED) + r.count(FAIL) for r in present)
        unsup = sum(r.count(UNSUPPORTED) for r in present)
        assert unsup <= TARGET_UNSUPPORTED * judged, f"{unsup} of {judged} samples unsupported"
