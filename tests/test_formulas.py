"""Formulas typed by a person (micrograd_mlp.expression): the whitelist, one leaf per variable,
refusals before any evaluation, full-width input read as ASCII in the formula and in --values
alike, and computed nodes labelled with their part of the formula (formula_name)."""

from __future__ import annotations

import math

import pytest

from micrograd_mlp.engine import Value
from micrograd_mlp.expression import (
    ExpressionError,
    formula_name,
    normalize,
    parse_assignments,
    parse_expression,
)
from micrograd_mlp.viz.backprop import explain


# ------------------------------------------------------------------------ parser
def test_parser_accepts_the_whitelist():
    x, y = 0.7, 1.9
    src = "exp(x) + log(y) - tanh(x) * sigmoid(y) / relu(x) ** 2 + -x + +y - 2.5e-1 * (x - 3)"
    root = parse_expression(src, {"x": x, "y": y})
    sig = 1 / (1 + math.exp(-y))
    expected = math.exp(x) + math.log(y) - math.tanh(x) * sig / x**2 + -x + y - 0.25 * (x - 3)
    assert root.data == pytest.approx(expected, rel=1e-12)


def test_parser_makes_one_leaf_per_variable_and_keeps_constant_exponents():
    root = parse_expression("x * x", {"x": 3.0})
    a, b = root._children
    assert a is b and a.label == "x"
    sq = parse_expression("x ** 2", {"x": 3.0})
    assert sq._op == "**2" and len(sq._children) == 1
    assert parse_expression("2 ** 3", {}).data == 8.0
    root = parse_expression("tanh(x*y + 2)", parse_assignments(["x=1.5", "y=-2"]))
    root.backward()
    t = 1 - math.tanh(1.5 * -2 + 2) ** 2
    # The variables are the leaves that are not constants (the 2 is labelled "2").
    variables = (n for n in root.topological_order() if not n._children and type(n) is Value)
    x, y = sorted(variables, key=lambda n: n.label)
    assert (x.grad, y.grad) == (pytest.approx(t * -2), pytest.approx(t * 1.5))


@pytest.mark.parametrize(
    "source, message",
    [
        ("__import__('os')", "not allowed.*the call"),
        ("__import__('os').system('true')", "not allowed"),
        ("x.real", "attribute access"),
        ("(1).__class__", "attribute access"),
        ("x[0]", "indexing"),
        ("lambda: 1", "lambda"),
        ("'abc'", "constant"),
        ("True + x", "constant True"),
        ("x if x else 1", "conditional"),
        ("x < 1", "comparison"),
        ("x // 2", "operator"),
        ("sin(x)", "the call 'sin\\(x\\)'"),
        ("tanh(x, x)", "exactly one argument"),
        ("tanh(x=1)", "exactly one argument"),
        ("tanh + x", "is a function"),
        ("x +", "cannot parse"),
        ("log(x - 1)", "cannot evaluate.*log of a non-positive"),
        ("x / (x - 1)", "cannot evaluate.*division by zero"),
        ("x * " + "(" * 300 + "x" + ")" * 300, "cannot parse|nested"),
    ],
)
def test_parser_refuses(source, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(source, {"x": 1.0})


def test_parser_names_unknown_and_unused_variables():
    with pytest.raises(ExpressionError, match=r"unknown name\(s\) z .*values given for: x.*tanh"):
        parse_expression("x + z", {"x": 1.0})
    with pytest.raises(ExpressionError, match="does not use"):
        parse_expression("x", {"x": 1.0, "y": 2.0})
    with pytest.raises(ExpressionError, match="must be finite"):
        parse_expression("x", {"x": math.inf})


def test_refusal_happens_before_any_evaluation():
    # log(0) would fail on evaluation; the forbidden call is reported first.
    with pytest.raises(ExpressionError, match="not allowed.*__import__"):
        parse_expression("log(x - 1) + __import__('os')", {"x": 1.0})


@pytest.mark.parametrize(
    "items, message",
    [(["x"], "NAME=NUMBER"), (["1x=2"], "not a valid variable name"),
     (["x=a"], "not a number"), (["x=1", "x=2"], "given twice")],
)  # fmt: skip
def test_parse_assignments_refuses(items, message):
    with pytest.raises(ExpressionError, match=message):
        parse_assignments(items)


@pytest.mark.parametrize(
    ("formula", "values"),
    [
        ("ｘ*ｙ", ["ｘ=3", "ｙ=-2"]),  # full-width names, as a Korean keyboard types them
        ("ｘ＊ｙ", ["ｘ＝３", "ｙ＝－２"]),  # full-width signs and digits too
        ("x*y", ["ｘ=3", "y=-2"]),  # typed one way in the formula, the other in --values
        ("ｘ\u3000*\u3000y", ["x=3", "y\u3000=\u3000-2"]),  # the ideographic space
    ],
)
def test_full_width_input_reads_as_ascii_in_the_formula_and_the_values(formula, values):
    # The formula's names were normalised (by Python) but not --values', so "ｘ*ｙ --values ｘ=3
    # ｙ=-2" was refused: "unknown name(s) x ...; values given for: ｘ, ｙ".
    root = parse_expression(formula, parse_assignments(values))
    root.backward()
    x, y = root._children
    assert (x.label, y.label, root.data, x.grad, y.grad) == ("x", "y", -6.0, -2.0, 3.0)
    assert parse_assignments(values) == {"x": 3.0, "y": -2.0}
    assert normalize(formula).replace("\u3000", " ").replace(" ", "") == "x*y"


def test_names_that_read_alike_and_superscripts_are_refused_not_confused():
    with pytest.raises(ExpressionError, match="'x' is given twice"):
        parse_assignments(["x=1", "ｘ=2"])
    with pytest.raises(ExpressionError, match=r"'x' is given twice \(as 'x' and 'ｘ'\)"):
        parse_expression("x", {"x": 1.0, "ｘ": 2.0})
    with pytest.raises(ExpressionError, match=r"'²' in 'x²' is not read as a power: write \*\*2"):
        parse_expression("x²", {"x": 1.0})  # NFKC alone would read it as the name x2


def test_computed_nodes_are_labelled_with_their_part_of_the_formula():
    root = parse_expression("tanh(x*y + 2) * (x - -1) + x**2", {"x": 1.5, "y": -2.0})
    labels = [v.label for v in root.topological_order()]
    assert labels == [
        "x", "y", "x*y", "2", "x*y + 2", "tanh(x*y + 2)", "-1", "x - (-1)",
        "tanh(…)*(…)", "x**2", "",
    ]  # fmt: skip
    assert root.label == "" and root._op == "+"  # the output: "out" in traces
    trace = explain(root)
    assert "d out/d (x*y) = d out/d (x*y + 2) * d (x*y + 2)/d (x*y) = " in trace
    assert parse_expression("x", {"x": 2.0}).label == "x"  # a leaf output keeps its name


@pytest.mark.parametrize(
    ("op", "operands", "name"),
    [
        ("*", ["x + y", "x"], "(x + y)*x"),
        ("-", ["x", "y - z"], "x - (y - z)"),
        ("-", ["x - y", "z"], "x - y - z"),
        ("/", ["a", "b*c"], "a/(b*c)"),
        ("**", ["x", "y**z"], "x**y**z"),
        ("**", ["x**y", "z"], "(x**y)**z"),
        ("**2", ["-x"], "(-x)**2"),
        ("neg", ["x**2"], "-x**2"),
        ("neg", ["x + y"], "-(x + y)"),
        ("-", ["x", "-2"], "x - (-2)"),
        ("+", ["w1*x1 + w2*x2", "b"], "w1*x1 + w2*x2 + b"),
        ("+", ["w1*x1 + w2*x2 + b", "c"], "… + c"),
        ("tanh", ["w1*x1 + w2*x2 + b"], "tanh(…)"),
        ("-", ["tanh(x*y + 2)", "-x"], "tanh(…) - (-x)"),
        ("+", ["a_very_long_name", "another_long_one"], "a_ver… + anoth…"),
        ("dot", [f"w{i}" for i in range(9)], "dot(…)"),
        ("sum", ["a", "b", "c"], "sum(a, b, c)"),
    ],
)
def test_formula_name(op, operands, name):
    assert formula_name(op, operands) == name
    assert len(name) <= 18
