"""The step-by-step backward pass: data, text trace, pictures, GIF, the formula parser, the demo.

Expected numbers come from derivatives worked out by hand in each test (e.g. for
o = tanh(w1*x1 + w2*x2 + b): d o/d n = 1 - o^2, d o/d x1 = w1 (1 - o^2)), never from running the
code under test.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import math
import re
import shutil
import subprocess
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_mlp.cli import main, run_demo
from micrograd_mlp.demos import backprop as demo
from micrograd_mlp.demos import explore
from micrograd_mlp.demos._graph import add_graph_arguments, choose_graph
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.expression import (
    parse_assignments,
    parse_expression,
)
from micrograd_mlp.messages import message
from micrograd_mlp.viz.backprop import backward_steps, explain
from micrograd_mlp.viz.backprop_frames import auto_rankdir, backward_frames, backward_graphs
from micrograd_mlp.viz.graph import DotNotFoundWarning

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="the Graphviz 'dot' binary is not installed")

X1, X2, W1, W2, B = 0.5, -1.5, 0.8, -0.3, 0.1


def fmt(x: float) -> str:
    return format(x, ".4g")


def neuron(x1=X1, x2=X2, w1=W1, w2=W2, b=B):
    """o = tanh(w1*x1 + w2*x2 + b), every node labelled; returns (o, dict of nodes)."""
    v = {
        name: Value(val, label=name)
        for name, val in zip(("x1", "x2", "w1", "w2", "b"), (x1, x2, w1, w2, b))
    }
    v["w1x1"] = v["w1"] * v["x1"]
    v["w2x2"] = v["w2"] * v["x2"]
    v["s"] = v["w1x1"] + v["w2x2"]
    v["n"] = v["s"] + v["b"]
    v["o"] = v["n"].tanh()
    for name, node in v.items():
        node.label = name
    return v["o"], v


def hand_grads(x1=X1, x2=X2, w1=W1, w2=W2, b=B):
    """d o/d node for the neuron, from the chain rule worked out on paper."""
    o = math.tanh(w1 * x1 + w2 * x2 + b)
    t = 1.0 - o * o  # d tanh(n)/dn
    return {
        "o": 1.0, "n": t, "s": t, "b": t, "w1x1": t, "w2x2": t,
        "w1": t * x1, "x1": t * w1, "w2": t * x2, "x2": t * w2,
    }  # fmt: skip


# ------------------------------------------------------------------ backward_steps
def test_steps_order_and_values_for_the_neuron():
    o, v = neuron()
    steps = backward_steps(o)
    g = hand_grads()
    names = [s.name for s in steps]
    # o, n, s are forced (each is the only user of the next); the two products may come in
    # either order, but must follow the engine's own processing order.
    assert names[:3] == ["o", "n", "s"]
    assert set(names[3:]) == {"w1x1", "w2x2"}
    engine_order = [n.label for n in reversed(o.topological_order()) if n._children]
    assert names == engine_order
    assert [s.index for s in steps] == list(range(5))
    by_name = {s.name: s for s in steps}
    local = {  # d node/d child, by hand
        "o": [("n", g["n"])],
        "n": [("s", 1.0), ("b", 1.0)],
        "s": [("w1x1", 1.0), ("w2x2", 1.0)],
        "w1x1": [("w1", X1), ("x1", W1)],
        "w2x2": [("w2", X2), ("x2", W2)],
    }
    for name, expected in local.items():
        step = by_name[name]
        assert step.node is v[name]
        assert step.upstream == pytest.approx(g[name], rel=1e-12)
        assert [u.name for u in step.children] == [c for c, _ in expected]
        for u, (child, d_local) in zip(step.children, expected):
            assert u.child is v[child]
            assert u.local_grad == pytest.approx(d_local, rel=1e-12)
            assert u.product == pytest.approx(g[name] * d_local, rel=1e-12)
            assert u.grad_after == pytest.approx(g[child], rel=1e-12)
            assert (u.contribution, u.contributions) == (1, 1)


def test_every_node_is_processed_after_all_its_users():
    x = Value(1.3, label="x")
    a = x * x
    b = a + x
    c = (a * b).tanh() + b.exp()
    steps = backward_steps(c)
    position = {id(s.node): s.index for s in steps}
    assert steps[0].node is c
    for s in steps:
        for u in s.children:
            if u.child._children:
                assert position[id(u.child)] > s.index


def _x_y():
    return Value(1.5, label="x"), Value(-2.0, label="y")


def _shared_sum():
    x, _ = _x_y()
    b = x + x  # a non-leaf node used twice
    return b * b


def _sqrt_at_zero():
    z, y = Value(0.0, label="z"), Value(-2.0, label="y")
    return (z**0.5) * 0.0 + y  # local derivative inf behind an upstream gradient of 0


# Builders (fresh leaves for each test): reuse, a shared non-leaf node, n-ary ops, a dead ReLU.
GRAPHS = {
    "neuron": lambda: neuron()[0],
    "x*x+x": lambda: (lambda x, y: x * x + x)(*_x_y()),
    "b*b, b=x+x": _shared_sum,
    "dot+sum": lambda: (
        lambda x, y: Value.dot([x, y], [y, x], 0.5).sigmoid() + Value.sum([x, y, x * y])
    )(*_x_y()),  # fmt: skip
    "dead relu": lambda: (lambda x, y: (x * y).relu() * 3.0 + x)(*_x_y()),
    "sqrt at 0": _sqrt_at_zero,
}


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_steps_agree_exactly_with_backward(build):
    root = build()
    steps = backward_steps(root)
    final = {id(u.child): u.grad_after for s in steps for u in s.children}
    root.backward()
    nodes = root.topological_order()
    assert len(final) == len(nodes) - 1  # every node but the root receives a gradient
    for node in nodes:
        if node is root:
            continue
        if isinstance(node, Constant):  # shown with its product, but it keeps no gradient
            assert node.grad == 0.0
        else:  # the very numbers of the engine's pass (NaN included: compare as strings)
            assert repr(final[id(node)]) == repr(node.grad)


def test_a_zero_upstream_gradient_still_passes_on_0_times_inf_nan_as_pytorch():
    z, y = Value(0.0, label="z"), Value(2.0, label="y")
    r = z**0.5
    root = r * 0.0 + y
    step = next(s for s in backward_steps(root) if s.node is r)
    assert step.upstream == 0.0  # and still passes its product on
    (u,) = step.children
    assert u.local_grad == math.inf  # d sqrt(z)/dz at z = 0
    assert math.isnan(u.product) and math.isnan(u.grad_after)  # 0 * inf, as torch gives
    root.backward()
    assert math.isnan(z.grad)


def test_reused_child_accumulates_contributions():
    x = Value(3.0, label="x")
    out = x * x + x  # d/dx = 2x + 1, reached through three uses
    updates = [u for s in backward_steps(out) for u in s.children if u.child is x]
    assert [(u.contribution, u.contributions) for u in updates] == [(1, 3), (2, 3), (3, 3)]
    assert updates[-1].grad_after == pytest.approx(2 * 3.0 + 1)


def test_steps_and_pictures_leave_grads_alone():
    o, v = neuron()
    v["x1"].grad, v["n"].grad = 7.0, -2.0
    backward_steps(o)
    explain(o)
    backward_graphs(o)
    assert (v["x1"].grad, v["n"].grad, o.grad, v["x2"].grad) == (7.0, -2.0, 0.0, 0.0)


def test_generated_names_are_stable_and_never_clash():
    x, y = Value(1.0, label="x"), Value(2.0, label="x")  # a label used twice
    v1 = Value(3.0, label="v1")  # a label that looks like a generated name
    out = (x * y + v1) * 2.0
    names = {u.child: u.name for s in backward_steps(out) for u in s.children}
    assert names[x] == "x" and names[y] == "x#2" and names[v1] == "v1"
    assert backward_steps(out)[0].name == "out"
    variables = {v: n for v, n in names.items() if type(v) is not Constant}
    assert len(set(variables.values())) == len(variables)
    generated = sorted(n for n in names.values() if re.fullmatch(r"v\d+", n) and n != "v1")
    assert generated == ["v2", "v3"]  # x*y, + (operand order)
    assert [n for v, n in names.items() if type(v) is Constant] == ["2"]  # a number is itself
    twice = (x * 2.0) * 2.0  # the same number twice is not 2#2
    assert "2#2" not in explain(twice) and sum(
        line.startswith("d out/d 2 =") for line in explain(twice).splitlines()
    ) == 2
    again = {u.child: u.name for s in backward_steps(out) for u in s.children}
    assert again == names


def test_a_leaf_root_has_no_steps_and_bad_roots_are_refused():
    assert backward_steps(Value(1.0)) == []
    (line,) = explain(Value(1.0, label="a")).splitlines()
    assert line.startswith("d a/d a = 1  (the seed")
    with pytest.raises(TypeError, match="must be a Value, got float"):
        backward_steps(1.0)
    with pytest.raises(ValueError, match="leaf"):
        backward_graphs(Value(1.0))


@given(
    st.lists(
        st.floats(-3, 3, allow_nan=False, allow_subnormal=False).filter(lambda f: f != 0.0),
        min_size=5,
        max_size=5,
    )
)
def test_neuron_steps_match_hand_derivatives_for_any_values(vals):
    o, _ = neuron(*vals)
    g = hand_grads(*vals)
    final = {u.name: u.grad_after for s in backward_steps(o) for u in s.children}
    for name, expected in g.items():
        if name != "o":
            assert final[name] == pytest.approx(expected, rel=1e-9, abs=1e-300)


# ------------------------------------------------------------------------- explain
def test_explain_one_line_per_chain_rule_application():
    o, _ = neuron()
    g = hand_grads()
    out = io.StringIO()
    text = explain(o, file=out)
    assert out.getvalue() == text
    lines = text.splitlines()
    assert len(lines) == 1 + 9  # the seed + one per (node, child) pair: 1 + 2 + 2 + 2 + 2
    assert lines[0].startswith("d o/d o = 1")
    t = g["n"]
    assert lines[1] == f"d o/d n = d o/d o * d o/d n = 1 * {fmt(t)} = {fmt(t)}"
    assert f"d o/d b = d o/d n * d n/d b = {fmt(t)} * 1 = {fmt(t)}" in lines
    assert f"d o/d x1 = d o/d w1x1 * d w1x1/d x1 = {fmt(t)} * {fmt(W1)} = {fmt(t * W1)}" in lines
    assert f"d o/d w2 = d o/d w2x2 * d w2x2/d w2 = {fmt(t)} * {fmt(X2)} = {fmt(t * X2)}" in lines


def test_explain_shows_accumulation_and_constants():
    x = Value(3.0, label="x")
    lines = explain(x * x + x).splitlines()
    # d/dx (x*x + x) = 1 (from +) + x + x (the two uses in x*x) = 1 + 3 + 3
    assert lines[-1] == (
        "d out/d x += d out/d v1 * d v1/d x = 1 * 3 = 3  (use 3 of 3; d out/d x so far: 7)"
    )
    assert sum("d out/d x +=" in line for line in lines) == 3
    z = Value(-1.0, label="z")
    a = z * 2.0
    a.label = "a"
    r = a.relu()  # inactive: d out/d a = 0, still passed on (as in PyTorch)
    r.label = "r"
    lines = explain(r * 5.0).splitlines()
    assert "d out/d a = d out/d r * d r/d a = 5 * 0 = 0" in lines
    assert "d out/d z = d out/d a * d a/d z = 0 * 2 = 0" in lines
    # the 2.0 of z * 2.0 (named v1): its product is shown, but it is no variable
    constant = "d out/d 2 = d out/d a * d a/d 2 = 0 * -1 = 0  (a constant: it keeps no gradient)"
    assert constant in lines


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_explain_of_precomputed_steps_is_the_trace_it_makes_itself(build):
    root = build()
    steps = backward_steps(root)
    for lang in ("en", "ko"):
        assert explain(root, lang=lang, steps=steps) == explain(root, lang=lang)
    assert explain(root, number_format=".2f", steps=steps) == explain(root, number_format=".2f")


def test_explain_refuses_steps_of_another_graph():
    o, v = neuron()
    with pytest.raises(ValueError, match=r"steps must be backward_steps\(root\) of this root"):
        explain(o, steps=backward_steps(v["n"]))  # a sub-graph's pass
    with pytest.raises(ValueError, match="steps must be backward_steps"):
        explain(o, steps=[])  # o has children: its pass has steps
    leaf = Value(2.0, label="x")
    assert explain(leaf, steps=[]) == explain(leaf) == explain(leaf, steps=backward_steps(leaf))
    with pytest.raises(ValueError, match="steps must be backward_steps"):
        explain(leaf, steps=backward_steps(o))
    with pytest.raises(TypeError, match="root must be a Value"):
        explain(2.0, steps=[])


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_pictures_of_precomputed_steps_are_the_ones_drawn_from_a_trace_of_their_own(build):
    root = build()
    steps = backward_steps(root)
    for lang in ("en", "ko"):
        own = [g.source for g in backward_graphs(root, lang=lang)]
        assert [g.source for g in backward_graphs(root, lang=lang, steps=steps)] == own
    o, v = neuron()
    with pytest.raises(ValueError, match=r"backward_graphs: steps must be backward_steps\(root\)"):
        backward_graphs(o, steps=backward_steps(v["n"]))


# ---------------------------------------------------------------------- pictures
def _records(dot) -> dict[str, str]:
    """Record label text of each node of a Digraph, keyed by the first field (the name).
    (Left to right a record is ``{ a | b | c }``; top to bottom, ``a | b | c``.)"""
    found = re.findall(r'label="(?:\{ )?([^|"]+?) \| ([^"]*?)(?: \})?"(.*?)\]', dot.source)
    return {name: fields + attrs for name, fields, attrs in found}


def test_one_graph_per_step_with_the_current_node_highlighted():
    o, _ = neuron()
    steps = backward_steps(o)
    graphs = backward_graphs(o)
    assert len(graphs) == len(steps) == 5
    for step, dot in zip(steps, graphs):
        records = _records(dot)
        highlighted = [name for name, rest in records.items() if "fillcolor=orange" in rest]
        assert highlighted == [step.name]
        assert f"grad {fmt(step.upstream)} (upstream)" in records[step.name]
        assert hasattr(dot, "_repr_mimebundle_") or hasattr(dot, "_repr_image_svg_xml")


def test_grads_fill_in_step_by_step():
    o, _ = neuron()
    g = hand_grads()
    graphs = backward_graphs(o)
    first, last = _records(graphs[0]), _records(graphs[-1])
    assert f"grad {fmt(g['n'])}" in first["n"]  # the root's step filled in d o/d n
    for name in ("x1", "x2", "w1", "w2", "b", "s"):
        assert "grad ?" in first[name]
        assert f"grad {fmt(g[name])}" in last[name]
    # Step 1 (n = s + b) sends upstream x local = product along both of its operand edges.
    products = re.findall(
        r'label="\u00a0local ([^\\]+)\u00a0\\n\u00a0([^"]+)\u00a0" color=red', graphs[1].source
    )
    t = fmt(g["n"])
    assert products == [("1", f"{t} × 1 = {t}")] * 2
    # Not flowed yet: the operand edges of s (2) and of the two products (2 + 2).
    assert graphs[1].source.count("? × ") == 6


def test_a_partial_grad_says_so_far():
    x = Value(3.0, label="x")
    sq = x * x
    sq.label = "sq"
    out = sq + x
    graphs = backward_graphs(out)
    assert "grad 1 (so far)" in _records(graphs[0])["x"]  # 1 of 3 uses: d out/d x = 1 so far
    assert "grad 7" in _records(graphs[-1])["x"]  # 2x + 1 with x = 3, all uses in
    assert "so far" not in _records(graphs[-1])["x"]


def test_graph_options_are_checked():
    o, v = neuron()
    with pytest.raises(ValueError, match="rankdir"):
        backward_graphs(o, rankdir="XY")
    with pytest.raises(ValueError, match="format"):
        backward_graphs(o, format="bmpx")
    with pytest.raises(TypeError, match="params must be Values"):
        backward_graphs(o, params=[1.0])
    dot = backward_graphs(o, params=[v["w1"]], rankdir="TB")[0]
    assert "fillcolor=lightblue" in _records(dot)["w1"]
    assert "rankdir=TB" in dot.source


@needs_dot
@pytest.mark.parametrize("fmt_", ["png", "svg"])
def test_frames_and_gif_are_written(tmp_path, fmt_):
    from PIL import Image

    o, _ = neuron()
    result = backward_frames(o, tmp_path / "frames", format=fmt_, duration_ms=100)
    assert result.rendered
    assert [p.name for p in result.frames] == [f"frame_{k:03d}.{fmt_}" for k in range(5)]
    for path in result.frames:
        head = path.read_bytes()[:200]
        assert head.startswith(b"\x89PNG") if fmt_ == "png" else b"<svg" in path.read_bytes()
    with Image.open(result.gif) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 5
        assert gif.info.get("loop") == 0


@needs_dot
def test_stale_frames_of_an_earlier_run_are_removed(tmp_path):
    o, _ = neuron()
    backward_frames(o, tmp_path, gif=False)
    x = Value(2.0, label="x")
    result = backward_frames(x * 3.0, tmp_path, gif=False)
    assert result.gif is None
    assert sorted(p.name for p in tmp_path.glob("frame_*")) == ["frame_000.png"]


def test_without_dot_sources_are_written_and_the_gif_skipped(tmp_path, monkeypatch):
    empty = tmp_path / "empty_path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # graphviz looks 'dot' up on PATH at each call
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "backward.gif").write_bytes(b"old")
    o, _ = neuron()
    with pytest.warns(DotNotFoundWarning, match="dot.*not found.*5 DOT sources"):
        result = backward_frames(o, tmp_path / "out")
    assert not result.rendered and result.gif is None
    assert [p.name for p in result.frames] == [f"frame_{k:03d}.gv" for k in range(5)]
    assert "digraph backward_step_0" in result.frames[0].read_text()
    assert not (tmp_path / "out" / "backward.gif").exists()  # stale: would not match the frames


def test_frame_arguments_are_checked(tmp_path):
    o, _ = neuron()
    with pytest.raises(ValueError, match="'png' or 'svg'"):
        backward_frames(o, tmp_path, format="pdf")
    with pytest.raises(ValueError, match="5 backward steps, more than max_frames=4"):
        backward_frames(o, tmp_path, max_frames=4)
    with pytest.raises(ValueError, match="duration_ms must be a positive int"):
        backward_frames(o, tmp_path, duration_ms=0)
    assert list(tmp_path.iterdir()) == []


# -------------------------------------------------------------------------- demo
def _quiet_demo(argv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DotNotFoundWarning)  # .gv frames when dot is missing
        return run_demo(demo, argv)


def test_demo_default_neuron(tmp_path, capsys):
    result = _quiet_demo(["--out", str(tmp_path)])
    # Its values make n = atanh(1/sqrt 2), so d o/d n = 1 - 1/2 and d o/d x1 = w1 / 2.
    assert result["grads"]["x1"] == pytest.approx(-3.0 * 0.5)
    assert result["grads"]["w1"] == pytest.approx(2.0 * 0.5)
    assert result["grads"]["w2"] == 0.0  # x2 = 0
    assert result["backward_agrees"] is True
    assert result["steps"] == len(result["frames"]) == 5
    assert (tmp_path / "trace.txt").read_text() == result["trace"]
    assert "d o/d x1 = d o/d w1x1 * d w1x1/d x1 = 0.5 * -3 = -1.5" in capsys.readouterr().out
    if HAVE_DOT:
        assert result["gif"] == tmp_path / "backward.gif" and result["gif"].exists()


def test_demo_expression_through_the_cli(tmp_path, capsys):
    argv = ["backprop", "tanh(x*y + 2)", "--values", "x=1.5", "y=-2", "--out", str(tmp_path)]
    argv += ["--format", "svg", "--no-gif"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DotNotFoundWarning)
        assert main(argv) == 0
    t = 1 - math.tanh(1.5 * -2 + 2) ** 2
    out = capsys.readouterr().out
    assert f"d out/d x = d out/d (x*y) * d (x*y)/d x = {fmt(t)} * -2 = {fmt(-2 * t)}" in out
    assert not (tmp_path / "backward.gif").exists()


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is needed to render the frames")
def test_no_picture_of_an_earlier_formula_stays_in_out(tmp_path, capsys):
    # A second run into the same --out used to leave the first run's backward.gif (with
    # --no-gif) and all its pictures (for a single-leaf formula) next to the new trace.
    out = ["--out", str(tmp_path)]
    assert main(["backprop", *out]) == 0  # the neuron: 5 frames and a GIF
    assert (tmp_path / "backward.gif").exists() and (tmp_path / "frame_004.png").exists()
    assert main(["backprop", "x*y", "--values", "x=1", "y=2", "--no-gif", *out]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "frame_000.png", "gradients.png", "trace.txt"
    ]  # fmt: skip
    (tmp_path / "mine.png").write_bytes(b"not ours")
    assert main(["backprop", "x", "--values", "x=1", *out]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.png", "trace.txt"]
    assert "single leaf" in capsys.readouterr().out


def test_demo_traces_the_backward_pass_once_and_prints_that_trace(tmp_path, monkeypatch):
    import micrograd_mlp.viz.backprop as viz_backprop

    traced = []

    def counting_backward_steps(root):
        traced.append(root)
        return backward_steps(root)

    # the demo, explain() and the frames (by traced_steps) reach the pass through these names
    monkeypatch.setattr(viz_backprop, "backward_steps", counting_backward_steps)
    monkeypatch.setattr(demo, "backward_steps", counting_backward_steps)
    result = _quiet_demo(["x*y + x", "--values", "x=2", "y=3", "--out", str(tmp_path), "--no-gif"])
    assert len(traced) == 1
    # By hand: out = x*y + x; d out/d x = 1 + y = 4 (two uses), d out/d y = x = 2.
    assert result["trace"] == (
        "d out/d out = 1  (the seed: the output's gradient with respect to itself)\n"
        "d out/d (x*y) = d out/d out * d out/d (x*y) = 1 * 1 = 1\n"
        "d out/d x += d out/d out * d out/d x = 1 * 1 = 1  (use 1 of 2; d out/d x so far: 1)\n"
        "d out/d x += d out/d (x*y) * d (x*y)/d x = 1 * 3 = 3  (use 2 of 2; d out/d x so far: 4)\n"
        "d out/d y = d out/d (x*y) * d (x*y)/d y = 1 * 2 = 2\n"
    )
    assert result["steps"] == 2 and result["grads"] == {"x": 4.0, "y": 2.0}
    assert result["backward_agrees"] is True
    # the same text as explain() tracing the pass itself, as the demo did before
    root = parse_expression("x*y + x", parse_assignments(["x=2", "y=3"]))
    assert result["trace"] == explain(root) == (tmp_path / "trace.txt").read_text("utf-8")


@pytest.mark.parametrize(
    "argv, message",
    [(["__import__('os')"], "not allowed"), (["x + q", "--values", "x=1"], "unknown name"),
     (["--values", "x=1"], "needs an expression")],
)  # fmt: skip
def test_demo_reports_bad_input_clearly(tmp_path, argv, message):
    with pytest.raises(SystemExit, match=message):
        run_demo(demo, [*argv, "--out", str(tmp_path)])


# ------------------------------------------------ the graph choice backprop and explore share
def _chosen(argv, lang="en"):
    parser = argparse.ArgumentParser()
    add_graph_arguments(parser)
    return choose_graph(parser.parse_args(argv), lang)


def test_choose_graph_gives_the_neuron_an_example_or_the_formula():
    graph = _chosen([])
    assert graph.expression == "tanh(w1*x1 + w2*x2 + b)" and graph.story is None
    assert graph.root.label == "o" and graph.root.data == pytest.approx(1 / math.sqrt(2))
    assert [p.label for p in graph.params] == ["w1", "w2", "b"]
    graph = _chosen(["--example", "shopping"], "ko")
    assert graph.params is None and graph.root.data == pytest.approx(220)  # 100 x 2 x 1.1
    assert graph.expression.startswith("총액 = ") and "사과" in graph.story
    graph = _chosen(["x*y + x", "--values", "x=2", "y=3"])
    assert (graph.expression, graph.root.data, graph.params, graph.story) == (
        "x*y + x", 8.0, None, None
    )


@pytest.mark.parametrize(
    ("argv", "english"),
    [
        (["--values", "x=1"], "--values needs an expression to give values to"),
        (["x", "--values", "x=1", "--example", "shopping"],
         "--example draws a built-in graph: give either --example or an expression, not both"),
        (["--example", "shopping", "x"],
         "--example draws a built-in graph: give either --example or an expression, not both"),
    ],
)  # fmt: skip
def test_choose_graph_refuses_bad_combinations_in_the_learners_language(argv, english):
    texts = {}
    for lang in ("en", "ko"):
        with pytest.raises(UserError) as raised:
            _chosen(argv, lang)
        texts[lang] = str(raised.value)
    assert texts["en"] == english
    assert texts["ko"] != english and re.search("[가-힣]", texts["ko"])
    assert texts["ko"].split(maxsplit=1)[0].startswith(english.split(maxsplit=1)[0])  # the option


@needs_dot
@pytest.mark.parametrize(
    "argv", [[], ["--example", "shopping"], ["x*y + x", "--values", "x=2", "y=3"]]
)
def test_backprop_and_explore_choose_the_same_graph(argv, tmp_path):
    traced = _quiet_demo([*argv, "--out", str(tmp_path / "b"), "--no-gif"])
    page = run_demo(explore, [*argv, "--out", str(tmp_path / "e.html")])
    assert traced["expression"] == page["expression"]
    assert set(traced["grads"]) < set(page["names"])  # the same leaves, under the same names
    assert page["phases"]["backward"] == 1 + traced["steps"]  # the seed, then node by node


# ------------------------------------------------------- frame layout: readable when scaled
def test_deep_graphs_are_laid_out_top_to_bottom_and_wide_ones_left_to_right():
    o, _ = neuron()  # 4 operations deep, 5 leaves: left to right it was 7 times wider than high
    assert auto_rankdir(o) == "TB"
    assert "rankdir=TB" in backward_graphs(o)[0].source
    # A top-to-bottom record keeps its fields in one row (no braces, which would stack them).
    assert 'label="w1 | data ' in backward_graphs(o)[0].source
    leaves = [Value(float(i), label=f"x{i}") for i in range(20)]
    wide = Value.dot(leaves, leaves)  # 1 operation, 20 leaves (40 operands)
    assert auto_rankdir(wide) == "LR"
    assert "rankdir=LR" in backward_graphs(wide)[0].source
    assert "rankdir=LR" in backward_graphs(o, rankdir="LR")[0].source  # an explicit choice holds


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot renders the frames")
def test_neuron_frames_are_not_much_wider_than_high(tmp_path):
    from PIL import Image

    o, v = neuron()
    written = backward_frames(o, tmp_path, gif=False, params=[v["w1"], v["w2"], v["b"]])
    with Image.open(written.frames[0]) as frame:
        width, height = frame.size
    assert width < 1.6 * height  # it was 2172 x 311 left to right


# ------------------------------------------------- frames: one size, legend, labels apart
def _text_boxes(drawn: dict) -> list[tuple[float, float, float, float, str]]:
    """The boxes of the texts Graphviz draws for one object of its JSON output (its label's
    ``T`` operations, with the font size of the last ``F``): (x0, y0, x1, y1, text)."""
    boxes, size = [], 14.0
    for op in drawn.get("_ldraw_", []):
        if op["op"] == "F":
            size = op["size"]
        elif op["op"] == "T":
            (x, y), w = op["pt"], op["width"]
            x0 = x - {"l": 0.0, "c": 0.5, "r": 1.0}[op["align"]] * w
            boxes.append((x0, y - 0.25 * size, x0 + w, y + 0.8 * size, op["text"]))
    return boxes


def _overlaps(source: str) -> list[tuple[str, str]]:
    """Edge labels that overlap the caption (title and legend), a node, or each other."""
    laid = json.loads(subprocess.run(["dot", "-Tjson"], input=source.encode(), check=True,
                                     capture_output=True).stdout)  # fmt: skip
    caption = _text_boxes(laid)
    nodes = []
    for node in laid.get("objects", []):
        x, y = (float(c) for c in node["pos"].split(","))
        w, h = float(node["width"]) * 36, float(node["height"]) * 36  # inches -> half, in pt
        nodes.append((x - w, y - h, x + w, y + h, node["name"]))
    labels = [box for edge in laid.get("edges", []) for box in _text_boxes(edge)]

    def hit(a, b) -> bool:
        return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5

    found = [(a[4], b[4]) for a in labels for b in caption + nodes if hit(a, b)]
    found += [(a[4], b[4]) for i, a in enumerate(labels) for b in labels[i + 1 :] if hit(a, b)]
    return found


FRAME_CASES = [
    ("tanh(x*y + 2) * x + 1 + 1", {"x": 1.5, "y": -2.0}),
    ("a*b + c*d + e*f + g*h", {c: float(i) for i, c in enumerate("abcdefgh", 1)}),
    ("x*x*x + x - 1/x", {"x": 2.0}),
]


@needs_dot
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_all_frames_of_a_run_have_one_size_and_no_label_overlaps_the_legend(tmp_path, lang):
    # The neuron's frames were 944 to 1024 px wide (a longer text made a frame wider), and
    # some edge labels overlapped the caption.
    from PIL import Image

    graphs = [neuron()[0]] + [parse_expression(f, v) for f, v in FRAME_CASES]
    for n, root in enumerate(graphs):
        kinds = [("png", n == 0), ("svg", False)] if n < 2 else [("png", False)]
        for fmt_, gif in kinds:
            written = backward_frames(root, tmp_path / f"{n}{fmt_}", fmt_, gif, lang=lang)
            if fmt_ == "png":
                sizes = set()
                for path in written.frames:
                    with Image.open(path) as im:
                        sizes.add(im.size)
            else:
                sizes = {re.search(rb'<svg width="[^"]+" height="[^"]+"\s+viewBox="[-\d. ]+ '
                                   rb'([\d.]+) ([\d.]+)"', p.read_bytes()).groups()
                         for p in written.frames}  # fmt: skip
            assert len(sizes) == 1, (n, fmt_, sizes)
            if gif:
                with Image.open(written.gif) as animation:
                    assert animation.n_frames == len(written.frames)
                    assert animation.size == next(iter(sizes))
        for dot in backward_graphs(root, lang=lang):
            assert _overlaps(dot.source) == [], (n, dot.name)
            legend = html.escape(message("frames.legend", lang))
            assert legend in dot.source  # under the title, on every frame


def test_frames_show_constants_as_their_numbers_and_formula_names():
    root = parse_expression("tanh(x*y + 1) * x + 1", {"x": 1.5, "y": -2.0})
    source = backward_graphs(root)[0].source
    assert "1#2" not in source and source.count('label="1 | data 1 |') == 2
    assert 'label="x*y + 1 | data' in source
    assert "backward step 1 of 5: out = tanh(x*y + 1)*x + 1, upstream d out/d out = 1" in source
