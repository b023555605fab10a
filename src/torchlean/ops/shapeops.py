"""Shape and indexing primitives beyond the seed's (being built)."""

from __future__ import annotations
