"""The training script of docs/distributed.md runs under ``mpiexec -n 2`` as written."""

from __future__ import annotations

import re

from .launch import HERE, needs_mpi, run_mpi

pytestmark = needs_mpi
DOC = HERE.parents[1] / "docs" / "distributed.md"


def test_the_documented_script_trains_on_two_ranks(tmp_path):
    text = DOC.read_text()
    section = text[text.index("## A training script"):]
    script = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "train.py").write_text(f"import os\nos.chdir({str(tmp_path)!r})\n" + script)
    r = run_mpi(str(tmp_path / "train.py"), timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["epoch 0", "epoch 1", "epoch 2"]  # rank 0 alone prints
    losses = [float(ln.split()[-1]) for ln in lines]
    assert losses[-1] < losses[0]
    assert (tmp_path / "model.safetensors").exists()
