"""The optimizers and schedulers of ``micrograd_mlp.optim``: against torch.optim and
torch.optim.lr_scheduler over many steps (Value and Tensor parameters, maximize, weight decay,
missing gradients), the flat-buffer packing, exact resume through state_dict, the subnormal
flush, and every error case."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_mlp.optim as optim
from micrograd_mlp.engine import Value
from micrograd_mlp.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from micrograd_mlp.optim import adam as adam_module
from micrograd_mlp.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR
from micrograd_mlp.tensor import Tensor

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.02, "betas": (0.3, 0.8), "eps": 1e-6}),  # beta1 < 0.5: lerp's branch
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.3, "centered": True, "eps": 1e-4}),  # lerp's branch
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in c.items()) or 'defaults'}" for name, c in CONFIGS]


class Param:
    """A bare parameter: .data and .grad, nothing else (the optimizer needs no more)."""

    def __init__(self, data):
        self.data = data
        self.grad = None


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="comparisons with torch.optim need torch")


def make_params(init):
    """Tensor parameters for every array of ``init`` but the last, Values for the last one."""
    tensors = [Tensor(a.copy(), dtype=a.dtype, requires_grad=True) for a in init[:-1]]
    values = [Value(float(x)) for x in init[-1]]
    return tensors, values


def set_grads(tensors, values, t_params, grads, torch, skip=()):
    for k, (p, g) in enumerate(zip(tensors, grads)):
        p.grad = None if k in skip else g.copy()
    last = len(tensors)
    for j, (v, g) in enumerate(zip(values, grads[-1])):
        v.grad = None if (last, j) in skip or last in skip else float(g)
    for k, (t, g) in enumerate(zip(t_params, grads)):
        t.grad = None if k in skip else torch.tensor(g)


def assert_same(tensors, values, t_params, rtol):
    for p, t in zip(tensors, t_params):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(
        [v.data for v in values], t_params[-1].detach().numpy(), rtol=rtol, atol=rtol * 1e-3
    )


@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=IDS)
def test_matches_torch_over_many_steps(torch, name, config):
    # Tensor params of two shapes and Value params, float64: 30 steps, lr halved mid-way (as a
    # scheduler would), gradients sometimes missing for one tensor (torch skips it too).
    rng = np.random.default_rng(7)
    init = [rng.normal(size=(3, 4)), rng.normal(size=2), rng.normal(size=5)]
    tensors, values = make_params(init)
    ours = getattr(optim, name)(tensors + values, **config)
    t_params = [torch.tensor(a, requires_grad=True) for a in init]
    # Values are one torch tensor here: give that tensor one param group, so skip it whole.
    theirs = getattr(torch.optim, name)(t_params, **config)
    for step in range(30):
        grads = [rng.normal(size=a.shape) for a in init]
        skip = {1} if step % 7 == 3 else set()
        set_grads(tensors, values, t_params, grads, torch, skip)
        if step == 15:
            ours.lr = theirs.param_groups[0]["lr"] = ours.lr / 2
        ours.step()
        theirs.step()
        assert_same(tensors, values, t_params, rtol=1e-12)


@pytest.mark.parametrize(("name", "config"), CONFIGS[1::3], ids=IDS[1::3])
def test_float32_tensors_match_torch_within_float32_rounding(torch, name, config):
    rng = np.random.default_rng(2)
    init = [rng.normal(size=(16, 8)).astype(np.float32), rng.normal(size=16).astype(np.float32)]
    tensors = [Tensor(a.copy(), dtype=np.float32, requires_grad=True) for a in init]
    ours = getattr(optim, name)(tensors, **config)
    t_params = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = getattr(torch.optim, name)(t_params, **config)
    for _ in range(40):
        for p, t in zip(tensors, t_params):
            g = rng.normal(size=p.shape).astype(np.float32)
            p.grad, t.grad = g, torch.tensor(g)
        ours.step()
        theirs.step()
    for p, t in zip(tensors, t_params):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize(("name", "config"), CONFIGS[::2], ids=IDS[::2])
def test_missing_grads_skip_each_parameter_like_torch(torch, name, config):
    # Every parameter (three tensors, four Values) misses its gradient on its own schedule, so
    # their step counts and buffers drift apart: each must follow torch's per-parameter state.
    rng = np.random.default_rng(3)
    shapes = [(2, 3), (3,), (1,)]
    init = [rng.normal(size=s) for s in shapes] + [rng.normal(size=())for _ in range(4)]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in init[:3]]
    values = [Value(float(a)) for a in init[3:]]
    ours = getattr(optim, name)(tensors + values, **config)
    t_params = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = getattr(torch.optim, name)(t_params, **config)
    for step in range(12):
        for k, (p, t) in enumerate(zip(tensors + values, t_params)):
            skip = (step + k) % 3 == 0 or (step * k) % 5 == 1
            g = rng.normal(size=np.shape(t.detach().numpy()))
            p.grad = None if skip else (g if isinstance(p, Tensor) else float(g))
            t.grad = None if skip else torch.tensor(g)
        ours.step()
        theirs.step()
        for p, t in zip(tensors + values, t_params):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "config"), CONFIGS[2::4], ids=IDS[2::4])
def test_interleaved_values_and_mixed_dtypes_match_torch(torch, name, config):
    # Values between float64 tensors (their positions in the flat buffer are not one run) and
    # a float32 tensor (a second buffer): each parameter still follows torch's update.
    rng = np.random.default_rng(9)
    init = [rng.normal(size=()), rng.normal(size=(2, 2)), rng.normal(size=()),
            rng.normal(size=3).astype(np.float32), rng.normal(size=()), rng.normal(size=2)]
    params = [Tensor(a, dtype=a.dtype, requires_grad=True) if a.ndim else Value(float(a))
              for a in init]
    ours = getattr(optim, name)(params, **config)
    assert len(ours._buckets) == 2
    t_params = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = getattr(torch.optim, name)(t_params, **config)
    for step in range(15):
        for k, (p, t) in enumerate(zip(params, t_params)):
            g = rng.normal(size=np.shape(init[k])).astype(init[k].dtype)
            skip = (step + k) % 4 == 0
            p.grad = None if skip else (float(g) if isinstance(p, Value) else g)
            t.grad = None if skip else torch.tensor(g)
        ours.step()
        theirs.step()
    for p, t, a in zip(params, t_params, init):
        rtol = 1e-5 if a.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=rtol, atol=rtol * 1e-3)


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]),
    lr=st.floats(1e-4, 0.5),
    weight_decay=st.sampled_from([0.0, 1e-3, 0.3]),
    maximize=st.booleans(),
    momentum=st.sampled_from([0.0, 0.5, 0.95]),
    seed=st.integers(0, 2**16),
)
def test_property_random_hyperparameters_match_torch(
    name, lr, weight_decay, maximize, momentum, seed
):
    torch = pytest.importorskip("torch", reason="comparisons with torch.optim need torch")
    config = {"lr": lr, "weight_decay": weight_decay, "maximize": maximize}
    if name in ("SGD", "RMSprop"):
        config["momentum"] = momentum
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=(4, 2)), rng.normal(size=3)]
    tensors, values = make_params(init)
    ours = getattr(optim, name)(tensors + values, **config)
    t_params = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = getattr(torch.optim, name)(t_params, **config)
    for _ in range(10):
        grads = [rng.normal(size=a.shape) * rng.uniform(0.01, 10) for a in init]
        set_grads(tensors, values, t_params, grads, torch)
        ours.step()
        theirs.step()
    assert_same(tensors, values, t_params, rtol=1e-10)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_maximize_is_descent_on_the_negated_objective(name):
    # Gradient ascent on f = descent on -f: negation is exact, so the runs are bit-identical.
    extra = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    rng = np.random.default_rng(4)
    init = rng.normal(size=(5, 3))
    up = Tensor(init.copy(), requires_grad=True)
    down = Tensor(init.copy(), requires_grad=True)
    ascent = getattr(optim, name)([up], lr=0.05, weight_decay=0.01, maximize=True, **extra)
    descent = getattr(optim, name)([down], lr=0.05, weight_decay=0.01, **extra)
    for _ in range(20):
        g = rng.normal(size=init.shape)
        up.grad, down.grad = g, -g
        ascent.step()
        descent.step()
    np.testing.assert_array_equal(up.data, down.data)
    assert not np.array_equal(up.data, init)


def test_scalar_mlp_training_matches_torch(torch):
    # End to end: a scalar MLP, cross-entropy from functional, Adam; the same network in torch.
    from micrograd_mlp.functional import cross_entropy
    from micrograd_mlp.nn import MLP

    model = MLP(3, [5, 4], activation="tanh", seed=0)
    state = model.state_dict()
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4)
    ).double()
    with torch.no_grad():
        for i, layer in ((0, net[0]), (1, net[2])):
            layer.weight.copy_(torch.tensor(state[f"layers.{i}.weight"]))
            layer.bias.copy_(torch.tensor(state[f"layers.{i}.bias"]))
    x = np.random.default_rng(1).normal(size=(6, 3))
    y = [0, 1, 2, 3, 1, 0]
    opt, t_opt = Adam(model.parameters(), lr=0.05), torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(5):
        opt.zero_grad()
        cross_entropy([model(row.tolist()) for row in x], y).backward()
        opt.step()
        t_opt.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.tensor(x)), torch.tensor(y)).backward()
        t_opt.step()
    after = model.state_dict()
    for i, layer in ((0, net[0]), (1, net[2])):
        np.testing.assert_allclose(after[f"layers.{i}.weight"], layer.weight.detach(), rtol=1e-9)
        np.testing.assert_allclose(after[f"layers.{i}.bias"], layer.bias.detach(), rtol=1e-9)


def test_tensor_mlp_training_matches_torch(torch):
    # The Tensor engine's MLP (float64), RMSprop with momentum, a StepLR schedule; torch too.
    from micrograd_mlp.tensor import MLP
    from micrograd_mlp.tensor.functional import cross_entropy

    model = MLP(4, [8, 3], activation="relu", seed=0, dtype=np.float64)
    state = model.state_dict()
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    ).double()
    with torch.no_grad():
        for i, layer in ((0, net[0]), (1, net[2])):
            layer.weight.copy_(torch.tensor(state[f"layers.{i}.weight"]))
            layer.bias.copy_(torch.tensor(state[f"layers.{i}.bias"]))
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)
    opt = RMSprop(model.parameters(), lr=0.01, momentum=0.5)
    t_opt = torch.optim.RMSprop(net.parameters(), lr=0.01, momentum=0.5)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    t_sched = torch.optim.lr_scheduler.StepLR(t_opt, step_size=2, gamma=0.5)
    for _ in range(6):
        for _ in range(3):
            opt.zero_grad()
            cross_entropy(model(Tensor(x)), y).backward()
            opt.step()
            t_opt.zero_grad()
            torch.nn.functional.cross_entropy(net(torch.tensor(x)), torch.tensor(y)).backward()
            t_opt.step()
        sched.step()
        t_sched.step()
        assert sched.get_last_lr() == t_sched.get_last_lr()
    after = model.state_dict()
    for i, layer in ((0, net[0]), (1, net[2])):
        np.testing.assert_allclose(after[f"layers.{i}.weight"], layer.weight.detach(), rtol=1e-9)


# ---------------------------------------------------------------- flat buffers
def test_tensor_data_become_views_of_one_flat_buffer():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.ones(4, dtype=np.float32)
    pa, pb = Param(a), Param(b)
    opt = SGD([pa, pb, Value(2.0)], lr=0.1)
    # The user's arrays were copied: same values, shape and dtype, now views of one buffer.
    assert pa.data is not a and pa.data.base is not None and pa.data.base is pb.data.base
    np.testing.assert_array_equal(pa.data, a)
    assert pa.data.shape == (2, 3) and pa.data.dtype == np.float32
    assert pa.data.flags.c_contiguous
    pa.grad, pb.grad = np.ones((2, 3), np.float32), np.full(4, 2.0, np.float32)
    opt.step()
    np.testing.assert_allclose(pa.data, a - 0.1)
    np.testing.assert_allclose(pb.data, b - 0.2)
    np.testing.assert_array_equal(a, np.arange(6).reshape(2, 3))  # the original is left alone
    np.testing.assert_array_equal(pa.grad, 1.0)  # the gradient itself is untouched


def test_replaced_data_is_adopted_and_a_wrong_replacement_refused():
    p = Param(np.zeros(3))
    opt = SGD([p], lr=1.0)
    p.data = np.full(3, 5.0)  # e.g. a user's `p.data = ...`
    p.grad = np.ones(3)
    opt.step()
    np.testing.assert_array_equal(p.data, 4.0)
    p.grad = np.ones(3)
    opt.step()
    np.testing.assert_array_equal(p.data, 3.0)
    p.data = np.zeros(4)
    with pytest.raises(ValueError, match=r"parameter 0: its data was replaced by an array of "
                       r"shape \(4,\).*holds shape \(3,\)"):
        opt.step()


def test_value_parameters_stay_floats():
    vs = [Value(1.0), Value(-2.0)]
    opt = Adam(vs, lr=0.1)
    for v in vs:
        v.grad = 1.0
    opt.step()
    assert all(type(v.data) is float for v in vs)
    assert [round(v.data, 6) for v in vs] == [0.9, -2.1]  # lr * sign(g), up to eps


def test_sgd_hand_computed_steps():
    # p = 1, g = 0.5 twice, momentum 0.9, lr 0.1: buffer 0.5 then 0.9*0.5 + 0.5 = 0.95.
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        p.grad = 0.5
        opt.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5 - 0.1 * 0.95, rel=1e-15)


def test_adam_first_step_moves_each_parameter_by_lr():
    # After bias correction the first update is lr * g / (|g| + eps) ~ lr * sign(g).
    p = Param(np.array([1.0, -2.0, 3.0]))
    p.grad = np.array([0.3, -1e-3, 50.0])
    Adam([p], lr=0.01, eps=0.0).step()
    np.testing.assert_allclose(p.data, [0.99, -1.99, 2.99], rtol=1e-15)


def test_adamw_decays_weights_without_touching_the_moments():
    # With a zero gradient Adam's moments stay 0 and the step is 0; AdamW still shrinks p by
    # exactly (1 - lr * wd) per step, L2-Adam moves it by ~lr (the decay went into g).
    w, l2 = Param(np.full(2, 10.0)), Param(np.full(2, 10.0))
    opt_w, opt_l2 = AdamW([w], lr=0.1, weight_decay=0.5), Adam([l2], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        w.grad, l2.grad = np.zeros(2), np.zeros(2)
        opt_w.step()
        opt_l2.step()
    np.testing.assert_allclose(w.data, 10.0 * 0.95**3, rtol=1e-14)
    np.testing.assert_allclose(l2.data, 10.0 - 0.3, rtol=1e-4)
    assert opt_w.state_dict()["state.0.exp_avg"].tolist() == [0.0, 0.0]


def test_zero_grad_clears_values_and_tensors():
    from micrograd_mlp.module import clear_grad

    v, t = Value(1.0), Tensor(np.zeros(2), requires_grad=True)
    v.grad, t.grad = 3.0, np.ones(2)
    SGD([v, t], lr=0.1).zero_grad()
    expected = Value(5.0)
    expected.grad = 3.0
    clear_grad(expected)  # what "no gradient" is for a Value in this engine
    assert v.grad == expected.grad and t.grad is None


def test_repr_counts_tensors_and_parameters():
    from micrograd_mlp.tensor import MLP

    model = MLP(784, [256, 128, 10], seed=0)
    text = repr(Adam(model.parameters()))
    assert text.startswith("Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08")
    assert text.endswith("; 6 tensors, 235,146 parameters)")
    assert repr(SGD([Value(1.0), Value(2.0)], lr=0.1)).endswith("maximize=False; 2 parameters)")


# ---------------------------------------------------------------- state dict
def trajectory(opt, params, grads_per_step):
    for grads in grads_per_step:
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()


MAKERS = [
    lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: Adam(ps, lr=0.01, weight_decay=1e-3),
    lambda ps: Adam(ps, lr=0.01, amsgrad=True, maximize=True),
    lambda ps: AdamW(ps, lr=0.01),
    lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
]


@pytest.mark.parametrize("make_opt", MAKERS)
def test_state_dict_round_trip_resumes_exactly(make_opt, tmp_path):
    rng = np.random.default_rng(11)

    def fresh_params():
        return [Param(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)), Value(0.5),
                Value(-1.5)]

    def grads(t):
        g = [rng.normal(size=(4, 3)).astype(np.float32), float(rng.normal()), rng.normal()]
        if t % 3 == 1:
            g[1] = None  # a missing gradient: that parameter's step count falls behind
        return g

    first, second = [grads(t) for t in range(5)], [grads(t) for t in range(5)]
    params = fresh_params()
    opt = make_opt(params)
    trajectory(opt, params, first)
    np.savez(tmp_path / "ckpt.npz", **opt.state_dict())  # as a trainer's checkpoint would
    resumed = fresh_params()
    for p, q in zip(resumed, params):
        p.data = q.data.copy() if isinstance(q.data, np.ndarray) else q.data
    trajectory(opt, params, second)  # the original run goes on
    fresh = make_opt(resumed)
    fresh.load_state_dict(dict(np.load(tmp_path / "ckpt.npz")))
    trajectory(fresh, resumed, second)
    np.testing.assert_array_equal(resumed[0].data, params[0].data)
    assert [v.data for v in resumed[1:]] == [v.data for v in params[1:]]
    assert fresh.state_dict().keys() == opt.state_dict().keys()
    for key, value in opt.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[key], value, err_msg=key)


@pytest.mark.parametrize(("name", "config"), CONFIGS[1::2], ids=IDS[1::2])
def test_state_entries_have_torchs_names_and_values(torch, name, config):
    rng = np.random.default_rng(5)
    init = [rng.normal(size=(2, 3)), rng.normal(size=4)]
    ours = getattr(optim, name)([Param(a.copy()) for a in init], **config)
    t_params = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = getattr(torch.optim, name)(t_params, **config)
    for _ in range(3):
        for p, t in zip(ours.params, t_params):
            p.grad = rng.normal(size=p.data.shape)
            t.grad = torch.tensor(p.grad)
        ours.step()
        theirs.step()
    state = ours.state_dict()
    t_state = theirs.state_dict()["state"]
    for i in range(2):
        names = {k for k, v in t_state.get(i, {}).items() if v is not None}
        assert {k.split(".")[2] for k in state if k.startswith(f"state.{i}.")} == names
        for key in names:
            np.testing.assert_allclose(state[f"state.{i}.{key}"], t_state[i][key], rtol=1e-12)
    for key, value in theirs.param_groups[0].items():
        if key in state:
            np.testing.assert_array_equal(state[key], np.array(value), err_msg=key)


def test_checkpoint_without_newer_hyperparameters_still_loads():
    # A state dict written before maximize/amsgrad existed (as older checkpoints hold).
    p = Param(np.ones(3))
    old = {
        "lr": np.array(0.01), "betas": np.array([0.9, 0.999]), "eps": np.array(1e-8),
        "weight_decay": np.array(0.0), "state.0.step": np.array(2),
        "state.0.exp_avg": np.full(3, 0.1), "state.0.exp_avg_sq": np.full(3, 0.01),
    }
    opt = Adam([p], lr=0.5, maximize=True, amsgrad=True)
    opt.load_state_dict(old)
    assert (opt.lr, opt.maximize, opt.amsgrad) == (0.01, False, False)
    assert int(opt.state_dict()["state.0.step"]) == 2
    sgd = SGD([Param(np.ones(2))], lr=0.1, maximize=True)
    sgd.load_state_dict({"lr": np.array(0.2), "momentum": np.array(0.0),
                         "dampening": np.array(0.0), "weight_decay": np.array(0.0),
                         "nesterov": np.array(False)})
    assert sgd.lr == 0.2 and sgd.maximize is False


def test_state_dict_is_a_copy_with_pytorch_names():
    p = Param(np.ones(3))
    p.grad = np.ones(3)
    opt = Adam([p, Value(2.0)], betas=(0.8, 0.9))
    hyper = {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"}
    assert opt.state_dict().keys() == hyper  # nothing yet: Value(2.0) has no gradient
    opt.params[1].grad = 1.0
    opt.step()
    state = opt.state_dict()
    assert set(state) == hyper | {
        f"state.{i}.{k}" for i in (0, 1) for k in ("step", "exp_avg", "exp_avg_sq")
    }
    assert state["state.1.exp_avg"].shape == () and int(state["state.0.step"]) == 1
    np.testing.assert_array_equal(state["betas"], [0.8, 0.9])
    before = state["state.0.exp_avg"].copy()
    opt.step()
    np.testing.assert_array_equal(state["state.0.exp_avg"], before)


def test_load_state_dict_errors_change_nothing():
    p = Param(np.ones(3))
    p.grad = np.ones(3)
    opt = SGD([p, Value(1.0)], lr=0.1, momentum=0.9)
    opt.params[1].grad = 1.0
    opt.step()
    good = opt.state_dict()
    bad_cases = [
        ({k: v for k, v in good.items() if k != "lr"}, KeyError, "missing keys: \\['lr'\\]"),
        ({**good, "foo": np.array(1)}, KeyError, "unexpected keys: \\['foo'\\]"),
        ({**good, "lr": np.array(-1.0)}, ValueError, "lr must be >= 0"),
        ({**good, "state.0.momentum_buffer": np.ones(4)}, ValueError, r"shape \(4,\)"),
        ({**good, "state.5.momentum_buffer": np.ones(3)}, ValueError, "no parameter 5"),
        ({**good, "state.1.step": np.array(1)}, ValueError, "entries"),
    ]
    for state, error, message in bad_cases:
        with pytest.raises(error, match=message):
            opt.load_state_dict(state)
    assert opt.lr == 0.1
    np.testing.assert_array_equal(opt.state_dict()["state.0.momentum_buffer"], np.ones(3))


# ------------------------------------------------------------------ subnormal flush
def test_adam_flushes_subnormal_moments_without_changing_results(monkeypatch):
    # float32 parameters whose gradients stop: m decays by beta1 per step into the subnormal
    # range (below 1.18e-38) after ~750 steps; a tiny gradient puts v there at once.
    tiny = np.finfo(np.float32).tiny
    rng = np.random.default_rng(5)
    init = rng.uniform(0.5, 1.5, size=64).astype(np.float32)
    scale = np.geomspace(1e-1, 1e-6, 64).astype(np.float32)
    scale[0] = 1e-20  # v = (1 - beta2) g^2 = 1e-43: subnormal on the first step
    steps = 1008  # a multiple of the flush period

    def run():
        p = Param(init.copy())
        opt = Adam([p], lr=1e-3)
        history = []
        for t in range(steps):
            p.grad = rng_grads[t]
            opt.step()
            history.append(opt.state_dict()["state.0.exp_avg"])
        return p.data, opt.state_dict(), np.array(history)

    rng_grads = [
        (scale * rng.normal(size=64)).astype(np.float32) if t < 3 else np.zeros(64, np.float32)
        for t in range(steps)
    ]
    # Rows 1.. keep small nonzero gradients in a few entries so normal arithmetic continues.
    for t in range(3, steps):
        rng_grads[t][-4:] = rng.normal(size=4).astype(np.float32) * 1e-3
    flushed_p, flushed_state, flushed_m = run()
    monkeypatch.setattr(adam_module, "flush_subnormals", lambda *args, **kwargs: None)
    plain_p, plain_state, plain_m = run()

    def subnormal(x):
        return (x != 0) & (np.abs(x) < tiny)

    every = adam_module.FLUSH_EVERY
    assert steps % every == 0
    assert subnormal(plain_m).any() and subnormal(plain_state["state.0.exp_avg_sq"]).any()
    # After every flushing update (steps every, 2 every, ...) no moment is subnormal, so none
    # stays subnormal for more than `every` steps.
    assert subnormal(flushed_m).any()
    assert not subnormal(flushed_m[every - 1 :: every]).any()
    assert not subnormal(flushed_state["state.0.exp_avg_sq"]).any()
    assert (flushed_m[-1][:8] == 0).all()  # the decayed moments reached 0
    # Where the runs differ, the flushed one holds 0 and the unflushed one a subnormal; normal
    # values are identical, and so are the parameters.
    differ = flushed_m != plain_m
    assert differ.any()
    np.testing.assert_array_equal(flushed_m[differ], 0)
    assert subnormal(plain_m[differ]).all()
    np.testing.assert_array_equal(flushed_p, plain_p)


def test_flush_keeps_normals_zeros_and_specials():
    from micrograd_mlp.optim.optimizer import Work

    for dtype in (np.float16, np.float32, np.float64):
        info = np.finfo(dtype)
        normal = [0.0, info.tiny, -info.tiny, 1.0, -3.5, info.max, np.inf, -np.inf]
        subnormal = [info.tiny / 2, -info.tiny / 2, info.smallest_subnormal]
        x = np.array(normal + subnormal + [np.nan], dtype=dtype)
        adam_module.flush_subnormals(x, Work.like(x))
        np.testing.assert_array_equal(x[: len(normal)], np.array(normal, dtype=dtype))
        np.testing.assert_array_equal(x[len(normal) : -1], 0)
        assert np.isnan(x[-1])


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda ps: SGD(ps, lr=-0.1), ValueError, "^lr must be >= 0, got -0.1$"),
        (lambda ps: SGD(ps, lr=-1), ValueError, "^lr must be >= 0, got -1.0$"),
        (lambda ps: SGD(ps, lr=float("nan")), ValueError, "^lr must be finite, got nan$"),
        (lambda ps: SGD(ps, lr=float("inf")), ValueError, "^lr must be finite, got inf$"),
        (lambda ps: SGD(ps, lr=0.1, momentum=float("nan")), ValueError, "^momentum must be fin"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), ValueError, "^momentum must be >= 0"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), ValueError, "^weight_decay must be >= 0"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires"),
        (
            lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "zero dampening",
        ),
        (lambda ps: SGD(ps, lr="0.1"), TypeError, "^lr must be a real number, got str '0.1'$"),
        (lambda ps: SGD(ps, lr=0.1, maximize=1), TypeError, "^maximize must be True or False"),
        (lambda ps: Adam(ps, lr=-1e-3), ValueError, "^lr must be >= 0"),
        (lambda ps: Adam(ps, betas=(1.0, 0.999)), ValueError, r"^betas\[0\] must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), ValueError, r"^betas\[1\] must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=0.9), TypeError, "betas must be a pair"),
        (lambda ps: Adam(ps, eps=-1e-8), ValueError, "^eps must be >= 0"),
        (lambda ps: AdamW(ps, weight_decay=-0.1), ValueError, "^weight_decay must be >= 0"),
        (lambda ps: Adam(ps, amsgrad="yes"), TypeError, "^amsgrad must be True or False"),
        (lambda ps: RMSprop(ps, alpha=-0.5), ValueError, "^alpha must be >= 0"),
        (lambda ps: RMSprop(ps, centered=None), TypeError, "^centered must be True or False"),
        (lambda ps: Adagrad(ps, lr_decay=-1), ValueError, "^lr_decay must be >= 0"),
        (lambda ps: Adagrad(ps, initial_accumulator_value=float("inf")), ValueError,
         "^initial_accumulator_value must be finite"),
        (lambda ps: Adam([]), ValueError, "empty parameter list"),
        (lambda ps: SGD(iter([]), lr=0.1), ValueError, "empty parameter list"),
        (lambda ps: SGD(ps + ps, lr=0.1), ValueError, "parameter 1 appears more than once"),
        (lambda ps: SGD([1.0], lr=0.1), TypeError, "parameter 0 .float. has no .data"),
        (lambda ps: Adam([Param(np.arange(3))]), TypeError, "int64 data"),
        (lambda ps: Adam([Param("x")]), TypeError, "data of type str"),
    ],
)
def test_bad_construction(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])


def test_a_refused_optimizer_leaves_the_parameters_alone():
    data = np.ones(3)
    p = Param(data)
    with pytest.raises(ValueError, match="lr must be finite"):
        Adam([p], lr=float("inf"))
    assert p.data is data  # hyperparameters are checked before the data are packed


@pytest.mark.parametrize(
    ("param", "grad", "error", "message"),
    [
        (Param(np.zeros((2, 3))), np.zeros(3), ValueError,
         r"^parameter 0: grad of shape \(3,\) does not match data of shape \(2, 3\)$"),
        (Param(np.zeros(3)), [1.0, 2.0, 3.0], TypeError,
         r"^parameter 0: grad is a list; expected a NumPy array of shape \(3,\)"),
        (Param(np.zeros(2)), np.array([1j, 2j]), TypeError, "grad has complex128 data"),
        (Value(1.0), [1.0], TypeError, r"^parameter 0: grad is a list; expected a number"),
        (Value(1.0), "0.5", TypeError, "grad is a str"),
    ],
)
def test_bad_grads_are_named(param, grad, error, message):
    opt = SGD([param], lr=0.1)
    param.grad = grad
    with pytest.raises(error, match=message):
        opt.step()


# ------------------------------------------------------------------ schedulers
SCHEDULERS = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
]


def scheduler(name, opt, **kwargs):
    from micrograd_mlp.optim import lr_scheduler

    return getattr(lr_scheduler, name)(opt, **kwargs)


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULERS)
def test_schedulers_match_torch_epoch_by_epoch(torch, name, kwargs):
    # 25 epochs (past T_max: the cosine climbs back as torch's), an SGD and an Adam step per
    # epoch, the rates and the parameters equal to torch's.
    for make, t_make in ((lambda p: SGD(p, lr=0.2, momentum=0.9), torch.optim.SGD),
                         (lambda p: Adam(p, lr=0.2), torch.optim.Adam)):
        p = Tensor(np.ones(3), requires_grad=True)
        t = torch.ones(3, dtype=torch.float64, requires_grad=True)
        opt = make([p])
        t_opt = t_make([t], lr=0.2, **({"momentum": 0.9} if t_make is torch.optim.SGD else {}))
        ours = scheduler(name, opt, **kwargs)
        theirs = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
        assert ours.get_last_lr() == theirs.get_last_lr() == [0.2] and ours.last_epoch == 0
        for epoch in range(1, 26):
            p.grad, t.grad = np.full(3, 0.5), torch.full((3,), 0.5, dtype=torch.float64)
            opt.step()
            t_opt.step()
            ours.step()
            theirs.step()
            assert ours.last_epoch == theirs.last_epoch == epoch
            assert ours.get_last_lr() == theirs.get_last_lr()
            assert opt.lr == t_opt.param_groups[0]["lr"]
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 150},
     {"start_factor": 0.5, "end_factor": 1.0, "total_iters": 4}],
)
def test_linear_lr_matches_torch_and_its_closed_form(torch, kwargs):
    # Rates epoch by epoch equal to torch's (past total_iters too) and to the closed form.
    from micrograd_mlp.optim.lr_scheduler import LinearLR

    opt = SGD([Value(1.0)], lr=0.3)
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    ours, theirs = LinearLR(opt, **kwargs), torch.optim.lr_scheduler.LinearLR(t_opt, **kwargs)
    start, end = kwargs.get("start_factor", 1 / 3), kwargs.get("end_factor", 1.0)
    n = kwargs.get("total_iters", 5)
    for epoch in range(n + 5):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15)
        closed = 0.3 * (start + (end - start) * min(epoch, n) / n)
        assert ours.get_last_lr()[0] == pytest.approx(closed, rel=1e-12)
        t_opt.step()
        ours.step()
        theirs.step()


def test_linear_lr_refuses_factors_outside_their_intervals():
    from micrograd_mlp.optim.lr_scheduler import LinearLR

    opt = SGD([Value(1.0)], lr=0.3)
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\], got 0.0"):
        LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match=r"end_factor must be in \[0, 1\], got 1.5"):
        LinearLR(opt, end_factor=1.5)


@settings(max_examples=30, deadline=None)
@given(
    step_size=st.integers(1, 6),
    gamma=st.floats(0.05, 1.0),
    T_max=st.integers(1, 12),
    eta_min=st.floats(0.0, 0.05),
    lr=st.floats(1e-3, 1.0),
)
def test_property_schedules_equal_torch_and_closed_forms(step_size, gamma, T_max, eta_min, lr):
    torch = pytest.importorskip("torch", reason="comparisons with torch schedulers need torch")
    cases = [
        ("StepLR", {"step_size": step_size, "gamma": gamma},
         lambda e: lr * gamma ** (e // step_size)),
        ("ExponentialLR", {"gamma": gamma}, lambda e: lr * gamma**e),
        ("CosineAnnealingLR", {"T_max": T_max, "eta_min": eta_min},
         lambda e: eta_min + (lr - eta_min) * (1 + np.cos(np.pi * e / T_max)) / 2),
    ]
    for name, kwargs, closed in cases:
        opt = SGD([Value(1.0)], lr=lr)
        t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
        ours = scheduler(name, opt, **kwargs)
        theirs = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
        for epoch in range(1, 3 * T_max + 2):
            t_opt.step()
            ours.step()
            theirs.step()
            assert ours.get_last_lr() == theirs.get_last_lr()
            assert ours.get_last_lr()[0] == pytest.approx(closed(epoch), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULERS)
def test_scheduler_state_dict_resumes_exactly(name, kwargs, tmp_path):
    opt = Adam([Value(1.0)], lr=0.3)
    ours = scheduler(name, opt, **kwargs)
    for _ in range(5):
        ours.step()
    np.savez(tmp_path / "s.npz", **ours.state_dict())
    opt_state = opt.state_dict()
    rest = []
    for _ in range(8):
        ours.step()
        rest.append(ours.get_last_lr())
    opt2 = Adam([Value(1.0)], lr=0.3)
    resumed = scheduler(name, opt2, **kwargs)  # made fresh, then loaded (PyTorch's pattern)
    opt2.load_state_dict(opt_state)
    resumed.load_state_dict(dict(np.load(tmp_path / "s.npz")))
    assert resumed.last_epoch == 5
    again = []
    for _ in range(8):
        resumed.step()
        again.append(resumed.get_last_lr())
    assert again == rest


def test_scheduler_state_survives_json():
    # A trainer may keep the schedule's state as JSON (plain lists and numbers).
    import json

    opt = SGD([Value(1.0)], lr=0.5)
    sched = CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
    for _ in range(4):
        sched.step()
    text = json.dumps({k: np.asarray(v).tolist() for k, v in sched.state_dict().items()})
    fresh = CosineAnnealingLR(SGD([Value(1.0)], lr=0.5), T_max=6, eta_min=0.01)
    fresh.load_state_dict(json.loads(text))
    fresh.optimizer.lr = opt.lr
    sched.step()
    fresh.step()
    assert fresh.get_last_lr() == sched.get_last_lr() and fresh.last_epoch == 5


def test_step_lr_hand_computed():
    opt = SGD([Value(0.0)], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    seen = [sched.get_last_lr()[0]]
    for _ in range(5):
        sched.step()
        seen.append(opt.lr)
    assert seen == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01], rel=1e-12)
    assert "StepLR(step_size=2, gamma=0.1; last_epoch=5" in repr(sched)


def test_scheduler_errors():
    opt = SGD([Value(0.0)], lr=1.0)
    with pytest.raises(ValueError, match="^step_size must be a positive integer, got 0"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="^T_max must be a positive integer"):
        CosineAnnealingLR(opt, T_max=2.5)
    with pytest.raises(ValueError, match="^gamma must be finite"):
        ExponentialLR(opt, gamma=float("nan"))
    with pytest.raises(ValueError, match="^eta_min must be >= 0"):
        CosineAnnealingLR(opt, T_max=3, eta_min=-1)
    with pytest.raises(TypeError, match="has no lr"):
        StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="no initial_lr; make the scheduler with last_epoch=-1"):
        ExponentialLR(SGD([Value(0.0)], lr=1.0), gamma=0.5, last_epoch=3)
    sched = ExponentialLR(opt, gamma=0.5)
    with pytest.raises(KeyError, match=r"missing keys: \['gamma'\]"):
        sched.load_state_dict({k: v for k, v in sched.state_dict().items() if k != "gamma"})
    with pytest.raises(ValueError, match="nothing loaded; gamma must be finite"):
        sched.load_state_dict({**sched.state_dict(), "gamma": np.array(np.inf)})
    assert sched.gamma == 0.5
