"""A GAN on a 2-D mixture of eight Gaussians on a ring: generator against discriminator.

The data: `points` samples (generated in NumPy from --seed) of eight equally weighted
Gaussians with standard deviation 0.05 centred on the circle of radius 2. Generator: an MLP
from a `latent`-number N(0, 1) draw (the session's s.randn stream) through two ReLU layers of
`hidden` units to a point. Discriminator: an MLP from a point through two LeakyReLU(0.2) layers
of `hidden` units to one logit. Each batch of real points takes one discriminator step
(binary cross-entropy on the logits: real 1, generated 0, the generated points detached) and
one generator step (the non-saturating loss: generated points labelled 1), both Adam with
betas (0.5, 0.999); --steps counts epochs over the points, and the recorded loss is the
discriminator's. The result is measured on `eval_samples` generator samples: `quality`, the
fraction within 3 standard deviations (0.15) of a mode centre, and `modes`, how many of the
eight modes hold at least a quarter of their fair share (1/32) of the samples within that
radius (8 means no mode was dropped: the usual failure, mode collapse, lowers it); also the
samples' mean distance from the circle (what the short --smoke run checks). Writes
gan_samples.png to --out (default runs/gan/): data, samples and centres. Under --distributed
every rank draws the same noise (the session's seed), so the numbers differ from one process's.
"""

from __future__ import annotations

import math

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

from ._images import scatter

SUMMARY = "GAN on a ring of eight 2-D Gaussians (generator vs discriminator), PNG of samples"
GROUP = "models"
ORDER = 7
DEFAULTS = {"steps": 60, "lr": 2e-3, "batch": 192, "hidden": 128, "latent": 4, "points": 8192,
            "eval_samples": 2048}
SMOKE = {"steps": 4, "points": 2048, "hidden": 64, "batch": 128}
FLAGS = ("out",)
RESULT = "8 of 8 modes, quality 0.934 after 60 epochs (seed 0, float32; eager and compiled alike)"
CHECKS = [("modes", ">=", 8), ("quality", ">=", 0.85)]
SMOKE_CHECKS = [("ring_distance", "<", 1.2)]
RADIUS, STD, MODES = 2.0, 0.05, 8


def centres() -> np.ndarray:
    """The eight mode centres on the circle of radius 2, (8, 2)."""
    angles = 2 * math.pi * np.arange(MODES) / MODES
    return RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def mixture(n: int, seed: int) -> np.ndarray:
    """``n`` points of the mixture, float32 (n, 2)."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, MODES, n)
    return (centres()[which] + STD * rng.standard_normal((n, 2))).astype(np.float32)


def mode_scores(points: np.ndarray) -> tuple[float, int]:
    """(fraction of points within 3 std of a centre, modes holding >= 1/32 of the points there)."""
    d = np.linalg.norm(points[:, None, :].astype(np.float64) - centres()[None], axis=2)
    near = d.min(axis=1) < 3 * STD
    counts = np.bincount(d.argmin(axis=1)[near], minlength=MODES)
    return float(near.mean()), int((counts >= len(points) / (4 * MODES)).sum())


def run(cfg):
    real_points = mixture(cfg.points, cfg.seed)
    tl.manual_seed(cfg.seed)
    s = cfg.session()
    loader = cfg.dist.loader(DataLoader(TensorDataset(real_points), batch_size=cfg.batch, shuffle=True,
                                        seed=cfg.seed))
    h = cfg.hidden
    generator = nn.Sequential(nn.Linear(cfg.latent, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                              nn.Linear(h, 2)).to(cfg.dtype)
    discriminator = nn.Sequential(nn.Linear(2, h), nn.LeakyReLU(0.2), nn.Linear(h, h), nn.LeakyReLU(0.2),
                                  nn.Linear(h, 1)).to(cfg.dtype)
    gen, disc = cfg.compile(generator), cfg.compile(discriminator)
    opt_g = tl.optim.Adam(generator.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
    opt_d = tl.optim.Adam(discriminator.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
    track = cfg.track(session=s, model=generator, optimizer=opt_g, loader=loader, discriminator=discriminator,
                      d_optimizer=opt_d)

    def sample(n):
        state = s.rng_state()  # evaluating leaves the training's noise stream where it was
        with tl.no_grad():
            points = gen(s.randn(n, cfg.latent)).numpy()
        s.set_rng_state(state)
        return points

    print(f"torchlean gan: {cfg.points} points of {MODES} Gaussians (std {STD}) on a circle of radius {RADIUS}; "
          f"MLPs with {h} hidden units, latent {cfg.latent}, Adam lr={cfg.lr}, batch {cfg.batch} "
          f"(device={cfg.device})")
    for epoch in track.epochs():
        d_total = g_total = 0.0
        for (xb,) in track.batches(loader):
            real = s.input(xb)
            fake = gen(s.randn(real.shape[0], cfg.latent))
            # discriminator: real points are 1, generated ones 0 (no gradient into the generator)
            d_real, d_fake = disc(real), disc(fake.detach())
            d_loss = (F.binary_cross_entropy_with_logits(d_real, tl.ones_like(d_real))
                      + F.binary_cross_entropy_with_logits(d_fake, tl.zeros_like(d_fake)))
            opt_d.zero_grad()
            d_loss.backward()
            cfg.dist.average_gradients(discriminator)
            opt_d.step()
            # generator: make the discriminator call its points real
            d_gen = disc(fake)
            g_loss = F.binary_cross_entropy_with_logits(d_gen, tl.ones_like(d_gen))
            opt_g.zero_grad()
            g_loss.backward()
            cfg.dist.average_gradients(generator)
            opt_g.step()
            d_total += track.record(d_loss)
            g_total += g_loss.item()
        if epoch % 20 == 19 or epoch + 1 == cfg.steps:
            quality, modes = mode_scores(sample(cfg.eval_samples))
            print(f"epoch {epoch + 1:3d}  D loss {d_total / len(loader):.4f}  G loss {g_total / len(loader):.4f}  "
                  f"quality {quality:.3f}  modes {modes}/{MODES}")
    fake = sample(cfg.eval_samples)
    quality, modes = mode_scores(fake)
    ring = float(np.abs(np.linalg.norm(fake.astype(np.float64), axis=1) - RADIUS).mean())
    print(f"{cfg.eval_samples} samples: quality {quality:.3f} (within {3 * STD:g} of a centre), "
          f"modes {modes} of {MODES}, mean distance from the circle {ring:.3f}")
    if cfg.dist.is_main:
        path = scatter(cfg.artifact("gan_samples.png"), real_points[: cfg.eval_samples], fake, centres(),
                       f"GAN samples: {modes}/{MODES} modes, quality {quality:.3f}")
        print(f"  wrote {path}")
    return track.finish(quality=quality, modes=modes, ring_distance=ring)
