"""PyTorch's loss function parameters, number by number: what each option changes.

One small batch you can read: N = 4 samples, C = 3 classes, logits ``x`` with two decimals and
class indices ``y``. For each option the demo prints the input, the target, the loss and the
gradient d loss/d x, next to what the option changes compared with the default (the semantics
are those of PyTorch's documentation of ``torch.nn.CrossEntropyLoss``, ``torch.nn.NLLLoss`` and
``torch.nn.BCEWithLogitsLoss``):

1. ``reduction``: ``"none"`` keeps the N per-sample losses, ``"sum"`` adds them, ``"mean"``
   (the default) divides the sum by N, and its gradient is the ``"sum"`` gradient over N;
2. ``weight`` (one per class): sample n's loss is multiplied by ``w[y_n]`` and the weighted
   mean divides by ``sum_n w[y_n]``, not by N;
3. ``ignore_index``: the samples with that target cost nothing, their gradient rows are 0, and
   the mean divides by the number of the other samples;
4. ``label_smoothing = eps``: the target becomes ``(1 - eps) onehot(y) + eps / C``;
5. class probabilities as the target: one-hot probabilities give the class-index loss, soft
   ones the loss ``-sum_c p_c log softmax(x)_c``;
6. ``NLLLoss`` on ``log_softmax`` is ``CrossEntropyLoss`` (same value, same gradient); this
   library has no ``nll_loss``, so the demo picks ``-log_softmax(x)[n, y_n]`` by indexing;
7. ``pos_weight`` of ``binary_cross_entropy_with_logits`` on multi-label targets: where the
   target is 1 the loss and its gradient are multiplied by ``pos_weight[c]``.

Every number comes from the Tensor engine in float64; the scalar engine (``Value``) computes
the same cases and the demo prints the largest difference. When PyTorch is installed, every
case is computed by ``torch.nn.functional`` too and the demo says that the numbers agree;
otherwise it says they were not checked. ``--lang ko`` prints in Korean (option names stay).

Writes ``loss_options.png`` under ``--out``: the gradient d loss/d x under each option, as
heat maps with their numbers.
"""

from __future__ import annotations

import argparse
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from micrograd_mlp import functional as SF
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.engine import Value
from micrograd_mlp.messages import message
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor import functional as TF
from micrograd_mlp.viz.fonts import plot_lang, plot_rc
from micrograd_mlp.viz.plots import save_figure

COMMAND = "loss-options"
HELP = (
    "PyTorch's loss function parameters (reduction, weight, ignore_index, label_smoothing, "
    "pos_weight) on a small batch: loss, gradient and what each option changes"
)
BUILTIN_DATA = True
#: Common options this command takes but does not use (the CLI's help says so).
UNUSED_OPTIONS = {"--seed": "the batch is fixed: nothing is random"}
#: The files ``run`` writes under ``--out``.
PICTURES = ("loss_options.png",)

#: The batch: logits x (N, C), class indices y (N,), soft targets (N, C) and the 0/1 targets of
#: the multi-label (binary cross-entropy) case (N, C). Every class is some sample's target, one
#: of them twice, so the weighted mean's denominator differs from N and from sum(weight).
LOGITS = np.array(
    [[1.20, -0.50, 0.30], [0.10, 2.00, -1.00], [-0.40, 0.60, 0.90], [0.80, 0.20, -0.70]]
)
TARGETS = np.array([0, 1, 2, 2])
SOFT_TARGETS = np.array(
    [[0.70, 0.20, 0.10], [0.10, 0.80, 0.10], [0.00, 0.30, 0.70], [0.20, 0.20, 0.60]]
)
MULTI_LABELS = np.array([[1, 0, 1], [0, 1, 1], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
#: The defaults of the options a learner may change.
WEIGHT, IGNORE_INDEX, LABEL_SMOOTHING = (1.0, 3.0, 0.5), 1, 0.1
#: The largest difference from PyTorch (or between the engines) reported as agreement.
TOLERANCE = 1e-12


@dataclass(frozen=True)
class Batch:
    """The numbers every case is computed on: ``x`` (N, C) float64 logits, ``y`` (N,) int64
    class indices, ``weight`` (C,) float64, ``ignore_index`` (a class), ``smoothing`` (eps in
    (0, 1]), ``soft`` (N, C) class probabilities and ``labels`` (N, C) 0/1 float64 targets of
    the binary case."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    ignore_index: int
    smoothing: float
    soft: np.ndarray
    labels: np.ndarray

    @property
    def onehot(self) -> np.ndarray:
        """``onehot(y)``: (N, C) float64."""
        return np.eye(self.x.shape[1])[self.y]

    @property
    def smoothed(self) -> np.ndarray:
        """The label-smoothed target ``(1 - eps) onehot(y) + eps / C``: (N, C) float64."""
        return (1.0 - self.smoothing) * self.onehot + self.smoothing / self.x.shape[1]

    @property
    def pos_weight(self) -> np.ndarray:
        """``negatives / positives`` of each class of ``labels`` (C,): the value PyTorch's
        documentation of ``BCEWithLogitsLoss`` suggests for ``pos_weight``."""
        positives = self.labels.sum(axis=0)
        return (len(self.labels) - positives) / positives

    def options(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The keyword arguments ``names`` (``weight``, ``ignore_index``, ``label_smoothing``,
        ``pos_weight``) with this batch's values (arrays stay NumPy arrays)."""
        values = {
            "weight": self.weight,
            "ignore_index": self.ignore_index,
            "label_smoothing": self.smoothing,
            "pos_weight": self.pos_weight,
        }
        return {name: values[name] for name in names}


def make_batch(
    weight: tuple[float, ...] = WEIGHT,
    ignore_index: int = IGNORE_INDEX,
    smoothing: float = LABEL_SMOOTHING,
) -> Batch:
    """The demo's batch with these option values (see :class:`Batch`)."""
    return Batch(
        x=LOGITS.copy(),
        y=TARGETS.astype(np.int64),
        weight=np.array(weight, dtype=np.float64),
        ignore_index=ignore_index,
        smoothing=smoothing,
        soft=SOFT_TARGETS.copy(),
        labels=MULTI_LABELS.copy(),
    )


@dataclass(frozen=True)
class Case:
    """One computation: ``loss`` (``"cross_entropy"``, ``"nll"`` = NLL of ``log_softmax``,
    ``"log_softmax"``, ``"bce_with_logits"``) of the batch's logits against the batch attribute
    ``target`` (``"y"``, ``"onehot"``, ``"smoothed"``, ``"soft"``, ``"labels"``), with the batch
    ``options`` and ``reduction``; ``grad``: whether d loss/d x is taken (scalar losses only)."""

    loss: str
    target: str = "y"
    options: tuple[str, ...] = ()
    reduction: str = "mean"
    grad: bool = True


#: Every case the demo prints, by the key its results are stored under.
CASES: dict[str, Case] = {
    "none": Case("cross_entropy", reduction="none", grad=False),
    "sum": Case("cross_entropy", reduction="sum"),
    "mean": Case("cross_entropy"),
    "weight_none": Case("cross_entropy", options=("weight",), reduction="none", grad=False),
    "weight_mean": Case("cross_entropy", options=("weight",)),
    "ignore_none": Case("cross_entropy", options=("ignore_index",), reduction="none", grad=False),
    "ignore_mean": Case("cross_entropy", options=("ignore_index",)),
    "smoothing_mean": Case("cross_entropy", options=("label_smoothing",)),
    "smoothed_probabilities": Case("cross_entropy", target="smoothed"),
    "onehot_mean": Case("cross_entropy", target="onehot"),
    "soft_mean": Case("cross_entropy", target="soft"),
    "log_softmax": Case("log_softmax", reduction="none", grad=False),
    "nll_mean": Case("nll"),
    "bce_none": Case("bce_with_logits", target="labels", reduction="none", grad=False),
    "bce_mean": Case("bce_with_logits", target="labels"),
    "pos_weight_none": Case(
        "bce_with_logits", target="labels", options=("pos_weight",), reduction="none", grad=False
    ),
    "pos_weight_mean": Case("bce_with_logits", target="labels", options=("pos_weight",)),
}

#: One computed case: the loss (an array: () for a reduced loss) and d loss/d x (or None).
Result = tuple[np.ndarray, np.ndarray | None]


def tensor_case(case: Case, batch: Batch) -> Result:
    """``case`` by the Tensor engine (float64): ``micrograd_mlp.tensor.functional``; the NLL by
    indexing ``log_softmax`` (this library has no ``nll_loss``)."""
    x = Tensor(batch.x.copy(), requires_grad=True)
    target = getattr(batch, case.target)
    options = batch.options(case.options)
    if case.loss == "cross_entropy":
        out = TF.cross_entropy(x, target, reduction=case.reduction, **options)
    elif case.loss == "bce_with_logits":
        out = TF.binary_cross_entropy_with_logits(x, target, reduction=case.reduction, **options)
    elif case.loss == "log_softmax":
        out = TF.log_softmax(x, axis=1)
    else:  # "nll": -log_softmax(x)[n, y_n], averaged
        out = -TF.log_softmax(x, axis=1)[np.arange(len(target)), target].mean()
    if case.grad:
        out.backward()
        return np.array(out.data), np.array(x.grad)
    return np.array(out.data), None


def scalar_case(case: Case, batch: Batch) -> Result:
    """``case`` by the scalar engine: ``micrograd_mlp.functional`` on rows of ``Value``s (the
    binary loss on the flattened batch, ``pos_weight`` repeated for every sample)."""
    rows = [[Value(float(v)) for v in row] for row in batch.x]
    target = getattr(batch, case.target)
    options = {
        k: np.broadcast_to(v, batch.x.shape).ravel().tolist() if k == "pos_weight" else v
        for k, v in batch.options(case.options).items()
    }
    if "weight" in options:
        options["weight"] = batch.weight.tolist()
    if case.loss == "cross_entropy":
        out = SF.cross_entropy(rows, target.tolist(), reduction=case.reduction, **options)
    elif case.loss == "bce_with_logits":
        flat = [v for row in rows for v in row]
        out = SF.binary_cross_entropy_with_logits(
            flat, target.ravel().tolist(), reduction=case.reduction, **options
        )
    elif case.loss == "log_softmax":
        out = [q for row in rows for q in SF.log_softmax(row)]
    else:
        picked = [SF.log_softmax(row)[t] for row, t in zip(rows, target.tolist())]
        out = -Value.sum(picked) / len(picked)
    if isinstance(out, list):
        data = np.array([v.data for v in out])
        value = data.reshape(batch.x.shape) if data.size == batch.x.size else data
    else:
        value = np.array(out.data)
    if not case.grad:
        return value, None
    out.backward()
    return value, np.array([[v.grad for v in row] for row in rows])


def torch_case(torch: Any, case: Case, batch: Batch) -> Result:
    """``case`` by ``torch.nn.functional`` in float64 (``torch``: the imported module); the
    NLL is PyTorch's ``F.nll_loss(F.log_softmax(x, dim=1), y)``."""
    F = torch.nn.functional
    x = torch.tensor(batch.x, requires_grad=True)
    target = torch.tensor(getattr(batch, case.target))
    options = {
        k: torch.tensor(v) if isinstance(v, np.ndarray) else v
        for k, v in batch.options(case.options).items()
    }
    if case.loss == "cross_entropy":
        out = F.cross_entropy(x, target, reduction=case.reduction, **options)
    elif case.loss == "bce_with_logits":
        out = F.binary_cross_entropy_with_logits(x, target, reduction=case.reduction, **options)
    elif case.loss == "log_softmax":
        out = F.log_softmax(x, dim=1)
    else:
        out = F.nll_loss(F.log_softmax(x, dim=1), target)
    if case.grad:
        out.backward()
        return out.detach().numpy(), x.grad.numpy()
    return out.detach().numpy(), None


def compute(batch: Batch, engine=tensor_case) -> dict[str, Result]:
    """Every case of :data:`CASES` by ``engine`` (:func:`tensor_case`, :func:`scalar_case` or
    ``functools.partial(torch_case, torch)``)."""
    return {key: engine(case, batch) for key, case in CASES.items()}


def largest_difference(a: dict[str, Result], b: dict[str, Result]) -> float:
    """The largest absolute difference between two engines' results, values and gradients."""
    worst = 0.0
    for key, (value, grad) in a.items():
        other_value, other_grad = b[key]
        worst = max(worst, float(np.max(np.abs(value - other_value))))
        if grad is not None:
            worst = max(worst, float(np.max(np.abs(grad - other_grad))))
    return worst


def torch_check(batch: Batch, results: dict[str, Result]) -> tuple[str | None, float | None]:
    """PyTorch's version and its largest difference from ``results``, or (None, None) when
    ``torch`` cannot be imported (it is optional: ``pip install torch``)."""
    try:
        import torch
    except ImportError:
        return None, None
    reference = {key: torch_case(torch, case, batch) for key, case in CASES.items()}
    return torch.__version__.split("+")[0], largest_difference(results, reference)


# ----------------------------------------------------------------------------- printing
def number(v: float) -> str:
    """A loss, gradient or probability as printed: 4 decimals (``-0.0797``, ``0.8642``)."""
    return f"{v:.4f}"


def row_text(values: np.ndarray) -> str:
    """One row of a printed table of losses or gradients: 4 decimals, 7 wide, one space apart."""
    return " ".join(f"{v:7.4f}" for v in np.atleast_1d(values))


def _input_row(values: np.ndarray) -> str:
    return " ".join(f"{v:5.2f}" for v in values)


def _vector(values: np.ndarray, decimals: int = 4) -> str:
    return "[" + ", ".join(f"{v:.{decimals}f}" for v in values) + "]"


def _width(text: str) -> int:
    """Terminal columns of ``text``: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(columns: list[tuple[str, list[str]]]) -> list[str]:
    """Lines of a table, indented by 2: each column is a header and one cell per row; columns
    are left-aligned, 3 spaces apart, wide (Korean) characters counted as two columns."""
    widths = [max(_width(h), *(_width(c) for c in cells)) for h, cells in columns]

    def line(cells: list[str]) -> str:
        return "  " + "   ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    rows = len(columns[0][1])
    return [line([h for h, _ in columns])] + [line([c[i] for _, c in columns]) for i in range(rows)]


def _print_table(columns: list[tuple[str, list[str]]]) -> None:
    print("\n".join(table(columns)))


def _rows(matrix: np.ndarray) -> list[str]:
    return [row_text(r) for r in np.atleast_2d(matrix)]


def _column(vector: np.ndarray) -> list[str]:
    return [f"{v:7.4f}" for v in vector]


def _print_inputs(batch: Batch, lang: str) -> None:
    n, c = batch.x.shape
    print(message("loss_options.title", lang, n=n, c=c))
    print(message("loss_options.engine", lang))
    print(message("loss_options.inputs", lang))
    _print_table([
        ("n", [str(i) for i in range(n)]),
        (message("loss_options.col.x", lang, last=c - 1), [_input_row(r) for r in batch.x]),
        ("y", [str(t) for t in batch.y]),
    ])  # fmt: skip


def _section_reduction(r: dict[str, Result], batch: Batch, lang: str) -> None:
    n = len(batch.y)
    print(message("loss_options.reduction.title", lang))
    _print_table([
        ("n", [str(i) for i in range(n)]),
        (message("loss_options.col.none", lang), _column(r["none"][0])),
        (message("loss_options.reduction.col_sum", lang), _rows(r["sum"][1])),
        (message("loss_options.reduction.col_mean", lang, n=n), _rows(r["mean"][1])),
    ])  # fmt: skip
    total, mean = number(r["sum"][0]), number(r["mean"][0])
    print(message("loss_options.reduction.sum", lang, last=n - 1, total=total))
    print(message("loss_options.reduction.mean", lang, total=total, n=n, mean=mean))
    print(message("loss_options.reduction.none", lang, n=n))
    print(message("loss_options.reduction.grad", lang, n=n))


def _section_weight(r: dict[str, Result], batch: Batch, lang: str) -> None:
    n, w = len(batch.y), batch.weight
    wy = w[batch.y]
    denominator = f"{wy.sum():.2f}"
    print(message("loss_options.weight.title", lang, w=_vector(w, 2)))
    _print_table([
        ("n", [str(i) for i in range(n)]),
        ("y", [str(t) for t in batch.y]),
        ("w[y_n]", [f"{v:.2f}" for v in wy]),
        (message("loss_options.weight.col_none", lang), _column(r["weight_none"][0])),
        (message("loss_options.col.grad_mean", lang), _rows(r["weight_mean"][1])),
    ])  # fmt: skip
    fields = dict(
        total=number(r["weight_none"][0].sum()),
        denominator=denominator,
        mean=number(r["weight_mean"][0]),
        n=n,
        sum_w=f"{w.sum():.2f}",
        plain=number(r["mean"][0]),
    )
    print(message("loss_options.weight.mean", lang, **fields))
    print(message("loss_options.weight.denominator", lang, **fields))
    print(message("loss_options.weight.grad", lang, **fields))


def _section_ignore(r: dict[str, Result], batch: Batch, lang: str) -> None:
    n, k = len(batch.y), batch.ignore_index
    skipped = np.flatnonzero(batch.y == k)
    counted = n - len(skipped)
    print(message("loss_options.ignore.title", lang, k=k, rows=", ".join(map(str, skipped))))
    _print_table([
        ("n", [str(i) for i in range(n)]),
        ("y", [str(t) for t in batch.y]),
        (message("loss_options.col.none", lang), _column(r["ignore_none"][0])),
        (message("loss_options.col.grad_mean", lang), _rows(r["ignore_mean"][1])),
    ])  # fmt: skip
    fields = dict(
        total=number(r["ignore_none"][0].sum()),
        counted=counted,
        mean=number(r["ignore_mean"][0]),
        n=n,
        plain=number(r["mean"][0]),
    )
    print(message("loss_options.ignore.mean", lang, **fields))
    print(message("loss_options.ignore.grad", lang, **fields))


def _section_smoothing(r: dict[str, Result], batch: Batch, lang: str) -> None:
    n, c = batch.x.shape
    eps = batch.smoothing
    print(message("loss_options.smoothing.title", lang, eps=f"{eps:g}"))
    _print_table([
        ("n", [str(i) for i in range(n)]),
        ("y", [str(t) for t in batch.y]),
        (message("loss_options.smoothing.col_target", lang), _rows(batch.smoothed)),
        (message("loss_options.smoothing.col_grad", lang), _rows(r["smoothing_mean"][1])),
    ])  # fmt: skip
    print(message(
        "loss_options.smoothing.mean",
        lang,
        mean=number(r["smoothing_mean"][0]),
        plain=number(r["mean"][0]),
        as_probabilities=number(r["smoothed_probabilities"][0]),
    ))  # fmt: skip
    high, low = number(1.0 - eps + eps / c), number(eps / c)
    print(message("loss_options.smoothing.note", lang, high=high, low=low))


def _section_probabilities(r: dict[str, Result], batch: Batch, lang: str) -> None:
    n = len(batch.y)
    print(message("loss_options.probabilities.title", lang))
    print(message(
        "loss_options.probabilities.onehot",
        lang,
        onehot=number(r["onehot_mean"][0]),
        indices=number(r["mean"][0]),
        diff=f"{np.max(np.abs(r['onehot_mean'][1] - r['mean'][1])):.1e}",
    ))  # fmt: skip
    _print_table([
        ("n", [str(i) for i in range(n)]),
        (message("loss_options.probabilities.col_soft", lang), _rows(batch.soft)),
        (message("loss_options.probabilities.col_grad", lang), _rows(r["soft_mean"][1])),
    ])  # fmt: skip
    print(message("loss_options.probabilities.soft", lang, mean=number(r["soft_mean"][0])))


def _section_nll(r: dict[str, Result], batch: Batch, lang: str) -> None:
    n = len(batch.y)
    log_q = r["log_softmax"][0]
    print(message("loss_options.nll.title", lang))
    print(message("loss_options.nll.how", lang))
    _print_table([
        ("n", [str(i) for i in range(n)]),
        ("y", [str(t) for t in batch.y]),
        ("log_softmax(x)", _rows(log_q)),
        ("-log_softmax(x)[n, y_n]", _column(-log_q[np.arange(n), batch.y])),
    ])  # fmt: skip
    print(message(
        "loss_options.nll.equal",
        lang,
        nll=number(r["nll_mean"][0]),
        ce=number(r["mean"][0]),
        diff=f"{np.max(np.abs(r['nll_mean'][1] - r['mean'][1])):.1e}",
    ))  # fmt: skip


def _section_pos_weight(r: dict[str, Result], batch: Batch, lang: str) -> None:
    n, c = batch.labels.shape
    print(message("loss_options.pos_weight.title", lang))
    print(message("loss_options.pos_weight.targets", lang, r=_vector(batch.pos_weight)))
    rows = [str(i) for i in range(n)]
    _print_table([
        ("n", rows),
        ("t", [" ".join(f"{v:.0f}" for v in t) for t in batch.labels]),
        (message("loss_options.pos_weight.col_none", lang), _rows(r["bce_none"][0])),
        (message("loss_options.pos_weight.col_none_r", lang), _rows(r["pos_weight_none"][0])),
    ])  # fmt: skip
    _print_table([
        ("n", rows),
        (message("loss_options.pos_weight.col_grad", lang), _rows(r["bce_mean"][1])),
        (message("loss_options.pos_weight.col_grad_r", lang), _rows(r["pos_weight_mean"][1])),
    ])  # fmt: skip
    print(message(
        "loss_options.pos_weight.mean",
        lang,
        elements=n * c,
        plain=number(r["bce_mean"][0]),
        weighted=number(r["pos_weight_mean"][0]),
    ))  # fmt: skip
    print(message("loss_options.pos_weight.effect", lang))


SECTIONS = (
    _section_reduction,
    _section_weight,
    _section_ignore,
    _section_smoothing,
    _section_probabilities,
    _section_nll,
    _section_pos_weight,
)


# ----------------------------------------------------------------------------- the picture
#: The gradient tables drawn, in order (2 rows of 4 panels).
PANELS = (
    "mean",
    "sum",
    "weight_mean",
    "ignore_mean",
    "smoothing_mean",
    "soft_mean",
    "bce_mean",
    "pos_weight_mean",
)


def plot_gradients(results: dict[str, Result], batch: Batch, path: Path, lang: str) -> Path:
    """Heat maps of d loss/d x (rows: samples n, columns: classes c) for each of
    :data:`PANELS`, each cell with its number; written to ``path``.

    The cross-entropy panels share one colour scale, except ``"sum"``, drawn on a scale N times
    larger (it is N times ``"mean"``, so it looks like it); the binary panels share another.
    """
    lang = plot_lang(lang)
    n = len(batch.y)
    binary = ("bce_mean", "pos_weight_mean")
    shared = [k for k in PANELS if k not in binary and k != "sum"]
    ce_limit = max(float(np.max(np.abs(results[k][1]))) for k in shared)
    bce_limit = max(float(np.max(np.abs(results[k][1]))) for k in binary)
    limits = {k: bce_limit if k in binary else ce_limit for k in PANELS}
    limits["sum"] = n * ce_limit
    titles = {
        "sum": dict(n=n),
        "weight_mean": dict(w=_vector(batch.weight, 2)),
        "ignore_mean": dict(k=batch.ignore_index),
        "smoothing_mean": dict(eps=f"{batch.smoothing:g}"),
    }
    with rc_context(plot_rc(lang)):
        fig = Figure(figsize=(12.5, 7.0), layout="constrained")
        axes = fig.subplots(2, 4)
        for ax, key in zip(axes.flat, PANELS):
            g, limit = results[key][1], limits[key]
            ax.imshow(g, cmap="RdBu_r", vmin=-limit, vmax=limit)
            for (i, j), v in np.ndenumerate(g):
                colour = "white" if abs(v) > 0.6 * limit else "black"
                ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=9, color=colour)
            ax.set_title(message(f"loss_options.plot.{key}", lang, **titles.get(key, {})))
            ax.set_xticks(range(g.shape[1]))
            ax.set_yticks(range(g.shape[0]))
            ax.set(xlabel=message("loss_options.plot.xlabel", lang))
            ax.set(ylabel=message("loss_options.plot.ylabel", lang))
        fig.suptitle(message("loss_options.plot.title", lang))
        return save_figure(fig, path)


# ----------------------------------------------------------------------------- the command
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--weight``, ``--ignore-index``, ``--label-smoothing`` (the option values shown) and
    ``--lang``."""
    parser.add_argument(
        "--weight",
        type=float_option(0),
        nargs=3,
        metavar=("W0", "W1", "W2"),
        default=list(WEIGHT),
        help="cross-entropy's class weights, one per class, each >= 0 and not all 0 "
        "(default: 1 3 0.5)",
    )
    parser.add_argument(
        "--ignore-index",
        type=int_option(0, 2),
        default=IGNORE_INDEX,
        help=f"the class whose samples cross-entropy skips, 0 to 2 (default: {IGNORE_INDEX})",
    )
    parser.add_argument(
        "--label-smoothing",
        type=float_option(0, 1, exclusive_minimum=True),
        default=LABEL_SMOOTHING,
        help=f"eps of label smoothing, 0 < eps <= 1 (default: {LABEL_SMOOTHING:g})",
    )
    lang_option(parser, "the text and of the picture")


def run(args: argparse.Namespace) -> dict:
    """Compute every case in both engines (and PyTorch when installed), print and draw.

    Returns:
        ``{"batch": Batch, "results": {case key: (loss array, gradient (N, C) or None)}`` (the
        Tensor engine's numbers, which are printed), ``"scalar_difference"`` (largest
        difference of the scalar engine's, float), ``"torch_version"``, ``"torch_difference"``
        (None without PyTorch), ``"lang"``, ``"plot"`` (path)}.

    Raises:
        UserError: ``--weight`` all 0 (the weighted mean is 0/0), or ``$MICROGRAD_MLP_LANG``
            names an unknown language.
    """
    lang = chosen_lang(args)
    batch = make_batch(tuple(args.weight), args.ignore_index, args.label_smoothing)
    if not batch.weight[batch.y].sum() > 0:
        raise UserError(message("loss_options.error.weight", lang))
    results = compute(batch)
    scalar_difference = largest_difference(results, compute(batch, scalar_case))
    version, torch_difference = torch_check(batch, results)
    _print_inputs(batch, lang)
    for section in SECTIONS:
        section(results, batch, lang)
    print(message("loss_options.scalar", lang, diff=f"{scalar_difference:.1e}"))
    if version is None:
        print(message("loss_options.torch_missing", lang))
    else:
        verdict = "torch_ok" if torch_difference <= TOLERANCE else "torch_bad"
        diff = f"{torch_difference:.1e}"
        print(message(f"loss_options.{verdict}", lang, version=version, diff=diff))
    path = plot_gradients(results, batch, Path(args.out) / PICTURES[0], lang)
    print(message("loss_options.wrote", lang, path=path))
    return {
        "batch": batch,
        "results": results,
        "scalar_difference": scalar_difference,
        "torch_version": version,
        "torch_difference": torch_difference,
        "lang": lang,
        "plot": path,
    }
