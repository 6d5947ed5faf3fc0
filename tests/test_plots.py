"""matplotlib pictures: each returns a Figure of the data, writes a PNG, rejects bad input."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
from matplotlib import rc_context
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from micrograd_mlp.viz import (
    fonts,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_image_grid,
    plot_loss_curve,
    plot_regression_fit,
    plot_training_history,
    plots,
    save_figure,
)

PNG = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 1000
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def gids(fig) -> set[str]:
    """The gids of a figure's artists (``"decision-boundary"``, ``"no-boundary"``)."""
    return {a.get_gid() for a in fig.findobj() if a.get_gid()}


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


def classes_drawn(fig) -> dict[str, np.ndarray]:
    """Legend entry -> the points of that class's scatter."""
    return {
        c.get_label(): np.asarray(c.get_offsets())
        for c in fig.axes[0].collections
        if not c.get_label().startswith("_")  # matplotlib's names for unlabelled artists
    }


def test_decision_boundary_evaluates_a_grid_covering_the_data(tmp_path):
    X, y = make_blobs()
    seen = []

    def predict(points):
        seen.append(points)
        return 3.0 * points.sum(axis=1)  # logits; the boundary is x1 + x2 = 0

    fig = plot_decision_boundary(predict, X, y, tmp_path / "boundary.png", resolution=30)
    assert_png(tmp_path / "boundary.png")
    (grid,) = seen
    assert grid.shape == (900, 2) and grid.dtype == np.float64
    assert np.all(grid.min(axis=0) < X.min(axis=0)) and np.all(grid.max(axis=0) > X.max(axis=0))
    # One scatter per class holding exactly that class's points.
    by_class = classes_drawn(fig)
    assert sorted(by_class) == ["0", "1"]
    np.testing.assert_array_equal(by_class["1"], X[y == 1])
    assert len(fig.axes) == 2  # a colour bar
    assert gids(fig) & {"decision-boundary", "no-boundary"} == {"decision-boundary"}
    # The boundary is p = 1/2, i.e. logit 0: on the line x1 + x2 = 0 (up to the contour's
    # linear interpolation of the sigmoid between grid points, ~0.2 apart).
    (line,) = [a for a in fig.findobj() if a.get_gid() == "decision-boundary"]
    vertices = np.concatenate([p.vertices for p in line.get_paths()])
    assert len(vertices) > 10
    np.testing.assert_allclose(vertices.sum(axis=1), 0.0, atol=0.01)


def colour_scale(fig) -> tuple[float, float]:
    """The colour bar's range (vmin, vmax) of the filled regions."""
    filled = next(c for c in fig.axes[0].collections if hasattr(c, "levels"))
    return filled.norm.vmin, filled.norm.vmax


def test_decision_boundary_colour_scale_is_fixed_with_white_at_the_boundary():
    X, y = make_blobs()
    # logits and probabilities: p on 0..1 whatever the model's range; scores: centred at 0
    logit = plot_decision_boundary(lambda p: 0.2 + 5 * p[:, 0], X, y, resolution=20)
    assert colour_scale(logit) == (0.0, 1.0)
    margin = plot_decision_boundary(lambda p: 0.5 + 2 * p[:, 0], X, y, link="margin")
    low, high = colour_scale(margin)
    assert low == -high and high >= 1.5
    labels = plot_decision_boundary(
        lambda p: (p[:, 0] > 0).astype(int).reshape(-1, 1), X, y, link="probability"
    )
    assert colour_scale(labels) == (0.0, 1.0)
    assert "decision-boundary" in gids(labels)
    points = {c.get_label(): c for c in labels.axes[0].collections if c.get_label() in ("0", "1")}
    assert to_rgba(points["0"].get_facecolor()[0]) == to_rgba("tab:blue")
    assert to_rgba(points["1"].get_facecolor()[0]) == to_rgba("tab:red")


@pytest.mark.parametrize("link", ["logit", "margin"])
def test_decision_boundary_of_a_model_that_predicts_the_same_everywhere_is_no_line(link):
    # Rounding noise (outputs of 1e-6 around the threshold) is not a boundary: the old picture
    # drew a confident line wherever min < threshold < max.
    X, y = make_blobs()
    fig = plot_decision_boundary(lambda p: 1e-6 * p[:, 0], X, y, link=link, resolution=20)
    assert gids(fig) & {"decision-boundary", "no-boundary"} == {"no-boundary"}
    (note,) = [t for t in fig.axes[0].texts if t.get_gid() == "no-boundary"]
    assert "does not separate the classes" in note.get_text()
    filled = next(c for c in fig.axes[0].collections if hasattr(c, "levels"))
    bands = [level for level, path in zip(filled.levels, filled.get_paths()) if len(path.vertices)]
    assert len(bands) == 1  # one flat colour


def test_decision_boundary_labels_are_parameters():
    X, y = make_blobs()
    fig = plot_decision_boundary(
        lambda p: 0.0 * p[:, 0],
        X,
        y,
        title="T",
        value_label="V",
        class_label="C",
        no_boundary="flat from {low} to {high}",
    )
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "C"
    assert fig.axes[0].get_title() == "T" and fig.axes[1].get_ylabel() == "V"
    (note,) = [t for t in fig.axes[0].texts if t.get_gid() == "no-boundary"]
    assert note.get_text() == "flat from 0.5000 to 0.5000"
    with pytest.raises(ValueError, match=r"fields \{low\} and \{high\}"):
        plot_decision_boundary(lambda p: 0.0 * p[:, 0], X, y, no_boundary="{lo}")


@pytest.mark.parametrize(
    "X, y, predict, kwargs, match",
    [
        (np.zeros((5, 3)), np.zeros(5), None, {}, r"X must have shape \(N, 2\).*got \(5, 3\)"),
        (np.zeros((0, 2)), np.zeros(0), None, {}, r"got \(0, 2\)"),
        (np.zeros((5, 2)), np.zeros(4), None, {}, r"X has shape \(5, 2\) but y has shape \(4,\)"),
        (np.full((5, 2), np.nan), np.zeros(5), None, {}, "NaN"),
        (np.eye(2), np.zeros(2), lambda p: p, {}, r"returned shape \(100, 2\) for \(100, 2\) grid"),
        (np.eye(2), np.zeros(2), lambda p: p[:, 0] / 0.0, {}, "NaN or infinity"),
        (np.eye(2), np.zeros(2), None, {"link": "labels"}, "link must be one of"),
        (np.eye(2), np.zeros(2), None, {"resolution": 1}, "resolution must be an int >= 2"),
        (np.eye(2), np.zeros(2), lambda p: 3 * p[:, 0], {"link": "probability"}, r"\[0, 1\]"),
    ],
)
def test_decision_boundary_rejects_bad_input(X, y, predict, kwargs, match):
    kwargs.setdefault("resolution", 10)
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(ValueError, match=match):
        plot_decision_boundary(predict or (lambda p: p[:, 0]), X, y, **kwargs)


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


# --------------------------------------------------------------------------- Korean labels
NEEDS_FONT = pytest.mark.skipif(
    fonts.hangul_font() is None, reason="no Hangul font installed (apt-get install fonts-nanum)"
)


@pytest.fixture
def missing_glyphs(caplog):
    """``missing_glyphs()``: the missing-glyph reports of what the test drew so far: mathtext
    logs them (a log axis's ``10^{-3}``), text warns ("Glyph ... missing from font(s)")."""
    with caplog.at_level(logging.WARNING), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def reports() -> list[str]:
            warned = [str(w.message) for w in caught if "missing from font" in str(w.message)]
            logged = [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()]
            return warned + logged

        yield reports


def family(text) -> list[str]:
    return list(text.get_fontfamily())


def korean_log_figure() -> Figure:
    fig = plots._figure((4.0, 3.0))
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [1.0, 1e-2, 1e-4])
    ax.set_yscale("log")
    ax.set_title("손실")
    return fig


@NEEDS_FONT
def test_a_korean_figure_with_a_log_axis_saves_without_a_missing_glyph(tmp_path, missing_glyphs):
    # The Hangul font lacks the minus sign of 10^{-3}: save_figure draws those ticks in DejaVu.
    with rc_context(fonts.plot_rc("ko")):
        fig = korean_log_figure()
        save_figure(fig, tmp_path / "ko.png", dpi=101)  # a dpi of its own: mathtext caches
    assert missing_glyphs() == []
    (ax,) = fig.axes
    assert {family(t)[0] for t in ax.get_yticklabels(which="both")} == {"DejaVu Sans"}
    assert family(ax.title)[0] == fonts.hangul_font()  # the words keep the Hangul font
    assert family(ax.get_xticklabels()[0])[0] == fonts.hangul_font()  # a linear axis too


@NEEDS_FONT
def test_without_the_tick_fix_the_korean_log_axis_misses_the_minus_sign(tmp_path, monkeypatch):
    # The check above can fail: without fix_log_ticks matplotlib reports the missing glyph.
    monkeypatch.setattr(plots, "fix_log_ticks", lambda fig: None)
    logger = logging.getLogger("matplotlib.mathtext")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        with rc_context(fonts.plot_rc("ko")):
            save_figure(korean_log_figure(), tmp_path / "ko.png", dpi=97)
    finally:
        logger.removeHandler(handler)
    assert any("U+2212" in r.getMessage() for r in records)


def test_an_english_log_axis_keeps_its_tick_font(tmp_path):
    fig = plot_loss_curve([1.0, 1e-2, 1e-4], tmp_path / "en.png", log_scale=True)
    assert family(fig.axes[0].get_yticklabels()[0]) == ["sans-serif"]


@NEEDS_FONT
def test_loss_curve_labels_in_korean_are_drawn_with_a_hangul_font(tmp_path, missing_glyphs):
    fig = plot_loss_curve(
        {"학습": [1.0, 1e-2, 1e-4], "검증": [2.0, 1e-1, 1e-3]},
        tmp_path / "loss.png",
        accuracy={"학습": [0.5, 0.9, 1.0]},
        log_scale=True,
        xlabel="업데이트",
        ylabel="손실",
        accuracy_label="정확도",
        title="학습 손실과 정확도",
    )
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel(), acc_ax.get_ylabel()) == (
        "업데이트",
        "손실",
        "정확도",
    )
    assert fig.get_suptitle() == "학습 손실과 정확도"
    hangul = fonts.hangul_font()
    for text in (fig._suptitle, loss_ax.xaxis.label, loss_ax.yaxis.label, acc_ax.yaxis.label):
        assert family(text) == [hangul, "DejaVu Sans"], text.get_text()
    legend = [family(t)[0] for t in loss_ax.get_legend().get_texts()]
    assert legend == [hangul, hangul]
    assert_png(tmp_path / "loss.png")
    assert missing_glyphs() == []


def test_plot_labels_default_to_english_and_are_parameters():
    fig = plot_loss_curve([1.0, 0.5], accuracy=[0.5, 1.0])
    assert [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes] == [
        ("step", "loss"),
        ("step", "accuracy"),
    ]
    assert fig.get_suptitle() == "Training loss"
    assert family(fig.axes[0].xaxis.label) == ["sans-serif"]  # matplotlib's default font
    fig = plot_training_history(HISTORY, xlabel="E", ylabel="L", accuracy_label="A", title="T")
    assert [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes] == [("E", "L"), ("E", "A")]
    fig = plot_regression_fit([0.0, 1.0], [0.0, 1.0], {"fit": [0.0, 1.0]})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["data", "fit"]
    fig = plot_regression_fit([0.0, 1.0], [0.0, 1.0], {}, data_label="points", title="T")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["points"]


@NEEDS_FONT
def test_regression_fit_and_training_history_in_korean(missing_glyphs):
    hangul = fonts.hangul_font()
    fig = plot_regression_fit(
        [0.0, 1.0, 2.0],
        [0.0, -1.0, -2.0],
        {"경사 하강법": [0.0, -1.0, -2.0]},
        xlabel="입력",
        ylabel="출력",
        data_label="데이터",
        title="회귀",
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["데이터", "경사 하강법"]
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()):
        assert family(text)[0] == hangul, text.get_text()
    fig = plot_training_history(HISTORY, xlabel="에폭", title="학습 기록")
    assert family(fig.axes[0].xaxis.label)[0] == hangul
    fig.canvas.draw()
    assert missing_glyphs() == []


@NEEDS_FONT
def test_hangul_only_in_series_names_keeps_dejavu_first():
    # An English figure whose series a learner named in Korean: English text keeps its font.
    fig = plot_loss_curve({"학습": [1.0, 0.5], "검증": [1.2, 0.7]})
    ax = fig.axes[0]
    assert family(ax.xaxis.label) == ["DejaVu Sans", fonts.hangul_font()]
    assert ax.get_xlabel() == "step"


@NEEDS_FONT
def test_a_korean_context_chosen_by_the_caller_stands():
    # Inside a demo's save_plot (rc_context(plot_rc("ko"))), English-named series do not
    # switch the figure back, nor do Hangul ones reorder the fonts.
    settings = fonts.plot_rc("ko")
    with rc_context(settings):
        assert fonts.figure_rc(["손실"], ["train"]) == {}
        fig = plot_loss_curve({"train": [1.0, 0.5]}, xlabel="업데이트")
    assert family(fig.axes[0].xaxis.label) == settings["font.family"]


def test_without_a_hangul_font_korean_labels_warn(monkeypatch):
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    with pytest.warns(fonts.HangulFontWarning, match="apt-get install fonts-nanum"):
        plot_loss_curve([1.0, 0.5], title="학습 손실")
    assert fonts.figure_rc(["loss"], ["train"]) == {}


@NEEDS_FONT
def test_decision_boundary_in_korean(missing_glyphs):
    X, y = make_blobs()
    fig = plot_decision_boundary(
        lambda p: 0.0 * p[:, 0],
        X,
        y,
        title="결정 경계 없음",
        value_label="클래스 1의 확률 p",
        class_label="클래스",
        no_boundary="결정 경계 없음: p = {low}~{high}",
    )
    (note,) = [t for t in fig.axes[0].texts if t.get_gid() == "no-boundary"]
    assert note.get_text() == "결정 경계 없음: p = 0.5000~0.5000"
    hangul = fonts.hangul_font()
    for text in (note, fig.axes[0].title, fig.axes[1].yaxis.label, fig.legends[0].get_title()):
        assert family(text)[0] == hangul, text.get_text()
    fig.canvas.draw()
    assert missing_glyphs() == []
