"""Shared fixtures: where the real data sets are, and the hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """``$MICROGRAD_MLP_DATA`` if set, else ``../shared/data`` beside the repository, else None."""
    env = os.environ.get("MICROGRAD_MLP_DATA")
    for candidate in (Path(env) if env else None, ROOT.parent / "shared" / "data"):
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The directory holding ``mnist/`` and ``fashion-mnist/`` IDX files; skips if absent."""
    found = shared_data_dir()
    if found is None:
        pytest.skip("real data not found: set MICROGRAD_MLP_DATA or put it in ../shared/data")
    return found
