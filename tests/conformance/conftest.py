"""Print the conformance totals at the end of any run that measured a variant, and write them
to ``tests/conformance/last-report.txt`` (overwritten each run; never read back)."""

from __future__ import annotations

import pathlib
from typing import Any

from .harness import iter_results
from .report import report
from .table import KNOWN_CRASHES

REPORT = pathlib.Path(__file__).with_name("last-report.txt")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    results = list(iter_results())
    if not results:
        return
    text = report(results, KNOWN_CRASHES)
    terminalreporter.section("OpInfo conformance")
    terminalreporter.write(text)
    try:
        REPORT.write_text(text)
        terminalreporter.write_line(f"(written to {REPORT})")
    except OSError as e:  # a read-only checkout still gets the printed report
        terminalreporter.write_line(f"(could not write {REPORT}: {e})")
