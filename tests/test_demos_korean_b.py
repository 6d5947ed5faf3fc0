"""``--lang ko`` and ``MICROGRAD_MLP_LANG=ko`` for moons, xor, regression, linear-collapse,
learning-rate, batch-size and losses: every line a Korean run prints and every text of every
picture it draws comes from the Korean catalogue (identifiers and symbols aside), each English
gloss after a Korean term is a glossary term given once, and English stays the default.

The runs use small options (a second or two each); the claims of the full runs are asserted in
English by tests/test_demos.py, test_concept_demos.py, test_losses_demo.py and test_optim_demos.py.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from pathlib import Path

import pytest
from demo_runs import figure_texts, run_once
from korean_output import english_words

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import linear_collapse, moons
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.messages import catalogue
from micrograd_mlp.viz import fonts

ROOT = Path(__file__).resolve().parents[1]
HANGUL = re.compile("[\uac00-\ud7a3]")
#: "한글(English)": an English gloss right after a Korean term.
GLOSS = re.compile(r"(?<=[\uac00-\ud7a3])\(([A-Za-z][A-Za-z -]*)\)")
NEEDS_FONT = pytest.mark.skipif(
    fonts.hangul_font() is None, reason="no Hangul font installed (apt-get install fonts-nanum)"
)

#: Small options per command: every kind of line and picture, in a second or two.
RUNS: dict[str, tuple[str, ...]] = {
    "moons": ("--samples", "10", "--steps", "3"),
    "xor": ("--epochs", "10", "--hidden", "2"),
    "regression": ("--samples", "10", "--linear-epochs", "3", "--epochs", "3", "--hidden", "2"),
    "linear-collapse": ("--hidden", "2"),
    "learning-rate": ("--epochs", "5", "--optimizer-epochs", "5", "--schedule-epochs", "3"),
    "batch-size": ("--n", "10", "--epochs", "3"),
    "losses": (
        "--n", "10", "--outliers", "1", "--epochs", "3", "--moons", "8", "--class-epochs", "2",
        "--noise-n", "20", "--noise-epochs", "3",
    ),
}  # fmt: skip
#: Other small options, for the run from the environment: the other branches of the text
#: (a perceptron and a linear stack that still draw a line, a batch size with a short last batch).
OTHER_RUNS: dict[str, tuple[str, ...]] = {
    "moons": ("--samples", "6", "--steps", "1"),
    "xor": ("--perceptron-epochs", "1", "--epochs", "2", "--hidden", "1"),
    "regression": ("--samples", "5", "--linear-epochs", "1", "--epochs", "1", "--hidden", "1"),
    "linear-collapse": ("--hidden", "2", "--epochs", "1"),
    "learning-rate": ("--lrs", "0.1", "0.2", "0.3", "--epochs", "2", "--optimizer-epochs", "2",
                      "--schedule-epochs", "2"),
    "batch-size": ("--n", "7", "--batch-sizes", "7", "3", "--epochs", "2"),
    "losses": (
        "--n", "6", "--outliers", "0", "--epochs", "2", "--moons", "4", "--class-epochs", "1",
        "--noise-n", "20", "--noise-epochs", "1",
    ),
}  # fmt: skip
#: Identifiers and symbols a Korean run of each command may print (beyond korean_output.COMMON):
#: function, class and variable names, never English words.
ALLOW: dict[str, set[str]] = {
    "moons": set(),
    "xor": set(),
    "regression": {"dw", "db", "pi", "sin"},
    "linear-collapse": set(),
    "learning-rate": {"StepLR", "ExponentialLR", "CosineAnnealingLR"},
    "batch-size": {"ceil", "sin"},
    "losses": {"RMS", "RMSE", "full", "onehot", "pi", "sigma", "sin", "var"},
}
TOPICS = {command: command.replace("-", "_") for command in RUNS}


def glossary_terms() -> set[str]:
    """The English terms of docs/ko/glossary.md's tables, lower case: each comma-separated name
    of the English column, with and without its parenthesised acronym."""
    terms = set()
    for line in (ROOT / "docs" / "ko" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) < 3 or cells[2] in ("English", "---"):
            continue
        english = re.sub(r"\([^)]*\)", "", cells[2])
        terms |= {term.strip().lower() for term in english.split(",") if term.strip()}
    return terms


def _korean(command: str, out: Path, argv: tuple[str, ...]):
    run = run_once(command, out, *argv)
    assert run.result["lang"] == "ko"
    return run


@pytest.fixture(scope="module", params=list(RUNS))
def korean(request, tmp_path_factory):
    command = request.param
    out = tmp_path_factory.mktemp(TOPICS[command])
    return command, _korean(command, out, ("--lang", "ko", *RUNS[command]))


def _no_english(command: str, text: str) -> list[str]:
    return english_words(GLOSS.sub("", text), ALLOW[command])


def test_a_korean_run_prints_no_english_sentence(korean):
    command, run = korean
    assert _no_english(command, run.text) == [], run.text
    assert sum(bool(HANGUL.search(line)) for line in run.text.splitlines()) >= 3
    # The check can see English: the same run in English fails it.
    assert len(_no_english(command, run_once(command, run.out / "en", *RUNS[command]).text)) > 5


def test_every_gloss_is_a_glossary_term_given_once(korean):
    _, run = korean
    glosses = Counter(GLOSS.findall(run.text))
    terms = glossary_terms()
    assert {"decision boundary", "learning rate", "mini-batch", "mean squared error"} <= terms
    assert [g for g in glosses if g.lower() not in terms] == []
    assert [g for g, n in glosses.items() if n > 1] == []


@NEEDS_FONT
def test_every_text_of_every_picture_is_korean(korean):
    command, run = korean
    module = importlib.import_module(f"micrograd_mlp.demos.{TOPICS[command]}")
    assert set(run.figures) == {name for name in module.PICTURES if name.endswith(".png")}
    for name, fig in run.figures.items():
        texts = figure_texts(fig)
        assert english_words("\n".join(texts), ALLOW[command]) == [], (name, texts)
        titles = [fig._suptitle.get_text()] if fig._suptitle else []
        titles += [ax.get_title() for ax in fig.axes]
        assert any(HANGUL.search(t) for t in titles), (name, titles)
        assert (run.out / name).stat().st_size > 0
    assert not [w for w in run.warnings if "missing from font" in w]  # no empty boxes


def test_every_message_of_these_commands_is_in_both_catalogues():
    english, korean = catalogue("en"), catalogue("ko")
    for topic in TOPICS.values():
        keys = {k for k in english if k.startswith(f"{topic}.")}
        assert keys and keys == {k for k in korean if k.startswith(f"{topic}.")}
        translated = [k for k in keys if HANGUL.search(korean[k])]
        # Labels that are names (MLP, "lr = ...", "{model} {gate}") may stay as they are.
        assert len(translated) >= 0.75 * len(keys), topic


@pytest.mark.parametrize("command", list(RUNS))
def test_the_environment_selects_korean_and_english_stays_the_default(
    command, tmp_path, monkeypatch
):
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    run = _korean(command, tmp_path / "ko", OTHER_RUNS[command])
    assert _no_english(command, run.text) == [], run.text
    for name, fig in run.figures.items():
        assert english_words("\n".join(figure_texts(fig)), ALLOW[command]) == [], name
    monkeypatch.delenv("MICROGRAD_MLP_LANG")
    english = run_once(command, tmp_path / "en", *OTHER_RUNS[command])
    assert english.result["lang"] == "en"
    assert not HANGUL.search(english.text) and "wrote" in english.text


def test_a_diverging_run_stops_with_one_korean_line(tmp_path):
    argv = ["--out", str(tmp_path), "--lang", "ko", "--samples", "10", "--steps", "30"]
    with pytest.raises(UserError) as error:
        run_demo(moons, [*argv, "--lr", "1e9"])
    line = str(error.value)
    assert "\n" not in line and "번째 업데이트에서 학습 손실이" in line
    assert line.endswith("학습이 발산했습니다. --lr 값을 1e+09보다 작게 주세요")
    said = "^\\d+번째 업데이트에서 학습 손실이 .*1e\\+30보다 작게 주세요$"
    with pytest.raises(UserError, match=said):
        run_demo(
            linear_collapse,
            ["--out", str(tmp_path), "--lang", "ko", "--hidden", "2", "--lr", "1e30"],
        )


def test_a_bad_language_in_the_environment_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "fr")
    with pytest.raises(UserError, match="MICROGRAD_MLP_LANG: unknown language 'fr'"):
        run_demo(moons, ["--out", str(tmp_path), "--samples", "4", "--steps", "1"])
