"""Karpathy's micrograd lecture ("The spelled-out intro to neural networks and backpropagation"),
step by step, on micrograd_mlp.

The lecture writes its own ``Value``, ``draw_dot``, ``Neuron``, ``Layer`` and ``MLP``; here those
come from ``micrograd_mlp`` and everything else happens as in the lecture: labels assigned after
an op (``n.label = "n"``), gradients set and ``_backward()`` called by hand node by node, a
``trace``/``draw_dot`` that reads ``_prev``, ``_op``, ``label``, ``data`` and ``grad``, a nudge of
the leaves along their gradients, PyTorch on the same neuron, and the four-example training loop
with ``p.grad = 0.0`` and ``p.data += -0.1 * p.grad``. The lecture's numbers are asserted.
"""

from __future__ import annotations

import math
import shutil

import pytest

from micrograd_mlp import MLP, Layer, Neuron, Value, draw_dot

# The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), with b chosen so that n is about 0.8814
# and o = tanh(n) = 1/sqrt(2).
B = 6.8813735870195432


def lecture_neuron(tanh_by_exp: bool = False) -> dict[str, Value]:
    """The neuron built op by op with binary ops, each intermediate labelled after its op.

    ``tanh_by_exp``: o is written through exp, (e^2n - 1) / (e^2n + 1), as the second half of
    the lecture does to show that any composition of differentiable ops backpropagates alike.
    Returns every named node by its label."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(B, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    if tanh_by_exp:
        e = (2 * n).exp()
        e.label = "e"
        o = (e - 1) / (e + 1)
    else:
        o = n.tanh()
    o.label = "o"
    nodes = [x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o]
    if tanh_by_exp:
        nodes.append(e)
    return {v.label: v for v in nodes}


def grads(nodes: dict[str, Value]) -> dict[str, float]:
    return {label: v.grad for label, v in nodes.items()}


# The gradients the lecture arrives at (do/dx1 = w1 * (1 - o^2) = -3 * 0.5, and so on).
LECTURE_GRADS = {
    "x1": -1.5,
    "w1": 1.0,
    "x2": 0.5,
    "w2": 0.0,
    "b": 0.5,
    "x1*w1": 0.5,
    "x2*w2": 0.5,
    "x1*w1 + x2*w2": 0.5,
    "n": 0.5,
    "o": 1.0,
}


# ------------------------------------------------------------------ the neuron by hand
def test_the_neuron_forward_pass_and_its_graph():
    v = lecture_neuron()
    assert v["n"].data == pytest.approx(0.8813735870195432, abs=1e-15)
    assert v["o"].data == pytest.approx(0.7071, abs=1e-4)
    assert v["o"].data == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    # _prev (the lecture's field) is the set of operands; the label set afterwards is kept.
    assert v["o"]._prev == {v["n"]} and v["o"]._op == "tanh"
    assert v["n"]._prev == {v["x1*w1 + x2*w2"], v["b"]} and v["n"]._op == "+"
    assert v["x1*w1"]._prev == {v["x1"], v["w1"]} and v["x1*w1"]._op == "*"
    assert v["x1"]._prev == set() and v["x1"]._op == ""
    # Nothing has been reached by a backward pass yet: every grad is micrograd's 0.0.
    assert set(grads(v).values()) == {0.0}


def test_the_neuron_backpropagated_by_hand_node_by_node():
    v = lecture_neuron()
    o, n = v["o"], v["n"]
    o.grad = 1.0  # do/do
    o._backward()  # tanh: n gets (1 - o^2) * 1
    expected = dict.fromkeys(v, 0.0) | {"o": 1.0, "n": pytest.approx(0.5)}
    assert grads(v) == expected
    assert n.grad == pytest.approx(1 - o.data**2, abs=0.0)  # the lecture's 1 - o.data**2

    n._backward()  # +: routes 0.5 to both operands
    expected |= {"x1*w1 + x2*w2": pytest.approx(0.5), "b": pytest.approx(0.5)}
    assert grads(v) == expected

    v["b"]._backward()  # a leaf: nothing to pass on
    assert grads(v) == expected

    v["x1*w1 + x2*w2"]._backward()  # +: again 0.5 to each
    expected |= {"x1*w1": pytest.approx(0.5), "x2*w2": pytest.approx(0.5)}
    assert grads(v) == expected

    v["x2*w2"]._backward()  # *: each operand gets the other's data times 0.5
    assert v["x2"].grad == pytest.approx(0.5)  # w2.data * 0.5
    assert v["w2"].grad == 0.0  # x2.data * 0.5, x2 being 0
    assert v["x1"].grad == 0.0 and v["w1"].grad == 0.0  # not reached yet
    v["x1*w1"]._backward()
    assert grads(v) == {k: pytest.approx(g) for k, g in LECTURE_GRADS.items()}
    assert v["x1"].grad == pytest.approx(-1.5) and v["w1"].grad == pytest.approx(1.0)


def test_the_lectures_topological_sort_over_prev_matches_ours():
    v = lecture_neuron()
    o = v["o"]
    topo, visited = [], set()

    def visit(node):  # the lecture's depth-first search, reading _prev
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                visit(child)
            topo.append(node)

    visit(o)
    ours = o.topological_order()
    assert set(topo) == set(ours) == set(v.values()) and len(ours) == 10
    assert topo[-1] is o and ours[-1] is o
    for order in (topo, ours):  # every node after its operands
        position = {id(node): i for i, node in enumerate(order)}
        assert all(position[id(c)] < position[id(node)] for node in order for c in node._prev)
    # Ours visits operands left to right: x1 before w1, x1*w1 before x2*w2.
    assert [node.label for node in ours][:3] == ["x1", "w1", "x1*w1"]


def test_calling_backward_in_reverse_topological_order_by_hand():
    v = lecture_neuron()
    o = v["o"]
    o.grad = 1.0
    for node in reversed(o.topological_order()):
        node._backward()
    assert grads(v) == {k: pytest.approx(g) for k, g in LECTURE_GRADS.items()}


# ------------------------------------------------------------------------- backward()
@pytest.mark.parametrize("tanh_by_exp", [False, True], ids=["tanh", "tanh-through-exp"])
def test_backward_gives_the_lectures_gradients(tanh_by_exp):
    v = lecture_neuron(tanh_by_exp)
    v["o"].backward()
    assert v["o"].data == pytest.approx(0.7071, abs=1e-4)
    for label, grad in LECTURE_GRADS.items():
        assert v[label].grad == pytest.approx(grad), label
    if tanh_by_exp:
        # tanh n = 1/sqrt(2) makes e = e^(2n) = (1 + 1/sqrt 2)/(1 - 1/sqrt 2) = 3 + 2 sqrt 2, and
        # o = (e - 1)/(e + 1) gives do/de = 2/(e + 1)^2.
        e = v["e"].data
        assert e == pytest.approx(3 + 2 * math.sqrt(2))
        assert v["e"].grad == pytest.approx(2 / (e + 1) ** 2)
        assert v["o"]._op == "/"


def test_tanh_through_exp_and_tanh_agree_to_rounding():
    direct, by_exp = lecture_neuron(), lecture_neuron(tanh_by_exp=True)
    direct["o"].backward()
    by_exp["o"].backward()
    assert by_exp["o"].data == pytest.approx(direct["o"].data, rel=1e-15)
    for label in LECTURE_GRADS:
        assert by_exp[label].grad == pytest.approx(direct[label].grad, rel=1e-12, abs=1e-15)


def test_a_value_added_to_itself_gets_gradient_two():
    # The lecture's bug: with `=` instead of `+=` in _backward, b = a + a gave a.grad = 1.
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    assert b.data == 6.0 and a.grad == 2.0
    assert b._prev == {a}  # one operand, used twice: the set has it once
    # By hand: b's one _backward() call adds 1 for each of its two uses of a.
    a.grad = 0.0
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0


def test_a_value_on_two_paths_gets_the_sum_of_both():
    a = Value(-2.0, label="a")
    b = Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    f.backward()
    assert f.data == -6.0
    # df/da = e * b + d * 1 = 1*3 + (-6) = -3;  df/db = e * a + d * 1 = 1*(-2) + (-6) = -8
    assert a.grad == -3.0 and b.grad == -8.0
    assert d.grad == 1.0 and e.grad == -6.0


# -------------------------------------------------------------- trace and draw_dot
def trace(root: Value) -> tuple[set, set]:
    """Every node behind ``root`` and every (operand, result) edge, found through ``_prev``."""
    nodes, edges = set(), set()
    todo = [root]
    while todo:
        node = todo.pop()
        if node in nodes:
            continue
        nodes.add(node)
        for child in node._prev:
            edges.add((child, node))
            todo.append(child)
    return nodes, edges


def lecture_draw_dot(root: Value):
    """The lecture's picture: a record (label | data | grad) per Value, a small node per op."""
    graphviz = pytest.importorskip("graphviz", reason="draw_dot builds a graphviz.Digraph")
    nodes, edges = trace(root)
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    for node in nodes:
        name = str(id(node))
        record = "{ %s | data %.4f | grad %.4f }" % (node.label, node.data, node.grad)  # noqa: UP031
        dot.node(name=name, label=record, shape="record")
        if node._op:
            dot.node(name=name + node._op, label=node._op)
            dot.edge(name + node._op, name)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    return dot


def test_the_lectures_draw_dot_before_and_after_backward():
    v = lecture_neuron()
    o = v["o"]
    nodes, edges = trace(o)
    assert nodes == set(v.values()) and len(edges) == 9

    before = lecture_draw_dot(o).source
    assert before.count("grad 0.0000") == 10  # not reached yet: every grad prints 0.0000
    assert "{ o | data 0.7071 | grad 0.0000 }" in before
    assert "{ x1*w1 + x2*w2 | data -6.0000 | grad 0.0000 }" in before

    o.backward()
    after = lecture_draw_dot(o).source
    assert "{ o | data 0.7071 | grad 1.0000 }" in after
    assert "{ n | data 0.8814 | grad 0.5000 }" in after
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in after
    assert "{ w1 | data -3.0000 | grad 1.0000 }" in after
    assert "{ w2 | data 1.0000 | grad 0.0000 }" in after
    assert after.count("grad 0.5000") == 6  # x2, b, x1*w1, x2*w2, their sum, n
    # 9 operand-to-op edges and one op-to-result edge for each of the 5 ops (2 *, 2 +, tanh)
    assert after.count(" -> ") == 9 + 5
    if shutil.which("dot"):
        assert b"<svg" in lecture_draw_dot(o).pipe(format="svg")


def test_the_librarys_draw_dot_draws_the_neuron():
    v = lecture_neuron()
    v["o"].backward()
    source = draw_dot(v["o"]).source
    for label in ("x1", "w1", "x2*w2", "n", "o"):
        assert f"{{ {label} | data " in source
    assert "{ x1 | data 2 | grad -1.5 }" in source
    assert "{ o | data 0.7071 | grad 1 }" in source
    assert source.count("label=tanh") == 1 and source.count('label="*"') == 2
    if shutil.which("dot"):
        assert b"<svg" in draw_dot(v["o"]).pipe(format="svg")


# ------------------------------------------------------------- nudging the leaves
def expression(a: Value, b: Value, c: Value, f: Value) -> Value:
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


def test_nudging_each_leaf_along_its_gradient_raises_L():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    L = expression(a, b, c, f)
    L.backward()
    assert L.data == -8.0
    # dL/da = b*f, dL/db = a*f, dL/dc = f, dL/df = d = a*b + c
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)

    for leaf in (a, b, c, f):
        leaf.data += 0.01 * leaf.grad
    L2 = expression(a, b, c, f)  # the forward pass again, on the nudged leaves
    assert L2.data > L.data
    # To first order L rises by 0.01 * (6^2 + 4^2 + 2^2 + 4^2) = 0.72; it rises by 0.714.
    assert L2.data - L.data == pytest.approx(0.72, abs=0.01)
    assert L2.data == pytest.approx(-7.286, abs=1e-3)


def test_a_finite_difference_agrees_with_each_leafs_gradient():
    h = 0.001
    start = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
    leaves = {k: Value(x, label=k) for k, x in start.items()}
    L1 = expression(**leaves)
    L1.backward()
    for name in start:
        moved = {k: Value(x + (h if k == name else 0.0), label=k) for k, x in start.items()}
        slope = (expression(**moved).data - L1.data) / h
        assert slope == pytest.approx(leaves[name].grad, abs=1e-6)


# --------------------------------------------------------------------------- PyTorch
def test_pytorch_gives_the_same_neuron():
    torch = pytest.importorskip("torch", reason="the lecture's PyTorch comparison needs torch")

    def leaf(x: float):
        return torch.tensor([x], dtype=torch.double, requires_grad=True)

    x1, x2, w1, w2, b = leaf(2.0), leaf(0.0), leaf(-3.0), leaf(1.0), leaf(B)
    o_t = torch.tanh(x1 * w1 + x2 * w2 + b)
    o_t.backward()

    v = lecture_neuron()
    v["o"].backward()
    assert o_t.item() == pytest.approx(v["o"].data, rel=1e-15)
    for name, t in {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}.items():
        assert t.grad.item() == pytest.approx(v[name].grad, rel=1e-12, abs=1e-15), name
    assert (x1.grad.item(), w1.grad.item()) == pytest.approx((-1.5, 1.0))


# ----------------------------------------------------------- Neuron, Layer, MLP
def test_the_librarys_neuron_is_the_lectures_neuron():
    neuron = Neuron(2, activation="tanh", seed=0)
    for w, value in zip(neuron.weight, (-3.0, 1.0)):  # the lecture's w1, w2 and b
        w.data = value
    neuron.bias.data = B
    x = [Value(2.0, label="x1"), Value(0.0, label="x2")]
    o = neuron(x)
    o.backward()
    # The same numbers, though w.x + b is one n-ary "dot" node rather than a chain of + and *.
    assert o.data == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    assert [xi.grad for xi in x] == pytest.approx([-1.5, 0.5])
    assert [w.grad for w in neuron.weight] == pytest.approx([1.0, 0.0])
    assert neuron.bias.grad == pytest.approx(0.5)
    assert len(neuron.parameters()) == 3


def test_layer_and_mlp_shapes_as_in_the_lecture():
    x = [2.0, 3.0, -1.0]
    layer = Layer(3, 4, "tanh", seed=0)
    outs = layer(x)
    assert len(outs) == 4 and all(-1.0 < o.data < 1.0 for o in outs)
    n = MLP(3, [4, 4, 1], "tanh", output_activation="tanh", seed=0)
    out = n(x)
    assert isinstance(out, Value) and -1.0 < out.data < 1.0  # one output: one Value
    assert out._op == "tanh"
    assert len(n.parameters()) == 4 * (3 + 1) + 4 * (4 + 1) + 1 * (4 + 1) == 41


# ----------------------------------------------------------------- the training loop
XS = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
]
YS = [1.0, -1.0, -1.0, 1.0]  # the targets


def lecture_training(n: MLP, steps: int) -> tuple[list[float], list[Value]]:
    """The lecture's loop: forward, zero the grads, backward, step against the gradient."""
    losses = []
    for _ in range(steps):
        ypred = [n(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    return losses, ypred


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_lectures_all_tanh_network_learns_the_four_examples(seed):
    n = MLP(3, [4, 4, 1], "tanh", output_activation="tanh", seed=seed)
    losses, ypred = lecture_training(n, 20)
    assert losses[0] > 2.0  # a random network is far off
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < 0.1
    assert [math.copysign(1.0, y.data) for y in ypred] == YS
    assert all(-1.0 < y.data < 1.0 for y in ypred)  # tanh output: never quite the target


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_linear_output_network_learns_them_too(seed):
    # The library's default output layer is linear (outputs may go past +-1).
    n = MLP(3, [4, 4, 1], "tanh", seed=seed)
    assert n(XS[0])._op == "dot"  # no activation after the last layer's w.x + b
    losses, ypred = lecture_training(n, 30)
    assert losses[-1] < 0.05 * losses[0]
    assert losses[-1] < 0.05
    assert [math.copysign(1.0, y.data) for y in ypred] == YS
    assert all(y.data == pytest.approx(t, abs=0.15) for y, t in zip(ypred, YS))


def test_forgetting_to_zero_the_grads_accumulates_them():
    # Leaves add to their grad on every backward(): that is why the loop sets p.grad = 0.0.
    n = MLP(3, [4, 4, 1], "tanh", output_activation="tanh", seed=0)
    loss = sum((n(x) - y) ** 2 for x, y in zip(XS, YS))
    loss.backward()
    once = [p.grad for p in n.parameters()]
    loss.backward()
    assert [p.grad for p in n.parameters()] == pytest.approx([2 * g for g in once])
