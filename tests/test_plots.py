"""matplotlib pictures: each returns a Figure of the data, writes a PNG, rejects bad input."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from micrograd_mlp.viz import (
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_image_grid,
    plot_loss_curve,
    plot_regression_fit,
    plot_training_history,
    save_figure,
)

PNG = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 1000
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def lines(ax) -> list[tuple[str, np.ndarray, np.ndarray]]:
    return [(ln.get_label(), ln.get_xdata(), ln.get_ydata()) for ln in ax.get_lines()]


# --------------------------------------------------------------------------- loss curves
def test_loss_curve_single_series(tmp_path):
    losses = [2.0, 1.0, 0.5, 0.25]
    fig = plot_loss_curve(losses, tmp_path / "loss.png")
    assert isinstance(fig, Figure)
    assert_png(tmp_path / "loss.png")
    ((_, x, y),) = lines(fig.axes[0])
    assert list(x) == [0, 1, 2, 3] and list(y) == losses
    assert fig.axes[0].get_yscale() == "linear"


def test_loss_curve_named_series_accuracy_panel_and_log_scale():
    fig = plot_loss_curve(
        {"train": [1.0, 0.1, 0.01], "test": [1.5, 0.5]},
        accuracy={"train": [0.5, 0.9, 1.0]},
        log_scale=True,
    )
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_yscale() == "log"
    assert [(n, list(y)) for n, _, y in lines(loss_ax)] == [
        ("train", [1.0, 0.1, 0.01]),
        ("test", [1.5, 0.5]),
    ]
    assert [(n, list(y)) for n, _, y in lines(acc_ax)] == [("train", [0.5, 0.9, 1.0])]
    assert loss_ax.get_legend() is not None


@pytest.mark.parametrize(
    "losses, kwargs, match",
    [
        ([], {}, "non-empty 1-D"),
        ([[1.0, 2.0]], {}, r"shape \(1, 2\)"),
        (["a", "b"], {}, "sequence of numbers"),
        ({}, {}, "empty mapping"),
        ({"train": []}, {}, "'train'"),
        ([1.0, 0.0], {"log_scale": True}, "positive losses; series 'loss' has minimum 0"),
    ],
)
def test_loss_curve_rejects_bad_input(losses, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_loss_curve(losses, **kwargs)


# --------------------------------------------------------------------------- training history
HISTORY = [
    {"epoch": e, "train_loss": 1 / e, "test_loss": 1.5 / e, "train_acc": 1 - 0.2 / e, "lr": 0.1}
    for e in (1, 2, 3)
]


def test_training_history_from_records_and_columns_agree(tmp_path):
    columns = {k: [r[k] for r in HISTORY] for k in HISTORY[0]}
    a = plot_training_history(HISTORY, tmp_path / "a" / "history.png")
    b = plot_training_history(columns)
    assert_png(tmp_path / "a" / "history.png")
    assert len(a.axes) == len(b.axes) == 2  # the learning rate is not plotted
    for ax_a, ax_b in zip(a.axes, b.axes):
        for (na, xa, ya), (nb, xb, yb) in zip(lines(ax_a), lines(ax_b), strict=True):
            assert na == nb and list(xa) == list(xb) == [1, 2, 3] and list(ya) == list(yb)
    assert [n for n, _, _ in lines(a.axes[0])] == ["train", "test"]
    assert [list(y) for n, _, y in lines(a.axes[1])] == [[1 - 0.2, 1 - 0.1, 1 - 0.2 / 3]]
    assert a.axes[0].get_xlabel() == "epoch"


def test_training_history_without_epoch_counts_from_one():
    fig = plot_training_history({"loss": [0.9, 0.4]})
    assert len(fig.axes) == 1
    assert list(lines(fig.axes[0])[0][1]) == [1, 2]


def test_training_history_rejects_bad_input():
    with pytest.raises(ValueError, match=r"no loss series .* \['accuracy', 'epoch'\]"):
        plot_training_history({"epoch": [1], "accuracy": [0.5]})
    with pytest.raises(ValueError, match="epoch has 3 entries but loss series 'train' has 2"):
        plot_training_history({"epoch": [1, 2, 3], "train_loss": [0.5, 0.4]})
    with pytest.raises(ValueError, match="list of per-epoch dicts"):
        plot_training_history([])


# --------------------------------------------------------------------------- decision boundary
def make_blobs(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 2)) * 0.5 + np.where(y[:, None] == 1, 1.5, -1.5)
    return X, y


def test_decision_boundary_evaluates_a_grid_covering_the_data(tmp_path):
    X, y = make_blobs()
    seen = []

    def predict(points):
        seen.append(points)
        return points.sum(axis=1)  # a linear score; the boundary is x1 + x2 = 0

    fig = plot_decision_boundary(predict, X, y, tmp_path / "boundary.png", resolution=30)
    assert_png(tmp_path / "boundary.png")
    (grid,) = seen
    assert grid.shape == (900, 2) and grid.dtype == np.float64
    assert np.all(grid.min(axis=0) < X.min(axis=0)) and np.all(grid.max(axis=0) > X.max(axis=0))
    ax = fig.axes[0]
    # One scatter per class holding exactly that class's points.
    by_class = {
        c.get_label(): np.asarray(c.get_offsets())
        for c in ax.collections
        if not c.get_label().startswith("_")  # matplotlib's names for unlabelled artists
    }
    assert sorted(by_class) == ["0", "1"]
    np.testing.assert_array_equal(by_class["1"], X[y == 1])
    assert len(fig.axes) == 2  # scores get a colour bar


def test_decision_boundary_with_labels_colours_regions_by_class():
    X, y = make_blobs()
    fig = plot_decision_boundary(
        lambda p: (p[:, 0] > 0).astype(int).reshape(-1, 1), X, y, resolution=20
    )
    assert len(fig.axes) == 1  # labels: no colour bar
    points = {c.get_label(): c for c in fig.axes[0].collections if c.get_label() in ("0", "1")}
    assert to_rgba(points["0"].get_facecolor()[0]) != to_rgba(points["1"].get_facecolor()[0])


@pytest.mark.parametrize(
    "X, y, predict, match",
    [
        (np.zeros((5, 3)), np.zeros(5), None, r"X must have shape \(N, 2\), got \(5, 3\)"),
        (np.zeros((0, 2)), np.zeros(0), None, r"got \(0, 2\)"),
        (np.zeros((5, 2)), np.zeros(4), None, r"X has shape \(5, 2\) but y has shape \(4,\)"),
        (np.full((5, 2), np.nan), np.zeros(5), None, "NaN"),
        (np.eye(2), np.zeros(2), lambda p: p, r"returned shape \(100, 2\) for \(100, 2\) grid"),
        (np.eye(2), np.zeros(2), lambda p: p[:, 0] / 0.0, "NaN or infinity"),
    ],
)
def test_decision_boundary_rejects_bad_input(X, y, predict, match):
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(ValueError, match=match):
        plot_decision_boundary(predict or (lambda p: p[:, 0]), X, y, resolution=10)


def test_decision_boundary_needs_a_callable():
    with pytest.raises(TypeError, match="predict must be callable"):
        plot_decision_boundary(np.zeros(4), np.eye(2), np.zeros(2))


# --------------------------------------------------------------------------- regression fit
def test_regression_fit_draws_points_and_sorted_prediction_lines(tmp_path):
    x = np.array([2.0, -1.0, 0.0, 1.0])
    y = x**2
    fig = plot_regression_fit(
        x, y, {"line": 2 * x, "curve": (x**2).reshape(-1, 1)}, tmp_path / "f.png"
    )
    assert_png(tmp_path / "f.png")
    drawn = lines(fig.axes[0])
    assert [n for n, _, _ in drawn] == ["line", "curve"]
    assert list(drawn[0][1]) == [-1.0, 0.0, 1.0, 2.0] and list(drawn[0][2]) == [-2, 0, 2, 4]
    np.testing.assert_array_equal(fig.axes[0].collections[0].get_offsets(), np.c_[x, y])


def test_regression_fit_keeps_coinciding_lines_visible():
    # Gradient descent and least squares give the same line: the second must not hide under
    # the first (thinner, dashed, drawn on top).
    x = np.linspace(-1, 1, 5)
    fig = plot_regression_fit(x, 2 * x, {"gradient descent": 2 * x, "least squares": 2 * x})
    first, second = fig.axes[0].get_lines()
    assert second.get_linewidth() < first.get_linewidth()
    assert first.get_linestyle() == "-" and second.get_linestyle() != "-"
    assert second.get_zorder() > first.get_zorder()


def test_step_and_epoch_axes_have_integer_ticks():
    for fig in (
        plot_loss_curve([1.0, 0.5, 0.25]),
        plot_training_history({"epoch": [1, 2, 3], "train_loss": [1.0, 0.8, 0.7]}),
    ):
        ax = fig.axes[0]
        fig.canvas.draw()
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def test_regression_fit_rejects_bad_input():
    x = np.arange(4.0)
    with pytest.raises(ValueError, match=r"x has shape \(4,\) but y has \(3,\)"):
        plot_regression_fit(x, x[:3], {})
    with pytest.raises(ValueError, match=r"predictions\['mlp'\] has shape \(5,\) but x .* \(4,\)"):
        plot_regression_fit(x, x, {"mlp": np.arange(5.0)})
    with pytest.raises(TypeError, match="dict of name -> array"):
        plot_regression_fit(x, x, [x])


# --------------------------------------------------------------------------- confusion matrix
def test_confusion_matrix_plot_shows_every_count(tmp_path):
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig = plot_confusion_matrix(cm, ["cat", "dog", "emu"], tmp_path / "cm.png")
    assert_png(tmp_path / "cm.png")
    ax = fig.axes[0]
    texts = {(t.get_position()[1], t.get_position()[0]): t.get_text() for t in ax.texts}
    assert texts == {(i, j): str(cm[i, j]) for i in range(3) for j in range(3)}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "emu"]
    assert ax.get_ylabel() == "true" and ax.get_xlabel() == "predicted"


def test_confusion_matrix_plot_normalizes_rows():
    cm = np.array([[3, 1], [0, 0]])
    fig = plot_confusion_matrix(cm, normalize=True)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), [[0.75, 0.25], [0.0, 0.0]])


@pytest.mark.parametrize(
    "cm, names, match",
    [
        (np.zeros((2, 3)), None, r"square \(K, K\) array, got \(2, 3\)"),
        (np.zeros((0, 0)), None, "square"),
        (-np.eye(2), None, "non-negative"),
        (np.eye(2), ["a", "b", "c"], "3 class_names for 2 classes"),
    ],
)
def test_confusion_matrix_plot_rejects_bad_input(cm, names, match):
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix(cm, names)


# --------------------------------------------------------------------------- image grid
def test_image_grid_marks_mistakes(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    true, pred = np.array([0, 1, 2, 1, 0]), np.array([0, 2, 2, 1, 1])
    fig = plot_image_grid(images, true, pred, ["zero", "one", "two"], tmp_path / "grid.png")
    assert_png(tmp_path / "grid.png")
    assert len(fig.axes) == 5
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[1] == "true: one\npred: two"
    red = [to_rgba(ax.title.get_color()) == to_rgba("red") for ax in fig.axes]
    assert red == list(true != pred)
    np.testing.assert_array_equal(fig.axes[3].images[0].get_array(), images[3])


def test_image_grid_true_labels_only():
    fig = plot_image_grid(np.zeros((3, 4, 4)), [2, 0, 1], ncols=3)
    assert [ax.get_title() for ax in fig.axes] == ["2", "0", "1"]


@pytest.mark.parametrize(
    "images, true, pred, names, match",
    [
        (np.zeros((2, 784)), [0, 1], None, None, r"\(N, H, W\).*got \(2, 784\)"),
        (np.zeros((2, 4, 4)), [0], None, None, r"2 images but true_labels has shape \(1,\)"),
        (np.zeros((2, 4, 4)), [0, 1], [0], None, r"predicted_labels has shape \(1,\)"),
        (np.zeros((2, 4, 4)), [0, 3], None, ["a", "b"], "label 3 has no name"),
        (np.zeros((2, 4, 4)), [0.5, 1], None, None, "class indices"),
    ],
)
def test_image_grid_rejects_bad_input(images, true, pred, names, match):
    with pytest.raises(ValueError, match=match):
        plot_image_grid(images, true, pred, names)


# --------------------------------------------------------------------------- saving
def test_save_figure_formats(tmp_path):
    fig = plot_loss_curve([1.0, 0.5])
    assert save_figure(fig, tmp_path / "a.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert save_figure(fig, tmp_path / "b") == tmp_path / "b.png"
    assert (tmp_path / "b.png").read_bytes().startswith(PNG)
    with pytest.raises(ValueError, match="unknown format 'xyz'"):
        save_figure(fig, tmp_path / "c.xyz")


def test_plots_leave_no_pyplot_figures_open():
    plt = pytest.importorskip("matplotlib.pyplot")
    before = plt.get_fignums()
    plot_loss_curve([1.0, 0.5])
    plot_image_grid(np.zeros((2, 4, 4)), [0, 1])
    assert plt.get_fignums() == before
