"""Shared test fixtures.

``shared_dir`` points at the read-only ``../shared/`` folder (published reference numbers, the seed).
A user's clone has no ``../shared/``: tests that need it skip with a reason. CI sets
``GOVSTUDY_REQUIRE_SHARED=1`` (see ``.ci/run``), which turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pytest

from govstudy import datasets

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def require(condition: bool, reason: str, env_var: str) -> None:
    """Skip with ``reason`` unless ``condition``; fail instead when ``env_var`` is set to 1."""
    if condition:
        return
    if os.environ.get(env_var) == "1":
        pytest.fail(f"{reason} (and {env_var}=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    require(SHARED.is_dir(), f"{SHARED} is absent (a user's clone has no ../shared/)",
            "GOVSTUDY_REQUIRE_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the bundled data folder that ``govstudy.load`` reads instead (for tampering tests)."""
    root = tmp_path / "data"
    shutil.copytree(datasets.data_dir(), root)
    monkeypatch.setattr(datasets, "data_dir", lambda: root)
    datasets.descriptor.cache_clear()
    datasets._load_cached.cache_clear()
    yield root
    datasets.descriptor.cache_clear()
    datasets._load_cached.cache_clear()
