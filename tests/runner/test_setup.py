"""Set-up: `make train` installs only the runtime and the examples extra (no torch, no test
tools) and runs the main job; `make test` installs the test extra; the examples' data ship in
the package."""

from __future__ import annotations

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MAKEFILE = (ROOT / "Makefile").read_text()


def _names(requirements):
    return {re.split(r"[<>=\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def _recipe(target):
    m = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    assert m, f"no recipe for {target}"
    return m.group(1)


def test_the_examples_extra_has_no_torch_and_no_test_tools():
    extras = PROJECT["project"]["optional-dependencies"]
    runtime = _names(PROJECT["project"]["dependencies"])
    assert _names(extras["examples"]) == {"scikit-learn", "tqdm", "matplotlib"}
    assert not (_names(extras["examples"]) | runtime) & {"torch", "pytest", "hypothesis", "ruff"}
    assert _names(extras["examples"]) <= _names(extras["test"])  # make test can run every example


def test_make_train_installs_the_examples_extra_only_and_runs_mlp():
    stamp = _recipe("$(TRAIN_STAMP)")
    assert 'pip install' in stamp and '-e ".[examples]"' in stamp and "test" not in stamp.split("pip install")[1]
    assert "no torch" in stamp  # it says what it installs
    assert "$(BIN)/torchlean $(JOB)" in _recipe("train")
    assert re.search(r"^JOB \?= mlp --cpu --steps 10\b", MAKEFILE, re.M)
    assert re.search(r"^train: \$\(TRAIN_STAMP\)$", MAKEFILE, re.M)


def test_make_test_installs_the_test_extra():
    assert '-e ".[test,examples]"' in _recipe("$(TEST_STAMP)")
    assert re.search(r"^test: \$\(TEST_STAMP\)$", MAKEFILE, re.M)


def test_console_script_and_package_data():
    assert PROJECT["project"]["scripts"]["torchlean"] == "torchlean.cli:main"
    data = PROJECT["tool"]["setuptools"]["package-data"]["torchlean"]
    shipped = sorted(p.name for p in (ROOT / "src/torchlean/examples/data").iterdir())
    for name in shipped:
        assert any(pathlib.PurePath(f"examples/data/{name}").match(pattern) for pattern in data), name
