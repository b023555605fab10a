"""The conformance report: per-variant counts, missing spellings, unsupported reasons, failures
and totals (printed at the end of a run by ``conftest.py``)."""

from __future__ import annotations

from collections import Counter

from .harness import (
    ATOL,
    FAIL,
    FD_ATOL,
    FD_RTOL,
    FD_STEP,
    NA,
    PASS,
    RTOL,
    SUBSET,
    TARGET_UNSUPPORTED,
    UNSUPPORTED,
    VariantResult,
    strict,
)


def report(results: list[VariantResult], known: dict[tuple[str, str], str] | None = None) -> str:
    import torch

    known = known or {}
    lines = [f"OpInfo conformance: torch {torch.__version__} CPU op_db, float64 samples "
             f"(bool/int64 where the op has no float64); forward and VJP rtol={RTOL:g} atol={ATOL:g}; "
             f"compiled and JVP-vs-finite-differences on up to {SUBSET} samples per variant "
             f"(FD step {FD_STEP:g}, rtol={FD_RTOL:g} atol={FD_ATOL:g})",
             "",
             f"{'OpInfo entry':44} {'torchlean':28} {'samples':>7} {'pass':>5} {'unsup':>5} {'fail':>5} "
             f"{'n/a':>4} {'compiled':>8} {'jvp-fd':>6} {'random':>6}"]
    present = [r for r in results if not r.missing]
    for r in present:
        lines.append(f"{r.opinfo:44} {r.label:28} {r.n_samples:7d} {r.count(PASS):5d} "
                     f"{r.count(UNSUPPORTED):5d} {r.count(FAIL):5d} {r.count(NA):4d} {r.compiled_checked:8d} "
                     f"{r.fd_checked:6d} {r.random_checked:6d}")
    missing = [r for r in results if r.n_missing]
    judged = sum(r.count(PASS) + r.count(UNSUPPORTED) + r.count(FAIL) for r in present)
    unsup = sum(r.count(UNSUPPORTED) for r in present)
    fails = sum(r.count(FAIL) for r in present)
    excused = sum(len(r.failures()) for r in present if (r.opinfo, r.label) in known and not strict())
    listed = sum(r.n_samples for r in results)
    lines += ["", f"MISSING ({len(missing)} variants, {sum(r.n_missing for r in missing)} samples"
                  f"{'; TORCHLEAN_CONFORMANCE_STRICT=1 makes these fail' if not strict() else ''}):"]
    lines += _wrap([f"{r.label} ({r.opinfo}, {r.n_missing})" if r.unresolved else
                    f"{r.label} ({r.opinfo}, {r.n_missing} of {r.n_samples}: {r.missing_reason})"
                    for r in missing])
    reasons: Counter[tuple[str, str]] = Counter()
    for r in present:
        for sr in r.samples:
            if sr.status == UNSUPPORTED:
                reasons[(r.label, sr.reason)] += 1
    lines += ["", "UNSUPPORTED by reason:"]
    lines += [f"  {label}: {n} x {why}" for (label, why), n in sorted(reasons.items())] or ["  (none)"]
    lines += ["", "FAILURES (wrong answers and crashes):"]
    fl = [f"  {r.opinfo} [{r.label}] sample {sr.index}: {sr.reason}" for r in present for sr in r.failures()
          if (r.opinfo, r.label) not in known or strict()]
    lines += fl or ["  (none)"]
    kn = [r for r in present if (r.opinfo, r.label) in known and r.failures() and not strict()]
    if kn:
        lines += ["", "KNOWN CRASHES (table.KNOWN_CRASHES; never a wrong answer):"]
        lines += [f"  {r.opinfo} [{r.label}]: {len(r.failures())} samples, e.g. {r.failures()[0].reason}; "
                  f"{known[(r.opinfo, r.label)]}" for r in kn]
    nonsmooth = sum(r.fd_nonsmooth for r in present)
    pct = 100.0 * unsup / judged if judged else 0.0
    lines += ["", f"TOTAL: {len(present)} variants present, {len(missing)} with missing samples; "
                  f"{judged} samples judged: "
                  f"{judged - unsup - fails} pass, {unsup} unsupported ({pct:.1f}%, target <= "
                  f"{100 * TARGET_UNSUPPORTED:.0f}%), {fails} fail ({excused} of them known crashes); "
                  f"{sum(r.count(NA) for r in present)} n/a; {listed} samples in all listed variants; "
                  f"{nonsmooth} JVP checks not judged (non-smooth at the sample)"]
    return "\n".join(lines) + "\n"


def _wrap(items: list[str], width: int = 116) -> list[str]:
    out, line = [], " "
    for it in items:
        if len(line) + len(it) + 2 > width:
            out.append(line)
            line = " "
        line += " " + it + ";"
    if line.strip():
        out.append(line)
    return out or ["  (none)"]
