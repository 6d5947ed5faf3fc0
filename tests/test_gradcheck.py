"""``micrograd_mlp.gradcheck``: passes right gradients, catches wrong ones, leaves inputs alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

import micrograd_mlp.tensor.ops as tensor_ops
from micrograd_mlp.engine import Value
from micrograd_mlp.gradcheck import GradcheckError, GradcheckReport, gradcheck
from micrograd_mlp.tensor import Tensor


def f64(data, requires_grad=True) -> Tensor:
    return Tensor(np.array(data, dtype=np.float64), requires_grad=requires_grad)


# ------------------------------------------------------------------------ right gradients
def test_value_function_passes_with_small_errors():
    a, b = Value(1.5), Value(-0.7)
    report = gradcheck(lambda a, b: (a * b).tanh() + a.exp() / (b * b + 1), [a, b])
    assert isinstance(report, GradcheckReport) and report.passed
    assert report.output == pytest.approx(math.tanh(-1.05) + math.exp(1.5) / 1.49)
    assert [c.index for c in report.inputs] == [0, 1]
    for check in report.inputs:
        assert check.shape == () and check.checked
        assert check.max_abs_error < 1e-8 and check.max_rel_error < 1e-8
    # the analytic gradient is backward()'s: d/da (a*b).tanh() = b (1 - tanh(ab)^2) + ...
    expected_da = -0.7 * (1 - math.tanh(-1.05) ** 2) + math.exp(1.5) / 1.49
    assert float(report.inputs[0].analytic) == pytest.approx(expected_da, rel=1e-12)


def test_tensor_function_passes_and_reports_each_input():
    x = f64(np.linspace(-1, 1, 6).reshape(2, 3))
    w = f64([0.5, -1.0, 2.0])
    c = f64([1.0, 2.0], requires_grad=False)  # a constant: not checked
    report = gradcheck(lambda x, w, c: ((x * w).sigmoid().sum(axis=1) * c).sum(), [x, w, c])
    assert report.passed
    shapes = [(r.shape, r.checked) for r in report.inputs]
    assert shapes == [((2, 3), True), ((3,), True), ((2,), False)]
    assert report.inputs[0].max_abs_error < 1e-8
    assert "input 2: shape (2,), constant (not checked)" in str(report)


def test_single_input_need_not_be_in_a_list():
    assert gradcheck(lambda v: v * v * v, Value(2.0)).inputs[0].analytic == pytest.approx(12.0)
    assert gradcheck(lambda t: (t * t).sum(), f64([1.0, -2.0])).passed


def test_input_that_the_output_does_not_depend_on_has_zero_gradient():
    x, unused = f64([1.0, 2.0]), f64([3.0])
    report = gradcheck(lambda x, u: x.exp().sum(), [x, unused])
    assert report.passed
    assert np.array_equal(report.inputs[1].analytic, [0.0])


# ------------------------------------------------------------------------ wrong gradients
def test_catches_a_wrong_local_derivative_in_the_scalar_engine(monkeypatch):
    right_tanh = Value.tanh

    def wrong_tanh(self: Value) -> Value:
        out = right_tanh(self)
        out._local_grads = (1.0 - out.data,)  # should be 1 - tanh^2
        return out

    monkeypatch.setattr(Value, "tanh", wrong_tanh)
    a, b = Value(0.5), Value(2.0)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: (a * b).tanh() + a, [a, b])
    t = math.tanh(1.0)
    wrong_db, right_db = 0.5 * (1 - t), 0.5 * (1 - t * t)
    message = str(info.value)
    # the worst mismatch is input 1 (db: relative error larger than for da = 2 (...) + 1)
    assert f"input 1 (a Value): analytic {wrong_db!r} vs numeric" in message
    numeric = info.value.report.inputs[1].numeric
    assert float(numeric) == pytest.approx(right_db, rel=1e-8)
    assert "mismatch" in message


def test_catches_a_wrong_vjp_in_the_vectorized_engine(monkeypatch):
    def wrong_sigmoid_backward(ctx, g):
        return g * ctx.out  # should be g * s * (1 - s)

    monkeypatch.setattr(tensor_ops.Sigmoid, "backward", staticmethod(wrong_sigmoid_backward))
    x = f64([[0.1, 2.0], [-3.0, 0.4]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.sigmoid().sum(), [x])
    # the error s^2 is largest where sigmoid is largest: x = 2.0, element (0, 1)
    s = 1 / (1 + math.exp(-2.0))
    assert f"worst mismatch: input 0 element (0, 1): analytic {s!r} vs numeric" in str(info.value)
    assert info.value.report.inputs[0].numeric[0, 1] == pytest.approx(s * (1 - s), rel=1e-8)


def test_worst_element_is_named_with_analytic_and_numeric_values():
    # Reading .data cuts the graph: backward() sees t * constant, whose derivative is t.data,
    # while the function is t^2 (derivative 2t). The largest |t| is the worst element.
    t = f64([[0.5, -1.0], [3.0, 0.25]])
    report = gradcheck(lambda t: (t * t.data).sum(), [t], raise_exception=False)
    assert not report.passed
    check = report.inputs[0]
    assert check.worst == (1, 0)
    assert check.analytic[1, 0] == 3.0 and check.numeric[1, 0] == pytest.approx(6.0)
    assert check.max_abs_error == pytest.approx(3.0)
    assert check.max_rel_error == pytest.approx(0.5)
    assert report.worst is check
    with pytest.raises(
        GradcheckError, match=r"input 0 element \(1, 0\): analytic 3\.0 vs numeric 6"
    ):
        gradcheck(lambda t: (t * t.data).sum(), [t])


def test_a_kink_is_reported_as_a_mismatch():
    # relu at 0: backward() takes the derivative as 0, the central difference sees 1/2
    report = gradcheck(lambda v: v.relu(), Value(0.0), raise_exception=False)
    assert not report.passed
    assert float(report.inputs[0].numeric) == pytest.approx(0.5)


def test_tolerances_decide():
    # (x + eps)^3 - (x - eps)^3 over 2 eps = 3x^2 + eps^2: a truncation error of exactly eps^2
    x = Value(1.0)
    assert gradcheck(lambda v: v**3, x, eps=1e-2, atol=2e-4, rtol=0).passed
    assert not gradcheck(
        lambda v: v**3, x, eps=1e-2, atol=5e-5, rtol=0, raise_exception=False
    ).passed


# --------------------------------------------------------------------- inputs left alone
def test_values_data_and_grads_are_restored_even_on_failure():
    a, b = Value(0.3), Value(-1.2)
    a.grad, b.grad = 0.25, -4.0
    gradcheck(lambda a, b: a * b + a.sigmoid(), [a, b])
    assert (a.data, a.grad, b.data, b.grad) == (0.3, 0.25, -1.2, -4.0)
    with pytest.raises(GradcheckError):
        gradcheck(lambda a, b: a * b.data, [a, b])
    assert (a.data, a.grad, b.data, b.grad) == (0.3, 0.25, -1.2, -4.0)


def test_tensors_keep_their_array_and_grad_and_read_only_data_works():
    data = np.array([0.5, 1.5, -2.0])
    x = Tensor(data, requires_grad=True)
    x.grad = np.array([1.0, 2.0, 3.0])
    grad = x.grad
    y = Tensor(np.broadcast_to(np.float64(2.0), (3,)), requires_grad=True)  # read-only array
    y_data = y.data
    gradcheck(lambda x, y: (x * y).tanh().sum(), [x, y])
    assert x.data is data and np.array_equal(data, [0.5, 1.5, -2.0])
    assert x.grad is grad and np.array_equal(grad, [1.0, 2.0, 3.0])
    assert y.data is y_data and y.grad is None


def test_fn_failing_at_a_perturbed_point_names_the_input_and_restores_it():
    v = Value(1e-7)
    with pytest.raises(GradcheckError, match=r"input 0 \(a Value\) = 1e-07 - eps.*log") as info:
        gradcheck(lambda v: v.log(), v)
    assert isinstance(info.value.__cause__, ValueError)
    assert v.data == 1e-7 and v.grad == 0.0
    t = f64([1.0, 5e-7])
    with pytest.raises(GradcheckError, match=r"input 0 element \(1,\)"):
        gradcheck(lambda t: t.log().sum(), t)
    assert np.array_equal(t.data, [1.0, 5e-7])


# -------------------------------------------------------------------------- refusals
def test_float32_tensors_are_refused():
    x = Tensor([1.0, 2.0], requires_grad=True)  # float32 by default
    with pytest.raises(TypeError, match="input 0 is a float32 Tensor.*float64"):
        gradcheck(lambda x: x.sum(), x)


@pytest.mark.parametrize(
    ("fn", "inputs", "error", "message"),
    [
        (lambda x: x, [], ValueError, "no inputs"),
        (lambda a, t: a, [Value(1.0), f64([1.0])], TypeError, "mix Values and Tensors"),
        (lambda x: x, [1.0], TypeError, "input 0 is a float"),
        (lambda x: x, "ab", TypeError, "inputs must be"),
        (lambda t: t.sum(), [f64([1.0], requires_grad=False)], ValueError, "requires_grad"),
        (lambda t: t * 2, [f64([1.0, 2.0])], ValueError, r"scalar.*shape \(2,\)"),
        (lambda v: 2.0 * v.data, [Value(1.0)], TypeError, "must return a Value"),
        (lambda t: t.data.sum(), [f64([1.0])], TypeError, "must return a Tensor"),
    ],
    ids=["empty", "mixed", "float", "string", "no-grad", "non-scalar", "float-out", "array-out"],
)
def test_bad_arguments_are_refused(fn, inputs, error, message):
    with pytest.raises(error, match=message):
        gradcheck(fn, inputs)


@pytest.mark.parametrize(
    "kwargs", [{"eps": 0.0}, {"eps": -1e-6}, {"atol": -1.0}, {"rtol": math.nan}, {"eps": "1"}]
)
def test_bad_tolerances_are_refused(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"{name} must be a finite number"):
        gradcheck(lambda v: v * v, Value(1.0), **kwargs)
