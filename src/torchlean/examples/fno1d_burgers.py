"""A 1-D Fourier neural operator learns Burgers' equation: u(x, 0) -> u(x, 0.5).

The data are made at start-up (seeded, about a second): initial states u0 on the periodic unit
interval are Gaussian random fields (spectrum (4 pi^2 k^2 + 49)^-1.25) on a 128-point grid, and
a pseudo-spectral NumPy solver (integrating-factor RK4, 200 steps, 2/3 dealiasing) advances
u_t + (u^2 / 2)_x = 0.01 u_xx to t = 0.5, where fronts have steepened. 800 pairs train, 200
test. The model is Li et al.'s FNO: a linear lift of (u0, x) to 32 channels, 4 Fourier layers
(a spectral convolution keeping the lowest 16 frequencies plus a pointwise linear map, tanh
GELU between layers) and a two-layer projection. The spectral convolution computes the FFT and
its inverse as matmuls with real DFT matrices (cosine and sine, registered as buffers) and
multiplies the kept modes by learned complex weights (tl.einsum). Loss: the relative L2 error of
each sample; Adam lr 0.005 (times 0.7 after each epoch), batches of 20. --steps counts epochs.
Reports the mean relative L2 error on the test set and writes burgers.png (three test samples:
input, solution, prediction) to --out.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

SUMMARY = "1-D Fourier neural operator on Burgers' equation (NumPy solver data), relative L2 error"
GROUP = "models"
ORDER = 42
FLAGS = ("out",)
DEFAULTS = {"steps": 10, "lr": 5e-3, "batch": 20, "width": 32, "modes": 16, "layers": 4, "samples": 1000,
            "gamma": 0.7}
SMOKE = {"steps": 3, "lr": 0.01, "batch": 10, "width": 16, "modes": 8, "layers": 2, "samples": 400}
RESULT = "test relative L2 error 0.0072 after 10 epochs (compiled: 0.0070; seed 0, float32)"
CHECKS = [("test_rel_l2", "<", 0.02)]
SMOKE_CHECKS = [("test_rel_l2", "<", 0.2)]
GRID, NU, T_END, SOLVER_STEPS = 128, 0.01, 0.5, 200


# -- the data: a small pseudo-spectral solver ------------------------------------------------
def random_fields(rng: np.random.Generator, n: int, grid: int, alpha: float = 2.5, tau: float = 7.0) -> np.ndarray:
    """n periodic Gaussian random fields on `grid` points, Fourier amplitudes
    sigma (4 pi^2 k^2 + tau^2)^(-alpha/2) with mean zero."""
    k = np.fft.rfftfreq(grid, d=1.0 / grid)
    amp = tau ** (alpha - 0.5) * (4 * np.pi ** 2 * k ** 2 + tau ** 2) ** (-alpha / 2)
    amp[0] = 0.0
    coef = (rng.standard_normal((n, len(k))) + 1j * rng.standard_normal((n, len(k)))) * amp
    return np.fft.irfft(coef, n=grid) * grid / np.sqrt(2)


def solve_burgers(u0: np.ndarray, nu: float, t_end: float, steps: int) -> np.ndarray:
    """u_t + (u^2/2)_x = nu u_xx on the periodic unit interval, from each row of u0 to t_end:
    Fourier in space, diffusion exactly (integrating factor), the flux by RK4, 2/3 dealiased."""
    grid = u0.shape[1]
    freq = np.fft.rfftfreq(grid, d=1.0 / grid)
    ik = 2j * np.pi * freq
    keep = freq < grid / 3

    def flux(uh):
        u = np.fft.irfft(uh, n=grid)
        return -0.5 * ik * np.fft.rfft(u * u) * keep

    h = t_end / steps
    e, e2 = np.exp(nu * ik ** 2 * h), np.exp(nu * ik ** 2 * h / 2)
    uh = np.fft.rfft(u0)
    for _ in range(steps):
        a = flux(uh)
        b = flux(e2 * (uh + h / 2 * a))
        c = flux(e2 * uh + h / 2 * b)
        d = flux(e * uh + h * e2 * c)
        uh = e * uh + h / 6 * (e * a + 2 * e2 * (b + c) + d)
    return np.fft.irfft(uh, n=grid)


# -- the model ------------------------------------------------------------------------------
class SpectralConv1d(nn.Module):
    """Keep the lowest `modes` Fourier modes of each channel, mix channels with learned complex
    weights per mode, transform back; the DFT and its inverse are matmuls with real matrices."""

    def __init__(self, channels: int, modes: int, grid: int):
        super().__init__()
        scale = 1.0 / (channels * channels)
        self.w_re = nn.Parameter(np.zeros((channels, channels, modes), np.float32))
        self.w_im = nn.Parameter(np.zeros((channels, channels, modes), np.float32))
        nn.init.uniform_(self.w_re, 0.0, scale)
        nn.init.uniform_(self.w_im, 0.0, scale)
        angle = 2 * np.pi * np.outer(np.arange(grid), np.arange(modes)) / grid  # (grid, modes)
        weight = np.where(np.arange(modes) == 0, 1.0, 2.0)[:, None] / grid  # irfft: 1/N, 2/N
        self.register_buffer("dft_re", np.cos(angle).astype(np.float32), persistent=False)
        self.register_buffer("dft_im", -np.sin(angle).astype(np.float32), persistent=False)
        self.register_buffer("idft_re", (weight * np.cos(angle.T)).astype(np.float32), persistent=False)
        self.register_buffer("idft_im", (-weight * np.sin(angle.T)).astype(np.float32), persistent=False)

    def forward(self, h):  # h: (B, channels, grid)
        re, im = h @ self.dft_re, h @ self.dft_im  # (B, channels, modes): rfft's kept modes
        out_re = tl.einsum("bim,iom->bom", re, self.w_re) - tl.einsum("bim,iom->bom", im, self.w_im)
        out_im = tl.einsum("bim,iom->bom", re, self.w_im) + tl.einsum("bim,iom->bom", im, self.w_re)
        return out_re @ self.idft_re + out_im @ self.idft_im  # irfft: (B, channels, grid)


class FNO1d(nn.Module):
    def __init__(self, width: int, modes: int, layers: int, grid: int):
        super().__init__()
        self.lift = nn.Linear(2, width)
        self.spectral = nn.ModuleList([SpectralConv1d(width, modes, grid) for _ in range(layers)])
        self.pointwise = nn.ModuleList([nn.Conv1d(width, width, 1) for _ in range(layers)])
        self.proj = nn.Sequential(nn.Linear(width, 64), nn.GELU(approximate="tanh"), nn.Linear(64, 1))

    def forward(self, x):  # x: (B, grid, 2) = (u0, position)
        h = self.lift(x).transpose(1, 2)  # (B, width, grid)
        for i, (spectral, pointwise) in enumerate(zip(self.spectral, self.pointwise)):
            h = spectral(h) + pointwise(h)
            if i + 1 < len(self.spectral):
                h = F.gelu(h, approximate="tanh")
        return self.proj(h.transpose(1, 2)).squeeze(-1)  # (B, grid): u at t_end


def relative_l2(pred, target):
    """Mean over the batch of ||pred - target|| / ||target||."""
    return ((pred - target).norm(dim=1) / target.norm(dim=1)).mean()


def run(cfg):
    rng = np.random.default_rng(cfg.seed)
    u0 = random_fields(rng, cfg.samples, GRID)
    u1 = solve_burgers(u0, NU, T_END, SOLVER_STEPS)
    position = np.broadcast_to(np.linspace(0.0, 1.0, GRID, endpoint=False), u0.shape)
    inputs = np.stack([u0, position], axis=-1).astype(np.float32)
    targets = u1.astype(np.float32)
    n_test = cfg.samples // 5
    x_train, y_train, x_test, y_test = inputs[n_test:], targets[n_test:], inputs[:n_test], targets[:n_test]

    tl.manual_seed(cfg.seed)
    s = cfg.session()
    loader = cfg.dist.loader(DataLoader(TensorDataset(x_train, y_train), batch_size=cfg.batch, shuffle=True,
                                        drop_last=True, seed=cfg.seed))
    model = FNO1d(cfg.width, cfg.modes, cfg.layers, GRID).to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sched = tl.optim.lr_scheduler.ExponentialLR(opt, gamma=cfg.gamma)  # per epoch
    track = cfg.track(session=s, model=model, optimizer=opt, scheduler=sched, loader=loader)

    def test_error():
        with tl.no_grad():
            return relative_l2(net(s.input(x_test)), s.input(y_test)).item()

    print(f"torchlean fno1d_burgers: Burgers nu={NU} to t={T_END} on {GRID} points, {len(x_train)} train / "
          f"{n_test} test pairs, FNO width {cfg.width}, {cfg.modes} modes, {cfg.layers} layers, Adam "
          f"lr={cfg.lr}, batch {cfg.batch} (device={cfg.device})")
    for epoch in track.epochs():
        total = 0.0
        for xb, yb in track.batches(loader):
            loss = relative_l2(net(s.input(xb)), s.input(yb))
            opt.zero_grad()
            loss.backward()
            cfg.dist.average_gradients(model)
            opt.step()
            total += track.record(loss)
        sched.step()
        if epoch % 2 == 1 or epoch + 1 == cfg.steps:
            print(f"epoch {epoch + 1:3d}  loss {total / len(loader):.4f}  test relative L2 {test_error():.4f}")
    err = test_error()
    print(f"test relative L2 error {err:.4f}")
    if cfg.dist.is_main:
        with tl.no_grad():
            pred = net(s.input(x_test[:3])).numpy()
        plot(cfg.artifact("burgers.png"), x_test[:3], y_test[:3], pred)
    return track.finish(test_rel_l2=err)


def plot(path: str, x: np.ndarray, y: np.ndarray, pred: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3))
    for i in range(len(x)):
        ax = fig.add_subplot(1, len(x), i + 1)
        ax.plot(x[i, :, 1], x[i, :, 0], color="0.6", label="u(x, 0)")
        ax.plot(x[i, :, 1], y[i], color="k", label=f"u(x, {T_END}) solver")
        ax.plot(x[i, :, 1], pred[i], "--", color="tab:red", label="FNO")
        ax.set_xlabel("x")
        if i == 0:
            ax.legend(fontsize=7)
    fig.suptitle("fno1d_burgers: test samples")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"  wrote {path}")
