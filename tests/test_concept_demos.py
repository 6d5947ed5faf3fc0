"""The concept demos reach the results they claim (activations, linear collapse, losses, learning
rate, batch size), write the pictures they name, and refuse bad options."""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np
import pytest
from demo_runs import SEEDS, demo_run, gids

from micrograd_mlp.cli import build_parser, demo_modules, run_demo
from micrograd_mlp.demos import (
    activations,
    batch_size,
    dying_relu,
    learning_rate,
    linear_collapse,
    losses,
    matrix_form,
    sigmoid_vs_tanh,
    softmax,
    vanishing_gradients,
)
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import SGD

DEMOS = (
    activations,
    linear_collapse,
    losses,
    learning_rate,
    batch_size,
    sigmoid_vs_tanh,
    dying_relu,
    vanishing_gradients,
    softmax,
    matrix_form,
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(module, tmp_path_factory, *argv: str) -> tuple[dict, object]:
    out = tmp_path_factory.mktemp(module.__name__.rsplit(".", 1)[-1])
    return run_demo(module, ["--out", str(out), *argv]), out


def _assert_pictures(module, out) -> None:
    """Exactly the files the module names in PICTURES, each a real PNG."""
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(module.PICTURES)
    for name in module.PICTURES:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC


def test_every_concept_demo_is_a_cli_command_needing_no_download():
    commands = demo_modules()
    for module in DEMOS:
        assert commands[module.COMMAND] is module
        assert module.BUILTIN_DATA is True
    # ``micrograd-mlp <command> --help`` parses (each module's add_arguments works in the CLI).
    parser = build_parser()
    for module in DEMOS:
        args = parser.parse_args([module.COMMAND, "--seed", "3"])
        assert args.command == module.COMMAND and args.seed == 3


# ------------------------------------------------------------------------------ activations
@pytest.fixture(scope="module")
def activations_run(tmp_path_factory):
    return _run(activations, tmp_path_factory)


def test_activations_sigmoid_derivative_at_most_a_quarter_at_zero(activations_run):
    result, out = activations_run
    s_grad = result["grads"]["sigmoid"]
    assert np.all(s_grad <= 0.25)
    assert result["sigmoid_grad_max"] <= 0.25
    assert result["sigmoid_grad_max"] == pytest.approx(0.25, abs=1e-15)
    assert result["sigmoid_grad_argmax"] == 0.0
    assert result["tanh_grad_max"] == pytest.approx(1.0, abs=1e-15)
    assert result["sigmoid_chain_10"] <= 0.25**10
    _assert_pictures(activations, out)


def test_activations_relu_derivative_is_zero_for_negative_inputs(activations_run):
    result, _ = activations_run
    x = result["x"]
    relu_grad = result["grads"]["relu"]
    assert np.all(relu_grad[x < 0] == 0.0)
    assert np.all(relu_grad[x > 0] == 1.0)
    assert result["relu_grad_negative_max"] == 0.0
    # the demo's --negative-slope default: PyTorch's 0.01, as in the tutorial and dying-relu
    assert result["leaky_relu_grad_negative"] == [0.01] == [activations.NEGATIVE_SLOPE]
    for module in (activations, dying_relu):
        parser = argparse.ArgumentParser()
        module.add_arguments(parser)
        assert parser.parse_args([]).negative_slope == 0.01, module.COMMAND


def test_activations_picture_magnifies_leaky_relus_slope(activations_run, monkeypatch):
    """Below the two panels, one for x < 0 whose y range is a few times leaky ReLU's, so its
    slope 0.01 is visible: the values reach -0.05 at x = -5, the derivative is 0.01."""
    result, _ = activations_run
    slope = activations.NEGATIVE_SLOPE
    fig = activations._plot(result["x"], {n: (result["values"][n], result["grads"][n])
                            for n in activations.NAMES}, 0.25, slope, "en")  # fmt: skip
    top_left, top_right, values, grads = fig.axes
    low, high = values.get_ylim()
    assert low < slope * result["x"][0] and 0 < high < 0.02  # -0.05 .. 0 fills the panel
    low, high = grads.get_ylim()
    assert low < 0 < slope < high < 2 * slope
    assert top_right.get_ylim()[1] > 1  # the top panels keep the whole curves


def test_activations_curves_are_the_derivatives_of_the_values(activations_run):
    """The engine's f'(x) agrees with central differences of the engine's own f(x) (away from
    ReLU's kink), so the curves are derivatives, whatever formula produced them."""
    result, _ = activations_run
    x = result["x"]
    h = x[1] - x[0]
    for name in activations.NAMES:
        f, g = result["values"][name], result["grads"][name]
        central = (f[2:] - f[:-2]) / (2 * h)
        smooth = np.abs(x[1:-1]) > 1.5 * h
        assert np.allclose(central[smooth], g[1:-1][smooth], atol=5e-3), name


def test_engine_curve_takes_keyword_arguments_and_rejects_unknown_names():
    xs = np.array([-2.0, 3.0])
    values, grads = activations.engine_curve("leaky_relu", xs, negative_slope=0.25)
    assert values.tolist() == [-0.5, 3.0] and grads.tolist() == [0.25, 1.0]
    with pytest.raises(ValueError, match="no method 'softplus'"):
        activations.engine_curve("softplus", xs)


# -------------------------------------------------------------------------- linear collapse
@pytest.mark.parametrize("seed", SEEDS)
def test_linear_stack_equals_one_matrix_product_to_1e_12(seed):
    result = demo_run("linear-collapse", seed).result
    assert result["collapse_error_initial"] <= 1e-12
    assert result["collapse_error_trained"] <= 1e-12
    assert result["W"].shape == (1, 2) and result["b"].shape == (1,)


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_stack_cannot_learn_xor_but_relu_stack_can(seed):
    run = demo_run("linear-collapse", seed)
    result = run.result
    assert result["linear_accuracy"] <= 0.75
    assert result["relu_accuracy"] == 1.0
    assert result["relu_loss"][-1] < result["relu_loss"][0]
    # The linear stack goes to the best a line can do, W = 0, b = 0: loss log 2, p = 1/2.
    assert result["linear_loss"][-1] == pytest.approx(math.log(2), abs=1e-9)
    assert np.abs(result["W"]).max() < 1e-4 and abs(result["b"][0]) < 1e-4
    _assert_pictures(linear_collapse, run.out)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_linear_stack_gets_no_boundary_and_the_relu_stack_does(seed):
    # p = 1/2 to within 1e-4 over the whole picture: a line drawn there (the old picture, its
    # colour bar in units of 1e-6) would show a boundary the model does not have.
    run = demo_run("linear-collapse", seed)
    low, high = run.result["p_range"]["linear"]
    assert 0.5 - 1e-4 < low <= high < 0.5 + 1e-4
    assert run.result["boundary"] == {"linear": False, "relu": True}
    assert "no-boundary" in gids(run.figures["linear_boundary.png"])
    assert "decision-boundary" not in gids(run.figures["linear_boundary.png"])
    assert "decision-boundary" in gids(run.figures["relu_boundary.png"])
    assert "so its picture has no decision boundary" in run.text


def test_linear_collapse_stops_with_one_line_when_the_loss_diverges(tmp_path):
    argv = ["--out", str(tmp_path), "--hidden", "4", "--epochs", "30", "--lr", "1e30"]
    with pytest.raises(UserError, match=r"^the training loss is .* smaller --lr than 1e\+30$"):
        run_demo(linear_collapse, argv)


def test_collapse_composes_weights_and_biases_in_order():
    model = MLP(3, [4, 5, 2], activation="linear", seed=7)
    weight, bias = linear_collapse.collapse(model.state_dict())
    assert weight.shape == (2, 3) and bias.shape == (2,)
    x = np.array([0.3, -1.2, 2.0])
    assert np.allclose([v.data for v in model(x.tolist())], weight @ x + bias, atol=1e-12, rtol=0)
    # Composing in the wrong order (W1 W2 W3) would not even have matching shapes: checked.
    state = model.state_dict()
    state["layers.1.weight"] = np.ones((5, 3))
    with pytest.raises(ValueError, match=r"layers\.1\.weight has shape \(5, 3\)"):
        linear_collapse.collapse(state)
    with pytest.raises(ValueError, match="expected keys layers.0.weight"):
        linear_collapse.collapse({"weight": np.ones((1, 1))})


# ---------------------------------------------------------------------------------- losses
@pytest.mark.parametrize("seed", SEEDS)
def test_l1_fit_is_closer_than_mse_to_the_true_line_with_outliers(seed):
    run = demo_run("losses", seed)
    result = run.result
    assert len(result["outliers"]) == 6
    assert result["l1_error"] < result["mse_error"] / 5
    assert result["l1_error"] < 0.25  # near the line y = 2x - 1 the points came from
    _assert_pictures(losses, run.out)


@pytest.mark.parametrize("seed", SEEDS)
def test_gaussian_nll_with_unit_variance_is_half_mse_plus_constant(seed):
    result = demo_run("losses", seed).result
    assert result["constant"] == pytest.approx(0.5 * math.log(2 * math.pi), abs=1e-15)
    assert result["gnll_value_error"] <= 1e-12
    assert result["gnll_grad_error"] <= 1e-12
    assert result["gnll"] == pytest.approx(result["half_mse_plus_constant"], abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_classifier_learns_and_its_gradient_is_softmax_minus_onehot(seed):
    run = demo_run("losses", seed)
    classification = run.result["classification"]
    assert classification["accuracy"] >= 0.9
    assert classification["loss"][-1] < classification["loss"][0]
    assert classification["ce_grad_error"] <= 1e-12
    assert classification["boundary"] is True
    assert "decision-boundary" in gids(run.figures["classification.png"])


def test_outlier_data_shifts_exactly_the_named_points():
    x, y, index = losses.outlier_data(30, 4, 7.0, seed=1)
    residual = y - (losses.TRUE_W * x + losses.TRUE_B)
    assert sorted(np.flatnonzero(residual > 3.5).tolist()) == sorted(index.tolist())


# --------------------------------------------------------------------------- learning rate
@pytest.mark.parametrize("seed", SEEDS)
def test_too_large_learning_rate_is_reported_as_diverged(seed):
    run = demo_run("learning-rate", seed)
    rates = run.result["learning_rates"]
    small, good, large = rates["runs"][0.01], rates["runs"][0.5], rates["runs"][1.5]
    assert large.status == "diverged" and large.reason
    assert good.status == "converged"
    assert small.status == "too slow"
    # The rule the demo prints: SGD on this quadratic converges iff lr < 2 / lambda_max.
    assert 0.5 < rates["critical_lr"] < 1.5
    assert max(large.losses) > learning_rate.BLOWUP_FACTOR * large.losses[0]
    _assert_pictures(learning_rate, run.out)


@pytest.mark.parametrize("seed", SEEDS)
def test_momentum_and_adam_beat_plain_sgd_in_the_narrow_valley(seed):
    result = demo_run("learning-rate", seed).result
    sgd, momentum, adam = result["optimizers"]["runs"]
    assert result["optimizers"]["condition_number"] > 100
    assert momentum.losses[-1] < sgd.losses[-1] / 4
    assert adam.losses[-1] < sgd.losses[-1] / 4


def test_an_overflowing_loss_is_reported_as_diverged_not_raised():
    X, y = learning_rate.valley_data(20, seed=0)
    run = learning_rate.train_and_classify(
        "huge", X, y, lambda p: SGD(p, lr=1e200), epochs=5, seed=0, optimum=0.0
    )
    assert run.status == "diverged"
    assert "became inf" in run.reason or "became nan" in run.reason


def test_learning_rate_demo_refuses_non_positive_rates(tmp_path, capsys):
    # refused by argparse, before anything runs (inf used to end in a ValueError traceback)
    for bad, said in (("0", "must be > 0, got 0"), ("inf", "must be a finite number")):
        with pytest.raises(SystemExit) as exit_info:
            run_demo(learning_rate, ["--out", str(tmp_path), "--lrs", "0.1", bad, "1"])
        assert exit_info.value.code == 2
        assert f"argument --lrs: {said}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    # a Namespace built in code is still checked by run()
    args = build_parser().parse_args(["learning-rate", "--out", str(tmp_path)])
    args.lrs = [0.1, float("inf"), 1.0]
    with pytest.raises(SystemExit, match="learning rates > 0"):
        learning_rate.run(args)


# ------------------------------------------------------------------------------ batch size
@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    # N = 50 is not a multiple of 8 or 7: the last batch is short, so ceil() matters.
    return _run(
        batch_size, tmp_path_factory, "--n", "50", "--batch-sizes", "50", "8", "7", "1",
        "--epochs", "3",
    )  # fmt: skip


def test_updates_per_epoch_is_ceil_n_over_b(batch_run):
    result, out = batch_run
    assert result["n"] == 50 and sorted(result["runs"]) == [1, 7, 8, 50]
    for b, run in result["runs"].items():
        expected = math.ceil(50 / b)
        assert run["updates_per_epoch"] == expected
        assert run["expected_updates_per_epoch"] == expected
        assert len(run["step_losses"]) == 3 * expected
        assert run["updates"] == [expected * (e + 1) for e in range(3)]
    _assert_pictures(batch_size, out)


def test_batch_size_demo_records_loss_and_time_per_epoch(batch_run):
    result, _ = batch_run
    for run in result["runs"].values():
        assert len(run["loss"]) == len(run["seconds"]) == 3
        assert all(np.isfinite(run["loss"])) and all(s >= 0 for s in run["seconds"])
        assert run["seconds"] == sorted(run["seconds"])


def test_batch_size_demo_refuses_a_batch_larger_than_n(tmp_path):
    with pytest.raises(UserError, match="--batch-sizes must be at most --n = 10; got 11"):
        run_demo(batch_size, ["--out", str(tmp_path), "--n", "10", "--batch-sizes", "11"])
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_size_claims_per_update_per_epoch_and_noise(seed):
    run = demo_run("batch-size", seed)
    runs = run.result["runs"]
    full, mini, single = runs[60], runs[8], runs[1]
    # Per update: after the full batch's 40 updates, B = 8 (after its 5th epoch, 40 updates
    # too) is further from the minimum: the exact gradient gets furthest per update.
    budget, full_loss, others = run.result["same_updates"]
    assert budget == 40 and list(others) == [8] and full_loss < others[8]
    assert "the full batch, whose gradient is exact, gets furthest per update" in run.text
    # Per epoch (the same samples seen): the smaller batches end lower.
    assert mini["loss"][-1] < full["loss"][-1] and single["loss"][-1] < full["loss"][-1]
    assert "smaller batches make more updates per epoch and get further than the full" in run.text
    # Noise: the loss jumps from epoch to epoch, by far the most for single samples.
    assert full["jumpiness"] < 0.01 < mini["jumpiness"]
    assert single["jumpiness"] > 2 * mini["jumpiness"]
    assert "B = 1 jumps most" in run.text


# ------------------------------------------------------------ activations: the size bound
def test_activations_points_are_bounded(tmp_path, capsys):
    # 100,000,000 points would build 400 million scalar graphs: refused before any work.
    with pytest.raises(SystemExit) as exit_info:
        run_demo(activations, ["--out", str(tmp_path), "--points", "100000000"])
    assert exit_info.value.code == 2
    assert f"--points: must be between 3 and {activations.MAX_POINTS:,}" in capsys.readouterr().err


# ------------------------------------------------------------------------ sigmoid vs tanh
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def zero_centred_runs(tmp_path_factory):
    """The demo at its defaults (what docs/images/sigmoid_vs_tanh.png shows) for three seeds."""
    return {s: _run(sigmoid_vs_tanh, tmp_path_factory, "--seed", str(s)) for s in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_updates_into_a_unit_share_one_sign_tanh_updates_do_not(zero_centred_runs, seed):
    result, out = zero_centred_runs[seed]
    # All-positive outputs (sigmoid, tanh + 1): a sample's row of dL/dW is delta_j * h, one sign.
    assert result["one_signed_rows"]["sigmoid"] == 1.0
    assert result["one_signed_rows"]["tanh + 1"] == 1.0
    # tanh's h has both signs: a row of 16 one-signed entries is rare.
    assert result["one_signed_rows"]["tanh"] < 0.1
    _assert_pictures(sigmoid_vs_tanh, out)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_loss_curve_drawn_goes_down_without_a_spike(zero_centred_runs, seed):
    # The picture used to show tanh + 1 at lr 0.5 jumping to a loss of ~1.5 twice: each curve
    # is now a run at a rate where its loss never rises (by more than 0.1% in a step).
    result, _ = zero_centred_runs[seed]
    for name, curve in result["loss"].items():
        assert result["stable"][name], name
        ratios = np.array(curve[1:]) / np.array(curve[:-1])
        assert ratios.max() <= 1 + sigmoid_vs_tanh.STABLE_RISE, name
        assert len(curve) == 400
    # The next larger rate tried was not stable: the kept rate is the largest that is.
    for name, lr in result["lr"].items():
        larger = [r for r in sigmoid_vs_tanh.LRS if r > lr]
        assert not larger or min(larger) in result["rises"][name], name


@pytest.mark.parametrize("seed", SEEDS)
def test_tanh_tolerates_a_larger_rate_than_uncentred_tanh_and_learns_faster(
    zero_centred_runs, seed
):
    result, _ = zero_centred_runs[seed]
    lr, loss, final = result["lr"], result["loss"], result["final_loss"]
    # seeds 0, 1, 2: tanh + 1 stable up to 0.2; tanh up to 0.7, 0.7, 0.5
    assert lr["tanh + 1"] == 0.2 and lr["tanh"] >= 0.5
    for step in (100, 200, 400):
        assert loss["tanh"][step - 1] < loss["tanh + 1"][step - 1]
    # final losses: tanh 0.0038, 0.0141, 0.0138; tanh + 1 0.127, 0.237, 0.158;
    # sigmoid 0.265, 0.272, 0.271
    assert final["tanh"] < 0.2 * final["tanh + 1"]
    assert final["tanh + 1"] < final["sigmoid"]
    assert final["tanh"] < 0.1 * final["sigmoid"]


def test_one_signed_rows_counts_rows_with_a_single_sign():
    X = np.array([[0.5, -1.0], [1.5, 0.2]])
    y = np.array([1.0, 0.0])
    model = sigmoid_vs_tanh.linear_stack(2, [4, 4, 1], seed=0)
    tanh = sigmoid_vs_tanh.ACTIVATIONS["tanh"]
    fractions = sigmoid_vs_tanh.one_signed_rows(X, y, model, tanh)
    # Recompute sample 0 by hand: dL/dW2 = outer(delta2, h1) with h1 = tanh(z1).
    signs = sigmoid_vs_tanh.sample_update_signs(X[0], y[0], model, tanh)
    by_hand = np.mean(np.all(signs <= 0, axis=1) | np.all(signs >= 0, axis=1))
    assert fractions.shape == (2,) and fractions[0] == by_hand
    assert all(p.grad is None or not np.any(p.grad) for p in model.parameters())


def test_sigmoid_vs_tanh_reports_rates_that_are_all_too_large(tmp_path, capsys):
    argv = ["--out", str(tmp_path), "--steps", "30", "--samples", "20", "--lrs", "50", "80"]
    result = run_demo(sigmoid_vs_tanh, argv)
    assert not result["stable"]["tanh + 1"] and result["lr"]["tanh + 1"] == 50
    assert "the smallest of --lrs, and its loss still rises: give smaller --lrs" in (
        capsys.readouterr().out
    )
    with pytest.raises(UserError, match="--lrs takes at most 20 learning rates, got 21"):
        run_demo(sigmoid_vs_tanh, ["--out", str(tmp_path), "--lrs", *["0.1"] * 21])


# ------------------------------------------------------------------------------ dying ReLU
@pytest.fixture(scope="module")
def dying_runs(tmp_path_factory):
    """The demo at its defaults (what docs/images/dying_relu.png shows) for three seeds."""
    return {s: _run(dying_relu, tmp_path_factory, "--seed", str(s)) for s in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_run_with_dead_units_ends_far_above_the_healthy_run(dying_runs, seed):
    result, out = dying_runs[seed]
    final = result["final_loss"]
    # seeds 0, 1, 2: 34, 48, 29 dead units; final loss 30, 76, 45 times the healthy run's
    assert result["dead"] >= 20  # of 100 units
    assert final["dead"] > 10 * final["healthy"]
    assert result["loss_ratio"] == final["dead"] / final["healthy"]
    assert result["runs"]["healthy"]["inactive"][-1] <= 10
    _assert_pictures(dying_relu, out)


@pytest.mark.parametrize("seed", SEEDS)
def test_dead_relu_units_get_exactly_zero_gradient_and_never_move(dying_runs, seed):
    result, _ = dying_runs[seed]
    dead = result["runs"]["dead"]
    large = 30  # --large-steps
    assert result["dead"] == int(dead["inactive_after_first"].sum())
    assert result["dead_gradient_seen"] == 0  # not one nonzero gradient in 300 steps
    assert result["dead_moved"] == 0.0  # exactly: a new Adam moves nothing without gradient
    assert np.all(dead["moved"][dead["inactive_after_first"]] == 0.0)
    assert all(n >= result["dead"] for n in dead["no_gradient"][large:])


@pytest.mark.parametrize("seed", SEEDS)
def test_inactive_leaky_relu_units_still_get_gradients_and_move_visibly(dying_runs, seed):
    result, _ = dying_runs[seed]
    leaky = result["runs"]["leaky"]
    # as many units end up inactive on every sample (seeds 0, 1, 2: 40, 37, 37) ...
    assert result["leaky_inactive"] >= 20
    # ... but every unit gets a gradient at every step ...
    assert all(n == 0 for n in leaky["no_gradient"])
    # ... and each of them moves by at least MOVED = 0.01 (smallest: 0.027, 0.043, 0.016;
    # it was at most 6.45e-07 with 50 plain SGD steps), some active on a sample again.
    assert dying_relu.MOVED == 0.01
    assert result["leaky_moved_min"] >= dying_relu.MOVED
    assert result["leaky_revived"] >= 1


@pytest.mark.parametrize("seed", SEEDS)
def test_no_loss_curve_jumps_after_the_large_steps(dying_runs, seed):
    # The loss panel: after the switch to the good rate, no run's loss rises by half in a step.
    result, _ = dying_runs[seed]
    for key, record in result["runs"].items():
        losses = np.array(record["loss"][30:])
        assert (losses[1:] / losses[:-1]).max() < 1.5, key


def test_unit_counts_counts_inactive_and_gradient_free_units():
    pre = np.array([[-1.0, 2.0, 0.0], [-0.5, -1.0, 0.0]])
    grad = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.0]])
    assert dying_relu.unit_counts(pre, grad) == (2, 2)  # units 0 and 2
    assert dying_relu.unit_counts(pre, None) == (2, 3)


def test_dying_relu_stops_with_one_line_when_a_run_diverges(tmp_path):
    small = ["--out", str(tmp_path), "--samples", "64", "--hidden", "20", "--steps", "20"]
    with pytest.raises(UserError, match=r"ended with a loss above its first .*: --lr 10 is too"):
        run_demo(dying_relu, [*small, "--lr", "10"])
    X, y = dying_relu.make_data(16, 0)
    with pytest.raises(UserError, match="^the loss became nan at step 2$"):
        dying_relu.train(
            X, y, 4, (3, 1e300), (3, 0.01), 0, dying_relu.Tensor.relu,
            lambda loss, step: f"the loss became {loss} at step {step}",
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------- vanishing gradients
@pytest.fixture(scope="module")
def vanishing_run(tmp_path_factory):
    return _run(vanishing_gradients, tmp_path_factory)


def test_sigmoid_gradients_vanish_through_ten_layers(vanishing_run):
    result, out = vanishing_run
    norms = result["norms"]
    assert set(norms) == {"sigmoid", "tanh", "relu"}
    assert all(v.shape == (10,) and np.all(v > 0) for v in norms.values())
    # Through 9 sigmoid layers (each sigmoid' <= 1/4) the first layer's gradient is tiny.
    assert result["ratio"]["sigmoid"] < 1e-5
    assert result["ratio"]["sigmoid"] < 1e-3 * min(result["ratio"]["tanh"], result["ratio"]["relu"])
    assert np.all(np.diff(norms["sigmoid"]) > 0)  # it shrinks at every layer going back
    _assert_pictures(vanishing_gradients, out)


def test_layer_gradient_norms_match_a_direct_computation():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((8, 3)), rng.integers(0, 10, 8)
    norms = vanishing_gradients.layer_gradient_norms("tanh", 2, 3, X, y, seed=0)
    # Two layers by hand: L = CE(W2 tanh(W1 x + b1) + b2); dL/dW2 = G^T h.
    from micrograd_mlp.tensor import MLP

    model = MLP(3, [3, 10], activation="tanh", seed=0, dtype=np.float64)
    h = np.tanh(X @ model.layers[0].weight.data.T + model.layers[0].bias.data)
    z = h @ model.layers[1].weight.data.T + model.layers[1].bias.data
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    G = (p - np.eye(10)[y]) / len(y)
    assert norms[1] == pytest.approx(np.linalg.norm(G.T @ h), rel=1e-12)


# ------------------------------------------------------------------------------- softmax
@pytest.fixture(scope="module")
def softmax_run(tmp_path_factory):
    return _run(softmax, tmp_path_factory)


def test_softmax_outputs_are_probabilities_in_the_order_of_the_logits(softmax_run):
    result, out = softmax_run
    p, z = result["probabilities"], result["logits"]
    assert np.all(p > 0) and np.allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.array_equal(p.argmax(axis=1), z.argmax(axis=1))
    assert np.array_equal(p.argmax(axis=1)[:3], [0, 1, 2])  # each centre gets its class
    assert result["accuracy"] > 0.9
    assert abs(p[3].max() - softmax.UNSURE) < 0.15  # the unsure point is unsure
    assert result["shift_error"] < 1e-12  # softmax(z + c) = softmax(z)
    _assert_pictures(softmax, out)


def test_scaling_the_logits_sharpens_or_flattens_but_keeps_the_argmax(softmax_run):
    result, _ = softmax_run
    scaled = result["scaled"]
    assert len(set(scaled.argmax(axis=1))) == 1
    top = scaled.max(axis=1)
    assert np.all(np.diff(top) > 0)  # larger s, surer
    entropy = -np.sum(scaled * np.log(scaled), axis=1)
    assert np.all(np.diff(entropy) < 0) and entropy[0] < np.log(3)
    assert np.allclose(softmax.softmax(result["logits"][3], 0.0), 1 / 3)  # s = 0: uniform


def test_softmax_refuses_a_learning_rate_above_one(tmp_path, capsys):
    # --lr 1e300 used to exit 0 after printing NaN probabilities.
    with pytest.raises(SystemExit) as exit_info:
        run_demo(softmax, ["--out", str(tmp_path), "--lr", "1e300"])
    assert exit_info.value.code == 2
    assert "argument --lr: must be > 0 and <= 1, got 1e+300" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_softmax_training_stops_with_one_line_when_the_loss_diverges():
    X, y = softmax.make_clusters(10, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or NaN warning before the one line
        with pytest.raises(UserError) as error:
            softmax.train(X, y, 50, 1e300, 0)
    assert str(error.value) == (
        "the loss became nan at step 2: --lr 1e+300 is too large for this network; give a "
        "smaller --lr"
    )
    X, y = softmax.make_clusters(50, 0)  # the defaults, at a rate far above --lr's bound
    with pytest.raises(UserError, match=r"ended above its first value .*: --lr 1000 is too"):
        softmax.train(X, y, 200, 1e3, 0)


# --------------------------------------------------------------------------- matrix form
def test_lecture_form_and_ours_are_transposes(tmp_path):
    result = run_demo(matrix_form, ["--out", str(tmp_path), "--batch", "7", "--nin", "5"])
    shapes = result["shapes"]
    assert shapes["W"] == (3, 5) and shapes["X (rows)"] == (7, 5)
    assert shapes["X (columns)"] == (5, 7)
    assert shapes["U = W X"] == (3, 7) and shapes["Y = X W^T"] == (7, 3)
    assert result["forward_error"] < 1e-12 and result["grad_error"] < 1e-12
    _assert_pictures(matrix_form, tmp_path)


def test_both_forms_compute_the_layer_and_its_weight_gradient():
    from micrograd_mlp.tensor import Linear

    layer = Linear(2, 2, seed=0, dtype=np.float64)
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
    forms = matrix_form.both_forms(layer, X)
    W, b = layer.weight.data, layer.bias.data
    assert np.allclose(forms["U"][:, 1], W @ X[1] + b)  # column 1 = sample 1
    assert np.allclose(forms["Y"][1], W @ X[1] + b)  # row 1 = sample 1
    # L = sum(Y^2)/2: dL/dW = sum_n y_n x_n^T.
    expected = sum(np.outer(forms["Y"][n], X[n]) for n in range(3))
    assert np.allclose(forms["grad_backward"], expected)


# ------------------------------------------------------------ the tutorial's pictures
def _make_images():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "make_images.py"
    spec = importlib.util.spec_from_file_location("make_images", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_picture_the_tutorial_embeds_is_committed_and_regenerated():
    import re
    from pathlib import Path

    make_images = _make_images()
    docs = Path(__file__).resolve().parents[1] / "docs"
    embedded = re.findall(r"!\[[^\]]+\]\(images/([\w.-]+)\)", (docs / "tutorial.md").read_text())
    assert len(embedded) >= 12
    commands = demo_modules()
    for name in embedded:
        assert (docs / "images" / name).is_file(), f"docs/images/{name} is not committed"
        assert name in make_images.DEMO_IMAGES, f"docs/make_images.py does not make {name}"
        command, file = make_images.DEMO_IMAGES[name]
        declared = getattr(commands[command], "PICTURES", None)
        assert declared is None or file in declared, f"{command} does not draw {file}"
        assert (docs / "images" / name).stat().st_size < 150_000  # kept small


def test_make_images_copies_a_demo_picture_as_a_small_png(tmp_path):
    make_images = _make_images()
    (written,) = make_images.demo_images(tmp_path, ["matrix_form.png"])
    assert written == tmp_path / "matrix_form.png"
    assert written.read_bytes()[:8] == PNG_MAGIC
    from PIL import Image

    with Image.open(written) as image:
        assert image.mode == "P"  # 256 colours
        assert image.size[0] > 800
