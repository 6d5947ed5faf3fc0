"""Checkpoint files that lie, and resumes that must change nothing when they fail (issue 20):
headers declaring arrays far larger than the file, corrupt random-generator or scheduler state,
a history that does not fit its epoch count, folders that cannot be written, and what a resumed
run's learning-rate schedule does when the run is made longer (issue 21)."""

from __future__ import annotations

import io
import json
import math
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import micrograd_mlp.tensor.functional as TF
from micrograd_mlp.data import DataLoader
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.optim import Adam
from micrograd_mlp.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR
from micrograd_mlp.tensor.nn import MLP
from micrograd_mlp.training import (
    CheckpointError,
    Checkpointing,
    Evaluate,
    Schedule,
    fit,
    load_checkpoint,
)
from micrograd_mlp.training.checkpoint import peek_checkpoint, refuse_overwrite, unwritable
from micrograd_mlp.training.schedules import extend_schedule

HUGE = (10**7, 10**7)  # 10^14 float64 numbers: 728 TiB


def _blobs(n: int = 90, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    return centres[y] + rng.normal(0.0, 0.7, size=(n, 4)), y


def _run(epochs, path=None, *, resume=False, plan=None, schedule="continue", cosine=True):
    """A small classifier with dropout and a schedule (cosine over ``plan`` epochs, default
    ``epochs``; or exponential), checkpointed at ``path``."""
    X, y = _blobs()
    model = MLP(4, [16, 3], seed=0, dtype=np.float64, dropout=0.3)
    optimizer = Adam(model.parameters(), lr=0.05)
    if cosine:
        scheduler = CosineAnnealingLR(optimizer, T_max=plan or epochs)
    else:
        scheduler = ExponentialLR(optimizer, gamma=0.8)
    loader = DataLoader(X, y, batch_size=16, shuffle=True, seed=3, normalize=False)
    saver = None
    callbacks = [Evaluate(DataLoader(X, y, batch_size=45, normalize=False)), Schedule(scheduler)]
    if path is not None:
        saver = Checkpointing(path, resume=resume, verbose=False, schedule=schedule)
        callbacks.append(saver)
    history = fit(model, loader, loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=epochs,
                  metric=accuracy, callbacks=callbacks)  # fmt: skip
    return model, optimizer, scheduler, history, saver


def _state(model, optimizer, scheduler):
    """Everything a failed resume must leave as it was."""
    rng = model.dropout.rng.bit_generator.state
    return (model.state_dict(), optimizer.state_dict(), scheduler.state_dict(), json.dumps(rng))


def _same(a, b) -> bool:
    (ma, oa, sa, ra), (mb, ob, sb, rb) = a, b
    arrays = all(np.array_equal(x[k], y[k]) for x, y in ((ma, mb), (oa, ob), (sa, sb)) for k in x)
    return arrays and [sorted(x) for x in (ma, oa, sa)] == [sorted(x) for x in (mb, ob, sb)] and (
        ra == rb
    )


def _rewrite(path, **changes):
    """Rewrite the checkpoint at ``path`` with some entries replaced (a JSON entry by a dict)."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    for name, value in changes.items():
        arrays[name] = np.array(json.dumps(value)) if isinstance(value, dict) else value
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _bomb(path, member: str) -> None:
    """Replace ``member`` of the checkpoint at ``path`` by an .npy header declaring a (10^7,
    10^7) float64 array, followed by 16 bytes."""
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": HUGE}
    )
    members[f"{member}.npy"] = header.getvalue() + bytes(16)
    with zipfile.ZipFile(path, "w") as new:
        for name, data in members.items():
            new.writestr(name, data)


# ------------------------------------------------------- headers that claim too much (item 1)
@pytest.mark.parametrize("member", ["model.layers.0.weight", "config", "optimizer.state.0.step"])
def test_a_header_declaring_728_tib_is_refused_before_anything_is_allocated(tmp_path, member):
    path = tmp_path / "run.npz"
    _run(1, path)
    _bomb(path, member)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = str(info.value)
    assert str(path) in text and f"'{member}'" in text
    assert "(10000000, 10000000) float64 array (728 TiB) but holds 16 bytes" in text
    assert peak < 8 * 2**20 and time.perf_counter() - start < 10
    # The refusal to overwrite reads the file too (to describe it): refused as unreadable when
    # the lying member is one it reads, described as usual otherwise; never a MemoryError.
    with pytest.raises(CheckpointError, match="already holds") as refused:
        refuse_overwrite(path)
    readable = member not in ("config",)
    assert ("after epoch 1" in str(refused.value)) == readable
    assert ("not a readable checkpoint" in str(refused.value)) == (not readable)


def test_a_header_declaring_less_than_the_member_holds_is_refused_too(tmp_path):
    path = tmp_path / "run.npz"
    _run(1, path)
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    with zipfile.ZipFile(path, "w") as new:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            extra = b"\0" * 8 if name == "epoch" else b""
            new.writestr(f"{name}.npy", buffer.getvalue() + extra)
    with pytest.raises(CheckpointError, match=r"'epoch' declares a \(\) int64 array \(8 bytes\)"):
        load_checkpoint(path)


def test_members_that_are_no_arrays_or_hold_python_objects_are_refused(tmp_path):
    path = tmp_path / "run.npz"
    _run(1, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("notes.txt", b"hello")
    with pytest.raises(CheckpointError, match="member 'notes.txt' is not a .npy array"):
        load_checkpoint(path)
    path2 = tmp_path / "objects.npz"
    np.savez(path2, format=np.array("micrograd-mlp checkpoint 1"), x=np.array([{}], dtype=object))
    with pytest.raises(CheckpointError, match="'x' holds Python objects"):
        load_checkpoint(path2)


def test_a_good_checkpoint_reads_back_exactly_and_peek_reads_only_its_header(tmp_path):
    path = tmp_path / "run.npz"
    model, optimizer, *_ = _run(2, path)
    saved = load_checkpoint(path)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(saved.model_state[key], value)
        assert saved.model_state[key].flags.writeable
    assert peek_checkpoint(path) == (2, saved.config)


# ----------------------------------------------------- resume: all or nothing (item 2)
def _resume_fails(path, match):
    """Resume from ``path`` into a fresh run; it must fail with ``match`` and change nothing,
    not even for a moment (the model's load_state_dict is never called)."""
    X, y = _blobs()
    model = MLP(4, [16, 3], seed=0, dtype=np.float64, dropout=0.3)
    optimizer = Adam(model.parameters(), lr=0.05)
    scheduler = CosineAnnealingLR(optimizer, T_max=3)
    before = _state(model, optimizer, scheduler)
    loads = []
    original = model.load_state_dict
    model.load_state_dict = lambda state, *a: loads.append(1) or original(state, *a)
    loader = DataLoader(X, y, batch_size=16, shuffle=True, seed=3, normalize=False)
    saver = Checkpointing(path, resume=True, verbose=False)
    tester = Evaluate(DataLoader(X, y, batch_size=45, normalize=False))
    with pytest.raises(CheckpointError, match=match) as info:
        fit(model, loader, loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=3,
            metric=accuracy, callbacks=[tester, Schedule(scheduler), saver])  # fmt: skip
    assert _same(before, _state(model, optimizer, scheduler)) and not loads
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    return str(info.value)


def test_a_corrupt_random_generator_state_changes_nothing(tmp_path):
    path = tmp_path / "run.npz"
    _run(1, path, plan=3)
    saved = load_checkpoint(path).rng
    (name,) = saved
    bad = {name: {**saved[name], "state": "not a state"}}
    _rewrite(path, rng=bad)
    text = _resume_fails(path, f"its 'rng.{name}' entry does not fit")
    assert "nothing was loaded" in text


def test_last_epoch_infinity_in_the_scheduler_state_changes_nothing(tmp_path):
    path = tmp_path / "run.npz"
    _run(1, path, plan=3)
    state = load_checkpoint(path).scheduler
    _rewrite(path, scheduler={**state, "last_epoch": math.inf})  # JSON: Infinity
    assert "Infinity" in str(np.load(path)["scheduler"])
    _resume_fails(path, "its 'scheduler' entry does not fit the scheduler: .*last_epoch")


def test_a_bad_optimizer_state_changes_nothing_either(tmp_path):
    path = tmp_path / "run.npz"
    _run(1, path, plan=3)
    _rewrite(path, **{"optimizer.state.0.step": np.array(1e300)})
    _resume_fails(path, "its 'optimizer' entry does not fit the optimizer")


@pytest.mark.parametrize(
    ("series", "values", "phrase"),
    [
        ("epoch", [1.0, 5.0], r"'history.epoch' is \[1, 5\], expected 1 to 2"),
        ("test_loss", [0.5], "'history.test_loss' has 1 values for 2 epochs"),
        ("epoch_loss", [0.5, math.inf], "'history.epoch_loss' holds inf"),
    ],
)
def test_a_history_that_does_not_fit_its_epochs_changes_nothing(tmp_path, series, values, phrase):
    path = tmp_path / "run.npz"
    _run(2, path, plan=3)
    _rewrite(path, **{f"history.{series}": np.array(values)})
    _resume_fails(path, phrase)


# -------------------------------------------------- folders that cannot be written (item 3)
def test_an_unwritable_checkpoint_folder_fails_before_the_first_step(unwritable_folder, tmp_path):
    folder = unwritable_folder
    X, y = _blobs()
    model = MLP(4, [16, 3], seed=0, dtype=np.float64)
    before = model.state_dict()
    optimizer = Adam(model.parameters(), lr=0.05)
    with pytest.raises(PermissionError, match=f"cannot write in '{folder}'"):
        fit(model, (X, y), loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=1,
            callbacks=[Checkpointing(folder / "run.npz")])  # fmt: skip
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())
    assert unwritable(tmp_path) is None


# ------------------------------------------- a longer run: continue or restart (item 6)
def test_resuming_to_the_planned_total_is_bit_for_bit_and_keeps_the_schedule(tmp_path):
    straight_model, _, _, straight, _ = _run(4)
    path = tmp_path / "run.npz"
    _run(2, path, plan=4)  # a 4-epoch run stopped after 2
    model, _, _, resumed, saver = _run(4, path, resume=True)
    assert saver.schedule_change == "kept" and resumed.lr == straight.lr
    assert resumed.loss == straight.loss
    for key, value in straight_model.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[key], value)


def test_continue_plans_the_cosine_over_the_new_total_as_if_from_the_start(tmp_path):
    _, _, _, straight, _ = _run(5)  # planned over 5 from the start
    path = tmp_path / "run.npz"
    _, _, _, first, _ = _run(3, path)  # planned over 3: the rate reaches 0 after epoch 3
    _, optimizer, scheduler, longer, saver = _run(5, path, resume=True)
    assert saver.schedule_change == "continued" and scheduler.T_max == 5
    assert longer.lr[:3] == first.lr and longer.lr[3:] == straight.lr[3:]  # to the last bit
    assert longer.lr[3] > 0


def test_restart_starts_the_schedule_again_over_the_epochs_left(tmp_path):
    path = tmp_path / "run.npz"
    _run(3, path)
    _, _, scheduler, longer, saver = _run(5, path, resume=True, schedule="restart")
    assert saver.schedule_change == "restarted" and scheduler.T_max == 2
    assert longer.lr[3:] == [0.05, pytest.approx(0.025)]  # cosine over 2: 1, then 1/2


def test_a_schedule_without_a_plan_just_goes_on(tmp_path):
    path = tmp_path / "run.npz"
    _run(2, path, cosine=False)
    _, _, _, longer, saver = _run(4, path, resume=True, cosine=False)
    assert saver.schedule_change == "kept"
    assert longer.lr == pytest.approx([0.05 * 0.8**k for k in range(4)])
    _, _, _, again, saver = _run(5, path, resume=True, cosine=False, schedule="restart")
    assert saver.schedule_change == "restarted" and again.lr[4] == 0.05


def test_extend_schedule_refuses_unknown_choices():
    optimizer = Adam(MLP(2, [2]).parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"one of \['continue', 'restart'\]"):
        extend_schedule(CosineAnnealingLR(optimizer, 3), 1, 4, "stretch")
    with pytest.raises(ValueError, match="schedule must be one of"):
        Checkpointing("x.npz", schedule="stretch")
