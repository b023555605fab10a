"""The runnable examples of the PyTorch users' pages run: docs/for-pytorch-users.md, every page
under docs/for-pytorch-users/, docs/optim.md and the README (each page's python blocks in order,
sharing one namespace)."""

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
PAGES = [DOCS / "for-pytorch-users.md", *sorted((DOCS / "for-pytorch-users").glob("*.md")), DOCS / "optim.md",
         DOCS.parent / "README.md"]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_examples_run(page):
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)


def test_the_main_page_has_examples_and_links_every_family_page():
    text = PAGES[0].read_text()
    assert len(re.findall(r"```python\n", text)) >= 5
    for page in PAGES[1:-1]:
        assert page.name in text, page.name
