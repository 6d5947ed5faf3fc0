"""The perceptron demo's claims, each recomputed here: Rosenblatt's rule converges on AND and OR
and then classifies all 4 rows, cycles on XOR with exactly repeating weights, moves only on a
mistake by a fixed step; the gradient-descent neuron moves on every row by a shrinking amount
and its loss decreases. Three seeds each."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from micrograd_mlp.cli import demo_modules, run_demo
from micrograd_mlp.data.toy import logic_gate
from micrograd_mlp.demos import perceptron

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEEDS = (0, 1, 2)
HANGUL = re.compile("[\uac00-\ud7a3]")


def _predict(w: tuple, X: np.ndarray) -> np.ndarray:
    """The step perceptron's answers, computed here with NumPy."""
    return (X @ np.array(w[:2]) + w[2] > 0).astype(int)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    import contextlib
    import io

    out = tmp_path_factory.mktemp("perceptron")
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        result = run_demo(perceptron, ["--out", str(out), "--lang", "en"])
    return result, text.getvalue(), out


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("gate", ["and", "or"])
def test_a_separable_gate_converges_then_every_row_is_right(gate, seed):
    run = perceptron.train_perceptron(gate, 1.0, 100, seed)
    X, y = logic_gate(gate)
    assert run.converged and run.cycle is None and 1 <= run.epochs < 100
    assert run.wrong[-1] == [] and all(run.wrong[:-1])  # the last epoch is the first clean one
    assert np.array_equal(_predict(run.weights[-1], X), y)
    assert not np.array_equal(_predict(run.weights[0], X), y) or run.epochs == 1
    assert run.accuracy == 1.0
    # Run on past convergence: a mistake-free epoch leaves the weights where they are.
    longer = perceptron.train_perceptron(gate, 1.0, run.epochs + 10, seed, stop=False)
    assert longer.weights[run.epochs :] == [run.weights[-1]] * 11


@pytest.mark.parametrize("seed", SEEDS)
def test_xor_never_converges_and_its_weights_repeat_exactly(seed):
    run = perceptron.train_perceptron("xor", 1.0, 100, seed)
    assert not run.converged and run.cycle is not None
    i, j = run.cycle
    assert i < j == run.epochs and run.weights[i] == run.weights[j]  # bit for bit
    assert all(run.wrong)  # every epoch made a mistake
    assert run.accuracy <= 0.75
    # Without stopping: it never has a clean epoch, and the weights repeat with period j - i.
    longer = perceptron.train_perceptron("xor", 1.0, 60, seed, stop=False)
    assert not longer.converged and all(longer.wrong)
    period = j - i
    assert all(longer.weights[e] == longer.weights[e - period] for e in range(j, 61))
    X, y = logic_gate("xor")
    assert all(not np.array_equal(_predict(w, X), y) for w in longer.weights)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_perceptron_moves_only_on_a_mistake_by_the_fixed_step(seed):
    lr = 0.7
    run = perceptron.train_perceptron("and", lr, 100, seed)
    X, y = logic_gate("and")
    # Rosenblatt's rule written again here, from the same starting weights.
    w = np.array(run.weights[0])
    for visit, error in enumerate(run.errors):
        x = X[visit % 4]
        expected_error = y[visit % 4] - int(w[:2] @ x + w[2] > 0)
        assert error == expected_error and error in (-1, 0, 1)
        step = lr * error * np.array([x[0], x[1], 1.0])
        w = w + step
        assert np.allclose(run.visits[visit], w, rtol=0, atol=1e-12)
        if error == 0:  # no mistake: the weights do not move at all
            before = run.visits[visit - 1] if visit else run.weights[0]
            assert run.visits[visit] == before
    assert run.updates == sum(len(wrong) for wrong in run.wrong) > 0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("gate", ["and", "or"])
def test_gradient_descent_moves_on_every_row_by_a_shrinking_amount(gate, seed):
    run = perceptron.train_gradient_neuron(gate, 1.0, 20, seed)
    errors = np.abs(run.errors)
    assert len(errors) == 80 and np.all(errors > 0)  # it moves on every row
    assert errors[-4:].mean() < 0.5 * errors[:4].mean()  # by less as p gets close to y
    assert np.all(np.diff(run.loss) < 0)  # the loss decreases every epoch
    assert run.accuracy == 1.0
    # The engine's -dL/dz of the first visit is y - sigmoid(z) at the starting weights, which
    # are the perceptron's (the same Neuron, the same seed).
    X, y = logic_gate(gate)
    w = perceptron.train_perceptron(gate, 1.0, 1, seed).weights[0]
    z = w[0] * X[0, 0] + w[1] * X[0, 1] + w[2]
    assert run.errors[0] == pytest.approx(y[0] - 1.0 / (1.0 + np.exp(-z)), rel=1e-12)


def test_the_demo_prints_its_numbers_and_draws_its_pictures(default_run):
    result, text, out = default_run
    runs = result["runs"]
    assert sorted(p.name for p in out.iterdir()) == sorted(perceptron.PICTURES)
    for path in result["files"]:
        assert path.read_bytes()[:8] == PNG_MAGIC
    for gate in ("and", "or"):
        run = runs[gate]
        assert (
            f"{gate.upper()}: converged: epoch {run.epochs} made no mistake "
            f"({run.updates} updates before it)" in text
        )
    i, j = runs["xor"].cycle
    said = f"XOR: never converges: the weights after epoch {j} are exactly those after epoch {i}"
    assert said in text
    gradient = result["comparison"]["gradient"]
    assert f"mean loss {gradient.loss[0]:.4f} -> {gradient.loss[-1]:.4f}" in text
    assert "descent moved on 80 of the 80 visits" in text
    compare = result["comparison"]["perceptron"]
    assert f"In 80 row visits the perceptron moved {compare.updates}\ntimes" in text
    assert compare.updates == runs["and"].updates  # it never moves after converging


def test_max_epochs_stops_the_rule_and_says_so(tmp_path, capsys):
    result = run_demo(
        perceptron,
        ["--out", str(tmp_path), "--gates", "xor", "--max-epochs", "1", "--gd-epochs", "2"],
    )
    run = result["runs"]["xor"]
    assert run.epochs == 1 and not run.converged and run.cycle is None
    assert "XOR: stopped at --max-epochs 1: every epoch made a mistake" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "perceptron_vs_gradient.png",
        "perceptron_xor.png",
    ]


def test_korean_output_and_pictures(tmp_path, capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_demo(perceptron, ["--out", str(tmp_path), "--lang", "ko", "--gd-epochs", "3"])
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and all(HANGUL.search(line) for line in lines), text
    assert "퍼셉트론(perceptron)" in text and "에폭(epoch)" in text
    assert f"{result['runs']['and'].epochs}번째 에폭에서 한 번도 틀리지 않았습니다" in text
    assert not [w for w in caught if "missing from font" in str(w.message)]  # no empty boxes


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--lr", "0"], "--lr"),
        (["--lr", "-1"], "--lr"),
        (["--lr", "nan"], "--lr"),
        (["--gd-lr", "1000"], "--gd-lr"),
        (["--max-epochs", "0"], "--max-epochs"),
        (["--max-epochs", "100000000"], "--max-epochs"),
        (["--gd-epochs", "0"], "--gd-epochs"),
        (["--gates", "xnor"], "--gates"),
        (["--compare", "xnor"], "--compare"),
        (["--lang", "fr"], "--lang"),
    ],
)
def test_bad_options_are_refused_naming_the_option(argv, option, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_demo(perceptron, ["--out", str(tmp_path), *argv])
    assert exit_info.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_it_is_a_builtin_command_with_a_script_wrapper():
    assert demo_modules()["perceptron"] is perceptron and perceptron.BUILTIN_DATA
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "perceptron.py"), "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "--max-epochs" in done.stdout
