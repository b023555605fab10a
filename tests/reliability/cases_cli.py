"""The command line ``python -m torchlean mlp`` (the runner, ``torchlean.runner``): every bad
flag value ends in exit code 2 with a one-line error naming the flag and the value (no
traceback); a ``TorchLeanError`` while training (``--cuda`` without CuPy) is one line on
stderr; ``--check`` says what it checked. ``tests/runner/`` tests the runner's conventions.

Most cases call ``torchlean.cli.main`` in-process; two run the real entry point with
``sys.executable -m torchlean``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys

from torchlean import cli

from .harness import ok

HAS_CUPY = importlib.util.find_spec("cupy") is not None
SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")


def _main(*argv):
    out, errs = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(errs):
        try:
            code = cli.main(list(argv))
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), errs.getvalue()


def _subprocess(*argv):
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "torchlean", *argv], capture_output=True, text=True, env=env,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def _bad_flag(flag, value):
    def check(r, w):
        code, _, err = r
        assert "Traceback" not in err, f"a traceback on stderr:\n{err}"
        assert code == 2, f"exit code {code}, expected 2 (stderr: {err!r})"
        lines = [ln for ln in err.splitlines() if "error:" in ln]
        assert len(lines) == 1, f"expected one error line, got {lines!r}"
        assert flag in lines[0] and value in lines[0], f"the error does not name {flag} {value}: {lines[0]!r}"

    return check


def _one_line_error(*words):
    def check(r, w):
        code, _, err = r
        assert "Traceback" not in err, f"a traceback on stderr:\n{err}"
        assert code not in (0, None), f"exit code {code}, expected a failure"
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
        for word in words:
            assert word in lines[0], f"stderr does not mention {word!r}: {lines[0]!r}"

    return check


def _check_line(r, w):
    code, out, err = r
    assert "Traceback" not in err, err
    m = re.search(r"check: loss1 ([0-9.e-]+) < loss0 ([0-9.e-]+): (ok|FAILED)", out)
    assert m, f"--check did not say what it checked: {out!r}"
    loss1, loss0, ok_ = float(m.group(1)), float(m.group(2)), m.group(3) == "ok"
    assert ok_ == (loss1 < loss0), m.group(0)
    assert code == (0 if ok_ else 1), f"exit code {code} for {m.group(0)!r}"


def _trained(r, w):
    code, out, err = r
    assert code == 0 and "torchlean mlp: ok" in out and "error" not in err, (code, out, err)


TINY = ("--smoke",)
BAD = [
    ("--batch", "0"), ("--batch", "-5"), ("--batch", "100000"), ("--batch", "2.5"), ("--batch", "x"),
    ("--seed", "-1"), ("--seed", "1.5"), ("--lr", "nan"), ("--lr", "-1"), ("--lr", "inf"), ("--lr", "0"),
    ("--lr", "abc"), ("--epochs", "0"), ("--steps", "-2"), ("--backend", "jit"), ("--dtype", "float16"),
    ("--fast-gpu-matmul-precision", "bf16"), ("--csv", "no/such.csv"),
]

CASES = [ok(f"cli-{flag.lstrip('-')}-{value}", lambda w, flag=flag, value=value: _main("mlp", flag, value),
            _bad_flag(flag, value)) for flag, value in BAD]
CASES += [
    ok("cli-no-command", lambda w: _main(), _bad_flag("example", "")),
    ok("cli-unknown-flag", lambda w: _main("mlp", "--bogus"), _bad_flag("--bogus", "")),
    ok("cli-check-says-what-it-checked", lambda w: _main("mlp", *TINY, "--check"), _check_line),
    ok("cli-trains-without-check", lambda w: _main("mlp", *TINY), _trained),
    ok("cli-subprocess-bad-batch", lambda w: _subprocess("mlp", "--batch", "0"), _bad_flag("--batch", "0")),
]
if not HAS_CUPY:
    CASES += [
        ok("cli-cuda-without-cupy-in-process", lambda w: _main("mlp", *TINY, "--cuda"), _one_line_error("CuPy")),
        ok("cli-subprocess-cuda-without-cupy", lambda w: _subprocess("mlp", *TINY, "--cuda"), _one_line_error("CuPy")),
    ]
