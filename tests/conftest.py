"""Shared fixtures: where the real data sets are, and the hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]


# Hypothesis profiles: "ci" is derandomized (the same examples every run, so CI is reproducible)
# with no deadline (shared CI machines are noisy); "dev" explores new random examples each run.
# Choose with HYPOTHESIS_PROFILE; CI=true selects "ci".
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)


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
