"""Korean material: the message catalogues, the shopping example, Korean output and pictures
(Hangul fonts), README.ko.md, the glossary and the Korean tutorial's structure.

(The Korean tutorial's code blocks are run by tests/test_tutorial.py, with the English ones.)
"""

from __future__ import annotations

import re
import shutil
import string
import warnings
from pathlib import Path

import pytest

from micrograd_mlp.cli import main, run_demo
from micrograd_mlp.demos import backprop as backprop_demo
from micrograd_mlp.engine import Value
from micrograd_mlp.examples import EXAMPLES, example, shopping
from micrograd_mlp.messages import LANGUAGES, catalogue, message, resolve_lang
from micrograd_mlp.viz import fonts
from micrograd_mlp.viz.backprop import explain
from micrograd_mlp.viz.graph import DotNotFoundWarning, draw_dot, escape_label

ROOT = Path(__file__).resolve().parents[1]
HAVE_DOT = shutil.which("dot") is not None
HAVE_HANGUL_FONT = fonts.hangul_font() is not None
NEEDS_FONT = pytest.mark.skipif(
    not HAVE_HANGUL_FONT, reason="no Hangul font installed (apt-get install fonts-nanum)"
)
HANGUL = re.compile("[\uac00-\ud7a3]")


# ------------------------------------------------------------------------ catalogues
def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


#: Fields a translation may leave out: English-only details (Python's, NumPy's or the system's
#: own words, dot's message, the English plural ending ``s``), which a Korean line does not quote.
OMISSIBLE = frozenset(
    {"column", "detail", "failures", "kind", "reason", "s", "said", "text", "what"}
)


def test_every_key_in_every_language_with_the_same_fields_or_fewer_details():
    english = catalogue("en")
    assert english, "the English catalogue is empty"
    for lang in LANGUAGES:
        other = catalogue(lang)
        assert set(other) == set(english), (
            f"{lang}.json lacks {sorted(set(english) - set(other))}, "
            f"the English catalogue lacks {sorted(set(other) - set(english))}"
        )
        for key, template in english.items():
            left_out = _fields(template) - _fields(other[key])
            assert _fields(other[key]) <= _fields(template), f"{lang}.json {key!r}: a new field"
            assert left_out <= OMISSIBLE, f"{lang}.json {key!r}: fields {sorted(left_out)} missing"


def test_korean_catalogue_is_korean():
    # Every Korean message that is a sentence (not just a formula) has Hangul in it.
    ko, en = catalogue("ko"), catalogue("en")
    translated = [key for key in ko if ko[key] != en.get(key)]
    assert len(translated) > 0.5 * len(ko)
    assert all(HANGUL.search(ko[key]) for key in translated)


def test_environment_variable_selects_korean(monkeypatch):
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    assert resolve_lang() == "ko"
    assert message("examples.shopping.total") == "총액"
    assert shopping().root.label == "총액"
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "en")
    assert message("examples.shopping.total") == "total"
    assert resolve_lang("ko") == "ko"  # an explicit lang wins over the environment


def test_unknown_language_is_a_clear_error(monkeypatch):
    with pytest.raises(ValueError, match=r"lang: unknown language 'fr'; choose one of"):
        message("examples.shopping.total", "fr")
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "xx")
    with pytest.raises(ValueError, match="MICROGRAD_MLP_LANG: unknown language 'xx'"):
        shopping()


# ------------------------------------------------------------------------ the example
@pytest.mark.parametrize("lang", LANGUAGES)
def test_shopping_gradients_from_backward(lang):
    ex = shopping(lang)
    assert ex.root.data == pytest.approx(220.0)
    ex.root.backward()
    grads = {role: leaf.grad for role, leaf in ex.leaves.items()}
    assert grads == pytest.approx({"price": 2.2, "count": 110.0, "tax": 200.0}, rel=1e-12)
    labels = [leaf.label for leaf in ex.leaves.values()] + [ex.root.label]
    if lang == "ko":
        assert labels == ["사과 가격", "사과 개수", "소비세", "총액"]
    else:
        assert labels == ["price", "count", "tax", "total"]


def test_example_lookup():
    assert example("shopping", "ko").lang == "ko"
    assert "shopping" in EXAMPLES
    with pytest.raises(ValueError, match="unknown example 'fruit'; choose one of"):
        example("fruit")


# ------------------------------------------------------------------------ explain
def test_explain_in_korean_for_the_shopping_graph():
    trace = explain(shopping("ko").root, lang="ko").splitlines()
    assert trace == [
        "d 총액/d 총액 = 1  (시작값: 출력을 자기 자신으로 미분하면 1)",
        "d 총액/d (세전 금액) = d 총액/d 총액 * d 총액/d (세전 금액) = 1 * 1.1 = 1.1",
        "d 총액/d 소비세 = d 총액/d 총액 * d 총액/d 소비세 = 1 * 200 = 200",
        "d 총액/d (사과 가격) = d 총액/d (세전 금액) * d (세전 금액)/d (사과 가격) = 1.1 * 2 = 2.2",
        "d 총액/d (사과 개수) = d 총액/d (세전 금액) * d (세전 금액)/d (사과 개수)"
        " = 1.1 * 100 = 110",
    ]


def test_explain_remarks_in_korean_and_the_same_formulas_as_in_english(monkeypatch):
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    c = 2 * b
    c.label = "c"
    korean = explain(c, lang="ko")
    assert "(2곳 중 1번째 사용; 지금까지 d c/d a = 2)" in korean
    assert "(2곳 중 2번째 사용; 지금까지 d c/d a = 4)" in korean
    assert "(상수이므로 기울기를 저장하지 않음)" in korean
    english = explain(c, lang="en")
    assert "(use 2 of 2; d c/d a so far: 4)" in english and "a constant" in english
    formulas = [[line.split("  (")[0] for line in t.splitlines()] for t in (korean, english)]
    assert formulas[0] == formulas[1]
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    assert explain(c) == korean
    with pytest.raises(ValueError, match="unknown language 'de'"):
        explain(c, lang="de")


# ------------------------------------------------------------------------ the demo
def _demo(argv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DotNotFoundWarning)
        return run_demo(backprop_demo, argv)


def test_backprop_demo_shopping_in_korean(tmp_path, capsys):
    result = _demo(["--example", "shopping", "--lang", "ko", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert result["lang"] == "ko"
    assert result["grads"] == pytest.approx({"사과 가격": 2.2, "사과 개수": 110, "소비세": 200})
    assert list(result["grads"]) == ["사과 가격", "사과 개수", "소비세"]  # input order
    assert result["backward_agrees"] is True
    assert "출력 = 총액 = 사과 가격 × 사과 개수 × 소비세 = 220" in out
    assert "잎 노드(입력, 파라미터)의 기울기: 사과 가격 = 2.2, 사과 개수 = 110, 소비세 = 200" in out
    assert result["plot"] == tmp_path / "gradients.png" and result["plot"].stat().st_size > 0


def test_backprop_demo_language_from_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    result = _demo(["--example", "shopping", "--out", str(tmp_path), "--no-gif"])
    assert result["lang"] == "ko" and "총액" in capsys.readouterr().out
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "en")
    result = _demo(["--example", "shopping", "--out", str(tmp_path), "--no-gif"])
    assert result["grads"] == pytest.approx({"price": 2.2, "count": 110, "tax": 200})
    assert "out = total = price * count * tax = 220" in capsys.readouterr().out


def test_backprop_demo_refuses_bad_language_and_combinations(tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit, match="give either --example or an expression"):
        _demo(["x*y", "--values", "x=1", "y=2", "--example", "shopping", "--out", str(tmp_path)])
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "fr")
    with pytest.raises(SystemExit, match="MICROGRAD_MLP_LANG: unknown language 'fr'"):
        _demo(["--out", str(tmp_path)])
    monkeypatch.delenv("MICROGRAD_MLP_LANG")
    with pytest.raises(SystemExit) as exit_info:  # argparse: --lang has choices
        main(["backprop", "--lang", "fr", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "--lang: invalid choice: 'fr'" in capsys.readouterr().err


# ------------------------------------------------------------------------ fonts, pictures
@NEEDS_FONT
def test_korean_plot_renders_hangul_without_missing_glyphs(tmp_path):
    from matplotlib import font_manager

    grads = {"사과 가격": 2.2, "사과 개수": 110.0, "소비세": -200.0}  # a minus sign too
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = backprop_demo.plot_leaf_gradients(grads, "총액", tmp_path / "g.png", "ko")
    glyph_warnings = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert glyph_warnings == [] and path.stat().st_size > 0
    # The font matplotlib resolves for the Korean settings is a Hangul font's file.
    from matplotlib import rc_context

    with rc_context(fonts.plot_rc("ko")):
        found = font_manager.findfont(font_manager.FontProperties())
    assert "nanum" in found.lower() or fonts.hangul_font().split()[0].lower() in found.lower()


@NEEDS_FONT
def test_a_hangul_font_missing_from_matplotlibs_cache_is_still_found(monkeypatch):
    # A font installed after matplotlib built its cache: the font files are scanned and added.
    from matplotlib import font_manager

    stale = [f for f in font_manager.fontManager.ttflist if f.name not in fonts.HANGUL_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    fonts.hangul_font.cache_clear()
    try:
        assert fonts.hangul_font() in fonts.HANGUL_FONTS
    finally:
        fonts.hangul_font.cache_clear()


def test_english_plot_settings_are_matplotlib_defaults():
    assert fonts.plot_rc("en") == {}
    assert fonts.plot_lang("en") == "en"


def test_without_a_hangul_font_plots_fall_back_to_english(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    with pytest.warns(fonts.HangulFontWarning, match="apt-get install fonts-nanum"):
        assert fonts.plot_lang("ko") == "en"
    assert fonts.plot_rc("ko") == {}
    monkeypatch.setattr(backprop_demo, "plot_lang", fonts.plot_lang)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backprop_demo.plot_leaf_gradients({"x": 1.0}, "out", tmp_path / "g.png", "ko")
    kinds = [w.category for w in caught]
    assert fonts.HangulFontWarning in kinds
    assert not [w for w in caught if "missing from font" in str(w.message)]  # no empty boxes


def test_contains_hangul_and_graphviz_fontname():
    assert fonts.contains_hangul("d 총액/d x") and not fonts.contains_hangul("total")
    assert fonts.graphviz_fontname(["x", "w1"]) == "Helvetica"
    if HAVE_HANGUL_FONT:
        assert fonts.graphviz_fontname(["x", "사과"]) == fonts.hangul_font()


def test_hangul_record_labels_keep_their_spaces():
    # Graphviz 2.43 drops a space after a multi-byte character in a record label.
    assert escape_label("사과 가격") == "사과\u00a0가격"
    assert escape_label("apple price") == "apple price"
    assert escape_label("{사과 | x}") == "\\{사과\u00a0\\|\u00a0x\\}"


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")
@NEEDS_FONT
def test_korean_shopping_graph_renders_with_a_hangul_font():
    ex = shopping("ko")
    ex.root.backward()
    dot = draw_dot(ex.root)
    assert re.search(f'fontname="?{fonts.hangul_font()}"?', dot.source)
    svg = dot.pipe(format="svg").decode("utf-8").replace("\u00a0", " ")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for label in ("사과 가격", "사과 개수", "소비세", "세전 금액", "총액"):
        assert label in texts, f"{label!r} not drawn as one text (got {texts})"
    english = draw_dot(shopping("en").root)
    assert "fontname=Helvetica" in english.source


# ------------------------------------------------------------------------ documents
def _commands(text: str) -> list[str]:
    return re.findall(r"^```\n(python -m pip install .*)\n```$", text, re.MULTILINE)


def test_korean_readme_gives_the_same_two_commands():
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    korean = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    assert len(_commands(english)) == 2
    assert _commands(korean) == _commands(english)
    assert "(README.ko.md)" in english.split("\n## ")[0]  # linked from the top


@pytest.mark.parametrize(
    "name",
    ["README.ko.md", "docs/ko/tutorial.md", "docs/ko/glossary.md", "docs/ko/reading-the-engine.md"],
)
def test_korean_documents_link_to_files_that_exist(name):
    path = ROOT / name
    prose = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)  # no code
    links = re.findall(r"\]\(([^)#:]+)\)", prose)
    assert links
    for link in links:
        assert (path.parent / link).exists(), f"{name} links to missing {link}"


GLOSSARY_TERMS = (
    "역전파", "순전파", "기울기", "변화도", "손실 함수", "평균 제곱 오차",
    "평균 절대 오차", "교차 엔트로피", "최대 가능도 추정", "활성화 함수", "경사 하강법",
    "경사 상승법", "학습률", "에폭", "미니배치", "퍼셉트론", "다층 퍼셉트론", "계산 그래프",
    "위상 정렬", "연쇄 법칙", "가중치", "편향", "옵티마이저", "모멘텀", "과적합", "드롭아웃",
    "정규화", "소프트맥스", "원-핫", "로짓",
)  # fmt: skip


def test_glossary_has_a_row_for_every_term():
    text = (ROOT / "docs" / "ko" / "glossary.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    # a term is a row's preferred Korean term or one of its variants to avoid
    first_cells = [" ".join(row.split(" | ")[:2]).lstrip("| ") for row in rows]
    for term in GLOSSARY_TERMS:
        assert any(term in cell for cell in first_cells), f"no glossary row for {term}"
    for row in rows:  # Korean | variants to avoid | English | library / PyTorch | meaning
        assert row.count(" | ") == 4, row


def test_korean_tutorial_has_the_english_sections_in_korean():
    english = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    korean = (ROOT / "docs" / "ko" / "tutorial.md").read_text(encoding="utf-8")
    numbered = re.compile(r"^## (\d+)\. (.*)$", re.MULTILINE)
    assert [n for n, _ in numbered.findall(korean)] == [n for n, _ in numbered.findall(english)]
    assert all(HANGUL.search(title) for _, title in numbered.findall(korean))
    prose = re.sub(r"```.*?```", "", korean, flags=re.DOTALL)
    for section in prose.split("\n## ")[1:]:
        assert len(HANGUL.findall(section)) > 100, section.splitlines()[0]
    assert "U = W X" in korean and "Y = X W^\\top + b" in korean  # the notation table


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")
@NEEDS_FONT
def test_explorer_page_of_the_korean_shopping_graph_uses_a_hangul_font():
    from micrograd_mlp.viz.explorer import explorer

    page = explorer(shopping("ko").root)
    fonts_used = set(re.findall(r'font-family="([^"]*)"', page))
    assert fonts_used == {fonts.hangul_font()}
    for label in ("사과 가격", "사과 개수", "소비세", "세전 금액", "총액"):
        assert label in page


def test_backward_frames_captions_follow_the_language():
    # The frames' title, "so far", "upstream", constant and edge captions come from the
    # catalogue: English by default, Korean with lang="ko" (and a Hangul font for Graphviz).
    from micrograd_mlp.messages import message
    from micrograd_mlp.viz.backprop_frames import backward_graphs

    x = Value(3.0, label="x")
    out = x * x + 2.0
    english = backward_graphs(out)[0].source
    korean = backward_graphs(out, lang="ko")[0].source
    assert "backward step 1 of" in english and "local " in english
    for key in ("frames.upstream_mark", "frames.constant"):
        # record labels with Hangul get no-break spaces (see viz.graph.escape_label)
        assert message(key, "ko").strip().replace(" ", "\u00a0") in korean
        assert message(key, "en").strip() in english
    assert "역전파 1/" in korean and "국소 미분" in korean and "backward step" not in korean
