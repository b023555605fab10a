"""The runnable examples of docs/for-pytorch-users/nn.md run (in order, sharing one namespace)."""

import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "for-pytorch-users" / "nn.md"


def test_nn_page_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert namespace["y_eval"].shape == (16, 3, 5, 5)
