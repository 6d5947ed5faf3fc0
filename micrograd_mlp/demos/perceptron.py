"""Rosenblatt's perceptron learning rule, next to gradient descent on one sigmoid neuron.

The perceptron (Rosenblatt 1958) computes ``z = w1 x1 + w2 x2 + b`` and answers
``y_hat = step(z)`` (1 if z > 0, else 0). It learns one sample at a time, in the truth table's
order (00, 01, 10, 11), by

    w <- w + lr (y - y_hat) x,     b <- b + lr (y - y_hat)

so it moves only on a mistake (``y - y_hat`` is -1 or +1, else 0), always by the same step
``lr x``. On AND and OR, which a line separates, it stops after a finite number of epochs with
every row right (the perceptron convergence theorem, Novikoff 1962). On XOR, which no line
separates, it never stops: its weights come back to where they were and the same updates repeat
forever. The demo detects that: the weights are ``w0 + lr k`` with an integer vector k (every
input is 0 or 1), so a repeat is exact, and after the same weights at the end of two epochs the
next epoch is the same again. It stops there, or at ``--max-epochs``, and says which.

Beside it, the same neuron (same starting weights) is trained by gradient descent on a smooth
loss: ``p = sigmoid(z)``, binary cross-entropy, one update per sample with the library's
``Neuron``, ``backward()`` and ``SGD``. Its update is ``lr (y - p) x``: the same shape, but ``p``
is never exactly 0 or 1, so it moves on every sample, by an amount that shrinks as ``p`` gets
close to ``y``. The demo reads ``y - p`` from the engine (``-dL/dz`` after ``backward()``).

Writes, under ``--out``: ``perceptron_<gate>.png`` for every gate of ``--gates`` (the decision
line after each epoch, one panel per epoch, the rows that line gets wrong ringed) and
``perceptron_vs_gradient.png`` (the size of every update of both rules, and the gradient-descent
loss per epoch). ``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.data.toy import logic_gate
from micrograd_mlp.demos.options import chosen_lang, float_option, int_option, lang_option
from micrograd_mlp.functional import binary_cross_entropy
from micrograd_mlp.messages import message
from micrograd_mlp.nn import Neuron
from micrograd_mlp.optim import SGD
from micrograd_mlp.viz.fonts import plot_lang, plot_rc
from micrograd_mlp.viz.plots import save_figure

COMMAND = "perceptron"
HELP = "Rosenblatt's perceptron rule: AND and OR converge, XOR cycles; beside gradient descent"
BUILTIN_DATA = True
#: The gates the rule is run on by default, and all it can be run on.
GATES = ("and", "or", "xor")
ALL_GATES = ("and", "or", "xor", "nand")
#: The files ``run`` writes under ``--out`` with the default ``--gates``.
PICTURES = (*(f"perceptron_{gate}.png" for gate in GATES), "perceptron_vs_gradient.png")
#: Upper bounds of the epoch options; the most epoch panels drawn for one gate.
MAX_EPOCHS, MAX_PANELS = 10_000, 24


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: the gates, the perceptron's and gradient descent's learning rates and epochs."""
    epochs = int_option(1, MAX_EPOCHS)
    lr = float_option(0, 100, exclusive_minimum=True)
    parser.add_argument(
        "--gates",
        nargs="+",
        choices=ALL_GATES,
        default=list(GATES),
        help="the gates to run the perceptron rule on (default: and or xor)",
    )
    parser.add_argument(
        "--lr", type=lr, default=1.0, help="the perceptron's step size, 0 < LR <= 100 (default: 1)"
    )
    parser.add_argument(
        "--max-epochs",
        type=epochs,
        default=100,
        help=f"stop the perceptron after this many epochs, 1 to {MAX_EPOCHS:,} (default: 100)",
    )
    parser.add_argument(
        "--compare",
        choices=ALL_GATES,
        default="and",
        help="the gate of the perceptron / gradient descent comparison (default: and)",
    )
    parser.add_argument(
        "--gd-lr",
        type=lr,
        default=1.0,
        help="gradient descent's learning rate, 0 < LR <= 100 (default: 1)",
    )
    parser.add_argument(
        "--gd-epochs",
        type=epochs,
        default=20,
        help=f"gradient descent's epochs, 1 to {MAX_EPOCHS:,} (default: 20)",
    )
    lang_option(parser, "the text and the pictures")


def step(z: float) -> int:
    """The perceptron's activation: 1 if ``z > 0``, else 0 (Rosenblatt 1958)."""
    return 1 if z > 0 else 0


@dataclass
class PerceptronRun:
    """What :func:`train_perceptron` did, epoch by epoch and sample by sample.

    Attributes:
        gate: the gate's name.
        weights: (w1, w2, b) at the start (index 0) and after each epoch (index k).
        wrong: per epoch, the rows (0-3, in ``logic_gate`` order) the rule got wrong when it
            visited them (each moved the weights).
        errors: ``y - y_hat`` at every sample visit, in order (-1, 0 or +1).
        visits: (w1, w2, b) after every sample visit.
        converged: an epoch made no mistake (the last one run).
        cycle: ``(i, j)`` if the weights after epoch j equal those after epoch i < j (the rule
            repeats epochs i+1..j forever), else None.
        accuracy: the final weights' fraction of right rows (0 to 1).
    """

    gate: str
    weights: list[tuple[float, float, float]]
    wrong: list[list[int]] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    visits: list[tuple[float, float, float]] = field(default_factory=list)
    converged: bool = False
    cycle: tuple[int, int] | None = None
    accuracy: float = 0.0

    @property
    def epochs(self) -> int:
        """The number of epochs run."""
        return len(self.weights) - 1

    @property
    def updates(self) -> int:
        """The number of sample visits that moved the weights (mistakes)."""
        return sum(e != 0 for e in self.errors)


def _set_weights(neuron: Neuron, w: np.ndarray) -> None:
    neuron.weight[0].data, neuron.weight[1].data, neuron.bias.data = (float(v) for v in w)


def _weights(neuron: Neuron) -> tuple[float, float, float]:
    return (neuron.weight[0].data, neuron.weight[1].data, neuron.bias.data)


def train_perceptron(
    gate: str, lr: float, max_epochs: int, seed: int, stop: bool = True
) -> PerceptronRun:
    """Rosenblatt's rule on a gate's truth table, one sample at a time in table order.

    The neuron is ``Neuron(2, activation="linear", seed=seed)`` (``z = w . x + b``) followed by
    :func:`step`. On a mistake, ``w += lr (y - y_hat) x`` and ``b += lr (y - y_hat)``. The
    weights are kept as ``w0 + lr k`` (``k`` an integer vector, the sum of ``(y - y_hat) (x,
    1)``), so the same ``k`` gives bit for bit the same weights and a cycle is found exactly.

    Args:
        gate: a name of :data:`ALL_GATES`.
        lr: the step size, > 0.
        max_epochs: the most passes over the 4 rows (>= 1).
        seed: the starting weights' seed (``Neuron``'s uniform initialisation).
        stop: stop at the first epoch without a mistake or at a repeat of the weights (True),
            or run all ``max_epochs`` (False; a converged perceptron then never moves again).

    Returns:
        A :class:`PerceptronRun`.

    Raises:
        ValueError: an unknown gate.
    """
    X, y = logic_gate(gate)
    neuron = Neuron(2, activation="linear", seed=seed)
    w0 = np.array(_weights(neuron))
    k = np.zeros(3, dtype=np.int64)
    run = PerceptronRun(gate, [_weights(neuron)])
    seen = {tuple(k.tolist()): 0}
    for epoch in range(1, max_epochs + 1):
        wrong = []
        for row, (x, target) in enumerate(zip(X.tolist(), y.tolist())):
            error = target - step(neuron(x).data)
            if error:
                wrong.append(row)
                k += error * np.array([int(x[0]), int(x[1]), 1], dtype=np.int64)
                _set_weights(neuron, w0 + lr * k)
            run.errors.append(error)
            run.visits.append(_weights(neuron))
        run.weights.append(_weights(neuron))
        run.wrong.append(wrong)
        if not wrong:
            run.converged = True
        key = tuple(k.tolist())
        if wrong and key in seen and run.cycle is None:
            run.cycle = (seen[key], epoch)
        seen.setdefault(key, epoch)
        if stop and (run.converged or run.cycle is not None):
            break
    run.accuracy = float(np.mean([step(neuron(x).data) == t for x, t in zip(X.tolist(), y)]))
    return run


@dataclass
class GradientRun:
    """What :func:`train_gradient_neuron` did.

    Attributes:
        gate: the gate's name.
        loss: the mean binary cross-entropy over the 4 rows at the start (index 0) and after
            each epoch.
        errors: ``y - p`` at every sample visit, read from the engine as ``-dL/dz``.
        weights: (w1, w2, b) after training.
        accuracy: the fraction of rows with ``p > 1/2`` exactly when ``y = 1``.
    """

    gate: str
    loss: list[float]
    errors: list[float]
    weights: tuple[float, float, float]
    accuracy: float


def _mean_bce(neuron: Neuron, X: np.ndarray, y: np.ndarray) -> float:
    probabilities = [neuron(x).sigmoid() for x in X.tolist()]
    return binary_cross_entropy(probabilities, y.astype(np.float64).tolist()).data


def train_gradient_neuron(gate: str, lr: float, epochs: int, seed: int) -> GradientRun:
    """The perceptron's neuron (same seed, same starting weights) trained by gradient descent:
    ``p = sigmoid(z)``, binary cross-entropy, one SGD update per sample in table order.

    For each sample: ``zero_grad()``, ``z = neuron(x)``, ``loss = bce(sigmoid(z), y)``,
    ``loss.backward()``, ``SGD.step()``. Its update is ``-lr dL/dw = lr (y - p) x``; the
    factor ``y - p`` is recorded from the engine as ``-z.grad``.

    Returns:
        A :class:`GradientRun`.

    Raises:
        ValueError: an unknown gate.
    """
    X, y = logic_gate(gate)
    neuron = Neuron(2, activation="linear", seed=seed)
    optimizer = SGD(neuron.parameters(), lr=lr)
    losses, errors = [_mean_bce(neuron, X, y)], []
    for _ in range(epochs):
        for x, target in zip(X.tolist(), y.tolist()):
            optimizer.zero_grad()
            z = neuron(x)
            loss = binary_cross_entropy(z.sigmoid(), float(target))
            loss.backward()
            errors.append(-z.grad)
            optimizer.step()
        losses.append(_mean_bce(neuron, X, y))
    right = [(neuron(x).sigmoid().data > 0.5) == bool(t) for x, t in zip(X.tolist(), y)]
    return GradientRun(gate, losses, errors, _weights(neuron), float(np.mean(right)))


# --------------------------------------------------------------------------------- pictures
def _panel(
    ax: Axes, X: np.ndarray, y: np.ndarray, w: tuple, wrong: list[int], passed: list[tuple]
) -> None:
    """One epoch: the region z > 0 shaded, the line z = 0, the rows, the ``wrong`` ringed, and
    the lines the weights ``passed`` through during the epoch dashed."""
    grid = np.linspace(-0.5, 1.5, 121)
    g1, g2 = np.meshgrid(grid, grid)
    for v in passed:
        zv = v[0] * g1 + v[1] * g2 + v[2]
        if zv.min() < 0 < zv.max():
            ax.contour(g1, g2, zv, levels=[0.0], colors="dimgrey", linewidths=1.0,
                       linestyles="dashed")  # fmt: skip
    z = w[0] * g1 + w[1] * g2 + w[2]
    ax.contourf(g1, g2, (z > 0).astype(float), levels=[-0.5, 0.5, 1.5],
                colors=["#fde0c5", "#c6dbef"])  # fmt: skip
    if z.min() < 0 < z.max():
        ax.contour(g1, g2, z, levels=[0.0], colors="black", linewidths=1.5)
    for label, marker, color in ((0, "s", "tab:orange"), (1, "o", "tab:blue")):
        rows = X[y == label]
        ax.scatter(rows[:, 0], rows[:, 1], marker=marker, s=70, color=color,
                   edgecolors="black", zorder=3)  # fmt: skip
    if wrong:
        ax.scatter(X[wrong, 0], X[wrong, 1], s=330, facecolors="none", edgecolors="red",
                   linewidths=2, zorder=4)  # fmt: skip
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xticks=[0, 1], yticks=[0, 1], aspect="equal")


def _panel_title(run: PerceptronRun, epoch: int, lang: str) -> str:
    if epoch == 0:
        return message("perceptron.plot.start", lang)
    if run.cycle is not None and epoch == run.cycle[1]:
        return message("perceptron.plot.repeat", lang, epoch=epoch, earlier=run.cycle[0])
    return message("perceptron.plot.epoch", lang, epoch=epoch, updates=len(run.wrong[epoch - 1]))


def plot_epochs(run: PerceptronRun, path: Path, lang: str | None = None) -> Path:
    """Small multiples: the decision line ``w1 x1 + w2 x2 + b = 0`` at the start and after
    every epoch of ``run`` (at most :data:`MAX_PANELS`: the first ones and the last), the rows
    (class 1 blue circles, class 0 orange squares), the region called 1 shaded blue, the rows
    that line gets wrong ringed in red, the lines it passed through during the epoch dashed,
    and in each title the number of updates (mistakes met) during that epoch.

    Returns:
        The path written.
    """
    lang = plot_lang(lang)
    X, y = logic_gate(run.gate)
    epochs = list(range(run.epochs + 1))
    if len(epochs) > MAX_PANELS:
        epochs = [*epochs[: MAX_PANELS - 1], epochs[-1]]
    rows = math.ceil(len(epochs) / 6)
    columns = math.ceil(len(epochs) / rows)
    with rc_context(plot_rc(lang)):
        fig = Figure(figsize=(2.3 * columns + 0.4, 2.5 * rows + 0.9), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
        for ax, epoch in zip(axes, epochs):
            w = run.weights[epoch]
            _panel(ax, X, y, w, _misclassified(w, X, y), _passed(run, epoch))
            ax.set_title(_panel_title(run, epoch, lang), fontsize="medium")
        for ax in axes[len(epochs) :]:
            ax.set_axis_off()
        fig.suptitle(_figure_title(run, lang))
        fig.supxlabel("x1")
        fig.supylabel("x2")
        return save_figure(fig, path)


def _passed(run: PerceptronRun, epoch: int) -> list[tuple]:
    """The distinct weights after the updates of ``epoch`` (1-based) before its last one."""
    if epoch == 0:
        return []
    visits = run.visits[4 * (epoch - 1) : 4 * epoch]
    errors = run.errors[4 * (epoch - 1) : 4 * epoch]
    moved = [v for v, e in zip(visits, errors) if e]
    return [v for v in dict.fromkeys(moved[:-1]) if v != run.weights[epoch]]


def _misclassified(w: tuple, X: np.ndarray, y: np.ndarray) -> list[int]:
    return [i for i, (x, t) in enumerate(zip(X, y)) if step(w[0] * x[0] + w[1] * x[1] + w[2]) != t]


def _figure_title(run: PerceptronRun, lang: str) -> str:
    gate = run.gate.upper()
    if run.converged:
        key = "perceptron.plot.title_converged"
    elif run.cycle is not None:
        key = "perceptron.plot.title_cycle"
    else:
        key = "perceptron.plot.title_stopped"
    return message(key, lang, gate=gate, epochs=run.epochs)


def plot_comparison(
    perceptron: PerceptronRun, gradient: GradientRun, path: Path, lang: str | None = None
) -> Path:
    """Left: ``|y - y_hat|`` (perceptron) and ``|y - p|`` (gradient descent) at every sample
    visit (placed at visit / 4 epochs; a faint line joins the visits of one row), the factor
    each rule multiplies ``lr (x1, x2, 1)`` by. Right: gradient descent's mean binary
    cross-entropy per epoch.

    Returns:
        The path written.
    """
    lang = plot_lang(lang)
    with rc_context(plot_rc(lang)):
        fig = Figure(figsize=(12.0, 4.2), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=[1.6, 1.0])
        visits = len(gradient.errors)
        when = np.arange(1, visits + 1) / 4  # in epochs: row visit v ends at v / 4
        sizes = np.abs(perceptron.errors[:visits])
        moved = sizes > 0
        left.vlines(when[moved], 0, sizes[moved], color="tab:red", linewidth=1.5)
        left.plot(when[moved], sizes[moved], "o", color="tab:red", markersize=6,
                  label=message("perceptron.plot.perceptron_label", lang))  # fmt: skip
        gd = np.abs(gradient.errors)
        for row in range(4):  # one faint line per row of the table: its factor shrinks
            left.plot(when[row::4], gd[row::4], color="tab:blue", linewidth=0.8, alpha=0.35)
        left.plot(when, gd, "o", color="tab:blue", markersize=3.5,
                  label=message("perceptron.plot.gradient_label", lang))  # fmt: skip
        left.set(
            title=message("perceptron.plot.sizes_title", lang, gate=gradient.gate.upper()),
            xlabel=message("perceptron.plot.sizes_xlabel", lang),
            ylabel=message("perceptron.plot.sizes_ylabel", lang),
            ylim=(0, 1.08),
        )
        left.legend(loc="upper right")
        right.plot(range(len(gradient.loss)), gradient.loss, "o-", color="tab:blue", markersize=3)
        right.set(
            title=message("perceptron.plot.loss_title", lang),
            xlabel=message("perceptron.plot.loss_xlabel", lang),
            ylabel=message("perceptron.plot.loss_ylabel", lang),
        )
        for ax in (left, right):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        return save_figure(fig, path)


# ------------------------------------------------------------------------------------- run
def _fmt(w: tuple) -> str:
    return f"w1 = {w[0]:+.3f}, w2 = {w[1]:+.3f}, b = {w[2]:+.3f}"


def _report(run: PerceptronRun, max_epochs: int, lang: str) -> str:
    gate, accuracy = run.gate.upper(), f"{run.accuracy:.0%}"
    if run.converged:
        return message(
            "perceptron.converged", lang, gate=gate, epochs=run.epochs, updates=run.updates,
            weights=_fmt(run.weights[-1]), accuracy=accuracy,
        )  # fmt: skip
    if run.cycle is not None:
        earlier, epoch = run.cycle
        return message(
            "perceptron.cycle", lang, gate=gate, epoch=epoch, earlier=earlier, limit=max_epochs,
            accuracy=accuracy,
        )  # fmt: skip
    return message(
        "perceptron.stopped", lang, gate=gate, limit=max_epochs, updates=run.updates,
        accuracy=accuracy,
    )  # fmt: skip


def _gradient_fields(gradient: GradientRun, args: argparse.Namespace) -> dict[str, str]:
    return {
        "gate": gradient.gate.upper(),
        "lr": f"{args.gd_lr:g}",
        "epochs": str(args.gd_epochs),
        "start": f"{gradient.loss[0]:.4f}",
        "end": f"{gradient.loss[-1]:.4f}",
        "accuracy": f"{gradient.accuracy:.0%}",
        "weights": _fmt(gradient.weights),
    }


def _difference_fields(compare: PerceptronRun, gradient: GradientRun) -> dict[str, str]:
    sizes = np.abs(gradient.errors)
    return {
        "visits": str(len(sizes)),
        "updates": str(compare.updates),
        "moved": str(int(np.count_nonzero(sizes))),
        "first": f"{sizes[:4].mean():.3f}",
        "last": f"{sizes[-4:].mean():.3f}",
        "smallest": f"{sizes.min():.3g}",
    }


def run(args: argparse.Namespace) -> dict:
    """Run the perceptron rule on every gate of ``--gates``, then set it beside gradient descent
    on the ``--compare`` gate; print what happened and draw it.

    Returns:
        ``{"lang", "lr", "start": (w1, w2, b), "runs": {gate: PerceptronRun},
        "comparison": {"perceptron": PerceptronRun (run for --gd-epochs epochs without
        stopping), "gradient": GradientRun}, "files": [paths]}``.

    Raises:
        UserError: ``$MICROGRAD_MLP_LANG`` names an unknown language.
    """
    lang = chosen_lang(args)
    gates = list(dict.fromkeys(args.gates))
    out = Path(args.out)
    runs = {gate: train_perceptron(gate, args.lr, args.max_epochs, args.seed) for gate in gates}
    start = runs[gates[0]].weights[0]
    result: dict = {"lang": lang, "lr": args.lr, "start": start, "runs": runs, "files": []}
    print(message("perceptron.intro", lang, lr=f"{args.lr:g}", seed=args.seed, weights=_fmt(start)))
    for gate in gates:
        print("  " + _report(runs[gate], args.max_epochs, lang))

    compare = train_perceptron(args.compare, args.lr, args.gd_epochs, args.seed, stop=False)
    gradient = train_gradient_neuron(args.compare, args.gd_lr, args.gd_epochs, args.seed)
    result["comparison"] = {"perceptron": compare, "gradient": gradient}
    print(message("perceptron.gradient", lang, **_gradient_fields(gradient, args)))
    print(message("perceptron.difference", lang, **_difference_fields(compare, gradient)))

    for gate in gates:
        result["files"].append(plot_epochs(runs[gate], out / f"perceptron_{gate}.png", lang))
    result["files"].append(
        plot_comparison(compare, gradient, out / "perceptron_vs_gradient.png", lang)
    )
    print(message("perceptron.wrote", lang, files=", ".join(str(p) for p in result["files"])))
    return result
