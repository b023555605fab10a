"""scikit-learn's bundled 8x8 digits (1797 samples, 10 classes), read from disk, never downloaded."""

from __future__ import annotations

import numpy as np

from .._core.errors import TorchLeanError


def load_digits(test_fraction: float = 0.2, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffled train/test split of digits: ``(x_train, y_train, x_test, y_test)``.

    Pixels are scaled to [0, 1] (divided by 16) as float32; labels are int64.
    Needs scikit-learn (``pip install "torchlean[examples]"``), which bundles the data.
    """
    try:
        from sklearn.datasets import load_digits as _load
    except ImportError:
        raise TorchLeanError('the digits data ships with scikit-learn: pip install "torchlean[examples]"') \
            from None
    d = _load()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = round(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]
