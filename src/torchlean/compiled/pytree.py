"""Pytrees: nested tuples, lists and dicts flattened to leaves and rebuilt (for ``tl.compile``).

A tree's structure (``TreeDef``) is hashable, so it can key a cache. Dicts keep their insertion
order (keys must be hashable); tuples stay tuples, named tuples (``max(dim)``'s ``(values,
indices)``) their own class, and lists lists; anything else is a leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class TreeDef(NamedTuple):
    """The shape of a tree: ``kind`` is ``leaf``, ``tuple``, ``namedtuple``, ``list`` or
    ``dict``; ``keys`` holds a dict's keys or a named tuple's class; ``children`` the
    children's TreeDefs."""

    kind: str
    keys: tuple[Any, ...]
    children: tuple[TreeDef, ...]


_LEAF = TreeDef("leaf", (), ())


def flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """The leaves of ``tree`` in order, and its structure."""
    leaves: list[Any] = []

    def walk(t: Any) -> TreeDef:
        if type(t) is tuple:
            return TreeDef("tuple", (), tuple(walk(c) for c in t))
        if type(t) is list:
            return TreeDef("list", (), tuple(walk(c) for c in t))
        if isinstance(t, tuple) and isinstance(getattr(type(t), "_fields", None), tuple):
            return TreeDef("namedtuple", (type(t),), tuple(walk(c) for c in t))
        if type(t) is dict:
            keys = tuple(t)
            return TreeDef("dict", keys, tuple(walk(t[k]) for k in keys))
        leaves.append(t)
        return _LEAF

    return leaves, walk(tree)


def unflatten(treedef: TreeDef, leaves: list[Any]) -> Any:
    """The tree of ``treedef`` with ``leaves`` in order."""
    it = iter(leaves)

    def build(d: TreeDef) -> Any:
        if d.kind == "leaf":
            return next(it)
        items = [build(c) for c in d.children]
        if d.kind == "tuple":
            return tuple(items)
        if d.kind == "list":
            return items
        if d.kind == "namedtuple":
            return d.keys[0](*items)
        return dict(zip(d.keys, items))

    return build(treedef)


def map_leaves(fn: Callable[[Any], Any], tree: Any) -> Any:
    leaves, d = flatten(tree)
    return unflatten(d, [fn(x) for x in leaves])
