"""Why an MLP needs nonlinear activations: without them, a stack of layers is one linear map.

Each layer computes ``h_i = W_i h_(i-1) + b_i``. With no activation in between, three layers give

    W3 (W2 (W1 x + b1) + b2) + b3  =  (W3 W2 W1) x + (W3 W2 b1 + W3 b2 + b3)  =  W x + b,

one matrix product: however deep, the stack can only draw a straight line (a hyperplane)
between classes. The demo builds ``MLP(2, [16, 16, 1], activation="linear")``, multiplies its
own ``state_dict()`` weights into ``W`` and ``b``, and checks that ``W x + b`` gives the network's
outputs to 1e-12, before and after training. Then it trains that stack and the same stack with
ReLU on XOR: no line separates XOR's classes, so the linear stack gets at most 3 of the 4 points
right, while the ReLU network gets all 4.

Writes ``linear_boundary.png`` and ``relu_boundary.png`` (each network's decision regions; the
linear one drawn from the collapsed ``W x + b``) and ``training.png`` (loss and accuracy).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import numpy as np

from micrograd_mlp.data.toy import xor
from micrograd_mlp.demos.options import UserError, float_option, int_option
from micrograd_mlp.functional import binary_cross_entropy_with_logits
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import Adam
from micrograd_mlp.training import fit
from micrograd_mlp.viz.plots import plot_decision_boundary, plot_loss_curve

COMMAND = "linear-collapse"
HELP = "a stack of linear layers is one matrix product and cannot learn XOR; with ReLU it can"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("linear_boundary.png", "relu_boundary.png", "training.png")
#: How closely ``W x + b`` must reproduce the stack's outputs.
TOLERANCE = 1e-12


#: Upper bounds of the size options (the scalar engine).
MAX_HIDDEN, MAX_LAYERS, MAX_EPOCHS = 256, 10, 100_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: hidden layer sizes, epochs and Adam's learning rate."""
    parser.add_argument(
        "--hidden",
        type=int_option(1, MAX_HIDDEN),
        nargs="+",
        default=[16, 16],
        metavar="SIZE",
        help=f"hidden layer sizes, 1 to {MAX_HIDDEN} each, at most {MAX_LAYERS} layers "
        "(default: 16 16)",
    )
    parser.add_argument(
        "--epochs", type=int_option(1, MAX_EPOCHS), default=200, help="epochs (default: 200)"
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, exclusive_minimum=True),
        default=0.05,
        help="Adam's lr, > 0 (default: 0.05)",
    )


def collapse(state_dict: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Multiply the layers of a linear stack into one affine map ``x -> W x + b``.

    Layer ``i`` maps ``h -> W_i h + b_i``; composing them in order gives
    ``W = W_L ... W_2 W_1`` and ``b = W_L (... (W_2 b_1 + b_2) ...) + b_L``.

    Args:
        state_dict: an MLP's ``state_dict()``: ``layers.{i}.weight`` (nout, nin) and
            ``layers.{i}.bias`` (nout,) for i = 0, 1, ..., float64.

    Returns:
        ``W`` of shape (nout of the last layer, nin of the first) and ``b`` of shape (nout,).

    Raises:
        ValueError: no ``layers.0.weight`` key, or consecutive layers whose sizes do not chain
            (the shapes are named).
    """
    if "layers.0.weight" not in state_dict:
        raise ValueError(
            f"collapse: expected keys layers.0.weight, layers.0.bias, ...; got {list(state_dict)}"
        )
    weight = np.asarray(state_dict["layers.0.weight"], dtype=np.float64)
    bias = np.asarray(state_dict["layers.0.bias"], dtype=np.float64)
    i = 1
    while f"layers.{i}.weight" in state_dict:
        w = np.asarray(state_dict[f"layers.{i}.weight"], dtype=np.float64)
        if w.shape[1] != weight.shape[0]:
            raise ValueError(
                f"collapse: layers.{i}.weight has shape {w.shape} but layer {i - 1} has "
                f"{weight.shape[0]} outputs"
            )
        # W_i (W h + b) + b_i = (W_i W) h + (W_i b + b_i)
        weight, bias = w @ weight, w @ bias + np.asarray(state_dict[f"layers.{i}.bias"])
        i += 1
    return weight, bias


def _max_collapse_error(model: MLP, points: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Largest ``|model(x) - (W x + b)|`` over ``points`` (N, nin), and ``W``, ``b``."""
    weight, bias = collapse(model.state_dict())
    stack = np.array([model(p).data for p in points.tolist()])
    single = points @ weight.T + bias
    return float(np.max(np.abs(stack - single[:, 0]))), weight, bias


def _predicted_class(outputs: list) -> np.ndarray:
    """Class 1 where the logit is positive (probability sigmoid(z) > 1/2), else 0."""
    return np.array([int(o.data > 0.0) for o in outputs])


def run(args: argparse.Namespace) -> dict:
    """Check the collapse numerically, train both stacks on XOR, draw their decision regions.

    Returns:
        ``{"collapse_error_initial", "collapse_error_trained": largest |stack - (W x + b)|
        (floats), "W": (1, 2) and "b": (1,) arrays of the trained linear stack,
        "linear_accuracy", "relu_accuracy": final accuracy on XOR's 4 points,
        "linear_loss", "relu_loss": loss histories (lists), "plots": paths}``.

    Raises:
        UserError: more than ``MAX_LAYERS`` ``--hidden`` sizes.
    """
    if len(args.hidden) > MAX_LAYERS:
        raise UserError(f"--hidden: at most {MAX_LAYERS} layers, got {len(args.hidden)}")
    X, y = xor()
    rng = np.random.default_rng(args.seed)
    # The corners of XOR and random points around them: the identity must hold everywhere.
    points = np.concatenate([X, rng.uniform(-2.0, 2.0, size=(60, 2))])
    nouts = [*args.hidden, 1]
    result: dict = {"plots": []}

    linear = MLP(2, nouts, activation="linear", seed=args.seed)
    error, weight, _ = _max_collapse_error(linear, points)
    result["collapse_error_initial"] = error
    sizes = " x ".join(str(s) for s in [2, *nouts])
    print(f"linear stack {sizes} (no activations): {len(nouts)} weight matrices multiply into")
    print(
        f"  one W of shape {weight.shape}; largest |stack(x) - (W x + b)| over {len(points)} "
        f"points: {error:.2e} (tolerance {TOLERANCE:g})"
    )

    def metric(outputs: list, targets: np.ndarray) -> float:
        return accuracy(_predicted_class(outputs), targets)

    models = {"linear": linear, "relu": MLP(2, nouts, activation="relu", seed=args.seed)}
    histories = {}
    for name, model in models.items():
        optimizer = Adam(model.parameters(), lr=args.lr)
        histories[name] = fit(
            model,
            X,
            y,
            binary_cross_entropy_with_logits,
            optimizer,
            args.epochs,
            metric=metric,
        )
        predicted = _predicted_class([model(x) for x in X.tolist()])
        result[f"{name}_accuracy"] = accuracy(predicted, y)
        result[f"{name}_loss"] = histories[name].loss
        print(
            f"{name:>6} stack on XOR after {args.epochs} epochs (Adam, lr {args.lr:g}): "
            f"loss {histories[name].loss[-1]:.4f}, predictions {predicted.tolist()} "
            f"for targets {y.tolist()}: accuracy {result[f'{name}_accuracy']:.0%}"
        )

    error, weight, bias = _max_collapse_error(linear, points)
    result.update(collapse_error_trained=error, W=weight, b=bias)
    print(
        f"after training, still one matrix: |stack(x) - (W x + b)| <= {error:.2e}, with "
        f"W = {np.array2string(weight, precision=4)}, b = {np.array2string(bias, precision=4)}"
    )
    print(
        "a line W x + b = 0 separates at most 3 of XOR's 4 points, and the best the linear\n"
        "  stack can do for the loss is W = 0, b = 0 (p = 1/2 everywhere, loss log 2 = "
        f"{np.log(2):.4f}):\n  it stays at {result['linear_accuracy']:.0%}; ReLU bends the "
        f"boundary and reaches {result['relu_accuracy']:.0%}"
    )

    # The linear stack's regions are drawn from the collapsed map W x + b: the same picture.
    predictors = {
        "linear": lambda grid: grid @ weight[0] + bias[0],
        "relu": lambda grid: np.array([models["relu"](p).data for p in grid.tolist()]),
    }
    for name, predict in predictors.items():
        path = args.out / f"{name}_boundary.png"
        title = f"{name} stack on XOR: accuracy {result[f'{name}_accuracy']:.0%}"
        plot_decision_boundary(predict, X, y, path, kind="scores", resolution=60, title=title)
        result["plots"].append(path)
    path = args.out / "training.png"
    plot_loss_curve(
        {name: h.loss for name, h in histories.items()},
        path,
        accuracy={name: h.metric for name, h in histories.items()},
        title="XOR: binary cross-entropy and accuracy per step",
    )
    result["plots"].append(path)
    print("wrote " + ", ".join(str(p) for p in result["plots"]))
    return result
