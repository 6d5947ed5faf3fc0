"""``micrograd-mlp loss-options``: each option of PyTorch's losses changes what the demo says it
changes, checked against relations computed here with NumPy (sum = N mean, the weighted mean's
denominator, the ignored row of zeros, the smoothed target, NLL of log_softmax = cross-entropy,
pos_weight on the positive entries); every printed number equals PyTorch's (computed here, not
by the demo); the scalar engine agrees; the Korean output has no English sentence; the command
runs as ``python -m micrograd_mlp loss-options`` and refuses bad options in one line."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd_mlp.cli import demo_modules, main, run_demo
from micrograd_mlp.demos import loss_options as demo
from micrograd_mlp.demos.loss_options import number, row_text
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor import functional as TF
from micrograd_mlp.tensor import nn as tnn
from micrograd_mlp.viz import fonts

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HANGUL = re.compile("[\uac00-\ud7a3]")


def _run(out: Path, *argv: str) -> tuple[dict, str]:
    """(results, printed text with ``out`` replaced by OUT) of one run."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        results = run_demo(demo, ["--out", str(out), *argv])
    return results, buffer.getvalue().replace(str(out), "OUT")


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("en"), "--lang", "en")


@pytest.fixture(scope="module")
def korean(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("ko"), "--lang", "ko")


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch comparisons need torch installed")


# ------------------------------------------------------------------ NumPy references
def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


X, Y = demo.LOGITS, demo.TARGETS
N, C = X.shape
LOG_Q = _log_softmax(X)
Q = np.exp(LOG_Q)
ONEHOT = np.eye(C)[Y]
PER_SAMPLE = -LOG_Q[np.arange(N), Y]  # the cross-entropy of each sample


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# ------------------------------------------------------------------ the command
def test_it_is_a_builtin_command_that_draws_its_picture(english):
    assert demo_modules()["loss-options"] is demo and demo.BUILTIN_DATA
    results, text = english
    plot = results["plot"]
    assert sorted(p.name for p in plot.parent.iterdir()) == sorted(demo.PICTURES)
    assert plot.read_bytes()[:8] == PNG_MAGIC
    assert "wrote OUT/loss_options.png" in text
    assert results["lang"] == "en"


def test_the_batch_is_small_and_readable():
    assert X.shape == (4, 3) and np.array_equal(np.round(X, 2), X)
    assert sorted(set(Y.tolist())) == [0, 1, 2] and len(set(Y.tolist())) < N  # a class twice
    assert np.allclose(demo.SOFT_TARGETS.sum(axis=1), 1.0)


# ------------------------------------------------------------------ reduction
def test_sum_is_n_times_mean_and_so_is_its_gradient(english):
    r = english[0]["results"]
    none, (total, grad_sum), (mean, grad_mean) = r["none"][0], r["sum"], r["mean"]
    assert np.allclose(none, PER_SAMPLE, rtol=1e-14)
    assert total == pytest.approx(N * mean, rel=1e-15)
    assert total == pytest.approx(PER_SAMPLE.sum(), rel=1e-14)
    assert np.allclose(grad_sum, Q - ONEHOT, rtol=1e-13, atol=1e-15)  # softmax - onehot
    assert np.allclose(grad_sum, N * grad_mean, rtol=1e-14, atol=1e-16)


def test_none_summed_by_hand_backpropagates_the_gradient_of_sum(english):
    x = Tensor(X.copy(), requires_grad=True)
    TF.cross_entropy(x, Y, reduction="none").sum().backward()
    assert np.allclose(x.grad, english[0]["results"]["sum"][1], rtol=1e-15, atol=1e-16)


# ------------------------------------------------------------------ weight
def test_the_weighted_mean_divides_by_the_weights_of_the_targets(english):
    r, batch = english[0]["results"], english[0]["batch"]
    w = np.array(demo.WEIGHT)
    assert np.array_equal(batch.weight, w)
    wy = w[Y]
    expected = np.sum(wy * PER_SAMPLE) / np.sum(wy)
    assert r["weight_mean"][0] == pytest.approx(expected, rel=1e-14)
    assert np.allclose(r["weight_none"][0], wy * PER_SAMPLE, rtol=1e-14)
    # neither over N nor over the sum of all class weights (they differ here: 4, 4.5, 5)
    assert len({N, w.sum(), wy.sum()}) == 3
    assert r["weight_mean"][0] != pytest.approx(np.sum(wy * PER_SAMPLE) / N)
    assert r["weight_mean"][0] != pytest.approx(np.sum(wy * PER_SAMPLE) / w.sum())
    grad = wy[:, None] * (Q - ONEHOT) / wy.sum()
    assert np.allclose(r["weight_mean"][1], grad, rtol=1e-13, atol=1e-16)


def test_equal_class_weights_change_nothing(tmp_path):
    results, _ = _run(tmp_path, "--weight", "2", "2", "2")
    r = results["results"]
    assert r["weight_mean"][0] == pytest.approx(r["mean"][0], rel=1e-14)
    assert np.allclose(r["weight_mean"][1], r["mean"][1], rtol=1e-13, atol=1e-16)


# ------------------------------------------------------------------ ignore_index
@pytest.mark.parametrize("k", [1, 2])
def test_ignored_rows_are_exactly_zero_and_the_denominator_shrinks(k, tmp_path):
    results, text = _run(tmp_path, "--ignore-index", str(k))
    r = results["results"]
    ignored = np.equal(Y, k)
    counted = int((~ignored).sum())
    losses, (mean, grad) = r["ignore_none"][0], r["ignore_mean"]
    assert np.all(losses[ignored] == 0.0) and np.all(grad[ignored] == 0.0)  # exactly 0
    assert np.allclose(losses[~ignored], PER_SAMPLE[~ignored], rtol=1e-14)
    assert mean == pytest.approx(PER_SAMPLE[~ignored].sum() / counted, rel=1e-14)
    # the other rows: the default mean's rows times N / counted
    assert np.allclose(grad[~ignored], r["mean"][1][~ignored] * N / counted, rtol=1e-13)
    rows = ", ".join(str(i) for i in np.flatnonzero(ignored))
    assert f"ignore_index={k}: the samples whose target is {k} are skipped (here n = {rows})" in (
        text
    )
    assert f"every other row is {N}/{counted} times its row in 1." in text


# ------------------------------------------------------------------ label_smoothing
def test_label_smoothing_is_the_smoothed_target_distribution(english):
    r, batch = english[0]["results"], english[0]["batch"]
    eps = demo.LABEL_SMOOTHING
    target = (1 - eps) * ONEHOT + eps / C
    assert np.allclose(batch.smoothed, target, rtol=1e-15)
    expected = np.mean(-np.sum(target * LOG_Q, axis=1))
    assert r["smoothing_mean"][0] == pytest.approx(expected, rel=1e-14)
    assert np.allclose(r["smoothing_mean"][1], (Q - target) / N, rtol=1e-13, atol=1e-16)
    assert r["smoothed_probabilities"][0] == pytest.approx(expected, rel=1e-14)
    assert r["smoothing_mean"][0] > r["mean"][0]  # here the smoothed loss is larger


# ------------------------------------------------------------------ probability targets
def test_one_hot_probabilities_are_class_indices_and_soft_ones_are_not(english):
    r = english[0]["results"]
    assert r["onehot_mean"][0] == pytest.approx(r["mean"][0], rel=1e-15)
    assert np.max(np.abs(r["onehot_mean"][1] - r["mean"][1])) < 1e-15
    p = demo.SOFT_TARGETS
    assert r["soft_mean"][0] == pytest.approx(np.mean(-np.sum(p * LOG_Q, axis=1)), rel=1e-14)
    assert np.allclose(r["soft_mean"][1], (Q - p) / N, rtol=1e-13, atol=1e-16)
    assert r["soft_mean"][0] != pytest.approx(r["mean"][0])


# ------------------------------------------------------------------ NLL of log_softmax
def test_nll_of_log_softmax_is_cross_entropy(english):
    r = english[0]["results"]
    assert not hasattr(TF, "nll_loss")  # the demo says the library has none
    assert np.allclose(r["log_softmax"][0], LOG_Q, rtol=1e-14)
    assert r["nll_mean"][0] == pytest.approx(r["mean"][0], rel=1e-15)
    assert np.max(np.abs(r["nll_mean"][1] - r["mean"][1])) < 1e-15
    assert "this library has no nll_loss" in english[1]


# ------------------------------------------------------------------ pos_weight
def test_pos_weight_multiplies_the_positive_entries_only(english):
    r, batch = english[0]["results"], english[0]["batch"]
    t = demo.MULTI_LABELS
    positives = t.sum(axis=0)
    pos_weight = (N - positives) / positives
    assert np.allclose(batch.pos_weight, pos_weight) and np.allclose(pos_weight, [3, 1, 1 / 3])
    s = _sigmoid(X)
    plain = -(t * np.log(s) + (1 - t) * np.log(1 - s))
    assert np.allclose(r["bce_none"][0], plain, rtol=1e-13)
    assert np.allclose(r["bce_mean"][1], (s - t) / (N * C), rtol=1e-12, atol=1e-16)
    r_full = np.broadcast_to(pos_weight, X.shape)
    on, off = t == 1, t == 0
    for kind in ("none", "grad"):
        a = r["bce_none"][0] if kind == "none" else r["bce_mean"][1]
        b = r["pos_weight_none"][0] if kind == "none" else r["pos_weight_mean"][1]
        assert np.allclose(b[on], r_full[on] * a[on], rtol=1e-13)
        assert np.allclose(b[off], a[off], rtol=1e-14)
    assert r["pos_weight_mean"][0] == pytest.approx(r["pos_weight_none"][0].mean(), rel=1e-14)


# ------------------------------------------------------------------ the two engines
def test_the_scalar_engine_agrees_on_every_case(english):
    results = english[0]
    assert results["scalar_difference"] < 1e-14
    scalar = demo.compute(results["batch"], demo.scalar_case)
    assert demo.largest_difference(results["results"], scalar) == results["scalar_difference"]
    assert f"largest difference {results['scalar_difference']:.1e}" in english[1]


def test_the_loss_modules_give_the_same_numbers(english):
    r, batch = english[0]["results"], english[0]["batch"]
    modules = {
        "weight_mean": tnn.CrossEntropyLoss(weight=batch.weight)(X, Y),
        "ignore_mean": tnn.CrossEntropyLoss(ignore_index=batch.ignore_index)(X, Y),
        "smoothing_mean": tnn.CrossEntropyLoss(label_smoothing=batch.smoothing)(X, Y),
        "sum": tnn.CrossEntropyLoss(reduction="sum")(X, Y),
        "pos_weight_mean": tnn.BCEWithLogitsLoss(pos_weight=batch.pos_weight)(X, batch.labels),
    }
    for key, loss in modules.items():
        assert loss.item() == pytest.approx(float(r[key][0]), rel=1e-15), key


# ------------------------------------------------------------------ PyTorch
def _torch_numbers(torch) -> dict:
    """Every case computed here by torch.nn.functional: key -> (value, grad or None)."""
    F = torch.nn.functional
    w, t = torch.tensor(demo.WEIGHT, dtype=torch.float64), torch.tensor(demo.MULTI_LABELS)
    positives = t.sum(0)
    pos_weight = (N - positives) / positives
    y = torch.tensor(Y)
    calls = {
        "none": lambda x: F.cross_entropy(x, y, reduction="none"),
        "sum": lambda x: F.cross_entropy(x, y, reduction="sum"),
        "mean": lambda x: F.cross_entropy(x, y),
        "weight_none": lambda x: F.cross_entropy(x, y, weight=w, reduction="none"),
        "weight_mean": lambda x: F.cross_entropy(x, y, weight=w),
        "ignore_none": lambda x: F.cross_entropy(x, y, ignore_index=1, reduction="none"),
        "ignore_mean": lambda x: F.cross_entropy(x, y, ignore_index=1),
        "smoothing_mean": lambda x: F.cross_entropy(x, y, label_smoothing=0.1),
        "onehot_mean": lambda x: F.cross_entropy(x, F.one_hot(y, C).double()),
        "soft_mean": lambda x: F.cross_entropy(x, torch.tensor(demo.SOFT_TARGETS)),
        "log_softmax": lambda x: F.log_softmax(x, dim=1),
        "nll_mean": lambda x: F.nll_loss(F.log_softmax(x, dim=1), y),
        "bce_none": lambda x: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
        "bce_mean": lambda x: F.binary_cross_entropy_with_logits(x, t),
        "pos_weight_none": lambda x: F.binary_cross_entropy_with_logits(
            x, t, pos_weight=pos_weight, reduction="none"
        ),
        "pos_weight_mean": lambda x: F.binary_cross_entropy_with_logits(
            x, t, pos_weight=pos_weight
        ),
    }
    numbers = {}
    for key, call in calls.items():
        x = torch.tensor(X, requires_grad=True)
        out = call(x)
        grad = None
        if out.dim() == 0:
            out.backward()
            grad = x.grad.numpy()
        numbers[key] = (out.detach().numpy(), grad)
    return numbers


def test_every_printed_number_is_pytorchs(english, torch):
    results, text = english
    ours = results["results"]
    for key, (value, grad) in _torch_numbers(torch).items():
        assert np.allclose(ours[key][0], value, rtol=1e-12, atol=1e-15), key
        if value.ndim == 0:
            assert number(value) in text, key  # a loss
        elif value.ndim == 1:
            assert all(f"{v:7.4f}" in text for v in value), key  # a column of losses
        else:
            assert all(row_text(row) in text for row in value), key  # a table
        if grad is not None:
            assert np.allclose(ours[key][1], grad, rtol=1e-12, atol=1e-15), key
            if key not in ("onehot_mean", "nll_mean"):  # printed as "the same as in 1."
                assert all(row_text(row) in text for row in grad), key
    version = torch.__version__.split("+")[0]
    assert results["torch_version"] == version and results["torch_difference"] < 1e-14
    assert (
        f"every number above was checked against PyTorch {version} (torch.nn.functional):\n"
        f"largest difference {results['torch_difference']:.1e}"
    ) in text


def test_without_pytorch_it_says_the_numbers_were_not_checked(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    results, text = _run(tmp_path, "--lang", "en")
    assert results["torch_version"] is None and results["torch_difference"] is None
    assert "were not checked against PyTorch: it is not installed (pip install torch)" in text
    assert "checked against PyTorch 2" not in text


# ------------------------------------------------------------------ Korean
#: The ASCII words a Korean run may print: identifiers, option names, formulas' symbols.
_IDENTIFIER_LIST = """
BCE BCEWithLogitsLoss C CrossEntropyLoss F N NLL NLLLoss OUT PyTorch Tensor Value arange backward
binary_cross_entropy_with_logits c cross_entropy d dim dx e eps float64 functional ignore_index
install l l_0 l_3 l_n label_smoothing log log_softmax loss_options mean micrograd_mlp n nll_loss nn
none onehot p pip png pos_weight r reduction sigmoid softmax sum sum_c sum_n t tensor torch w
weight x x_n y y_n
"""
IDENTIFIERS = set(_IDENTIFIER_LIST.split())


def _english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) - IDENTIFIERS


def test_the_korean_run_has_no_english_sentence(korean, monkeypatch, tmp_path):
    results, text = korean
    assert results["lang"] == "ko"
    assert _english_words(text) == set()
    monkeypatch.setitem(sys.modules, "torch", None)
    _, missing = _run(tmp_path, "--lang", "ko")
    assert _english_words(missing) == set()
    assert "PyTorch가 설치되어 있지 않아" in missing


def test_the_english_run_would_fail_the_korean_check(english):
    # the check above can see English: the English run is full of it
    assert {"the", "of", "samples"} <= _english_words(english[1])


def test_korean_prints_the_same_numbers(english, korean):
    numbers = re.compile(r"-?\d+\.\d{4}")
    assert numbers.findall(english[1]) == numbers.findall(korean[1])
    assert "가중 평균의 분모는" in korean[1] and "기울기 행은 정확히 0입니다" in korean[1]


@pytest.mark.skipif(
    fonts.hangul_font() is None, reason="no Hangul font (apt-get install fonts-nanum)"
)
def test_the_korean_picture_is_drawn(korean):
    assert korean[0]["plot"].read_bytes()[:8] == PNG_MAGIC


# ------------------------------------------------------------------ command line
def test_it_runs_as_python_m_micrograd_mlp(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_mlp", "loss-options", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("PyTorch's loss functions and their options, on one batch")
    assert (tmp_path / "loss_options.png").is_file()


def test_the_wrapper_script_shows_the_options():
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "loss_options.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for option in ("--weight", "--ignore-index", "--label-smoothing", "--lang"):
        assert option in done.stdout


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--ignore-index", "3"], "argument --ignore-index: must be between 0 and 2, got 3"),
        (["--label-smoothing", "0"], "argument --label-smoothing: must be > 0 and <= 1, got 0"),
        (["--label-smoothing", "1.5"], "argument --label-smoothing: must be > 0 and <= 1"),
        (["--weight", "1", "-2", "1"], "argument --weight: must be >= 0, got -2"),
        (["--weight", "1", "2"], "argument --weight: expected 3 arguments"),
    ],
)
def test_bad_options_are_usage_errors(argv, said, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["loss-options", "--out", str(tmp_path / "o"), *argv])
    assert exit_info.value.code == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_weights_that_sum_to_zero_are_one_line(lang, tmp_path, capsys):
    assert main(["loss-options", "--weight", "0", "0", "0", "--lang", lang,
                 "--out", str(tmp_path / "o")]) == 1  # fmt: skip
    captured = capsys.readouterr()
    error = "오류" if lang == "ko" else "error"  # the CLI's one line speaks the run's language
    assert captured.err.startswith(f"micrograd-mlp loss-options: {error}: --weight: ")
    assert captured.err.count("\n") == 1 and captured.out == ""
    assert bool(HANGUL.search(captured.err)) == (lang == "ko")
    assert not (tmp_path / "o").exists()
