"""Export a torchlean model to PyTorch and back, and compare their outputs.

A small CNN (conv 1->4 3x3 padding 1, ReLU, 2x2 max-pool, flatten, linear 36->5) is written
as a torchlean.nn.Module subclass; its state dict goes to torch with torchlean.interop.to_torch
and loads into the same class written with torch.nn (same parameter names and layouts); both run
on the same batch. Then the torch model takes one SGD step, its state dict comes back with
torchlean.interop.from_torch, and the outputs are compared again. Needs PyTorch
(pip install torch; the CPU build is enough).
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.interop import from_torch, to_torch

SUMMARY = "a torchlean CNN to PyTorch and back (torchlean.interop), outputs compared (needs torch)"
GROUP = "interop"
DEFAULTS: dict = {}
SMOKE: dict = {}
RESULT = "outputs agree both ways: max |difference| < 1e-6 in float32, < 1e-12 in float64"
CHECKS = [("max_error", "<", 1e-5), ("changed_by_step", ">", 1e-3)]
SMOKE_CHECKS = CHECKS


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(36, 5)

    def forward(self, x):
        return self.fc(F.max_pool2d(F.relu(self.conv(x)), 2).flatten(1))


def torch_cnn(torch):
    """The same class in PyTorch (torch is imported only when this example runs)."""
    class TorchSmallCNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
            self.fc = torch.nn.Linear(36, 5)

        def forward(self, x):
            return self.fc(torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2).flatten(1))

    return TorchSmallCNN()


def run(cfg):
    try:
        import torch
    except ImportError:
        raise tl.TorchLeanError("pytorch_roundtrip needs PyTorch, which is not installed: pip install torch "
                                "(the CPU build is enough)") from None
    tl.manual_seed(cfg.seed)
    s = cfg.session()
    model = SmallCNN().to(cfg.dtype)
    net = cfg.compile(model)
    theirs = torch_cnn(torch).to(torch.float64 if cfg.dtype == np.float64 else torch.float32)
    x = np.random.default_rng(cfg.seed).standard_normal((8, 1, 6, 6)).astype(cfg.dtype)
    print(f"torchlean pytorch_roundtrip: CNN on a (8, 1, 6, 6) batch, torch {torch.__version__} "
          f"(backend={cfg.backend}, device={cfg.device})")

    def compare(what):
        with tl.no_grad():
            ours = net(s.input(x)).numpy()
        with torch.no_grad():
            ref = theirs(torch.from_numpy(x)).numpy()
        err = float(np.max(np.abs(ours.astype(np.float64) - ref)))
        print(f"{what:<48} max |torchlean - torch| = {err:.3g}")
        return err

    theirs.load_state_dict(to_torch(model.state_dict()))
    print(f"exported {len(model.state_dict())} tensors: {', '.join(model.state_dict())}")
    export_error = compare("torchlean -> torch (to_torch, load_state_dict)")

    opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    loss = theirs(torch.from_numpy(x)).square().mean()
    loss.backward()
    opt.step()
    changed = compare("after one torch SGD step (torch changed)")
    model.load_state_dict(from_torch(theirs.state_dict()))
    import_error = compare("torch -> torchlean (from_torch, load_state_dict)")
    worst = max(export_error, import_error)
    return {"max_error": worst, "export_error": export_error, "import_error": import_error,
            "changed_by_step": changed}
