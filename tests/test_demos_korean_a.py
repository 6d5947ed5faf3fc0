"""Seven concept demos in Korean: activations, dying-relu, sigmoid-vs-tanh, softmax,
vanishing-gradients, gradient-ascent and matrix-form.

Each takes ``--lang ko`` (and ``$MICROGRAD_MLP_LANG``); a Korean run prints no English sentence
(``english_words`` finds none outside identifiers, options and the field's acronyms), and every
text its picture draws -- titles, axes, legends, notes -- is Korean too, drawn with a Hangul font
(no missing glyph). English stays the default, and the two languages report the same numbers.

A Korean term's first use is "한글(English)" (docs/ko/glossary.md): such a gloss is taken out
before looking for English words, but only when its English is the glossary's (or one of the few
listed below for terms the glossary does not have).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from korean_output import english_words
from matplotlib.text import Text

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import (
    _output,
    activations,
    dying_relu,
    gradient_ascent,
    matrix_form,
    sigmoid_vs_tanh,
    softmax,
    vanishing_gradients,
)
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.messages import catalogue
from micrograd_mlp.viz import fonts

ROOT = Path(__file__).resolve().parents[1]
HANGUL = re.compile("[\uac00-\ud7a3]")
pytestmark = pytest.mark.skipif(
    fonts.hangul_font() is None, reason="no Hangul font installed (apt-get install fonts-nanum)"
)

#: module -> (small, fast options; identifiers its text may spell in Latin letters). The
#: identifiers are math names written out: sin, cos (the regression target), pi and theta
#: (the policy's symbols).
CASES = {
    activations: (["--points", "21"], set()),
    dying_relu: (
        ["--samples", "64", "--hidden", "16", "--large-steps", "5", "--steps", "20"],
        {"sin", "cos"},
    ),
    sigmoid_vs_tanh: (
        ["--samples", "20", "--hidden", "4", "--steps", "30", "--lrs", "0.1", "0.3"],
        set(),
    ),
    softmax: (["--samples", "10", "--steps", "30"], set()),
    vanishing_gradients: (["--depth", "3", "--width", "4", "--samples", "8"], set()),
    gradient_ascent: (["--steps", "10"], {"pi", "theta"}),
    matrix_form: (["--batch", "3"], set()),
}
MODULES = list(CASES)
SAVE_FIGURE = _output.save_figure  # the real one (tests replace it to read the figures)
IDS = [m.COMMAND for m in MODULES]
#: Glosses "한글(english)" for terms the glossary does not list.
EXTRA_GLOSSES = {"two moons", "arm", "policy", "transpose"}


def glossary_english() -> set[str]:
    """The English terms of docs/ko/glossary.md's tables, lower case ("gradient", "dying relu",
    "binary cross-entropy", ...), each alternative of a cell separately."""
    terms = set()
    for line in (ROOT / "docs" / "ko" / "glossary.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith(("| 한국어", "|---")):
            continue
        english = line.strip("|").split("|")[2]
        for term in re.sub(r"\([^)]*\)", "", english).split(","):
            terms.add(term.strip().lower())
    return terms - {""}


GLOSSES = glossary_english() | EXTRA_GLOSSES


def without_glosses(text: str) -> str:
    """``text`` with every "한글(english)" gloss of a glossary term removed (a gloss is an
    English parenthesis right after a word, e.g. 학습률(learning rate), 죽은 ReLU(dying ReLU))."""

    def drop(match: re.Match) -> str:
        return "" if match.group(1).lower() in GLOSSES else match.group(0)

    return re.sub(r"(?<=\S)\(([A-Za-z][A-Za-z' -]*)\)", drop, text)


def test_glosses_are_removed_only_for_glossary_terms():
    assert "gradient" in GLOSSES and "dying relu" in GLOSSES and "cross-entropy" in GLOSSES
    assert without_glosses("기울기(gradient)가 죽은 ReLU(dying ReLU)") == "기울기가 죽은 ReLU"
    assert without_glosses("손실(loss after step)") == "손실(loss after step)"
    assert english_words(without_glosses("손실(loss after step)")) == ["loss", "after", "step"]


def _run(module, argv, monkeypatch, capsys) -> tuple[dict, str, list[list[str]]]:
    """Run ``module`` with ``argv``; (result, stdout, the texts of every figure it saved)."""
    drawn: list[list[str]] = []
    save = SAVE_FIGURE

    def keep_texts(fig, path):
        written = save(fig, path)  # drawn: tick labels and legends have their texts now
        texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible()]
        drawn.append([t for t in texts if t.strip()])
        return written

    monkeypatch.setattr(_output, "save_figure", keep_texts)
    result = run_demo(module, argv)
    return result, capsys.readouterr().out, drawn


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_korean_run_prints_and_draws_korean(
    module, tmp_path, monkeypatch, capsys, no_missing_glyphs
):
    argv, allow = CASES[module]
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)
    result, out, drawn = _run(module, [*argv, "--out", str(tmp_path), "--lang", "ko"],
                              monkeypatch, capsys)  # fmt: skip
    assert result["lang"] == "ko"
    assert english_words(without_glosses(out), allow) == []
    lines = [line for line in out.splitlines() if line.strip()]
    worded = [line for line in lines if re.search("[A-Za-z]{3,}|[\uac00-\ud7a3]", line)]
    # every line with words has Hangul, except the tables' rows of names and numbers
    assert sum(bool(HANGUL.search(line)) for line in worded) >= len(worded) // 2
    # the pictures: every text Korean (or an identifier, formula or number)
    assert len(drawn) == len(module.PICTURES)
    topic = module.__name__.rsplit(".", 1)[-1]
    korean = {v for k, v in catalogue("ko").items() if k.startswith(f"{topic}.plot_")}
    for texts in drawn:
        assert english_words("\n".join(texts), allow) == [], texts
        assert any(HANGUL.search(t) for t in texts)
        # the titles and labels are the catalogue's (those without fields match exactly)
        assert korean & set(texts) or not [v for v in korean if "{" not in v]


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_language_comes_from_the_environment(module, tmp_path, monkeypatch, capsys):
    argv, _ = CASES[module]
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    result, out, drawn = _run(module, [*argv, "--out", str(tmp_path)], monkeypatch, capsys)
    assert result["lang"] == "ko" and HANGUL.search(out)
    assert all(any(HANGUL.search(t) for t in texts) for texts in drawn)
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "en")
    result, out, _ = _run(module, [*argv, "--out", str(tmp_path), "--lang", "ko"],
                          monkeypatch, capsys)  # fmt: skip
    assert result["lang"] == "ko" and HANGUL.search(out)  # --lang wins over the environment


def _numbers(value) -> list:
    """Every number of a result, in a stable order (dicts by key), paths and texts left out."""
    if isinstance(value, dict):
        skip = {"lang", "plot", "names"}
        return [n for k in sorted(value, key=str) if k not in skip for n in _numbers(value[k])]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, np.ndarray):
        return value.ravel().tolist()
    if isinstance(value, (bool, int, float, np.number)):
        return [value]
    return []


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_english_is_the_default_and_reports_the_same_numbers(
    module, tmp_path, monkeypatch, capsys
):
    argv, _ = CASES[module]
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)
    english, out_en, drawn_en = _run(module, [*argv, "--out", str(tmp_path / "en")],
                                     monkeypatch, capsys)  # fmt: skip
    korean, out_ko, _ = _run(module, [*argv, "--out", str(tmp_path / "ko"), "--lang", "ko"],
                             monkeypatch, capsys)  # fmt: skip
    assert english["lang"] == "en"
    assert not HANGUL.search(out_en)
    assert not any(HANGUL.search(t) for texts in drawn_en for t in texts)
    # The same run in other words: the same numbers, the same lines.
    en_numbers, ko_numbers = _numbers(english), _numbers(korean)
    assert en_numbers and np.array_equal(np.array(en_numbers), np.array(ko_numbers), True)
    assert len(out_en.splitlines()) == len(out_ko.splitlines())


@pytest.mark.parametrize(
    ("module", "argv", "key"),
    [
        (gradient_ascent, ["--rewards", "1"], "gradient_ascent.too_few_rewards"),
        (gradient_ascent, ["--rewards", "2", "2"], "gradient_ascent.equal_rewards"),
        (sigmoid_vs_tanh, ["--lrs", *["0.1"] * 21], "sigmoid_vs_tanh.too_many_lrs"),
        (dying_relu, ["--samples", "64", "--hidden", "20", "--steps", "20", "--lr", "10"],
         "dying_relu.ended_above"),
    ],
)  # fmt: skip
def test_user_errors_are_one_korean_line(module, argv, key, tmp_path):
    with pytest.raises(UserError) as error:
        run_demo(module, [*argv, "--out", str(tmp_path), "--lang", "ko"])
    text = str(error.value)
    assert "\n" not in text and HANGUL.search(text)
    assert english_words(text) == []
    fixed = catalogue("ko")[key].split("{")[0]  # the message's text before its first field
    assert text.startswith(fixed) or catalogue("ko")[key].split("}")[-1] in text
    assert list(tmp_path.iterdir()) == []


def test_tables_line_up_in_both_languages():
    assert _output.columns("확신이 없는 점") == 14 and _output.columns("an unsure point") == 15
    assert _output.rjust("클래스 0의 중심", 17) == "  클래스 0의 중심"
