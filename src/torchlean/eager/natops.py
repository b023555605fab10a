"""Session-only ops that read indices from the session's nat store (NatRef / NatVecRef forms)."""

from __future__ import annotations


class NatRefOps:
    """Mixin of ``Session``: the seed's ``*_ref`` gathers."""
