"""Session-only ops that read indices from the session's nat store (NatRef / NatVecRef forms).

Each reads the stored number(s) **when it is called** (``get_nat`` / ``get_nat_vec``), so
``set_nat`` followed by the same gather gives the new row; the index joins the tape as an
int64 constant and the gather is the ``take`` primitive, with the semantics of the nat forms
(``gather_scalar_nat``, ``gather_row``, ``gather_vec_nat``, ``gather_rows_nat``): an
out-of-range index gives zeros and no gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core import convert
from .._core.errors import ArgumentError, ShapeError
from .tensor import NatRef, NatVecRef, TensorRef


class NatRefOps:
    """Mixin of ``Session``: the nat store (the seed's ``input_nat``/``get_nat``/``set_nat``...)
    and the seed's ``*_ref`` gathers that read it (needs ``IndexOps``)."""

    # -- natural-number store --------------------------------------------------------------
    def nat(self, n: int) -> NatRef:
        """Store a non-differentiable natural number (an index or label)."""
        nats = self.tape.nats
        nats.append(_nat("nat", n))
        return NatRef(self, len(nats) - 1, self.tape.epoch)

    def nat_vec(self, values: Sequence[int] | np.ndarray) -> NatVecRef:
        """Store a block of natural numbers (an index vector)."""
        vals = _nats("nat_vec", values)
        nats = self.tape.nats
        start = len(nats)
        nats.extend(vals)
        return NatVecRef(self, start, len(vals), self.tape.epoch)

    input_nat, input_nat_vec = nat, nat_vec

    def get_nat(self, ref: NatRef) -> int:
        self._check_nat("get_nat", ref, NatRef)
        return self.tape.nats[ref.id]

    def set_nat(self, ref: NatRef, n: int) -> None:
        self._check_nat("set_nat", ref, NatRef)
        self.tape.nats[ref.id] = _nat("set_nat", n)

    def get_nat_vec(self, ref: NatVecRef) -> list[int]:
        self._check_nat("get_nat_vec", ref, NatVecRef)
        return self.tape.nats[ref.start:ref.start + ref.length]

    def set_nat_vec(self, ref: NatVecRef, values: Sequence[int] | np.ndarray) -> None:
        self._check_nat("set_nat_vec", ref, NatVecRef)
        vals = _nats("set_nat_vec", values)
        if len(vals) != ref.length:
            raise ShapeError(f"set_nat_vec: expected {ref.length} values, got {len(vals)}")
        self.tape.nats[ref.start:ref.start + ref.length] = vals

    def nat_tensor(self, ref: NatRef | NatVecRef) -> TensorRef:
        """The stored number(s) as an int64 constant, for ops that take index tensors."""
        if isinstance(ref, NatVecRef):
            return self.lift(np.asarray(self.get_nat_vec(ref), dtype=np.int64), np.int64)
        return self.lift(np.asarray(self.get_nat(ref), dtype=np.int64), np.int64)

    # -- gathers through stored indices ----------------------------------------------------

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


def _nat(op: str, n: Any) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ArgumentError(f"{op}: expected a natural number (an int >= 0), got {n!r}")
    return int(n)


def _nats(op: str, values: Any) -> list[int]:
    arr = convert.host_array(values, op, "values", np.int64)
    if arr.size and arr.min() < 0:
        raise ArgumentError(f"{op}: expected natural numbers (ints >= 0), got {int(arr.min())}")
    return [int(v) for v in arr.reshape(-1).tolist()]
