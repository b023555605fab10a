"""``einsum`` as a composite: diagonals by strided slices, sums, permutes, reshapes and matmul.

The equation is parsed as ``torch.einsum`` does: letters ``a-zA-Z``, at most one ``...`` per
operand (broadcast, right-aligned, placed first in an implicit output), spaces ignored, an
implicit output made of the labels that appear once, in sorted order (upper case first), and
size-1 dimensions broadcast against their label's size. The evaluation:

1. a label repeated within one operand takes that operand's diagonal (``iji->j``);
2. labels that occur in one operand only and not in the output are summed at once;
3. operands are contracted left to right, each pair as one batched ``matmul``: shared labels
   still needed later are batch axes, other shared labels are contracted, the rest are kept;
4. the result is summed over what remains unneeded and permuted into the output order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.errors import ArgumentError, ShapeError
from .._core.shapes import prod
from .base import OpsBase

Label = Any  # a letter (str) or an ellipsis position (int)


def _parse_term(op: str, term: str) -> list[Label]:
    out: list[Label] = []
    i = 0
    while i < len(term):
        c = term[i]
        if term.startswith("...", i):
            if "..." in out:
                raise ArgumentError(f"{op}: more than one ellipsis in the subscripts {term!r}")
            out.append("...")
            i += 3
            continue
        if not c.isascii() or not c.isalpha():
            raise ArgumentError(f"{op}: invalid subscript {c!r} in {term!r} (use letters a-z, A-Z and '...')")
        out.append(c)
        i += 1
    return out


def parse_equation(op: str, equation: str, shapes: Sequence[tuple[int, ...]]
                   ) -> tuple[list[list[Label]], list[Label]]:
    """Per-operand label lists (ellipses expanded to ints) and the output labels."""
    if not isinstance(equation, str):
        raise ArgumentError(f"{op}: the equation must be a string, got {type(equation).__name__}")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise ArgumentError(f"{op}: more than one '->' in {equation!r}")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ArgumentError(f"{op}: the equation has {len(terms)} operand(s), got {len(shapes)} tensor(s)")
    parsed = [_parse_term(op, t) for t in terms]
    n_ell = 0
    for p, s in zip(parsed, shapes):
        letters = sum(1 for v in p if v != "...")
        if "..." in p:
            if len(s) < letters:
                raise ShapeError(f"{op}: subscripts {''.join(p)} need at least {letters} dims, got {s}")
            n_ell = max(n_ell, len(s) - letters)
        elif len(s) != letters:
            raise ShapeError(f"{op}: subscripts {''.join(p)!r} name {letters} dims, the operand has shape {s}")
    labels = []
    for p, s in zip(parsed, shapes):
        k = len(s) - sum(1 for v in p if v != "...")
        out: list[Label] = []
        for v in p:
            out.extend(range(n_ell - k, n_ell) if v == "..." else [v])
        labels.append(out)
    if arrow:
        out_terms = _parse_term(op, rhs)
        if "..." in out_terms and not any("..." in p for p in parsed) and n_ell:
            raise ArgumentError(f"{op}: '...' in the output but not in any operand")
        output: list[Label] = []
        for v in out_terms:
            output.extend(range(n_ell) if v == "..." else [v])
        present = {v for lab in labels for v in lab}
        for v in output:
            if isinstance(v, str) and v not in present:
                raise ArgumentError(f"{op}: output subscript {v!r} does not appear in the operands")
        if len(set(output)) != len(output):
            raise ArgumentError(f"{op}: an output subscript appears more than once in {rhs!r}")
    else:
        counts: dict[str, int] = {}
        for lab in labels:
            for v in lab:
                if isinstance(v, str):
                    counts[v] = counts.get(v, 0) + 1
        output = [*range(n_ell), *sorted(v for v, c in counts.items() if c == 1)]
    return labels, output


class EinsumOps(OpsBase):
    """``einsum`` (see the module docstring)."""

    def einsum(self, equation: str, *operands: Any) -> Any:
        """``torch.einsum(equation, *operands)`` (operands may also be one list)."""
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
        if not operands:
            raise ArgumentError("einsum: expected at least one operand")
        ts = [self.type_of(x) for x in operands]
        kinds = {t.dtype for t in ts}
        if len(kinds) > 1:
            from .._core.errors import DTypeError

            raise DTypeError(f"einsum: operands must share one dtype, got {', '.join(t.dtype.name for t in ts)}")
        labels, output = parse_equation("einsum", equation, [t.shape for t in ts])
        size: dict[Label, int] = {}
        for lab, t in zip(labels, ts):
            for v, n in zip(lab, t.shape):
                if size.get(v, 1) not in (1, n) and n != 1:
                    raise ShapeError(f"einsum: subscript {v if isinstance(v, str) else '...'} has sizes "
                                     f"{size[v]} and {n}, which do not broadcast")
                size[v] = max(size.get(v, 1), n) if n != 0 and size.get(v, 1) != 0 else 0
        terms = [self._einsum_prepare(x, list(lab), size) for x, lab in zip(operands, labels)]
        need_out = set(output)
        # sum labels that only one operand has and the output does not
        counts: dict[Label, int] = {}
        for _, lab in terms:
            for v in set(lab):
                counts[v] = counts.get(v, 0) + 1
        terms = [self._einsum_sum(x, lab, {v for v in lab if counts[v] == 1 and v not in need_out})
                 for x, lab in terms]
        x, lab = terms[0]
        for j in range(1, len(terms)):
            keep = need_out | {v for _, later in terms[j + 1:] for v in later}
            x, lab = self._einsum_pair(x, lab, *terms[j], keep)
        x, lab = self._einsum_sum(x, lab, {v for v in lab if v not in need_out})
        return self.permute(x, [lab.index(v) for v in output]) if lab != output else x

    def _einsum_prepare(self, x: Any, lab: list[Label], size: dict[Label, int]) -> tuple[Any, list[Label]]:
        """Broadcast size-1 axes to their label's size, then take diagonals of repeated labels."""
        s = self.shape_of(x)
        want = tuple(size[v] for v in lab)
        if want != s:
            x = self.broadcast_to(x, want)
        while len(set(lab)) != len(lab):
            v = next(u for u in lab if lab.count(u) > 1)
            a = lab.index(v)
            b = lab.index(v, a + 1)
            x = self._diagonal(x, a, b)
            lab = [u for i, u in enumerate(lab) if i not in (a, b)] + [v]
        return x, lab

    def _diagonal(self, x: Any, a: int, b: int) -> Any:
        """Entries with equal indices on axes a and b (same size n), as a new last axis: the
        two axes moved last, merged, and sliced with step n + 1."""
        s = self.shape_of(x)
        n = s[a]
        rest = [d for d in range(len(s)) if d not in (a, b)]
        y = self.permute(x, [*rest, a, b])
        y = self.reshape(y, (*(s[d] for d in rest), n * n))
        return self.slice(y, len(rest), 0, n * n, n + 1)

    def _einsum_sum(self, x: Any, lab: list[Label], drop: set[Label]) -> tuple[Any, list[Label]]:
        if not drop:
            return x, lab
        axes = tuple(i for i, v in enumerate(lab) if v in drop)
        return self.reduce_sum(x, axes), [v for v in lab if v not in drop]

    def _einsum_pair(self, a: Any, la: list[Label], b: Any, lb: list[Label], keep: set[Label]
                     ) -> tuple[Any, list[Label]]:
        """Contract two operands into one batched matmul; returns the result and its labels."""
        sb = set(lb)
        a, la = self._einsum_sum(a, la, {v for v in la if v not in sb and v not in keep})
        b, lb = self._einsum_sum(b, lb, {v for v in lb if v not in set(la) and v not in keep})
        sa, sb = set(la), set(lb)
        batch = [v for v in la if v in sb and v in keep]
        contr = [v for v in la if v in sb and v not in keep]
        a_only = [v for v in la if v not in sb]
        b_only = [v for v in lb if v not in sa]
        da = dict(zip(la, self.shape_of(a)))
        db = dict(zip(lb, self.shape_of(b)))
        nb, m = prod(da[v] for v in batch), prod(da[v] for v in a_only)
        k, n = prod(da[v] for v in contr), prod(db[v] for v in b_only)
        a = self.permute(a, [la.index(v) for v in batch + a_only + contr])
        b = self.permute(b, [lb.index(v) for v in batch + contr + b_only])
        if batch:
            y = self.matmul(self.reshape(a, (nb, m, k)), self.reshape(b, (nb, k, n)))
        else:
            y = self.matmul(self.reshape(a, (m, k)), self.reshape(b, (k, n)))
        out = batch + a_only + b_only
        return self.reshape(y, tuple([da[v] for v in batch + a_only] + [db[v] for v in b_only])), out
