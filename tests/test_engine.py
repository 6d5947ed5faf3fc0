"""The scalar engine: every op's forward and gradient, backward semantics, deep graphs, errors."""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest

from micrograd_mlp import Function, Value, gradcheck
from micrograd_mlp.engine import Constant
from micrograd_mlp.tensor import Tensor

EPS = 1e-6


def numeric_grad(f, xs: list[float], eps: float = EPS) -> list[float]:
    """Central finite differences of a float function of several floats."""
    grads = []
    for i in range(len(xs)):
        up = xs.copy()
        down = xs.copy()
        up[i] += eps
        down[i] -= eps
        grads.append((f(*up) - f(*down)) / (2 * eps))
    return grads


# name -> (function of Values/floats, input point). Each function is written once and run on
# both floats (the reference, via `math`) and Values; points keep every op in its smooth domain.
OPS = {
    "add": (lambda a, b: a + b, [1.3, -0.7]),
    "radd": (lambda a: 2.5 + a, [0.4]),
    "sub": (lambda a, b: a - b, [1.3, -0.7]),
    "rsub": (lambda a: 2.5 - a, [0.4]),
    "mul": (lambda a, b: a * b, [1.3, -0.7]),
    "rmul": (lambda a: 3.0 * a, [0.4]),
    "div": (lambda a, b: a / b, [1.3, -0.7]),
    "rdiv": (lambda a: 3.0 / a, [0.4]),
    "pow_const": (lambda a: a**3, [-1.2]),
    "pow_frac": (lambda a: a**0.5, [2.0]),
    "pow_value": (lambda a, b: a**b, [1.7, 0.6]),
    "rpow": (lambda a: 2.0**a, [0.3]),
    "neg": (lambda a: -a, [0.4]),
    "reuse": (lambda a: a * a + a, [0.9]),
}
UNARY = {
    "exp": (math.exp, [0.3]),
    "log": (math.log, [1.7]),
    "tanh": (math.tanh, [0.4]),
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)), [-0.8]),
    "relu": (lambda x: max(x, 0.0), [0.6]),
    "relu_neg": (lambda x: max(x, 0.0), [-0.6]),
    "leaky_relu": (lambda x: x if x > 0 else 0.01 * x, [-0.6]),
    "abs": (abs, [-0.6]),
}


@pytest.mark.parametrize("name", OPS)
def test_binary_op_forward_and_gradient(name):
    f, point = OPS[name]
    values = [Value(x) for x in point]
    out = f(*values)
    out.backward()
    assert out.data == pytest.approx(f(*point), rel=1e-12)
    expected = numeric_grad(f, point)
    assert [v.grad for v in values] == pytest.approx(expected, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_forward_and_gradient(name):
    reference, point = UNARY[name]
    method = name.removesuffix("_neg")
    x = Value(point[0])
    out = getattr(x, method)()
    out.backward()
    assert out.data == pytest.approx(reference(point[0]), rel=1e-12)
    assert x.grad == pytest.approx(numeric_grad(reference, point)[0], rel=1e-6, abs=1e-8)


def test_sum_and_dot_gradients():
    ws = [Value(w) for w in (0.5, -1.5, 2.0)]
    xs = [Value(x) for x in (1.0, 3.0, -0.5)]
    b = Value(0.25)
    out = Value.dot(ws, xs, b) * Value.sum(xs)
    out.backward()

    def f(*v):
        w, x, bias = v[:3], v[3:6], v[6]
        return (sum(wi * xi for wi, xi in zip(w, x)) + bias) * sum(x)

    point = [v.data for v in (*ws, *xs, b)]
    assert out.data == pytest.approx(f(*point))
    assert [v.grad for v in (*ws, *xs, b)] == pytest.approx(numeric_grad(f, point), rel=1e-6)


def test_dot_accepts_numbers_and_checks_lengths():
    assert Value.dot([1.0, 2.0], [3, Value(4.0)]).data == 11.0
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        Value.dot([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        Value.sum([])


def test_sigmoid_is_stable_for_large_inputs():
    for x, expected in ((1000.0, 1.0), (-1000.0, 0.0)):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert s.data == expected
        assert v.grad == 0.0


def test_reused_non_leaf_node_gets_the_full_gradient():
    a = Value(3.0)
    b = a + a  # db/da = 2
    c = b + b  # dc/db = 2
    c.backward()
    assert b.grad == 2.0
    assert a.grad == 4.0


def test_backward_accumulates_into_leaves_but_not_intermediates():
    a = Value(2.0)
    b = a * a
    out = b * 3.0
    out.backward()
    out.backward()
    assert a.grad == 2 * 12.0  # two calls, each d out/da = 6a = 12
    assert b.grad == 3.0  # intermediates are fresh each call: no double counting


def test_backward_from_a_leaf_and_with_a_seed_gradient():
    a = Value(2.0)
    a.backward(gradient=0.5)
    assert a.grad == 0.5
    b = Value(2.0)
    (b * b).backward(gradient=2.0)
    assert b.grad == 8.0


def test_backward_from_a_leaf_adds_the_seed_to_its_grad():
    """The output's own grad is the seed *added* (a leaf keeps what it had, as in PyTorch)."""
    a = Value(2.0)
    a.backward(gradient=0.5)
    a.backward(gradient=2.0)
    assert a.grad == 2.5
    a.grad = 1.0  # set by hand (micrograd's style) before a pass: kept, the seed added
    a.backward()
    assert a.grad == 2.0


def test_numbers_mixed_into_ops_are_constants_without_a_gradient():
    x = Value(3.0)
    y = 2.0 * x + 1.0
    y.backward()
    assert x.grad == 2.0
    constants = [v for v in y.topological_order() if type(v) is Constant]
    assert sorted(c.data for c in constants) == [1.0, 2.0]
    assert all(c.grad == 0.0 for c in constants)  # the chain rule sent them 3.0 and 1.0
    constants[0].grad = 5.0  # a number has no gradient of its own: setting one is ignored
    assert constants[0].grad == 0.0


def test_depth_100000_chain_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    assert len(y.topological_order()) == 1 + 4 * 100_000
    del y  # freeing a deep chain must not overflow the C stack either
    gc.collect()


def test_graphs_have_no_reference_cycles():
    """A finished graph is freed by reference counting alone: no work for the cyclic collector."""
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        out = ((x * 2.0).tanh() + x.exp()).log()
        out.backward()
        ref = weakref.ref(out) if hasattr(Value, "__weakref__") else None
        assert gc.collect() == 0
        del out
        assert ref is None or ref() is None
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_topological_order_is_deterministic_and_children_first():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    order = d.topological_order()
    assert order == d.topological_order()
    assert order[-1] is d
    position = {id(v): i for i, v in enumerate(order)}
    for node in order:
        for child in node._children:
            assert position[id(child)] < position[id(node)]


def test_numpy_scalars_combine_with_values():
    v = np.float64(2.0) * Value(3.0)
    assert isinstance(v, Value) and v.data == 6.0
    assert isinstance(Value(np.float32(1.5)) + 1, Value)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ("abc", TypeError, "str"),
        (None, TypeError, "NoneType"),
        (float("nan"), ValueError, "NaN"),
        (np.array([1.0, 2.0]), TypeError, "NumPy array of shape"),
    ],
)
def test_value_refuses_non_numbers(bad, error, message):
    with pytest.raises(error, match=message):
        Value(bad)


def test_non_numeric_operand_names_the_op_and_value():
    with pytest.raises(TypeError, match=r"Value \+.*'x'"):
        Value(1.0) + "x"
    with pytest.raises(TypeError, match=r"Value \*"):
        [1.0] * Value(2.0)  # noqa: B018


@pytest.mark.parametrize(
    ("expr", "error", "message"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log\(0.0\)"),
        (lambda: Value(-1.0).log(), ValueError, r"non-positive.*log\(-1.0\)"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"0.0 \*\* -1"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"1.0 / 0.0"),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: Value(-8.0) ** 0.5, ValueError, "negative base to a fractional power"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp\(1000.0\)"),
    ],
)
def test_math_errors_name_the_op_and_value(expr, error, message):
    with pytest.raises(error, match=message):
        expr()


# ------------------------------------------------------ defining an op: Function
class _Softplus(Function):
    """softplus(x) = log(1 + e^x); d/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, g):
        return g / (1.0 + np.exp(-ctx.x))


class _Scale(Function):
    name = "scale"

    @staticmethod
    def forward(ctx, x, y, *, factor):
        ctx.x, ctx.y, ctx.factor = x, y, factor
        return factor * x * y

    @staticmethod
    def backward(ctx, g):
        return g * ctx.factor * ctx.y, g * ctx.factor * ctx.x


def test_a_function_defines_an_op_for_both_engines():
    v = Value(0.5)
    out = _Softplus.apply(v)
    assert out.data == pytest.approx(math.log1p(math.exp(0.5))) and out._op == "_softplus"
    out.backward()
    assert v.grad == pytest.approx(1.0 / (1.0 + math.exp(-0.5)))  # sigmoid(0.5), by hand
    t = Tensor([0.5, -1.0], requires_grad=True, dtype=np.float64)
    _Softplus.apply(t).sum().backward()
    np.testing.assert_allclose(t.grad, 1.0 / (1.0 + np.exp(-np.array([0.5, -1.0]))))
    assert gradcheck(_Softplus.apply, Value(-0.7)).passed
    assert gradcheck(
        lambda x: _Softplus.apply(x).sum(),
        Tensor([0.3, -2.0, 4.0], requires_grad=True, dtype=np.float64),
    ).passed


def test_a_function_with_a_constant_input_and_a_parameter():
    x = Value(3.0)
    out = _Scale.apply(x, 2.0, factor=0.5)  # 0.5 * x * 2
    assert out.data == 3.0 and out._op == "scale"
    out.backward()
    assert x.grad == 1.0 and out._children[1].grad == 0.0  # the 2.0 is a constant
    t = Tensor([1.0, 2.0], requires_grad=True)
    y = _Scale.apply(t, np.array([3.0, 4.0]), factor=2.0)
    assert y.dtype == np.float32  # the constant took the Tensor's dtype
    y.sum().backward()
    np.testing.assert_allclose(t.grad, [6.0, 8.0])


def test_a_function_returning_the_wrong_things_is_refused_by_name():
    class TwoGrads(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(TypeError, match="twograds.backward returned 2 gradient"):
        TwoGrads.apply(Value(1.0))
    with pytest.raises(TypeError, match="at least one input must be a Value or a Tensor"):
        TwoGrads.apply(1.0)
    with pytest.raises(TypeError, match="inputs mix Value and Tensor"):
        _Scale.apply(Value(1.0), Tensor([1.0]), factor=1.0)

    class Text(Function):
        @staticmethod
        def forward(ctx, x):
            return "x"

    with pytest.raises(TypeError, match="text.forward must return a real number"):
        Text.apply(Value(1.0))


# ------------------------------------------------ code written for micrograd runs
def test_micrograds_constructor_and_prev_are_accepted():
    a, b = Value(2.0), Value(-3.0)
    c = Value(a.data * b.data, (a, b), "*")  # micrograd's Value(data, _children, _op)
    assert c._op == "*" and c._prev == {a, b} and c._children == (a, b)
    d = Value(1.0, _children=(), _op="", label="d")  # the lecture's variant with label=
    assert d.label == "d" and d._prev == set()
    e = a * b + a
    assert isinstance(e._prev, set) and a in e._prev and len(e._prev) == 2  # as micrograd
    with pytest.raises(AttributeError):
        e._prev = set()  # read-only
    with pytest.raises(TypeError, match="local derivatives are unknown"):
        (c * 2.0).backward()
    with pytest.raises(TypeError, match="_children must be Values"):
        Value(1.0, (a, 2.0))
    assert Value(2.0, label="x").label == "x"  # our positional label still works


def test_manual_seed_makes_an_unseeded_mlp_reproducible(monkeypatch):
    import micrograd_mlp
    from micrograd_mlp import module

    monkeypatch.setattr(module, "_global_rng", None)  # leave no global state behind
    micrograd_mlp.manual_seed(7)
    first = micrograd_mlp.MLP(3, [4, 1]).state_dict()
    micrograd_mlp.manual_seed(7)
    again = micrograd_mlp.MLP(3, [4, 1]).state_dict()
    assert all(np.array_equal(first[k], again[k]) for k in first)
    different = micrograd_mlp.MLP(3, [4, 1]).state_dict()  # the generator moved on
    assert not all(np.array_equal(first[k], different[k]) for k in first)
    with pytest.raises(ValueError, match="non-negative integer"):
        micrograd_mlp.manual_seed(-1)
