"""Every example runs with ``--smoke`` under eager and compiled (in this process), passes its
smoke checks, and gives the same metrics on both paths; the registry refuses a module that does
not declare what the runner needs."""

from __future__ import annotations

import math
import re
import sys
import types

import pytest

from torchlean.runner import registry
from torchlean.runner.registry import ExampleError, from_module

from .helpers import cli_run

NAMES = registry.names()
REQUIRED = {"quickstart_tensors", "quickstart_autograd", "quickstart_mlp", "mlp", "digits", "data_csv", "data_npy",
            "pytorch_roundtrip"}
_metrics: dict[tuple[str, str], dict[str, float]] = {}


def test_the_examples_of_part_one_are_all_there():
    assert set(NAMES) >= REQUIRED


@pytest.mark.parametrize("backend", ["eager", "compiled"])
@pytest.mark.parametrize("name", NAMES)
def test_smoke_run(name, backend, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # anything an example writes lands here
    code, out, err = cli_run(name, "--smoke", "--check", "--backend", backend)
    assert code == 0, f"exit {code}\n{out}\n{err}"
    assert f"[TorchLean] backend: {backend}" in out
    assert out.rstrip().endswith(f"torchlean {name}: ok"), out
    assert "FAILED" not in out and "Traceback" not in err
    checked = {m.group(1): float(m.group(2)) for m in re.finditer(r"^check: (\S+) (\S+) \S+ .*: ok$", out, re.M)}
    assert checked, f"{name} --smoke --check checked nothing:\n{out}"
    _metrics[name, backend] = checked


@pytest.mark.parametrize("name", NAMES)
def test_eager_and_compiled_report_the_same_checked_metrics(name, monkeypatch, tmp_path):
    for backend in ("eager", "compiled"):
        if (name, backend) not in _metrics:
            test_smoke_run(name, backend, monkeypatch, tmp_path)
    eager, compiled = _metrics[name, "eager"], _metrics[name, "compiled"]
    assert eager.keys() == compiled.keys()
    for k in eager:
        if k == "max_error":  # an error measure: both tiny, not equal
            assert eager[k] < 1e-5 and compiled[k] < 1e-5
        else:
            assert math.isclose(eager[k], compiled[k], rel_tol=1e-4, abs_tol=1e-6), (k, eager[k], compiled[k])


@pytest.mark.parametrize("name", NAMES)
def test_every_example_declares_a_result_a_smoke_size_and_docs(name):
    e = registry.load(name)
    assert e.doc and e.summary and e.result
    assert len(e.summary) <= 100, "a summary is one line of `torchlean list`"
    if e.trains:
        assert e.smoke.get("steps", e.defaults["steps"]) <= e.defaults["steps"]
        assert e.checks, f"{name} trains but has no --check threshold for its documented result"
    assert e.smoke_checks, f"{name} has no SMOKE_CHECKS: its smoke run in CI would check nothing"


def test_registry_refuses_incomplete_modules():
    good = dict(SUMMARY="s", GROUP="models", DEFAULTS={"steps": 2}, SMOKE={"steps": 1}, RESULT="r",
                run=lambda cfg: {})
    assert from_module("ok", types.SimpleNamespace(**good, __doc__="doc")).trains
    for change, message in [({"RESULT": None}, "RESULT"), ({"GROUP": "toys"}, "GROUP"),
                            ({"SMOKE": {"hidden": 3}}, "SMOKE sets"), ({"run": 3}, "run"),
                            ({"CHECKS": [("m", "==", 1)]}, "CHECKS"), ({"FLAGS": ("images",)}, "FLAGS")]:
        attrs = {**good, **change}
        attrs = {k: v for k, v in attrs.items() if v is not None}
        with pytest.raises(ExampleError, match=message):
            from_module("bad", types.SimpleNamespace(**attrs, __doc__="doc"))


def test_pytorch_roundtrip_without_torch_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError, as without torch
    code, _, err = cli_run("pytorch_roundtrip")
    assert code == 1 and "needs PyTorch" in err and "pip install torch" in err
