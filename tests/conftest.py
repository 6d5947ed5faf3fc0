"""Shared fixtures: where the real data sets are, a folder that cannot be written, and the
hypothesis profiles."""

from __future__ import annotations

import functools
import logging
import os
from collections import Counter
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


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in: one without write permission, or (for
    the superuser, whom permissions do not stop) /sys or /proc; skips when there is none."""
    from micrograd_mlp.training.checkpoint import unwritable

    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    for folder in ("/sys", "/proc"):
        if os.path.isdir(folder) and unwritable(folder) is not None:
            return Path(folder)
    pytest.skip("no folder this process cannot write in")


@pytest.fixture
def no_missing_glyphs(caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder):
    """Fails the test if matplotlib reported a glyph missing from the font (an empty box in a
    picture): logged by mathtext, warned by text."""
    with caplog.at_level(logging.WARNING):
        yield
    logged = [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()]
    warned = [str(w.message) for w in recwarn if "missing from font" in str(w.message)]
    assert logged == [] and warned == []


# ---------------------------------------------------------------- examples run, per property
# Hypothesis calls a property's inner test once per example. Counting those calls (through the
# documented, reassignable ``test.hypothesis.inner_test``) gives the number of examples each
# property ran in this session; the terminal summary prints them per file, and per test with -v.
_EXAMPLES = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_EXAMPLES] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    handle = getattr(getattr(item, "obj", None), "hypothesis", None)
    if handle is None:
        yield
        return
    inner = handle.inner_test
    calls = 0

    @functools.wraps(inner)  # same name, source and digest: derandomized seeds are unchanged
    def counted(*args, **kwargs):
        nonlocal calls
        calls += 1
        return inner(*args, **kwargs)

    handle.inner_test = counted
    try:
        yield
    finally:
        handle.inner_test = inner
        item.config.stash[_EXAMPLES][item.nodeid] = calls


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    counts = config.stash.get(_EXAMPLES, {})
    if not counts:
        return
    profile = settings.get_current_profile_name()
    terminalreporter.section(f"hypothesis examples run (profile {profile!r})")
    terminalreporter.write_line(
        "(calls of each property's test: max_examples valid examples plus the few that "
        "hypothesis discarded as invalid)"
    )
    per_file = Counter()
    properties = Counter()
    for nodeid, n in counts.items():
        per_file[nodeid.split("::")[0]] += n
        properties[nodeid.split("::")[0]] += 1
    if config.getoption("verbose") > 0:
        for nodeid, n in counts.items():
            terminalreporter.write_line(f"{n:8d}  {nodeid}")
    for path, n in sorted(per_file.items()):
        terminalreporter.write_line(f"{n:8d}  {path} ({_plural(properties[path])})")
    terminalreporter.write_line(
        f"{sum(counts.values()):8d}  examples in total, {_plural(len(counts))}"
    )


def _plural(n: int) -> str:
    return f"{n} propert{'y' if n == 1 else 'ies'}"
