"""The seed-name table in docs/seed-names.md is true: every implemented name exists."""

import pathlib
import re

import torchlean as tl
from torchlean.frontend import Ops

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "seed-names.md"
OWNERS = {"torchlean": tl, "Options": tl.Options(), "Session": tl.Session, "Ops": Ops,
          "CompiledScalar": tl.CompiledScalar, "CompiledOut": tl.CompiledOut, "ParamList": tl.ParamList,
          "ScalarTrainer": tl.ScalarTrainer}


def rows():
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and (cells[0].startswith("`") or cells[0] == "(composite)"):
            yield cells


def _resolves(obj, dotted):
    for part in dotted.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def test_table_is_not_empty():
    assert len(list(rows())) > 40


def test_every_implemented_name_exists():
    missing = []
    for seed, python, owner, status in rows():
        if status != "implemented":
            continue
        obj = OWNERS[owner.strip("`")]
        for name in re.findall(r"`([A-Za-z_][A-Za-z0-9_.]*)", python):
            if not (_resolves(obj, name) or _resolves(tl, name)):
                missing.append(f"{seed} -> {owner}.{name}")
    assert missing == []
