"""Gradient ascent: climbing a reward with ``maximize=True``, and why it is descent on ``-J``.

A softmax policy picks one of K arms (a "bandit"): ``pi = softmax(theta)``, and arm ``a`` pays
``r_a``. The expected reward ``J(theta) = sum_a pi_a r_a`` is to be *maximized*. Its gradient,
from the softmax's Jacobian ``d pi_a / d theta_b = pi_a (delta_ab - pi_b)``, is

    dJ/dtheta_b = pi_b (r_b - J)

(an arm better than the current average gets more probability; Williams 1992, "Simple
statistical gradient-following algorithms", the expected form of REINFORCE). The demo

1. builds ``J`` from scalar ``Value`` operations, checks ``backward()``'s gradient against the
   formula above at the start;
2. climbs ``J`` with ``SGD(..., maximize=True)`` (and ``Adam(..., maximize=True)``):
   ``theta <- theta + lr * dJ/dtheta``; the reward rises towards the best arm's ``max r``;
3. runs plain descent, ``SGD(...)``, on the negated objective ``-J`` from the same start and
   prints both final rewards and the largest difference between the two parameter
   trajectories: 0 exactly, since ``maximize`` only negates the gradient (an exact operation).

Writes ``gradient_ascent.png`` under ``--out``: the reward per step of each run and the
policy's probabilities per step. ``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.demos._layers import finite_loss
from micrograd_mlp.demos._output import columns, rjust, save_plot, texts
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.engine import Value
from micrograd_mlp.optim import SGD, Adam, Optimizer

COMMAND = "gradient-ascent"
HELP = "climb an expected reward with maximize=True; ascent on J equals descent on -J"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("gradient_ascent.png",)
#: The arms' rewards when ``--rewards`` is not given.
DEFAULT_REWARDS = (1.0, 2.5, 0.5, 1.8)
MAX_STEPS = 10_000
#: The runs: label (the key of ``run()``'s result) -> message key of its name in the output.
RUN_NAMES = {
    "SGD, maximize=True": "run_sgd_ascent",
    "Adam, maximize=True": "run_adam_ascent",
    "SGD descent on -J": "run_sgd_descent",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: the rewards, the steps, the learning rate and ``--lang``."""
    parser.add_argument(
        "--rewards",
        type=float_option(-1e6, 1e6),
        nargs="+",
        default=list(DEFAULT_REWARDS),
        metavar="R",
        help="each arm's reward, 2 to 10 arms (default: %(default)s)",
    )
    parser.add_argument(
        "--steps", type=int_option(1, MAX_STEPS), default=150,
        help=f"optimizer steps per run, 1 to {MAX_STEPS:,} (default: %(default)s)",
    )
    parser.add_argument(
        "--lr", type=float_option(0, 1e3, exclusive_minimum=True), default=1.0,
        help="learning rate of SGD, in (0, 1000] (default: %(default)s; Adam uses a tenth of it)",
    )
    lang_option(parser)


def expected_reward(theta: list[Value], rewards: list[float]) -> Value:
    """``J = sum_a softmax(theta)_a r_a`` as a scalar-engine graph (its ``backward()`` gives
    ``dJ/dtheta``). The logits are shifted by their largest value first (softmax does not
    change; ``exp`` cannot overflow)."""
    top = max(t.data for t in theta)
    e = [(t - top).exp() for t in theta]
    z = sum(e[1:], e[0])
    return sum((ei / z * r for ei, r in zip(e[1:], rewards[1:])), e[0] / z * rewards[0])


def policy(theta: list[Value]) -> np.ndarray:
    """``softmax(theta)`` as a NumPy array (K,)."""
    x = np.array([t.data for t in theta])
    p = np.exp(x - x.max())
    return p / p.sum()


def climb(
    rewards: list[float],
    steps: int,
    make: Callable[[list[Value]], Optimizer],
    negate: bool = False,
    error: Callable[[float, int], str] | None = None,
) -> dict:
    """Run ``steps`` optimizer steps from ``theta = 0`` on ``J`` (or on ``-J`` if ``negate``).

    Args:
        rewards: the arms' rewards (K,).
        steps: number of steps.
        make: ``params -> optimizer``.
        negate: minimize ``-J`` instead of handing ``J`` to the optimizer.
        error: ``(J, step) -> str``, the one-line error raised when ``J`` stops being finite.

    Returns:
        ``{"reward": [J before each step and after the last] (steps + 1), "theta": array
        (steps + 1, K), "probabilities": array (steps + 1, K), "optimizer": repr}``.
    """
    theta = [Value(0.0, label=f"theta{a}") for a in range(len(rewards))]
    opt = make(theta)
    reward, thetas, probs = [], [], []
    describe = error or (lambda value, step: f"J became {value} at step {step}")
    for step in range(steps):
        opt.zero_grad()
        J = expected_reward(theta, rewards)
        reward.append(finite_loss(J.data, lambda v, step=step: describe(v, step)))
        thetas.append([t.data for t in theta])
        probs.append(policy(theta))
        (-J if negate else J).backward()
        opt.step()
    reward.append(expected_reward(theta, rewards).data)
    thetas.append([t.data for t in theta])
    probs.append(policy(theta))
    return {
        "reward": reward,
        "theta": np.array(thetas),
        "probabilities": np.array(probs),
        "optimizer": repr(opt),
    }


def gradient_check(rewards: list[float], seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``backward()``'s ``dJ/dtheta`` and the formula ``pi (r - J)`` at random logits."""
    rng = np.random.default_rng(seed)
    theta = [Value(float(x)) for x in rng.normal(size=len(rewards))]
    J = expected_reward(theta, rewards)
    J.backward()
    pi = policy(theta)
    return np.array([t.grad for t in theta]), pi * (np.array(rewards) - J.data)


def _plot(runs: dict[str, dict], rewards: list[float], lang: str = "en") -> Figure:
    t = texts("gradient_ascent", lang)
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for label, result in runs.items():
        style = {"linestyle": "--", "linewidth": 2.5, "alpha": 0.6} if "descent" in label else {}
        left.plot(result["reward"], label=t(RUN_NAMES[label]), **style)
    left.axhline(max(rewards), color="grey", linestyle=":", linewidth=1, label=t("plot_best"))
    left.axhline(float(np.mean(rewards)), color="grey", linestyle="-.", linewidth=1,
                 label=t("plot_uniform"))
    left.set(xlabel=t("plot_step"), ylabel=t("plot_reward"), title=t("plot_climbing"))
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.legend(loc="center right", fontsize=8)
    probs = runs["SGD, maximize=True"]["probabilities"]
    for a in range(probs.shape[1]):
        right.plot(probs[:, a], label=t("plot_arm", a=a, r=f"{rewards[a]:g}"))
    right.set(xlabel=t("plot_step"), ylabel=t("plot_probability"), ylim=(0, 1),
              title=t("plot_policy"))
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.legend(loc="center right", fontsize=8)
    fig.suptitle(t("plot_title"))
    return fig


def run(args: argparse.Namespace) -> dict:
    """Check the gradient, climb, compare ascent with descent on ``-J``, draw the runs.

    Returns:
        ``{"lang", "rewards", "best_arm", "gradient": (backprop, formula), "runs": {label:
        result of climb}, "ascent_final", "descent_final", "max_theta_difference", "plot"}``.

    Raises:
        UserError: fewer than 2 or more than 10 rewards, or all rewards equal.
    """
    lang = chosen_lang(args)
    text = texts("gradient_ascent", lang)
    rewards = [float(r) for r in args.rewards]
    if not 2 <= len(rewards) <= 10:
        raise UserError(text("too_few_rewards", count=len(rewards)))
    if max(rewards) == min(rewards):
        raise UserError(text("equal_rewards"))
    best = int(np.argmax(rewards))
    backprop, formula = gradient_check(rewards, args.seed)
    print(text("setup", arms=len(rewards), rewards=rewards))
    labels = [text("gradient_backprop"), text("gradient_formula")]
    width = max(columns(label) for label in labels)
    for label, values in zip(labels, (backprop, formula)):
        print(f"{rjust(label, width)} {np.array2string(values, precision=6)}")
    lr = args.lr

    def error(value: float, step: int) -> str:
        return text("diverged", value=value, step=step, lr=f"{lr:g}")

    runs = {
        "SGD, maximize=True": climb(
            rewards, args.steps, lambda p: SGD(p, lr=lr, maximize=True), error=error
        ),
        "Adam, maximize=True": climb(
            rewards, args.steps, lambda p: Adam(p, lr=lr / 10, maximize=True), error=error
        ),
        "SGD descent on -J": climb(
            rewards, args.steps, lambda p: SGD(p, lr=lr), negate=True, error=error
        ),
    }
    ascent, descent = runs["SGD, maximize=True"], runs["SGD descent on -J"]
    difference = float(np.max(np.abs(ascent["theta"] - descent["theta"])))
    print(text("start", J=ascent["reward"][0], steps=args.steps))
    names = {label: text(key) for label, key in RUN_NAMES.items()}
    width = max(columns(name) for name in names.values()) + 3
    for label, result in runs.items():
        final = result["reward"][-1]
        p_best = result["probabilities"][-1, best]
        print(text("final", name=rjust(names[label], width), J=final, best=best, p=p_best))
    print(
        text(
            "same",
            ascent=repr(ascent["reward"][-1]),
            descent=repr(descent["reward"][-1]),
            difference=f"{difference:g}",
        )
    )
    path = save_plot(lambda chosen: _plot(runs, rewards, chosen), args.out / PICTURES[0], lang)
    print(text("wrote", path=path))
    return {
        "lang": lang,
        "rewards": rewards,
        "best_arm": best,
        "gradient": (backprop, formula),
        "runs": runs,
        "ascent_final": ascent["reward"][-1],
        "descent_final": descent["reward"][-1],
        "max_theta_difference": difference,
        "plot": path,
    }
