"""``micrograd-mlp train`` as a learner uses it (issues 20, 21, 23): runs in folders of their
own, continuing a run for more epochs (its schedule continued or restarted), one-line errors
for files and folders that cannot be used and for data too small to split, the note on the
train accuracy, help that speaks to users, and the whole command in Korean.

Everything trains a tiny MLP on a tiny look-alike data set (IDX files of 28x28 images whose
class is the brightened quarter), a fraction of a second per run.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from korean_output import english_words
from matplotlib.text import Text

from micrograd_mlp.cli import build_parser, main, run_demo
from micrograd_mlp.data import write_idx
from micrograd_mlp.data.mnist import SPLITS
from micrograd_mlp.demos import mnist as train_command
from micrograd_mlp.training import load_checkpoint
from micrograd_mlp.viz import fonts

HANGUL = re.compile("[\uac00-\ud7a3]")
TINY = ["--quiet", "--hidden", "16"]


def quarter_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy uint8 images (n, 28, 28); label = the brightened quarter (4 classes)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 100, size=(n, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 4, size=n)
    for i, label in enumerate(labels):
        r, c = divmod(int(label), 2)
        images[i, 14 * r : 14 * r + 14, 14 * c : 14 * c + 14] += 120
    return images, labels


def write_split(folder: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    image_file, label_file = SPLITS[split]
    write_idx(folder / f"{image_file}.gz", images)
    write_idx(folder / f"{label_file}.gz", labels.astype(np.uint8))


@pytest.fixture
def data(tmp_path):
    """A Fashion-MNIST look-alike: 300 training and 60 test images."""
    folder = tmp_path / "data"
    X, y = quarter_images(360)
    write_split(folder, "train", X[:300], y[:300])
    write_split(folder, "test", X[300:], y[300:])
    return folder


def train(data, out, *argv, code=0, capsys=None):
    """``micrograd-mlp train`` with the tiny settings; returns (stdout, stderr) if ``capsys``."""
    status = main(["train", "--data-dir", str(data), "--out", str(out), *TINY, *argv])
    captured = capsys.readouterr() if capsys is not None else None
    assert status == code, captured
    return captured


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("micrograd-mlp train: error: "), err
    assert "Traceback" not in err
    return err


def no_data_loading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the data was loaded before the options were checked")

    monkeypatch.setattr(train_command, "load_data", refuse)


# ------------------------------------------------------------- training longer (issue 21)
def test_resume_trains_a_finished_run_up_to_the_new_total_continuing_its_schedule(
    tmp_path, data, capsys
):
    out = tmp_path / "out"
    train(data, out, "--epochs", "2")
    straight = run_demo(train_command, ["--data-dir", str(data), "--out", str(tmp_path / "s"),
                                        *TINY, "--epochs", "4"])  # fmt: skip
    capsys.readouterr()
    longer = run_demo(train_command, ["--data-dir", str(data), "--out", str(out), *TINY,
                                      "--resume", "--epochs", "4"])  # fmt: skip
    text = capsys.readouterr().out
    assert longer["run_dir"] == out / "run-1" and not (out / "run-2").exists()
    assert longer["history"].epoch == [1, 2, 3, 4] and load_checkpoint(out / "run-1" /
                                                                       "checkpoint.npz").epoch == 4
    # continue: the cosine is planned over 4 epochs as if from the start, to the last bit.
    assert longer["schedule"] == "continued"
    assert longer["history"].lr[2:] == straight["history"].lr[2:]
    assert f"continuing {out / 'run-1'} after epoch 2: epochs 3 to 4 (--epochs counts" in text
    assert "continued (--resume-schedule continue): planned over 4 epochs" in text
    # restart: from --lr again, over the epochs left (cosine over 2: 1e-3, then half).
    again = run_demo(train_command, ["--data-dir", str(data), "--out", str(out), *TINY,
                                     "--resume", "run-1", "--epochs", "6",
                                     "--resume-schedule", "restart"])  # fmt: skip
    assert again["schedule"] == "restarted"
    assert again["history"].lr[4:] == [1e-3, pytest.approx(0.5e-3)]
    assert "restarted (--resume-schedule restart): from lr 0.001 again, over the 2 epochs left" in (
        capsys.readouterr().out
    )


def test_a_continued_run_keeps_its_settings_and_refuses_other_ones(tmp_path, data, capsys):
    out = tmp_path / "out"
    train(data, out, "--epochs", "1", "--dropout", "0.1", "--batch-size", "20", "--seed", "3")
    path = out / "run-1" / "checkpoint.npz"
    saved = load_checkpoint(path).config
    # Resumed with no settings at all: it takes them from the checkpoint (and its file path).
    result = run_demo(train_command, ["--data-dir", str(data), "--quiet", "--out", str(out),
                                      "--resume", str(path), "--epochs", "2"])  # fmt: skip
    assert {k: v for k, v in result["config"].items() if k != "epochs"} == {
        k: v for k, v in saved.items() if k != "epochs"
    }
    before = path.read_bytes()
    capsys.readouterr()
    train(data, out, "--resume", "--epochs", "3", "--hidden", "32", "--lr", "0.01", code=1)
    err = one_line(capsys)
    assert "was trained with --hidden 16, --lr 0.001, not --hidden 32, --lr 0.01" in err
    train(data, out, "--resume", "--epochs", "1", code=1)
    err = one_line(capsys)
    assert "--epochs 1: " in err and "has trained 2 epochs already" in err
    assert "e.g. --epochs 12" in err
    train(data, out, "--resume", capsys=capsys)  # as many epochs as it has: nothing to train
    assert path.read_bytes() == before


def test_a_checkpoint_from_before_the_newer_settings_continues_as_it_was_trained(
    tmp_path, data, capsys
):
    out = tmp_path / "out"
    train(data, out, "--epochs", "1", "--no-standardize")
    path = out / "run-1" / "checkpoint.npz"
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    config = json.loads(str(arrays["config"]))
    for newer in ("standardize", "label_smoothing", "limit"):
        del config[newer]
    arrays["config"] = np.array(json.dumps({**config, "schedule_epochs": 1}))
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    capsys.readouterr()
    text = train(data, out, "--resume", "--epochs", "2", capsys=capsys).out
    assert "inputs: pixel / 255, in [0, 1]; loss: cross-entropy\n" in text
    assert load_checkpoint(path).config["standardize"] is False
    # Given now, a setting the old run did not have is one it did not use: refused.
    train(data, out, "--resume", "--epochs", "3", "--label-smoothing", "0.1", code=1)
    assert "--label-smoothing 0.0, not --label-smoothing 0.1" in one_line(capsys)


def test_inputs_are_standardized_by_default_and_the_loss_line_says_so(tmp_path, data, capsys):
    text = train(data, tmp_path / "out", "--epochs", "1", "--label-smoothing", "0.1",
                 capsys=capsys).out  # fmt: skip
    assert "inputs: (pixel / 255 - 0.286) / 0.353, standardized by the training images'" in text
    assert "label smoothing 0.1 (targets 0.91 for the true class, 0.01 for each other one)" in text


@pytest.mark.parametrize(
    ("resume", "phrase"),
    [
        (["--resume"], "--resume: no run with a checkpoint under"),
        (["--resume", "run-7"], "--resume 'run-7': no such run folder or checkpoint file"),
        (["--resume", "empty"], "this folder holds no checkpoint.npz"),
        (["--resume-schedule", "restart"], "without --resume it would be ignored"),
    ],
)
def test_naming_no_run_to_continue_is_one_line(tmp_path, data, capsys, monkeypatch, resume,
                                              phrase):  # fmt: skip
    no_data_loading(monkeypatch)
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    train(data, tmp_path / "out", *resume, code=1)
    assert phrase in one_line(capsys)


def test_the_help_says_what_epochs_and_resume_mean_in_users_words(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "epochs of the run in all, those already trained included" in text
    assert "--resume [RUN]" in text and "--resume-schedule {continue,restart}" in text
    assert "--lang {en,ko}" in text
    for internal in ("shared data", "benchmarks/", "micrograd_mlp", "DEFAULTS", ".py", "fit("):
        assert internal not in text, internal


# ----------------------------------------------------------- files that lie (issue 20)
def test_resume_from_a_checkpoint_whose_header_declares_728_tib_is_one_line(tmp_path, data,
                                                                            capsys):  # fmt: skip
    out = tmp_path / "out"
    train(data, out, "--epochs", "1")
    path = out / "run-1" / "checkpoint.npz"
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**7, 10**7)}
    )
    members["model.layers.0.weight.npy"] = header.getvalue() + bytes(16)
    with zipfile.ZipFile(path, "w") as new:
        for name, content in members.items():
            new.writestr(name, content)
    before = path.read_bytes()
    capsys.readouterr()
    train(data, out, "--resume", "--epochs", "2", code=1)
    err = one_line(capsys)
    assert str(path) in err and "'model.layers.0.weight' declares a (10000000, 10000000)" in err
    assert "728 TiB" in err and path.read_bytes() == before


def test_resume_from_a_corrupt_generator_state_is_one_line_and_changes_nothing(
    tmp_path, data, capsys
):
    out = tmp_path / "out"
    train(data, out, "--epochs", "1")
    path = out / "run-1" / "checkpoint.npz"
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    (name,) = load_checkpoint(path).rng  # the dropout layer's generator
    arrays["rng"] = np.array(json.dumps({name: {"bit_generator": "PCG64", "state": 7}}))
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    before = path.read_bytes()
    capsys.readouterr()
    train(data, out, "--resume", "--epochs", "2", code=1)
    err = one_line(capsys)
    assert str(path) in err and f"its 'rng.{name}' entry does not fit" in err
    assert path.read_bytes() == before and sorted(os.listdir(out)) == ["run-1"]


@pytest.mark.parametrize("option", ["--checkpoint", "--out"])
def test_an_unwritable_place_is_one_line_before_the_data_is_loaded(
    unwritable_folder, tmp_path, data, capsys, monkeypatch, option
):
    folder = unwritable_folder
    no_data_loading(monkeypatch)
    target = folder / ("run.npz" if option == "--checkpoint" else "runs")
    argv = ["train", "--data-dir", str(data), *TINY, "--out", str(tmp_path / "out")]
    assert main([*argv, option, str(target)]) == 1
    err = one_line(capsys)
    assert f"{option} '{target}': cannot write in '{folder}'" in err


# ------------------------------------------------------------- small data (issue 20)
def test_mnist_with_a_5_image_test_split_trains_on_4_and_tests_on_1(tmp_path, capsys):
    folder = tmp_path / "mnist"
    X, y = quarter_images(5)
    write_split(folder, "test", X, y)
    result = run_demo(train_command, ["--dataset", "mnist", "--data-dir", str(folder),
                                      "--out", str(tmp_path / "out"), *TINY, "--epochs", "1"])
    assert "training on a seeded 4 of its 5 test images and testing on the other 1" in (
        result["note"]
    )
    assert result["config"]["train_samples"] == 4


def test_mnist_with_a_1_image_test_split_is_one_line_naming_the_folder(tmp_path, capsys):
    folder = tmp_path / "mnist"
    X, y = quarter_images(1)
    write_split(folder, "test", X, y)
    assert main(["train", "--dataset", "mnist", "--data-dir", str(folder), "--out",
                 str(tmp_path / "out")]) == 1  # fmt: skip
    err = one_line(capsys)
    assert f"{folder / 't10k-images-idx3-ubyte.gz'}: holds 1 image; splitting it into" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_fashion_mnist_test_split_of_0_images_is_one_line_naming_folder_and_file(
    tmp_path, data, capsys
):
    write_split(data, "test", np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    assert main(["train", "--data-dir", str(data), "--out", str(tmp_path / "out")]) == 1
    err = one_line(capsys)
    assert str(data) in err and "t10k-images-idx3-ubyte" in err


# ------------------------------------------------------ the train accuracy note (issue 21)
def test_why_train_accuracy_is_below_test_accuracy_is_said_once_where_it_is_printed(
    tmp_path, data, capsys
):
    out = train(data, tmp_path / "out", "--epochs", "3", capsys=capsys).out
    lines = out.splitlines()
    notes = [i for i, line in enumerate(lines) if line.startswith("(Why is the train accuracy")]
    assert len(notes) == 1, out
    previous = lines[notes[0] - 1]
    train_acc, test_acc = map(float, re.findall(r"accuracy (\d\.\d+)", previous))
    assert previous.startswith("epoch ") and train_acc < test_acc
    assert "with dropout switching off part of the network" in lines[notes[0]]


# ------------------------------------------------------------------ Korean (issue 23)
NEEDS_FONT = pytest.mark.skipif(fonts.hangul_font() is None, reason="no Hangul font installed")
#: Latin-letter words a Korean run of train may print: option values and the optimizer name.
ALLOWED = {"continue", "restart", "cosine", "exponential", "sgd", "adam"}
ROOT = Path(__file__).resolve().parents[1]


def glossary_english() -> set[str]:
    """The English terms of docs/ko/glossary.md's tables, lower case, one per alternative."""
    terms = set()
    for line in (ROOT / "docs" / "ko" / "glossary.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith(("| 한국어", "|---")):
            english = line.strip("|").split("|")[2]
            terms |= {t.strip().lower() for t in re.sub(r"\([^)]*\)", "", english).split(",")}
    return terms - {""}


def without_glosses(text: str) -> str:
    """``text`` without the "한글(english)" glosses of glossary terms (a term's first use)."""
    glosses = glossary_english()

    def drop(match: re.Match) -> str:
        return "" if match.group(1).lower() in glosses else match.group(0)

    return re.sub(r"(?<=\S)\(([A-Za-z][A-Za-z' -]*)\)", drop, text)


def _figure_texts(fig) -> list[str]:
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible()]
    return [t for t in texts if t.strip() and not re.fullmatch(r"[\d.,−\-\s%]+", t)]


@NEEDS_FONT
@pytest.mark.parametrize("how", ["option", "environment"])
def test_train_speaks_and_draws_korean(tmp_path, data, capsys, monkeypatch, caplog, how):
    import micrograd_mlp.viz.plots as plots

    figures = []
    save = plots.save_figure

    def keep(fig, path):
        written = save(fig, path)  # drawn: the tick labels have their texts now
        figures.append(_figure_texts(fig))
        return written

    monkeypatch.setattr(plots, "save_figure", keep)
    argv = ["--lang", "ko"] if how == "option" else []
    if how == "environment":
        monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        train(data, out, "--epochs", "2", *argv)
        train(data, out, "--resume", "--epochs", "3", *argv)
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]  # no empty boxes
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(HANGUL.search(line) for line in lines), text
    assert english_words(without_glosses(text), ALLOWED) == [], text
    assert "에폭 1/2: 학습 손실" in text and "시험 정확도" in text and "드롭아웃(dropout)" in text
    assert "학습 정확도(" in text and "이어 가기(--resume-schedule continue)" in text
    assert len(figures) == 6  # three pictures per run
    for texts in figures:
        assert english_words(" ".join(texts), ALLOWED) == [], texts
        assert any(HANGUL.search(t) for t in texts)
    assert {"티셔츠/탑", "앵클 부츠", "예측", "정답", "개수"} <= set(figures[1])
    assert {"에폭", "손실", "정확도", "학습(각 에폭 도중, 드롭아웃 적용)"} <= set(figures[0])


def test_english_stays_the_default(tmp_path, data, capsys, monkeypatch):
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)
    text = train(data, tmp_path / "out", "--epochs", "1", capsys=capsys).out
    assert "epoch 1/1: train loss" in text and not HANGUL.search(text)
