"""Running the command line in-process (``torchlean.cli.main``) or as a real process."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

from torchlean import cli

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")


def cli_run(*argv: str) -> tuple[int, str, str]:
    """``torchlean *argv`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in argv])
        except SystemExit as e:  # nothing in the runner should exit; a test would notice the code
            code = e.code
    return code, out.getvalue(), err.getvalue()


def cli_process(*argv: str, timeout: float = 120) -> tuple[int, str, str]:
    """``python -m torchlean *argv`` as a child process."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "torchlean", *map(str, argv)], capture_output=True, text=True,
                       env=env, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def one_error_line(err: str) -> str:
    """The single line on stderr (asserting there is exactly one and no traceback)."""
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    return lines[0]
