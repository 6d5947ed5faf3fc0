"""Overfitting, and three remedies: weight decay, dropout and early stopping.

A network with far more parameters than training points can fit those points exactly, their
noise included. On a few noisy two-moons points an ``MLP(2, [H, H, 2])`` (tanh, Adam,
cross-entropy, full batch) drives its training loss towards 0; the loss on a large held-out
test set from the same distribution first falls, then rises, as the network becomes ever more
sure of its answers, also of the wrong ones near the noisy points: the gap between the test and
the training loss opens. The demo trains the same network from the same initial weights four
times:

* **plain**: as above;
* **weight decay** (``AdamW``, Loshchilov & Hutter 2019): every step also shrinks every weight
  by the factor ``1 - lr * weight_decay``, so weights grow only where the data keeps pulling
  them, and the outputs stay less extreme;
* **dropout** (Srivastava et al. 2014): during training each hidden unit's output is zeroed
  with probability ``p`` (the others scaled by ``1/(1-p)``), so no unit can rely on particular
  others; at evaluation time nothing is dropped;
* **early stopping**: a *validation* set, held out from training like the test set but used to
  decide, is evaluated after every epoch; when its loss has not improved for ``--patience``
  epochs training stops, and the weights of its best epoch are put back
  (:class:`EarlyStopping`). The test set stays untouched until the end.

Every loss it reports is measured in evaluation mode (no dropout) on the whole set, after each
epoch; the gap is the test loss minus the training loss at the end. The printed table gives
each setting's final training and test loss, its gap, the gap as a fraction of the plain run's,
and its test accuracy.

Writes ``overfitting.png`` under ``--out``: per setting, the training and test loss per epoch
(top) and the decision regions with the training points (bottom). ``--lang ko`` prints and
draws in Korean.
"""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits

from micrograd_mlp.autodiff import no_grad
from micrograd_mlp.data.toy import make_moons
from micrograd_mlp.demos._output import Text, columns, save_plot, texts
from micrograd_mlp.demos.options import chosen_lang, float_option, int_option, lang_option
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.optim import Adam, AdamW
from micrograd_mlp.tensor import MLP
from micrograd_mlp.tensor.functional import cross_entropy, softmax
from micrograd_mlp.training import Callback, Run, evaluate, fit

COMMAND = "overfitting"
HELP = "a big MLP on 30 noisy points overfits; weight decay, dropout, early stopping close the gap"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("overfitting.png",)
#: The settings, in the order of the table and the picture.
SETTINGS = ("plain", "weight_decay", "dropout", "early_stopping")
#: Held-out points: the validation set (early stopping's) and the test set (every setting's).
VALIDATION_POINTS, TEST_POINTS = 30, 500
#: Adam's learning rate in every setting.
LR = 0.01
MAX_POINTS, MAX_HIDDEN, MAX_EPOCHS = 2_000, 512, 5_000
COLORS = {"train": "tab:blue", "test": "tab:red", "validation": "tab:green"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: training points, noise, hidden width, epochs, the three remedies' strength,
    ``--lang``."""
    parser.add_argument(
        "--points",
        type=int_option(4, MAX_POINTS),
        default=30,
        help=f"training points, 4 to {MAX_POINTS:,} (default: 30)",
    )
    parser.add_argument(
        "--noise",
        type=float_option(0, 1),
        default=0.3,
        help="standard deviation of the noise added to the two moons, 0 to 1 (default: 0.3)",
    )
    parser.add_argument(
        "--hidden",
        type=int_option(1, MAX_HIDDEN),
        default=64,
        help=f"units in each of the two hidden layers, 1 to {MAX_HIDDEN} (default: 64)",
    )
    parser.add_argument(
        "--epochs",
        type=int_option(1, MAX_EPOCHS),
        default=200,
        help=f"epochs (full-batch Adam steps, lr {LR:g}), 1 to {MAX_EPOCHS:,} (default: 200)",
    )
    parser.add_argument(
        "--weight-decay",
        type=float_option(0, 1 / LR, exclusive_minimum=True, exclusive_maximum=True),
        default=2.0,
        help=f"AdamW's weight_decay, > 0 and < {1 / LR:g} (= 1/lr) (default: 2)",
    )
    parser.add_argument(
        "--dropout",
        type=float_option(0, 1, exclusive_minimum=True, exclusive_maximum=True),
        default=0.5,
        help="dropout probability p after each hidden layer, 0 < p < 1 (default: 0.5)",
    )
    parser.add_argument(
        "--patience",
        type=int_option(1, MAX_EPOCHS),
        default=20,
        help="early stopping: epochs without a better validation loss before stopping "
        f"(default: 20), 1 to {MAX_EPOCHS:,}",
    )
    lang_option(parser)


class StopTraining(Exception):
    """Raised by :class:`EarlyStopping` to end :func:`~micrograd_mlp.training.fit` after an
    epoch; every callback's ``on_train_end`` still runs (``fit`` calls them in a ``finally``).
    The caller catches it; the run's record is the callback's ``history``."""


class EarlyStopping(Callback):
    """Stop training when the loss on held-out data has not improved for ``patience`` epochs,
    and put back the weights of the best epoch (Keras's ``EarlyStopping`` with
    ``restore_best_weights=True``).

    After every epoch it evaluates the model on ``data`` (evaluation mode, no graph). An epoch
    improves when its loss is below the best so far minus ``min_delta``; the weights are then
    copied (``model.state_dict()``). After ``patience`` epochs without an improvement it
    raises :class:`StopTraining`; at the end of training, also an early one, the best weights
    are loaded back into the model.

    Args:
        data: ``(X, y)`` arrays or an iterable of batches: the validation set, never the test
            set (the test set must not choose anything).
        patience: positive int. min_delta: float >= 0.

    Attributes:
        losses: the validation loss after each epoch (list). best_epoch: 1-based epoch of the
            lowest one (0 before any). stopped_epoch: the epoch after which training stopped
            (None if it ran to the end). history: the run's History (also after a stop).
    """

    def __init__(self, data, patience: int = 10, min_delta: float = 0.0) -> None:
        if patience < 1 or min_delta < 0:
            raise ValueError(
                f"EarlyStopping: patience must be >= 1 and min_delta >= 0, got {patience!r}, "
                f"{min_delta!r}"
            )
        self.data, self.patience, self.min_delta = data, patience, min_delta
        self.losses: list[float] = []
        self.best_epoch, self.stopped_epoch = 0, None
        self.best_state: dict[str, np.ndarray] | None = None
        self.history = None

    def on_train_begin(self, run: Run) -> None:
        self.history = run.history

    def on_epoch_end(self, run: Run) -> None:
        loss = evaluate(run.model, self.data, run.loss_fn).loss
        self.losses.append(loss)
        epoch = run.epoch + 1
        if self.best_state is None or loss < min(self.losses[:-1]) - self.min_delta:
            self.best_epoch = epoch
            self.best_state = {k: v.copy() for k, v in run.model.state_dict().items()}
        elif epoch - self.best_epoch >= self.patience:
            self.stopped_epoch = epoch
            raise StopTraining(f"no better validation loss for {self.patience} epochs")

    def on_train_end(self, run: Run) -> None:
        if self.best_state is not None:
            run.model.load_state_dict(self.best_state)


class Curves(Callback):
    """After every epoch, the loss and accuracy on each named data set, in evaluation mode.

    Args:
        sets: ``{name: (X, y)}``.

    Attributes:
        loss, accuracy: ``{name: [value per epoch]}``.
    """

    def __init__(self, sets: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        self.sets = sets
        self.loss: dict[str, list[float]] = {name: [] for name in sets}
        self.accuracy: dict[str, list[float]] = {name: [] for name in sets}

    def on_epoch_end(self, run: Run) -> None:
        for name, data in self.sets.items():
            result = evaluate(run.model, data, run.loss_fn, accuracy)
            self.loss[name].append(result.loss)
            self.accuracy[name].append(result.metric)


@dataclass
class Outcome:
    """One setting's run: ``curves`` (loss and accuracy per epoch on ``train``, ``test`` and,
    for early stopping, ``validation``), the final model's figures, and early stopping's
    epochs (0 / None for the other settings)."""

    model: MLP
    curves: Curves
    train_loss: float
    test_loss: float
    test_accuracy: float
    best_epoch: int = 0
    stopped_epoch: int | None = None

    @property
    def gap(self) -> float:
        """Test loss minus training loss of the final model."""
        return self.test_loss - self.train_loss


def make_data(points: int, noise: float, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Training, validation and test sets of two moons, all with the same ``noise``.

    Returns:
        ``{"train": (X (points, 2) float64, y (points,) int64), "validation": (30 points),
        "test": (500 points)}``, from one generator seeded with ``seed``.
    """
    rng = np.random.default_rng(seed)
    sizes = {"train": points, "validation": VALIDATION_POINTS, "test": TEST_POINTS}
    return {name: make_moons(n, noise, seed=rng) for name, n in sizes.items()}


def train_setting(
    setting: str, data: dict, hidden: int, epochs: int, seed: int, args: argparse.Namespace
) -> Outcome:
    """Train ``MLP(2, [hidden, hidden, 2])`` (tanh, float64, initial weights from ``seed``,
    the same in every setting) with full-batch Adam at lr ``LR`` under ``setting``.

    Args:
        setting: one of :data:`SETTINGS`. data: from :func:`make_data`.
        args: ``weight_decay``, ``dropout`` and ``patience`` of the remedies.

    Returns:
        The :class:`Outcome`; its model holds the final weights (early stopping: its best
        epoch's).
    """
    dropout = args.dropout if setting == "dropout" else 0.0
    model = MLP(2, [hidden, hidden, 2], "tanh", seed=seed, dtype=np.float64, dropout=dropout)
    if setting == "weight_decay":
        optimizer = AdamW(model.parameters(), lr=LR, weight_decay=args.weight_decay)
    else:
        optimizer = Adam(model.parameters(), lr=LR)
    sets = {"train": data["train"], "test": data["test"]}
    if setting == "early_stopping":
        sets["validation"] = data["validation"]
    curves = Curves(sets)
    callbacks: list[Callback] = [curves]
    stopper = None
    if setting == "early_stopping":
        stopper = EarlyStopping(data["validation"], patience=args.patience)
        callbacks.append(stopper)
    X, y = data["train"]
    with contextlib.suppress(StopTraining):  # EarlyStopping ended the run after an epoch
        fit(model, X, y, cross_entropy, optimizer, epochs, seed=seed, callbacks=callbacks)
    train = evaluate(model, data["train"], cross_entropy, accuracy)
    test = evaluate(model, data["test"], cross_entropy, accuracy)
    outcome = Outcome(model, curves, train.loss, test.loss, test.metric)
    if stopper is not None:
        outcome.best_epoch, outcome.stopped_epoch = stopper.best_epoch, stopper.stopped_epoch
    return outcome


def _probabilities(model: MLP, grid: np.ndarray) -> np.ndarray:
    model.eval()
    with no_grad():
        p = softmax(model(grid), axis=-1).data[:, 1]
    model.train()
    return p


def _plot(outcomes: dict, data: dict, names: dict, text: Text) -> Figure:
    fig = Figure(figsize=(15.0, 7.6), layout="constrained")
    axes = fig.subplots(2, len(outcomes), sharey="row")
    X, y = data["train"]
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 150), np.linspace(lo[1], hi[1], 150))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    plain = outcomes["plain"].curves
    for k, (setting, outcome) in enumerate(outcomes.items()):
        top, bottom = axes[0, k], axes[1, k]
        curves = outcome.curves
        if setting == "early_stopping":  # the plain run it cuts short, for comparison
            for part in ("train", "test"):
                epochs = np.arange(1, len(plain.loss[part]) + 1)
                top.plot(epochs, plain.loss[part], color=COLORS[part], alpha=0.25, linewidth=1)
        for part, values in curves.loss.items():
            top.plot(
                np.arange(1, len(values) + 1),
                values,
                color=COLORS[part],
                linewidth=2,
                label=text(f"plot.{part}"),
            )
        if setting == "early_stopping":
            top.axvline(outcome.best_epoch, color="0.3", linestyle="--", linewidth=1)
            top.text(
                outcome.best_epoch,
                0.98,
                " " + text("plot.kept", epoch=outcome.best_epoch),
                transform=top.get_xaxis_transform(),
                va="top",
                fontsize=9,
            )
        top.set(
            title=f"{names[setting]}\n" + text("plot.gap", gap=outcome.gap),
            xlabel=text("plot.epoch"),
            yscale="log",
        )
        top.grid(alpha=0.3)
        top.legend(loc="lower left", fontsize=9)
        p = _probabilities(outcome.model, grid).reshape(g0.shape)
        bottom.contourf(g0, g1, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        bottom.contour(g0, g1, p, levels=[0.5], colors="k", linewidths=1.5)
        bottom.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="k", s=30)
        bottom.set(
            title=text("plot.regions", accuracy=100 * outcome.test_accuracy),
            xlabel="$x_1$",
            aspect="equal",
        )
    axes[0, 0].set_ylabel(text("plot.loss"))
    axes[1, 0].set_ylabel("$x_2$")
    fig.suptitle(text("plot.title", points=len(y)))
    return fig


def measure(args: argparse.Namespace) -> tuple[dict, dict[str, Outcome]]:
    """The data (:func:`make_data`) and the :class:`Outcome` of every setting of
    :data:`SETTINGS`, for the options in ``args`` (``points``, ``noise``, ``hidden``,
    ``epochs``, ``seed``, ``weight_decay``, ``dropout``, ``patience``)."""
    data = make_data(args.points, args.noise, args.seed)
    # Small matrix products: one BLAS thread is faster than several, which only contend.
    with threadpool_limits(limits=1, user_api="blas"):
        outcomes = {
            setting: train_setting(setting, data, args.hidden, args.epochs, args.seed, args)
            for setting in SETTINGS
        }
    return data, outcomes


def summary(outcomes: dict[str, Outcome]) -> dict:
    """The numbers of :func:`run`'s table and stories (see its Returns)."""
    plain, stopper = outcomes["plain"], outcomes["early_stopping"]
    test_curve = plain.curves.loss["test"]
    return {
        "train_loss": {s: o.train_loss for s, o in outcomes.items()},
        "test_loss": {s: o.test_loss for s, o in outcomes.items()},
        "gap": {s: o.gap for s, o in outcomes.items()},
        "gap_ratio": {s: o.gap / plain.gap for s, o in outcomes.items()},
        "test_accuracy": {s: o.test_accuracy for s, o in outcomes.items()},
        "curves": {s: dict(o.curves.loss) for s, o in outcomes.items()},
        "plain_best_test_epoch": int(np.argmin(test_curve)) + 1,
        "best_epoch": stopper.best_epoch,
        "stopped_epoch": stopper.stopped_epoch,
    }


def run(args: argparse.Namespace) -> dict:
    """Train the four settings, print the table and what happened, draw.

    Returns:
        ``{"lang", "train_loss", "test_loss", "gap", "gap_ratio" (gap / the plain run's),
        "test_accuracy": {setting: float}, "curves": {setting: {"train"|"test"|"validation":
        [loss per epoch]}}, "plain_best_test_epoch" (1-based epoch of the plain run's lowest
        test loss), "best_epoch", "stopped_epoch" (early stopping's kept epoch and the epoch
        it stopped after; None if it never stopped), "plot": path}``.
    """
    lang = chosen_lang(args)
    text, names = texts("overfitting", lang), _names(lang, args)
    print(text("title"))
    print(
        text(
            "setup",
            points=args.points,
            noise=args.noise,
            hidden=args.hidden,
            epochs=args.epochs,
            lr=LR,
            validation=VALIDATION_POINTS,
            test=TEST_POINTS,
        )
    )
    data, outcomes = measure(args)
    result = summary(outcomes)
    width = max(columns(name) for name in names.values()) + 2
    print(text("table_header", setting=_ljust(text("col.setting"), width)))
    for setting, outcome in outcomes.items():
        print(
            text(
                "table_row",
                setting=_ljust(names[setting], width),
                train=outcome.train_loss,
                test=outcome.test_loss,
                gap=outcome.gap,
                ratio=result["gap_ratio"][setting],
                accuracy=100 * outcome.test_accuracy,
            )
        )
    plain, stopper = outcomes["plain"], outcomes["early_stopping"]
    best = result["plain_best_test_epoch"]
    print(
        text(
            "plain_story",
            best=best,
            best_loss=plain.curves.loss["test"][best - 1],
            epochs=args.epochs,
            final=plain.curves.loss["test"][-1],
            train_best=plain.curves.loss["train"][best - 1],
            train_final=plain.curves.loss["train"][-1],
        )
    )
    if stopper.stopped_epoch is None:
        print(text("early_not_stopped", epochs=args.epochs, best=stopper.best_epoch))
    else:
        print(
            text(
                "early_story",
                best=stopper.best_epoch,
                stopped=stopper.stopped_epoch,
                patience=args.patience,
                test=stopper.test_loss,
                plain=plain.test_loss,
            )
        )
    print(text("explanation"))
    path = save_plot(
        lambda chosen: _plot(outcomes, data, _names(chosen, args), texts("overfitting", chosen)),
        Path(args.out) / PICTURES[0],
        lang,
    )
    print(text("wrote", path=path))
    return {"lang": lang, **result, "plot": path}


def _names(lang: str, args: argparse.Namespace) -> dict[str, str]:
    text = texts("overfitting", lang)
    return {
        "plain": text("name.plain"),
        "weight_decay": text("name.weight_decay", weight_decay=args.weight_decay),
        "dropout": text("name.dropout", p=args.dropout),
        "early_stopping": text("name.early_stopping", patience=args.patience),
    }


def _ljust(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (a Hangul character takes two)."""
    return text + " " * max(0, width - columns(text))
