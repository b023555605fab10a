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


# Every method of the seed's `Ops` class and of its eager session, as the seed spells them.
SEED_OPS = [
    "const", "add", "sub", "mul", "scale", "abs", "sqrt", "clamp", "max", "min", "broadcastTo", "transpose2d",
    "transpose3dFirstToLast", "transpose3dLastToFirst", "transpose3dLastTwo", "swapAdjacentAtDepth",
    "reduceSum", "reduceMean", "gatherScalar", "gatherRow", "gatherScalarNat", "gatherVecNat",
    "gatherRowsNat", "scatterAddVec", "scatterAddRow", "matmul", "bmm", "concatVectors", "concatDim0",
    "sliceRange0", "maxPool", "avgPool", "smoothMaxPool", "maxPool2d", "maxPool2dPad", "smoothMaxPool2d",
    "avgPool2d", "avgPool2dPad", "relu", "sigmoid", "tanh", "softmax", "logSoftmax", "softplus", "exp", "log",
    "inv", "detach", "safeLog", "sum", "flatten", "linear", "mseLoss", "layerNorm", "batchnormChannelFirst",
    "multiHeadAttention", "conv", "convTranspose", "conv2d", "convTranspose2d", "bernoulliMask", "reshape",
    "randUniform", "maxPoolPad", "avgPoolPad", "conv2dCompat", "silu", "gelu", "globalAvgPool2dChw",
    "globalAvgPool2dNchw",
]
SEED_SESSION = [
    "param", "use", "input", "const", "detach", "getValue", "inputNat", "getNat", "setNat", "inputNatVec",
    "getNatVec", "setNatVec", "resetTape", "backward", "grad", "sgdStep", "gatherScalarRef", "gatherRowRef",
    "gatherVecRef", "gatherRowsRef", "randUniform", "bernoulliMask", "adamStep", "adamwStep",
]


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_every_seed_op_and_session_name_exists_in_snake_case():
    missing = [n for n in SEED_OPS if not hasattr(Ops, snake(n))]
    missing += [n for n in SEED_SESSION if not hasattr(tl.Session, snake(n))]
    assert missing == []


def test_every_seed_name_is_in_the_table():
    text = DOC.read_text()
    absent = [n for n in SEED_OPS + SEED_SESSION if f"`{n}`" not in text and f"`{n} " not in text
              and f"/ `{n}`" not in text]
    assert absent == []
