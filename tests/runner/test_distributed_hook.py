"""The ``--distributed`` hook against a stand-in ``torchlean.distributed`` (the real one runs in
tests/distributed/test_mpi_runner.py): each rank takes its rows of every global batch, gradients
are averaged with those row counts after every backward, the model is broadcast once, and rank 0
alone prints, logs and saves; without the flag nothing is imported or called."""

from __future__ import annotations

import sys
import types

import pytest

from .helpers import cli_run, one_error_line


class FakeDistributed(types.ModuleType):
    """Records what the runner asked of it, as rank ``r`` of 2."""

    def __init__(self, r: int) -> None:
        super().__init__("torchlean.distributed")
        self.r, self.calls = r, {"init": 0, "allreduce_gradients": [], "broadcast_parameters": 0}

    def init(self):
        self.calls["init"] += 1

    def rank(self):
        return self.r

    def world_size(self):
        return 2

    def allreduce_gradients(self, params, local_batch=None):
        assert params and all(p.grad is not None for p in params)  # called after backward
        self.calls["allreduce_gradients"].append(local_batch)

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
    steps = 2 * (392 // 5)  # every rank walks the same 78 global batches of 5 per epoch
    assert fake.calls["init"] == 1 and fake.calls["broadcast_parameters"] == 1
    # rows 0, 2, 4 of each batch of 5 on rank 0, rows 1, 3 on rank 1: gradients weighted by them
    assert fake.calls["allreduce_gradients"] == [3 - rank] * steps
    if rank == 0:
        assert "torchlean mlp: ok" in out and log.exists() and ckpt.exists()
        assert f"{steps // 2} steps" in err  # progress counts the batches of an epoch
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
