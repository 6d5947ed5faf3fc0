"""Tensor networks: Linear and MLP, agreement with the scalar engine (weights, outputs,
gradients, optimizer steps), conversions, and the losses against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_mlp import Value
from micrograd_mlp import functional as SF
from micrograd_mlp.convert import (
    from_torch_state_dict,
    to_scalar_mlp,
    to_tensor_mlp,
    to_torch_sequential,
    to_torch_state_dict,
)
from micrograd_mlp.module import ACTIVATIONS
from micrograd_mlp.nn import MLP as ScalarMLP
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.tensor import MLP, Linear, Tensor, no_grad
from micrograd_mlp.tensor import functional as F


def scalar_layer_grads(layer) -> tuple[np.ndarray, np.ndarray]:
    """The gradients of a scalar Layer as (nout, nin) and (nout,) arrays."""
    weight = np.array([[w.grad for w in n.weight] for n in layer.neurons])
    bias = np.array([n.bias.grad for n in layer.neurons])
    return weight, bias


def scalar_forward(model: ScalarMLP, X: np.ndarray) -> list[list]:
    """Each sample through the scalar MLP, as a list of output Values per sample."""
    outputs = []
    for x in X:
        out = model(list(x))
        outputs.append(out if isinstance(out, list) else [out])
    return outputs


def test_linear_shapes_and_errors():
    layer = Linear(4, 3, seed=0)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert layer.weight.requires_grad and layer.weight.dtype == np.float32
    assert layer(np.ones((5, 4))).shape == (5, 3)
    assert layer(np.ones(4)).shape == (3,)
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(5, 3\)"):
        layer(np.ones((5, 3)))
    with pytest.raises(ValueError, match="nin"):
        Linear(0, 3)


def test_linear_computes_x_wT_plus_b():
    layer = Linear(4, 3, seed=1, dtype=np.float64)
    X = np.random.default_rng(0).standard_normal((5, 4))
    expected = X @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(X).data, expected, rtol=1e-14)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_same_seed_gives_the_same_weights_as_the_scalar_mlp(activation):
    scalar = ScalarMLP(3, [5, 4, 2], activation=activation, seed=7)
    tensor64 = MLP(3, [5, 4, 2], activation=activation, seed=7, dtype=np.float64)
    tensor32 = MLP(3, [5, 4, 2], activation=activation, seed=7)
    expected = scalar.state_dict()
    assert list(tensor64.state_dict()) == list(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(tensor64.state_dict()[key], value)
        np.testing.assert_array_equal(tensor32.state_dict()[key], value.astype(np.float32))
    assert not np.array_equal(MLP(3, [5], seed=8).layers[0].weight.data, tensor32.layers[0].weight)


def test_mlp_interface():
    model = MLP(6, [8, 3], seed=0)
    assert [n for n, _ in model.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    ]
    assert sum(p.size for p in model.parameters()) == 6 * 8 + 8 + 8 * 3 + 3
    assert model(np.ones((2, 6))).shape == (2, 3)
    assert model(np.ones(6)).shape == (3,)
    assert MLP(6, [1])(np.ones((4, 6))).shape == (4, 1)
    assert model(np.ones((2, 6), dtype=np.float64)).dtype == np.float32  # inputs take its dtype
    with pytest.raises(ValueError, match=r"\(N, 6\).*\(2, 5\)"):
        model(np.ones((2, 5)))
    with pytest.raises(ValueError, match="activation"):
        MLP(6, [3], activation="swish")
    with pytest.raises(ValueError, match="nouts"):
        MLP(6, [])
    assert "MLP(6, [8, 3]" in repr(model)


def test_zero_grad_and_load_state_dict_keep_the_parameter_objects():
    model = MLP(3, [4, 2], seed=0)
    F.cross_entropy(model(np.ones((2, 3))), [0, 1]).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    weight = model.layers[0].weight
    array = weight.data
    state = MLP(3, [4, 2], seed=1).state_dict()
    model.load_state_dict(state)
    assert model.layers[0].weight is weight and weight.data is array
    np.testing.assert_array_equal(weight.data, state["layers.0.weight"].astype(np.float32))
    with pytest.raises(KeyError, match="missing"):
        model.load_state_dict({"layers.0.weight": state["layers.0.weight"]})


def test_no_grad_forward_builds_no_graph():
    model = MLP(3, [4, 2], seed=0)
    with no_grad():
        out = model(np.ones((2, 3)))
    assert not out.requires_grad and out._children == ()


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_round_trip_between_engines_keeps_outputs_and_gradients(activation):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 3))
    targets = [0, 2, 1, 2]
    scalar = ScalarMLP(3, [5, 4, 3], activation=activation, seed=11)
    tensor = to_tensor_mlp(scalar, dtype=np.float64)
    back = to_scalar_mlp(tensor)
    for key, value in scalar.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[key], value)

    scalar_out = scalar_forward(scalar, X)
    tensor_out = tensor(X)
    np.testing.assert_allclose(
        tensor_out.data, [[v.data for v in row] for row in scalar_out], rtol=0, atol=1e-12
    )
    scalar_loss = SF.cross_entropy(scalar_out, targets)
    tensor_loss = F.cross_entropy(tensor_out, np.array(targets))
    assert tensor_loss.item() == pytest.approx(scalar_loss.data, abs=1e-12)
    scalar_loss.backward()
    tensor_loss.backward()
    for s_layer, t_layer in zip(scalar.layers, tensor.layers):
        weight_grad, bias_grad = scalar_layer_grads(s_layer)
        np.testing.assert_allclose(t_layer.weight.grad, weight_grad, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(t_layer.bias.grad, bias_grad, rtol=1e-9, atol=1e-12)


# Each loss as (scalar function, tensor function, input, target); inputs are (N,) arrays.
rng_losses = np.random.default_rng(5)
SCORES = rng_losses.standard_normal(6)
PROBS = rng_losses.uniform(0.05, 0.95, 6)
LABELS01 = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
LOSSES = {
    "mse_loss": (SF.mse_loss, F.mse_loss, SCORES, rng_losses.standard_normal(6)),
    "l1_loss": (SF.l1_loss, F.l1_loss, SCORES, rng_losses.standard_normal(6)),
    "binary_cross_entropy": (SF.binary_cross_entropy, F.binary_cross_entropy, PROBS, LABELS01),
    "binary_cross_entropy_with_logits": (
        SF.binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        SCORES,
        LABELS01,
    ),
    "hinge_loss": (SF.hinge_loss, F.hinge_loss, SCORES, 2 * LABELS01 - 1),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_losses_agree_with_the_scalar_engine(name, reduction):
    scalar_fn, tensor_fn, x, y = LOSSES[name]
    values = [Value(float(v)) for v in x]
    scalar_loss = scalar_fn(values, list(y), reduction=reduction)
    t = Tensor(x, requires_grad=True, dtype=np.float64)
    tensor_loss = tensor_fn(t, y, reduction=reduction)
    if reduction == "none":
        np.testing.assert_allclose(tensor_loss.data, [v.data for v in scalar_loss], rtol=1e-12)
        scalar_loss = Value.sum(scalar_loss)
        tensor_loss = tensor_loss.sum()
    assert tensor_loss.item() == pytest.approx(scalar_loss.data, rel=1e-12)
    scalar_loss.backward()
    tensor_loss.backward()
    np.testing.assert_allclose(t.grad, [v.grad for v in values], rtol=1e-9, atol=1e-15)


def test_gaussian_nll_agrees_with_the_scalar_engine():
    x, y, var = SCORES, SCORES[::-1].copy(), PROBS
    values, variances = [Value(float(v)) for v in x], [Value(float(v)) for v in var]
    scalar_loss = SF.gaussian_nll_loss(values, list(y), variances, full=True)
    t, v = (Tensor(a, requires_grad=True, dtype=np.float64) for a in (x, var))
    tensor_loss = F.gaussian_nll_loss(t, y, v, full=True)
    assert tensor_loss.item() == pytest.approx(scalar_loss.data, rel=1e-12)
    scalar_loss.backward()
    tensor_loss.backward()
    np.testing.assert_allclose(t.grad, [a.grad for a in values], rtol=1e-9)
    np.testing.assert_allclose(v.grad, [a.grad for a in variances], rtol=1e-9)


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda params: Adam(params, lr=0.01, weight_decay=0.01),
    ],
    ids=["SGD", "Adam"],
)
def test_optimizer_steps_agree_between_engines(make_optimizer):
    rng = np.random.default_rng(4)
    X, targets = rng.standard_normal((4, 3)), [1, 0, 1, 1]
    scalar = ScalarMLP(3, [4, 2], activation="tanh", seed=2)
    tensor = to_tensor_mlp(scalar, dtype=np.float64)
    scalar_opt, tensor_opt = (
        make_optimizer(scalar.parameters()),
        make_optimizer(tensor.parameters()),
    )
    for _ in range(2):  # two steps: momentum buffers and Adam's moments are used
        scalar_opt.zero_grad()
        tensor_opt.zero_grad()
        SF.cross_entropy(scalar_forward(scalar, X), targets).backward()
        F.cross_entropy(tensor(X), np.array(targets)).backward()
        scalar_opt.step()
        tensor_opt.step()
    for key, value in scalar.state_dict().items():
        np.testing.assert_allclose(tensor.state_dict()[key], value, rtol=1e-10, atol=1e-13)


def test_torch_state_dict_mapping_round_trip():
    torch = pytest.importorskip("torch", reason="PyTorch conversions need torch")
    model = MLP(4, [5, 3], seed=0, dtype=np.float64)
    state = to_torch_state_dict(model, dtype=np.float64)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert isinstance(state["0.weight"], torch.Tensor)
    back = from_torch_state_dict(state)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(back[key], value)
    with pytest.raises(ValueError, match="bias"):
        from_torch_state_dict({"0.weight": state["0.weight"]})


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_torch_sequential_computes_the_same_function(activation):
    torch = pytest.importorskip("torch", reason="PyTorch conversions need torch")
    model = MLP(4, [6, 5, 3], activation=activation, seed=1, dtype=np.float64)
    net = to_torch_sequential(model)
    X = np.random.default_rng(0).standard_normal((7, 4))
    with torch.no_grad():
        expected = net(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(model(X).data, expected, rtol=1e-12, atol=1e-14)
    loaded = MLP(4, [6, 5, 3], activation=activation, seed=2, dtype=np.float64)
    loaded.load_state_dict(from_torch_state_dict(net.state_dict()))
    np.testing.assert_allclose(loaded(X).data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_against_torch(reduction):
    torch = pytest.importorskip("torch", reason="comparison with PyTorch needs torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(8)
    logits, classes = rng.standard_normal((5, 4)) * 3, rng.integers(0, 4, 5)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    p, labels = rng.uniform(0.01, 0.99, (5, 4)), (rng.random((5, 4)) > 0.5) * 1.0
    var = rng.uniform(0.1, 2.0, (5, 4))
    cases = [
        (
            lambda a: F.cross_entropy(a, classes, reduction=reduction),
            lambda a: tf.cross_entropy(a, torch.from_numpy(classes), reduction=reduction),
            logits,
        ),
        (
            lambda a: F.mse_loss(a, y, reduction),
            lambda a: tf.mse_loss(a, torch.from_numpy(y), reduction=reduction),
            x,
        ),
        (
            lambda a: F.l1_loss(a, y, reduction),
            lambda a: tf.l1_loss(a, torch.from_numpy(y), reduction=reduction),
            x,
        ),
        (
            lambda a: F.binary_cross_entropy(a, labels, reduction=reduction),
            lambda a: tf.binary_cross_entropy(a, torch.from_numpy(labels), reduction=reduction),
            p,
        ),
        (
            lambda a: F.binary_cross_entropy_with_logits(a, labels, reduction=reduction),
            lambda a: tf.binary_cross_entropy_with_logits(
                a, torch.from_numpy(labels), reduction=reduction
            ),
            x,
        ),
        (
            lambda a: F.gaussian_nll_loss(a, y, var, full=True, reduction=reduction),
            lambda a: tf.gaussian_nll_loss(
                a, torch.from_numpy(y), torch.from_numpy(var), full=True, reduction=reduction
            ),
            x,
        ),
        (
            lambda a: F.log_softmax(a, axis=0).sum(axis=1) * 1.0,
            lambda a: tf.log_softmax(a, dim=0).sum(dim=1),
            logits,
        ),
        (lambda a: F.softmax(a)[:, 1], lambda a: tf.softmax(a, dim=-1)[:, 1], logits),
    ]
    for ours, theirs, data in cases:
        t = Tensor(data, requires_grad=True, dtype=np.float64)
        out = ours(t)
        ref_in = torch.tensor(data, requires_grad=True)
        ref = theirs(ref_in)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
        weights = rng.standard_normal(out.shape)
        (out * weights).sum().backward()
        (ref * torch.from_numpy(weights)).sum().backward()
        np.testing.assert_allclose(t.grad, ref_in.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_mnist_shaped_step_in_float32_matches_torch():
    torch = pytest.importorskip("torch", reason="comparison with PyTorch needs torch")
    rng = np.random.default_rng(0)
    X = rng.random((32, 784), dtype=np.float32)
    y = rng.integers(0, 10, 32)
    model = MLP(784, [64, 10], seed=0)
    net = to_torch_sequential(model)
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    ref = torch.nn.functional.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y))
    ref.backward()
    assert loss.dtype == np.float32 and loss.item() == pytest.approx(ref.item(), rel=1e-5)
    for ours, theirs in zip(model.parameters(), net.parameters()):
        assert ours.grad.dtype == np.float32
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-4, atol=1e-6)
