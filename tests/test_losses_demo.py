"""The losses demo's part 4 (micrograd-mlp losses): a network that predicts a mean and a variance,
trained on the Gaussian NLL, knows how sure it is; MSE's one noise level does not."""

from __future__ import annotations

import numpy as np
import pytest
from demo_runs import SEEDS, demo_run

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import losses
from micrograd_mlp.demos.options import UserError


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def uncertainty(request):
    run = demo_run("losses", request.param)
    return run.result["uncertainty"], run.out


def test_the_variance_network_learns_the_noise_level_that_grows_with_x(uncertainty):
    result, _ = uncertainty
    learned, true = result["sigma_at"], result["true_sigma_at"]
    for x in (-0.9, 0.0, 0.9):
        assert learned[x] == pytest.approx(true[x], rel=0.25), x
    assert learned[0.9] > 4 * learned[-0.9]  # true ratio 0.43 / 0.07 = 6.1
    assert learned[-0.9] < result["rmse"] < learned[0.9]  # MSE's one level lies in between


def test_its_two_sigma_band_holds_about_95_percent_on_both_sides_and_mse_does_not(uncertainty):
    result, _ = uncertainty
    for side in ("left", "right"):
        assert 0.91 <= result["nll_coverage"][side] <= 0.99, side
    assert result["mse_coverage"]["left"] >= 0.99  # too wide where the data are quiet
    assert result["mse_coverage"]["right"] <= 0.92  # too narrow where they are noisy


def test_both_find_the_mean_and_the_variance_network_explains_new_data_better(uncertainty):
    result, _ = uncertainty
    assert result["mean_error"] < 0.06 and result["mse_mean_error"] < 0.06
    assert result["test_nll"] < result["test_nll_mse"] - 0.1


def test_with_unit_variance_the_nll_is_half_the_mse_plus_a_constant(uncertainty):
    result, _ = uncertainty
    assert result["unit_var_value_error"] <= 1e-12
    assert result["unit_var_grad_error"] <= 1e-12


def test_the_picture_is_written(uncertainty):
    result, out = uncertainty
    assert result["plot"] == out / "uncertainty.png"
    assert result["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_heteroscedastic_data_has_the_stated_noise():
    x, y = losses.heteroscedastic_data(20_000, seed=3)
    residual = y - np.sin(2.5 * x)
    for lo, hi in ((-1.0, -0.8), (0.8, 1.0)):
        band = (x >= lo) & (x < hi)
        mid = losses.noise_sigma(np.array((lo + hi) / 2))
        assert np.std(residual[band]) == pytest.approx(mid, rel=0.05)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--noise-n", "5"], "--noise-n: must be between 20 and 10,000, got 5"),
        (["--noise-epochs", "0"], "--noise-epochs: must be between 1 and 100,000, got 0"),
        (["--epochs", "100000000"], "--epochs: must be between 1 and 100,000"),
        (["--shift", "inf"], "--shift: must be a finite number"),
    ],
)
def test_bad_options_are_refused_by_argparse_naming_the_option(tmp_path, argv, message, capsys):
    with pytest.raises(SystemExit) as err:
        run_demo(losses, ["--out", str(tmp_path), *argv])
    assert err.value.code == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_too_many_outliers_is_a_user_error_naming_both_options(tmp_path):
    with pytest.raises(
        UserError, match=r"--outliers must be fewer than half of --n \(40\), got 20"
    ):
        run_demo(losses, ["--out", str(tmp_path), "--outliers", "20"])
    assert not any(tmp_path.iterdir())
