import pytest


@pytest.fixture(autouse=True)
def _plain_progress(monkeypatch):
    """Progress as plain lines whatever the terminal (tests read stderr)."""
    monkeypatch.setenv("TORCHLEAN_PROGRESS", "lines")
