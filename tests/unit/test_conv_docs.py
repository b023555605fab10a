"""The examples of docs/for-pytorch-users/conv.md run."""

import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "for-pytorch-users" / "conv.md"


def test_every_python_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert blocks
    for code in blocks:
        exec(compile(code, str(DOC), "exec"), {})
