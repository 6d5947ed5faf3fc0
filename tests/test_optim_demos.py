"""The optimizer demos reach what they claim: gradient ascent climbs the expected reward and equals
descent on its negation; the learning-rate demo's adaptive optimizers and schedules behave as
its table says; both write the pictures they name and refuse bad options."""

from __future__ import annotations

import numpy as np
import pytest
from demo_runs import SEEDS, demo_run

from micrograd_mlp.cli import build_parser, demo_modules, run_demo
from micrograd_mlp.demos import gradient_ascent, learning_rate
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.engine import Value

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _pictures(module, out) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(module.PICTURES)
    for name in module.PICTURES:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC


def test_demos_are_cli_commands_needing_no_download():
    commands = demo_modules()
    for module in (gradient_ascent, learning_rate):
        assert commands[module.COMMAND] is module and module.BUILTIN_DATA is True
    args = build_parser().parse_args(["gradient-ascent", "--rewards", "1", "3", "--seed", "2"])
    assert args.rewards == [1.0, 3.0] and args.seed == 2


# ------------------------------------------------------------------------- gradient ascent
@pytest.fixture(scope="module")
def ascent(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradient_ascent")
    return run_demo(gradient_ascent, ["--out", str(out), "--steps", "120"]), out


def test_ascent_climbs_the_expected_reward_to_the_best_arm(ascent):
    result, out = ascent
    rewards = result["rewards"]
    assert result["best_arm"] == int(np.argmax(rewards)) == 1
    for label in ("SGD, maximize=True", "Adam, maximize=True"):
        reward = np.array(result["runs"][label]["reward"])
        assert reward[0] == pytest.approx(np.mean(rewards))  # theta = 0: the uniform policy
        assert reward[-1] > reward[0] + 0.9 * (max(rewards) - reward[0])
        assert reward[-1] < max(rewards)  # a softmax never puts all mass on one arm
        assert result["runs"][label]["probabilities"][-1].argmax() == 1
    # Plain SGD's steps never lower J here (small enough steps on a smooth objective).
    assert np.all(np.diff(result["runs"]["SGD, maximize=True"]["reward"]) > 0)
    _pictures(gradient_ascent, out)


def test_ascent_equals_descent_on_the_negated_objective(ascent):
    result, _ = ascent
    assert result["ascent_final"] == result["descent_final"]
    assert result["max_theta_difference"] == 0.0
    up, down = result["runs"]["SGD, maximize=True"], result["runs"]["SGD descent on -J"]
    np.testing.assert_array_equal(up["theta"], down["theta"])


def test_backward_gradient_of_the_reward_is_pi_times_advantage(ascent):
    backprop, formula = ascent[0]["gradient"]
    np.testing.assert_allclose(backprop, formula, rtol=1e-12, atol=1e-15)
    assert abs(backprop.sum()) < 1e-12  # softmax logits: shifting all of them changes nothing


def test_expected_reward_is_stable_for_large_logits():
    theta = [Value(800.0), Value(0.0)]  # exp(800) overflows without the shift
    J = gradient_ascent.expected_reward(theta, [2.0, 1.0])
    assert J.data == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("argv", "error", "message"),
    [
        (["--rewards", "1"], UserError, "--rewards needs 2 to 10 values, got 1"),
        (["--rewards", "2", "2", "2"], UserError, "--rewards are all equal"),
    ],
)
def test_gradient_ascent_refuses_bad_rewards(tmp_path, argv, error, message):
    with pytest.raises(error, match=message):
        run_demo(gradient_ascent, ["--out", str(tmp_path), *argv])


def test_gradient_ascent_refuses_a_bad_lr(tmp_path, capsys):
    with pytest.raises(SystemExit):
        run_demo(gradient_ascent, ["--out", str(tmp_path), "--lr", "nan"])
    assert "--lr" in capsys.readouterr().err


# ---------------------------------------------------------------- adaptive rates, schedules
@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def adaptive(request):
    run = demo_run("learning-rate", request.param)
    return run.result["adaptive"], run.out


def test_every_optimizer_is_compared_and_adaptive_ones_beat_plain_sgd(adaptive):
    result, out = adaptive
    runs = result["runs"]
    assert list(runs) == ["SGD", "SGD + momentum 0.9", "RMSprop", "Adagrad", "Adam", "AdamW"]
    sgd = runs["SGD"].losses[-1]
    for name in ("RMSprop", "Adagrad", "Adam", "AdamW"):
        assert runs[name].losses[-1] < sgd / 5, name
        assert runs[name].status != "diverged"
    # Per-coordinate scaling copes with the valley: RMSprop and Adagrad reach the optimum.
    for name in ("RMSprop", "Adagrad"):
        assert learning_rate.steps_to_optimum(runs[name].losses, result["optimum"]) is not None
    _pictures(learning_rate, out)


def test_schedules_end_far_closer_than_a_constant_rate(adaptive):
    result, _ = adaptive
    optimum = result["schedule_optimum"]
    runs = list(result["schedules"].values())
    constant, scheduled = runs[0], runs[1:]
    assert list(result["schedules"]) == [
        "constant lr 0.3",
        "StepLR(step_size=15, gamma=0.3)",
        "ExponentialLR(gamma=0.93)",
        "CosineAnnealingLR(T_max=60)",
    ]
    assert [r.label.split("(")[0] for r in scheduled] == [
        "StepLR", "ExponentialLR", "CosineAnnealingLR"
    ]
    assert len(set(constant.lrs)) == 1
    for r in scheduled:
        assert r.lrs[0] == constant.lrs[0] and r.lrs[-1] < r.lrs[0] / 10
        assert all(b <= a for a, b in zip(r.lrs, r.lrs[1:]))  # these schedules only decay
        # The noise floor of a constant rate, against a decayed one: 10x closer at least.
        assert r.losses[-1] - optimum < (constant.losses[-1] - optimum) / 10, r.label


def test_step_lr_in_the_demo_decays_every_15_epochs(adaptive):
    step = adaptive[0]["schedules"]["StepLR(step_size=15, gamma=0.3)"]
    lrs = np.array(step.lrs)
    np.testing.assert_allclose(lrs[[0, 14, 15, 29, 30]], [0.3, 0.3, 0.09, 0.09, 0.027])
