"""``micrograd-mlp overfitting``: on 30 noisy two-moons points the plain run's test loss falls,
then rises to more than twice its lowest while the training loss goes below 0.01; weight decay,
dropout and early stopping each end with at most half of the plain run's gap (test minus
training loss) and a lower test loss, early stopping below the plain run's final test loss --
for seeds 0, 1 and 2. The EarlyStopping callback stops ``patience`` epochs after the best one
and puts its weights back. Korean output and pictures, bad options, the script wrapper."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from korean_output import english_words
from matplotlib.text import Text

from micrograd_mlp.cli import demo_modules, main, run_demo
from micrograd_mlp.demos import _output
from micrograd_mlp.demos import overfitting as demo
from micrograd_mlp.demos.overfitting import EarlyStopping, StopTraining
from micrograd_mlp.optim import Adam
from micrograd_mlp.tensor import MLP
from micrograd_mlp.tensor.functional import cross_entropy
from micrograd_mlp.training import LambdaCallback, evaluate, fit
from micrograd_mlp.viz import fonts

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HANGUL = re.compile("[\uac00-\ud7a3]")
SEEDS = (0, 1, 2)
REMEDIES = ("weight_decay", "dropout", "early_stopping")
NEEDS_FONT = pytest.mark.skipif(
    fonts.hangul_font() is None, reason="no Hangul font installed (apt-get install fonts-nanum)"
)


def _run(out: Path, monkeypatch, *argv: str) -> tuple[dict, str, list[str]]:
    """(result, printed text, every text of the saved figure) of one run."""
    drawn: list[str] = []
    save = _output.save_figure

    def keep_texts(fig, path):
        written = save(fig, path)
        drawn.extend(t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text())
        return written

    monkeypatch.setattr(_output, "save_figure", keep_texts)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = run_demo(demo, ["--out", str(out), *argv])
    return result, buffer.getvalue(), drawn


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Seed 0 in English, seed 1 in Korean (both the whole command), seed 2 measured only."""
    with pytest.MonkeyPatch.context() as mp:
        english = _run(tmp_path_factory.mktemp("en"), mp, "--lang", "en")
        korean = _run(tmp_path_factory.mktemp("ko"), mp, "--lang", "ko", "--seed", "1")
    _, outcomes = demo.measure(_default_args(seed=2))  # the command's numbers, no picture
    return {"en": english, "ko": korean, "results": [english[0], korean[0], demo.summary(outcomes)]}


def _default_args(**changes) -> argparse.Namespace:
    """The command's default options, with ``changes``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="unused")
    demo.add_arguments(parser)
    args = parser.parse_args([])
    for key, value in changes.items():
        setattr(args, key, value)
    return args


# ------------------------------------------------------------------ the claims, three seeds
@pytest.mark.parametrize("seed", SEEDS)
def test_the_plain_run_overfits(runs, seed):
    result = runs["results"][seed]
    train, test = result["curves"]["plain"]["train"], result["curves"]["plain"]["test"]
    assert len(train) == len(test) == 200
    assert train[-1] < 0.01  # the 30 points are fitted
    assert test[-1] > 2 * min(test)  # the test loss rose again after its lowest epoch
    assert 1 < result["plain_best_test_epoch"] < 200
    assert result["gap"]["plain"] > 0.4


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("remedy", REMEDIES)
def test_each_remedy_at_least_halves_the_gap_and_lowers_the_test_loss(runs, seed, remedy):
    result = runs["results"][seed]
    assert result["gap_ratio"][remedy] <= 0.5
    assert result["gap"][remedy] <= 0.5 * result["gap"]["plain"]
    assert result["test_loss"][remedy] < result["test_loss"]["plain"]


@pytest.mark.parametrize("seed", SEEDS)
def test_early_stopping_keeps_a_better_epoch_than_the_plain_runs_last(runs, seed):
    result = runs["results"][seed]
    assert result["stopped_epoch"] == result["best_epoch"] + 20  # patience 20
    assert result["test_loss"]["early_stopping"] < 0.7 * result["test_loss"]["plain"]
    # Same weights, same full batches: until it stops it is the plain run.
    stopped = result["stopped_epoch"]
    early, plain = result["curves"]["early_stopping"], result["curves"]["plain"]
    assert np.allclose(early["train"], plain["train"][:stopped], rtol=1e-12)
    assert len(early["validation"]) == stopped


def test_the_printed_table_is_the_result(runs):
    result, text, _ = runs["en"]
    assert text.startswith("Overfitting, and three ways to reduce it")
    for setting, name in [("plain", "plain"), ("weight_decay", "weight decay 2 (AdamW)"),
                          ("dropout", "dropout p = 0.5"),
                          ("early_stopping", "early stopping (patience 20)")]:  # fmt: skip
        row = next(line for line in text.splitlines() if line.strip().startswith(name))
        numbers = [float(x) for x in re.findall(r"-?\d+\.\d+", row[len(name) + 2 :])]
        assert numbers[:4] == pytest.approx(
            [result["train_loss"][setting], result["test_loss"][setting],
             result["gap"][setting], result["gap_ratio"][setting]], abs=6e-3
        )  # fmt: skip
    assert f"lowest after epoch {result['best_epoch']};" in text
    assert result["plot"].read_bytes()[:8] == PNG_MAGIC


# ------------------------------------------------------------------ the callback
def _tiny(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    Xv = rng.standard_normal((20, 2))
    yv = (Xv[:, 0] * Xv[:, 1] > 0).astype(np.int64)
    yv[:6] = 1 - yv[:6]  # noisy validation labels: its loss turns up after a while
    return X, y, (Xv, yv)


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    X, y, validation = _tiny()
    model = MLP(2, [32, 2], "tanh", seed=0, dtype=np.float64)
    states = []
    snapshot = LambdaCallback(lambda epoch, h: states.append(
        {k: v.copy() for k, v in model.state_dict().items()}))  # fmt: skip
    stopper = EarlyStopping(validation, patience=5)
    with pytest.raises(StopTraining):
        fit(model, X, y, cross_entropy, Adam(model.parameters(), lr=0.05), 500,
            callbacks=[snapshot, stopper])  # fmt: skip
    best = stopper.best_epoch
    assert stopper.stopped_epoch == best + 5 == len(stopper.losses) == len(states)
    assert stopper.losses[best - 1] == min(stopper.losses)
    assert all(loss >= stopper.losses[best - 1] for loss in stopper.losses[best:])
    for key, value in model.state_dict().items():  # the best epoch's weights are back
        assert np.array_equal(value, states[best - 1][key])
    assert evaluate(model, validation, cross_entropy).loss == pytest.approx(min(stopper.losses))
    assert len(stopper.history.epoch_loss) == stopper.stopped_epoch


def test_early_stopping_that_never_triggers_keeps_the_last_improvement():
    X, y, _ = _tiny()
    model = MLP(2, [8, 2], "tanh", seed=1, dtype=np.float64)
    stopper = EarlyStopping((X, y), patience=50)  # its own training data: keeps improving
    fit(model, X, y, cross_entropy, Adam(model.parameters(), lr=0.01), 10, callbacks=[stopper])
    assert stopper.stopped_epoch is None and stopper.best_epoch == 10


@pytest.mark.parametrize(("patience", "min_delta"), [(0, 0.0), (3, -1.0)])
def test_early_stopping_refuses_bad_arguments(patience, min_delta):
    with pytest.raises(ValueError, match="EarlyStopping: patience must be >= 1"):
        EarlyStopping(([[0.0, 0.0]], [0]), patience=patience, min_delta=min_delta)


# ------------------------------------------------------------------ Korean
GLOSSES = {"overfitting", "weight decay", "dropout", "early stopping", "two moons",
           "validation set"}  # fmt: skip


def _without_glosses(text: str) -> str:
    """``text`` without the "한글(English)" glosses of a term's first use."""

    def drop(match: re.Match) -> str:
        return "" if match.group(1).lower() in GLOSSES else match.group(0)

    return re.sub(r"(?<=[\uac00-\ud7a3])\(([A-Za-z][A-Za-z' -]*)\)", drop, text)


def test_the_korean_run_prints_only_the_korean_catalogue(runs):
    result, text, _ = runs["ko"]
    assert result["lang"] == "ko"
    assert english_words(_without_glosses(text)) == []
    assert "과적합(overfitting)" in text and "조기 종료: 검증 손실은" in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(HANGUL.search(line) for line in lines if not re.match(r"\s+[\d.-]", line))


@NEEDS_FONT
def test_the_korean_picture_is_korean(runs):
    result, _, drawn = runs["ko"]
    assert result["plot"].read_bytes()[:8] == PNG_MAGIC
    assert english_words("\n".join(drawn)) == [], drawn
    assert "조기 종료(20에폭 기다림)" in "\n".join(drawn)


@NEEDS_FONT
def test_no_glyph_is_missing_in_korean(tmp_path, monkeypatch, no_missing_glyphs):
    """An empty box in the Korean picture fails the test (the no_missing_glyphs fixture)."""
    _run(tmp_path, monkeypatch, "--lang", "ko", "--epochs", "3", "--hidden", "4")


# ------------------------------------------------------------------ command line
@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--dropout", "1"], "--dropout"),
        (["--dropout", "0"], "--dropout"),
        (["--weight-decay", "0"], "--weight-decay"),
        (["--weight-decay", "100"], "--weight-decay"),
        (["--points", "3"], "--points"),
        (["--noise", "-0.1"], "--noise"),
        (["--patience", "0"], "--patience"),
        (["--epochs", "100000"], "--epochs"),
        (["--lang", "fr"], "--lang"),
    ],
)
def test_bad_options_are_one_usage_line(argv, option, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["overfitting", "--out", str(tmp_path / "o"), *argv])
    assert exit_info.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_it_is_a_builtin_command_with_a_script_wrapper():
    assert demo_modules()["overfitting"] is demo and demo.BUILTIN_DATA
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "overfitting.py"), "--help"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for option in ("--points", "--weight-decay", "--dropout", "--patience", "--lang"):
        assert option in done.stdout
