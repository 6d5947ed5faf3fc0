"""Computation-graph pictures: DOT structure, colours, the cap, deep graphs, rendering, fallback."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import graphviz
import pytest

from micrograd_mlp.engine import Value
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.viz import (
    NODE_COLORS,
    DotNotFoundError,
    DotNotFoundWarning,
    draw_dot,
    save_graph,
)

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="the Graphviz 'dot' executable is not installed"
)

_STATEMENT = re.compile(r"^\s*(\S+)(?: -> (\S+))?(?: \[(.*)\])?$")
_ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]+)')


def parse(dot: graphviz.Digraph) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict]]]:
    """The nodes (name -> attributes, in source order) and edges (src, dst, attributes)."""
    nodes, edges = {}, []
    for line in dot.body:
        match = _STATEMENT.match(line)
        assert match, f"unexpected DOT statement {line!r}"
        src, dst, attrs = match.groups()
        attrs = {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTRIBUTE.findall(attrs or "")}
        if dst is None:
            nodes[src] = attrs
        else:
            edges.append((src, dst, attrs))
    return nodes, edges


def records(nodes: dict) -> dict[str, dict]:
    return {name: a for name, a in nodes.items() if a.get("shape") == "record"}


def by_label(nodes: dict, label: str) -> str:
    """The name of the one record whose first field is ``label``."""
    found = [n for n, a in records(nodes).items() if a["label"].startswith("{ " + label + " |")]
    assert len(found) == 1, (label, found)
    return found[0]


def neuron_expression():
    """o = tanh(x1*w1 + x2*w2 + b), with gradients from o.backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


def chain(depth: int) -> tuple[Value, list[Value]]:
    """x, tanh(x), tanh(tanh(x)), ...: depth + 1 Values, each labelled with its position."""
    values = [Value(0.5, label="n0")]
    for i in range(1, depth + 1):
        values.append(values[-1].tanh())
        values[-1].label = f"n{i}"
    return values[-1], values


# --------------------------------------------------------------------------- structure
def test_known_expression_has_every_value_op_and_edge():
    o, v = neuron_expression()
    nodes, edges = parse(draw_dot(o))
    values = records(nodes)
    ops = {name: a for name, a in nodes.items() if a.get("shape") == "ellipse"}
    assert len(values) == 10  # 5 leaves, x1*w1, x2*w2, their sum, n, o
    assert sorted(a["label"] for a in ops.values()) == ["*", "*", "+", "+", "tanh"]

    inputs = {op: [s for s, d, _ in edges if d == op] for op in ops}
    outputs = {op: [d for s, d, _ in edges if s == op] for op in ops}
    assert all(len(out) == 1 and out[0] in values for out in outputs.values())
    assert sorted(len(i) for i in inputs.values()) == [1, 2, 2, 2, 2]

    # x1 and w1 feed the same "*", in operand order, whose result holds x1.data * w1.data.
    x1, w1 = by_label(nodes, "x1"), by_label(nodes, "w1")
    (mul,) = [op for op, i in inputs.items() if i == [x1, w1]]
    assert ops[mul]["label"] == "*"
    # Its gradient is d tanh(n)/dn = 1 - o^2, passed unchanged through the two "+" nodes.
    grad = 1 - v["o"].data ** 2
    assert values[outputs[mul][0]]["label"] == f"{{ data {2.0 * -3.0:.4g} | grad {grad:.4g} }}"

    # n feeds tanh, which produces o; o's record shows label, data and grad.
    (tanh,) = [op for op, i in inputs.items() if i == [by_label(nodes, "n")]]
    assert outputs[tanh] == [by_label(nodes, "o")]
    expected = math.tanh(2.0 * -3.0 + 6.8813735870195432)
    assert values[by_label(nodes, "o")]["label"] == f"{{ o | data {expected:.4g} | grad 1 }}"
    x1_grad = -3.0 * (1 - expected**2)  # do/dx1 = w1 * tanh'(n)
    assert values[x1]["label"] == f"{{ x1 | data 2 | grad {x1_grad:.4g} }}"


def test_colours_tell_roles_apart():
    o, v = neuron_expression()
    nodes, _ = parse(draw_dot(o, params=[v["w1"], v["w2"], v["b"]]))
    colour = {name: records(nodes)[by_label(nodes, name)]["fillcolor"] for name in v}
    roles = ("parameter", "input", "intermediate", "output", "op")
    assert len({NODE_COLORS[r] for r in roles}) == len(roles)
    assert colour["w1"] == colour["w2"] == colour["b"] == NODE_COLORS["parameter"]
    assert colour["x1"] == colour["x2"] == NODE_COLORS["input"]
    assert colour["n"] == NODE_COLORS["intermediate"]
    assert colour["o"] == NODE_COLORS["output"]
    unlabelled = [a for a in records(nodes).values() if a["label"].startswith("{ data")]
    assert len(unlabelled) == 3  # x1*w1, x2*w2 and their sum
    assert all(a["fillcolor"] == NODE_COLORS["intermediate"] for a in unlabelled)
    ops = [a for a in nodes.values() if a.get("shape") == "ellipse"]
    assert len(ops) == 5
    assert all(a["fillcolor"] == NODE_COLORS["op"] for a in ops)

    # Without params nothing is a parameter: w1 is a plain input.
    nodes, _ = parse(draw_dot(o))
    assert records(nodes)[by_label(nodes, "w1")]["fillcolor"] == NODE_COLORS["input"]


def test_params_may_be_a_module():
    neuron = Neuron(3, activation="tanh", seed=1)
    out = neuron([1.0, 2.0, 3.0])
    nodes, _ = parse(draw_dot(out, params=neuron))
    colours = [a["fillcolor"] for a in records(nodes).values()]
    assert colours.count(NODE_COLORS["parameter"]) == 4  # 3 weights and the bias
    assert colours.count(NODE_COLORS["input"]) == 3  # the 3 numbers, made constant Values


def test_source_is_deterministic_and_independent_of_object_identity():
    first = draw_dot(neuron_expression()[0]).source
    assert draw_dot(neuron_expression()[0]).source == first  # fresh objects, same picture
    o = neuron_expression()[0]
    assert draw_dot(o).source == draw_dot(o).source


def test_reused_node_gets_one_edge_per_use():
    a = Value(3.0, label="a")
    b = a + a
    c = b + b
    nodes, edges = parse(draw_dot(c))
    assert len(records(nodes)) == 3
    a_uses = [d for s, d, _ in edges if s == by_label(nodes, "a")]
    assert len(a_uses) == 2 and a_uses[0] == a_uses[1]  # both operands of b's "+"
    (b_name,) = [d for s, d, _ in edges if s == a_uses[0]]
    b_uses = [d for s, d, _ in edges if s == b_name]
    assert len(b_uses) == 2 and b_uses[0] == b_uses[1] != a_uses[0]  # both operands of c's "+"


def test_labels_are_escaped_and_numbers_formatted():
    x = Value(-0.0, label="x|{y}<z>\\w")
    y = x * 1.23456789
    nodes, _ = parse(draw_dot(y, number_format=".2f", show_grad=False))
    labels = [a["label"] for a in records(nodes).values()]
    assert labels == [
        r"{ x\|\{y\}\<z\>\\w | data 0.00 }",  # -0.0 shown without a minus sign
        "{ constant | 1.23 }",  # the constant: its value, no grad (not a variable)
        "{ data 0.00 }",  # the output, -0.0 too
    ]


@needs_dot
def test_escaped_label_renders_literally():
    x = Value(1.0, label="a|b{c}<d>")
    svg = draw_dot(x * 2.0).pipe(format="svg", encoding="utf-8")
    assert "a|b{c}&lt;d&gt;" in svg


# --------------------------------------------------------------------------- the cap
def test_cap_keeps_the_values_nearest_the_output_and_counts_the_rest():
    root, values = chain(999)  # 1000 Values
    nodes, edges = parse(draw_dot(root, max_nodes=50))
    kept = sorted(int(a["label"].split()[1][1:]) for a in records(nodes).values())
    assert kept == list(range(950, 1000))
    assert "950 more values not shown" in nodes["omitted"]["label"]
    assert "max_nodes=50" in nodes["omitted"]["label"]
    # The one operation that lost its operand (tanh producing n950) hangs off the summary node.
    (lost,) = [(d, a) for s, d, a in edges if s == "omitted"]
    assert lost[1] == {"style": "dashed"}
    assert [d for s, d, _ in edges if s == lost[0]] == [by_label(nodes, "n950")]


def test_cap_on_a_branching_graph():
    model = MLP(3, [4, 4, 1], activation="relu", seed=0)
    out = model([1.0, -2.0, 0.5])
    total = len(out.topological_order())
    nodes, edges = parse(draw_dot(out, max_nodes=12, params=model))
    assert len(records(nodes)) == 12
    assert f"{total - 12} more values not shown" in nodes["omitted"]["label"]
    # The output's operation keeps all of its direct operands (4 weights, 4 inputs, bias).
    (root,) = [n for n, a in nodes.items() if a.get("fillcolor") == NODE_COLORS["output"]]
    (out_op,) = [s for s, d, _ in edges if d == root]
    assert len([s for s, d, _ in edges if d == out_op]) == 9


def test_no_summary_when_under_the_cap_and_no_cap_with_none():
    root, _ = chain(30)
    assert "omitted" not in parse(draw_dot(root, max_nodes=31))[0]
    assert len(records(parse(draw_dot(root, max_nodes=None))[0])) == 31
    assert "omitted" in parse(draw_dot(root, max_nodes=30))[0]


def test_depth_100_000_chain_draws_capped_without_recursion():
    root, values = chain(100_000)
    assert sys.getrecursionlimit() < 100_000  # a recursive walk could not get through
    dot = draw_dot(root, max_nodes=40)
    nodes, _ = parse(dot)
    assert len(records(nodes)) == 40
    assert f"{100_001 - 40:,} more values not shown" in nodes["omitted"]["label"]
    if shutil.which("dot"):
        assert "<svg" in dot.pipe(format="svg", encoding="utf-8")


# --------------------------------------------------------------------------- display, files
def test_jupyter_display_hooks_exist():
    dot = draw_dot(neuron_expression()[0])
    assert isinstance(dot, graphviz.Digraph)
    assert callable(dot._repr_mimebundle_)


@needs_dot
def test_jupyter_display_renders_svg_and_png():
    dot = draw_dot(neuron_expression()[0], format="png")
    bundle = dot._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert ET.fromstring(bundle["image/svg+xml"].encode()).tag.endswith("svg")
    png = dot._repr_mimebundle_(include=["image/png"])["image/png"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_save_graph_writes_the_image(tmp_path, suffix, magic):
    path = tmp_path / "out" / f"graph{suffix}"  # the missing directory is created
    written = save_graph(draw_dot(neuron_expression()[0]), path)
    assert written == path
    assert path.read_bytes().startswith(magic)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left


@needs_dot
def test_save_graph_without_suffix_uses_the_graph_format(tmp_path):
    written = save_graph(draw_dot(neuron_expression()[0], format="png"), tmp_path / "graph")
    assert written == tmp_path / "graph.png"
    assert written.read_bytes().startswith(b"\x89PNG")


def test_save_graph_without_dot_warns_and_writes_the_source(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no executable can be found
    dot = draw_dot(neuron_expression()[0])
    with pytest.warns(DotNotFoundWarning, match="graphviz 'dot' executable not found") as w:
        written = save_graph(dot, tmp_path / "graph.svg")
    assert written == tmp_path / "graph.gv"
    assert str(written) in str(w[0].message)
    assert written.read_text() == dot.source
    assert not (tmp_path / "graph.svg").exists()


def test_save_graph_without_dot_can_raise(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    dot = draw_dot(neuron_expression()[0])
    with pytest.raises(DotNotFoundError, match=re.escape(str(tmp_path / "graph.gv"))):
        save_graph(dot, tmp_path / "graph.png", on_missing_dot="raise")
    assert (tmp_path / "graph.gv").read_text() == dot.source


def test_atomic_write_leaves_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "graph.svg"
    path.write_bytes(b"old")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("micrograd_mlp.files.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


@pytest.mark.parametrize("case", ["directory", "unwritable"])
def test_atomic_write_errors_name_the_callers_path_not_the_temporary_file(
    case, tmp_path, monkeypatch
):
    # They named '.graph.svg.<pid>-<random>.tmp', a file the caller never heard of.
    path = tmp_path / "graph.svg"
    if case == "directory":
        path.mkdir()  # os.replace(tmp, path) fails: Is a directory
        expected = IsADirectoryError
    else:
        expected = PermissionError

        def refuse(*args, dir=None, prefix="", suffix="", **kwargs):
            # what mkstemp raises in a directory this user cannot write (root can write all)
            raise PermissionError(13, "Permission denied", f"{dir}/{prefix}abcdefgh{suffix}")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(expected) as info:
        atomic_write_bytes(path, b"new")
    assert info.value.filename == str(path)
    assert ".tmp" not in str(info.value) and str(path) in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == (["graph.svg"] if case == "directory" else [])


def test_importing_viz_does_not_import_matplotlib():
    code = "import sys, micrograd_mlp.viz; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"rankdir": "XY"}, ValueError, "rankdir 'XY'"),
        ({"format": "bogus"}, ValueError, "format 'bogus'"),
        ({"max_nodes": 0}, ValueError, "max_nodes .* got 0"),
        ({"max_nodes": True}, ValueError, "max_nodes"),
        ({"max_nodes": 2.5}, ValueError, "max_nodes"),
        ({"params": [1.0]}, TypeError, "params must be Values, got a float"),
    ],
)
def test_draw_dot_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        draw_dot(Value(1.0) * 2.0, **kwargs)


def test_draw_dot_rejects_a_non_value_root():
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        draw_dot(1.0)


def test_save_graph_rejects_bad_arguments(tmp_path):
    dot = draw_dot(Value(1.0) * 2.0)
    with pytest.raises(ValueError, match="unknown format 'xyz'"):
        save_graph(dot, tmp_path / "graph.xyz")
    with pytest.raises(ValueError, match="on_missing_dot"):
        save_graph(dot, tmp_path / "graph.svg", on_missing_dot="ignore")


def test_grads_not_set_yet_show_as_zero_and_constants_as_constants():
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    labels = [a["label"] for a in records(parse(draw_dot(y))[0]).values()]
    assert labels[0] == "{ x | data 2 | grad 0 }"  # no backward pass yet: 0, as in micrograd
    assert "{ constant | 3 }" in labels  # a number mixed into an op: no grad field
    y.backward()
    nodes = records(parse(draw_dot(y))[0])
    labels = [a["label"] for a in nodes.values()]
    assert labels[0] == f"{{ x | data 2 | grad {3 * (1 - math.tanh(6.0) ** 2):.4g} }}"
    (const,) = [a for a in nodes.values() if a["label"] == "{ constant | 3 }"]
    assert const["fillcolor"] == NODE_COLORS["constant"]
