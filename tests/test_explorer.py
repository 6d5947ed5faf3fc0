"""The backward-pass explorer page (micrograd_mlp.viz.explorer, ``micrograd-mlp explore``),
opened from disk in a real headless Chromium: its numbers are backward()'s, stepping forward and
back works, the node panel explains the chain rule, and the page loads nothing from the network.

The browser tests skip with a reason when selenium, Chromium or ChromeDriver is missing; the
page needs Graphviz's ``dot`` (skip without it). One browser session serves the whole module.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from micrograd_mlp.cli import describe_error, run_demo
from micrograd_mlp.demos import explore
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.expression import parse_assignments, parse_expression
from micrograd_mlp.messages import message
from micrograd_mlp.optim import SGD
from micrograd_mlp.viz import Explorer, explorer, save_explorer
from micrograd_mlp.viz.backprop import backward_steps
from micrograd_mlp.viz.graph import DotNotFoundError, format_number

ROOT = Path(__file__).resolve().parents[1]
README_IMAGE = ROOT / "docs" / "images" / "explorer.png"
#: Set to 1 to rewrite docs/images/explorer.png (the README's screenshot) from this test's run.
WRITE_IMAGES = os.environ.get("MICROGRAD_MLP_WRITE_IMAGES") == "1"
#: The README's command (README.md "Explore the backward pass in your browser").
README_FORMULA = "(x + y) * x"
README_VALUES = ["x=3", "y=-2"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="the Graphviz 'dot' binary is not installed"
)
WINDOW = (1400, 800)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages are English unless a test asks for Korean (whatever the environment says)."""
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (fresh profile, no network services)."""
    yield from start_browser()


def start_browser():
    """Start the headless Chromium of :func:`browser` (skips without selenium, Chromium or
    ChromeDriver), yield its driver, quit it; other test modules use it for their fixture."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    for path, what in ((CHROMIUM, "Chromium"), (CHROMEDRIVER, "ChromeDriver")):
        if not Path(path).is_file():
            pytest.skip(f"{what} is not installed ({path})")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="explorer-chrome-")
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _open(driver, path: Path) -> None:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.resolve().as_uri())
    assert driver.execute_script("return typeof window.explorer") == "object"


def _console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _all_states(driver) -> list[dict]:
    """``current()`` after ``go(i)`` for every step, in one round trip."""
    return driver.execute_script(
        "var e = window.explorer, out = [];"
        "for (var i = 0; i < e.steps; i++) { e.go(i); out.push(e.current()); }"
        "return out;"
    )


def _field(driver, node_id: str, k: int) -> str:
    """The text of field ``k`` (0 name, 1 data, 2 grad) of the SVG record ``node_id``."""
    return driver.execute_script(
        f"return document.getElementById('{node_id}').querySelectorAll('text')[{k}].textContent"
    )


def page_data(page: Explorer) -> dict:
    """The data embedded in the page (a JavaScript literal: JSON with \\u escapes, NaN)."""
    literal = page.html.split("window.EXPLORER_DATA = ", 1)[1].split(";\n</script>", 1)[0]
    return json.loads(literal)


def _by_name(root: Value, page: Explorer) -> dict[str, Value]:
    return dict(zip(page.names, root.topological_order()))


def _assert_final_grads_are_backwards(root: Value, page: Explorer, grads: dict) -> None:
    """The gradients shown at the last backward step equal ``root.backward()``'s, for every
    node that gets one (1e-12; they are the same floats in fact)."""
    root.backward()
    nodes = _by_name(root, page)
    expected = {name: v.grad for name, v in nodes.items() if type(v) is not Constant}
    assert set(grads) == set(expected)
    for name, g in expected.items():
        assert abs(grads[name] - g) <= 1e-12, (name, grads[name], g)


def _assert_not_blank(png: Path, needs_orange: bool = True) -> None:
    """The screenshot is a real picture: many colours, mostly not background, and (when a node
    is being processed) the orange of the current node."""
    from PIL import Image

    with Image.open(png) as im:
        assert im.format == "PNG"
        rgb = im.convert("RGB")
        assert rgb.size == WINDOW or rgb.size[0] > 600
        colors = rgb.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 50  # text, boxes, antialiasing
    total = sum(n for n, _ in colors)
    most = max(n for n, _ in colors)
    assert most < 0.9 * total  # not one flat colour
    if needs_orange:
        orange = sum(n for n, (r, g, b) in colors if r > 240 and 150 < g < 180 and b < 20)
        assert orange > 200, "the current node's orange fill is not on the screenshot"


def _screenshot(driver, png: Path) -> Path:
    """Save the browser window as ``png`` (its folder made) and check it is not blank."""
    png.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(png))
    _assert_not_blank(png)
    return png


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "srcset")]


# ----------------------------------------------------------------------------- no browser
def _reused() -> tuple[Value, dict[str, Value]]:
    """x is used three times (twice in x*x, once in x*y); labels in Korean and English."""
    x, y = Value(1.5, label="사과"), Value(-2.0, label="y")
    xx = x * x
    xx.label = "x²"
    xy = x * y
    xy.label = "xy"
    s = xx + xy
    s.label = "합계"
    out = s.tanh()
    out.label = "out"
    return out, {"x": x, "y": y}


@needs_dot
def test_the_page_loads_nothing_from_the_network(tmp_path: Path) -> None:
    root, _ = _reused()
    text = explorer(root)
    parser = _Links()
    parser.feed(text)
    assert not [link for link in parser.links if "http://" in link or "https://" in link]
    assert "link" not in parser.tags and "iframe" not in parser.tags
    assert "<script src" not in text and "fetch(" not in text and "XMLHttpRequest" not in text
    assert "<svg" in text and text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text and "사과" in text  # Hangul kept as UTF-8


@needs_dot
def test_repr_html_is_the_page_in_an_iframe_and_save_writes_it(tmp_path: Path) -> None:
    root, _ = _reused()
    page = Explorer(root)
    assert repr(page) == f"Explorer(root='out', nodes=6, steps={page.steps}, lang='en')"
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0]) == page.html
    path = save_explorer(root, tmp_path / "deep" / "page.html")
    assert path.read_text("utf-8") == page.html  # the same graph gives the same page
    assert [p.name for p in path.parent.iterdir()] == ["page.html"]  # no temporary left


@needs_dot
def test_gradients_already_there_change_no_number_on_the_page() -> None:
    # The page shows a fresh pass's d out/d node: after backward() twice (the leaves holding
    # 2 x d out/d leaf) the same numbers, and the graph keeps the gradients it had.
    root, leaves = _reused()
    fresh = page_data(Explorer(root))
    root.backward()
    root.backward()
    kept = {name: v.grad for name, v in leaves.items()}
    again = page_data(Explorer(root))
    assert again["steps"] == fresh["steps"] and again["nodes"] == fresh["nodes"]
    assert {name: v.grad for name, v in leaves.items()} == kept
    shown = {node["name"]: node["grad"] for node in fresh["nodes"]}
    assert shown["사과"] == kept["x"] / 2 != 0.0 and shown["y"] == kept["y"] / 2 != 0.0


def test_bad_arguments_are_refused_before_any_work() -> None:
    root, leaves = _reused()
    with pytest.raises(TypeError, match="root must be a Value"):
        explorer(1.5)
    with pytest.raises(ValueError, match="lr needs params"):
        explorer(root, lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        explorer(root, params=[leaves["x"]], lr=-1.0)
    with pytest.raises(ValueError, match="rankdir"):
        explorer(root, rankdir="XY")
    with pytest.raises(ValueError, match="more than max_nodes=3"):
        explorer(root, max_nodes=3)
    with pytest.raises(ValueError, match="not part of root's graph"):
        explorer(root, params=[Value(1.0)])


def test_without_dot_no_page_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries-here"))  # graphviz finds no 'dot'
    root, _ = _reused()
    with pytest.raises(DotNotFoundError, match="dot"):
        save_explorer(root, tmp_path / "page.html")
    out = tmp_path / "cli.html"
    with pytest.raises(UserError, match=r"dot.*no page was written"):
        run_demo(explore, ["(x + y) * x", "--values", "x=1", "y=2", "--out", str(out)])
    assert not out.exists() and not list(tmp_path.glob("*.html"))


# ----------------------------------------------------------------------------- the CLI
@needs_dot
def test_cli_writes_the_page_to_a_file_or_into_a_directory(tmp_path: Path, capsys) -> None:
    result = run_demo(explore, [README_FORMULA, "--values", *README_VALUES, "--out", str(tmp_path)])
    assert result["page"] == tmp_path / "explorer.html" and result["page"].is_file()
    root = parse_expression(README_FORMULA, parse_assignments(README_VALUES))
    # 2 leaves and 2 ops forward; the seed and 2 nodes backward; no update without --mlp
    assert result["phases"] == {"forward": 4, "backward": 3, "update": 0}
    assert result["steps"] == 7 and result["page"].read_text("utf-8") == explorer(
        root, title=f"Forward and backward pass of {README_FORMULA}"
    )
    assert "explorer.html" in capsys.readouterr().out
    page = tmp_path / "sub" / "mine.html"
    assert run_demo(explore, ["--out", str(page)])["page"] == page and page.is_file()


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--mlp", "x*2", "--values", "x=1"], "--mlp explores its own network"),
        (["x*2", "--values", "x=1", "--lr", "0.1"], "--lr needs --mlp"),
        (["--values", "x=1"], "--values needs an expression"),
        (["--example", "shopping", "--mlp"], "--example is a graph of its own"),
        (["x*", "--values", "x=1"], "cannot parse"),
    ],
)
def test_cli_errors_name_the_options(argv: list[str], error: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "p.html"
    with pytest.raises(UserError) as raised:  # micrograd-mlp prints it as one line, exit 1
        run_demo(explore, [*argv, "--out", str(out)])
    assert describe_error(raised.value).startswith(error)
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "key"),
    [
        (["--mlp", "x*2", "--values", "x=1"], "explore.mlp_alone"),
        (["x*2", "--values", "x=1", "--lr", "0.1"], "explore.lr_needs_mlp"),
        (["--values", "x=1"], "graph.values_need_expression"),  # the check backprop makes too
        (["--example", "shopping", "--mlp"], "explore.example_alone"),
        (["--example", "shopping", "x"], "explore.example_alone"),
    ],
)
def test_cli_errors_come_in_the_learners_language(argv, key, tmp_path: Path, monkeypatch):
    out = tmp_path / "p.html"
    texts = {}
    for lang in ("en", "ko"):
        with pytest.raises(UserError) as raised:
            run_demo(explore, [*argv, "--lang", lang, "--out", str(out)])
        texts[lang] = str(raised.value)
        assert texts[lang] == message(key, lang)
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")  # or from the environment
    with pytest.raises(UserError) as raised:
        run_demo(explore, [*argv, "--out", str(out)])
    assert str(raised.value) == texts["ko"]
    assert texts["ko"] != texts["en"] and any("가" <= c <= "힣" for c in texts["ko"])
    assert texts["ko"].split()[0].startswith(texts["en"].split()[0])  # it names the option
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [["--inputs", "1", "2"], ["--target", "3"], ["x*2", "--values", "x=1", "--target", "3"]],
    ids=" ".join,
)
def test_the_mlp_sample_without_mlp_is_refused_not_ignored(argv, tmp_path: Path) -> None:
    # They used to be accepted and ignored: the page showed the default neuron instead.
    out = tmp_path / "p.html"
    option = next(a for a in argv if a in ("--inputs", "--target"))
    for lang in ("en", "ko"):
        with pytest.raises(UserError) as raised:
            run_demo(explore, [*argv, "--lang", lang, "--out", str(out)])
        assert str(raised.value) == message("explore.sample_needs_mlp", lang, option=option)
        assert str(raised.value).startswith(option)
    assert not out.exists()
    assert message("explore.sample_needs_mlp", "ko", option="--x") != message(
        "explore.sample_needs_mlp", "en", option="--x"
    )


def test_the_mlp_sample_and_its_defaults_reach_the_page(tmp_path: Path) -> None:
    given = run_demo(
        explore, ["--mlp", "--inputs", "0.5", "-3", "--target", "2", "--out", str(tmp_path)]
    )
    default = run_demo(explore, ["--mlp", "--out", str(tmp_path / "d")])
    loss, _, _ = explore.mlp_step((0.5, -3.0), 2.0)
    loss0, _, _ = explore.mlp_step(explore.MLP_INPUTS, explore.MLP_TARGET)
    assert loss.data != loss0.data
    for result, expected in ((given, loss), (default, loss0)):
        html = result["page"].read_text(encoding="utf-8")
        assert f'"data": {expected.data!r}' in html


@pytest.mark.parametrize(
    ("argv", "error"),
    [(["--lr", "-1"], "argument --lr: must be >= 0"), (["--target", "inf"], "argument --target")],
)
def test_bad_numbers_are_usage_errors(argv: list[str], error: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_demo(explore, ["--mlp", *argv])
    assert exit_.value.code == 2 and error in capsys.readouterr().err


# ----------------------------------------------------------------------------- in the browser
@needs_dot
def test_a_reused_node_accumulates_and_ends_with_backwards_gradients(
    browser, tmp_path: Path
) -> None:
    root, leaves = _reused()
    page = Explorer(root)
    path = page.save(tmp_path / "reused.html")
    _open(browser, path)
    assert browser.execute_script("return window.explorer.steps") == page.steps
    states = _all_states(browser)
    order = [s["node"] for s in states]
    phases = [s["phase"] for s in states]
    n = len(page.names)
    # Forward first, in evaluation order; each step shows one more node's data and no grad.
    assert phases == ["forward"] * n + ["backward"] * (page.steps - n)
    assert order[:n] == page.names
    for k in range(n):
        assert set(states[k]["data"]) == set(page.names[: k + 1])
        assert states[k]["grads"] == {}
    # Backward: the seed, then the engine's own order.
    trace = backward_steps(root)
    assert order[n:] == ["out"] + [s.name for s in trace]
    assert states[n]["grads"] == {"out": 1}
    # x (사과) gets 3 contributions; the page shows the running sum and "k/3".
    seen = []
    for step, state in zip(trace, states[n + 1 :]):
        uses = [u for u in step.children if u.child is leaves["x"]]
        seen += [u.contribution for u in uses]
        if uses:  # the page shows the sum after this step's last contribution
            assert state["grads"]["사과"] == uses[-1].grad_after
    assert seen == [1, 2, 3]
    x_id = f"n{page.names.index('사과')}"
    k, last = next(
        (k, [u for u in s.children if u.child is leaves["x"]][-1])
        for k, s in enumerate(trace)
        if any(u.child is leaves["x"] and u.contribution < 3 for u in s.children)
    )
    browser.execute_script(f"window.explorer.go({n + 1 + k})")  # x's gradient is partial here
    partial = f"grad {format_number(last.grad_after, '.4g')} ({last.contribution}/3)"
    assert _field(browser, x_id, 2) == partial
    assert _field(browser, x_id, 0) == "사과"  # Hangul label as text
    # The end: every gradient is backward()'s, and the page prints them.
    browser.execute_script(f"window.explorer.go({page.steps - 1})")
    final = browser.execute_script("return window.explorer.current()")
    _assert_final_grads_are_backwards(root, page, final["grads"])
    assert _field(browser, x_id, 2) == f"grad {format_number(leaves['x'].grad, '.4g')}"
    # Step back: the previous state returns (button, arrow key, and go()).
    browser.find_element("id", "prev").click()
    assert browser.execute_script("return window.explorer.current()") == states[-2]
    browser.find_element("tag name", "body").send_keys("\ue014")  # right arrow
    assert browser.execute_script("return window.explorer.current()") == states[-1]
    browser.find_element("tag name", "body").send_keys("\ue012")  # left arrow
    assert browser.execute_script("return window.explorer.current()") == states[-2]
    assert (
        browser.execute_script("return window.explorer.go(0), window.explorer.current()")
        == (states[0])
    )
    # The slider and "play" (at the fastest speed) move through the same states.
    slider = browser.find_element("id", "slider")
    slider.send_keys("\ue014")  # right arrow on the focused slider: one step on
    assert browser.execute_script("return window.explorer.current()") == states[1]
    from selenium.webdriver.support.ui import Select, WebDriverWait

    Select(browser.find_element("id", "speed")).select_by_value("120")
    browser.find_element("id", "play").click()
    # Play stops itself at the end: wait for the last step and for the button to say "play"
    # again (the page stops on the tick after it shows the last step).
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return window.explorer.current().index") == page.steps - 1
        and d.find_element("id", "play").text.endswith("play")
    )
    assert browser.execute_script("return window.explorer.current()") == states[-1]
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert _console_errors(browser) == []


@needs_dot
def test_clicking_a_node_shows_its_chain_rule(browser, tmp_path: Path) -> None:
    result = run_demo(
        explore, [README_FORMULA, "--values", *README_VALUES, "--out", str(tmp_path / "p.html")]
    )
    root = parse_expression(README_FORMULA, parse_assignments(README_VALUES))
    root.backward()  # x = 3, y = -2: out = (x + y) * x, d out/d x = x + (x + y) = 4
    _open(browser, result["page"])
    names = result["names"]
    assert browser.find_element("id", "panel").is_displayed() is False
    browser.execute_script(f"window.explorer.go({result['steps'] - 1})")  # x's 2nd use
    browser.find_element("id", f"n{names.index('x')}").click()
    panel = browser.find_element("id", "panel")
    assert panel.is_displayed()
    assert browser.find_element("id", "pname").text == "x"
    assert browser.find_element("id", "pgrad").text == "4"
    chain = browser.find_element("id", "pchain").text.splitlines()
    # out uses x directly (∂out/∂x = x + y = 1) and through x + y (d out/d (x + y) = x = 3).
    assert chain[0] == "d out/d x = d out/d out × ∂out/∂x + d out/d (x + y) × ∂(x + y)/∂x"
    assert chain[1:4] == ["= 1 × 1 + 3 × 1", "= 1 + 3", "= 4"]
    shot = _screenshot(browser, tmp_path / "out" / "explorer.png")
    if WRITE_IMAGES:
        README_IMAGE.write_bytes(shot.read_bytes())
    assert README_IMAGE.is_file(), "docs/images/explorer.png: run with MICROGRAD_MLP_WRITE_IMAGES=1"
    _assert_not_blank(README_IMAGE)
    assert _console_errors(browser) == []


@needs_dot
def test_the_mlp_step_shows_backward_then_the_sgd_update(browser, tmp_path: Path) -> None:
    result = run_demo(explore, ["--mlp", "--seed", "3", "--out", str(tmp_path / "mlp.html")])
    _open(browser, result["page"])
    states = _all_states(browser)
    phases = [s["phase"] for s in states]
    # 13 parameters updated, then the loss computed again with them
    assert result["phases"] == {"forward": 25, "backward": 10, "update": 14}
    first_update = phases.index("update")
    assert phases == sorted(phases, key=["forward", "backward", "update"].index)
    # The same network, trained by the library itself: backward() and one SGD step.
    loss, model, forward = explore.mlp_step(explore.MLP_INPUTS, explore.MLP_TARGET, seed=3)
    page = Explorer(loss, params=model.parameters(), lr=explore.MLP_LR, forward=forward)
    assert page.names == result["names"]
    _assert_final_grads_are_backwards(loss, page, states[first_update - 1]["grads"])
    # The sample and the target are data of this step, not parameters: no gradient at all.
    assert not {"x1", "x2", "y"} & set(states[first_update - 1]["grads"])
    before = {p.label: p.data for p in model.parameters()}
    SGD(model.parameters(), lr=explore.MLP_LR).step()
    updated = [s["node"] for s in states[first_update:]]
    assert updated == [p.label for p in model.parameters()] + ["loss"]
    end = states[-1]["data"]
    for p in model.parameters():
        assert abs(end[p.label] - p.data) <= 1e-12 and p.data != before[p.label]
    # The loss after the update: the library's forward pass with SGD's new parameters.
    again = forward()
    assert end["loss"] == again.data and again.data < loss.data
    # Each update step changes exactly one parameter; the page shows "old → new".
    assert states[first_update]["data"][updated[0]] != before[updated[0]]
    assert states[first_update]["data"][updated[1]] == before[updated[1]]
    browser.execute_script(f"window.explorer.go({first_update})")
    shown = _field(browser, f"n{page.names.index(updated[0])}", 1)
    assert shown == f"data {format_number(before[updated[0]], '.4g')} → " + format_number(
        end[updated[0]], ".4g"
    )
    lines = browser.find_element("id", "lines").text
    assert f"{updated[0]} ← {updated[0]} − lr × grad" in lines
    browser.execute_script(f"window.explorer.go({page.steps - 1})")
    lines = browser.find_element("id", "lines").text
    assert f"loss: {format_number(loss.data, '.4g')} → {format_number(again.data, '.4g')}" in lines
    assert "lower by" in lines
    loss_id = f"n{page.names.index('loss')}"
    assert _field(browser, loss_id, 1).endswith(f"→ {format_number(again.data, '.4g')}")
    _screenshot(browser, tmp_path / "out" / "mlp.png")
    assert _console_errors(browser) == []


def test_the_mlp_uses_the_maths_1_based_names_and_data_are_constants() -> None:
    # The page said w1[0,0] and h1[0] (0-based) while the course notes and
    # docs/images/xor_graph.svg say W1[1,1]; x1, x2 and y got gradients as if trainable.
    loss, model, _ = explore.mlp_step()
    names = {v.label for v in loss.topological_order()}
    assert {"W1[1,1]", "W1[3,2]", "b1[3]", "z1[1]", "h1[3]", "W2[1,3]", "b2[1]"} <= names
    assert not {n for n in names if "[0" in n or ",0]" in n}
    labels = [p.label for p in model.parameters()]
    assert labels[:2] == ["W1[1,1]", "W1[1,2]"] and labels[-1] == "b2[1]"
    assert model.state_dict()["layers.0.weight"][0, 1] == model.layers[0].neurons[0].weight[1].data
    data = [v for v in loss.topological_order() if v.label in ("x1", "x2", "y")]
    assert len(data) == 3 and all(type(v) is Constant for v in data)
    page = Explorer(loss, params=model.parameters(), lr=0.1)
    kinds = {n["name"]: n["kind"] for n in page_data(page)["nodes"]}
    assert [kinds[k] for k in ("x1", "x2", "y")] == ["constant"] * 3


@needs_dot
def test_a_formula_with_50_nodes_scales_and_pans(browser, tmp_path: Path) -> None:
    terms = 16
    formula = "tanh(" + " + ".join(f"w{i}*x{i}" for i in range(terms)) + ") * 2 + 1"
    values = [f"w{i}={(-1) ** i * 0.1 * (i + 1):g}" for i in range(terms)]
    values += [f"x{i}={0.05 * i - 0.3:g}" for i in range(terms)]
    result = run_demo(explore, [formula, "--values", *values, "--out", str(tmp_path / "big.html")])
    assert len(result["names"]) >= 50
    _open(browser, result["page"])
    states = _all_states(browser)
    root = parse_expression(formula, parse_assignments(values))
    page = Explorer(root, title=f"Forward and backward pass of {formula}")
    _assert_final_grads_are_backwards(root, page, states[-1]["grads"])
    # The numbers 2 and 1 are constants: no gradient, and the page says so.
    constants = [i for i, v in enumerate(root.topological_order()) if isinstance(v, Constant)]
    assert len(constants) == 2 and not {page.names[i] for i in constants} & set(states[-1]["grads"])
    browser.execute_script(f"window.explorer.go({len(states) - 1})")
    assert [_field(browser, f"n{i}", 2) for i in constants] == ["grad none (constant)"] * 2

    def view() -> list[float]:
        box = browser.execute_script(
            "return document.getElementById('graph').getAttribute('viewBox')"
        )
        return [float(v) for v in box.split()]

    def current_node_in_view() -> bool:
        return browser.execute_script(
            "var e = window.explorer, i = e.current().node;"
            "var names = window.EXPLORER_DATA.nodes.map(function (n) { return n.name; });"
            "var r = document.getElementById('n' + names.indexOf(i)).getBoundingClientRect();"
            "var v = document.getElementById('graph').getBoundingClientRect();"
            "return r.left >= v.left - 1 && r.right <= v.right + 1 &&"
            " r.top >= v.top - 1 && r.bottom <= v.bottom + 1;"
        )

    browser.execute_script("window.explorer.go(0)")
    start = view()
    width = browser.execute_script("return document.getElementById('graph').clientWidth")
    assert width / start[2] >= 0.7 - 1e-9  # the first view is readable: >= 0.7 px per unit
    browser.find_element("id", "zoomout").click()
    assert view()[2] > start[2]  # the whole graph is one click away, small
    browser.find_element("id", "fit").click()
    full = view()
    assert full[2] == start[2]  # "fit" stops at the readable size
    browser.find_element("id", "zoomin").click()
    assert view()[2] < full[2]
    from selenium.webdriver.common.action_chains import ActionChains

    before = view()
    graph = browser.find_element("id", "graph")
    ActionChains(browser).move_to_element(graph).click_and_hold().move_by_offset(
        -150, -40
    ).release().perform()
    after = view()
    assert after[0] > before[0] and after[2] == before[2]  # panned, same zoom
    for k in (len(states) // 2, len(states) - 1, 0):  # "follow" keeps the current node visible
        browser.execute_script(f"window.explorer.go({k})")
        assert current_node_in_view()
    _screenshot(browser, tmp_path / "out" / "big.png")
    assert _console_errors(browser) == []


@needs_dot
def test_the_korean_page_speaks_korean_and_shows_the_shopping_gradients(
    browser, tmp_path: Path
) -> None:
    result = run_demo(
        explore, ["--example", "shopping", "--lang", "ko", "--out", str(tmp_path / "ko.html")]
    )
    text = result["page"].read_text("utf-8")
    assert '<html lang="ko">' in text and "사과 가격" in text
    _open(browser, result["page"])
    assert browser.find_element("id", "play").text == "▶ 재생"
    assert browser.find_element("id", "phase").text == "순전파"
    assert "입력" in browser.find_element("id", "lines").text  # 사과 가격 = 100 (입력: ...)
    states = _all_states(browser)
    grads = states[-1]["grads"]
    # 100 won x 2 apples x 1.1 tax: d total/d price = 2.2, d count = 110, d tax = 200
    assert [round(grads[k], 9) for k in ("사과 가격", "사과 개수", "소비세")] == [2.2, 110, 200]
    assert browser.find_element("id", "phase").text == "역전파"
    browser.find_element("id", f"n{result['names'].index('사과 개수')}").click()
    assert browser.find_element("id", "pkind").text == "입력"
    assert browser.find_element("id", "pchain").text.startswith("d 총액/d 사과 개수 = ")
    assert _console_errors(browser) == []


def test_the_korean_mlp_page_and_summary_are_korean(tmp_path: Path, capsys) -> None:
    # The --mlp title ("..., then p ← p − lr × grad") and the printed summary ("48 steps (25
    # forward, ...)", "wrote ...: open it in a browser") used to stay English with --lang ko.
    result = run_demo(explore, ["--mlp", "--lang", "ko", "--out", str(tmp_path / "ko.html")])
    out = capsys.readouterr().out
    assert result["expression"] == message("explore.mlp_expression", "ko") != message(
        "explore.mlp_expression", "en"
    )
    assert "then" not in result["page"].read_text(encoding="utf-8").split("<script>")[1][:400]
    lines = out.splitlines()
    assert lines[0] == message(
        "explore.summary", "ko", expression=result["expression"], steps=result["steps"],
        phases="순전파 25단계, 역전파 10단계, 업데이트 14단계",
    )  # fmt: skip
    assert "국소 미분" in result["page"].read_text(encoding="utf-8")  # the edges' local derivatives
    assert lines[1] == message("explore.wrote", "ko", path=result["page"])
    assert "steps" not in out and "wrote" not in out
    run_demo(explore, ["--mlp", "--lang", "en", "--out", str(tmp_path / "en.html")])
    english = capsys.readouterr().out.splitlines()
    assert english[0].endswith(": 49 steps (25 forward, 10 backward, 14 update)")
    assert english[1].endswith("open it in a browser (no network needed); arrow keys step")


@needs_dot
def test_a_value_used_sixty_times_is_laid_out_whole() -> None:
    """x+x+...+x with 60 terms: one node with 60 labelled edges, the case where dot's node
    placement ran for minutes before its passes were bounded (nslimit). Every Value, op and
    edge is on the page, and the page's numbers are the engine's."""
    root = parse_expression("+".join(["x"] * 60), parse_assignments(["x=2"]))
    page = Explorer(root)
    assert len(page.names) == 60  # x and the 59 sums
    svg = page.html
    for i in range(1, 60):
        assert f'id="n{i}op"' in svg and f'id="e{i}_0"' in svg and f'id="e{i}_1"' in svg
    root.backward()
    (x,) = [v for v in root.topological_order() if not v._children]
    assert root.data == 120 and x.grad == 60

