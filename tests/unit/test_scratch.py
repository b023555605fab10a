"""Scratch buffers are reused only when nothing else references them."""

from __future__ import annotations

import numpy as np

from torchlean.ops import scratch as S


def test_a_free_buffer_is_reused_and_a_referenced_one_never():
    S.release()
    shape = (256, 128)  # 128 KiB of float32: above the pooling threshold
    a = S.scratch(np, shape, np.float32)
    b = S.scratch(np, shape, np.float32)
    assert a is not b  # a is still referenced here
    view = a[1:]
    del a
    c = S.scratch(np, shape, np.float32)
    assert c is not view.base  # a view keeps its base in use
    kept = S._local.pool[(shape, np.dtype(np.float32))]
    assert len(kept) == 2 and c is not kept[0]  # kept: a (in use through view) and b
    del view, c
    d = S.scratch(np, shape, np.float32)
    assert d is kept[0]  # a, free again, comes back
    del b, d
    assert S.scratch(np, (2, 2), np.float32).shape == (2, 2)  # small arrays: plain np.empty
    assert (shape, np.dtype(np.float32)) in S._local.pool
    S.release()
    assert S._local.pool == {}


def test_pool_is_bounded():
    S.release()
    held = [S.scratch(np, (64, 1024), np.float64) for _ in range(5)]  # all referenced
    assert len({id(h) for h in held}) == 5
    assert len(S._local.pool[((64, 1024), np.dtype(np.float64))]) == S._PER_KEY
    S.release()


def test_conv_results_unchanged_by_reuse():
    import torchlean as tl
    import torchlean.nn.functional as F

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((8, 16, 12, 12)), rng.standard_normal((32, 16, 3, 3)), rng.standard_normal(32)
    s = tl.Session(dtype=np.float64)
    outs, grads = [], []
    for _ in range(3):  # the second and third calls run on kept buffers
        s.reset()
        xi, wi = s.input(x, requires_grad=True), s.input(w, requires_grad=True)
        y = F.conv2d(xi, wi, s.input(b), padding=1)
        (y * y).sum().backward()
        outs.append(y.numpy())
        grads.append((xi.grad.copy(), wi.grad.copy()))
    assert all(np.array_equal(o, outs[0]) for o in outs)
    assert all(np.array_equal(g[0], grads[0][0]) and np.array_equal(g[1], grads[0][1]) for g in grads)


def test_a_reused_padded_buffer_keeps_its_border():
    from torchlean.ops.window import place

    def addr(a):
        return a.__array_interface__["data"][0]

    S.release()
    rng = np.random.default_rng(1)
    lo, hi = (1, 2), (2, 1)
    xs = [rng.standard_normal((4, 20, 20, 8)) + 5 for _ in range(3)]  # no zeros: a stale cell shows
    first = place(np, xs[0], lo, hi, pooled=True)
    assert first.shape == (4, 23, 23, 8)
    kept = addr(first)  # the pool keeps it alive: the address stays its own
    del first
    for fill in (0.0, -np.inf):  # another fill is another pool: never this buffer
        for x in xs[1:]:
            got = place(np, x, lo, hi, fill=fill, pooled=True)
            assert (addr(got) == kept) == (fill == 0.0)  # reused once free
            assert np.array_equal(got, place(np, x, lo, hi, fill=fill))  # the unpooled buffer's values
            del got
    other = place(np, xs[1], (1, 1), (1, 1), pooled=True)  # another padding: another pool
    assert addr(other) != kept and other.shape == (4, 22, 22, 8)
    held = place(np, xs[2], lo, hi, pooled=True)
    assert addr(held) == kept
    second = place(np, xs[1], lo, hi, pooled=True)  # kept is referenced (held): a new buffer
    assert addr(second) != kept and np.array_equal(second, place(np, xs[1], lo, hi))
    assert np.array_equal(held, place(np, xs[2], lo, hi))
    S.release()
