"""The xor, regression and moons demos reach their stated results and write their pictures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import moons, regression, xor
from micrograd_mlp.nn import MLP

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"


def test_xor_perceptron_fails_where_the_mlp_succeeds(tmp_path: Path) -> None:
    result = run_demo(xor, ["--out", str(tmp_path)])
    assert result["perceptron_accuracy"]["and"] == 1.0
    assert result["perceptron_accuracy"]["or"] == 1.0
    assert result["perceptron_accuracy"]["xor"] <= 0.75  # no line separates XOR
    assert result["mlp_accuracy"] == 1.0
    for name in ("xor_perceptron_boundary.png", "xor_mlp_boundary.png", "xor_loss.png"):
        _assert_png(tmp_path / name)
        assert tmp_path / name in result["files"]
    if shutil.which("dot"):
        svg = tmp_path / "xor_graph.svg"
        text = svg.read_text()
        assert "<svg" in text and "layers.0.weight.0.0" in text and "loss" in text
    else:
        assert (tmp_path / "xor_graph.gv").read_text().startswith("digraph")


def test_xor_graph_falls_back_to_dot_source_without_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries-here"))
    written = xor.write_graph(MLP(2, [2, 1], activation="tanh", seed=0), tmp_path / "g.svg")
    assert written == tmp_path / "g.gv" and not (tmp_path / "g.svg").exists()
    assert written.read_text().startswith("digraph")
    assert "dot" in capsys.readouterr().out  # the user is told why there is no picture


def test_regression_gradient_descent_matches_least_squares(tmp_path: Path) -> None:
    result = run_demo(regression, ["--out", str(tmp_path), "--seed", "3"])
    assert abs(result["w"] - result["w_lstsq"]) < 1e-3
    assert abs(result["b"] - result["b_lstsq"]) < 1e-3
    # The data lies around y = 2 x - 1 with noise 0.1: both estimates are near the truth.
    assert abs(result["w"] - regression.TRUE_W) < 0.1 and abs(result["b"] - regression.TRUE_B) < 0.1
    # The best line through sin on [-pi, pi] leaves an MSE of ~0.19; the MLP gets near the noise
    # variance 0.01.
    assert result["sine_mse"] < 0.05
    for name in ("regression_linear.png", "regression_sine.png", "regression_loss.png"):
        _assert_png(tmp_path / name)


def test_least_squares_is_the_closed_form_line() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    y = -0.7 * x + 4.0 + rng.normal(0.0, 0.3, size=30)
    w, b = regression.least_squares(x, y)
    # The normal equations of the 1-D fit: w = cov(x, y) / var(x), b = mean(y) - w mean(x).
    w_expected = np.mean((x - x.mean()) * (y - y.mean())) / np.var(x)
    assert w == pytest.approx(w_expected, rel=1e-12)
    assert b == pytest.approx(y.mean() - w_expected * x.mean(), rel=1e-12)


def test_moons_reaches_full_training_accuracy(tmp_path: Path) -> None:
    result = run_demo(moons, ["--out", str(tmp_path)])
    assert result["accuracy"] == 1.0
    assert result["steps"] == moons.STEPS
    assert result["first_perfect_step"] is not None and result["first_perfect_step"] < moons.STEPS
    assert 0.0 <= result["loss"] < 0.1  # hinge margins mostly met; the L2 term is small
    for name in ("moons_boundary.png", "moons_loss.png"):
        _assert_png(tmp_path / name)


def test_moons_objective_is_hinge_plus_l2() -> None:
    model = MLP(2, [3, 1], seed=0)
    X, y = moons.make_data(6, 0.1, seed=0)
    assert set(np.unique(y)) == {-1.0, 1.0}
    scores = [model(x) for x in X.tolist()]
    params = [p.data for p in model.parameters()]
    hinge = np.mean([max(0.0, 1.0 - t * s.data) for s, t in zip(scores, y)])
    loss = moons.objective(model, 0.01)(scores, y)
    assert loss.data == pytest.approx(hinge + 0.01 * np.sum(np.square(params)), rel=1e-12)
    assert moons.lr_schedule(0.3, 150)(0) == 0.3
    assert moons.lr_schedule(0.3, 150)(150) == pytest.approx(0.03)


@pytest.mark.parametrize(
    ("module", "argv"),
    [
        (xor, ["--epochs", "0"]),
        (xor, ["--lr", "-1"]),
        (regression, ["--samples", "1"]),
        (moons, ["--steps", "0"]),
        (moons, ["--alpha", "-0.1"]),
    ],
)
def test_demos_refuse_bad_options(module, argv: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="error"):
        run_demo(module, ["--out", str(tmp_path), *argv])
    assert not any(tmp_path.iterdir())  # refused before writing anything


def test_console_script_and_wrappers_show_help() -> None:
    script = shutil.which("micrograd-mlp")
    if script is None:
        pytest.skip("the micrograd-mlp console script is not installed (pip install -e .)")
    done = subprocess.run(
        [script, "xor", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--perceptron-epochs" in done.stdout and "--out" in done.stdout
    for name, option in (("xor", "--hidden"), ("regression", "--linear-lr"), ("moons", "--alpha")):
        done = subprocess.run(
            [sys.executable, str(ROOT / "demos" / f"{name}.py"), "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert option in done.stdout


def test_top_level_help_lists_every_demo(capsys):
    from micrograd_mlp.cli import build_parser, demo_modules

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for command, module in demo_modules().items():
        assert command in text
        assert module.HELP.split()[0] in text
    assert "{'option_strings'" not in text  # a raw "%" in a HELP would be %-formatted
