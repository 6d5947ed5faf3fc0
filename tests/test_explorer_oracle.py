"""The explorer page's numbers against an oracle that knows neither the page nor the replay:
PyTorch's autograd on the same formula.

For every edge of the page (operand ``k`` of node ``i``, the SVG element ``e<i>_<k>``) the test
reads, in headless Chromium, where the edge starts (its ``<title>``: the operand's node, or a
copy of it) and the product it shows at the end, ``upstream × local = product``, and compares
them with torch: ``upstream`` is torch's gradient of the output with respect to node ``i``,
``local`` the derivative of node ``i``'s operation with respect to its argument ``k`` (fresh
leaf tensors per argument, so ``x * x`` has two). A page that attached a local derivative to the
wrong operand (``y`` on the edge from ``x`` in ``x * y``) fails here. Each use's running sum
("contribution k of n; sum so far") is torch's products to that child added up in the page's
order, and each leaf's final gradient on the page is torch's too.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from test_explorer import _console_errors, needs_dot, start_browser

from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.expression import parse_expression
from micrograd_mlp.viz.explorer import Explorer
from micrograd_mlp.viz.graph import format_number

torch = pytest.importorskip("torch", reason="torch is the oracle")

#: (formula, values, leaky_relu's slope if it has one): every op of the parser, operands used
#: twice by one node and by several, constants on either side, a negative base.
FORMULAS = [
    ("(x + y) * x", {"x": 3.0, "y": -2.0}, None),
    ("x / y - y / x", {"x": 1.5, "y": -0.7}, None),
    ("tanh(x*y + 2) * x", {"x": 0.8, "y": -1.3}, None),
    ("exp(x) * log(y) - sigmoid(x - y)", {"x": 0.4, "y": 2.5}, None),
    ("x**3 + y**x - 2**y", {"x": 1.2, "y": 0.9}, None),
    ("relu(x - y) + leaky_relu(y - x, 0.1) + abs(x*y)", {"x": 1.7, "y": -0.6}, 0.1),
    ("-(x*y) / (x + 2)", {"x": 0.3, "y": 4.0}, None),
    ("x*x*x + x - 1/x", {"x": -1.1}, None),
    ("(x - y)**2 / 2 + y * 3", {"x": 2.0, "y": -0.5}, None),
]


@pytest.fixture(scope="module")
def browser():
    yield from start_browser()


def _torch_op(op: str, args: list, slope: float | None):
    """node = op(args) in torch (float64), from the engine's op name."""
    binary = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "**": lambda a, b: a**b,
    }
    if op in binary:
        return binary[op](*args)
    if op.startswith("**"):
        return args[0] ** float(op[2:])
    unary = {
        "neg": lambda a: -a,
        "exp": torch.exp,
        "log": torch.log,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "abs": torch.abs,
        "leaky_relu": lambda a: torch.nn.functional.leaky_relu(a, slope),
    }
    return unary[op](*args)


def _oracle(root: Value, slope: float | None) -> tuple[dict, dict]:
    """Torch's ``{(i, k): (upstream, local, product)}`` for every edge and ``{i: d out/d
    node_i}`` for every node (``i`` in the engine's topological order)."""
    order = root.topological_order()
    index = {id(v): i for i, v in enumerate(order)}
    tensors = []
    for v in order:
        if v._children:
            t = _torch_op(v._op, [tensors[index[id(c)]] for c in v._children], slope)
            t.retain_grad()
        else:
            t = torch.tensor(v.data, dtype=torch.float64, requires_grad=True)
        tensors.append(t)
    tensors[-1].backward()
    grads = {i: (t.grad.item() if t.grad is not None else 0.0) for i, t in enumerate(tensors)}
    grads[len(order) - 1] = 1.0
    edges = {}
    for i, v in enumerate(order):
        if not v._children:
            continue
        fresh = [torch.tensor(c.data, dtype=torch.float64, requires_grad=True) for c in v._children]
        locals_ = torch.autograd.grad(_torch_op(v._op, fresh, slope), fresh)
        for k, local in enumerate(locals_):
            up = grads[i]
            edges[i, k] = (up, local.item(), up * local.item())
    return edges, grads


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


@needs_dot
@pytest.mark.parametrize(("formula", "values", "slope"), FORMULAS, ids=[f for f, _, _ in FORMULAS])
def test_every_edge_and_leaf_of_the_page_agrees_with_torch(
    browser, tmp_path, formula, values, slope
):
    root = parse_expression(formula, values)
    order = root.topological_order()
    page = Explorer(root)
    browser.get(page.save(tmp_path / "page.html").resolve().as_uri())
    browser.execute_script(f"window.explorer.go({page.steps - 1})")
    shown = browser.execute_script(
        "var out = {edges: {}, products: {}};"
        "document.querySelectorAll('#graph g.edge').forEach(function (g) {"
        "  if (/^e\\d+_\\d+$/.test(g.id)) out.edges[g.id] = {"
        "    from: g.querySelector('title').textContent,"
        "    text: g.querySelector('text').textContent};"
        "});"
        "out.updates = [];"
        "window.EXPLORER_DATA.steps.forEach(function (s) {"
        "  (s.updates || []).forEach(function (u) {"
        "    out.products[u.edge] = u.product;"
        "    out.updates.push([u.edge, u.child, u.after, u.k, u.n, u.constant]);"
        "  });"
        "});"
        "out.grads = window.explorer.current().grads;"
        "return out;"
    )
    edges, grads = _oracle(root, slope)
    assert set(shown["edges"]) == {f"e{i}_{k}" for i, k in edges}
    distinct = False
    for (i, k), (up, local, product) in edges.items():
        edge = shown["edges"][f"e{i}_{k}"]
        c = order.index(order[i]._children[k])  # operand k's node
        start = edge["from"].split("->")[0]
        assert start in (f"n{c}", f"n{c}c{i}_{k}"), (formula, i, k, edge["from"])
        assert _close(shown["products"][f"e{i}_{k}"], product), (formula, i, k)
        fmt = [format_number(x, ".4g") for x in (up, local, product)]
        assert edge["text"] == f"{fmt[0]} × {fmt[1]} = {fmt[2]}", (formula, i, k)
        others = [edges[i, j][2] for j in range(len(order[i]._children)) if j != k]
        distinct |= any(not _close(product, other) for other in others)
    assert distinct  # the formula can tell the operands apart: a swap would fail above
    # Each use's "sum so far": torch's products to that child, in the page's order, added up
    # (over earlier nodes and over both uses in x * x); k of n its uses so far and in all.
    running: dict[int, list[float]] = {}
    uses = Counter(order.index(child) for v in order for child in v._children)
    for edge, child, after, k, n, constant in shown["updates"]:
        if constant:
            continue
        i, pos = (int(part) for part in edge[1:].split("_"))
        assert order.index(order[i]._children[pos]) == child, (formula, edge)
        running.setdefault(child, []).append(edges[i, pos][2])
        total, size = sum(running[child]), sum(abs(x) for x in running[child])
        assert abs(after - total) <= 1e-12 * size + 1e-300, (formula, edge, after, total)
        assert (k, n) == (len(running[child]), uses[child]), (formula, edge)
    leaves = {
        page.names[i]: grads[i]
        for i, v in enumerate(order)
        if not v._children and type(v) is not Constant
    }
    assert set(leaves) <= set(shown["grads"])
    for name, g in leaves.items():
        assert _close(shown["grads"][name], g), (formula, name, shown["grads"][name], g)
    assert _console_errors(browser) == []


def test_the_oracle_tells_a_swapped_local_derivative_apart():
    # The check above compares each edge with torch by operand position: x * y with x != y
    # gives different products on its two edges, so a page showing them swapped cannot pass.
    x, y = Value(3.0, label="x"), Value(-2.0, label="y")
    edges, _ = _oracle(x * y, None)
    assert edges[2, 0][1] == -2.0 and edges[2, 1][1] == 3.0  # ∂(xy)/∂x = y, ∂(xy)/∂y = x
