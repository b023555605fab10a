"""Crash safety: a writer killed mid-save leaves the previous checkpoint loadable and intact."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import torchlean
from torchlean.checkpoint import load, save

N = 4 * 1024 * 1024  # 32 MiB of float64 per checkpoint: a write takes tens of milliseconds

WRITER = """
import sys, time
import numpy as np
from torchlean.checkpoint import save
path, n = sys.argv[1], int(sys.argv[2])
i = 0
while True:
    obj = {"step": i, "w": np.full(n, float(i)), "tail": (i, str(i))}
    print("start", i, flush=True)
    t = time.perf_counter()
    save(obj, path)
    print("done", i, time.perf_counter() - t, flush=True)
    i += 1
"""


def check_consistent(path, low, high):
    out = load(path)
    step = out["step"]
    assert low <= step <= high, (low, step, high)
    assert out["tail"] == (step, str(step))
    assert out["w"].shape == (N,) and np.all(out["w"] == float(step))
    return step


def temp_files(folder):
    return [p for p in os.listdir(folder) if p.endswith(".tmp")]


def test_killing_the_writer_mid_save_leaves_a_whole_checkpoint(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"step": -1, "w": np.full(N, -1.0), "tail": (-1, "-1")}, path)
    env = dict(os.environ, PYTHONPATH=str(Path(torchlean.__file__).resolve().parents[1]))
    rnd = random.Random(0)
    mid_write = 0
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(N)], stdout=subprocess.PIPE,
                                text=True, env=env)
        try:
            done, duration = -2, None
            while True:
                line = proc.stdout.readline().split()
                assert line, "the writer exited early"
                if line[0] == "done":
                    done, duration = int(line[1]), float(line[2])
                elif duration is not None:  # a save has started: kill somewhere inside it
                    time.sleep(rnd.uniform(0.0, duration))
                    proc.send_signal(signal.SIGKILL)
                    break
            proc.wait(timeout=30)
            started = done
            for rest in [line, *(r.split() for r in proc.stdout.read().splitlines())]:
                if rest[0] == "done":  # the writer may have run ahead of what was read so far
                    done = int(rest[1])
                started = max(started, int(rest[1]))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == -signal.SIGKILL
        leftovers = temp_files(tmp_path)
        mid_write += bool(leftovers)
        step = check_consistent(path, done, started)  # the last whole save, or the one that finished
        for name in leftovers:  # a killed writer leaves its temporary behind; readers never see it
            os.unlink(tmp_path / name)
        if mid_write >= 2:
            break
    assert mid_write >= 1, "no kill landed while a temporary file was being written"
    assert step >= 0  # the first checkpoint was replaced by a whole new one at some point
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_a_failure_before_the_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "c.st"
    save({"v": 1}, path)
    before = path.read_bytes()
    real = os.replace

    def broken_replace(src, dst):
        assert Path(src).exists() and Path(src).stat().st_size > 0  # the new data was written
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        save({"v": 2, "w": np.ones(1000)}, path)
    monkeypatch.setattr(os, "replace", real)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["c.st"]
    assert load(path) == {"v": 1}


def test_the_new_file_keeps_the_old_permissions_and_symlinks_are_followed(tmp_path):
    path = tmp_path / "c.st"
    save({"v": 1}, path)
    os.chmod(path, 0o640)
    save({"v": 2}, path)
    assert path.stat().st_mode & 0o777 == 0o640 and load(path) == {"v": 2}
    link = tmp_path / "latest.st"
    link.symlink_to(path)
    save({"v": 3}, link)
    assert link.is_symlink() and load(path) == {"v": 3}
    fresh = tmp_path / "fresh.st"
    save({"v": 4}, fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
