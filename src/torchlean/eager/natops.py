"""Session-only ops that read indices from the session's nat store (NatRef / NatVecRef forms).

Each reads the stored number(s) **when it is called** (``get_nat`` / ``get_nat_vec``), so
``set_nat`` followed by the same gather gives the new row; the index joins the tape as an
int64 constant and the gather is the ``take`` primitive, with the semantics of the nat forms
(``gather_scalar_nat``, ``gather_row``, ``gather_vec_nat``, ``gather_rows_nat``): an
out-of-range index gives zeros and no gradient.
"""

from __future__ import annotations

from typing import Any

from .tensor import NatRef, NatVecRef


class NatRefOps:
    """Mixin of ``Session``: the seed's ``*_ref`` gathers (needs ``IndexOps`` and the nat store)."""

    def gather_scalar_ref(self, x: Any, ref: NatRef) -> Any:
        """x[nats[ref]] for x (n,), or 0 when the stored index is out of range."""
        i = self.get_nat(ref)
        return self._gather("gather_scalar_ref", x, i, vector=True, scalar=True)

    def gather_row_ref(self, x: Any, ref: NatRef) -> Any:
        """Row nats[ref] of x (r, c) (or (r, *rest)).

        Out of range the seed returns a fresh ``const`` zero row with no link to x; here the
        zero row comes from the same ``take`` primitive, so the tape has the same structure
        whatever the stored value, and x's gradient is zero either way (the only difference:
        the result requires a gradient when x does, where the seed's constant does not).
        """
        i = self.get_nat(ref)
        return self._gather("gather_row_ref", x, i, vector=False, scalar=True)

    def gather_vec_ref(self, x: Any, ref: NatVecRef) -> Any:
        """y[j] = x[nats[ref][j]] for x (n,) -> (k,); 0 where an index is out of range."""
        idx = self.get_nat_vec(ref)
        return self._gather("gather_vec_ref", x, idx, vector=True, scalar=False)

    def gather_rows_ref(self, x: Any, ref: NatVecRef) -> Any:
        """Rows nats[ref] of x (r, c) -> (k, c) (or (r, *rest) -> (k, *rest)); out-of-range
        rows are zero rows."""
        idx = self.get_nat_vec(ref)
        return self._gather("gather_rows_ref", x, idx, vector=False, scalar=False)
