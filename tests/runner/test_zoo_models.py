"""The model-zoo examples cnn, resnet, autoencoder, vae and gan beyond the shared smoke runs:
the images they write, their metrics against independent computations, and --save/--resume
bit for bit with what they add (BatchNorm buffers, two networks and optimizers, the session's
noise stream)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import torchlean as tl
from torchlean.data import load_digits
from torchlean.examples import autoencoder, gan, resnet, vae
from torchlean.runner import registry

from .helpers import cli_run

PNG = b"\x89PNG\r\n\x1a\n"
ZOO = {"cnn", "resnet", "autoencoder", "vae", "gan"}


def test_the_zoo_examples_are_registered_and_train():
    """Registered examples are what the shared runner tests (smoke eager/compiled, fake CUDA) run."""
    assert set(registry.names()) >= ZOO
    for name in ZOO:
        e = registry.load(name)
        assert e.group == "models" and e.trains and e.unit == "epochs"
        assert ("out" in e.flags) == (name in {"autoencoder", "vae", "gan"})


@pytest.mark.parametrize(("name", "filename", "size"), [
    ("autoencoder", "reconstructions.png", (2, 10)), ("vae", "vae_samples.png", (4, 10)),
    ("gan", "gan_samples.png", None)])
def test_image_examples_write_their_png_to_out(tmp_path, name, filename, size):
    out_dir = tmp_path / "pictures"
    code, out, err = cli_run(name, "--smoke", "--out", out_dir)
    assert code == 0, err
    path = out_dir / filename
    assert f"wrote {path}" in out
    assert path.read_bytes()[:8] == PNG and path.stat().st_size > 5000
    from matplotlib.image import imread

    pixels = imread(str(path))
    assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert pixels[..., :3].std() > 0.05  # a picture, not a blank canvas
    if size is not None:  # the grid: rows x images, each image drawn as a dark-on-light 8x8 block
        rows, cols = size
        assert pixels.shape[1] > pixels.shape[0] * cols / (rows + 1)


def test_image_examples_default_to_runs_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli_run("autoencoder", "--smoke")
    assert code == 0, err
    assert (tmp_path / "runs" / "autoencoder" / "reconstructions.png").read_bytes()[:8] == PNG


def test_out_is_refused_by_examples_without_images():
    code, _, err = cli_run("cnn", "--smoke", "--out", "somewhere")
    assert code == 2 and "--out does not apply to cnn" in err


def test_pca_baseline_is_the_best_rank_k_reconstruction():
    """The autoencoder's linear baseline against a direct SVD of the centred training images."""
    x_train, _, x_test, _ = load_digits(seed=0)
    a, b = x_train.astype(np.float64), x_test.astype(np.float64)
    mean = a.mean(axis=0)
    _, _, vt = np.linalg.svd(a - mean, full_matrices=False)
    for k in (1, 8, 64):
        v = vt[:k].T
        want = np.mean((mean + (b - mean) @ v @ v.T - b) ** 2)
        assert autoencoder.pca_mse(x_train, x_test, k) == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert autoencoder.pca_mse(x_train, x_test, 64) < 1e-12  # every component: exact


def test_vae_loss_is_the_gaussian_negative_elbo():
    rng = np.random.default_rng(3)
    x, decoded = rng.random((5, 64)), rng.random((5, 64))
    mu, logvar = rng.standard_normal((5, 8)), 0.3 * rng.standard_normal((5, 8))
    s = tl.Session(dtype=np.float64)
    got = vae.vae_loss(s.input(decoded), s.input(x), s.input(mu), s.input(logvar)).item()
    reconstruction = ((x - decoded) ** 2).sum(axis=1) / (2 * vae.SIGMA**2)
    var = np.exp(logvar)
    kl = 0.5 * (var + mu**2 - 1 - logvar).sum(axis=1)  # KL(N(mu, var) || N(0, 1)) per image
    assert got == pytest.approx(np.mean(reconstruction + kl), rel=1e-12)


def test_gan_scores_tell_a_covered_mixture_from_a_collapsed_one():
    data = gan.mixture(4000, seed=1)
    quality, modes = gan.mode_scores(data)
    assert modes == 8 and 0.98 < quality < 0.995  # 3 standard deviations hold 98.9% of a 2-D Gaussian
    collapsed = gan.centres()[[2]] + 0.01 * np.random.default_rng(0).standard_normal((500, 2))
    assert gan.mode_scores(collapsed) == (1.0, 1)
    three = np.concatenate([gan.centres()[[0]].repeat(100, 0), gan.centres()[[3]].repeat(100, 0),
                            gan.centres()[[5]].repeat(3, 0), np.zeros((97, 2))])
    quality, modes = gan.mode_scores(three)
    assert quality == pytest.approx(203 / 300) and modes == 2  # 3 points is under 1/32 of 300


def test_resnet_blocks_add_their_input_back():
    tl.manual_seed(0)
    model = resnet.ResNet(4)
    assert isinstance(model.layer1.shortcut, tl.nn.Identity)  # same shape: the identity shortcut
    assert isinstance(model.layer2.shortcut, tl.nn.Sequential)  # stride 2, more channels: 1x1 conv + BN
    s = tl.Session(dtype=np.float64)
    model = model.to(np.float64).eval()
    x = s.input(np.random.default_rng(0).random((3, 4, 8, 8)))
    block = model.layer1
    inner = block.bn2(block.conv2(tl.nn.functional.relu(block.bn1(block.conv1(x)))))
    assert np.allclose(block(x).numpy(), np.maximum(inner.numpy() + x.numpy(), 0.0), rtol=0, atol=1e-12)
    assert model(s.input(np.random.default_rng(1).random((3, 1, 8, 8)))).shape == (3, 10)


def _state(path):
    ck = tl.load(path)
    return ({k: {n: np.asarray(v).tobytes() for n, v in sd.items() if not isinstance(v, dict)}
             for k, sd in ck["objects"].items() if k in ("model", "discriminator")},
            ck["session_rng"], ck["generator"], ck["sampler"])


@pytest.mark.parametrize("argv", [("cnn",), ("gan", "--backend", "compiled"), ("vae",)],
                         ids=["cnn-batchnorm", "gan-compiled", "vae-noise"])
def test_save_then_resume_continues_bit_for_bit(tmp_path, argv):
    straight, split = tmp_path / "straight", tmp_path / "split"
    straight.mkdir(), split.mkdir()
    common = (*argv, "--smoke", "--out", tmp_path / "img") if argv[0] != "cnn" else (*argv, "--smoke")
    code, _, err = cli_run(*common, "--steps", "3", "--save", straight / "c.ckpt", "--log", straight / "log.json")
    assert code == 0, err
    code, _, err = cli_run(*common, "--steps", "1", "--save", split / "c.ckpt")
    assert code == 0, err
    code, out, err = cli_run(*common, "--steps", "3", "--resume", split / "c.ckpt", "--save", split / "c.ckpt",
                             "--log", split / "log.json")
    assert code == 0, err
    assert f"resumed from {split / 'c.ckpt'} at epoch 1" in out
    a, b = json.loads((straight / "log.json").read_text()), json.loads((split / "log.json").read_text())
    assert a["loss"] == b["loss"] and a["metrics"] == b["metrics"]
    assert _state(straight / "c.ckpt") == _state(split / "c.ckpt")
    if argv[0] == "cnn":  # BatchNorm's running statistics are part of what resumes
        assert any(k.endswith("running_mean") for k in tl.load(split / "c.ckpt")["objects"]["model"])
