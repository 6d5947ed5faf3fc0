"""One set of rules, PyTorch's, in both engines: an edge-case catalogue run through ``Value``,
``Tensor`` (float64) and torch, which must give identical results.

Each case builds an expression from its leaves with operations all three share (``+ - * / **``,
``relu``, ``abs``, ``tanh``, ``sigmoid``, ``exp``, ``log``), runs one or more backward passes
with a seed, and reports the output and every leaf's gradient (``None`` when no pass reached
it). NaN must meet NaN, infinity infinity, ``None`` ``None``; finite numbers agree to 1e-12.
Also here: the anomaly mode, the domain-error policy and the accumulation-time shape check.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import micrograd_mlp
from micrograd_mlp import Value
from micrograd_mlp.autodiff import AnomalyError
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor import ops as tensor_ops

torch = pytest.importorskip("torch", reason="the catalogue compares with PyTorch")


@dataclass(frozen=True)
class Case:
    name: str
    inputs: tuple[float, ...]
    fn: Callable  # (*leaves) -> output, with operations every engine has
    seed: float = 1.0
    passes: int = 1


def _leaky(x):
    """leaky_relu with slope 0.1 (torch has it as a function, not a method)."""
    if isinstance(x, torch.Tensor):
        return torch.nn.functional.leaky_relu(x, 0.1)
    return x.leaky_relu(0.1)


CASES = [
    Case("relu kink at 0", (0.0,), lambda x: x.relu()),
    Case("leaky_relu kink at 0: the slope", (0.0, -2.0), lambda x, y: _leaky(x) + _leaky(y)),
    Case("abs kink at 0", (0.0,), lambda x: x.abs()),
    Case("relu inactive: a zero gradient, not None", (-1.0,), lambda x: x.relu() * 3.0),
    Case("sqrt at 0: +inf", (0.0,), lambda x: x**0.5),
    Case("zero times an infinite local derivative: NaN", (0.0,), lambda x: x**0.5 * 0.0),
    Case("0 * inf behind a dead relu", (0.0, -1.0), lambda x, y: x**0.5 * y.relu()),
    Case("x ** 0: zero gradient", (3.0,), lambda x: x**0),
    Case("reused node b = a + a, b * b", (1.5,), lambda a: (a + a) * (a + a)),
    Case("reused intermediate", (0.7, -1.2), lambda x, y: (lambda s: s * s + s)(x * y)),
    Case("repeated backward accumulates in leaves", (2.0, 3.0), lambda x, y: x * y + x, passes=2),
    Case("a gradient= seed", (0.3,), lambda x: x.tanh(), seed=-2.5),
    Case("seed 0 through an infinite derivative", (0.0,), lambda x: x**0.5, seed=0.0),
    Case("saturated tanh", (30.0, -30.0), lambda x, y: x.tanh() + y.tanh()),
    Case("saturated sigmoid", (40.0, -800.0), lambda x, y: x.sigmoid() + y.sigmoid()),
    Case("an unused leaf keeps None", (1.0, 2.0), lambda x, y: x * 2.0),
    Case("x / y with a tiny divisor", (1.0, 1e-200), lambda x, y: x / y),
    Case("exp and log", (0.5,), lambda x: x.exp().log() * x),
    Case("a Value ** Value at base 0: d/d exponent 0", (0.0, 2.0), lambda a, b: a**b),
    Case("a negative base: d/d exponent NaN", (-2.0, 2.0), lambda a, b: a**b),
    Case("constant on the left", (4.0,), lambda x: 1.0 - 2.0 / x),
]


def _grads(leaves, grad_of):
    return [None if grad_of(v) is None else float(grad_of(v)) for v in leaves]


def run_value(case: Case):
    leaves = [Value(x) for x in case.inputs]
    out = case.fn(*leaves)
    for _ in range(case.passes):
        out.backward(case.seed)
    return out.data, _grads(leaves, lambda v: v.grad)


def run_tensor(case: Case):
    leaves = [Tensor(x, requires_grad=True, dtype=np.float64) for x in case.inputs]
    out = case.fn(*leaves)
    for _ in range(case.passes):
        out.backward(np.array(case.seed))
    return out.item(), _grads(leaves, lambda t: t.grad)


def run_torch(case: Case):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in case.inputs]
    out = case.fn(*leaves)
    for _ in range(case.passes):
        out.backward(torch.tensor(case.seed, dtype=torch.float64), retain_graph=True)
    return out.item(), _grads(leaves, lambda t: t.grad)


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return repr(a) == repr(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_value_tensor_and_torch_agree_on_the_edge_cases(case: Case):
    expected_out, expected_grads = run_torch(case)
    for engine, run in (("Value", run_value), ("Tensor", run_tensor)):
        out, grads = run(case)
        assert same(out, expected_out), f"{engine} forward: {out!r} vs torch {expected_out!r}"
        for i, (got, want) in enumerate(zip(grads, expected_grads)):
            if engine == "Value" and want is None:  # not reached: a Value's grad stays 0.0
                want = 0.0
            assert same(got, want), f"{engine} d/d leaf {i}: {got!r} vs torch {want!r}"


def test_the_catalogue_covers_the_hard_cases():
    # the interesting outcomes are really there (so the agreement above is not vacuous)
    grads = {c.name: run_torch(c)[1] for c in CASES}
    assert math.isnan(grads["zero times an infinite local derivative: NaN"][0])
    assert grads["sqrt at 0: +inf"][0] == math.inf
    assert grads["an unused leaf keeps None"][1] is None
    assert grads["relu inactive: a zero gradient, not None"][0] == 0.0
    assert grads["repeated backward accumulates in leaves"] == [8.0, 4.0]


# ---------------------------------------------------------------- no gradient yet
def test_no_gradient_yet_is_0_for_a_value_and_none_for_a_tensor_also_after_zero_grad():
    v, t = Value(2.0), Tensor([2.0], requires_grad=True)
    assert v.grad == 0.0 and t.grad is None  # micrograd's convention, PyTorch's
    assert "grad=0)" in repr(v)
    (v * 3.0).backward()
    (t * 3.0).sum().backward()
    assert v.grad == 3.0 and t.grad.tolist() == [3.0]
    model = micrograd_mlp.MLP(2, [2, 1], seed=0)
    twin = micrograd_mlp.tensor.MLP(2, [2, 1], seed=0)
    model([1.0, 2.0]).backward()
    twin(np.array([1.0, 2.0])).sum().backward()
    assert all(isinstance(p.grad, float) for p in model.parameters())
    model.zero_grad()
    twin.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert all(p.grad is None for p in twin.parameters())


def test_a_number_mixed_into_an_op_is_a_constant_in_both_engines():
    x = Value(3.0)
    y = 2.0 * x
    y.backward()
    constant = y._children[0]
    assert isinstance(constant, micrograd_mlp.engine.Constant) and constant.data == 2.0
    assert constant.grad == 0.0 and x.grad == 2.0  # the chain rule's 3.0 to it is dropped
    t = Tensor([3.0], requires_grad=True)
    u = 2.0 * t
    u.sum().backward()
    assert not u._children[0].requires_grad and u._children[0].grad is None


# ------------------------------------------------------------- _backward by hand
def test_backward_by_hand_is_backward_one_node_at_a_time():
    x, y = Value(2.0), Value(-1.0)
    xy = x * y
    out = xy + x
    order = out.topological_order()
    assert order == [x, y, xy, out]
    out.grad = 1.0  # the seed, as the lecture sets it
    out._backward()  # out = xy + x: both get 1 * 1
    assert (xy.grad, x.grad, y.grad) == (1.0, 1.0, 0.0)
    xy._backward()  # d(x*y)/dx = y, d(x*y)/dy = x
    assert (x.grad, y.grad) == (1.0 + -1.0, 2.0)
    for leaf in (y, x):
        leaf._backward()  # a leaf passes nothing on
    assert (x.grad, y.grad) == (0.0, 2.0)
    by_hand = [v.grad for v in order]
    for v in order:
        v.grad = 0.0
    out.backward()
    assert [v.grad for v in order] == by_hand


def test_tensor_vjp_gives_arrays_of_each_operand_shape_and_astype_casts_back():
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    cast = w.astype(np.float64)
    out = (cast * np.arange(3.0)).sum()
    out.backward()
    (g,) = cast._vjp()
    assert g.dtype == np.float32 and g.shape == w.shape  # the vjp casts back
    for node in out.topological_order():
        if node._children:
            for child, grad in zip(node._children, node._vjp()):
                assert grad is None or grad.shape == child.shape


# ------------------------------------------------------------ shapes and mutants
def test_a_gradient_of_the_wrong_shape_is_refused_at_accumulation(monkeypatch):
    def wrong(ctx, g):  # the permutation instead of its inverse
        return g.transpose(ctx.axes)

    monkeypatch.setattr(tensor_ops.Transpose, "backward", staticmethod(wrong))
    x = Tensor(np.ones((2, 3, 4)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"op 'transpose' gave a gradient of shape \(4, 2, 3\)"):
        x.transpose(1, 2, 0).sum().backward()


def test_transpose_of_three_axes_gets_the_inverse_permutation():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(data, requires_grad=True, dtype=np.float64)
    weights = np.arange(24.0).reshape(3, 4, 2)
    (x.transpose(1, 2, 0) * weights).sum().backward()
    np.testing.assert_array_equal(x.grad, weights.transpose(2, 0, 1))


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3, 4), (5, 4, 2)), ((5, 3, 4), (4, 2)), ((5, 3, 4), (5, 4, 2)), ((1, 3, 4), (5, 4, 2))],
)
def test_batched_matmul_gradients_match_torch(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    ta = Tensor(a, requires_grad=True, dtype=np.float64)
    tb = Tensor(b, requires_grad=True, dtype=np.float64)
    g = rng.standard_normal(np.matmul(a, b).shape)
    (ta @ tb).backward(g)
    pa = torch.tensor(a, requires_grad=True)
    pb = torch.tensor(b, requires_grad=True)
    (pa @ pb).backward(torch.tensor(g))
    np.testing.assert_allclose(ta.grad, pa.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tb.grad, pb.grad.numpy(), rtol=1e-12)


def test_tensor_power_zero_has_a_zero_gradient_even_at_zero():
    x = Tensor([0.0, 2.0, -3.0], requires_grad=True, dtype=np.float64)
    (x**0).backward(np.array([5.0, 5.0, 5.0]))
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


# ------------------------------------------------------------------ anomaly mode
@pytest.mark.filterwarnings("ignore:overflow encountered in multiply:RuntimeWarning")
def test_detect_anomaly_names_the_op_that_first_made_a_nan_or_inf():
    x = Value(1e308)
    loss = (x * 10.0 - 1.0).tanh()
    with micrograd_mlp.detect_anomaly():
        with pytest.raises(AnomalyError, match=r"op '\*' produced NaN or infinity in its forward"):
            loss.backward()
        t = Tensor([1.0, 1e38], requires_grad=True)
        with pytest.raises(AnomalyError, match=r"op '\*'.*shape \(2,\)"):
            t * 10.0
        z = Tensor([0.0, 1.0], requires_grad=True, dtype=np.float64)
        with pytest.raises(AnomalyError, match=r"backward of op '\*\*0.5'.*operand 0"):
            (z**0.5).sum().backward()
    assert not micrograd_mlp.autodiff.is_anomaly_enabled()
    (z**0.5).sum().backward()  # outside the mode: IEEE inf, no error
    assert z.grad[0] == np.inf


def test_outside_anomaly_mode_no_op_scans_its_result(monkeypatch):
    calls = []
    real = micrograd_mlp.autodiff.check_forward
    monkeypatch.setattr(
        micrograd_mlp.tensor.tensor, "check_forward", lambda *a: calls.append(a) or real(*a)
    )
    t = Tensor(np.ones(4), requires_grad=True)
    (t / 2.0).log().exp().sum().backward()
    assert calls == []
    with micrograd_mlp.detect_anomaly():
        (t / 2.0).sum()
    assert len(calls) == 2


# ------------------------------------------------------------ domain-error policy
@pytest.mark.parametrize(
    "value_op, tensor_op, error",
    [
        (lambda: Value(1.0) / 0.0, lambda: Tensor([1.0]) / 0.0, ZeroDivisionError),
        (lambda: Value(0.0) / 0.0, lambda: Tensor([0.0]) / 0.0, ZeroDivisionError),
        (lambda: Value(0.0).log(), lambda: Tensor([0.0]).log(), ValueError),
        (lambda: Value(-1.0).log(), lambda: Tensor([-1.0]).log(), ValueError),
        (
            lambda: Value(800.0).exp(),
            lambda: Tensor([800.0], dtype=np.float64).exp(),
            OverflowError,
        ),
        (lambda: Value(0.0) ** -1, lambda: Tensor([0.0]) ** -1, ZeroDivisionError),
        (lambda: Value(-8.0) ** 0.5, lambda: Tensor([-8.0]) ** 0.5, ValueError),
        (lambda: Value(1e200) ** 2, lambda: Tensor([1e200], dtype=np.float64) ** 2, OverflowError),
    ],
)
def test_both_engines_refuse_the_same_domain_errors(value_op, tensor_op, error):
    with pytest.raises(error):
        value_op()
    with pytest.raises(error):
        tensor_op()


def test_ieee_results_that_are_not_domain_errors_agree():
    inf = math.inf
    assert (Value(1e308) * 10.0).data == inf
    with np.errstate(over="ignore"):
        assert (Tensor([1e308], dtype=np.float64) * 10.0).item() == inf
    v = (Value(1e308) * 10.0) - (Value(1e308) * 10.0)  # inf - inf
    assert math.isnan(v.log().data)  # NaN propagates through log, no error
    with np.errstate(invalid="ignore", over="ignore"):
        big = Tensor([1e308], dtype=np.float64) * 10.0
        assert math.isnan(((big - big).log()).item())
        assert math.isnan((big / big).item())
    assert math.isnan((Value(inf) / Value(inf)).data)  # inf / inf: NaN in both engines
