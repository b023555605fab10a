"""Primitive definitions by family. Importing this package registers every primitive."""

from . import elementwise, indexing, linalg, loss, movement, reduce  # noqa: F401
