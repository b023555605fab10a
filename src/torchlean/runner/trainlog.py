"""``--log PATH``: the train log as JSON and its loss curve as a PNG beside it.

The JSON (``"format": "torchlean-trainlog-1"``) holds the configuration, the loss of every
step, one record per epoch (mean loss, steps, seconds), timings and the final metrics; a run
resumed from a checkpoint carries the earlier steps too. The PNG (``PATH`` with ``.png`` for
``.json``) is drawn with matplotlib's Agg renderer (no pyplot, no display, no global backend change).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

FORMAT = "torchlean-trainlog-1"


def plot_path(log_path: str) -> str:
    """Where the loss curve of ``log_path`` goes."""
    root, ext = os.path.splitext(log_path)
    return root + ".png" if ext.lower() == ".json" else log_path + ".png"


def plain(v: Any) -> Any:
    """JSON-ready values: NumPy numbers to Python ones, non-finite floats to None."""
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if hasattr(v, "item") and callable(v.item) and getattr(v, "ndim", 1) == 0:
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def write(path: str, record: Mapping[str, Any]) -> tuple[str, str]:
    """Write the JSON and the PNG; returns both paths."""
    png = plot_path(path)
    body = dict(plain(record))
    body["format"] = FORMAT
    body["plot"] = os.path.basename(png)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(body, fh, indent=1, allow_nan=False)
        fh.write("\n")
    os.replace(tmp, path)
    plot(png, record.get("loss", []), record.get("epochs", []), str(record.get("title", "")),
         str(record.get("unit", "epochs")))
    return path, png


def plot(path: str, losses: Sequence[float], epochs: Sequence[Mapping[str, Any]], title: str, unit: str) -> None:
    """The loss of every step, and each epoch's mean, against the step (log scale if positive)."""
    from matplotlib.figure import Figure  # a bare Figure renders with Agg: no pyplot, no display

    fig = Figure(figsize=(6.4, 3.6), dpi=100)
    ax = fig.add_subplot()
    steps = range(1, len(losses) + 1)
    finite = [x for x in losses if x is not None and math.isfinite(x)]
    ax.plot(steps, losses, lw=0.6, alpha=0.5, color="tab:blue", label="loss per step")
    if unit == "epochs" and epochs:
        ends = [int(e["end_step"]) for e in epochs]
        ax.plot(ends, [e["mean_loss"] for e in epochs], "o-", ms=3, color="tab:orange", label="epoch mean")
    if finite and min(finite) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path)
