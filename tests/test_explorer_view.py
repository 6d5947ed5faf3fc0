"""The explorer's names and its first view (issue 21): readable names for computed nodes (the
op and its operands, shortened), constants as their numbers, and a view that shows the output
with text large enough to read ("fit" stops at a readable size and pans).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_explorer import (
    README_FORMULA,
    README_VALUES,
    _console_errors,
    _open,
    _screenshot,
    needs_dot,
    page_data,
    start_browser,
)

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import explore
from micrograd_mlp.engine import Value
from micrograd_mlp.expression import parse_expression
from micrograd_mlp.viz.explorer import Explorer


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)


@pytest.fixture(scope="module")
def browser():
    yield from start_browser()


def test_unlabelled_nodes_are_named_by_their_formula_and_constants_by_their_number() -> None:
    # They were v1 ... v15, and the second 1 of a formula showed as "1#2".
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + 1.0).tanh() * a + 1.0
    page = Explorer(out)
    assert page.names == [
        "a", "b", "a*b", "1", "a*b + 1", "tanh(a*b + 1)", "tanh(a*b + 1)*a", "1", "out"
    ]  # fmt: skip
    data = page_data(page)
    lines = [line for step in data["steps"] for line in step["lines"]]
    assert "a*b + 1 = 1 × 1 = 1" not in lines  # no "name = formula" twice over
    assert any(line.startswith("d out/d (a*b) = ") for line in lines)
    # Long formulas are shortened; names stay unique; unlabelled leaves are v1, v2, ...
    x = Value(0.5)
    chain = x
    for _ in range(7):
        chain = chain + x
    names = Explorer(chain).names
    assert names[0] == "v1" and names[-1] == "out" and len(set(names)) == len(names)
    assert all(len(n) <= 22 for n in names) and "… + v1" in names


def test_a_parsed_formula_shows_its_parts_and_its_numbers(tmp_path) -> None:
    root = parse_expression("tanh(x*y + 1) * x + 1", {"x": 1.5, "y": -2.0})
    page = Explorer(root)
    assert page.names == [
        "x", "y", "x*y", "1", "x*y + 1", "tanh(x*y + 1)", "tanh(x*y + 1)*x", "1", "out"
    ]  # fmt: skip
    svg_names = re.findall(r'<g id="n\d+" class="node">\s*<title>[^<]*</title>.*?<text[^>]*>'
                           r"([^<]*)</text>", page.html, re.S)  # fmt: skip
    assert svg_names.count("1") == 2 and "1#2" not in page.html


@needs_dot
def test_the_first_view_and_fit_show_the_output_readably(browser, tmp_path: Path) -> None:
    # The output of the --mlp page was off-screen, and "fit" made its text unreadably small.
    result = run_demo(explore, ["--mlp", "--out", str(tmp_path / "mlp.html")])
    _open(browser, result["page"])
    out_id = f"n{len(result['names']) - 1}"
    view = (
        "var svg = document.getElementById('graph'), v = svg.getBoundingClientRect();"
        "var vb = svg.viewBox.baseVal, scale = Math.min(v.width / vb.width, v.height / vb.height);"
        "function inside(id) { var r = document.getElementById(id).getBoundingClientRect();"
        "  return r.left >= v.left - 1 && r.right <= v.right + 1 && r.top >= v.top - 1"
        "    && r.bottom <= v.bottom + 1; }"
        "var e = window.explorer, cur = e.current().node;"
        "var names = window.EXPLORER_DATA.nodes.map(function (n) { return n.name; });"
        f"return {{scale: scale, output: inside('{out_id}'),"
        "  current: inside('n' + names.indexOf(cur)), index: e.current().index};"
    )
    first = browser.execute_script(view)
    assert first["index"] == 0 and first["output"] and first["current"]
    assert first["scale"] >= 0.7 - 1e-9  # 12-unit edge labels at >= 8.4 px
    browser.find_element("id", "zoomout").click()
    browser.find_element("id", "zoomout").click()
    browser.find_element("id", "fit").click()
    fitted = browser.execute_script(view)
    assert fitted["scale"] >= 0.7 - 1e-9 and fitted["output"]
    for k in range(0, result["steps"], 3):  # "follow" keeps every step's node in view
        browser.execute_script(f"window.explorer.go({k})")
        assert browser.execute_script(view)["current"], k
    # A small graph fits whole, larger than readable.
    small = run_demo(explore, [README_FORMULA, "--values", *README_VALUES, "--out",
                               str(tmp_path / "small.html")])  # fmt: skip
    _open(browser, small["page"])
    laid_out = re.search(r'<svg id="graph"[^>]*viewBox="([^"]+)"', small["page"].read_text())
    shown = browser.execute_script(
        "return document.getElementById('graph').getAttribute('viewBox')"
    )
    assert [float(v) for v in shown.split()] == [float(v) for v in laid_out.group(1).split()]
    shot = _screenshot(browser, tmp_path / "out" / "small.png")
    assert shot.exists() and _console_errors(browser) == []
