"""The ``--distributed`` hook against a stand-in ``torchlean.distributed`` (the real one is issue
12's): it shards the loader, averages gradients after every backward, broadcasts the model once,
and lets rank 0 alone print, log and save; without the flag nothing is imported or called."""

from __future__ import annotations

import sys
import types

import pytest

from .helpers import cli_run, one_error_line


class FakeDistributed(types.ModuleType):
    """Records what the runner asked of it; rank ``r`` of 2 gets every other index."""

    def __init__(self, r: int) -> None:
        super().__init__("torchlean.distributed")
        self.r, self.calls = r, {"init": 0, "allreduce_gradients": 0, "broadcast_parameters": 0, "sampler": []}
        outer = self

        class DistributedSampler:
            def __init__(self, dataset, shuffle=True, seed=0, drop_last=False):
                outer.calls["sampler"].append((len(dataset), shuffle, seed, drop_last))
                self.n, self.epoch = len(dataset), 0

            def set_epoch(self, epoch):
                self.epoch = epoch

            def __iter__(self):
                return iter(range(outer.r, self.n, 2))

            def __len__(self):
                return len(range(outer.r, self.n, 2))

        self.DistributedSampler = DistributedSampler

    def init(self):
        self.calls["init"] += 1

    def rank(self):
        return self.r

    def world_size(self):
        return 2

    def allreduce_gradients(self, params):
        assert params and all(p.grad is not None for p in params)  # called after backward
        self.calls["allreduce_gradients"] += 1

    def broadcast_parameters(self, model, root=0):
        assert root == 0
        self.calls["broadcast_parameters"] += 1


@pytest.mark.parametrize("rank", [0, 1])
def test_the_hook_shards_averages_and_keeps_output_to_rank_0(tmp_path, monkeypatch, rank):
    fake = FakeDistributed(rank)
    monkeypatch.setitem(sys.modules, "torchlean.distributed", fake)
    log, ckpt = tmp_path / "log.json", tmp_path / "c.ckpt"
    code, out, err = cli_run("mlp", "--distributed", "--steps", "2", "--log", log, "--save", ckpt)
    assert code == 0, err
    steps = 2 * (196 // 5)  # 392 rows, every other one on this rank, batches of 5, drop_last
    assert fake.calls["init"] == 1 and fake.calls["broadcast_parameters"] == 1
    assert fake.calls["allreduce_gradients"] == steps
    assert fake.calls["sampler"] == [(392, True, 0, True)]
    if rank == 0:
        assert "torchlean mlp: ok" in out and log.exists() and ckpt.exists()
        assert f"{steps // 2} steps" in err  # progress counts this rank's batches
    else:
        assert out == "" and not log.exists() and not ckpt.exists() and err == ""


def test_without_the_flag_nothing_is_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchlean.distributed", None)  # importing it would fail
    code, out, _ = cli_run("mlp", "--smoke")
    assert code == 0 and "torchlean mlp: ok" in out


def test_the_flag_without_the_module_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchlean.distributed", None)
    code, _, err = cli_run("digits", "--smoke", "--distributed")
    line = one_error_line(err)
    assert code == 1 and "--distributed needs torchlean.distributed" in line
