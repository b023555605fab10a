"""random primitives (stub: filled in by the op-surface work)."""
