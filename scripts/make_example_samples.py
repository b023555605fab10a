"""Produce the small synthetic samples the data examples default to (run once; committed).

* ``src/torchlean/examples/data/sample.csv``: 300 rows, features f1..f4 and a ``label`` column
  (classes 0, 1, 2: three Gaussian clusters in 4-D with unit noise, centres about 4.5 apart);
* ``src/torchlean/examples/data/sample.npz``: arrays ``x`` (400, 5) float64 and ``y`` (400,)
  float64 with ``y = sin(2 x0) + x1 x2 - 0.5 x3 + 0.1 noise`` (a regression target).

Both come from NumPy's ``default_rng(2026)``, so they are re-made exactly by this script.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "src" / "torchlean" / "examples" / "data"


def main() -> None:
    rng = np.random.default_rng(2026)
    centres = np.array([[0.0, 0.0, 0.0, 0.0], [4.0, 0.0, 2.0, 0.0], [0.0, 4.0, 0.0, 2.0]])
    labels = rng.integers(0, 3, 300)
    features = centres[labels] + rng.normal(0.0, 1.0, (300, 4))
    rows = [",".join([*(f"{v:.4f}" for v in f), str(int(k))]) for f, k in zip(features, labels)]
    (OUT / "sample.csv").write_text("f1,f2,f3,f4,label\n" + "\n".join(rows) + "\n")
    x = rng.uniform(-1.5, 1.5, (400, 5))
    y = np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] - 0.5 * x[:, 3] + 0.1 * rng.normal(size=400)
    np.savez(OUT / "sample.npz", x=x, y=y)
    print(f"wrote {OUT / 'sample.csv'} and {OUT / 'sample.npz'}")


if __name__ == "__main__":
    main()
