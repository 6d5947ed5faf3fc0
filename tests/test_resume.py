"""Resuming from saved state equals never stopping (issue 20, item 2), for every optimizer and
every scheduler, bit for bit: parameters that had not stepped when the state was saved (a
Tensor whose grad was None) or had fallen behind, a state dict that went through an ``.npz``
file or JSON, and an optimizer or scheduler that had already been used before the load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from micrograd_mlp.engine import Value
from micrograd_mlp.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from micrograd_mlp.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    StepLR,
)
from micrograd_mlp.tensor import Tensor

# Every optimizer, and every branch of its rule that keeps state.
OPTIMIZERS = {
    "SGD": lambda ps: SGD(ps, lr=0.1),
    "SGD-momentum-dampening": lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.3),
    "SGD-nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    "Adam": lambda ps: Adam(ps, lr=0.01),
    "Adam-amsgrad": lambda ps: Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True),
    "AdamW": lambda ps: AdamW(ps, lr=0.01),
    "AdamW-amsgrad": lambda ps: AdamW(ps, lr=0.02, betas=(0.3, 0.8), amsgrad=True),
    "RMSprop": lambda ps: RMSprop(ps, lr=0.01),
    "RMSprop-momentum-centered": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "Adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2),
}
STEPS, SAVE_AFTER = 7, 3


def fresh_params():
    """Two float64 Tensors, a float32 Tensor (its own bucket) and two Values."""
    return [
        Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True),
        Tensor(np.array([0.5, -0.25, 1.0, 2.0]), requires_grad=True),
        Tensor(np.array([0.1, 0.2, -0.3], np.float32), dtype=np.float32, requires_grad=True),
        Value(1.5),
        Value(-0.5),
    ]


def gradients(step: int, rng: np.random.Generator) -> list:
    """Step ``step``'s gradients (1-based). Parameter 1 has none before the save (it has never
    stepped when the state is saved); parameter 2 has one at step 2 only before the save, and
    none at step 4 (its step count falls behind the others')."""
    grads = [
        rng.normal(size=(2, 3)),
        rng.normal(size=4),
        rng.normal(size=3).astype(np.float32),
        float(rng.normal()),
        float(rng.normal()),
    ]
    if step <= SAVE_AFTER:
        grads[1] = None
    if step in (1, 3, 4):
        grads[2] = None
    return grads


def run(opt, params, steps, rng):
    for step in steps:
        for p, g in zip(params, gradients(step, rng)):
            p.grad = g
        opt.step()


def values(params):
    return [np.array(p.data, copy=True) for p in params]


def set_values(params, saved):
    """What Module.load_state_dict does: Tensors in place (the optimizer holds views)."""
    for p, v in zip(params, saved):
        if isinstance(p, Tensor):
            p.data[...] = v
        else:
            p.data = float(v)


@pytest.mark.parametrize("used_before", [False, True], ids=["fresh", "used-optimizer"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_resume_equals_an_uninterrupted_run(name, used_before, tmp_path):
    make = OPTIMIZERS[name]
    params = fresh_params()
    opt = make(params)
    rng = np.random.default_rng(0)
    run(opt, params, range(1, SAVE_AFTER + 1), rng)
    state = opt.state_dict()
    assert not any(k.startswith("state.1.") for k in state)  # parameter 1 never stepped
    np.savez(tmp_path / "ckpt.npz", **state)
    saved_values = values(params)
    rng_state = rng.bit_generator.state
    run(opt, params, range(SAVE_AFTER + 1, STEPS + 1), rng)  # the uninterrupted run goes on

    resumed = fresh_params()
    fresh = make(resumed)
    if used_before:  # a step with other gradients first: the load must replace all of it
        for p in resumed:
            p.grad = np.ones_like(p.data) if isinstance(p, Tensor) else 1.0
        fresh.step()
    set_values(resumed, saved_values)
    with np.load(tmp_path / "ckpt.npz") as data:
        fresh.load_state_dict(dict(data))
    rng = np.random.default_rng(0)
    rng.bit_generator.state = rng_state
    run(fresh, resumed, range(SAVE_AFTER + 1, STEPS + 1), rng)

    for ours, theirs in zip(values(resumed), values(params)):
        np.testing.assert_array_equal(ours, theirs)
    final, expected = fresh.state_dict(), opt.state_dict()
    assert final.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_array_equal(final[key], value, err_msg=key)


# ------------------------------------------------------------------------------ schedulers
SCHEDULERS = {
    "StepLR": lambda o: StepLR(o, step_size=2, gamma=0.5),
    "ExponentialLR": lambda o: ExponentialLR(o, gamma=0.9),
    "LinearLR": lambda o: LinearLR(o),
    "LinearLR-decay": lambda o: LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=4),
    "CosineAnnealingLR": lambda o: CosineAnnealingLR(o, T_max=3, eta_min=0.01),
}
EPOCHS = 10


def optimizer(lr=0.3):
    return Adam([Tensor(np.ones(2), requires_grad=True)], lr=lr)


def as_json(state):
    """The scheduler's state as a trainer's checkpoint keeps it: JSON of plain values."""
    return json.loads(json.dumps({k: np.asarray(v).tolist() for k, v in state.items()}))


@pytest.mark.parametrize("nudged", [False, True], ids=["", "lr-set-by-hand"])
@pytest.mark.parametrize("used_before", [False, True], ids=["fresh", "used-scheduler"])
@pytest.mark.parametrize("save_at", [0, 1, 2, 4, 7])  # 0: just made; 2: just set by hand
@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_resume_equals_an_uninterrupted_run(name, save_at, used_before, nudged):
    make = SCHEDULERS[name]
    opt = optimizer()
    sched = make(opt)
    last_lrs, states, saved = [sched.get_last_lr()], [as_json(sched.state_dict())], None
    for epoch in range(1, EPOCHS + 1):
        if epoch - 1 == save_at:
            saved = (opt.state_dict(), as_json(sched.state_dict()))
        sched.step()
        last_lrs.append(sched.get_last_lr())
        states.append(as_json(sched.state_dict()))
        assert opt.lr == last_lrs[-1][0]
        if nudged and epoch == 2:
            # Something else changes the rate (by hand, as a warm restart would): the schedule
            # goes on from it (the recursive forms), and get_last_lr() still says what the
            # scheduler itself last set.
            opt.lr *= 0.5
    # A fresh optimizer made with another rate: everything must come from the saved state.
    opt2 = optimizer(lr=0.7)
    resumed = make(opt2)
    if used_before:
        for _ in range(2):
            resumed.step()
    opt2.load_state_dict(saved[0])
    resumed.load_state_dict(saved[1])
    # The last rate after the load is the uninterrupted run's at that epoch, and the rates (and
    # the whole state) go on as that run's did, to the last bit.
    assert resumed.last_epoch == save_at
    assert resumed.get_last_lr() == last_lrs[save_at]
    assert as_json(resumed.state_dict()) == states[save_at]
    for epoch in range(save_at + 1, EPOCHS + 1):
        resumed.step()
        assert resumed.get_last_lr() == last_lrs[epoch], f"epoch {epoch}"
        assert opt2.lr == last_lrs[epoch][0]
        assert as_json(resumed.state_dict()) == states[epoch], f"epoch {epoch}"
        if nudged and epoch == 2:  # the same change by hand, in the resumed run
            opt2.lr *= 0.5
