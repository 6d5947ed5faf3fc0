"""``micrograd_mlp.init`` (PyTorch's ``torch.nn.init`` names and formulas) and ``micrograd-mlp
initialization``: in a 10-layer MLP of 128 units, too-small weights shrink tanh's activations
about 9-fold per layer (below 1e-6 by the last hidden layer, every gradient below 1e-8), too-large
ones saturate tanh (at least 70% of the last hidden layer's outputs with |a| > 0.99) and make
ReLU's explode and diverge in the first epoch; Xavier keeps tanh's activation std within a
factor 3 across the layers (PyTorch's default: more than 5), He keeps ReLU's within 1.5 (Xavier
with ReLU: more than 10); after 5 epochs Xavier with tanh is below half, He with ReLU below 0.7
of the lowest loss of the too-small, too-large and default runs; He's larger gain keeps tanh's
std flatter still and trains it faster. Seeds 0, 1 and 2. Korean output and pictures, bad
options, the script wrapper."""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from korean_output import english_words
from matplotlib.text import Text

from micrograd_mlp import init
from micrograd_mlp.cli import demo_modules, main, run_demo
from micrograd_mlp.demos import _output
from micrograd_mlp.demos import initialization as demo
from micrograd_mlp.engine import Value
from micrograd_mlp.module import linear_init
from micrograd_mlp.optim import SGD
from micrograd_mlp.tensor import MLP, Tensor
from micrograd_mlp.viz import fonts

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HANGUL = re.compile("[\uac00-\ud7a3]")
SEEDS = (0, 1, 2)
NEEDS_FONT = pytest.mark.skipif(
    fonts.hangul_font() is None, reason="no Hangul font installed (apt-get install fonts-nanum)"
)


# ------------------------------------------------------------------ the init functions
@pytest.mark.parametrize(
    ("nonlinearity", "param", "gain"),
    [("linear", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
     ("relu", None, math.sqrt(2)), ("selu", None, 0.75),
     ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
     ("leaky_relu", 0.2, math.sqrt(2 / 1.04))],
)  # fmt: skip
def test_calculate_gain_is_pytorchs_table(nonlinearity, param, gain):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_agrees_with_torch():
    torch = pytest.importorskip("torch", reason="the comparison needs torch")
    for name in ("linear", "sigmoid", "tanh", "relu", "selu", "leaky_relu"):
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.3) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.3)
    )


def _filled(fill, shape=(300, 500), **kwargs) -> np.ndarray:
    array = np.empty(shape)
    assert fill(array, **kwargs) is array  # in place, returns its argument (as torch)
    return array


@pytest.mark.parametrize("shape", [(300, 500), (400, 50, 3)])
def test_the_formulas(shape):
    fan_in = shape[1] * (shape[2] if len(shape) > 2 else 1)
    fan_out = shape[0] * (shape[2] if len(shape) > 2 else 1)
    rng = np.random.default_rng(0)
    cases = [
        (init.xavier_uniform_, {"gain": 2.0}, 2 * math.sqrt(2 / (fan_in + fan_out)), True),
        (init.xavier_normal_, {"gain": 0.5}, 0.5 * math.sqrt(2 / (fan_in + fan_out)), False),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / fan_in), True),
        (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "tanh"},
         (5 / 3) / math.sqrt(fan_out), False),
        (init.kaiming_normal_, {}, math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(fan_in), False),
    ]  # fmt: skip
    for fill, kwargs, std, uniform in cases:
        a = _filled(fill, shape, generator=rng, **kwargs)
        assert a.std() == pytest.approx(std, rel=0.02), fill.__name__
        assert abs(a.mean()) < 0.02 * std
        if uniform:  # U(-b, b) with b = sqrt(3) std: reaches close to b, never beyond
            assert math.sqrt(3) * std * 0.999 < np.abs(a).max() <= math.sqrt(3) * std


def test_kaiming_uniform_with_a_sqrt5_is_the_default_linear_init():
    a = _filled(init.kaiming_uniform_, (64, 100), a=math.sqrt(5), generator=1)
    weight, _ = linear_init(100, 64, np.random.default_rng(1))
    bound = 1 / math.sqrt(100)
    assert np.abs(a).max() <= bound and np.abs(weight).max() <= bound
    assert a.std() == pytest.approx(weight.std(), rel=0.05)


def test_plain_fills_and_reproducible_draws():
    assert np.all(_filled(init.zeros_, (3, 4)) == 0) and np.all(_filled(init.ones_, (2,)) == 1)
    assert np.all(_filled(init.constant_, (2, 2), val=0.25) == 0.25)
    u = _filled(init.uniform_, (1000,), a=-2.0, b=3.0, generator=5)
    assert u.min() >= -2 and u.max() < 3
    assert np.array_equal(u, _filled(init.uniform_, (1000,), a=-2.0, b=3.0, generator=5))
    n = _filled(init.normal_, (20000,), mean=1.0, std=0.1, generator=7)
    assert n.mean() == pytest.approx(1.0, abs=0.005) and n.std() == pytest.approx(0.1, rel=0.03)


def test_a_tensor_keeps_its_array_and_its_optimizer_sees_the_new_weights():
    net = MLP(4, [8, 2], seed=0, dtype=np.float32)
    optimizer = SGD(net.parameters(), lr=0.1)  # packs the parameters into one flat buffer
    weight = net.layers[0].weight
    array = weight.data
    assert init.xavier_uniform_(weight, generator=0) is weight
    assert weight.data is array and weight.data.dtype == np.float32
    bound = math.sqrt(6 / (4 + 8))
    assert np.abs(weight.data).max() <= bound
    init.zeros_(net.layers[0].bias)
    weight.grad = np.ones_like(weight.data)
    before = weight.data.copy()
    optimizer.step()  # the step starts from the initialized weights
    assert np.allclose(weight.data, before - 0.1, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "said"),
    [
        (lambda: init.xavier_uniform_(np.zeros(5)), ValueError, "at least 2 dimensions"),
        (lambda: init.zeros_(np.zeros((2, 2), dtype=np.int64)), TypeError, "floating-point"),
        (lambda: init.normal_(Value(1.0)), TypeError, "got Value"),
        (lambda: init.normal_(np.zeros(3), std=-1.0), ValueError, "std must be >= 0"),
        (lambda: init.uniform_(np.zeros(3), a=2.0, b=1.0), ValueError, "a must be <= b"),
        (lambda: init.kaiming_normal_(np.zeros((2, 2)), mode="fan"), ValueError, "mode must"),
        (lambda: init.kaiming_normal_(np.zeros((2, 2)), nonlinearity="swish"), ValueError,
         "unknown nonlinearity 'swish'"),
        (lambda: init.calculate_gain("tanh", 0.1), ValueError, "takes no param"),
        (lambda: init.constant_(Tensor(np.zeros(2)), float("nan")), ValueError, "finite"),
    ],
)  # fmt: skip
def test_bad_arguments_are_clear_errors(call, error, said):
    with pytest.raises(error, match=re.escape(said)):
        call()


# ------------------------------------------------------------------ the demo, three seeds
def _default_args(**changes) -> argparse.Namespace:
    """The command's default options, with ``changes``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="unused")
    demo.add_arguments(parser)
    args = parser.parse_args([])
    for key, value in changes.items():
        setattr(args, key, value)
    return args


def _run(out: Path, monkeypatch, *argv: str) -> tuple[dict, str, list[str]]:
    """(result, printed text, every text of the saved figure) of one run."""
    drawn: list[str] = []
    save = _output.save_figure

    def keep_texts(fig, path):
        written = save(fig, path)
        drawn.extend(t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text())
        return written

    monkeypatch.setattr(_output, "save_figure", keep_texts)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = run_demo(demo, ["--out", str(out), *argv])
    return result, buffer.getvalue(), drawn


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Seed 0 in English, seed 1 in Korean (both the whole command), seed 2 measured only."""
    with pytest.MonkeyPatch.context() as mp:
        english = _run(tmp_path_factory.mktemp("en"), mp, "--lang", "en")
        korean = _run(tmp_path_factory.mktemp("ko"), mp, "--lang", "ko", "--seed", "1")
    args = _default_args(seed=2)
    results = demo.measure(args)
    third = {"results": results, **demo.summary(results, args.epochs)}
    return {"en": english, "ko": korean, "results": [english[0], korean[0], third]}


@pytest.mark.parametrize("seed", SEEDS)
def test_too_small_weights_make_the_signal_vanish(runs, seed):
    result = runs["results"][seed]
    stds = result["results"]["tanh"]["small"][0].activation_std
    assert np.all(stds[1:] < 0.2 * stds[:-1])  # layer after layer
    assert result["small_factor"] == pytest.approx(0.01 * math.sqrt(128), rel=0.15)
    assert result["small_last_std"] < 1e-6 and result["small_max_gradient"] < 1e-8
    relu = result["results"]["relu"]["small"][0].activation_std
    assert relu[-1] < 1e-6 * relu[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_too_large_weights_saturate_tanh_and_blow_up_relu(runs, seed):
    result = runs["results"][seed]
    assert result["large_saturated"][-1] >= 0.7 and result["large_saturated"].min() >= 0.5
    assert result["large_start_loss"] > 5 * math.log(10)
    assert result["large_relu_last_std"] > 1e5
    steps_per_epoch = math.ceil(1024 / 64)
    assert 1 < result["diverged_at"]["relu"]["large"] <= steps_per_epoch
    assert math.isnan(result["final_loss"]["relu"]["large"])
    grads = result["results"]["tanh"]["large"][0].gradient_std  # grows towards the input
    assert grads[0] > 100 * grads[-2]


@pytest.mark.parametrize("seed", SEEDS)
def test_xavier_keeps_tanh_and_he_keeps_relu(runs, seed):
    spread = runs["results"][seed]["spread"]
    assert spread["tanh"]["xavier"] <= 3 and spread["tanh"]["default"] > 5
    assert spread["relu"]["he"] <= 1.5 and spread["relu"]["xavier"] > 10
    assert spread["tanh"]["he"] < spread["tanh"]["xavier"]  # a gain above 1 helps tanh
    for activation, scheme in (("tanh", "xavier"), ("relu", "he")):
        stats = runs["results"][seed]["results"][activation][scheme][0]
        assert stats.gradient_std.min() > 1e-3 and stats.gradient_std.max() < 1


@pytest.mark.parametrize("seed", SEEDS)
def test_the_well_initialized_runs_learn_in_a_few_epochs(runs, seed):
    result = runs["results"][seed]
    final, others = result["final_loss"], result["others_lowest"]
    assert others > 2.2  # too small, too large, default: near a random guess (ln 10) or worse
    assert final["tanh"]["xavier"] < 0.5 * others
    assert final["relu"]["he"] < 0.7 * others
    assert final["tanh"]["he"] < final["tanh"]["xavier"]
    for activation, scheme in (("tanh", "xavier"), ("relu", "he")):
        losses = result["results"][activation][scheme][1].epoch_loss
        assert len(losses) == 5 and all(b < a for a, b in zip(losses, losses[1:]))


def test_the_printed_numbers_are_the_results(runs):
    result, text, _ = runs["en"]
    assert text.startswith("Weight initialization in a deep MLP")
    xavier = result["results"]["tanh"]["xavier"][0].activation_std
    rows = [line for line in text.splitlines() if line.startswith("  Xavier ")]
    row = rows[1]  # the formula, then tanh's activation stds
    assert [float(x) for x in row.split()[1:]] == pytest.approx(xavier, rel=0.06)
    assert f"Xavier with tanh {result['final_loss']['tanh']['xavier']:.3f}" in text
    assert f"diverged at step {result['diverged_at']['relu']['large']} (loss" in text
    assert result["plot"].read_bytes()[:8] == PNG_MAGIC


# ------------------------------------------------------------------ Korean
GLOSSES = {"weight initialization", "standard deviation", "saturation", "gain"}


def _without_glosses(text: str) -> str:
    """``text`` without the "한글(English)" glosses of a term's first use."""

    def drop(match: re.Match) -> str:
        return "" if match.group(1).lower() in GLOSSES else match.group(0)

    return re.sub(r"(?<=[\uac00-\ud7a3])\(([A-Za-z][A-Za-z' -]*)\)", drop, text)


#: Latin-letter words the Korean text keeps: a paper's author and ln (the natural log).
ALLOW = {"Bengio", "ln", "Var"}


def test_the_korean_run_prints_only_the_korean_catalogue(runs):
    result, text, _ = runs["ko"]
    assert result["lang"] == "ko"
    assert english_words(_without_glosses(text), ALLOW) == []
    assert "가중치 초기화(weight initialization)" in text and "포화(saturation)" in text
    worded = [line for line in text.splitlines() if re.search("[A-Za-z]{3,}|[가-힣]", line)]
    # every line with words has Hangul, but for the tables' rows of names and numbers
    rows = [line for line in worded if not HANGUL.search(line)]
    assert all(re.match(r"  (Xavier|He|PyTorch) ", line) for line in rows), rows


@NEEDS_FONT
def test_the_korean_picture_is_korean(runs):
    result, _, drawn = runs["ko"]
    assert result["plot"].read_bytes()[:8] == PNG_MAGIC
    assert english_words("\n".join(drawn), ALLOW) == [], drawn
    assert "너무 작은 값" in drawn and any("발산" in t for t in drawn)


@NEEDS_FONT
def test_no_glyph_is_missing_in_korean(tmp_path, monkeypatch, no_missing_glyphs):
    """An empty box in the Korean picture fails the test (the no_missing_glyphs fixture)."""
    _run(tmp_path, monkeypatch, "--lang", "ko", "--depth", "3", "--width", "8",
         "--samples", "64", "--epochs", "1")  # fmt: skip


# ------------------------------------------------------------------ command line
@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--depth", "2"], "--depth"),
        (["--depth", "31"], "--depth"),
        (["--width", "4"], "--width"),
        (["--samples", "10"], "--samples"),
        (["--epochs", "0"], "--epochs"),
        (["--lr", "0"], "--lr"),
        (["--lr", "nan"], "--lr"),
        (["--lang", "fr"], "--lang"),
    ],
)
def test_bad_options_are_one_usage_line(argv, option, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["initialization", "--out", str(tmp_path / "o"), *argv])
    assert exit_info.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_it_is_a_builtin_command_with_a_script_wrapper():
    assert demo_modules()["initialization"] is demo and demo.BUILTIN_DATA
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "initialization.py"), "--help"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for option in ("--depth", "--width", "--samples", "--epochs", "--lr", "--lang"):
        assert option in done.stdout
