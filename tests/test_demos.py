"""The xor, regression and moons demos reach their stated results for three seeds, write their
pictures, and draw a decision boundary only where the model separates the classes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from demo_runs import SEEDS, demo_run, gids

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import _output, _predict, moons, regression, xor
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.nn import MLP
from micrograd_mlp.viz import regions as viz_regions

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"


@pytest.mark.parametrize("seed", SEEDS)
def test_xor_perceptron_fails_where_the_mlp_succeeds(seed: int) -> None:
    run = demo_run("xor", seed)
    result, out = run.result, run.out
    assert result["perceptron_accuracy"]["and"] == 1.0
    assert result["perceptron_accuracy"]["or"] == 1.0
    assert result["perceptron_accuracy"]["xor"] <= 0.75  # no line separates XOR
    assert result["mlp_accuracy"] == 1.0
    names = [f"{gate}_perceptron_boundary.png" for gate in ("and", "or", "xor")]
    for name in [*names, "xor_mlp_boundary.png", "xor_loss.png"]:
        _assert_png(out / name)
        assert out / name in result["files"]
    assert result["graph_accuracy"] == 1.0  # the 2-2-1 MLP drawn solves XOR too
    if shutil.which("dot"):
        text = (out / "xor_graph.svg").read_text()
        assert "<svg" in text and "W1[2,1]" in text and "h1[2]" in text and "logit" in text
        assert "layers.0.weight" not in text
        # Readable at page width: the old 2-8-1 graph was 2940 x 1420 pt.
        width, height = (
            float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', text).groups()
        )
        assert width < 1600 and height < 600
    else:
        assert (out / "xor_graph.gv").read_text().startswith("digraph")


@pytest.mark.parametrize("seed", SEEDS)
def test_xor_perceptron_gets_no_boundary_the_others_do(seed: int) -> None:
    # The perceptron on XOR goes to w = 0, b = 0: p = 1/2 everywhere (to within 0.005), and a
    # line drawn there would be drawn through the sign of a logit near 0.
    run = demo_run("xor", seed)
    low, high = run.result["p_range"]["xor_perceptron_boundary.png"]
    assert 0.495 < low <= high < 0.505
    assert run.result["boundary"] == {
        "and_perceptron_boundary.png": True,
        "or_perceptron_boundary.png": True,
        "xor_perceptron_boundary.png": False,
        "xor_mlp_boundary.png": True,
    }
    for name, drawn in run.result["boundary"].items():
        expected = {"decision-boundary"} if drawn else {"no-boundary"}
        assert gids(run.figures[name]) & {"decision-boundary", "no-boundary"} == expected, name
    assert "its picture has no boundary" in run.text
    # AND and OR are separated confidently: p spans most of [0, 1].
    for gate in ("and", "or"):
        low, high = run.result["p_range"][f"{gate}_perceptron_boundary.png"]
        assert high - low > 0.8


def test_xor_equations_have_no_solution() -> None:
    eq = xor.xor_equations()
    # 0 = b, 1 = w2 + b, 1 = w1 + b, 0 = w1 + w2 + b (rows in logic_gate's order).
    assert eq["A"].tolist() == [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    assert eq["t"].tolist() == [0, 1, 1, 0]
    assert eq["rank_A"] == 3 and eq["rank_augmented"] == 4  # Rouche-Capelli: inconsistent
    # The least-squares best is w = 0, b = 1/2 (1/2 everywhere): each residual is +-1/2.
    assert np.allclose(eq["least_squares"], [0.0, 0.0, 0.5], atol=1e-12)
    assert np.allclose(np.abs(eq["residual"]), 0.5)
    assert eq["residual_sum_of_squares"] == pytest.approx(1.0)


def test_xor_graph_names_every_node_by_its_role() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    loss = xor.label_by_role(model)
    labels = {v.label for v in loss.topological_order()}
    expected = {f"W1[{j},{i}]" for j in (1, 2, 3) for i in (1, 2)}
    expected |= {"b1[1]", "b1[2]", "b1[3]", "W2[1,1]", "W2[1,2]", "W2[1,3]", "b2[1]"}
    expected |= {"x1", "x2", "z1[1]", "h1[3]", "logit", "target", "loss"}
    assert expected <= labels
    with pytest.raises(ValueError, match="expected MLP"):
        xor.label_by_role(MLP(2, [3, 3, 1], seed=0))


def test_xor_graph_falls_back_to_dot_source_without_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries-here"))
    written = xor.write_graph(MLP(2, [2, 1], activation="tanh", seed=0), tmp_path / "g.svg")
    assert written == tmp_path / "g.gv" and not (tmp_path / "g.svg").exists()
    assert written.read_text().startswith("digraph")
    assert "dot" in capsys.readouterr().out  # the user is told why there is no picture


@pytest.mark.parametrize("seed", SEEDS)
def test_regression_gradient_descent_matches_least_squares(seed: int) -> None:
    run = demo_run("regression", seed)
    result = run.result
    assert abs(result["w"] - result["w_lstsq"]) < 1e-3
    assert abs(result["b"] - result["b_lstsq"]) < 1e-3
    # The data lies around y = 2 x - 1 with noise 0.1: both estimates are near the truth.
    assert abs(result["w"] - regression.TRUE_W) < 0.1 and abs(result["b"] - regression.TRUE_B) < 0.1
    # The best line through sin on [-pi, pi] leaves an MSE of ~0.18; the MLP gets near the noise
    # variance 0.01 (0.008 to 0.011 for these seeds), the best any fit can expect.
    assert result["sine_mse"] < 1.5 * regression.NOISE**2
    assert result["sine_mse"] < result["sine_line_mse"] / 10
    for name in ("regression_linear.png", "regression_sine.png", "regression_loss.png"):
        _assert_png(run.out / name)


def test_regression_stops_with_one_line_when_the_loss_diverges(tmp_path: Path) -> None:
    argv = ["--out", str(tmp_path), "--samples", "10", "--linear-lr", "1e6"]
    said = r"^the training loss is .* smaller --linear-lr than 1e\+06$"
    with pytest.raises(UserError, match=said):
        run_demo(regression, argv)


def test_least_squares_is_the_closed_form_line() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    y = -0.7 * x + 4.0 + rng.normal(0.0, 0.3, size=30)
    w, b = regression.least_squares(x, y)
    # The normal equations of the 1-D fit: w = cov(x, y) / var(x), b = mean(y) - w mean(x).
    w_expected = np.mean((x - x.mean()) * (y - y.mean())) / np.var(x)
    assert w == pytest.approx(w_expected, rel=1e-12)
    assert b == pytest.approx(y.mean() - w_expected * x.mean(), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_moons_reaches_full_training_accuracy(seed: int) -> None:
    run = demo_run("moons", seed)
    result = run.result
    assert result["accuracy"] == 1.0
    assert result["steps"] == moons.STEPS
    assert result["first_perfect_step"] is not None and result["first_perfect_step"] < moons.STEPS
    assert 0.0 <= result["loss"] < 0.1  # hinge margins mostly met; the L2 term is small
    # The picture draws the boundary (score 0) and both margins (score -1 and +1).
    low, high = result["score_range"]
    assert result["boundary"] and low < -1.0 and high > 1.0
    assert "decision-boundary" in gids(run.figures["moons_boundary.png"])
    for name in ("moons_boundary.png", "moons_loss.png"):
        _assert_png(run.out / name)


def test_moons_stops_with_one_line_when_the_loss_diverges(tmp_path: Path) -> None:
    argv = ["--out", str(tmp_path), "--samples", "10", "--steps", "30", "--lr", "1e9"]
    with pytest.raises(UserError, match=r"^the training loss is .* smaller --lr than 1e\+09$"):
        run_demo(moons, argv)


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
    ("module", "argv", "option"),
    [
        (xor, ["--epochs", "0"], "--epochs"),
        (xor, ["--lr", "-1"], "--lr"),
        (xor, ["--hidden", "100000000"], "--hidden"),
        (regression, ["--samples", "1"], "--samples"),
        (regression, ["--lr", "inf"], "--lr"),
        (regression, ["--samples", "100000000"], "--samples"),
        (moons, ["--steps", "0"], "--steps"),
        (moons, ["--alpha", "-0.1"], "--alpha"),
        (moons, ["--momentum", "nan"], "--momentum"),
        (moons, ["--seed", "-1"], "--seed"),
    ],
)
def test_demos_refuse_bad_options(module, argv, option, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_demo(module, ["--out", str(tmp_path), *argv])
    assert exit_info.value.code == 2  # an argparse usage error, before anything runs
    assert f"argument {option}: must be" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # refused before writing anything


def test_moons_says_why_its_labels_are_minus_one_and_plus_one() -> None:
    out = demo_run("moons", 0).text
    assert "labels are -1 and +1" in out and "hinge" in out


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


def test_moons_linear_lr_is_its_stated_schedule():
    # train() decays the rate with LinearLR stepped once per (full-batch) epoch: the rate of
    # every step equals lr_schedule(lr, steps)(step).
    from micrograd_mlp.demos import moons
    from micrograd_mlp.optim.lr_scheduler import LinearLR

    model = moons.make_model(0)
    opt = moons.make_optimizer(model, 0.3, 0.9)
    sched = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=150)
    for step in range(150):
        assert opt.lr == pytest.approx(moons.lr_schedule(0.3, 150)(step), rel=1e-12)
        sched.step()
    # and train() trains every step at that rate (its Schedule callback steps the scheduler)
    X, y = moons.make_data(10, 0.1, seed=0)
    history = moons.train(moons.make_model(0), X, y, steps=20, lr=0.3, verbose=False)
    expected = [moons.lr_schedule(0.3, 20)(step) for step in range(20)]
    assert history.lr == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------- the decision-boundary rule
def _field(scale: float, link: str = "logit") -> viz_regions.Regions:
    """A model whose output is ``scale * (x1 - 1/2)`` over XOR's square."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return viz_regions.regions(lambda grid: scale * (grid[:, 0] - 0.5), X, link=link)


def test_the_demos_use_the_one_boundary_rule_of_viz() -> None:
    assert _predict.regions is viz_regions.regions and _predict.Regions is viz_regions.Regions
    assert _predict.MIN_SPAN is viz_regions.MIN_SPAN


@pytest.mark.parametrize("link", ["logit", "margin"])
def test_a_model_whose_outputs_span_less_than_the_threshold_gets_no_boundary(link: str) -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    text = _output.texts("xor" if link == "logit" else "moons", "en")
    # The grid spans x1 in [-0.1, 1.1]: an output of scale * (x1 - 1/2) spans 1.2 * scale as a
    # margin, about 1.2 * scale / 4 as a probability sigmoid(logit) near 1/2.
    flat = 1e-6 if link == "logit" else 1e-7
    for scale, drawn in ((flat, False), (0.01, False), (10.0, True)):
        field = _field(scale, link)
        assert field.separates is drawn and (field.span >= viz_regions.MIN_SPAN) is drawn
        fig = _predict.plot_regions(field, X, y, text, "t")
        expected = {"decision-boundary"} if drawn else {"no-boundary"}
        assert gids(fig) & {"decision-boundary", "no-boundary"} == expected, scale
        # the demo's words: its catalogue's colour-bar label and legend title
        key = "plot.probability" if link == "logit" else "plot.score"
        assert fig.axes[1].get_ylabel() == text(key)
        assert fig.legends[0].get_title().get_text() == text("plot.class")
    # The threshold itself: just below MIN_SPAN no line, just above a line.
    unit = 1.2 / 4 if link == "logit" else 1.2
    below = _field(0.95 * viz_regions.MIN_SPAN / unit, link)
    above = _field(1.05 * viz_regions.MIN_SPAN / unit, link)
    assert not below.separates and above.separates


def test_the_no_boundary_caption_shows_the_flat_range_with_enough_decimals() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    fig = _predict.plot_regions(
        _field(4e-6), X, np.array([0, 1, 1, 0]), _output.texts("xor", "en"), "t"
    )
    (note,) = (t for t in fig.texts + fig.axes[0].texts if t.get_gid() == "no-boundary")
    assert "p = 0.4999994 to 0.5000006 everywhere" in note.get_text()
    assert "does not separate the classes" in note.get_text()
    ko = _predict.plot_regions(
        _field(4e-6), X, np.array([0, 1, 1, 0]), _output.texts("xor", "ko"), "t"
    )
    (note,) = (t for t in ko.axes[0].texts if t.get_gid() == "no-boundary")
    assert "p = 0.4999994~0.5000006" in note.get_text()
