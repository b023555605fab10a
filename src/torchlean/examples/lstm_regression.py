"""Time-series regression with nn.LSTM: predict the next value of a noisy sine wave.

Synthetic data, generated with NumPy from --seed: y_t = sin(2 pi t / 25.3) + noise, with Gaussian
noise of standard deviation `noise` (0.1), for `points` (2000) steps. Each sample is a window
of `window` (32) consecutive values and its target the value that follows. The first 80% of
the series trains, the last 20% tests (later in time, never seen). The model is a one-layer
nn.LSTM (batch_first, input size 1) and a Linear layer on its last output; MSE, Adam with a
cosine schedule, batches of 64. --steps counts epochs.

The test MSE is compared with two references: the noise itself (the MSE of the clean sine
against the noisy targets, about noise^2: no predictor can do better on average) and the naive
forecast "the next value is the last one". --out DIR gets predictions.png: the noisy test
series, the clean sine and the one-step predictions.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

SUMMARY = "nn.LSTM forecasts a noisy sine one step ahead; test MSE against the noise floor"
GROUP = "models"
ORDER = 22
FLAGS = ("out",)
DEFAULTS = {"steps": 10, "lr": 0.01, "batch": 64, "hidden": 32, "window": 32, "points": 2000, "noise": 0.1}
SMOKE = {"steps": 4, "lr": 0.02, "hidden": 16, "window": 16, "points": 600}
RESULT = ("test MSE 0.0125 after 10 epochs, 1.12 times the noise floor 0.0111 (the last-value forecast: "
          "0.0536; seed 0, float32)")
CHECKS = [("mse_over_noise", "<", 1.25), ("test_mse", "<", "last_value_mse")]
SMOKE_CHECKS = [("test_mse", "<", "last_value_mse")]

PERIOD = 25.3  # steps per cycle (not an integer, so no window repeats exactly)


def noisy_sine(points, noise, seed):
    """The clean and the noisy series, ``points`` steps."""
    t = np.arange(points)
    clean = np.sin(2 * np.pi * t / PERIOD)
    return clean, clean + np.random.default_rng(seed).normal(0.0, noise, points)


def windows(series, window, dtype):
    """Every window of ``window`` values (N, window, 1) and the value after it (N, 1)."""
    idx = np.arange(len(series) - window)[:, None] + np.arange(window)
    return series[idx][..., None].astype(dtype), series[window:, None].astype(dtype)


class Forecaster(nn.Module):
    """LSTM over the window, then a Linear layer on the last step's output."""

    def __init__(self, hidden):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        output, _ = self.lstm(x)  # (N, window, hidden)
        return self.head(output[:, -1])


def run(cfg):
    clean, series = noisy_sine(cfg.points, cfg.noise, cfg.seed)
    split = int(0.8 * cfg.points)
    x_train, y_train = windows(series[:split], cfg.window, cfg.dtype)
    x_test, y_test = windows(series[split - cfg.window:], cfg.window, cfg.dtype)  # targets after the split
    clean_test = clean[split:]

    tl.manual_seed(cfg.seed)
    s = cfg.session()
    model = Forecaster(cfg.hidden).to(cfg.dtype)
    net = cfg.compile(model)
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        drop_last=True, seed=cfg.seed))
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = tl.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps * len(loader))
    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)

    def predict():
        with tl.no_grad():
            return net(s.input(x_test)).numpy()[:, 0]

    print(f"torchlean lstm_regression: {len(x_train)} train / {len(x_test)} test windows of {cfg.window} steps, "
          f"noise {cfg.noise}, LSTM hidden {cfg.hidden} (device={cfg.device})")
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = F.mse_loss(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            opt.step()
            sched.step()
            total += track.record(loss)
        if epoch % 2 == 1 or epoch + 1 == cfg.steps:
            test_mse = float(np.mean((predict() - y_test[:, 0]) ** 2))
            print(f"epoch {epoch + 1:3d}  train MSE {total / len(loader):.5f}  test MSE {test_mse:.5f}")

    predicted, target = predict(), y_test[:, 0].astype(np.float64)
    test_mse = float(np.mean((predicted - target) ** 2))
    noise_floor = float(np.mean((clean_test - target) ** 2))
    last_value = float(np.mean((x_test[:, -1, 0] - target) ** 2))
    print(f"test MSE {test_mse:.5f} = {test_mse / noise_floor:.3f} x the noise floor {noise_floor:.5f} "
          f"(last-value forecast {last_value:.5f})")
    if cfg.dist.is_main:
        path = cfg.artifact("predictions.png")
        plot(path, target, clean_test, predicted, test_mse)
        print(f"  wrote {path}")
    return track.finish(test_mse=test_mse, noise_floor=noise_floor, mse_over_noise=test_mse / noise_floor,
                        last_value_mse=last_value)


def plot(path, target, clean, predicted, mse, shown=150):
    """The first ``shown`` test steps: noisy targets, the clean sine, the predictions."""
    from matplotlib.figure import Figure  # Agg, no pyplot, no display

    fig = Figure(figsize=(7.2, 3.2), dpi=100)
    ax = fig.add_subplot()
    t = np.arange(min(shown, len(target)))
    ax.plot(t, target[t], ".", ms=3, color="0.55", label="noisy series (target)")
    ax.plot(t, clean[t], lw=1.0, color="tab:green", label="clean sine")
    ax.plot(t, predicted[t], lw=1.2, color="tab:blue", label=f"LSTM one step ahead (MSE {mse:.4f})")
    ax.set_ylim(-1.45, 1.8)  # room for the legend above the wave
    ax.set_xlabel("test step (the held-out end of the series)")
    ax.set_title("torchlean lstm_regression: next-value forecast")
    ax.legend(loc="upper center", ncol=3, fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
