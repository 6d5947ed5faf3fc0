"""XOR: what one neuron cannot learn and a hidden layer can.

A single-layer perceptron -- one neuron, ``w1 x1 + w2 x2 + b``, no hidden layer -- draws a
straight line through the plane and calls one side 1. Trained by gradient descent on binary
cross-entropy it learns AND and OR (100%): a line separates their 1s from their 0s. It cannot
learn XOR: no line puts (0, 1) and (1, 0) on one side and (0, 0) and (1, 1) on the other, so it
gets at most 3 of the 4 points right (<= 75%). An MLP with one hidden tanh layer bends the
boundary and reaches 100% on XOR.

Writes, under ``--out``: ``xor_graph.svg`` (the MLP's graph for one input, forward and backward:
every value with its data and grad; ``xor_graph.gv`` instead when Graphviz's ``dot`` is missing),
``xor_perceptron_boundary.png`` and ``xor_mlp_boundary.png`` (decision regions on XOR) and
``xor_loss.png`` (loss per step of every run).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from micrograd_mlp.data.toy import logic_gate
from micrograd_mlp.demos._predict import score_predictor, scores, sign_accuracy
from micrograd_mlp.engine import Value
from micrograd_mlp.functional import binary_cross_entropy_with_logits
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.training import History, fit
from micrograd_mlp.viz.graph import DotNotFoundWarning, draw_dot, save_graph
from micrograd_mlp.viz.plots import plot_decision_boundary, plot_loss_curve

COMMAND = "xor"
HELP = "a single neuron learns AND and OR but not XOR; an MLP with a hidden layer learns XOR"
BUILTIN_DATA = True
#: The gates the perceptron is trained on.
GATES = ("and", "or", "xor")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: the perceptron's and the MLP's training settings."""
    parser.add_argument(
        "--perceptron-epochs", type=int, default=100, help="full-batch steps (default: 100)"
    )
    parser.add_argument(
        "--perceptron-lr", type=float, default=1.0, help="the perceptron's SGD lr (default: 1.0)"
    )
    parser.add_argument(
        "--hidden", type=int, default=8, help="tanh units in the MLP's hidden layer (default: 8)"
    )
    parser.add_argument(
        "--epochs", type=int, default=200, help="MLP full-batch steps (default: 200)"
    )
    parser.add_argument("--lr", type=float, default=0.1, help="the MLP's Adam lr (default: 0.1)")


def _check(args: argparse.Namespace) -> None:
    if min(args.perceptron_epochs, args.hidden, args.epochs) < 1:
        raise SystemExit(
            f"micrograd-mlp {COMMAND}: error: --perceptron-epochs, --hidden and --epochs must be "
            f">= 1 (got {args.perceptron_epochs}, {args.hidden}, {args.epochs})"
        )
    if not (args.perceptron_lr > 0 and args.lr > 0):
        raise SystemExit(
            f"micrograd-mlp {COMMAND}: error: --perceptron-lr and --lr must be > 0 "
            f"(got {args.perceptron_lr}, {args.lr})"
        )


def train_perceptron(gate: str, epochs: int, lr: float, seed: int) -> tuple[Neuron, History, float]:
    """One linear neuron trained by full-batch SGD on a gate's truth table (logits + BCE).

    Returns:
        The neuron, its training :class:`History` and its final accuracy on the 4 rows.
    """
    neuron = Neuron(2, activation="linear", seed=seed)
    history, acc = _fit_gate(neuron, gate, SGD(neuron.parameters(), lr=lr), epochs)
    return neuron, history, acc


def train_mlp(hidden: int, epochs: int, lr: float, seed: int) -> tuple[MLP, History, float]:
    """``MLP(2, [hidden, 1], activation="tanh")`` trained by full-batch Adam on XOR.

    Returns:
        The MLP, its training :class:`History` and its final accuracy on the 4 rows.
    """
    model = MLP(2, [hidden, 1], activation="tanh", seed=seed)
    history, acc = _fit_gate(model, "xor", Adam(model.parameters(), lr=lr), epochs)
    return model, history, acc


def _fit_gate(
    model: Neuron | MLP, gate: str, optimizer: SGD | Adam, epochs: int
) -> tuple[History, float]:
    """Full-batch training of a one-logit ``model`` on a gate's truth table (logits + BCE).

    Returns:
        The training :class:`History` and the final accuracy on the 4 rows.
    """
    X, y = logic_gate(gate)
    history = fit(
        model, X, y, binary_cross_entropy_with_logits, optimizer, epochs, metric=sign_accuracy
    )
    return history, sign_accuracy([model(x) for x in X.tolist()], y)


def write_graph(model: MLP, path: Path) -> Path:
    """Draw the MLP's graph for input (1, 0): forward to the loss, then backward (grads shown).

    Returns:
        The file written: ``path`` (SVG), or the DOT source (``.gv``) if ``dot`` is missing.
    """
    for name, p in model.named_parameters():
        p.label = name  # e.g. layers.0.weight.3.1: row 3, column 1 of layer 0's weight
    x = [Value(1.0, label="x1"), Value(0.0, label="x2")]
    logit = model(x)
    logit.label = "logit"
    loss = binary_cross_entropy_with_logits(logit, 1.0)
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DotNotFoundWarning)
        written = save_graph(draw_dot(loss, params=model), path)
    for warning in caught:
        print(f"note: {warning.message}")
    model.zero_grad()
    return written


def run(args: argparse.Namespace) -> dict:
    """Train the perceptron on AND, OR and XOR and the MLP on XOR; draw graph and boundaries.

    Returns:
        ``{"perceptron_accuracy": {"and": ..., "or": ..., "xor": ...}, "mlp_accuracy": float,
        "perceptron_loss": {gate: final loss}, "mlp_loss": final loss, "files": [paths]}``.

    Raises:
        SystemExit: a bad option.
    """
    _check(args)
    out = Path(args.out)
    result: dict = {"perceptron_accuracy": {}, "perceptron_loss": {}, "files": []}
    curves = {}
    print(
        f"single-layer perceptron (one linear neuron, BCE on its logit, SGD lr "
        f"{args.perceptron_lr:g}, {args.perceptron_epochs} steps):"
    )
    perceptrons = {}
    for gate in GATES:
        neuron, history, acc = train_perceptron(
            gate, args.perceptron_epochs, args.perceptron_lr, args.seed
        )
        perceptrons[gate] = neuron
        curves[f"perceptron {gate.upper()}"] = history.loss
        result["perceptron_accuracy"][gate] = acc
        result["perceptron_loss"][gate] = history.loss[-1]
        w1, w2 = (w.data for w in neuron.weight)
        print(
            f"  {gate.upper():>3}: {w1:+.3f} x1 {w2:+.3f} x2 {neuron.bias.data:+.3f}   "
            f"loss {history.loss[-1]:.4f}   accuracy {acc:.0%}"
        )
    print(
        "  no line separates XOR's classes, so a perceptron gets at most 3 of 4 right; its\n"
        "  lowest loss is at w = 0, b = 0 (p = 1/2 everywhere, loss log 2 = "
        f"{np.log(2.0):.4f}), where it predicts by the sign of rounding noise"
    )

    print(
        f"MLP(2, [{args.hidden}, 1], tanh), BCE, Adam lr {args.lr:g}, {args.epochs} steps on XOR:"
    )
    model, history, acc = train_mlp(args.hidden, args.epochs, args.lr, args.seed)
    curves["MLP XOR"] = history.loss
    result["mlp_accuracy"], result["mlp_loss"] = acc, history.loss[-1]
    X, y = logic_gate("xor")
    logits = scores(model, X)
    print(f"  logits {np.array2string(logits, precision=2)} for targets {y.tolist()}")
    print(f"  loss {history.loss[-1]:.4f}   accuracy {acc:.0%}")

    result["files"].append(write_graph(model, out / "xor_graph.svg"))
    for name, net, accuracy in (
        ("perceptron", perceptrons["xor"], result["perceptron_accuracy"]["xor"]),
        ("mlp", model, acc),
    ):
        path = out / f"xor_{name}_boundary.png"
        title = f"{'perceptron' if name == 'perceptron' else 'MLP'} on XOR: {accuracy:.0%}"
        plot_decision_boundary(
            score_predictor(net), X, y, path, kind="scores", resolution=80, title=title
        )
        result["files"].append(path)
    path = out / "xor_loss.png"
    plot_loss_curve(curves, path, title="Binary cross-entropy per step")
    result["files"].append(path)
    print("wrote " + ", ".join(str(p) for p in result["files"]))
    return result
