"""Why an MLP needs nonlinear activations: without them, a stack of layers is one linear map.

Each layer computes ``h_i = W_i h_(i-1) + b_i``. With no activation in between, three layers give

    W3 (W2 (W1 x + b1) + b2) + b3  =  (W3 W2 W1) x + (W3 W2 b1 + W3 b2 + b3)  =  W x + b,

one matrix product: however deep, the stack can only draw a straight line (a hyperplane)
between classes. The demo builds ``MLP(2, [16, 16, 1], activation="linear")``, multiplies its
own ``state_dict()`` weights into ``W`` and ``b``, and checks that ``W x + b`` gives the network's
outputs to 1e-12, before and after training. Then it trains that stack and the same stack with
ReLU on XOR. No line separates XOR's classes, and the lowest loss a line can reach is at
``W = 0, b = 0`` (p = 1/2 everywhere, loss log 2): the linear stack goes there, its logits
shrink to ~1e-5, and it does not separate the classes at all (its "predictions" are the sign of
rounding noise, at most 3 of the 4 points right). The ReLU network gets all 4.

Writes ``linear_boundary.png`` and ``relu_boundary.png`` (each network's decision regions,
coloured by p(class 1); the linear one drawn from the collapsed ``W x + b``, with no boundary:
its p stays at ~1/2 everywhere) and ``training.png`` (loss and accuracy). ``--lang ko`` prints
and draws in Korean.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.data.toy import xor
from micrograd_mlp.demos._output import Text, save_plot, texts
from micrograd_mlp.demos._predict import (
    Regions,
    check_not_diverged,
    plot_regions,
    regions,
    stop_on_divergence,
)
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.functional import binary_cross_entropy_with_logits
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import Adam
from micrograd_mlp.training import History, fit
from micrograd_mlp.viz.plots import plot_loss_curve

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
    lang_option(parser, "the text and the pictures")


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


def _plot_boundary(
    field: Regions, X: np.ndarray, y: np.ndarray, name: str, acc: float, text: Text
) -> Figure:
    """One stack's decision regions, titled with its accuracy, or with "no boundary"."""
    stack = text(f"name_{name}")
    if field.separates:
        title = text("plot.title", name=stack, accuracy=f"{acc:.0%}")
    else:
        title = text("plot.title_no_boundary", name=stack)
    return plot_regions(field, X, y, text, title)


def _plot_training(histories: dict[str, History], flat: bool, text: Text) -> Figure:
    """Loss (with log 2, the loss of p = 1/2 everywhere) and accuracy per step, both stacks;
    ``flat``: the linear stack ended at p ~ 1/2 everywhere (its accuracy is then noise, and the
    accuracy panel says so)."""
    names = {name: text(f"short_{name}") for name in histories}
    fig = plot_loss_curve(
        {names[n]: h.loss for n, h in histories.items()},
        accuracy={names[n]: h.metric for n, h in histories.items()},
        xlabel=text("plot.step"),
        title=text("plot.training_title"),
    )
    loss_ax, accuracy_ax = fig.axes
    loss_ax.axhline(np.log(2), color="grey", ls="--", lw=1, label=text("plot.log2"))
    loss_ax.set_ylabel(text("plot.loss"))
    accuracy_ax.set_ylabel(text("plot.accuracy"))
    accuracy_ax.set_ylim(0.0, 1.05)
    for ax in (loss_ax, accuracy_ax):
        ax.get_legend().remove()
    fig.legend(*loss_ax.get_legend_handles_labels(), loc="outside lower center", ncol=3)
    if flat:
        accuracy_ax.text(
            0.5,
            0.1,
            text("plot.noise_note", name=names["linear"]),
            ha="center",
            transform=accuracy_ax.transAxes,
            fontsize="small",
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6"},
        )
    return fig


def run(args: argparse.Namespace) -> dict:
    """Check the collapse numerically, train both stacks on XOR, draw their decision regions.

    Returns:
        ``{"collapse_error_initial", "collapse_error_trained": largest |stack - (W x + b)|
        (floats), "W": (1, 2) and "b": (1,) arrays of the trained linear stack,
        "linear_accuracy", "relu_accuracy": final accuracy on XOR's 4 points,
        "linear_loss", "relu_loss": loss histories (lists), "p_range": {"linear", "relu":
        (lowest, highest) p(class 1) over the picture}, "boundary": {"linear", "relu": whether
        the picture draws a decision boundary}, "lang", "plots": paths}``.

    Raises:
        UserError: more than ``MAX_LAYERS`` ``--hidden`` sizes; a loss that stopped being
            finite (a too-large ``--lr``).
    """
    if len(args.hidden) > MAX_LAYERS:
        raise UserError(f"--hidden: at most {MAX_LAYERS} layers, got {len(args.hidden)}")
    lang = chosen_lang(args)
    text = texts("linear_collapse", lang)
    X, y = xor()
    rng = np.random.default_rng(args.seed)
    # The corners of XOR and random points around them: the identity must hold everywhere.
    points = np.concatenate([X, rng.uniform(-2.0, 2.0, size=(60, 2))])
    nouts = [*args.hidden, 1]
    result: dict = {"plots": [], "lang": lang, "p_range": {}, "boundary": {}}

    linear = MLP(2, nouts, activation="linear", seed=args.seed)
    error, weight, _ = _max_collapse_error(linear, points)
    result["collapse_error_initial"] = error
    print(
        text(
            "collapse",
            sizes=" x ".join(str(s) for s in [2, *nouts]),
            matrices=len(nouts),
            shape=weight.shape,
            points=len(points),
            error=f"{error:.2e}",
            tolerance=f"{TOLERANCE:g}",
        )
    )

    def metric(outputs: list, targets: np.ndarray) -> float:
        return accuracy(_predicted_class(outputs), targets)

    models = {"linear": linear, "relu": MLP(2, nouts, activation="relu", seed=args.seed)}
    histories: dict[str, History] = {}
    for name, model in models.items():
        optimizer = Adam(model.parameters(), lr=args.lr)
        with stop_on_divergence(text, "--lr", args.lr):
            histories[name] = fit(
                model,
                X,
                y,
                binary_cross_entropy_with_logits,
                optimizer,
                args.epochs,
                metric=metric,
            )
        check_not_diverged(text, "--lr", args.lr, histories[name].loss)
        predicted = _predicted_class([model(x) for x in X.tolist()])
        result[f"{name}_accuracy"] = accuracy(predicted, y)
        result[f"{name}_loss"] = histories[name].loss
        print(
            text(
                "trained",
                name=text(f"name_{name}"),
                epochs=args.epochs,
                lr=f"{args.lr:g}",
                loss=f"{histories[name].loss[-1]:.4f}",
                predicted=predicted.tolist(),
                targets=y.tolist(),
                accuracy=f"{result[f'{name}_accuracy']:.0%}",
            )
        )

    error, weight, bias = _max_collapse_error(linear, points)
    result.update(collapse_error_trained=error, W=weight, b=bias)
    print(
        text(
            "still_one",
            error=f"{error:.2e}",
            W=np.array2string(weight, precision=4),
            b=np.array2string(bias, precision=4),
        )
    )

    # The linear stack's regions are drawn from the collapsed map W x + b: the same picture.
    predictors = {
        "linear": lambda grid: grid @ weight[0] + bias[0],
        "relu": lambda grid: np.array([models["relu"](p).data for p in grid.tolist()]),
    }
    fields = {name: regions(predict, X, resolution=60) for name, predict in predictors.items()}
    for name, field in fields.items():
        result["p_range"][name] = (field.low, field.high)
        result["boundary"][name] = field.separates
    logits = X @ weight[0] + bias[0]
    linear_field = fields["linear"]
    print(
        text(
            f"conclusion_{linear_field.verdict}",
            log2=f"{np.log(2):.4f}",
            logit=f"{np.max(np.abs(logits)):.1e}",
            dp=f"{max(abs(linear_field.low - 0.5), abs(linear_field.high - 0.5)):.1e}",
            low=f"{linear_field.low:.4f}",
            high=f"{linear_field.high:.4f}",
            accuracy=f"{result['linear_accuracy']:.0%}",
            relu=f"{result['relu_accuracy']:.0%}",
        )
    )
    for name, field in fields.items():
        path = save_plot(
            lambda chosen, name=name, field=field: _plot_boundary(
                field, X, y, name, result[f"{name}_accuracy"], texts("linear_collapse", chosen)
            ),
            args.out / f"{name}_boundary.png",
            lang,
        )
        result["plots"].append(path)
    path = save_plot(
        lambda chosen: _plot_training(
            histories, not fields["linear"].separates, texts("linear_collapse", chosen)
        ),
        args.out / "training.png",
        lang,
    )
    result["plots"].append(path)
    print(text("wrote", files=", ".join(str(p) for p in result["plots"])))
    return result
