"""PyTorch's loss options in both engines: cross_entropy with class probabilities, weight=,
ignore_index= and label_smoothing=, binary cross-entropies with weight= and pos_weight=, checked
against torch.nn.functional (values and gradients, also of probability targets); the vectorized
Gaussian NLL and hinge losses against torch (gradients of every operand, var below eps), binary
cross-entropy at its -100 log clamp in both engines; and hypothesis properties that the scalar
and the vectorized engine agree on random cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_mlp.functional as F
import micrograd_mlp.tensor.functional as TF
from micrograd_mlp.engine import Value
from micrograd_mlp.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch comparisons need torch installed")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ----------------------------------------------------------------------------- helpers
def scalar_rows(x: np.ndarray) -> list:
    """(N, C) -> N lists of C Values; (C,) -> C Values."""
    if x.ndim == 1:
        return [Value(float(v)) for v in x]
    return [[Value(float(v)) for v in row] for row in x]


def scalar_data(out) -> np.ndarray:
    return np.array([o.data for o in out]) if isinstance(out, list) else np.array(out.data)


def scalar_grads(rows) -> np.ndarray:
    if rows and isinstance(rows[0], Value):
        return np.array([v.grad for v in rows])
    return np.array([[v.grad for v in row] for row in rows])


def backward_weighted(out, up: np.ndarray) -> None:
    """Backpropagate ``sum(up * out)`` (one upstream value per element of "none")."""
    if isinstance(out, list):
        Value.dot(up.reshape(-1).tolist(), out).backward()
    elif isinstance(out, Value):
        (out * float(up)).backward()
    else:
        (out * up).sum().backward()


def torch_kwargs(torch, kwargs: dict) -> dict:
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def scalar_kwargs(kwargs: dict) -> dict:
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def three_ways(torch, name, x, target, kwargs, reduction, rng, target_grad=False):
    """Run ``name`` in torch, the Tensor engine and the scalar engine; compare values and
    gradients (of the input, and of probability targets when ``target_grad``)."""
    tx = torch.tensor(x, requires_grad=True)
    tt = torch.tensor(target, requires_grad=target_grad)
    ref = getattr(torch.nn.functional, name)(
        tx, tt, reduction=reduction, **torch_kwargs(torch, kwargs)
    )
    up = rng.uniform(0.5, 2.0, size=ref.shape)
    (ref * torch.tensor(up)).sum().backward()

    xt = Tensor(x.copy(), requires_grad=True)
    tgt = Tensor(target.copy(), requires_grad=True) if target_grad else target
    out = getattr(TF, name)(xt, tgt, reduction=reduction, **kwargs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    backward_weighted(out, up)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    if target_grad:
        np.testing.assert_allclose(tgt.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-13)

    xs = scalar_rows(x)
    ts = scalar_rows(target) if target_grad else target.tolist()
    sout = getattr(F, name)(xs, ts, reduction=reduction, **scalar_kwargs(kwargs))
    np.testing.assert_allclose(scalar_data(sout), ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    backward_weighted(sout, up)
    np.testing.assert_allclose(scalar_grads(xs), tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    if target_grad:
        np.testing.assert_allclose(scalar_grads(ts), tt.grad.numpy(), rtol=1e-10, atol=1e-13)


RNG = np.random.default_rng(2024)
N, C = 6, 4
LOGITS = RNG.normal(scale=2.0, size=(N, C))
LOGITS[0] *= 300  # logits in the hundreds: only the max-subtracted form survives
INDICES = np.array([0, 3, 1, 2, 3, 1])
WITH_IGNORED = np.array([0, -100, 1, 2, -100, 1])
SOFT = RNG.dirichlet(np.ones(C), N)
ONE_HOT = np.eye(C)[INDICES]
WEIGHT = np.array([0.3, 2.0, 1.0, 0.7])

CE_OPTIONS = {
    "plain": {},
    "weight": {"weight": WEIGHT},
    "smoothing": {"label_smoothing": 0.25},
    "weight+smoothing": {"weight": WEIGHT, "label_smoothing": 0.1},
    "ignore_index=1": {"ignore_index": 1},
    "all": {"weight": WEIGHT, "label_smoothing": 0.3, "ignore_index": 2},
}


# ------------------------------------------------------------- cross-entropy vs torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", list(CE_OPTIONS))
def test_cross_entropy_with_class_indices_matches_torch(torch, rng, options, reduction):
    three_ways(torch, "cross_entropy", LOGITS, INDICES, CE_OPTIONS[options], reduction, rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "weight+smoothing"])
def test_cross_entropy_ignores_the_default_ignore_index_like_torch(torch, rng, options, reduction):
    # -100 marks samples to skip: loss 0, gradient 0, and not counted in the (weighted) mean
    three_ways(torch, "cross_entropy", LOGITS, WITH_IGNORED, CE_OPTIONS[options], reduction, rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "smoothing", "weight+smoothing"])
@pytest.mark.parametrize("target", ["soft", "one-hot"])
def test_cross_entropy_with_class_probabilities_matches_torch(
    torch, rng, target, options, reduction
):
    probs = SOFT if target == "soft" else ONE_HOT
    kwargs = CE_OPTIONS[options]
    three_ways(torch, "cross_entropy", LOGITS, probs, kwargs, reduction, rng, target_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight+smoothing"])
def test_cross_entropy_of_one_sample_matches_torch(torch, rng, options, reduction):
    kwargs = CE_OPTIONS[options]
    three_ways(torch, "cross_entropy", LOGITS[1], np.array(2), kwargs, reduction, rng)
    three_ways(torch, "cross_entropy", LOGITS[1], SOFT[1], kwargs, reduction, rng, True)


def test_cross_entropy_float32_keeps_its_dtype_and_matches_float64():
    z64 = Tensor(LOGITS, requires_grad=True)
    z32 = Tensor(LOGITS.astype(np.float32), requires_grad=True)
    kwargs = {"weight": WEIGHT, "label_smoothing": 0.2}
    a, b = (
        TF.cross_entropy(z64, WITH_IGNORED, **kwargs),
        TF.cross_entropy(z32, WITH_IGNORED, **kwargs),
    )
    a.backward()
    b.backward()
    assert b.dtype == np.float32 and z32.grad.dtype == np.float32
    np.testing.assert_allclose(b.data, a.data, rtol=1e-6)
    np.testing.assert_allclose(z32.grad, z64.grad, rtol=1e-5, atol=1e-7)


def test_one_hot_targets_are_the_lectures_targets():
    """CE = -o_c + log sum_j e^{o_j}, with the target as an index or as a one-hot row."""
    o = [2.0, -1.0, 0.5]
    by_index = F.cross_entropy(o, 0)
    by_one_hot = F.cross_entropy(o, [1, 0, 0])
    expected = -o[0] + np.log(np.sum(np.exp(o)))
    assert by_index.data == pytest.approx(expected, rel=1e-14)
    assert by_one_hot.data == pytest.approx(expected, rel=1e-14)
    assert TF.cross_entropy(np.array(o), np.array([1, 0, 0])).item() == pytest.approx(expected)


# ------------------------------------------------------------------ binary cross-entropy
BCE_OPTIONS = {
    "plain": {},
    "weight": {"weight": RNG.uniform(0.5, 2.0, size=(N, C))},
    "row weight": {"weight": RNG.uniform(0.5, 2.0, size=C)},
}
LOGIT_OPTIONS = {
    **BCE_OPTIONS,
    "pos_weight": {"pos_weight": RNG.uniform(0.5, 3.0, size=C)},
    "both": {"weight": RNG.uniform(0.5, 2.0, size=(N, C)), "pos_weight": np.array(2.5)},
}
LABELS = (RNG.random((N, C)) > 0.5) * 1.0


def binary_three_ways(torch, name, x, kwargs, reduction, rng):
    """A binary cross-entropy in torch, the Tensor engine, and the scalar engine (flattened,
    its per-element options broadcast to the input): values and input gradients."""
    tx = torch.tensor(x, requires_grad=True)
    ref = getattr(torch.nn.functional, name)(
        tx, torch.tensor(LABELS), reduction=reduction, **torch_kwargs(torch, kwargs)
    )
    up = rng.uniform(0.5, 2.0, size=ref.shape)
    (ref * torch.tensor(up)).sum().backward()
    xt = Tensor(x.copy(), requires_grad=True)
    out = getattr(TF, name)(xt, LABELS, reduction=reduction, **kwargs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    backward_weighted(out, up)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    xs = scalar_rows(x.reshape(-1))
    flat = {k: np.broadcast_to(v, (N, C)).reshape(-1) for k, v in kwargs.items()}
    sout = getattr(F, name)(
        xs, LABELS.reshape(-1).tolist(), reduction=reduction, **scalar_kwargs(flat)
    )
    np.testing.assert_allclose(
        scalar_data(sout), ref.detach().numpy().reshape(-1), rtol=1e-12, atol=1e-14
    )
    backward_weighted(sout, np.broadcast_to(up, ref.shape))
    np.testing.assert_allclose(scalar_grads(xs), tx.grad.numpy().reshape(-1), rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", list(LOGIT_OPTIONS))
def test_bce_with_logits_options_match_torch(torch, rng, options, reduction):
    x = LOGITS / 100 + RNG.normal(size=(N, C))
    kwargs = LOGIT_OPTIONS[options]
    binary_three_ways(torch, "binary_cross_entropy_with_logits", x, kwargs, reduction, rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", list(BCE_OPTIONS))
def test_bce_weight_matches_torch(torch, rng, options, reduction):
    p = RNG.uniform(0.02, 0.98, size=(N, C))
    binary_three_ways(torch, "binary_cross_entropy", p, BCE_OPTIONS[options], reduction, rng)


def test_bce_at_the_log_clamp_has_zero_gradient_in_both_engines(torch):
    """Where a log term is clamped at -100 the loss is locally constant (100 per element), so its
    derivative is 0: p = 0 and p = 1e-50 (log p < -100) with y = 1, p = 1 with y = 0. Torch gives
    the same values (its backward caps the denominator instead: -1e12 there, documented)."""
    p = np.array([0.0, 1e-50, 1.0, 0.25, 0.6])
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    ref = torch.nn.functional.binary_cross_entropy(
        torch.tensor(p), torch.tensor(y), reduction="none"
    )
    # exact derivative of the clamped loss: -y / p + (1 - y) / (1 - p) off the clamp, else 0
    expected = np.array([0.0, 0.0, 0.0, -1 / 0.25, 1 / 0.4]) / p.size
    pt = Tensor(p.copy(), requires_grad=True)
    out = TF.binary_cross_entropy(pt, y, reduction="none")
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12)
    assert out.data[:3].tolist() == [100.0, 100.0, 100.0]
    TF.binary_cross_entropy(pt, y).backward()
    ps = scalar_rows(p)
    F.binary_cross_entropy(ps, y.tolist()).backward()
    for grad in (pt.grad, scalar_grads(ps)):
        np.testing.assert_allclose(grad, expected, rtol=1e-12)
    # the loss is flat there: a step h (log(p + h) still < -100) changes nothing
    h = 1e-52
    plus = TF.binary_cross_entropy(p + np.array([0, h, 0, 0, 0]), y, reduction="none")
    assert plus.data[1] == out.data[1]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", ["elementwise", "per sample"])
def test_tensor_gaussian_nll_matches_torch_with_var_below_eps(
    torch, rng, var_shape, full, reduction
):
    """Values and the gradients of input, target and var; entries of var below eps are clamped
    in value only, so they still get the gradient PyTorch gives them (its no_grad clamp)."""
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    var = rng.uniform(0.2, 2.0, size=(3, 4) if var_shape == "elementwise" else (3,))
    var.flat[:2] = [1e-9, 0.0]  # below eps = 1e-3
    leaves = [Tensor(a.copy(), requires_grad=True) for a in (x, y, var)]
    refs = [torch.tensor(a, requires_grad=True) for a in (x, y, var)]
    out = TF.gaussian_nll_loss(*leaves, full=full, eps=1e-3, reduction=reduction)
    ref = torch.nn.functional.gaussian_nll_loss(*refs, full=full, eps=1e-3, reduction=reduction)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    up = rng.uniform(0.5, 2.0, size=ref.shape)
    (out * up).sum().backward()
    (ref * torch.tensor(up)).sum().backward()
    for ours, theirs in zip(leaves, refs):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.5, 0.25])
def test_tensor_hinge_loss_matches_torch_clamp(torch, rng, margin, reduction):
    """max(0, margin - y * score) (torch has no hinge_loss: its clamp of the same expression)."""
    scores = rng.normal(scale=1.5, size=(4, 3))
    labels = np.where(rng.random((4, 3)) > 0.5, 1.0, -1.0)
    s = Tensor(scores.copy(), requires_grad=True)
    ts = torch.tensor(scores, requires_grad=True)
    out = TF.hinge_loss(s, labels, margin=margin, reduction=reduction)
    ref = torch.clamp(margin - torch.tensor(labels) * ts, min=0)
    ref = {"mean": ref.mean(), "sum": ref.sum(), "none": ref}[reduction]
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    up = rng.uniform(0.5, 2.0, size=ref.shape)
    (out * up).sum().backward()
    (ref * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(s.grad, ts.grad.numpy(), rtol=1e-12)


def test_a_reduction_in_weight_position_is_refused_with_the_keyword_to_use():
    z = Tensor(LOGITS)
    with pytest.raises(TypeError, match="pass reduction='sum' by keyword"):
        TF.cross_entropy(z, INDICES, "sum")
    with pytest.raises(TypeError, match="third positional argument is weight"):
        F.binary_cross_entropy([0.5], [1.0], "none")


# --------------------------------------------------------- properties across the engines
@st.composite
def ce_cases(draw):
    """Random logits, targets (indices with some ignored, or probabilities) and options."""
    n = draw(st.integers(1, 4))
    c = draw(st.integers(1, 4))
    finite = st.floats(-30, 30, allow_nan=False, allow_subnormal=False)
    logits = np.array(draw(st.lists(finite, min_size=n * c, max_size=n * c))).reshape(n, c)
    probabilities = draw(st.booleans())
    ignore_index = draw(st.sampled_from([-100, 0, c - 1]))
    if probabilities:
        raw = np.array(draw(st.lists(st.floats(0, 1), min_size=n * c, max_size=n * c)))
        target = raw.reshape(n, c)
    else:
        target = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
        if n > 1 and draw(st.booleans()):
            target[0] = ignore_index  # one ignored sample
    weight = None
    if draw(st.booleans()):
        weight = np.array(draw(st.lists(st.floats(0.1, 3), min_size=c, max_size=c)))
    options = {
        "weight": weight,
        "ignore_index": ignore_index,
        "label_smoothing": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
        "reduction": draw(st.sampled_from(REDUCTIONS)),
    }
    return logits, target, options, draw(st.booleans())


def _counted(logits: np.ndarray, target: np.ndarray, options: dict) -> bool:
    """Whether the weighted mean has a non-zero denominator (else both engines refuse)."""
    if target.shape == logits.shape or options["reduction"] != "mean":
        return True  # probabilities: the mean divides by N
    return bool(np.any(target != options["ignore_index"]))


@settings(max_examples=150, deadline=None)
@given(ce_cases())
def test_cross_entropy_agrees_across_engines(case):
    logits, target, options, one_sample = case
    if one_sample:
        logits, target = logits[0], target[0]
    if not _counted(logits, target, options):
        with pytest.raises(ValueError, match="0/0"):
            TF.cross_entropy(logits, target, **options)
        with pytest.raises(ValueError, match="0/0"):
            F.cross_entropy(logits.tolist(), target.tolist(), **scalar_kwargs(options))
        return
    zt = Tensor(logits.copy(), requires_grad=True)
    out = TF.cross_entropy(zt, target, **options)
    xs = scalar_rows(logits)
    sout = F.cross_entropy(xs, target.tolist(), **scalar_kwargs({**options}))
    np.testing.assert_allclose(scalar_data(sout), out.data, rtol=1e-11, atol=1e-12)
    up = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
    backward_weighted(out, up)
    backward_weighted(sout, up)
    np.testing.assert_allclose(scalar_grads(xs), zt.grad, rtol=1e-9, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(ce_cases())
def test_index_targets_equal_one_hot_targets_except_the_weighted_mean(case):
    """Class index t and the one-hot row e_t give the same losses (with weights and smoothing);
    only the weighted mean differs: indices divide by sum_n w_{t_n}, probabilities by N."""
    logits, target, options, _ = case
    options = {**options, "ignore_index": -100}  # (a one-hot row is never ignored)
    if target.ndim == 2:
        target = np.argmax(target, axis=1)
    target = np.where(target < 0, 0, target)
    one_hot = np.eye(logits.shape[1])[target]
    by_index = TF.cross_entropy(logits, target, **options)
    by_prob = TF.cross_entropy(logits, one_hot, **options)
    if options["reduction"] == "mean" and options["weight"] is not None:
        w = options["weight"][target]
        np.testing.assert_allclose(by_index.data * w.sum() / len(w), by_prob.data, rtol=1e-10)
    else:
        np.testing.assert_allclose(by_index.data, by_prob.data, rtol=1e-10, atol=1e-12)


@st.composite
def binary_cases(draw):
    """Random logits, 0/1 (or soft) targets, and per-element weight / pos_weight options."""
    n = draw(st.integers(1, 6))
    finite = st.floats(-40, 40, allow_nan=False, allow_subnormal=False)
    x = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 0.25]), min_size=n, max_size=n)))
    positive = st.floats(0.1, 5.0)
    options = {"reduction": draw(st.sampled_from(REDUCTIONS))}
    if draw(st.booleans()):
        options["weight"] = np.array(draw(st.lists(positive, min_size=n, max_size=n)))
    if draw(st.booleans()):
        options["pos_weight"] = np.array(draw(positive))
    return x, y, options


@settings(max_examples=150, deadline=None)
@given(binary_cases())
def test_binary_cross_entropies_agree_across_engines(case):
    x, y, options = case
    for name, inputs, kwargs in (
        ("binary_cross_entropy_with_logits", x, options),
        (
            "binary_cross_entropy",
            1.0 / (1.0 + np.exp(-np.clip(x, -20, 20))),  # probabilities away from 0 and 1
            {k: v for k, v in options.items() if k != "pos_weight"},
        ),
    ):
        xt = Tensor(inputs.copy(), requires_grad=True)
        out = getattr(TF, name)(xt, y, **kwargs)
        xs = scalar_rows(inputs)
        sout = getattr(F, name)(xs, y.tolist(), **scalar_kwargs(kwargs))
        np.testing.assert_allclose(scalar_data(sout), out.data, rtol=1e-11, atol=1e-12)
        up = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
        backward_weighted(out, up)
        backward_weighted(sout, up)
        np.testing.assert_allclose(scalar_grads(xs), xt.grad, rtol=1e-9, atol=1e-12)
