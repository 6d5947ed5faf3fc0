"""The concept demos reach the results they claim (activations, linear collapse, losses, learning
rate, batch size), write the pictures they name, and refuse bad options."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd_mlp.cli import build_parser, demo_modules, run_demo
from micrograd_mlp.demos import activations, batch_size, learning_rate, linear_collapse, losses
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import SGD

DEMOS = (activations, linear_collapse, losses, learning_rate, batch_size)
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
    assert result["leaky_relu_grad_negative"] == [0.1]  # the demo's --negative-slope default


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
@pytest.fixture(scope="module")
def collapse_run(tmp_path_factory):
    return _run(linear_collapse, tmp_path_factory)


def test_linear_stack_equals_one_matrix_product_to_1e_12(collapse_run):
    result, _ = collapse_run
    assert result["collapse_error_initial"] <= 1e-12
    assert result["collapse_error_trained"] <= 1e-12
    assert result["W"].shape == (1, 2) and result["b"].shape == (1,)


def test_linear_stack_cannot_learn_xor_but_relu_stack_can(collapse_run):
    result, out = collapse_run
    assert result["linear_accuracy"] <= 0.75
    assert result["relu_accuracy"] == 1.0
    assert result["relu_loss"][-1] < result["relu_loss"][0]
    _assert_pictures(linear_collapse, out)


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
@pytest.fixture(scope="module")
def losses_run(tmp_path_factory):
    return _run(losses, tmp_path_factory)


def test_l1_fit_is_closer_than_mse_to_the_true_line_with_outliers(losses_run):
    result, out = losses_run
    assert len(result["outliers"]) == 6
    assert result["l1_error"] < result["mse_error"]
    assert result["l1_error"] < 0.25  # near the line y = 2x - 1 the points came from
    _assert_pictures(losses, out)


def test_gaussian_nll_with_unit_variance_is_half_mse_plus_constant(losses_run):
    result, _ = losses_run
    assert result["constant"] == pytest.approx(0.5 * math.log(2 * math.pi), abs=1e-15)
    assert result["gnll_value_error"] <= 1e-12
    assert result["gnll_grad_error"] <= 1e-12
    assert result["gnll"] == pytest.approx(result["half_mse_plus_constant"], abs=1e-12)


def test_cross_entropy_classifier_learns_and_its_gradient_is_softmax_minus_onehot(losses_run):
    result, _ = losses_run
    classification = result["classification"]
    assert classification["accuracy"] >= 0.9
    assert classification["loss"][-1] < classification["loss"][0]
    assert classification["ce_grad_error"] <= 1e-12


def test_outlier_data_shifts_exactly_the_named_points():
    x, y, index = losses.outlier_data(30, 4, 7.0, seed=1)
    residual = y - (losses.TRUE_W * x + losses.TRUE_B)
    assert sorted(np.flatnonzero(residual > 3.5).tolist()) == sorted(index.tolist())


# --------------------------------------------------------------------------- learning rate
@pytest.fixture(scope="module")
def lr_run(tmp_path_factory):
    return _run(learning_rate, tmp_path_factory)


def test_too_large_learning_rate_is_reported_as_diverged(lr_run):
    result, out = lr_run
    rates = result["learning_rates"]
    small, good, large = rates["runs"][0.01], rates["runs"][0.5], rates["runs"][1.5]
    assert large.status == "diverged" and large.reason
    assert good.status == "converged"
    assert small.status == "too slow"
    # The rule the demo prints: SGD on this quadratic converges iff lr < 2 / lambda_max.
    assert 0.5 < rates["critical_lr"] < 1.5
    assert max(large.losses) > learning_rate.BLOWUP_FACTOR * large.losses[0]
    _assert_pictures(learning_rate, out)


def test_momentum_and_adam_beat_plain_sgd_in_the_narrow_valley(lr_run):
    result, _ = lr_run
    sgd, momentum, adam = result["optimizers"]["runs"]
    assert result["optimizers"]["condition_number"] > 100
    assert momentum.losses[-1] < sgd.losses[-1]
    assert adam.losses[-1] < sgd.losses[-1]


def test_an_overflowing_loss_is_reported_as_diverged_not_raised():
    X, y = learning_rate.valley_data(20, seed=0)
    run = learning_rate.train_and_classify(
        "huge", X, y, lambda p: SGD(p, lr=1e200), epochs=5, seed=0, optimum=0.0
    )
    assert run.status == "diverged"
    assert "became inf" in run.reason or "became nan" in run.reason


def test_learning_rate_demo_refuses_non_positive_rates(tmp_path):
    with pytest.raises(SystemExit, match="learning rates > 0"):
        run_demo(learning_rate, ["--out", str(tmp_path), "--lrs", "0.1", "0", "1"])


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
    with pytest.raises(SystemExit, match="batch sizes in"):
        run_demo(batch_size, ["--out", str(tmp_path), "--n", "10", "--batch-sizes", "11"])
