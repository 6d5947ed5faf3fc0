"""Dropout in both engines does what its docstring says, checked closely enough that a small
wrong rule fails (issue 20, item 2): each element is kept with probability ``1 - p`` (the kept
count over many draws within a binomial bound), a kept value is exactly ``x / (1 - p)`` with
gradient ``1 / (1 - p)``, a dropped one is 0 with gradient 0, the mask is drawn anew for every
call and every element, the backward pass uses the forward's mask, and evaluation mode (also
set through a parent module) passes values unchanged."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from micrograd_mlp.engine import Value
from micrograd_mlp.nn import MLP, Dropout
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.nn import MLP as TensorMLP
from micrograd_mlp.tensor.nn import Dropout as TensorDropout

RATES = [0.1, 0.3, 0.8]  # not 0.5: keeping with probability p instead of 1 - p must show


def binomial_bound(n: int, p: float) -> float:
    """Five standard deviations of the kept count: a correct layer exceeds it with probability
    below 1e-6 (the draws are seeded, so the test is deterministic anyway)."""
    return 5.0 * math.sqrt(n * p * (1.0 - p))


def scalar_run(p: float, xs: np.ndarray, seed: int = 0):
    """The scalar layer on Values ``xs``: (inputs, outputs) after backward of their sum."""
    inputs = [Value(float(x)) for x in xs]
    outputs = Dropout(p, seed=seed)(inputs)
    total = outputs[0]
    for out in outputs[1:]:
        total = total + out
    total.backward()
    return inputs, outputs


@pytest.mark.parametrize("p", RATES)
def test_scalar_dropout_keeps_one_minus_p_scaled_by_its_inverse(p):
    n = 20_000
    xs = np.random.default_rng(1).uniform(0.5, 2.0, n)  # no zeros: kept and dropped differ
    inputs, outputs = scalar_run(p, xs)
    assert len(outputs) == n
    data = np.array([o.data for o in outputs])
    grads = np.array([v.grad for v in inputs])
    kept = data != 0.0
    assert abs(kept.sum() - n * (1 - p)) <= binomial_bound(n, p)
    np.testing.assert_allclose(data[kept], xs[kept] / (1 - p), rtol=4e-16, atol=0)
    np.testing.assert_allclose(grads[kept], 1 / (1 - p), rtol=4e-16, atol=0)
    assert np.all(data[~kept] == 0.0) and np.all(grads[~kept] == 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("p", RATES)
def test_tensor_dropout_keeps_one_minus_p_scaled_by_its_inverse(p, dtype):
    shape = (400, 250)
    xs = np.random.default_rng(2).uniform(0.5, 2.0, shape).astype(dtype)
    x = Tensor(xs, dtype=dtype, requires_grad=True)
    out = TensorDropout(p, seed=0)(x)
    assert out.shape == shape and out.data.dtype == dtype
    out.sum().backward()
    kept = out.data != 0
    n = xs.size
    assert abs(kept.sum() - n * (1 - p)) <= binomial_bound(n, p)
    rtol = 4 * np.finfo(dtype).eps
    np.testing.assert_allclose(out.data[kept], xs[kept] / dtype(1 - p), rtol=rtol, atol=0)
    # The backward pass uses the forward's mask: the gradient is the mask times 1 / (1 - p).
    np.testing.assert_allclose(x.grad[kept], 1 / (1 - p), rtol=rtol, atol=0)
    assert np.all(x.grad[~kept] == 0) and np.all(out.data[~kept] == 0)
    # Every element draws its own mask: rows and columns keep about 1 - p each, not all or none.
    for axis in (0, 1):
        fraction = kept.mean(axis=axis)
        assert fraction.min() > 0 and fraction.max() < 1
        assert abs(fraction.mean() - (1 - p)) < 0.02


def test_masks_are_drawn_anew_for_every_call_and_reproducible_from_the_seed():
    xs = np.ones(2_000)
    first = [o.data for o in Dropout(0.5, seed=3)([Value(x) for x in xs])]
    layer = Dropout(0.5, seed=3)
    again = [o.data for o in layer([Value(x) for x in xs])]
    second = [o.data for o in layer([Value(x) for x in xs])]
    assert again == first and second != first
    t_layer = TensorDropout(0.5, seed=3)
    a, b = t_layer(Tensor(np.ones((50, 40)))).data, t_layer(Tensor(np.ones((50, 40)))).data
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(TensorDropout(0.5, seed=3)(Tensor(np.ones((50, 40)))).data, a)


def test_numbers_as_well_as_values_are_dropped_alike():
    xs = np.random.default_rng(4).uniform(1.0, 2.0, 3_000)
    from_numbers = Dropout(0.3, seed=5)(xs.tolist())  # Python floats in, floats out
    from_values = [o.data for o in Dropout(0.3, seed=5)([Value(x) for x in xs])]
    assert all(type(o) is float for o in from_numbers) and from_numbers == from_values


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_evaluation_mode_passes_values_unchanged_in_both_engines(p):
    xs = np.random.default_rng(6).normal(size=64)
    scalar = Dropout(p, seed=0)
    scalar.eval()
    inputs = [Value(float(x)) for x in xs]
    outputs = scalar(inputs)
    assert [o.data for o in outputs] == xs.tolist()
    sum(outputs, Value(0.0)).backward()
    assert [v.grad for v in inputs] == [1.0] * len(xs)
    tensor = TensorDropout(p, seed=0)
    tensor.eval()
    x = Tensor(xs.reshape(8, 8), requires_grad=True)
    out = tensor(x)
    np.testing.assert_array_equal(out.data, xs.reshape(8, 8))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((8, 8)))


def test_p_one_drops_everything_with_zero_gradient():
    inputs, outputs = scalar_run(1.0, np.array([1.0, -2.0, 3.0]))
    assert [o.data for o in outputs] == [0.0, 0.0, 0.0] and [v.grad for v in inputs] == [0.0] * 3
    x = Tensor(np.array([[1.0, -2.0, 3.0]]), requires_grad=True)
    out = TensorDropout(1.0)(x)
    out.sum().backward()
    assert not out.data.any() and not x.grad.any()


def test_a_parent_modules_eval_turns_its_dropout_off_in_both_engines():
    # With eval() a network with dropout computes what the same network without dropout does.
    xs = np.random.default_rng(7).normal(size=(5, 3))
    for make, run in (
        (lambda d: MLP(3, [16, 2], seed=0, dropout=d),
         lambda m: [[o.data for o in m(list(row))] for row in xs]),
        (lambda d: TensorMLP(3, [16, 2], seed=0, dtype=np.float64, dropout=d),
         lambda m: m(Tensor(xs)).data.tolist()),
    ):
        with_dropout, without = make(0.5), make(0.0)
        reference = run(without)
        assert run(with_dropout) != reference  # training mode: the masks change the outputs
        with_dropout.eval()
        assert run(with_dropout) == reference
        with_dropout.train()
        assert run(with_dropout) != reference


def test_dropout_sits_between_hidden_layers_only_in_both_engines():
    # The output equals the last layer applied to the dropped hidden activations, the masks
    # replayed from a copy of the generator the network shares with its dropout: no dropout
    # after the output layer (it would zero or scale logits), none before the first layer.
    xs = np.random.default_rng(8).normal(size=(6, 3))
    model = MLP(3, [8, 8, 2], seed=0, dropout=0.5)
    replay = Dropout(0.5, seed=copy.deepcopy(model.dropout.rng))
    for row in xs:
        out = [o.data for o in model(list(row))]
        h = list(row)
        for layer in model.layers[:-1]:
            h = replay(layer(h))
        assert out == [o.data for o in model.layers[-1](h)]
    t_model = TensorMLP(3, [8, 8, 2], seed=0, dtype=np.float64, dropout=0.5)
    t_replay = TensorDropout(0.5, seed=copy.deepcopy(t_model.dropout.rng))
    out = t_model(Tensor(xs)).data
    h = Tensor(xs)
    for layer in t_model.layers[:-1]:
        h = t_replay(layer(h).relu())
    np.testing.assert_array_equal(out, t_model.layers[-1](h).data)
    assert np.all(out != 0)  # no output zeroed
