"""Nothing lost, nothing silent (issue 20) in the explorer, the formulas and the pictures of
``explore`` and ``backprop``: text that could break the page, graphs too big for Graphviz to lay
out quickly, a ``dot`` that crashes or hangs, options that overflow, an ``--out`` that cannot be
written, full-width input, Hangul names in an English run. Each test failed before its fix.

The page is checked in the real headless Chromium of ``tests/test_explorer.py`` (its fixture);
tests that need Graphviz's ``dot`` or a Hangul font skip without them.
"""

from __future__ import annotations

import math
import os
import stat
import tempfile
import time
import warnings
from pathlib import Path

import pytest
from test_explorer import _console_errors, needs_dot, page_data, start_browser

from micrograd_mlp.cli import describe_error, run_demo
from micrograd_mlp.demos import backprop, explore
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.engine import Value
from micrograd_mlp.expression import parse_expression
from micrograd_mlp.viz import fonts, graph
from micrograd_mlp.viz.explorer import Explorer, explorer
from micrograd_mlp.viz.graph import DotFailedError, draw_dot, save_graph

#: Text that ended or commented out the page's script, or that HTML, JavaScript, JSON,
#: Graphviz records or the page's own template markers read as syntax.
HOSTILE = [
    "<!--<script>",
    "</script><script>window.pwned = 1</script>",
    "]]><![CDATA[ &amp; &lt;b&gt; &#60;",
    "line\u2028sep\u2029para",
    "'\"`${x}\\ \\N \\G",
    "사과 <가격> & 세금",
    "{{DATA}} {{SVG}} {{ui:play}}",
    "a|b{c}<d>",
]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)


@pytest.fixture(scope="module")
def browser():
    yield from start_browser()


def _hostile_graph(text: str) -> tuple[Value, Value, Value]:
    """out = tanh(x * y) + 1 with the input x and the product labelled ``text``."""
    x, y = Value(1.5, label=text), Value(-2.0, label="y")
    product = x * y
    product.label = text + " (x*y)"
    return (product.tanh() + 1.0), x, product


def _texts(driver, page: Explorer) -> dict:
    """What the browser shows: each record's name field, the title, the heading."""
    return driver.execute_script(
        "var out = {names: [], title: document.title,"
        " h1: document.querySelector('h1').textContent, pwned: window.pwned === 1};"
        f"for (var i = 0; i < {len(page.names)}; i++)"
        "  out.names.push(document.getElementById('n' + i).querySelector('text').textContent);"
        "return out;"
    )


# ----------------------------------------------------------------------- 1. hostile text
@needs_dot
@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_labels_and_titles_show_as_typed_and_the_page_works(browser, tmp_path, text):
    # "<!--<script>" in a label left window.explorer undefined, with no console error: only
    # "</" was escaped in the data.
    root, x, product = _hostile_graph(text)
    page = Explorer(root, title=f"title {text}")
    path = page.save(tmp_path / "page.html")
    browser.get_log("browser")
    browser.get(path.resolve().as_uri())
    assert browser.execute_script("return typeof window.explorer") == "object"
    shown = _texts(browser, page)
    assert not shown["pwned"]
    assert shown["title"] == shown["h1"] == f"title {text}"
    assert shown["names"] == page.names
    assert text in page.names and f"{text} (x*y)" in page.names
    # the panel and the step text show it as typed too
    browser.execute_script(f"window.explorer.go({page.steps - 1})")
    browser.find_element("id", f"n{page.names.index(text)}").click()
    assert browser.execute_script("return document.getElementById('pname').textContent") == text
    browser.execute_script(f"window.explorer.go({page.names.index(text)})")
    lines = browser.execute_script("return document.getElementById('lines').textContent")
    assert lines.startswith(f"{text} = 1.5")
    root.backward()
    assert browser.execute_script("return window.explorer.go(1e9), window.explorer.current()")[
        "grads"
    ][text] == x.grad
    assert _console_errors(browser) == []
    # No script-ending or comment-opening sequence is left in the page's data.
    data = page.html.split("window.EXPLORER_DATA = ", 1)[1].split(";\n</script>", 1)[0]
    assert "<" not in data and ">" not in data and "\u2028" not in data
    assert page_data(page)["title"] == f"title {text}"


@needs_dot
def test_the_notebook_iframe_survives_hostile_text(browser, tmp_path):
    # _repr_html_ embeds the whole page in srcdoc: the same flaw broke it there.
    root, _, _ = _hostile_graph("<!--<script>")
    page = Explorer(root, title="</script><!--")
    wrapper = tmp_path / "notebook.html"
    wrapper.write_text(f"<!DOCTYPE html><html><body>{page._repr_html_()}</body></html>", "utf-8")
    browser.get(wrapper.resolve().as_uri())
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    try:
        assert browser.execute_script("return typeof window.explorer") == "object"
        assert _texts(browser, page)["names"] == page.names
        assert browser.execute_script("return document.title") == "</script><!--"
    finally:
        browser.switch_to.default_content()


@needs_dot
def test_a_formula_whose_comment_holds_markup_makes_a_working_page(browser, tmp_path, capsys):
    # Python's parser accepts a comment, and the formula is the page's title.
    formula = "x*y  # </script><!--<script> 사과"
    result = run_demo(explore, [formula, "--values", "x=2", "y=3", "--out", str(tmp_path)])
    browser.get(result["page"].resolve().as_uri())
    assert browser.execute_script("return typeof window.explorer") == "object"
    assert formula in browser.execute_script("return document.querySelector('h1').textContent")


def test_unprintable_text_and_lone_surrogates_cannot_break_the_file(tmp_path):
    # A lone surrogate made the page impossible to encode as UTF-8; a newline split a record.
    x = Value(2.0, label="a\ud800b\nc\x00d")
    page = Explorer(x * 3.0, title="t\udfff")
    page.save(tmp_path / "page.html")  # encodes
    assert page.names[0] == "a\ufffdb c\ufffdd"
    assert page_data(page)["title"] == "t\ufffd"


# ---------------------------------------------------- 2. graphs too big for a quick layout
@needs_dot
def test_a_formula_of_150_terms_is_laid_out_in_seconds(tmp_path, capsys):
    # x + x + ... + x with 150 terms (150 values, under the limit of 400) took dot about 30 s,
    # then it crashed and the command ended in a traceback: every use of x was an edge from
    # the one x, across up to 300 ranks. Far uses now start from a copy of x beside them.
    formula = " + ".join(["x"] * 150)
    start = time.monotonic()
    result = run_demo(explore, [formula, "--values", "x=0.5", "--out", str(tmp_path)])
    assert time.monotonic() - start < 30  # about 4 s on a shared 2-core machine
    text = result["page"].read_text("utf-8")
    for i in range(1, 150):  # every operation and both of its edges are on the page
        assert f'id="n{i}op"' in text and f'id="e{i}_0"' in text and f'id="e{i}_1"' in text
    data = page_data_of(text)
    copies = [c for node in data["nodes"] for c in node["copies"]]
    assert len(copies) > 100 and all(c.startswith("n0c") for c in copies)  # copies of x
    assert 'id="legend-copy"' in text
    # and the same graph as a static picture, which took dot over a minute
    start = time.monotonic()
    save_graph(draw_dot(parse_expression(formula, {"x": 0.5})), tmp_path / "graph.svg")
    assert time.monotonic() - start < 30


def page_data_of(text: str) -> dict:
    import json

    return json.loads(text.split("window.EXPLORER_DATA = ", 1)[1].split(";\n</script>", 1)[0])


def test_far_edges_are_the_long_ones():
    x = Value(1.0, label="x")
    near = (x + 1.0) * x  # x's second use is 3 ranks away: drawn as one node with two edges
    assert graph.far_edges(near.topological_order()) == set()
    chain = x
    for _ in range(8):
        chain = chain + x
    order = chain.topological_order()
    far = graph.far_edges(order)
    assert far and all(order[i]._children[k] is x for i, k in far)
    assert (order.index(chain), 1) in far and len(far) < 8  # the first uses stay edges


# ------------------------------------------------------------------ 3. a dot that fails
def _fake_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """A ``dot`` first on PATH that runs ``script`` (sh) instead of Graphviz."""
    folder = tmp_path / "fakebin"
    folder.mkdir()
    dot = folder / "dot"
    dot.write_text(f"#!/bin/sh\ncat > /dev/null\n{script}\n", "utf-8")
    dot.chmod(dot.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")


FAILURES = [
    ("kill -SEGV $$", "crashed (killed by SIGSEGV)", "with no message"),
    ("echo 'Error: trouble in init_rank' >&2; exit 3", "failed (exit status 3)",
     "dot said: Error: trouble in init_rank"),
    ("exit 1", "failed (exit status 1)", "with no message"),
]  # fmt: skip


@pytest.mark.parametrize(("script", "how", "said"), FAILURES, ids=["signal", "stderr", "silent"])
def test_a_failing_dot_is_one_line_saying_what_happened(tmp_path, monkeypatch, script, how, said):
    # It read "RuntimeError: graphviz 'dot' failed ...:" with nothing after the colon, in a
    # traceback, in both commands.
    _fake_dot(tmp_path, monkeypatch, script)
    out = tmp_path / "e" / "page.html"
    with pytest.raises(UserError) as raised:
        run_demo(explore, ["x*y", "--values", "x=1", "y=2", "--out", str(out)])
    line = describe_error(raised.value)
    assert "\n" not in line and how in line and said in line
    assert "Try a smaller graph" in line and line.endswith("no page was written")
    assert not out.exists()
    with pytest.raises(SystemExit) as exit_info:
        run_demo(backprop, ["x*y", "--values", "x=1", "y=2", "--out", str(tmp_path / "b")])
    line = exit_info.value.code
    assert line.startswith("micrograd-mlp backprop: error: Graphviz's 'dot' ")
    assert "\n" not in line and how in line and said in line
    assert not list((tmp_path / "b").glob("frame_*"))
    assert not (tmp_path / "b" / "backward.gif").exists()


def test_a_dot_that_hangs_is_stopped(tmp_path, monkeypatch):
    _fake_dot(tmp_path, monkeypatch, "sleep 20")
    monkeypatch.setattr(graph, "DOT_TIMEOUT", 0.5)
    start = time.monotonic()
    with pytest.raises(DotFailedError, match=r"did not finish .* within 0\.5 s and was stopped"):
        explorer(Value(1.0, label="x") * 2.0)
    assert time.monotonic() - start < 10


# ------------------------------------------------------------------ 4. options that overflow
@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--target", "1e200"], "argument --target: must be >= -1e+06 and <= 1e+06, got 1e+200"),
        (["--inputs", "1e300", "1"], "argument --inputs: must be >= -1e+06 and <= 1e+06"),
        (["--lr", "1e7"], "argument --lr: must be >= 0 and <= 1e+06, got 1e+07"),
    ],
)
def test_mlp_options_that_would_overflow_are_refused_up_front(argv, said, tmp_path, capsys):
    # --target 1e200 ended in an OverflowError traceback (the squared error is beyond float64).
    with pytest.raises(SystemExit) as exit_info:
        run_demo(explore, ["--mlp", *argv, "--out", str(tmp_path / "p.html")])
    assert exit_info.value.code == 2 and said in capsys.readouterr().err
    assert not (tmp_path / "p.html").exists()


def test_the_largest_options_run_and_an_overflow_while_running_is_one_line(
    tmp_path, monkeypatch, capsys
):
    big = ["--inputs", "1e6", "-1000000", "--target", "-1000000", "--lr", "1e6"]
    result = run_demo(explore, ["--mlp", *big, "--out", str(tmp_path / "big.html")])
    assert all(math.isfinite(s["after"]) for s in page_data_of(
        result["page"].read_text("utf-8"))["steps"] if s["phase"] == "update")  # fmt: skip
    real = explore.mlp_step

    def overflowing(*args, **kwargs):
        loss, model, _ = real(*args, **kwargs)

        def forward():
            raise OverflowError("math range error")

        return loss, model, forward

    monkeypatch.setattr(explore, "mlp_step", overflowing)
    out = tmp_path / "over.html"
    with pytest.raises(UserError) as raised:
        run_demo(explore, ["--mlp", "--out", str(out)])
    assert describe_error(raised.value) == "math range error; no page was written"
    assert not out.exists()
    root = Value(2.0, label="w") * 10.0
    (w,) = [v for v in root.topological_order() if v.label == "w"]
    with pytest.raises(OverflowError, match="the update of w gives -inf.*smaller lr"):
        explorer(root, params=[w], lr=1e308)


# ------------------------------------------------------------------ 5. --out errors
@pytest.mark.parametrize("command", ["explore", "backprop"])
def test_out_errors_name_the_users_path_not_a_hidden_temporary(command, tmp_path, monkeypatch):
    # An --out naming an existing directory, or a place that cannot be written, got an error
    # naming '.page.html.NNN.tmp'.
    module = explore if command == "explore" else backprop
    argv = ["x*y", "--values", "x=1", "y=2"]
    target = tmp_path / "page.html" if command == "explore" else tmp_path / "b" / "trace.txt"
    target.mkdir(parents=True)  # a directory where the file goes
    out = target if command == "explore" else target.parent
    with pytest.raises(IsADirectoryError) as raised:
        run_demo(module, [*argv, "--out", str(out)])
    assert describe_error(raised.value) == f"Is a directory: '{target}'"
    target.rmdir()

    def refuse(*args, dir=None, prefix="", suffix="", **kwargs):
        raise PermissionError(13, "Permission denied", f"{dir}/{prefix}abcdefgh{suffix}")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # as a directory this user cannot write
    with pytest.raises(PermissionError) as raised:
        run_demo(module, [*argv, "--out", str(out)])
    assert describe_error(raised.value) == f"Permission denied: '{target}'"


# ------------------------------------------------------------------ 6. full-width input
@pytest.mark.parametrize("command", ["explore", "backprop"])
def test_full_width_formula_and_values_work_in_both_commands(command, tmp_path, capsys):
    # "ｘ*ｙ --values ｘ=3 ｙ=-2" (a Korean keyboard in full-width mode) was refused: the
    # formula's names were normalised, the values' were not.
    argv = ["ｘ*ｙ", "--values", "ｘ=3", "ｙ＝－２", "--out", str(tmp_path)]
    if command == "explore":
        result = run_demo(explore, argv)
        assert result["names"] == ["x", "y", "out"] and result["expression"] == "x*y"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", graph.DotNotFoundWarning)
            result = run_demo(backprop, [*argv, "--no-gif"])
        assert result["grads"] == {"x": -2.0, "y": 3.0} and result["expression"] == "x*y"


# ------------------------------------------------- 7. Hangul names in an English picture
NEEDS_HANGUL_FONT = pytest.mark.skipif(fonts.hangul_font() is None, reason="no Hangul font")


@NEEDS_HANGUL_FONT
def test_hangul_names_in_an_english_chart_get_a_hangul_font(tmp_path, capsys):
    # backprop's gradients.png drew Hangul variable names as empty boxes in an English run,
    # although a Hangul font was installed: the font followed --lang, not the text.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_demo(
            backprop, ["사과*개수", "--values", "사과=100", "개수=2", "--lang", "en", "--no-gif",
                       "--out", str(tmp_path)],
        )  # fmt: skip
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == [] and result["plot"].stat().st_size > 0
    assert result["grads"] == {"사과": 2.0, "개수": 100.0}
    assert fonts.plot_rc("en", ["사과"]) == {"font.family": ["DejaVu Sans", fonts.hangul_font()]}
    assert fonts.plot_rc("en", ["x"]) == {}
    assert fonts.plot_rc("ko")["font.family"] == [fonts.hangul_font(), "DejaVu Sans"]


def test_without_a_hangul_font_hangul_names_warn(monkeypatch):
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    with pytest.warns(fonts.HangulFontWarning, match="empty boxes.*fonts-nanum"):
        assert fonts.plot_rc("en", ["사과"]) == {}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_graph_above_the_pages_limit_is_refused_up_front_naming_the_limit(lang, tmp_path):
    # It said "... or raise max_nodes", a keyword the command line does not have.
    from micrograd_mlp.messages import message

    formula = "+".join(["x"] * (explore.MAX_VALUES + 1))
    out = tmp_path / "p.html"
    start = time.monotonic()
    with pytest.raises(UserError) as raised:
        run_demo(explore, [formula, "--values", "x=1", "--lang", lang, "--out", str(out)])
    assert time.monotonic() - start < 10 and not out.exists()
    assert describe_error(raised.value) == message(
        "explore.too_big", lang, values=explore.MAX_VALUES + 1, limit=explore.MAX_VALUES
    )
    assert str(explore.MAX_VALUES) in str(raised.value) and "max_nodes" not in str(raised.value)
