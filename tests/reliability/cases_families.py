"""Op families with geometry and state: convolution and pooling, normalisation and attention,
gathers/scatters/slices/concat, the nat store and its ``*_ref`` gathers, and the random ops (the
counter must not move on failure; the stream is checked against a hand-written SplitMix64).

World tensors as in ``cases_ops``.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

import torchlean as tl

from .harness import F32, F64, X_INIT, ArgumentError, close, err, ok, same, torch_fn

DTypeError, ShapeError = tl.DTypeError, tl.ShapeError
InvalidRefError = tl.InvalidRefError
NONREF = (ArgumentError, DTypeError)  # a non-tensor where a tensor belongs
INF, NAN = math.inf, math.nan


def _eq(a, b):
    assert a == b, f"{a!r} != {b!r}"


X4 = (np.arange(2 * 2 * 5 * 5, dtype=F32).reshape(2, 2, 5, 5) / 10.0) - 2.0
K = (np.arange(3 * 2 * 3 * 3, dtype=F32).reshape(3, 2, 3, 3) / 20.0) - 1.0
KB = np.array([0.5, -1.0, 0.25], F32)


def _conv_cases():
    s4 = lambda w: w.s.input(X4)
    k = lambda w: w.s.input(K)
    kb = lambda w: w.s.input(KB)
    return [
        err("conv2d-pytorch-order", lambda w: w.S.conv2d(s4(w), k(w), kb(w)), ShapeError, "conv2d:",
            "torchlean.nn.functional"),
        err("conv2d-pytorch-order-unbatched", lambda w: w.S.conv2d(w.s.input(X4[0]), k(w), kb(w)), ShapeError,
            "conv2d:", "torchlean.nn.functional"),
        err("conv2d-channel-mismatch", lambda w: w.S.conv2d(w.s.input(np.ones((3, 3, 3, 3), F32)), None, s4(w)),
            ShapeError, "conv2d:", "(3, 3, 3, 3)"),
        err("conv2d-weight-rank", lambda w: w.S.conv2d(w.m, None, s4(w)), ShapeError, "conv2d:"),
        err("conv2d-stride-zero", lambda w: w.S.conv2d(k(w), None, s4(w), stride=0), ShapeError, "conv2d:", "stride"),
        err("conv2d-stride-float", lambda w: w.S.conv2d(k(w), None, s4(w), stride=1.5), ShapeError, "conv2d:",
            "stride"),
        err("conv2d-negative-padding", lambda w: w.S.conv2d(k(w), None, s4(w), padding=-1), ShapeError, "conv2d:",
            "padding"),
        err("conv2d-kernel-larger-than-input", lambda w: w.S.conv2d(w.s.input(np.ones((1, 2, 7, 7), F32)), None,
                                                                   s4(w)), ShapeError, "conv2d:"),
        err("conv2d-bias-wrong-shape", lambda w: w.S.conv2d(k(w), w.s.input([1.0, 2.0]), s4(w)), ShapeError,
            "conv2d:", "bias"),
        err("conv2d-float64-x", lambda w: w.S.conv2d(k(w), None, w.s.input(X4, dtype=F64)), DTypeError, "conv2d:",
            "float64"),
        err("conv2d-int-x", lambda w: w.S.conv2d(k(w), None, w.s.input(X4.astype(np.int64))), DTypeError,
            "conv2d:", "int64"),
        err("conv2d-stale-weight", lambda w: w.S.conv2d(w.stale, None, s4(w)), InvalidRefError, "conv2d:"),
        err("conv2d-stride-tuple-length", lambda w: w.S.conv2d(k(w), None, s4(w), stride=(1, 1, 1)), ShapeError,
            "conv2d:", "stride"),
        err("conv-1d-weight-2d-x", lambda w: w.S.conv(w.s.input(np.ones((3, 2, 2), F32)), None, s4(w)), ShapeError,
            "conv:"),
        err("conv_transpose2d-output-padding-ge-stride", lambda w: w.S.conv_transpose2d(
            w.s.input(np.ones((2, 3, 3, 3), F32)), None, s4(w), stride=1, output_padding=1), ShapeError,
            "conv_transpose2d:", "output_padding"),
        err("conv_transpose2d-bias-float64-halfway", lambda w: w.S.conv_transpose2d(
            w.s.input(np.ones((2, 3, 3, 3), F32)), w.s.input(np.ones(3), dtype=F64), s4(w)), DTypeError,
            "conv_transpose2d:", "float64"),
        err("conv_transpose2d-pytorch-order",
            lambda w: w.S.conv_transpose2d(s4(w), w.s.input(np.ones((2, 3, 3, 3), F32)),
                                                                             kb(w)), ShapeError,
            "conv_transpose2d:", "torchlean.nn.functional"),
        err("max_pool2d-kernel-zero", lambda w: w.S.max_pool2d(s4(w), 0), ShapeError, "max_pool2d:", "kernel"),
        err("max_pool2d-kernel-too-large", lambda w: w.S.max_pool2d(s4(w), 6), ShapeError, "max_pool2d:"),
        err("max_pool2d-kernel-float", lambda w: w.S.max_pool2d(s4(w), 2.0), ShapeError, "max_pool2d:", "kernel"),
        err("max_pool2d-kernel-str", lambda w: w.S.max_pool2d(s4(w), "2"), ShapeError, "max_pool2d:", "kernel"),
        err("max_pool2d-rank-2", lambda w: w.S.max_pool2d(w.m, 2), ShapeError, "max_pool2d:", "(2, 3)"),
        err("max_pool2d_pad-padding-ge-kernel", lambda w: w.S.max_pool2d_pad(s4(w), 2, 1, 2), ShapeError,
            "max_pool2d_pad:", "padding"),
        err("max_pool2d-int-x", lambda w: w.S.max_pool2d(w.s.input(X4.astype(np.int64)), 2), DTypeError,
            "max_pool2d:", "int64"),
        err("avg_pool2d-int-x", lambda w: w.S.avg_pool2d(w.s.input(X4.astype(np.int64)), 2), DTypeError,
            "avg_pool2d:", "int64"),
        err("avg_pool2d-names-public-op", lambda w: w.S.avg_pool2d(s4(w), 7), ShapeError, "avg_pool2d:"),
        err("avg_pool2d_pad-negative-padding", lambda w: w.S.avg_pool2d_pad(s4(w), 2, 1, -1), ShapeError,
            "avg_pool2d_pad:", "padding"),
        err("avg_pool-ambiguous-rank", lambda w: w.S.avg_pool(s4(w), 2), ShapeError, "avg_pool:", "kernel"),
        err("smooth_max_pool2d-beta-zero", lambda w: w.S.smooth_max_pool2d(s4(w), 0.0, 2), ArgumentError,
            "smooth_max_pool2d:", "beta"),
        err("smooth_max_pool2d-beta-nan", lambda w: w.S.smooth_max_pool2d(s4(w), NAN, 2), ArgumentError,
            "smooth_max_pool2d:", "beta"),
        err("smooth_max_pool2d-int-x", lambda w: w.S.smooth_max_pool2d(w.s.input(X4.astype(np.int64)), 1.0, 2),
            DTypeError, "smooth_max_pool2d:", "int64"),
        err("global_avg_pool2d-rank-2", lambda w: w.S.global_avg_pool2d(w.m), ShapeError, "global_avg_pool2d:"),
        err("global_avg_pool2d-empty-spatial", lambda w: w.S.global_avg_pool2d(w.s.input(np.zeros((2, 0, 3), F32))),
            ShapeError, "global_avg_pool2d:"),
        err("global_avg_pool2d-int", lambda w: w.S.global_avg_pool2d(w.s.input(X4.astype(np.int64))), DTypeError,
            "global_avg_pool2d:", "int64"),
        err("global_avg_pool2d_chw-batched", lambda w: w.S.global_avg_pool2d_chw(s4(w)), ShapeError,
            "global_avg_pool2d_chw:"),
        ok("conv2d-matches-torch", lambda w: w.S.conv2d(k(w), kb(w), s4(w), stride=2, padding=1),
           close(torch_fn(lambda t, x, a, b: t.nn.functional.conv2d(x, a, b, stride=2, padding=1),
                          X4.astype(F64), K.astype(F64), KB.astype(F64)), F32, rtol=1e-5, atol=1e-5)),
        ok("conv2d-empty-batch", lambda w: w.S.conv2d(k(w), kb(w), w.s.input(np.zeros((0, 2, 5, 5), F32))),
           same(np.zeros((0, 3, 3, 3), F32))),
        ok("max_pool2d-matches-torch", lambda w: w.S.max_pool2d(s4(w), 2),
           same(torch_fn(lambda t, x: t.nn.functional.max_pool2d(x, 2), X4).astype(F32))),
        ok("max_pool2d-with-inf", lambda w: w.S.max_pool2d(w.s.input(np.array([[[-INF, 1.0], [INF, 0.0]]], F32)), 2),
           same(np.array([[[INF]]], F32))),
        ok("avg_pool2d_pad-count-include-pad", lambda w: w.S.avg_pool2d_pad(s4(w), 3, 2, 1),
           close(torch_fn(lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=True),
                          X4.astype(F64)), F32, rtol=1e-5, atol=1e-6)),
        ok("global_avg_pool2d-matches-numpy", lambda w: w.S.global_avg_pool2d(s4(w)),
           close(X4.astype(F64).mean(axis=(-2, -1)), F32)),
    ]


def _norm_cases():
    x = np.array([[1.0, 2.0, 4.0], [-1.0, 0.0, 1.0]], F32)
    g, b = np.array([1.0, 0.5, 2.0], F32), np.array([0.0, 1.0, -1.0], F32)
    gi = lambda w: w.s.input(g)
    bi = lambda w: w.s.input(b)
    q = np.array([[0.1, 0.2, -0.1, 0.3], [0.0, -0.2, 0.4, 0.1], [0.3, 0.1, 0.2, -0.3]], F32)  # (3, 4)
    xa = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0]], F32)  # n=2, D=3
    mha = lambda w, **kw: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q.T), w.s.input(xa),
                                                   **kw)
    mask_bad = lambda w: w.s.input(np.ones((3, 3), bool))
    return [
        err("layer_norm-gamma-wrong-shape", lambda w: w.S.layer_norm(w.s.input(x), w.s.input([1.0, 2.0]), bi(w)),
            ShapeError, "layer_norm:", "(2,)"),
        err("layer_norm-int-x", lambda w: w.S.layer_norm(w.s.input(x.astype(np.int64)), gi(w), bi(w)), DTypeError,
            "layer_norm:", "int64"),
        err("layer_norm-float64-gamma", lambda w: w.S.layer_norm(w.s.input(x), w.s.input(g, dtype=F64), bi(w)),
            DTypeError, "layer_norm:", "float64"),
        err("layer_norm-negative-eps", lambda w: w.S.layer_norm(w.s.input(x), gi(w), bi(w), eps=-1.0), ArgumentError,
            "layer_norm:", "eps"),
        err("layer_norm-str-eps", lambda w: w.S.layer_norm(w.s.input(x), gi(w), bi(w), eps="1e-5"), ArgumentError,
            "layer_norm:", "eps"),
        err("layer_norm-empty-last-axis", lambda w: w.S.layer_norm(w.s.input(np.zeros((2, 0), F32)),
                                                                    w.s.input(np.zeros(0, F32)),
                                                                    w.s.input(np.zeros(0, F32))),
            ShapeError, "layer_norm:"),
        err("layer_norm-stale-beta", lambda w: w.S.layer_norm(w.s.input(x), gi(w), w.stale), InvalidRefError,
            "layer_norm:"),
        err("normalize_last-0d", lambda w: w.S.normalize_last(w.s.input(np.float32(1.0))), ShapeError,
            "normalize_last:"),
        err("batchnorm-wrong-rank", lambda w: w.S.batchnorm_channel_first(w.x, gi(w), bi(w)), ShapeError,
            "batchnorm_channel_first:"),
        err("batchnorm-spatial-dims-zero", lambda w: w.S.batchnorm_channel_first(w.s.input(X4), gi(w), bi(w),
                                                                                 spatial_dims=0),
            ArgumentError, "batchnorm_channel_first:", "spatial_dims"),
        err("batchnorm-gamma-wrong-shape", lambda w: w.S.batchnorm_channel_first(w.s.input(X4), gi(w), bi(w)),
            ShapeError, "batchnorm_channel_first:", "(2,)"),
        err("masked_softmax-float-mask", lambda w: w.S.masked_softmax(w.m, w.m), DTypeError, "masked_softmax:",
            "float32"),
        err("masked_softmax-mask-wrong-shape", lambda w: w.S.masked_softmax(w.m, w.s.input(np.ones((2, 2), bool))),
            ShapeError, "masked_softmax:", "(2, 2)"),
        err("masked_softmax-int-x", lambda w: w.S.masked_softmax(w.i, w.s.input([True, False])), DTypeError,
            "masked_softmax:", "int64"),
        err("mha-num_heads-zero", lambda w: mha(w, num_heads=0), ArgumentError, "multi_head_attention:",
            "num_heads"),
        err("mha-num_heads-not-dividing", lambda w: mha(w, num_heads=3), ShapeError, "multi_head_attention:",
            "num_heads"),
        err("mha-num_heads-float", lambda w: mha(w, num_heads=2.0), ArgumentError, "multi_head_attention:",
            "num_heads"),
        err("mha-missing-num_heads", lambda w: mha(w), ArgumentError, "multi_head_attention", "num_heads"),
        err("mha-mask-wrong-shape", lambda w: mha(w, mask=mask_bad(w), num_heads=2), ShapeError,
            "multi_head_attention:", "(3, 3)"),
        err("mha-mask-float", lambda w: mha(w, mask=w.s.input(np.ones((2, 2), F32)), num_heads=2), DTypeError,
            "multi_head_attention:", "float32"),
        err("mha-x-rank-1", lambda w: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q.T),
                                                              w.s.input([1.0, 2.0, 3.0]), num_heads=2),
            ShapeError, "multi_head_attention:", "(3,)"),
        err("mha-int-x", lambda w: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q.T),
                                                           w.s.input(np.ones((2, 3), np.int64)), num_heads=2),
            DTypeError, "multi_head_attention:", "int64"),
        err("mha-wo-wrong-shape", lambda w: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q),
                                                                    w.s.input(xa), num_heads=2),
            ShapeError, "multi_head_attention:", "wo"),
        ok("layer_norm-matches-torch", lambda w: w.S.layer_norm(w.s.input(x), gi(w), bi(w), eps=1e-5),
           close(torch_fn(lambda t, a, gg, bb: t.nn.functional.layer_norm(a, (3,), gg, bb, eps=1e-5),
                          x.astype(F64), g.astype(F64), b.astype(F64)), F32, rtol=1e-5, atol=1e-6)),
        ok("layer_norm-constant-row", lambda w: w.S.layer_norm(w.s.input(np.full((1, 3), 7.0, F32)), gi(w), bi(w)),
           same(b[None, :])),
        ok("masked_softmax-fully-blocked-row-zero", lambda w: w.S.masked_softmax(
            w.m, w.s.input(np.array([[True, False, True], [False, False, False]]))),
           close(np.array([[np.exp(-2.5) / (np.exp(-2.5) + np.exp(-0.5)), 0.0,
                            np.exp(-0.5) / (np.exp(-2.5) + np.exp(-0.5))], [0.0, 0.0, 0.0]]), F32)),
        ok("mha-matches-torch", lambda w: mha(w, num_heads=2), close(_mha_torch(q, xa), F32, rtol=1e-5, atol=1e-6)),
    ]


def _mha_torch(q, xa):
    import torch

    x = torch.tensor(xa, dtype=torch.float64)
    w = torch.tensor(q, dtype=torch.float64)
    heads, hd = 2, 2
    qq, kk, vv = (x @ w).view(2, heads, hd).transpose(0, 1), (x @ w).view(2, heads, hd).transpose(0, 1), \
        (x @ w).view(2, heads, hd).transpose(0, 1)
    a = torch.softmax(qq @ kk.transpose(-1, -2) / math.sqrt(hd), -1)
    o = (a @ vv).transpose(0, 1).reshape(2, 4)
    return (o @ w.T).numpy()


def _index_cases():
    rows = np.arange(12, dtype=F32).reshape(4, 3)
    r = lambda w: w.s.input(rows)
    return [
        err("take-float-indices", lambda w: w.S.take(r(w), [0.0, 1.0]), DTypeError, "take:", "float64"),
        err("take-float-index-tensor", lambda w: w.S.take(r(w), w.x), DTypeError, "take:", "float32"),
        err("take-bool-index", lambda w: w.S.take(r(w), True), DTypeError, "take:", "True"),
        err("take-str-index", lambda w: w.S.take(r(w), "1"), DTypeError, "take:", "'1'"),
        err("take-foreign-index", lambda w: w.S.take(r(w), w.other.input([0, 1])), InvalidRefError, "take:",
            "another session"),
        err("take-stale-x", lambda w: w.S.take(w.stale, [0]), InvalidRefError, "take:", "stale"),
        err("take-0d-x", lambda w: w.S.take(w.s.input(np.float32(1.0)), 0), ShapeError, "take:"),
        err("take-ragged-indices", lambda w: w.S.take(r(w), [[0, 1], [2]]), (ShapeError, DTypeError, ArgumentError),
            "take:"),
        err("gather_row-vector-index", lambda w: w.S.gather_row(r(w), [0, 1]), ShapeError, "gather_row:", "(2,)"),
        err("gather_scalar-matrix-x", lambda w: w.S.gather_scalar(r(w), 0), ShapeError, "gather_scalar:", "(4, 3)"),
        err("gather_vec_nat-float-index", lambda w: w.S.gather_vec_nat(w.x, np.array([0.5])), DTypeError,
            "gather_vec_nat:"),
        err("gather_rows_nat-None-index", lambda w: w.S.gather_rows_nat(r(w), None), (DTypeError, ArgumentError),
            "gather_rows_nat:"),
        err("index_select-dim-out-of-range", lambda w: w.S.index_select(r(w), 2, [0]), ShapeError, "index_select:",
            "2"),
        err("index_select-2d-index", lambda w: w.S.index_select(r(w), 0, [[0, 1]]), ShapeError, "index_select:",
            "(1, 2)"),
        err("index_add-source-wrong-shape", lambda w: w.S.index_add(r(w), 0, [0, 1], w.x), ShapeError,
            "index_add:", "(3,)"),
        err("index_add-int-x", lambda w: w.S.index_add(w.s.input(np.ones((4, 3), np.int64)), 0, [0, 1],
                                                       w.s.input(np.ones((2, 3), np.int64))),
            DTypeError, "index_add:", "int64"),
        err("scatter_add_row-v-wrong-shape", lambda w: w.S.scatter_add_row(r(w), w.s.input([1.0, 2.0]), 0),
            ShapeError, "scatter_add_row:", "(2,)"),
        err("scatter_add_row-float64-v", lambda w: w.S.scatter_add_row(r(w), w.d, 0), DTypeError,
            "scatter_add_row:", "float64"),
        err("scatter_add_vec-matrix-x", lambda w: w.S.scatter_add_vec(r(w), w.s.input(np.float32(1.0)), 0),
            ShapeError, "scatter_add_vec:"),
        err("scatter_add_vec-vector-index", lambda w: w.S.scatter_add_vec(w.x, w.s.input(np.float32(1.0)), [0, 1]),
            ShapeError, "scatter_add_vec:"),
        err("take_transpose-float-n", lambda w: w.S.take_transpose(w.m, [0, 1], 4.0), ArgumentError,
            "take_transpose", "n"),
        err("slice-start-after-stop", lambda w: w.S.slice(w.x, 0, 2, 1), ShapeError, "slice:"),
        err("slice-stop-beyond", lambda w: w.S.slice(w.x, 0, 0, 5), ShapeError, "slice:", "5"),
        err("slice-float-start", lambda w: w.S.slice(w.x, 0, 0.5), ArgumentError, "slice", "start"),
        err("slice-0d", lambda w: w.S.slice(w.s.input(np.float32(1.0)), 0, 0), ShapeError, "slice:"),
        err("narrow-out-of-range", lambda w: w.S.narrow(w.m, 1, 2, 2), ShapeError, "narrow:"),
        err("slice_range0-negative-start", lambda w: w.S.slice_range0(w.m, -1, 1), ShapeError, "slice_range0:"),
        err("cat-empty-list", lambda w: w.S.cat([]), ShapeError, "cat:"),
        err("cat-dtype-mismatch", lambda w: w.S.cat([w.x, w.d]), DTypeError, "cat:", "float64"),
        err("cat-0d", lambda w: w.S.cat([w.s.input(np.float32(1.0)), w.s.input(np.float32(2.0))]), ShapeError,
            "cat:"),
        err("cat-shape-mismatch", lambda w: w.S.cat([w.m, w.s.input(np.ones((2, 2), F32))], axis=0), ShapeError,
            "cat:"),
        err("cat-stale-third", lambda w: w.S.cat([w.x, w.x, w.stale]), InvalidRefError, "cat:", "stale"),
        err("cat-not-a-list", lambda w: w.S.cat(5), (ArgumentError, DTypeError), "cat"),
        err("concat-axis-out-of-range", lambda w: w.S.concat(w.x, w.x, 1), ShapeError, "concat:"),
        err("concat_vectors-matrix", lambda w: w.S.concat_vectors(w.m, w.x), ShapeError, "concat_vectors:"),
        ok("take-out-of-range-zero-rows", lambda w: w.S.take(r(w), [1, 4, -1]),
           same(np.stack([rows[1], np.zeros(3, F32), np.zeros(3, F32)]))),
        ok("take-beyond-int64-zero-row", lambda w: w.S.take(r(w), 2**70), same(np.zeros(3, F32))),
        ok("take-numpy-int32-indices", lambda w: w.S.take(r(w), np.array([3, 0], np.int32)), same(rows[[3, 0]])),
        ok("take-empty-indices", lambda w: w.S.take(r(w), []), same(np.zeros((0, 3), F32))),
        ok("take-gradient-duplicates", lambda w: _take_grad(w), same(np.array([[2.0] * 3, [0.0] * 3, [1.0] * 3,
                                                                              [0.0] * 3], F32))),
        ok("index_select-dim1", lambda w: w.S.index_select(r(w), 1, [2, 0]), same(rows[:, [2, 0]])),
        ok("index_add-duplicates", lambda w: w.S.index_add(r(w), 0, [1, 1], w.s.input(np.ones((2, 3), F32))),
           same(rows + np.array([[0] * 3, [2] * 3, [0] * 3, [0] * 3], F32))),
        ok("scatter_add_row-out-of-range-unchanged", lambda w: w.S.scatter_add_row(r(w), w.s.input([1.0, 1.0, 1.0]), 9),
           same(rows)),
        ok("slice-negative-start", lambda w: w.S.slice(w.x, 0, -2), same(X_INIT[1:])),
        ok("slice-empty", lambda w: w.S.slice(w.x, 0, 1, 1), same(np.zeros(0, F32))),
        ok("cat-single", lambda w: w.S.cat([w.x]), same(X_INIT)),
        ok("cat-zero-size", lambda w: w.S.cat([w.x, w.s.input(np.zeros(0, F32))]), same(X_INIT)),
    ]


def _take_grad(w):
    a = w.s.input(np.arange(12, dtype=F32).reshape(4, 3), requires_grad=True)
    return w.s.backward(w.s.sum(w.s.take(a, [0, 2, 0, 7])))[a]


def _nat_cases():
    rows = np.arange(12, dtype=F32).reshape(4, 3)
    r = lambda w: w.s.input(rows)
    return [
        err("nat-negative", lambda w: w.S.nat(-1), ArgumentError, "nat", "-1"),
        err("nat-float", lambda w: w.S.nat(1.5), ArgumentError, "nat", "1.5"),
        err("nat-bool", lambda w: w.S.nat(True), ArgumentError, "nat", "True"),
        err("nat-None", lambda w: w.S.nat(None), ArgumentError, "nat", "None"),
        err("nat_vec-negative", lambda w: w.S.nat_vec([1, -2]), ArgumentError, "nat_vec", "-2"),
        err("nat_vec-floats", lambda w: w.S.nat_vec([1.0, 2.5]), DTypeError, "nat_vec"),
        err("nat_vec-str", lambda w: w.S.nat_vec("12"), DTypeError, "nat_vec"),
        err("set_nat-negative", lambda w: w.S.set_nat(w.n, -3), ArgumentError, "set_nat", "-3"),
        err("set_nat-float", lambda w: w.S.set_nat(w.n, 2.0), ArgumentError, "set_nat", "2.0"),
        err("set_nat-on-vec", lambda w: w.S.set_nat(w.nv, 1), InvalidRefError, "set_nat", "NatVecRef"),
        err("set_nat_vec-wrong-length", lambda w: w.S.set_nat_vec(w.nv, [1, 2]), ShapeError, "set_nat_vec", "3",
            "2"),
        err("set_nat_vec-negative", lambda w: w.S.set_nat_vec(w.nv, [1, 2, -1]), ArgumentError, "set_nat_vec",
            "-1"),
        err("set_nat_vec-on-nat", lambda w: w.S.set_nat_vec(w.n, [1]), InvalidRefError, "set_nat_vec", "NatRef"),
        err("get_nat-on-vec", lambda w: w.S.get_nat(w.nv), InvalidRefError, "get_nat", "NatVecRef"),
        err("get_nat_vec-on-nat", lambda w: w.S.get_nat_vec(w.n), InvalidRefError, "get_nat_vec", "NatRef"),
        err("get_nat-stale", lambda w: w.S.get_nat(w.stale_nat), InvalidRefError, "get_nat"),
        err("get_nat-foreign", lambda w: w.other.get_nat(w.n), InvalidRefError, "get_nat"),
        err("get_nat-int", lambda w: w.S.get_nat(0), InvalidRefError, "get_nat", "int"),
        err("gather_scalar_ref-with-vec", lambda w: w.S.gather_scalar_ref(w.x, w.nv), InvalidRefError,
            "gather_scalar_ref", "NatVecRef"),
        err("gather_row_ref-stale-nat", lambda w: w.S.gather_row_ref(r(w), w.stale_nat), InvalidRefError,
            "gather_row_ref"),
        err("gather_vec_ref-with-nat", lambda w: w.S.gather_vec_ref(w.x, w.n), InvalidRefError, "gather_vec_ref",
            "NatRef"),
        err("gather_rows_ref-with-int", lambda w: w.S.gather_rows_ref(r(w), 1), InvalidRefError, "gather_rows_ref"),
        err("gather_scalar_ref-matrix-x", lambda w: w.S.gather_scalar_ref(r(w), w.n), ShapeError,
            "gather_scalar_ref:"),
        err("nat_tensor-int", lambda w: w.S.nat_tensor(3), InvalidRefError, "nat_tensor"),
        ok("gather_row_ref-reads-current", lambda w: (w.s.set_nat(w.n, 3), w.s.gather_row_ref(r(w), w.n))[1],
           same(rows[3])),
        ok("gather_rows_ref-out-of-range", lambda w: (w.s.set_nat_vec(w.nv, [0, 9, 2]),
                                                      w.s.gather_rows_ref(r(w), w.nv))[1],
           same(np.stack([rows[0], np.zeros(3, F32), rows[2]]))),
        ok("nat_tensor-values", lambda w: w.S.nat_tensor(w.nv), same(np.array([0, 1, 2], np.int64), np.int64)),
        ok("nat-survives-failed-op", lambda w: (_swallow(lambda: w.s.nat(-1)), w.s.get_nat_vec(w.nv))[1],
           lambda r, w: _eq(r, [0, 1, 2])),
    ]


def _swallow(f):
    with contextlib.suppress(tl.TorchLeanError):
        f()


def _splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def _uniform(seed, counter, n):
    key = _splitmix64((seed + counter) & 0xFFFFFFFFFFFFFFFF)
    return np.array([(_splitmix64((key + i) & 0xFFFFFFFFFFFFFFFF) % 2**32) / 2**32 for i in range(n)])


def _random_cases():
    return [
        err("rand_uniform-negative-shape", lambda w: w.S.rand_uniform((-1,)), ShapeError, "rand_uniform:", "-1"),
        err("rand_uniform-float-shape", lambda w: w.S.rand_uniform((2.5,)), ShapeError, "rand_uniform:", "2.5"),
        err("rand_uniform-bad-dtype", lambda w: w.S.rand_uniform((2,), dtype="flot32"), (DTypeError, ArgumentError),
            "rand_uniform", "flot32"),
        err("rand_uniform-int-dtype", lambda w: w.S.rand_uniform((2,), dtype=np.int64), DTypeError,
            "rand_uniform", "int64"),
        err("rand_uniform-float16", lambda w: w.S.rand_uniform((2,), dtype=np.float16), DTypeError,
            "rand_uniform", "float16"),
        err("bernoulli_mask-keep_prob-vector", lambda w: w.S.bernoulli_mask(w.x, (3,)), ShapeError,
            "bernoulli_mask:", "(3,)"),
        err("bernoulli_mask-keep_prob-above-one", lambda w: w.S.bernoulli_mask(1.5, (3,)), ArgumentError,
            "bernoulli_mask", "1.5"),
        err("bernoulli_mask-keep_prob-nan", lambda w: w.S.bernoulli_mask(NAN, (3,)), ArgumentError,
            "bernoulli_mask", "nan"),
        err("bernoulli_mask-keep_prob-str", lambda w: w.S.bernoulli_mask("0.5", (3,)), NONREF, "bernoulli_mask"),
        err("bernoulli_mask-stale-keep_prob", lambda w: w.S.bernoulli_mask(w.stale, (3,)), InvalidRefError,
            "bernoulli_mask"),
        err("dropout-p-above-one", lambda w: w.S.dropout(w.x, 1.5), ArgumentError, "dropout:", "1.5"),
        err("dropout-p-negative", lambda w: w.S.dropout(w.x, -0.1), ArgumentError, "dropout:", "-0.1"),
        err("dropout-p-str", lambda w: w.S.dropout(w.x, "a"), ArgumentError, "dropout"),
        err("dropout-int-x-halfway", lambda w: w.S.dropout(w.i, 0.5), DTypeError, "dropout:", "int64"),
        err("dropout-stale-x", lambda w: w.S.dropout(w.stale, 0.5), InvalidRefError, "dropout:", "stale"),
        ok("rand_uniform-splitmix64-stream", lambda w: w.S.rand_uniform((4,)),
           same(_uniform(0, 1, 4).astype(F32), F32)),
        ok("rand_uniform-counter-survives-failure", lambda w: (_swallow(lambda: w.s.rand_uniform((-1,))),
                                                               w.s.rand_uniform((3,)))[1],
           same(_uniform(0, 1, 3).astype(F32))),
        ok("rand_uniform-counter-survives-reset", lambda w: (w.s.reset(), w.s.rand_uniform((2,)))[1],
           same(_uniform(0, 1, 2).astype(F32))),
        ok("rand_uniform-seeded-session", lambda w: w.session(seed=7).rand_uniform((3,), dtype=F64),
           same(_uniform(7, 0, 3), F64)),
        ok("rand_uniform-zero-size", lambda w: w.S.rand_uniform((0, 2)), same(np.zeros((0, 2), F32))),
        ok("rand_uniform-0d", lambda w: w.S.rand_uniform(()), same(np.float32(_uniform(0, 1, 1)[0]))),
        ok("bernoulli_mask-stream", lambda w: w.S.bernoulli_mask(0.5, (6,)),
           same((_uniform(0, 1, 6) < 0.5).astype(F32))),
        ok("dropout-p-zero-identity", lambda w: w.S.dropout(w.x, 0.0), same(X_INIT)),
        ok("dropout-eval-identity", lambda w: w.S.dropout(w.x, 0.5, training=False), same(X_INIT)),
        ok("dropout-p-one-zeros", lambda w: w.S.dropout(w.x, 1.0), same(np.zeros(3, F32))),
        ok("dropout-rescales", lambda w: w.S.dropout(w.s.input(np.ones(6, F32)), 0.5),
           same((_uniform(0, 1, 6) < 0.5).astype(F32) * 2.0)),
    ]


CASES = _conv_cases() + _norm_cases() + _index_cases() + _nat_cases() + _random_cases()
