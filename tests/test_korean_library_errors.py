"""A library error (a bad checkpoint, a damaged IDX file, a loss that stopped being finite,
Graphviz's ``dot`` failing) reaches a ``--lang ko`` run's error line in Korean, from the
``errors`` catalogue; the English line and ``str(error)`` of the Python API are unchanged."""

from __future__ import annotations

import builtins
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from korean_output import english_words

from micrograd_mlp.cli import describe_error, main
from micrograd_mlp.data import write_idx
from micrograd_mlp.data.idx import IDXError, read_idx
from micrograd_mlp.data.mnist import SPLITS
from micrograd_mlp.messages import message
from micrograd_mlp.training import CheckpointError, NonFiniteLossError, load_checkpoint
from micrograd_mlp.training.checkpoint import check_checkpoint_path
from micrograd_mlp.training.loop import check_finite
from micrograd_mlp.viz.graph import DotFailedError, run_dot


def error_line(capsys, argv: list[str], command: str) -> str:
    try:
        status = main(argv)
    except SystemExit as stop:  # backprop reports its own errors so
        status, err = 1, f"{stop.code}\n"
        capsys.readouterr()
    else:
        err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


def korean_and_english(capsys, argv: list[str], command: str) -> tuple[str, str]:
    ko = error_line(capsys, [*argv, "--lang", "ko"], command)
    en = error_line(capsys, argv, command)
    assert ko.startswith(f"micrograd-mlp {command}: 오류: "), ko
    assert en.startswith(f"micrograd-mlp {command}: error: "), en
    assert english_words(ko.split(": 오류: ", 1)[1]) == [], ko
    return ko, en


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("test", 10)):
        image_file, label_file = SPLITS[split]
        write_idx(folder / f"{image_file}.gz", rng.integers(0, 255, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{label_file}.gz", rng.integers(0, 4, n).astype(np.uint8))
    return folder


def test_a_corrupt_checkpoint_is_korean_in_a_korean_run(tmp_path, data, capsys):
    bad = tmp_path / "afile"
    bad.write_text("not a checkpoint", "utf-8")
    argv = ["train", "--data-dir", str(data), "--out", str(tmp_path / "o"), "--quiet",
            "--hidden", "8", "--resume", str(bad)]  # fmt: skip
    ko, en = korean_and_english(capsys, argv, "train")
    assert "체크포인트" in ko and str(bad) in ko
    english = (
        f"checkpoint '{bad}' is corrupt or not a checkpoint: a checkpoint is an .npz (zip) file, "
        "and this file does not start like one; delete it or train without --resume"
    )
    assert en.endswith(english)
    with pytest.raises(CheckpointError) as raised:
        load_checkpoint(bad)
    assert str(raised.value) == english


@pytest.mark.parametrize("case", ["FileNotFoundError", "NotADirectoryError", "IsADirectoryError"])
def test_a_checkpoint_path_that_cannot_be_a_file_is_said_in_the_runs_language(
    case, tmp_path, data, capsys
):
    """check_checkpoint_path's refusals (the library's OSErrors) in the train command's words."""
    a_file = tmp_path / "afile"
    a_file.write_text("x", "utf-8")
    path = {
        "FileNotFoundError": tmp_path / "missing" / "c.npz",
        "NotADirectoryError": a_file / "c.npz",
        "IsADirectoryError": tmp_path,
    }[case]
    argv = ["train", "--data-dir", str(data), "--out", str(tmp_path / "o"), "--quiet",
            "--hidden", "8", "--checkpoint", str(path)]  # fmt: skip
    ko, en = korean_and_english(capsys, argv, "train")
    key = f"train.error.checkpoint.{case}"
    fields = {"path": path, "folder": path.parent}
    assert ko.endswith(message(key, "ko", **fields)) and en.endswith(message(key, "en", **fields))
    with pytest.raises(getattr(builtins, case)):  # the library's own check, as documented
        check_checkpoint_path(path)


def test_an_idx_file_with_a_bad_magic_number_is_korean_in_a_korean_run(tmp_path, data, capsys):
    image_file, _ = SPLITS["test"]
    target = data / f"{image_file}.gz"
    target.unlink()
    (data / image_file).write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x00")
    argv = ["train", "--data-dir", str(data), "--out", str(tmp_path / "o"), "--quiet",
            "--hidden", "8"]  # fmt: skip
    ko, en = korean_and_english(capsys, argv, "train")
    assert "매직 넘버" in ko
    english = (
        f"{data / image_file}: bad magic number 0x01020801: an IDX file starts with two zero bytes"
    )
    assert en.endswith(english)
    with pytest.raises(IDXError) as raised:
        read_idx(data / image_file)
    assert str(raised.value) == english


def test_a_loss_that_is_not_finite_is_korean_in_a_korean_run():
    # the commands that train turn it into their own line; the library's error itself:
    with pytest.raises(NonFiniteLossError) as raised:
        check_finite(float("nan"), 3, 1)
    assert str(raised.value).startswith("the training loss is nan at step 3 (epoch 1); ")
    assert raised.value.step == 3 and raised.value.epoch == 1
    ko = describe_error(raised.value, "ko")
    assert "학습 손실" in ko and "학습률" in ko and english_words(ko) == [], ko
    assert describe_error(raised.value) == str(raised.value)


def _fake_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    folder = tmp_path / "fakebin"
    folder.mkdir()
    dot = folder / "dot"
    dot.write_text(f"#!/bin/sh\ncat > /dev/null\n{script}\n", "utf-8")
    dot.chmod(dot.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.mark.parametrize(
    ("command", "suffix"),
    [("explore", "no page was written"), ("backprop", "no frames were drawn")],
)
def test_a_failing_dot_is_korean_in_a_korean_run(tmp_path, monkeypatch, capsys, command, suffix):
    _fake_dot(tmp_path, monkeypatch, "echo 'Error: trouble in init_rank' >&2; exit 3")
    argv = [command, "x*y", "--values", "x=1", "y=2", "--out", str(tmp_path / "e")]
    ko, en = korean_and_english(capsys, argv, command)
    assert "Graphviz" in ko and "종료 코드 3" in ko
    assert "failed (exit status 3)" in en and "dot said: Error: trouble in init_rank" in en
    assert en.endswith(f"; {suffix}")
    with pytest.raises(DotFailedError) as raised:
        run_dot("digraph {}", "svg", "drawing x.svg")
    assert str(raised.value) == (
        "Graphviz's 'dot' failed (exit status 3) while drawing x.svg: dot said: Error: trouble "
        "in init_rank. Try a smaller graph; 'dot -V' checks the Graphviz installation"
    )
