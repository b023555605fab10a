"""The runner's command-line conventions (the seed's): flag order, a leading ``--``, last-wins
flags, ``--help`` and ``list`` exit 0, an unknown example exits 1 printing the list, bad values
exit 2 with one line naming the flag and the value."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from torchlean.runner import registry
from torchlean.runner.config import build
from torchlean.runner.errors import UsageError
from torchlean.runner.flags import parse

from .helpers import cli_process, cli_run, one_error_line

HAS_CUPY = importlib.util.find_spec("cupy") is not None


def config(*argv):
    p = parse(argv)
    return build(registry.load(p.name), p)


def test_flags_before_and_after_the_name_give_the_same_run():
    a = config("--backend", "compiled", "--dtype", "float", "--seed", "3", "mlp", "--steps", "2", "--lr=0.01")
    b = config("mlp", "--steps=2", "--backend=compiled", "--lr", "0.01", "--seed", "3", "--dtype", "float")
    c = config("--", "--lr", "0.01", "mlp", "--seed=3", "--dtype", "float", "--backend", "compiled", "--steps", "2")
    assert a.describe() == b.describe() == c.describe()
    assert (a.backend, a.dtype, a.seed, a.steps, a.lr) == ("compiled", np.float64, 3, 2, 0.01)


@pytest.mark.parametrize("flags, device", [(("--cpu", "--cuda"), "cuda"), (("--cuda", "--cpu"), "cpu"),
                                           (("--cuda", "--cpu", "--cuda"), "cuda"), ((), "cpu")])
def test_device_flags_last_one_wins(flags, device):
    assert config(*flags[:1], "mlp", *flags[1:]).device == device


def test_every_repeated_flag_keeps_its_last_value():
    cfg = config("mlp", "--steps", "3", "--lr", "0.5", "--steps", "7", "--backend", "compiled", "--backend", "eager")
    assert (cfg.steps, cfg.lr, cfg.backend) == (7, 0.5, "eager")


def test_the_seed_spellings_of_values():
    assert config("mlp", "--dtype", "float").dtype == np.float64  # the seed's Float is binary64
    assert config("mlp", "--dtype", "float32").dtype == np.float32
    assert config("mlp").dtype == np.float32
    assert config("mlp", "--fast-gpu-matmul-precision", "double").matmul_precision == "fp64"
    assert config("mlp", "--fast-gpu-matmul-precision", "tf32").options().matmul_precision.value == "tf32"
    assert config("mlp", "--epochs", "4").steps == 4
    assert config("mlp", "--fast-kernels").options().fast_kernels is True


def test_smoke_sizes_lose_to_explicit_flags():
    assert config("mlp", "--smoke").steps == 1
    assert config("mlp", "--smoke", "--steps", "3").steps == 3
    assert config("digits", "--smoke").hidden == 32 and config("digits").hidden == 128


def test_config_lines_are_printed_first():
    code, out, _ = cli_run("quickstart_tensors", "--dtype", "float", "--backend", "compiled")
    assert code == 0
    assert out.splitlines()[:5] == ["[TorchLean] dtype: float64", "[TorchLean] backend: compiled",
                                    "[TorchLean] device: cpu", "[TorchLean] fastKernels: false",
                                    "[TorchLean] fastGpuMatmulPrecision: fp32"]


@pytest.mark.parametrize("argv", [("--help",), ("-h",), ("mlp", "--help"), ("--help", "digits"),
                                  ("--", "--help")])
def test_help_exits_0(argv):
    code, out, err = cli_run(*argv)
    assert code == 0 and err == ""
    assert "usage: torchlean" in out or "defaults:" in out


def test_example_help_shows_its_defaults_smoke_and_result():
    code, out, _ = cli_run("mlp", "--help")
    assert code == 0
    assert "defaults: steps=10 lr=0.001 batch=5 seed=0" in out and "--smoke:  steps=1" in out
    assert "result:" in out and "--check:  loss1 < loss0" in out and "--csv" in out


def test_list_prints_one_line_per_example():
    code, out, _ = cli_run("list")
    names = registry.names()
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(names)
    assert sorted(ln.split()[0] for ln in lines) == names
    assert all(len(ln.split(maxsplit=1)) == 2 for ln in lines)  # a name and a summary


def test_unknown_example_exits_1_and_prints_the_list():
    code, out, err = cli_run("no_such_example", "--cpu")
    assert code == 1 and out == ""
    assert "unknown example 'no_such_example'" in err
    for name in registry.names():
        assert f"  {name} " in err


BAD = [
    (("mlp", "--steps", "0"), "--steps", "'0'"), (("mlp", "--steps", "x"), "--steps", "'x'"),
    (("mlp", "--epochs", "-2"), "--epochs", "'-2'"), (("mlp", "--lr", "nan"), "--lr", "'nan'"),
    (("mlp", "--lr=-1"), "--lr", "'-1'"), (("mlp", "--batch", "2.5"), "--batch", "'2.5'"),
    (("mlp", "--seed", "-1"), "--seed", "'-1'"), (("--backend", "jit", "mlp"), "--backend", "'jit'"),
    (("mlp", "--dtype", "float16"), "--dtype", "'float16'"),
    (("mlp", "--fast-gpu-matmul-precision", "bf16"), "--fast-gpu-matmul-precision", "'bf16'"),
    (("mlp", "--steps"), "--steps", "expected a value"), (("mlp", "--lr", "--cpu"), "--lr", "expected a value"),
    (("mlp", "--cpu=yes"), "--cpu", "takes no value"), (("mlp", "--bogus"), "--bogus", "unknown flag"),
    (("mlp", "-x"), "-x", "unknown flag"), (("mlp", "digits"), "digits", "unexpected argument"),
    (("mlp", "--csv", "no/such.csv"), "--csv", "no such file"), (("mlp", "--resume", "nope.ckpt"), "--resume", "nope"),
    (("mlp", "--log", ""), "--log", "''"), (("digits", "--csv", __file__), "--csv", "does not apply to digits"),
    (("quickstart_tensors", "--steps", "3"), "--steps", "does not apply"),
    (("quickstart_autograd", "--save", "x.ckpt"), "--save", "does not train"),
    (("quickstart_tensors", "--distributed"), "--distributed", "does not train"),
    (("mlp", "--batch", "100000"), "--batch", "100000"), ((), "example", "no example given"),
]


@pytest.mark.parametrize("argv, flag, value", BAD, ids=[" ".join(a) or "nothing" for a, _, _ in BAD])
def test_bad_values_exit_2_with_one_line(argv, flag, value):
    code, _, err = cli_run(*argv)
    line = one_error_line(err)
    assert code == 2, (code, err)
    assert line.startswith("torchlean: error:") and flag in line and value in line, line


def test_parse_errors_are_usage_errors_before_anything_runs():
    with pytest.raises(UsageError, match="--steps: expected a positive integer"):
        parse(["mlp", "--steps", "0"])


def test_the_real_entry_point():
    code, out, err = cli_process("--", "--help")
    assert code == 0 and "usage: torchlean" in out
    code, out, err = cli_process("mlp", "--batch", "0")
    assert code == 2 and "--batch" in one_error_line(err)
    code, out, err = cli_process("nope")
    assert code == 1 and "unknown example" in err


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed: --cuda would run")
def test_cuda_without_cupy_is_one_line_exit_1():
    code, out, err = cli_run("--cpu", "quickstart_tensors", "--cuda")
    assert code == 1 and "[TorchLean] device: cuda" in out
    assert "CuPy" in one_error_line(err)
