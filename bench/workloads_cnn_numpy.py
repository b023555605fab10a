"""W3 written by hand in NumPy: the baseline the compiled path should beat.

The same model, parameters and batches as ``workloads_cnn`` (conv 1->16 3x3 pad 1, ReLU,
max-pool 2, conv 16->32 3x3 pad 1, ReLU, global average pool, linear 32->10, cross-entropy,
SGD lr 0.1), channels-last inside: im2col by ``sliding_window_view``, one GEMM per
convolution and per adjoint, max-pool by argmax over each window and its adjoint by one scatter, col2im as nine
strided adds. What an experienced NumPy programmer would write, without a framework.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from workloads import _cycle
from workloads_cnn import cnn_init, digits_images


def _im2col(xp: np.ndarray) -> np.ndarray:
    """(N, H+2, W+2, C) padded channels-last -> (N*H*W, C*9), columns ordered (c, kh, kw)."""
    n, hp, wp, c = xp.shape
    win = sliding_window_view(xp, (3, 3), axis=(1, 2))  # (N, H, W, C, 3, 3)
    return win.reshape(n * (hp - 2) * (wp - 2), c * 9)


def _col2im(dcols: np.ndarray, n: int, h: int, w: int, c: int) -> np.ndarray:
    """Adjoint of ``_im2col`` followed by removing the padding: (N*H*W, C*9) -> (N, H, W, C)."""
    d = dcols.reshape(n, h, w, c, 3, 3)
    out = np.zeros((n, h + 2, w + 2, c), dcols.dtype)
    for i in range(3):
        for j in range(3):
            out[:, i:i + h, j:j + w, :] += d[..., i, j]
    return out[:, 1:h + 1, 1:w + 1, :]


def _pad(x: np.ndarray) -> np.ndarray:
    return np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))


def loss_and_grads(params: list[np.ndarray], xb: np.ndarray, yb: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """The W3 loss and the gradients of ``params`` (the same layouts as ``cnn_init``)."""
    w1, b1, w2, b2, w3, b3 = params
    n = xb.shape[0]
    w1m, w2m = w1.reshape(16, 9), w2.reshape(32, 144)
    cols1 = _im2col(_pad(xb.reshape(n, 8, 8, 1)))  # (N*64, 9)
    a1 = cols1 @ w1m.T + b1  # (N*64, 16), i.e. (N, 8, 8, 16)
    # each 2x2 window on a last axis, in PyTorch's order (the first maximum gets the gradient)
    win = np.maximum(a1, 0).reshape(n, 4, 2, 4, 2, 16).transpose(0, 1, 3, 5, 2, 4).reshape(n, 4, 4, 16, 4)
    arg = win.argmax(axis=-1)[..., None]
    p1 = np.take_along_axis(win, arg, -1)[..., 0]  # (N, 4, 4, 16)
    cols2 = _im2col(_pad(p1))  # (N*16, 144)
    a2 = cols2 @ w2m.T + b2  # (N*16, 32)
    h2 = np.maximum(a2, 0)
    g = h2.reshape(n, 16, 32).mean(axis=1)
    z = g @ w3.T + b3
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(s[:, 0]) - z[rows, yb]))
    dz = e / s
    dz[rows, yb] -= 1
    dz /= n
    dg = dz @ w3
    da2 = np.repeat(dg / 16, 16, axis=0) * (a2 > 0)  # each of the 16 positions of a sample
    dcols2 = da2 @ w2m
    dp1 = _col2im(dcols2, n, 4, 4, 16)
    dwin = np.zeros_like(win)
    np.put_along_axis(dwin, arg, dp1[..., None], -1)
    da1 = dwin.reshape(n, 4, 4, 16, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(n * 64, 16) * (a1 > 0)
    grads = [(da1.T @ cols1).reshape(w1.shape), da1.sum(0), (da2.T @ cols2).reshape(w2.shape), da2.sum(0),
             dz.T @ g, dz.sum(0)]
    return loss, grads


def w3_numpy_hand():
    batches = _cycle(digits_images())
    params = cnn_init()

    def step():
        _, grads = loss_and_grads(params, *next(batches))
        for i, gr in enumerate(grads):
            params[i] -= np.float32(0.1) * gr

    return step
