"""SGD and Adam: against torch.optim over several steps (Value floats and float64 arrays), the
checkpoint round trip of state_dict, the subnormal flush, and every error case."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_mlp.optim as optim
from micrograd_mlp.engine import Value
from micrograd_mlp.optim import SGD, Adam


class Param:
    """A stand-in for a Tensor parameter: .data and .grad (arrays or floats)."""

    def __init__(self, data):
        self.data = data
        self.grad = None


SGD_CONFIGS = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
]
ADAM_CONFIGS = [
    {},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.02, "betas": (0.3, 0.8), "eps": 1e-6},  # beta1 < 0.5: lerp's other branch
]
CONFIGS = [("SGD", c) for c in SGD_CONFIGS] + [("Adam", c) for c in ADAM_CONFIGS]


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="comparisons with torch.optim need torch")


def make_pair(torch, name, config, init):
    """Our optimizer over stand-in array params and Values, torch's over the same numbers."""
    arrays = [Param(a.copy()) for a in init[:-1]]
    scalars = [Value(float(x)) for x in init[-1]]
    ours = getattr(optim, name)(arrays + scalars, **config)
    t_params = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = getattr(torch.optim, name)(t_params, **config)
    return ours, arrays, scalars, theirs, t_params


def assert_same(arrays, scalars, t_params, rtol=1e-12):
    for p, t in zip(arrays, t_params):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=rtol, atol=1e-15)
    np.testing.assert_allclose(
        [v.data for v in scalars], t_params[-1].detach().numpy(), rtol=rtol, atol=1e-15
    )


@pytest.mark.parametrize(("name", "config"), CONFIGS)
def test_matches_torch_over_several_steps(torch, name, config):
    rng = np.random.default_rng(7)
    init = [rng.normal(size=(3, 4)), rng.normal(size=2), rng.normal(size=5)]
    ours, arrays, scalars, theirs, t_params = make_pair(torch, name, config, init)
    for step in range(6):
        grads = [rng.normal(size=a.shape) for a in init]
        for p, g in zip(arrays, grads):
            p.grad = g.copy()
        for v, g in zip(scalars, grads[-1]):
            v.grad = float(g)
        for t, g in zip(t_params, grads):
            t.grad = torch.tensor(g)
        if step == 3:  # a learning-rate schedule changes lr between steps
            ours.lr = theirs.param_groups[0]["lr"] = config.get("lr", 1e-3) / 2
        ours.step()
        theirs.step()
        assert_same(arrays, scalars, t_params)


@pytest.mark.parametrize(("name", "config"), [CONFIGS[2], CONFIGS[6]])
def test_none_grads_are_skipped_like_torch(torch, name, config):
    # Parameters whose grad is None keep their value and their state does not advance (their
    # own step count and momentum buffer start later), for arrays and for float parameters.
    rng = np.random.default_rng(3)
    init = [rng.normal(size=3), rng.normal(size=3)]
    arrays = [Param(init[0].copy())]
    floats = [Param(float(x)) for x in init[1]]
    ours = getattr(optim, name)(arrays + floats, **config)
    t_params = [torch.tensor(init[0], requires_grad=True)]
    t_params += [torch.tensor(x, requires_grad=True) for x in init[1]]
    theirs = getattr(torch.optim, name)(t_params, **config)
    for step in range(6):
        for k, (p, t) in enumerate(zip(arrays + floats, t_params)):
            skip = (step + k) % 3 == 0
            g = None if skip else rng.normal(size=np.shape(p.data))
            p.grad = g if g is None or np.ndim(g) else float(g)
            t.grad = None if skip else torch.tensor(g, dtype=torch.float64)
        ours.step()
        theirs.step()
        for p, t in zip(arrays + floats, t_params):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12)


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


# ---------------------------------------------------------------- torch-independent
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


def test_arrays_are_updated_in_place():
    data = np.ones((2, 3), dtype=np.float32)
    p = Param(data)
    for opt in (SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1), Adam([p])):
        grad = np.full((2, 3), 0.5, dtype=np.float32)
        p.grad = grad
        opt.step()
        assert p.data is data and data.dtype == np.float32
        np.testing.assert_array_equal(grad, 0.5)  # the gradient itself is untouched
    assert (data < 1).all()


def test_zero_grad_clears_values_and_arrays():
    v, p = Value(1.0), Param(np.zeros(2))
    v.grad, p.grad = 3.0, np.ones(2)
    SGD([v, p], lr=0.1).zero_grad()
    assert v.grad == 0.0 and p.grad is None


def trajectory(make_opt, params, grads_per_step):
    opt = make_opt(params)
    for grads in grads_per_step:
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
    return opt


def clone(params):
    return [
        Param(p.data.copy()) if isinstance(p.data, np.ndarray) else Value(p.data) for p in params
    ]


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
        lambda ps: Adam(ps, lr=0.01, weight_decay=1e-3),
    ],
)
def test_state_dict_round_trip_resumes_exactly(make_opt, tmp_path):
    rng = np.random.default_rng(11)
    params = [Param(rng.normal(size=(4, 3)).astype(np.float32)), Value(0.5), Value(-1.5)]

    def grads():
        return [rng.normal(size=(4, 3)).astype(np.float32), float(rng.normal()), rng.normal()]

    first, second = [grads() for _ in range(4)], [grads() for _ in range(4)]
    opt = trajectory(make_opt, params, first)
    # Checkpoint: parameters and optimizer state, through an .npz file as a trainer would.
    np.savez(tmp_path / "ckpt.npz", **opt.state_dict())
    resumed_params = clone(params)
    saved = dict(np.load(tmp_path / "ckpt.npz"))
    # Continue the original run.
    for grads_now in second:
        for p, g in zip(params, grads_now):
            p.grad = g
        opt.step()
    # Resume from the checkpoint in a fresh optimizer.
    fresh = make_opt(resumed_params)
    fresh.load_state_dict(saved)
    for grads_now in second:
        for p, g in zip(resumed_params, grads_now):
            p.grad = g
        fresh.step()
    np.testing.assert_array_equal(resumed_params[0].data, params[0].data)
    assert [v.data for v in resumed_params[1:]] == [v.data for v in params[1:]]
    assert saved["state.0." + ("exp_avg" if "betas" in saved else "momentum_buffer")].dtype == (
        np.float32
    )


def test_state_dict_is_a_copy_with_pytorch_names():
    p = Param(np.ones(3))
    p.grad = np.ones(3)
    opt = Adam([p, Value(2.0)], betas=(0.8, 0.9))
    assert opt.state_dict().keys() == {"lr", "betas", "eps", "weight_decay"}  # nothing yet
    opt.step()
    state = opt.state_dict()
    assert set(state) == {"lr", "betas", "eps", "weight_decay"} | {
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
    opt.step()
    good = opt.state_dict()
    bad_cases = [
        ({k: v for k, v in good.items() if k != "lr"}, KeyError, "missing keys: \\['lr'\\]"),
        ({**good, "foo": np.array(1)}, KeyError, "unexpected keys: \\['foo'\\]"),
        ({**good, "lr": np.array(-1.0)}, ValueError, "Invalid learning rate"),
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
            g = rng_grads[t]
            p.grad = g
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
    monkeypatch.setattr(optim, "_flush_subnormals", lambda *args, **kwargs: None)
    plain_p, plain_state, plain_m = run()

    def subnormal(x):
        return (x != 0) & (np.abs(x) < tiny)

    every = optim._FLUSH_EVERY
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
    for dtype in (np.float16, np.float32, np.float64):
        info = np.finfo(dtype)
        normal = [0.0, info.tiny, -info.tiny, 1.0, -3.5, info.max, np.inf, -np.inf]
        subnormal = [info.tiny / 2, -info.tiny / 2, info.smallest_subnormal]
        x = np.array(normal + subnormal + [np.nan], dtype=dtype)
        optim._flush_subnormals(x, optim._Scratch(x))
        np.testing.assert_array_equal(x[: len(normal)], np.array(normal, dtype=dtype))
        np.testing.assert_array_equal(x[len(normal) : -1], 0)
        assert np.isnan(x[-1])


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda ps: SGD(ps, lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), ValueError, "Invalid momentum value"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), ValueError, "Invalid weight_decay"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires"),
        (
            lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "zero dampening",
        ),
        (lambda ps: SGD(ps, lr="0.1"), TypeError, "lr must be a real number"),
        (lambda ps: SGD(ps, lr=float("nan")), ValueError, "finite"),
        (lambda ps: Adam(ps, lr=-1e-3), ValueError, "Invalid learning rate"),
        (lambda ps: Adam(ps, betas=(1.0, 0.999)), ValueError, "beta parameter at index 0: 1.0"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), ValueError, "beta parameter at index 1: -0.1"),
        (lambda ps: Adam(ps, betas=0.9), TypeError, "betas must be a pair"),
        (lambda ps: Adam(ps, eps=-1e-8), ValueError, "Invalid epsilon value"),
        (lambda ps: Adam(ps, weight_decay=-0.1), ValueError, "Invalid weight_decay"),
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


def test_grad_shape_mismatch_names_both_shapes():
    p = Param(np.zeros((2, 3)))
    p.grad = np.zeros(3)
    with pytest.raises(ValueError, match=r"parameter 0: grad of shape \(3,\).*shape \(2, 3\)"):
        Adam([p]).step()
