"""Losses and activations on Values: against PyTorch (values and gradients), finite
differences, identities between the losses, and every error case."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_mlp.functional as F
from micrograd_mlp.engine import Value

REDUCTIONS = ("mean", "sum", "none")


def values(xs) -> list[Value]:
    return [Value(float(x)) for x in xs]


def weighted(out, rng) -> tuple[Value, np.ndarray]:
    """A scalar to backpropagate from: the output itself, or a random weighting of a list
    (so each per-element loss of reduction="none" gets its own upstream gradient)."""
    if isinstance(out, Value):
        return out, np.array(1.0)
    w = rng.uniform(0.5, 2.0, size=len(out))
    return Value.sum([o * float(wi) for o, wi in zip(out, w)]), w


def data(out) -> np.ndarray:
    return np.array(out.data) if isinstance(out, Value) else np.array([o.data for o in out])


def grads(vs) -> np.ndarray:
    return np.array([v.grad for v in vs])


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch comparisons need torch installed")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def check_against_torch(torch, ours, theirs, leaves, t_leaves, rng):
    """Compare outputs, then gradients of every leaf after the same upstream weighting."""
    np.testing.assert_allclose(data(ours), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    root, w = weighted(ours, rng)
    root.backward()
    (theirs * torch.tensor(w)).sum().backward()
    for vs, t in zip(leaves, t_leaves):
        np.testing.assert_allclose(grads(vs), t.grad.numpy(), rtol=1e-10, atol=1e-13)


def tensor(torch, x):
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_match_torch(torch, rng, name, reduction):
    x, y = rng.normal(size=7), rng.normal(size=7)
    xs, ys = values(x), values(y)
    tx, ty = tensor(torch, x), tensor(torch, y)
    ours = getattr(F, name)(xs, ys, reduction=reduction)
    theirs = getattr(torch.nn.functional, name)(tx, ty, reduction=reduction)
    check_against_torch(torch, ours, theirs, [xs, ys], [tx, ty], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_batch_matches_torch(torch, rng, reduction):
    logits = rng.normal(scale=3.0, size=(5, 4))
    logits[0] *= 400  # logits in the thousands: only the max-subtracted form survives
    target = [0, 3, 1, 1, 2]
    rows = [values(r) for r in logits]
    t_logits = tensor(torch, logits)
    ours = F.cross_entropy(rows, target, reduction=reduction)
    theirs = torch.nn.functional.cross_entropy(t_logits, torch.tensor(target), reduction=reduction)
    np.testing.assert_allclose(data(ours), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    root, w = weighted(ours, rng)
    root.backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose([grads(r) for r in rows], t_logits.grad.numpy(), atol=1e-13)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_one_sample_matches_torch(torch, rng, reduction):
    logits = rng.normal(size=6)
    xs, tx = values(logits), tensor(torch, logits)
    ours = F.cross_entropy(xs, 4, reduction=reduction)
    assert isinstance(ours, Value)  # one sample: a Value even for "none", as torch's 0-d result
    theirs = torch.nn.functional.cross_entropy(tx, torch.tensor(4), reduction=reduction)
    check_against_torch(torch, ours, theirs, [xs], [tx], rng)


def test_softmax_and_log_softmax_match_torch(torch, rng):
    logits = rng.normal(scale=5.0, size=5)
    for ours_fn, theirs_fn in ((F.softmax, torch.softmax), (F.log_softmax, torch.log_softmax)):
        xs, tx = values(logits), tensor(torch, logits)
        check_against_torch(torch, ours_fn(xs), theirs_fn(tx, dim=0), [xs], [tx], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(torch, rng, reduction):
    p = rng.uniform(0.02, 0.98, size=8)
    y = np.array([0, 1, 1, 0, 0.3, 0.7, 1, 0])  # hard and soft targets
    ps, ys = values(p), values(y)
    tp, ty = tensor(torch, p), tensor(torch, y)
    ours = F.binary_cross_entropy(ps, ys, reduction=reduction)
    theirs = torch.nn.functional.binary_cross_entropy(tp, ty, reduction=reduction)
    check_against_torch(torch, ours, theirs, [ps, ys], [tp, ty], rng)


def test_binary_cross_entropy_clamps_logs_like_torch(torch):
    # p = 0 or 1 with the "wrong" target: PyTorch's -100 clamp gives a loss of 100, not inf.
    p, y = [0.0, 1.0, 0.0, 1.0, 1e-50], [1.0, 0.0, 0.0, 1.0, 1.0]
    ours = F.binary_cross_entropy(p, y, reduction="none")
    theirs = torch.nn.functional.binary_cross_entropy(
        torch.tensor(p, dtype=torch.float64), torch.tensor(y, dtype=torch.float64), reduction="none"
    )
    np.testing.assert_allclose(data(ours), theirs.numpy(), rtol=1e-12)
    assert data(ours)[0] == 100.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_matches_torch(torch, rng, reduction):
    x = np.array([0.0, 0.5, -0.5, 3.0, -3.0, 40.0, -40.0, 800.0, -800.0])
    y = rng.uniform(0, 1, size=x.size)
    xs, ys = values(x), values(y)
    tx, ty = tensor(torch, x), tensor(torch, y)
    ours = F.binary_cross_entropy_with_logits(xs, ys, reduction=reduction)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(tx, ty, reduction=reduction)
    check_against_torch(torch, ours, theirs, [xs, ys], [tx, ty], rng)


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_loss_matches_torch(torch, rng, reduction, full):
    x, y = rng.normal(size=6), rng.normal(size=6)
    var = np.array([0.5, 2.0, 1e-9, 0.0, 1.0, 3.0])  # two entries below eps: clamped
    xs, ys, vs = values(x), values(y), values(var)
    tx, ty, tv = tensor(torch, x), tensor(torch, y), tensor(torch, var)
    ours = F.gaussian_nll_loss(xs, ys, vs, full=full, eps=1e-6, reduction=reduction)
    theirs = torch.nn.functional.gaussian_nll_loss(
        tx, ty, tv, full=full, eps=1e-6, reduction=reduction
    )
    # The clamped variances still get a gradient (PyTorch clamps under no_grad).
    check_against_torch(torch, ours, theirs, [xs, ys, vs], [tx, ty, tv], rng)


def test_gaussian_nll_loss_shared_variance_matches_torch(torch, rng):
    x, y = rng.normal(size=5), rng.normal(size=5)
    xs, ys, v = values(x), values(y), Value(0.7)
    tx, ty = tensor(torch, x), tensor(torch, y)
    tv = torch.tensor([0.7], dtype=torch.float64, requires_grad=True)  # broadcast over input
    ours = F.gaussian_nll_loss(xs, ys, v)
    theirs = torch.nn.functional.gaussian_nll_loss(tx, ty, tv.expand(5))
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12)
    assert v.grad == pytest.approx(tv.grad.item(), rel=1e-10)
    np.testing.assert_allclose(grads(xs), tx.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_loss_matches_torch_clamp(torch, rng, reduction):
    scores = np.array([2.0, 0.3, -0.4, -2.5, 0.9, 1.7])
    labels = np.array([1, 1, -1, 1, -1, -1])
    xs, tx = values(scores), tensor(torch, scores)
    ours = F.hinge_loss(xs, labels.tolist(), margin=1.5, reduction=reduction)
    theirs = torch.clamp(1.5 - torch.tensor(labels, dtype=torch.float64) * tx, min=0)
    theirs = {"mean": theirs.mean(), "sum": theirs.sum(), "none": theirs}[reduction]
    check_against_torch(torch, ours, theirs, [xs], [tx], rng)


def test_activations_match_torch(torch, rng):
    x = rng.normal(scale=2.0, size=6)
    for name, theirs_fn in (
        ("relu", torch.relu),
        ("sigmoid", torch.sigmoid),
        ("tanh", torch.tanh),
        ("leaky_relu", lambda t: torch.nn.functional.leaky_relu(t, 0.2)),
    ):
        xs, tx = values(x), tensor(torch, x)
        ours = F.leaky_relu(xs, 0.2) if name == "leaky_relu" else getattr(F, name)(xs)
        check_against_torch(torch, ours, theirs_fn(tx), [xs], [tx], rng)


# ------------------------------------------------------------- finite differences
def finite_difference_check(loss_of, x0, h=1e-6, tol=1e-6):
    """d loss / d x_i by backward() against central differences, for every i."""
    xs = values(x0)
    loss = loss_of(xs)
    loss.backward()
    for i in range(len(x0)):
        up, down = list(x0), list(x0)
        up[i] += h
        down[i] -= h
        numeric = (loss_of(values(up)).data - loss_of(values(down)).data) / (2 * h)
        assert xs[i].grad == pytest.approx(numeric, rel=tol, abs=tol), i


@pytest.mark.parametrize(
    "loss_of",
    [
        lambda xs: F.mse_loss(xs, [0.3, -1.0, 2.0]),
        lambda xs: F.l1_loss(xs, [0.3, -1.0, 2.0], reduction="sum"),
        lambda xs: F.cross_entropy(xs, 1),
        lambda xs: F.cross_entropy([xs, xs[::-1]], [0, 2]),
        lambda xs: F.binary_cross_entropy([x.sigmoid() for x in xs], [1.0, 0.0, 0.4]),
        lambda xs: F.binary_cross_entropy_with_logits(xs, [1.0, 0.0, 0.4], reduction="sum"),
        lambda xs: F.gaussian_nll_loss(xs[:2], [0.0, 1.0], xs[2] ** 2, full=True),
        lambda xs: F.hinge_loss(xs, [1, -1, 1], margin=3.0),
        lambda xs: F.log_softmax(xs)[2],
        lambda xs: F.softmax(xs)[0],
    ],
)
def test_gradients_match_finite_differences(loss_of):
    finite_difference_check(loss_of, [0.7, -1.3, 1.1])


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    # The stable form's two branches meet at x = 0; the gradient there is sigmoid(0) - y.
    x = Value(0.0)
    F.binary_cross_entropy_with_logits(x, 0.25).backward()
    assert x.grad == 0.5 - 0.25


# ---------------------------------------------------------------------- identities
def test_softmax_sums_to_one_and_log_softmax_is_its_log(rng):
    logits = rng.normal(scale=4.0, size=7).tolist()
    probabilities = F.softmax(logits)
    assert sum(p.data for p in probabilities) == pytest.approx(1.0, abs=1e-15)
    for p, lp in zip(probabilities, F.log_softmax(logits)):
        assert math.log(p.data) == pytest.approx(lp.data, rel=1e-12)


def test_stable_at_huge_logits():
    # exp(1000) overflows float64: a naive softmax would fail here.
    probabilities = F.softmax([1000.0, 999.0, -1000.0])
    assert probabilities[0].data == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-12)
    assert probabilities[2].data == 0.0
    assert F.log_softmax([1000.0, -1000.0])[1].data == pytest.approx(-2000.0)
    assert F.cross_entropy([1000.0, -1000.0], 1).data == pytest.approx(2000.0)


def test_cross_entropy_is_minus_log_softmax_of_target(rng):
    rows = rng.normal(size=(3, 5)).tolist()
    target = [4, 0, 2]
    losses = F.cross_entropy(rows, target, reduction="none")
    for row, t, loss in zip(rows, target, losses):
        assert loss.data == pytest.approx(-F.log_softmax(row)[t].data, rel=1e-13)
    mean = F.cross_entropy(rows, target).data
    assert mean == pytest.approx(sum(v.data for v in losses) / 3, rel=1e-13)


def test_bce_with_logits_equals_bce_of_sigmoid(rng):
    x, y = rng.normal(size=6).tolist(), rng.uniform(size=6).tolist()
    p = [1 / (1 + math.exp(-xi)) for xi in x]
    assert F.binary_cross_entropy_with_logits(x, y).data == pytest.approx(
        F.binary_cross_entropy(p, y).data, rel=1e-12
    )


def test_gaussian_nll_with_unit_variance_is_half_squared_error(rng):
    x, y = rng.normal(size=4).tolist(), rng.normal(size=4).tolist()
    loss = F.gaussian_nll_loss(x, y, 1.0, full=True, reduction="sum").data
    expected = sum(0.5 * (a - b) ** 2 + 0.5 * math.log(2 * math.pi) for a, b in zip(x, y))
    assert loss == pytest.approx(expected, rel=1e-13)


def test_hinge_loss_is_zero_beyond_the_margin():
    scores = [Value(2.0), Value(-1.5)]
    loss = F.hinge_loss(scores, [1, -1])
    loss.backward()
    assert loss.data == 0.0
    assert [s.grad for s in scores] == [0.0, 0.0]
    assert F.hinge_loss(0.25, -1).data == pytest.approx(1.25)  # wrong side: 1 - (-1)(0.25)


def test_reductions_and_shapes():
    x, y = [1.0, 2.0, 4.0], [0.0, 0.0, 0.0]
    none = F.mse_loss(x, y, reduction="none")
    assert isinstance(none, list) and [v.data for v in none] == [1.0, 4.0, 16.0]
    assert F.mse_loss(x, y, reduction="sum").data == 21.0
    assert F.mse_loss(x, y).data == 7.0
    single = F.l1_loss(Value(-2.0), 1.0, reduction="none")
    assert isinstance(single, Value) and single.data == 3.0
    assert isinstance(F.relu(Value(-1.0)), Value)
    assert [v.data for v in F.relu(np.array([-1.0, 2.0]))] == [0.0, 2.0]  # NumPy input too


def test_targets_can_be_values_and_get_gradients():
    x, y = Value(3.0), Value(1.0)
    F.mse_loss(x, y).backward()
    assert (x.grad, y.grad) == (4.0, -4.0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-50, 50), min_size=2, max_size=6),
    st.integers(0, 5),
)
def test_cross_entropy_is_positive_and_gradient_sums_to_zero(logits, t):
    t %= len(logits)
    xs = values(logits)
    loss = F.cross_entropy(xs, t)
    loss.backward()
    assert loss.data >= 0.0
    # d/dx_j = softmax_j - [j == t]: the gradient sums to 1 - 1 = 0.
    assert sum(grads(xs)) == pytest.approx(0.0, abs=1e-12)
    assert xs[t].grad <= 0.0


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "call",
    [
        lambda: F.mse_loss([1.0, 2.0, 3.0], [1.0, 2.0]),
        lambda: F.l1_loss([1.0], [1.0, 2.0]),
        lambda: F.binary_cross_entropy([0.5, 0.5], [1.0]),
        lambda: F.binary_cross_entropy_with_logits([0.5], [1.0, 0.0, 1.0]),
        lambda: F.hinge_loss([1.0, 2.0, 3.0], [1, -1]),
        lambda: F.gaussian_nll_loss([1.0, 2.0, 3.0], [1.0, 2.0], 1.0),
    ],
)
def test_length_mismatch_names_both_lengths(call):
    with pytest.raises(ValueError, match=r"has \d element\(s\) but target has \d"):
        call()


def test_unknown_reduction():
    with pytest.raises(ValueError, match="'avg'.*mean, sum, none"):
        F.mse_loss([1.0], [1.0], reduction="avg")
    with pytest.raises(ValueError, match="'avg'"):
        F.cross_entropy([1.0, 2.0], 0, reduction="avg")


def test_cross_entropy_bad_targets():
    with pytest.raises(ValueError, match=r"target = 3 is out of range for C = 3"):
        F.cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(ValueError, match=r"target\[1\] = -1 is out of range for C = 2"):
        F.cross_entropy([[1.0, 2.0], [3.0, 4.0]], [0, -1])
    with pytest.raises(TypeError, match=r"integer class index in \[0, 3\).*float 1.0"):
        F.cross_entropy([1.0, 2.0, 3.0], 1.0)
    with pytest.raises(TypeError, match="bool"):
        F.cross_entropy([1.0, 2.0], True)
    with pytest.raises(ValueError, match="2 element.*target has 3"):
        F.cross_entropy([[1.0, 2.0], [3.0, 4.0]], [0, 1, 1])
    with pytest.raises(ValueError, match=r"input\[1\] has 3 logits but input\[0\] has 2"):
        F.cross_entropy([[1.0, 2.0], [3.0, 4.0, 5.0]], [0, 1])
    with pytest.raises(TypeError, match="sequence of 2 class indices"):
        F.cross_entropy([[1.0, 2.0], [3.0, 4.0]], 1)
    with pytest.raises(ValueError, match="target has 1 class probabilities but .* C = 2"):
        F.cross_entropy([1.0, 2.0], [1])  # a sequence target is class probabilities
    assert F.cross_entropy([1.0, 2.0], np.int64(1)).data > 0  # NumPy integers are indices


def test_loss_specific_errors():
    with pytest.raises(ValueError, match=r"input\[1\] = 1.5 is not in \[0, 1\]"):
        F.binary_cross_entropy([0.5, 1.5], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"var has negative entry/entries: var\[1\] = -0.5"):
        F.gaussian_nll_loss([1.0, 2.0], [1.0, 2.0], [1.0, -0.5])
    with pytest.raises(ValueError, match="var has 2 element.*expected 1 .* or 3"):
        F.gaussian_nll_loss([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"target\[0\] = 0.0; labels must be -1 or \+1"):
        F.hinge_loss([0.3], [0])


def test_bad_inputs():
    with pytest.raises(ValueError, match="input is empty"):
        F.mse_loss([], [])
    with pytest.raises(TypeError, match=r"input\[1\] must be a number or a Value, got str"):
        F.l1_loss([1.0, "2"], [1.0, 2.0])
    with pytest.raises(TypeError, match="must be a Value, a number or a sequence"):
        F.mse_loss("12", [1.0, 2.0])
    with pytest.raises(TypeError, match="sequence of C >= 1"):
        F.softmax(Value(1.0))
    with pytest.raises(ValueError, match="log_softmax: input is empty"):
        F.log_softmax([])
    with pytest.raises(ValueError, match="NaN"):
        F.mse_loss([float("nan")], [1.0])


# ------------------------------------------- bad input, both engines (issue 9, the losses)
def _empty_calls():
    """Every loss of both engines on an empty batch."""
    import micrograd_mlp.tensor.functional as TF

    e, ei = np.zeros(0), np.zeros(0, dtype=np.int64)
    return {
        "mse_loss": (lambda: F.mse_loss([], []), lambda: TF.mse_loss(e, e)),
        "l1_loss": (lambda: F.l1_loss([], []), lambda: TF.l1_loss(e, e)),
        "gaussian_nll_loss": (
            lambda: F.gaussian_nll_loss([], [], 1.0),
            lambda: TF.gaussian_nll_loss(e, e, 1.0),
        ),
        "hinge_loss": (lambda: F.hinge_loss([], []), lambda: TF.hinge_loss(e, e)),
        "cross_entropy": (
            lambda: F.cross_entropy([], []),
            lambda: TF.cross_entropy(np.zeros((0, 3)), ei),
        ),
        "binary_cross_entropy": (
            lambda: F.binary_cross_entropy([], []),
            lambda: TF.binary_cross_entropy(e, e),
        ),
        "binary_cross_entropy_with_logits": (
            lambda: F.binary_cross_entropy_with_logits([], []),
            lambda: TF.binary_cross_entropy_with_logits(e, e),
        ),
    }


@pytest.mark.parametrize("loss", list(_empty_calls()))
@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_every_loss_refuses_an_empty_batch_in_both_engines(loss, engine):
    call = _empty_calls()[loss][engine == "tensor"]
    with pytest.raises(ValueError, match=f"^{loss}: input is empty$"):
        call()


def test_cross_entropy_refuses_empty_rows_and_zero_classes():
    import micrograd_mlp.tensor.functional as TF

    with pytest.raises(ValueError, match=r"cross_entropy: input\[0\] is empty"):
        F.cross_entropy([[]], [0])
    with pytest.raises(ValueError, match="cross_entropy: input is empty"):
        TF.cross_entropy(np.zeros((2, 0)), np.zeros(2, dtype=np.int64))


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_tensor_mean_of_nothing_keeps_numpy_semantics():
    """The engine is NumPy's (NaN); only the losses refuse empty input."""
    from micrograd_mlp.tensor import Tensor

    assert math.isnan(Tensor(np.zeros(0)).mean().item())


@pytest.mark.parametrize(
    "call",
    [
        lambda: F.cross_entropy({0: 1.0}, 0),
        lambda: F.mse_loss({1.0, 2.0}, [1.0, 2.0]),
        lambda: F.l1_loss([1.0, 2.0], {1.0, 2.0}),
        lambda: F.binary_cross_entropy({0.5: 1}, [1.0]),
        lambda: F.hinge_loss(iter([1.0]), [1.0]),
        lambda: F.softmax({1.0, 2.0}),
    ],
)
def test_a_dict_a_set_or_an_iterator_is_refused_as_loss_input(call):
    with pytest.raises(TypeError, match=r"sequence of them \(a list, a tuple, a 1-D array\)"):
        call()


@pytest.mark.parametrize("logits", [[math.inf, 1.0], [1.0, math.nan], [-math.inf, -math.inf]])
def test_a_non_finite_logit_is_named_not_log_of_nan(logits):
    import micrograd_mlp.tensor.functional as TF

    # (a NaN number cannot even become a Value; a NaN Value from inf - inf is named as inf is)
    with pytest.raises(ValueError, match=r"cross_entropy: .*(must be finite|-inf|got NaN)") as e:
        F.cross_entropy(logits, 0)
    assert "log(" not in str(e.value)
    with pytest.raises(ValueError, match=r"input\[1\]"):
        F.cross_entropy([[0.0, 1.0], logits], [0, 1])
    # The vectorized engine follows IEEE arithmetic (NaN, as PyTorch), with a warning naming it
    with pytest.warns(RuntimeWarning, match=r"cross_entropy: input\[1\] holds a non-finite logit"):
        out = TF.cross_entropy(np.array([[0.0, 1.0], logits]), np.array([0, 1]))
    assert math.isnan(out.item())


def test_a_negative_infinite_logit_among_finite_ones_is_fine_in_both_engines():
    import micrograd_mlp.tensor.functional as TF

    assert F.cross_entropy([-math.inf, 1.0], 1).data == 0.0
    assert TF.cross_entropy(np.array([-math.inf, 1.0]), 1).item() == 0.0
    assert F.cross_entropy([-math.inf, 1.0], 0).data == math.inf  # PyTorch: inf too


def test_tensor_linear_takes_arrays_for_weight_and_bias_and_names_bad_shapes():
    import micrograd_mlp.tensor.functional as TF
    from micrograd_mlp.tensor import Tensor

    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(5, 3)), requires_grad=True)
    w_arr, b_arr = rng.normal(size=(4, 3)), rng.normal(size=4)
    expected = x.data @ w_arr.T + b_arr
    np.testing.assert_allclose(TF.linear(x, w_arr, b_arr).data, expected)  # constants
    W = Tensor(w_arr, requires_grad=True)
    np.testing.assert_allclose(TF.linear(x, W, b_arr).data, expected)
    with pytest.raises(ValueError, match=r"bias shape \(3,\) does not fit weight shape \(4, 3\)"):
        TF.linear(x, W, np.zeros(3))
    with pytest.raises(
        ValueError, match=r"input shape \(5, 3\) does not fit weight shape \(3, 4\)"
    ):
        TF.linear(x, np.zeros((3, 4)))
    with pytest.raises(TypeError, match="expected numbers"):
        TF.linear(x, W, ["a"] * 4)


def test_scalar_linear_mirrors_the_tensor_one():
    import micrograd_mlp.tensor.functional as TF

    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    out = F.linear(x.tolist(), w.tolist(), b.tolist())
    np.testing.assert_allclose([[v.data for v in row] for row in out], TF.linear(x, w, b).data)
    one = F.linear(x[0].tolist(), w.tolist())
    np.testing.assert_allclose([v.data for v in one], w @ x[0])
    with pytest.raises(
        ValueError, match=r"linear: input\[1\] has 2 entries but weight rows have 3"
    ):
        F.linear([[1.0, 2.0, 3.0], [1.0, 2.0]], w.tolist())
    with pytest.raises(ValueError, match="linear: bias has 3 entries but weight has 4 rows"):
        F.linear(x[0].tolist(), w.tolist(), [0.0] * 3)


@pytest.mark.parametrize("margin", [math.nan, math.inf, -math.inf])
def test_a_non_finite_hinge_margin_is_refused_in_both_engines(margin):
    import micrograd_mlp.tensor.functional as TF

    with pytest.raises(ValueError, match="hinge_loss: margin must be a finite number"):
        F.hinge_loss([0.5], [1.0], margin=margin)
    with pytest.raises(ValueError, match="hinge_loss: margin must be a finite number"):
        TF.hinge_loss(np.array([0.5]), np.array([1.0]), margin=margin)


@pytest.mark.parametrize(
    ("eps", "error", "match"),
    [
        (-1.0, ValueError, r"^gaussian_nll_loss: eps must be a number >= 0, got -1\.0$"),
        (math.nan, ValueError, r"^gaussian_nll_loss: eps must be a finite number, got nan$"),
        (math.inf, ValueError, r"^gaussian_nll_loss: eps must be a finite number, got inf$"),
        ("0.1", TypeError, r"^gaussian_nll_loss: eps must be a number, got str '0\.1'$"),
        (True, TypeError, r"^gaussian_nll_loss: eps must be a number, got bool True$"),
    ],
)
def test_a_bad_gaussian_nll_eps_is_refused_in_both_engines(eps, error, match):
    import micrograd_mlp.tensor.functional as TF

    with pytest.raises(error, match=match):
        F.gaussian_nll_loss([0.5], [1.0], 1.0, eps=eps)
    with pytest.raises(error, match=match):
        TF.gaussian_nll_loss(np.array([0.5]), np.array([1.0]), 1.0, eps=eps)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"label_smoothing": 1.5}, ValueError, r"label_smoothing must be in \[0, 1\]"),
        ({"label_smoothing": "0.1"}, TypeError, "label_smoothing must be a real number"),
        ({"ignore_index": 0.5}, TypeError, "ignore_index must be an integer"),
        ({"weight": [1.0, 2.0]}, ValueError, "weight"),
        ({"ignore_index": 0, "target": [0, 0]}, ValueError, "the mean is 0/0"),
    ],
)
def test_cross_entropy_options_are_checked_in_both_engines(kwargs, error, match):
    import micrograd_mlp.tensor.functional as TF

    kwargs = dict(kwargs)
    target = kwargs.pop("target", [0, 2])
    logits = [[0.1, 0.2, 0.3], [1.0, 0.0, -1.0]]
    with pytest.raises(error, match=match):
        F.cross_entropy(logits, target, **kwargs)
    with pytest.raises(error, match=match):
        TF.cross_entropy(np.array(logits), np.array(target), **kwargs)


# ----------------------------------------------------------- the two modules mirror each other
def test_scalar_and_tensor_functional_have_the_same_names_and_arguments():
    import inspect

    import micrograd_mlp.tensor.functional as TF

    assert sorted(F.__all__) == sorted(TF.__all__)
    for name in F.__all__:
        ours, theirs = (inspect.signature(getattr(m, name)).parameters for m in (F, TF))
        assert [(p.name, p.kind, p.default) for p in ours.values()] == [
            (p.name, p.kind, p.default) for p in theirs.values()
        ], name


def test_scalar_softmax_takes_the_tensor_versions_axis():
    z = [1.0, 2.0, 0.5]
    assert [p.data for p in F.softmax(z, axis=0)] == [p.data for p in F.softmax(z)]
    assert [p.data for p in F.log_softmax(z, 0)] == [p.data for p in F.log_softmax(z)]
    with pytest.raises(ValueError, match="axis must be -1 or 0, got 1"):
        F.softmax(z, axis=1)
