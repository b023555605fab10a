"""Specs of the core ops: elementwise, reductions, softmax, shape ops, matmul, losses."""

from __future__ import annotations

import numpy as np

from ..opspec import OpSpec, Sample, away_from, binary_samples, normal, positive, unary_samples

N = lambda rng, s: normal(rng, *s)
POS = lambda rng, s: positive(rng, *s)
NONZERO = lambda rng, s: away_from(rng, s, [0.0], margin=0.3)
KINK0 = lambda rng, s: away_from(rng, s, [0.0])


SPECS: list[OpSpec] = [
    # ----- elementwise binary (broadcasting, scalars) -------------------------------------------
    OpSpec("add", binary_samples(N), torch=lambda t, a, b: a + b),
    OpSpec("sub", binary_samples(N), torch=lambda t, a, b: a - b),
    OpSpec("mul", binary_samples(N), torch=lambda t, a, b: a * b),
    OpSpec("div", binary_samples(NONZERO), torch=lambda t, a, b: a / b),
    OpSpec("maximum", binary_samples(N), torch=lambda t, a, b: t.maximum(a, b)),
    OpSpec("minimum", binary_samples(N), torch=lambda t, a, b: t.minimum(a, b)),
    OpSpec("max", binary_samples(N), torch=lambda t, a, b: t.maximum(a, b), binds=("maximum",)),
    OpSpec("min", binary_samples(N), torch=lambda t, a, b: t.minimum(a, b), binds=("minimum",)),
    # ----- elementwise unary --------------------------------------------------------------------
    OpSpec("neg", unary_samples(N), torch=lambda t, x: -x),
    OpSpec("scale", unary_samples(N, c=-1.7), torch=lambda t, x, c: x * c),
    OpSpec("add_scalar", unary_samples(N, c=0.3), torch=lambda t, x, c: x + c),
    OpSpec("sign", unary_samples(KINK0), torch=lambda t, x: t.sign(x), zero_grad=True, fd=False),
    OpSpec("step", unary_samples(KINK0), torch=lambda t, x: (x > 0).to(x.dtype), zero_grad=True,
           fd=False),
    OpSpec("abs", unary_samples(KINK0), torch=lambda t, x: t.abs(x)),
    OpSpec("relu", unary_samples(KINK0), torch=lambda t, x: t.relu(x)),
    OpSpec("exp", unary_samples(N), torch=lambda t, x: t.exp(x)),
    OpSpec("log", unary_samples(POS), torch=lambda t, x: t.log(x)),
    OpSpec("inv", unary_samples(NONZERO), torch=lambda t, x: t.reciprocal(x)),
    OpSpec("sqrt", unary_samples(POS), torch=lambda t, x: t.sqrt(x)),
    OpSpec("sigmoid", unary_samples(lambda rng, s: normal(rng, *s) * 4), torch=lambda t, x: t.sigmoid(x)),
    OpSpec("tanh", unary_samples(N), torch=lambda t, x: t.tanh(x)),
    # the derivative composites the rules of relu and tanh are written with
    OpSpec("mul_step", binary_samples(KINK0), torch=lambda t, g, x: g * (x > 0).to(g.dtype),
           binds=("mul", "step")),
    OpSpec("tanh_backward", binary_samples(N), torch=lambda t, g, y: t.ops.aten.tanh_backward(g, y),
           binds=("sub", "mul")),
    OpSpec("softplus", unary_samples(lambda rng, s: normal(rng, *s) * 4),
           torch=lambda t, x: t.nn.functional.softplus(x)),
    OpSpec("power", lambda rng: [Sample((positive(rng, 3, 4),), {"p": 0.5}),
                                 Sample((normal(rng, 5),), {"p": 3.0}),
                                 Sample((normal(rng),), {"p": 2.0}),
                                 Sample((positive(rng, 2, 3),), {"p": -1.5}),
                                 Sample((normal(rng, 4),), {"p": 0.0}),
                                 Sample((normal(rng, 4),), {"p": 1.0})],
           torch=lambda t, x, p: t.pow(x, p)),
    OpSpec("clamp", lambda rng: [Sample((away_from(rng, s, [-0.5, 0.8]),), {"lo": -0.5, "hi": 0.8})
                                 for s in [(), (7,), (3, 4)]]
           + [Sample((away_from(rng, (6,), [0.2]),), {"lo": 0.2}),
              Sample((away_from(rng, (6,), [0.2]),), {"hi": 0.2})],
           torch=lambda t, x, lo=None, hi=None: t.clamp(x, lo, hi)),
    OpSpec("safe_log", unary_samples(lambda rng, s: normal(rng, *s) * 3),
           torch=lambda t, x: t.log(t.nn.functional.softplus(x) + 1e-6), binds=("softplus", "log")),
    OpSpec("silu", unary_samples(N), torch=lambda t, x: t.nn.functional.silu(x), binds=("sigmoid",)),
    OpSpec("detach", unary_samples(N), torch=lambda t, x: x.detach(), zero_grad=True, fd=False),
    # ----- reductions and softmax ---------------------------------------------------------------
    OpSpec("reduce_sum", lambda rng: [
        Sample((normal(rng, 3, 4),), {"axis": 0}), Sample((normal(rng, 3, 4),), {"axis": -1}),
        Sample((normal(rng, 2, 3, 4),), {"axis": (0, 2)}), Sample((normal(rng, 5),), {"axis": None}),
        Sample((normal(rng, 2, 3, 4),), {"axis": 1, "keepdims": True})],
        torch=lambda t, x, axis, keepdims=False: (t.sum(x) if axis is None
                                                  else t.sum(x, dim=axis, keepdim=keepdims))),
    OpSpec("sum", unary_samples(N), torch=lambda t, x: t.sum(x), binds=()),
    OpSpec("reduce_mean", lambda rng: [
        Sample((normal(rng, 3, 4),), {"axis": 1}), Sample((normal(rng, 2, 3, 4),), {"axis": -2}),
        Sample((normal(rng, 2, 3, 4),), {"axis": (0, 1), "keepdims": True})],
        torch=lambda t, x, axis, keepdims=False: t.mean(x, dim=axis, keepdim=keepdims),
        binds=("reduce_sum", "div_scalar")),
    OpSpec("mean", unary_samples(N, shapes=[(5,), (3, 4)]), torch=lambda t, x: t.mean(x),
           binds=("reduce_sum", "div_scalar")),
    OpSpec("softmax", lambda rng: [Sample((normal(rng, *s) * 3,), {"axis": a})
                                   for s, a in [((5,), -1), ((3, 4), -1), ((2, 3, 4), 1), ((4, 3), 0)]],
           torch=lambda t, x, axis: t.softmax(x, dim=axis)),
    OpSpec("log_softmax", lambda rng: [Sample((normal(rng, *s) * 3,), {"axis": a})
                                       for s, a in [((5,), -1), ((3, 4), -1), ((2, 3, 4), 1)]],
           torch=lambda t, x, axis: t.log_softmax(x, dim=axis)),
    # ----- shape ops ----------------------------------------------------------------------------
    OpSpec("reshape", lambda rng: [Sample((normal(rng, 3, 4),), {"shape": (2, 6)}),
                                   Sample((normal(rng, 2, 3, 4),), {"shape": (4, -1)}),
                                   Sample((normal(rng, 1),), {"shape": ()}),
                                   Sample((normal(rng),), {"shape": (1, 1)})],
           torch=lambda t, x, shape: x.reshape(shape)),
    OpSpec("flatten", lambda rng: [Sample((normal(rng, 2, 3, 4),), {}),
                                   Sample((normal(rng, 2, 3, 4),), {"start_dim": 1}),
                                   Sample((normal(rng, 2, 3, 4, 2),), {"start_dim": 1, "end_dim": 2})],
           torch=lambda t, x, start_dim=0, end_dim=-1: t.flatten(x, start_dim, end_dim),
           binds=("reshape",)),
    OpSpec("transpose", lambda rng: [Sample((normal(rng, 3, 4),), {"perm": (1, 0)}),
                                     Sample((normal(rng, 2, 3, 4),), {"perm": (2, 0, 1)}),
                                     Sample((normal(rng, 2, 3, 4),), {"perm": (0, -1, 1)})],
           call=lambda ops, x, perm: ops.permute(x, perm), torch=lambda t, x, perm: x.permute(perm)),
    OpSpec("swap_axes", lambda rng: [Sample((normal(rng, 2, 3, 4),), {"dim0": 0, "dim1": -1})],
           call=lambda ops, x, dim0, dim1: ops.transpose(x, dim0, dim1),
           torch=lambda t, x, dim0, dim1: x.transpose(dim0, dim1), binds=("transpose",)),
    OpSpec("transpose2d", unary_samples(N, shapes=[(3, 4), (1, 5)]), torch=lambda t, x: x.t(),
           binds=("transpose",)),
    OpSpec("broadcast_to", lambda rng: [
        Sample((normal(rng, 4),), {"shape": (3, 4)}), Sample((normal(rng, 3, 1),), {"shape": (2, 3, 5)}),
        Sample((normal(rng),), {"shape": (2, 2)}),
        Sample((normal(rng, 3),), {"shape": (3, 5), "axes": (0,)}),
        Sample((normal(rng, 2, 1),), {"shape": (2, 4, 3), "axes": (0, 2)})],
        torch=lambda t, x, shape, axes=None: (x.expand(shape) if axes is None else x.reshape(
            [x.shape[list(axes).index(a)] if a in axes else 1 for a in range(len(shape))]).expand(shape))),
    # ----- linear algebra -----------------------------------------------------------------------
    OpSpec("matmul", lambda rng: [Sample((normal(rng, *a), normal(rng, *b)), {}, f"{a}@{b}") for a, b in [
        ((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (2, 4, 5)),
        ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2))]],
        torch=lambda t, a, b: t.matmul(a, b)),
    OpSpec("bmm", lambda rng: [Sample((normal(rng, 2, 3, 4), normal(rng, 2, 4, 5)))],
           torch=lambda t, a, b: t.bmm(a, b), binds=("matmul",)),
    OpSpec("linear", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 3), normal(rng, *s)), {}, f"x{s}")
                                  for s in [(4,), (8, 4), (2, 5, 4)]],
           torch=lambda t, w, b, x: t.nn.functional.linear(x, w, b)),
    OpSpec("linear_nobias", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 6, 4)))],
           call=lambda ops, w, x: ops.linear(w, None, x),
           torch=lambda t, w, x: t.nn.functional.linear(x, w), binds=("matmul",)),
    # ----- losses -------------------------------------------------------------------------------
    OpSpec("mse_loss", binary_samples(N, [((5,), (5,)), ((4, 3), (4, 3)), ((), ())]),
           torch=lambda t, a, b: t.nn.functional.mse_loss(a, b), binds=("sub", "mul")),
    OpSpec("one_hot", lambda rng: [Sample((np.array([0, 2, 1, 5, -1]),), {"num_classes": 3}),
                                   Sample((np.array([[1, 0], [3, 2]]),), {"num_classes": 4})],
           numpy=lambda labels, num_classes: (labels[..., None] == np.arange(num_classes)).astype(float)),
    OpSpec("cross_entropy", lambda rng: [
        Sample((normal(rng, 6, 4) * 2, rng.integers(0, 4, 6)), {}, "labels"),
        Sample((normal(rng, 5) * 2, np.array(3)), {}, "unbatched")],
        torch=lambda t, logits, target: t.nn.functional.cross_entropy(logits, target)),
    OpSpec("cross_entropy_ignore_index", lambda rng: [
        Sample((normal(rng, 5, 3), np.array([0, -100, 2, -100, 1])), {}, "default-ignore"),
        Sample((normal(rng, 6, 4), np.array([1, 3, 1, 0, 2, 1])), {"ignore_index": 1}, "in-range-ignore")],
        call=lambda ops, z, labels, **kw: ops.cross_entropy(z, labels, **kw), binds=("cross_entropy",),
        torch=lambda t, z, labels, **kw: t.nn.functional.cross_entropy(z, labels, **kw)),
    # Every row ignored: the mean is 0/0 = NaN (as PyTorch) and the logits' gradient is zero.
    OpSpec("cross_entropy_all_ignored", lambda rng: [
        Sample((normal(rng, 3, 2), np.array([-100, -100, -100])), {}, "all-ignored")],
        call=lambda ops, z, labels: ops.cross_entropy(z, labels), binds=("cross_entropy",), fd=False,
        torch=lambda t, z, labels: t.nn.functional.cross_entropy(z, labels)),
    OpSpec("cross_entropy_probs", lambda rng: [
        Sample((normal(rng, 3, 4), rng.dirichlet(np.ones(4), 3)), {}, "probabilities")],
        call=lambda ops, z, p: ops.cross_entropy(z, p), nondiff=(1,), binds=("log_softmax",),
        torch=lambda t, logits, target: t.nn.functional.cross_entropy(logits, target)),
    OpSpec("cross_entropy_grad", lambda rng: [
        Sample((normal(rng, 6, 4) * 2, rng.integers(0, 4, 6)), {}, "labels"),
        Sample((normal(rng, 5), np.array(1)), {}, "unbatched")],
        torch=lambda t, z, labels: t.autograd.grad(t.nn.functional.cross_entropy(z, labels), z,
                                                   create_graph=True)[0]),
    OpSpec("cross_entropy_grad_ignore_index", lambda rng: [
        Sample((normal(rng, 4, 3), np.array([0, -100, 2, 1])), {}, "default-ignore"),
        Sample((normal(rng, 5, 3), np.array([0, 2, 2, 1, 0])), {"ignore_index": 2}, "in-range-ignore")],
        call=lambda ops, z, labels, **kw: ops.cross_entropy_grad(z, labels, **kw),
        binds=("cross_entropy_grad",),
        torch=lambda t, z, labels, **kw: t.autograd.grad(t.nn.functional.cross_entropy(z, labels, **kw), z,
                                                         create_graph=True)[0]),
]
