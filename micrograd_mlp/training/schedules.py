"""What a resumed run does with its learning-rate schedule when its number of epochs changes.

A schedule planned over a number of epochs (``CosineAnnealingLR``'s ``T_max``, ``LinearLR``'s
``total_iters``) does not know that a run was extended. :func:`extend_schedule` says how it
goes on, as the learner chooses (PyTorch leaves it to the training script; these are the two
usual choices):

* ``"continue"`` -- as if the run had been planned for the new number of epochs from the start:
  the plan becomes the new total and the rate is the one such a run has at this epoch (a cosine
  planned over 20 epochs and extended to 30 goes on from where a 30-epoch cosine is at epoch
  20, a quarter of the initial rate). A schedule without a plan (``ExponentialLR``,
  ``StepLR``) simply goes on. Resuming an interrupted run to the same total changes nothing:
  the run continues exactly.
* ``"restart"`` -- a warm restart (Loshchilov & Hutter, SGDR, 2017): the rate goes back to its
  initial value and the schedule starts anew, planned over the epochs left.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

__all__ = ["PLAN_ARGUMENTS", "SCHEDULE_POLICIES", "extend_schedule", "plan_argument"]

#: The choices of :func:`extend_schedule` (and of ``micrograd-mlp train --resume-schedule``).
SCHEDULE_POLICIES = ("continue", "restart")
#: Scheduler arguments that plan a schedule over a number of epochs.
PLAN_ARGUMENTS = ("T_max", "total_iters")


def plan_argument(scheduler: Any) -> str | None:
    """The argument of ``scheduler`` that plans it over epochs (``"T_max"``...), or None."""
    return next((n for n in PLAN_ARGUMENTS if n in getattr(scheduler, "_hyper", ())), None)


def extend_schedule(scheduler: Any, start_epoch: int, epochs: int, how: str = "continue") -> str:
    """Prepare a restored ``scheduler`` (and its optimizer's rate) for epochs ``start_epoch + 1``
    to ``epochs`` of a resumed run (see the module docstring).

    Args:
        scheduler: a scheduler of :mod:`micrograd_mlp.optim.lr_scheduler`, its state restored.
        start_epoch: the epochs already trained (the checkpoint's).
        epochs: the run's total number of epochs now.
        how: ``"continue"`` or ``"restart"``.

    Returns:
        What was done: ``"kept"`` (the schedule goes on as saved: nothing left to train, or
        nothing to re-plan), ``"continued"`` (re-planned over the new total) or
        ``"restarted"``.

    Raises:
        ValueError: ``how`` is not one of :data:`SCHEDULE_POLICIES`.
        TypeError: the scheduler is not one of :mod:`micrograd_mlp.optim.lr_scheduler`'s.
    """
    if how not in SCHEDULE_POLICIES:
        raise ValueError(f"how must be one of {list(SCHEDULE_POLICIES)}, got {how!r}")
    left = epochs - start_epoch
    if left <= 0:
        return "kept"
    names = getattr(scheduler, "_hyper", None)
    if names is None or not hasattr(scheduler, "base_lrs"):
        raise TypeError(
            f"extend_schedule: {type(scheduler).__name__} is not a scheduler of "
            "micrograd_mlp.optim.lr_scheduler"
        )
    plan = plan_argument(scheduler)
    if how == "continue":
        if plan is None or getattr(scheduler, plan) == scheduler.last_epoch + left:
            return "kept"
        total, steps = scheduler.last_epoch + left, scheduler.last_epoch
    else:
        total, steps = left, 0
    arguments = {name: getattr(scheduler, name) for name in names}
    if plan is not None:
        arguments[plan] = total
    # The schedule a fresh run would follow, stepped to where this one is: its rates are those
    # of a run planned this way from the start, to the last bit.
    fresh = type(scheduler)(SimpleNamespace(lr=scheduler.base_lrs[0]), **arguments)
    for _ in range(steps):
        fresh.step()
    scheduler.load_state_dict(fresh.state_dict())
    scheduler.optimizer.lr = fresh.get_last_lr()[0]
    return "continued" if how == "continue" else "restarted"
