"""The scalar training loop: fit, train_step and the finite-loss guard."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd_mlp.engine import Value
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.optim import SGD
from micrograd_mlp.training import (
    History,
    NonFiniteLossError,
    check_finite,
    fit,
    print_progress,
    train_step,
)


def _line(n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    return x, 3.0 * x[:, 0] - 0.5 + rng.normal(0.0, 0.05, size=n)


def _squared_error(outputs: list[Value], targets: np.ndarray) -> Value:
    """Mean squared error written with ``d * d``: float multiplication overflows to inf quietly
    (``**`` raises OverflowError), so a diverging run goes on to inf and NaN losses."""
    diffs = [o - float(t) for o, t in zip(outputs, targets)]
    return Value.sum([d * d for d in diffs]) / len(diffs)


def _diverging_setup() -> tuple[Neuron, np.ndarray, np.ndarray, SGD]:
    # Inputs up to 3 make the curvature of the MSE 2 E[x^2] ~ 9.3 > 2 / lr: each step overshoots
    # the minimum by more than it corrects, so |w| grows geometrically until floats overflow.
    X = np.array([[1.0], [2.0], [3.0]])
    y = np.array([1.0, 2.0, 3.0])
    neuron = Neuron(1, activation="linear", seed=0)
    return neuron, X, y, SGD(neuron.parameters(), lr=1.0)


def test_fit_reduces_the_loss_and_finds_least_squares() -> None:
    X, y = _line()
    neuron = Neuron(1, activation="linear", seed=1)
    history = fit(neuron, X, y, mse_loss, SGD(neuron.parameters(), lr=0.5), epochs=200)
    assert isinstance(history, History)
    assert history.steps == 200 and len(history.epoch_loss) == 200
    assert history.loss[-1] < 0.1 * history.loss[0]
    (w, b), *_ = np.linalg.lstsq(np.column_stack([X[:, 0], np.ones(len(X))]), y, rcond=None)
    assert neuron.weight[0].data == pytest.approx(w, abs=1e-6)
    assert neuron.bias.data == pytest.approx(b, abs=1e-6)


def test_fit_mini_batches_metric_and_reproducible_shuffling() -> None:
    X, y = _line(n=10)

    def run(seed: int) -> tuple[History, list[float]]:
        model = MLP(1, [4, 1], activation="tanh", seed=0)
        metric_calls: list[int] = []

        def metric(outputs: list, targets: np.ndarray) -> float:
            metric_calls.append(len(outputs))
            assert len(outputs) == len(targets)
            return float(np.mean([abs(o.data - t) for o, t in zip(outputs, targets)]))

        history = fit(
            model, X, y, mse_loss, SGD(model.parameters(), lr=0.1), 3, 4, seed, metric=metric
        )
        assert metric_calls == [4, 4, 2] * 3  # ceil(10 / 4) = 3 batches per epoch, last one short
        return history, [p.data for p in model.parameters()]

    (h1, p1), (h2, p2), (h3, p3) = run(7), run(7), run(8)
    assert h1.steps == 9 and len(h1.metric) == 9 and len(h1.epoch_metric) == 3
    assert h1.loss == h2.loss and p1 == p2
    assert h1.loss != h3.loss and p1 != p3  # another seed, another batch order
    # The epoch loss is the batch-size-weighted mean of its steps' losses.
    assert h1.epoch_loss[0] == pytest.approx(np.average(h1.loss[:3], weights=[4, 4, 2]))


def test_fit_lr_schedule_and_callback() -> None:
    X, y = _line(n=5)
    neuron = Neuron(1, activation="linear", seed=0)
    optimizer = SGD(neuron.parameters(), lr=1.0)
    seen: list[tuple[int, int]] = []
    fit(
        neuron,
        X,
        y,
        mse_loss,
        optimizer,
        4,
        callback=lambda epoch, history: seen.append((epoch, history.steps)),
        lr_schedule=lambda step: 0.1 / (step + 1),
    )
    assert seen == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert optimizer.lr == pytest.approx(0.1 / 4)


def test_non_finite_loss_stops_before_the_update_and_names_the_step() -> None:
    # Reference: the same run without the guard, to find where the loss stops being finite.
    neuron, X, y, optimizer = _diverging_setup()
    with np.errstate(all="ignore"):
        reference = fit(neuron, X, y, _squared_error, optimizer, 400, check_finite=False)
    assert reference.steps == 400  # check_finite=False: the run goes on to the end
    losses = np.array(reference.loss)
    assert not np.all(np.isfinite(losses))
    first_bad = int(np.argmin(np.isfinite(losses)))
    assert first_bad > 10  # it diverges gradually: the first steps are finite

    neuron, X, y, optimizer = _diverging_setup()
    snapshots: list[dict[str, np.ndarray]] = [neuron.state_dict()]
    with pytest.raises(NonFiniteLossError) as caught:
        fit(
            neuron,
            X,
            y,
            _squared_error,
            optimizer,
            400,
            callback=lambda epoch, history: snapshots.append(neuron.state_dict()),
        )
    error = caught.value
    assert isinstance(error, FloatingPointError)
    assert error.step == first_bad and error.epoch == first_bad  # full batch: one step per epoch
    assert not math.isfinite(error.loss)
    assert f"step {first_bad}" in str(error) and repr(error.loss) in str(error)
    # The parameters are those the failing step started from: its update was not applied.
    assert len(snapshots) == first_bad + 1
    for name, array in neuron.state_dict().items():
        np.testing.assert_array_equal(array, snapshots[-1][name])
    assert np.all(np.isfinite(np.concatenate([a.ravel() for a in snapshots[-1].values()])))


def test_overflow_while_computing_the_loss_is_a_non_finite_loss() -> None:
    # mse_loss squares with ``**``, which raises OverflowError instead of returning inf.
    neuron = Neuron(1, activation="linear", seed=0)
    neuron.weight[0].data = 1e160  # the output 1e160 is finite; its square is not
    before = neuron.state_dict()
    with pytest.raises(NonFiniteLossError) as caught:
        fit(neuron, [[1.0]], [0.0], mse_loss, SGD(neuron.parameters(), lr=0.1), 3)
    assert caught.value.loss == math.inf and caught.value.step == 0
    assert isinstance(caught.value.__cause__, OverflowError)
    for name, array in neuron.state_dict().items():
        np.testing.assert_array_equal(array, before[name])
    with pytest.raises(OverflowError):  # opted out: the arithmetic error itself
        fit(
            neuron,
            [[1.0]],
            [0.0],
            mse_loss,
            SGD(neuron.parameters(), lr=0.1),
            3,
            check_finite=False,
        )


def test_check_finite() -> None:
    check_finite(0.25, 3)
    check_finite(-1e308, 0)
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(NonFiniteLossError, match="step 12") as caught:
            check_finite(bad, 12)
        assert caught.value.step == 12 and caught.value.epoch is None
    with pytest.raises(FloatingPointError, match=r"step 5 \(epoch 2\)"):
        check_finite(np.float32("nan"), 5, epoch=2)


def test_train_step_returns_the_loss_graph_and_updates() -> None:
    neuron = Neuron(2, activation="linear", seed=0)
    before = [p.data for p in neuron.parameters()]
    outputs: list[Value] = []
    loss = train_step(
        neuron,
        [[1.0, 2.0], [0.5, -1.0]],
        [1.0, 0.0],
        mse_loss,
        SGD(neuron.parameters(), lr=0.1),
        outputs=outputs,
    )
    assert len(outputs) == 2 and loss.topological_order()[-1] is loss
    # Each parameter moved by -lr * grad (plain SGD): the step was applied after backward.
    for p, old in zip(neuron.parameters(), before):
        assert p.data == pytest.approx(old - 0.1 * p.grad)
        assert p.grad != 0.0


def test_fit_bad_input() -> None:
    neuron = Neuron(1, activation="linear", seed=0)
    optimizer = SGD(neuron.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"X \(3,\).*y \(3,\)"):
        fit(neuron, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], mse_loss, optimizer, 1)
    with pytest.raises(ValueError, match=r"X \(3, 1\).*y \(2,\)"):
        fit(neuron, [[1.0], [2.0], [3.0]], [1.0, 2.0], mse_loss, optimizer, 1)
    with pytest.raises(ValueError, match="no samples"):
        fit(neuron, np.zeros((0, 1)), np.zeros(0), mse_loss, optimizer, 1)
    for epochs in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="epochs must be a positive integer"):
            fit(neuron, [[1.0]], [1.0], mse_loss, optimizer, epochs)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        fit(neuron, [[1.0]], [1.0], mse_loss, optimizer, 1, batch_size=0)
    with pytest.raises(TypeError, match="loss_fn must return one Value"):
        fit(neuron, [[1.0]], [1.0], lambda o, t: mse_loss(o, t, reduction="none"), optimizer, 1)


def test_print_progress(capsys: pytest.CaptureFixture[str]) -> None:
    callback = print_progress(every=2, total=5, metric_name="accuracy")
    history = History()
    for epoch in range(5):
        history.epoch_loss.append(1.0 / (epoch + 1))
        history.epoch_metric.append(epoch / 4)
        callback(epoch, history)
    lines = capsys.readouterr().out.splitlines()
    # After epochs 1 (the first), 2 and 4 (every 2nd) and 5 (the last).
    assert [line.split()[1] for line in lines] == ["1/5", "2/5", "4/5", "5/5"]
    assert "loss 0.200000" in lines[-1] and "accuracy 1.0000" in lines[-1]
