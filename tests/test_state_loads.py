"""Every load_state_dict (optimizers, schedulers, Module in both engines) is all or nothing: each
field of a state dict is checked for type, finiteness, range and integrality before anything is
assigned, a refusal is one ValueError/KeyError/TypeError naming the field, and afterwards the
object behaves exactly as if the load had never been tried (issue 20, item 1)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from micrograd_mlp.engine import Value
from micrograd_mlp.module import Module
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from micrograd_mlp.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    StepLR,
)
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.nn import MLP as TensorMLP

#: State entries that are sums or averages of squares: never negative in a real run.
SQUARES = {"exp_avg_sq", "max_exp_avg_sq", "sum", "square_avg"}
STRINGS = np.array(["0.5", "1e3"], dtype=object)  # numbers written as text: never parsed

# Each optimizer with the options that make every state entry exist.
OPTIMIZERS = {
    "SGD": lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1),
    "Adam": lambda ps: Adam(ps, lr=0.01, amsgrad=True),
    "AdamW": lambda ps: AdamW(ps, lr=0.01),
    "RMSprop": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "Adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01),
}


def stepped(name):
    """An optimizer over a float32 Tensor, a float64 Tensor and a Value, after two steps."""
    params = [
        Tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True),
        Tensor(np.array([0.5, -0.25]), requires_grad=True),
        Value(1.5),
    ]
    opt = OPTIMIZERS[name](params)
    for t in range(2):
        params[0].grad = np.full((2, 3), 0.5 + t, np.float32)
        params[1].grad = np.array([1.0, -2.0]) * (t + 1)
        params[2].grad = 0.25 - t
        opt.step()
    return opt, params


def snapshot(opt):
    """Everything a load could change: hyperparameters, state, and the parameters' values."""
    state = {k: np.array(v, copy=True) for k, v in opt.state_dict().items()}
    data = [np.array(p.data, copy=True) for p in opt.params]
    return state, data


def assert_unchanged(opt, before):
    state, data = snapshot(opt)
    assert state.keys() == before[0].keys()
    for key, value in state.items():
        np.testing.assert_array_equal(value, before[0][key], err_msg=key)
    for now, then in zip(data, before[1]):
        np.testing.assert_array_equal(now, then)


def next_step(opt, params):
    """One more step with fixed gradients; the parameters' values after it."""
    params[0].grad = np.full((2, 3), -0.75, np.float32)
    params[1].grad = np.array([0.3, 0.1])
    params[2].grad = 0.5
    opt.step()
    return [np.array(p.data, copy=True) for p in params]


def first_entry(opt, name):
    """The state key of parameter 0's entry ``name`` (e.g. ``state.0.exp_avg``)."""
    return f"state.0.{name}"


# ------------------------------------------------------------------------------ optimizers
def bad_optimizer_cases(name):
    """(description, changes to a good state dict, expected message) for optimizer ``name``."""
    opt, _ = stepped(name)
    good = opt.state_dict()
    moments = sorted({k.split(".")[2] for k in good if k.startswith("state.0.")} - {"step"})
    cases = [
        ("lr as text", {"lr": np.array("0.5", dtype=object)}, "lr must be a real number"),
        ("lr negative", {"lr": np.array(-0.1)}, "lr must be >= 0"),
        ("lr infinite", {"lr": np.array(np.inf)}, "lr must be finite"),
        ("lr an array", {"lr": np.array([0.1, 0.2])}, "lr must be a real number"),
        ("maximize 1", {"maximize": np.array(1)}, "maximize must be True or False"),
        ("a ragged list", {"lr": [[1.0], [1.0, 2.0]]}, "lr must be a real number"),
    ]
    if "step" in {k.split(".")[2] for k in good if k.startswith("state.")}:
        cases += [
            # The probe's case: a good lr beside an overflowing step count. The lr used to be
            # set and the moments wiped before the step count overflowed int64.
            ("step 1e300 with a new lr", {"lr": np.array(0.5), "state.0.step": np.array(1e300)},
             re.escape("state.0.step must be an integer from 1 to 2**53, got 1e+300")),
            ("step 2**70", {"state.0.step": 2**70}, "state.0.step must be an integer from 1"),
            ("step int64 max", {"state.0.step": np.int64(2**63 - 1)},
             "state.0.step must be an integer from 1 to 2\\*\\*53"),
            ("step infinite", {"state.0.step": np.array(np.inf)}, "state.0.step must be an integ"),
            ("step NaN", {"state.0.step": np.array(np.nan)}, "state.0.step must be an integer"),
            ("step 2.5", {"state.0.step": np.array(2.5)}, "must be an integer, got 2.5"),
            ("step 0", {"state.0.step": np.array(0)}, "state.0.step must be an integer from 1"),
            ("step True", {"state.0.step": np.array(True)}, "state.0.step: not real numeric data"),
            ("step as text", {"state.0.step": "3"}, "state.0.step: not real numeric data"),
            ("step an array", {"state.0.step": np.array([2, 2])}, "must be one integer"),
        ]
    for moment in moments:
        key = first_entry(opt, moment)
        shape = good[key].shape
        cases += [
            (f"{moment} as text", {key: np.full(shape, "0.5", dtype=object)},
             f"{key}: not real numeric data \\(ndarray holding str '0.5'\\)"),
            (f"{moment} as a str array", {key: np.full(shape, "0.5")},
             f"{key}: not real numeric data \\(ndarray of <U3\\)"),
            (f"{moment} complex", {key: np.full(shape, 1 + 1j)}, f"{key}: not real numeric"),
            (f"{moment} NaN", {key: np.full(shape, np.nan)}, f"{key}: contains NaN or infinity"),
            # Finite in float64, infinite once cast to the parameter's float32.
            (f"{moment} beyond float32", {key: np.full(shape, 1e300)},
             f"{key}: a value beyond the parameter's float32 range"),
            (f"{moment} a huge int", {key: np.full(shape, 10**400, dtype=object)},
             f"{key}: an integer beyond float64's range"),
            (f"{moment} wrong shape", {key: np.zeros(7)}, f"{key}: shape \\(7,\\)"),
        ]
    for moment in sorted(SQUARES & set(moments)):
        key = first_entry(opt, moment)
        cases.append((f"{moment} negative", {key: -np.ones(good[key].shape)},
                      f"{key}: negative values"))
    return [(name, *case) for case in cases]


CASES = [case for name in OPTIMIZERS for case in bad_optimizer_cases(name)]


@pytest.mark.parametrize(("name", "what", "changes", "message"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_optimizer_refuses_every_bad_field_and_changes_nothing(name, what, changes, message):
    opt, params = stepped(name)
    twin, twin_params = stepped(name)  # never offered the bad state: the reference
    before = snapshot(opt)
    with pytest.raises(ValueError, match=message) as info:
        opt.load_state_dict({**opt.state_dict(), **changes})
    assert f"{name}.load_state_dict: nothing loaded" in str(info.value)
    assert "\n" not in str(info.value)
    assert_unchanged(opt, before)
    for ours, theirs in zip(next_step(opt, params), next_step(twin, twin_params)):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_load_refuses_bad_containers_and_keys(name):
    opt, _ = stepped(name)
    before = snapshot(opt)
    good = opt.state_dict()
    with pytest.raises(TypeError, match=f"{name}.load_state_dict expects a mapping.*got list"):
        opt.load_state_dict(list(good.items()))
    with pytest.raises(KeyError, match=r"unexpected keys: \[5\]"):
        opt.load_state_dict({**good, 5: np.array(1.0)})
    # "state.01.step" would name parameter 1 a second time: refused, not merged.
    renamed = {k.replace("state.1.", "state.01."): v for k, v in good.items()}
    with pytest.raises(KeyError, match="unexpected keys: .*'state.01."):
        opt.load_state_dict(renamed)
    assert_unchanged(opt, before)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_good_state_in_other_forms_loads(name):
    # What a checkpoint may hand back: plain lists and numbers (JSON), int arrays, PyTorch's
    # float step, object arrays of numbers. All load, and the next step is the same.
    opt, params = stepped(name)
    good = opt.state_dict()
    forms = {k: np.asarray(v).tolist() for k, v in good.items()}
    for key in forms:
        if key.endswith(".step"):
            forms[key] = float(forms[key])  # torch.optim saves step as a float tensor
        elif key.startswith("state.") and not isinstance(forms[key], float):
            forms[key] = np.array(forms[key], dtype=object)
    twin, twin_params = stepped(name)
    twin.load_state_dict(forms)
    for ours, theirs in zip(next_step(opt, params), next_step(twin, twin_params)):
        np.testing.assert_array_equal(ours, theirs)


# ------------------------------------------------------------------------------ schedulers
SCHEDULERS = {
    "StepLR": lambda o: StepLR(o, step_size=2, gamma=0.5),
    "ExponentialLR": lambda o: ExponentialLR(o, gamma=0.9),
    "LinearLR": lambda o: LinearLR(o, start_factor=0.5, total_iters=4),
    "CosineAnnealingLR": lambda o: CosineAnnealingLR(o, T_max=4, eta_min=0.01),
}
INT_ARGUMENT = {"StepLR": "step_size", "LinearLR": "total_iters", "CosineAnnealingLR": "T_max"}


def scheduled(name, epochs=3):
    opt = SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.2)
    sched = SCHEDULERS[name](opt)
    for _ in range(epochs):
        sched.step()
    return sched


def scheduler_cases(name):
    cases = [
        # int fields: integers only (2.7 used to be truncated to 2), in range, finite.
        ("last_epoch", 2.7, "last_epoch must be an integer, got 2.7"),
        ("last_epoch", json.loads("Infinity"), "last_epoch must be an integer, got inf"),
        ("last_epoch", math.nan, "last_epoch must be an integer, got nan"),
        ("last_epoch", -1, "last_epoch must be an integer from 0 to 2\\*\\*53, got -1"),
        ("last_epoch", 10**30, "last_epoch must be an integer from 0 to 2\\*\\*53"),
        ("last_epoch", "3", "last_epoch: not real numeric data \\(str '3'\\)"),
        ("last_epoch", True, "last_epoch: not real numeric data \\(bool True\\)"),
        ("last_epoch", [3, 4], "last_epoch must be one integer"),
        ("_step_count", 0, "_step_count must be an integer from 1"),
        ("_step_count", 2.0, "_step_count must be an integer, got 2.0"),
        ("_step_count", 9, "_step_count must be at most last_epoch \\+ 1 = 4"),
        # rates: one finite number >= 0 each
        ("base_lrs", [-0.1], "base_lrs must be >= 0"),
        ("base_lrs", [0.1, 0.2], "base_lrs must be a list of one rate"),
        ("base_lrs", STRINGS[:1], "base_lrs: not real numeric data \\(ndarray holding str"),
        ("_last_lr", [math.inf], "_last_lr must be finite"),
        ("_last_lr", [[0.1]], "_last_lr must be a list of one rate"),
    ]
    if name in INT_ARGUMENT:
        arg = INT_ARGUMENT[name]
        cases += [
            (arg, 2.0, f"{arg} must be an integer, got 2.0"),  # as the constructor refuses 2.0
            (arg, 2.5, f"{arg} must be an integer, got 2.5"),
            (arg, 0, f"{arg} must be an integer from 1"),
            (arg, np.array([2, 3]), f"{arg} must be one integer"),
        ]
    if name in ("StepLR", "ExponentialLR"):
        cases += [
            ("gamma", -0.5, "gamma must be >= 0"),
            ("gamma", math.nan, "gamma must be finite"),
            ("gamma", "0.5", "gamma: not real numeric data"),
        ]
    if name == "CosineAnnealingLR":
        cases += [("eta_min", -0.01, "eta_min must be >= 0"), ("eta_min", [0.1, 0.2], "one number")]
    if name == "LinearLR":
        cases += [("start_factor", 0.0, "start_factor must be in \\(0, 1\\]"),
                  ("end_factor", STRINGS, "end_factor: not real numeric data")]
    return [(name, *case) for case in cases]


SCHED_CASES = [case for name in SCHEDULERS for case in scheduler_cases(name)]


@pytest.mark.parametrize(("name", "key", "value", "message"), SCHED_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]!r}" for c in SCHED_CASES])
def test_scheduler_refuses_every_bad_field_and_changes_nothing(name, key, value, message):
    sched, twin = scheduled(name), scheduled(name)
    before = sched.state_dict()
    lr = sched.optimizer.lr
    with pytest.raises(ValueError, match=message) as info:
        sched.load_state_dict({**before, key: value})
    assert f"{name}.load_state_dict: nothing loaded" in str(info.value)
    after = sched.state_dict()
    assert after.keys() == before.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)
    assert sched.optimizer.lr == lr and sched.get_last_lr() == twin.get_last_lr()
    for _ in range(5):  # and it schedules on exactly as one never offered the bad state
        sched.step()
        twin.step()
        assert sched.get_last_lr() == twin.get_last_lr()


OTHERS = {  # the same kind of scheduler with other arguments, to be stepped to another epoch
    "StepLR": lambda o: StepLR(o, step_size=3, gamma=0.25),
    "ExponentialLR": lambda o: ExponentialLR(o, gamma=0.5),
    "LinearLR": lambda o: LinearLR(o, start_factor=0.25, end_factor=0.5, total_iters=6),
    "CosineAnnealingLR": lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.05),
}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("base_lrs", [math.nan], "base_lrs must be finite"),
        ("_last_lr", [-1.0], "_last_lr must be >= 0"),
        ("_step_count", 0, "_step_count must be an integer from 1"),
        ("_step_count", 99, "_step_count must be at most last_epoch \\+ 1 = 7"),
    ],
)
@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_refusal_assigns_no_good_field_either(name, key, value, message):
    # A state whose every other field is good but differs from the scheduler's own (other
    # arguments, another epoch): the refusal must leave all of them unassigned, not only the
    # bad one (the arguments and last_epoch are checked first; nothing is set until the end).
    other = OTHERS[name](SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.9))
    for _ in range(6):
        other.step()
    sched, twin = scheduled(name), scheduled(name)
    before = sched.state_dict()
    offered = {**other.state_dict(), key: value}
    assert all(not np.array_equal(offered[k], before[k]) for k in before if k != key)
    with pytest.raises(ValueError, match=message):
        sched.load_state_dict(offered)
    after = sched.state_dict()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)
    for _ in range(5):
        sched.step()
        twin.step()
        assert sched.get_last_lr() == twin.get_last_lr()


def test_scheduler_load_refuses_bad_containers():
    sched = scheduled("StepLR")
    with pytest.raises(TypeError, match="StepLR.load_state_dict expects a mapping.*NoneType"):
        sched.load_state_dict(None)
    with pytest.raises(KeyError, match=r"unexpected keys: \['7'\]"):
        sched.load_state_dict({**sched.state_dict(), 7: 1})
    with pytest.raises(ValueError, match="^gamma must be >= 0, got -0.1"):
        StepLR(SGD([Value(1.0)], lr=0.1), step_size=1, gamma=-0.1)  # as the load refuses it


# ---------------------------------------------------------------------------------- Module
@pytest.mark.parametrize("engine", ["scalar", "tensor"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (STRINGS[:1].repeat(2), "not real numeric data \\(ndarray holding str '0.5'\\)"),
        (np.array(["0.5", "1e3"]), "not real numeric data \\(ndarray of <U3\\)"),
        (np.array([10**400, 1], dtype=object), "an integer beyond float64's range"),
        (np.array([1.0, None], dtype=object), "not real numeric data \\(ndarray holding NoneT"),
        ([[1.0], [1.0, 2.0]], "not real numeric data \\(list"),
    ],
)
def test_module_refuses_object_arrays_of_text_and_huge_ints(engine, value, message):
    # An object array of numeric strings used to be parsed into numbers and loaded.
    model = MLP(2, [2], seed=0) if engine == "scalar" else TensorMLP(2, [2], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=f"nothing loaded; layers.0.bias: {message}"):
        model.load_state_dict({**before, "layers.0.bias": value})
    for key, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[key])


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_module_loads_object_arrays_of_numbers_and_refuses_a_non_bool_strict(engine):
    model = MLP(2, [2], seed=0) if engine == "scalar" else TensorMLP(2, [2], seed=0)
    state = model.state_dict()
    bias = np.array([1, np.float64(0.5)], dtype=object)  # numbers in an object array: fine
    model.load_state_dict({**state, "layers.0.bias": bias})
    np.testing.assert_array_equal(model.state_dict()["layers.0.bias"], [1.0, 0.5])
    with pytest.raises(TypeError, match="strict must be True or False, got 'no'"):
        model.load_state_dict(state, strict="no")
    np.testing.assert_array_equal(model.state_dict()["layers.0.bias"], [1.0, 0.5])


@pytest.mark.parametrize("engine", ["scalar", "tensor64", "tensor32"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.nan, "contains NaN or infinity"),
        (-np.inf, "contains NaN or infinity"),
        (1e300, "a value beyond the model's float32 range"),
    ],
)
def test_module_refusal_loads_none_of_the_good_entries(engine, value, message):
    # Every other entry is good and differs from the model's own (another seed): a refused
    # state must load none of them. 1e300 is finite in float64 (loaded there, exactly).
    def make(seed):
        if engine == "scalar":
            return MLP(2, [3, 2], seed=seed)
        dtype = np.float64 if engine == "tensor64" else np.float32
        return TensorMLP(2, [3, 2], seed=seed, dtype=dtype)

    model, other = make(0), make(1)
    before = model.state_dict()
    offered = other.state_dict()
    offered["layers.1.bias"] = np.array([0.5, value])
    if value == 1e300 and engine != "tensor32":
        model.load_state_dict(offered)
        assert model.state_dict()["layers.1.bias"].tolist() == [0.5, 1e300]
        return
    with pytest.raises(ValueError, match=f"nothing loaded; layers.1.bias: {message}"):
        model.load_state_dict(offered)
    for key, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[key], err_msg=key)


class Affine(Module):
    """A user's module with its own parameters (Module's default state dict and loading)."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.scale = Tensor(rng.normal(size=3), requires_grad=True)  # float64
        self.shift = Value(float(rng.normal()))
        self.body = MLP(3, [2], seed=seed)


@pytest.mark.parametrize("engine", ["scalar", "tensor64", "tensor32", "custom"])
def test_module_state_dict_and_load_copy_the_arrays(engine):
    # state_dict() hands out copies, load_state_dict() copies in: changing either dict
    # afterwards leaves the model alone, and an optimizer made before the load steps the
    # loaded values.
    if engine == "scalar":
        model, source = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    elif engine == "custom":
        model, source = Affine(0), Affine(1)
    else:
        dtype = np.float64 if engine == "tensor64" else np.float32
        model = TensorMLP(2, [3, 1], seed=0, dtype=dtype)
        source = TensorMLP(2, [3, 1], seed=1, dtype=dtype)
    opt = SGD(model.parameters(), lr=0.5)
    saved = model.state_dict()
    expected = {k: v.copy() for k, v in saved.items()}
    for array in saved.values():
        array[...] = 7.0
    for key, array in model.state_dict().items():
        np.testing.assert_array_equal(array, expected[key], err_msg=key)
    offered = source.state_dict()
    loaded = {k: v.copy() for k, v in offered.items()}
    model.load_state_dict(offered)
    for array in offered.values():
        array[...] = 9.0
    for key, array in model.state_dict().items():
        np.testing.assert_array_equal(array, loaded[key], err_msg=key)
    for p in model.parameters():
        p.grad = np.ones_like(p.data) if isinstance(p, Tensor) else 1.0
    opt.step()
    for key, array in model.state_dict().items():
        np.testing.assert_allclose(array, loaded[key] - 0.5, rtol=1e-6, err_msg=key)
