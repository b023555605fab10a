"""PNG pictures for the examples, drawn with matplotlib's Agg renderer (a bare ``Figure``: no
pyplot, no display, no change to matplotlib's global backend)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        from .._core.errors import TorchLeanError

        raise TorchLeanError('writing PNG images needs matplotlib: pip install "torchlean[examples]"') from None
    return Figure(figsize=(width, height), dpi=100)


def image_rows(path: str, rows: Sequence[np.ndarray], labels: Sequence[str], title: str) -> str:
    """Write ``rows`` (each ``(n, h, w)`` grey images in [0, 1]) as a grid, one labelled row
    each, to ``path``; returns ``path``."""
    n = max(len(r) for r in rows)
    fig = _figure(0.8 * n + 1.2, 0.85 * len(rows) + 0.5)
    fig.suptitle(title, fontsize=9)
    axes = fig.subplots(len(rows), n, squeeze=False)
    for i, (images, label) in enumerate(zip(rows, labels)):
        for j in range(n):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j < len(images):
                ax.imshow(np.clip(np.asarray(images[j], dtype=np.float64), 0.0, 1.0), cmap="gray_r", vmin=0.0,
                          vmax=1.0, interpolation="nearest")
            else:
                ax.axis("off")
        axes[i][0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.subplots_adjust(left=1.1 / (0.8 * n + 1.2), right=0.99, top=0.86, bottom=0.02, wspace=0.08, hspace=0.08)
    fig.savefig(path)
    return path


def scatter(path: str, real: np.ndarray, fake: np.ndarray, centers: np.ndarray, title: str) -> str:
    """Write a scatter plot of 2-D points (``real`` and ``fake`` rows, the mixture's ``centers``)
    to ``path``; returns ``path``."""
    fig = _figure(5.0, 5.0)
    ax = fig.add_subplot()
    ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.3, color="tab:blue", label="data")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, alpha=0.5, color="tab:orange", label="generator samples")
    ax.scatter(centers[:, 0], centers[:, 1], s=40, marker="x", color="black", label="mode centres")
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    legend = ax.legend(loc="upper right", fontsize=7)
    for handle in legend.legend_handles:
        handle.set_sizes([20])
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    return path
