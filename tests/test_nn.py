"""Scalar networks: Neuron, Layer, MLP and the shared Module behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_mlp import MLP, Layer, Neuron, Value
from micrograd_mlp.module import ACTIVATIONS


def test_neuron_computes_activation_of_affine_map():
    n = Neuron(3, activation="tanh", seed=1)
    x = [0.5, -1.0, 2.0]
    w = [v.data for v in n.weight]
    expected = np.tanh(np.dot(w, x) + n.bias.data)
    assert n(x).data == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_name_works(activation):
    out = MLP(2, [3, 1], activation=activation, seed=0)([0.3, -0.2])
    assert isinstance(out, Value)


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'gelu'.*relu, leaky_relu"):
        MLP(2, [3, 1], activation="gelu")


def test_layer_always_returns_a_list_and_mlp_unwraps_single_output():
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), list)
    assert isinstance(MLP(2, [1, 1], seed=0)([1.0, 2.0]), Value)  # a 1-neuron hidden layer
    out = MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_last_layer_is_linear_and_hidden_layers_use_the_activation():
    mlp = MLP(2, [4, 4, 2], activation="tanh", seed=0)
    assert [layer.activation for layer in mlp.layers] == ["tanh", "tanh", "linear"]


def test_wrong_number_of_inputs_is_a_clear_error():
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 1"):
        Neuron(2)([1.0])


def test_seeded_initialisation_is_reproducible_and_pytorch_scaled():
    a, b = MLP(4, [8, 2], seed=7), MLP(4, [8, 2], seed=7)
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(x, y, err_msg=name)
    weights = MLP(100, [50], seed=0).state_dict()["layers.0.weight"]
    assert np.abs(weights).max() <= 0.1  # U(-1/sqrt(nin), 1/sqrt(nin))
    assert not np.array_equal(MLP(4, [8], seed=1).state_dict()["layers.0.weight"], weights[:8, :4])


def test_parameters_names_and_count():
    mlp = MLP(3, [4, 2], seed=0)
    names = [name for name, _ in mlp.named_parameters()]
    assert len(mlp.parameters()) == 3 * 4 + 4 + 4 * 2 + 2
    assert names[0] == "layers.0.weight.0.0" and "layers.1.bias.1" in names
    assert len(set(map(id, mlp.parameters()))) == len(names)


def test_state_dict_shapes_follow_torch_linear():
    sd = MLP(3, [4, 2], seed=0).state_dict()
    assert {k: v.shape for k, v in sd.items()} == {
        "layers.0.weight": (4, 3),
        "layers.0.bias": (4,),
        "layers.1.weight": (2, 4),
        "layers.1.bias": (2,),
    }
    assert all(v.dtype == np.float64 for v in sd.values())


def test_state_dict_round_trip_reproduces_outputs():
    src, dst = MLP(3, [5, 2], seed=1), MLP(3, [5, 2], seed=2)
    x = [0.1, -0.4, 0.9]
    assert [v.data for v in src(x)] != [v.data for v in dst(x)]
    dst.load_state_dict(src.state_dict())
    assert [v.data for v in src(x)] == [v.data for v in dst(x)]
    # the state dict is a copy: changing it later does not touch the model
    sd = src.state_dict()
    sd["layers.0.bias"][:] = 99.0
    assert src.state_dict()["layers.0.bias"].max() < 99.0


def test_load_state_dict_reports_every_problem_and_loads_nothing():
    mlp = MLP(3, [4, 2], seed=0)
    before = mlp.state_dict()
    bad = dict(before)
    del bad["layers.1.bias"]
    bad["layers.9.weight"] = np.zeros(3)
    bad["layers.0.weight"] = np.zeros((3, 4))
    with pytest.raises(KeyError) as info:
        mlp.load_state_dict(bad)
    message = str(info.value)
    assert "missing keys: layers.1.bias" in message
    assert "unexpected keys: layers.9.weight" in message
    assert "layers.0.weight: shape (3, 4), expected (4, 3)" in message
    shape_only = dict(before, **{"layers.0.bias": np.zeros(5)})
    with pytest.raises(ValueError, match=r"layers.0.bias: shape \(5,\), expected \(4,\)"):
        mlp.load_state_dict(shape_only)
    after = mlp.state_dict()
    for key in before:
        np.testing.assert_array_equal(before[key], after[key])


def test_zero_grad_clears_every_parameter():
    mlp = MLP(2, [3, 1], seed=0)
    mlp([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())  # a Value's grad is a number


def test_gradient_matches_finite_differences_through_an_mlp():
    mlp = MLP(2, [3, 1], activation="tanh", seed=3)
    x = [0.7, -0.2]
    mlp(x).backward()
    p = mlp.parameters()[4]
    analytic = p.grad
    eps = 1e-6
    p.data += eps
    up = mlp(x).data
    p.data -= 2 * eps
    down = mlp(x).data
    p.data += eps
    assert analytic == pytest.approx((up - down) / (2 * eps), rel=1e-6)


def test_the_scalar_and_tensor_modules_mirror_each_other_name_for_name():
    import inspect

    import micrograd_mlp
    import micrograd_mlp.nn as scalar_nn
    import micrograd_mlp.tensor.nn as tensor_nn
    from micrograd_mlp import functional as scalar_functional
    from micrograd_mlp import tensor

    assert set(scalar_functional.__all__) == set(tensor.functional.__all__)
    assert set(scalar_nn.__all__) - {"Layer", "Neuron", "Module"} <= set(tensor_nn.__all__)
    for name in ("Linear", "MLP"):
        s, t = getattr(scalar_nn, name), getattr(tensor_nn, name)
        shared = ["nin", "nout", "seed"] if name == "Linear" else ["nin", "nouts", "activation"]
        for cls in (s, t):
            assert list(inspect.signature(cls).parameters)[: len(shared)] == shared, cls
    a, b = scalar_nn.Linear(3, 2, seed=1), tensor_nn.Linear(3, 2, seed=1)
    assert a.state_dict().keys() == b.state_dict().keys()
    np.testing.assert_allclose(a.state_dict()["weight"], b.state_dict()["weight"], rtol=1e-7)
    out = a([1.0, 2.0, 3.0])
    expected = b(np.array([1.0, 2.0, 3.0])).data
    np.testing.assert_allclose([v.data for v in out], expected, rtol=1e-6)
    ops = {m for m in dir(micrograd_mlp.Value) if not m.startswith("_")} - {"dot", "label"}
    missing = {m for m in ops if not hasattr(tensor.Tensor, m)}
    assert not missing, f"Value ops without a Tensor twin: {missing}"
