"""The one training loop of both engines: fit, evaluate, History, callbacks, train_step, the
finite-loss guard, Module.train()/eval() and Dropout, progress bars."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import micrograd_mlp.functional as F
import micrograd_mlp.tensor.functional as TF
from micrograd_mlp import progress
from micrograd_mlp.data import DataLoader
from micrograd_mlp.engine import Value
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.optim.lr_scheduler import ExponentialLR
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.nn import MLP as TensorMLP
from micrograd_mlp.tensor.nn import Dropout
from micrograd_mlp.training import (
    Callback,
    Checkpointing,
    Evaluate,
    History,
    LambdaCallback,
    NonFiniteLossError,
    ProgressLog,
    Schedule,
    check_finite,
    evaluate,
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


def test_fit_has_at_most_ten_parameters() -> None:
    import inspect

    assert len(inspect.signature(fit).parameters) <= 10


def test_fit_callbacks_functions_and_a_schedule() -> None:
    X, y = _line(n=5)
    neuron = Neuron(1, activation="linear", seed=0)
    optimizer = SGD(neuron.parameters(), lr=1.0)
    seen: list[tuple[int, int]] = []
    also: list[int] = []
    history = fit(
        neuron,
        X,
        y,
        mse_loss,
        optimizer,
        4,
        callbacks=[
            lambda epoch, history: seen.append((epoch, history.steps)),  # a plain function
            LambdaCallback(on_epoch_end=lambda epoch, history: also.append(epoch)),
            Schedule(ExponentialLR(optimizer, gamma=0.5)),  # once per epoch
        ],
    )
    assert seen == [(0, 1), (1, 2), (2, 3), (3, 4)] and also == [0, 1, 2, 3]
    assert history.lr == [1.0, 0.5, 0.25, 0.125] and optimizer.lr == 0.0625
    with pytest.raises(TypeError, match="callbacks must be Callback objects or functions"):
        fit(neuron, X, y, mse_loss, optimizer, 1, callbacks=["print"])
    with pytest.raises(TypeError, match="on_epoch_end must be a function"):
        LambdaCallback(on_epoch_end=3)
    with pytest.raises(TypeError, match="learning-rate scheduler with step"):
        Schedule(optimizer.lr)
    second = Schedule(ExponentialLR(optimizer, gamma=0.5))
    with pytest.raises(ValueError, match="one Schedule per run"):
        fit(neuron, X, y, mse_loss, optimizer, 1,
            callbacks=[Schedule(ExponentialLR(optimizer, gamma=0.5)), second])  # fmt: skip


def test_callbacks_run_in_list_order_with_checkpointing_last(tmp_path) -> None:
    calls: list[str] = []

    class Spy(Callback):
        def __init__(self, name: str) -> None:
            self.name = name

        def on_epoch_end(self, run) -> None:
            calls.append(self.name)

    class SpyCheckpointing(Checkpointing):
        def on_epoch_end(self, run) -> None:
            calls.append("checkpoint")
            super().on_epoch_end(run)

    neuron = Neuron(1, activation="linear", seed=0)
    fit(neuron, [[1.0]], [1.0], mse_loss, SGD(neuron.parameters(), lr=0.1), 1,
        callbacks=[Spy("a"), SpyCheckpointing(tmp_path / "c.npz"), Spy("b")])  # fmt: skip
    assert calls == ["a", "b", "checkpoint"]


def _manual_losses(steps: int) -> list[float]:
    """The diverging run by hand (the five lines of a step, no guard): the loss of each step."""
    neuron, X, y, optimizer = _diverging_setup()
    losses = []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            loss = _squared_error([neuron(x) for x in X.tolist()], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.data)
    return losses


def test_non_finite_loss_stops_before_the_update_and_names_the_step() -> None:
    # Reference: the same run without the guard, to find where the loss stops being finite.
    losses = np.array(_manual_losses(400))
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
            callbacks=[lambda epoch, history: snapshots.append(neuron.state_dict())],
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


# ------------------------------------------- one loop for both engines (issue 8 item 4)
def _blobs(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D (float64 inputs, int64 classes)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    return centres[y] + rng.normal(0.0, 0.7, size=(n, 4)), y


def _tensor_run(epochs: int, path=None, resume: bool = False, dropout: float = 0.3):
    X, y = _blobs()
    model = TensorMLP(4, [16, 3], seed=0, dtype=np.float64, dropout=dropout)
    optimizer = Adam(model.parameters(), lr=0.05)
    scheduler = ExponentialLR(optimizer, gamma=0.8)
    loader = DataLoader(X, y, batch_size=16, shuffle=True, seed=3, normalize=False)
    callbacks = [Evaluate(DataLoader(X, y, batch_size=50, normalize=False)), Schedule(scheduler)]
    if path is not None:
        callbacks.append(Checkpointing(path, resume=resume, config={"dropout": dropout}))
    history = fit(
        model,
        loader,
        loss_fn=TF.cross_entropy,
        optimizer=optimizer,
        epochs=epochs,
        metric=accuracy,
        callbacks=callbacks,
    )
    return model, optimizer, scheduler, history


def test_fit_trains_the_tensor_engine_from_a_loader_with_an_epoch_scheduler():
    model, optimizer, scheduler, history = _tensor_run(4)
    assert history.epoch == [1, 2, 3, 4] and history.steps == 4 * 8
    assert history.metric_name == "accuracy"
    # The scheduler stepped once per epoch (PyTorch's unit): lr 0.05 * 0.8**k in epoch k.
    assert history.lr == pytest.approx([0.05 * 0.8**k for k in range(4)])
    assert scheduler.get_last_lr() == pytest.approx([0.05 * 0.8**4])
    assert history.epoch_loss[-1] < 0.5 * history.epoch_loss[0]
    assert len(history.test_loss) == 4 and history.test_metric[-1] > 0.9
    assert model.training  # fit leaves the mode as it found it
    series = history.to_dict()
    assert list(series) == [
        "epoch", "lr", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"
    ]  # fmt: skip


def test_resume_with_dropout_and_a_scheduler_is_bit_for_bit(tmp_path):
    straight_model, straight_opt, _, straight = _tensor_run(3)
    path = tmp_path / "run.npz"
    _tensor_run(2, path)
    model, opt, scheduler, resumed = _tensor_run(3, path, resume=True)
    for key, value in straight_model.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[key], value)
    for key, value in straight_opt.state_dict().items():
        np.testing.assert_array_equal(opt.state_dict()[key], value)
    assert resumed.loss == straight.loss and resumed.test_loss == straight.test_loss
    assert resumed.lr == straight.lr and scheduler.last_epoch == 3
    # The masks matter: another dropout rate trains other weights.
    other, _, _, _ = _tensor_run(3, dropout=0.31)
    assert not np.array_equal(
        other.state_dict()["layers.0.weight"], model.state_dict()["layers.0.weight"]
    )


def test_fit_switches_train_and_eval_mode():
    X, y = _blobs(40)
    model = TensorMLP(4, [8, 3], seed=0, dropout=0.5)
    seen: list[tuple[str, bool]] = []
    forward = model.__call__

    class Spy(type(model)):
        def __call__(self, x):
            seen.append(("eval" if not self.training else "train", self.dropout.training))
            return forward(x)

    model.__class__ = Spy
    model.eval()  # fit puts it in training mode, and back to eval at the end
    fit(model, (X, y), loss_fn=TF.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2, batch_size=20, seed=0, callbacks=[Evaluate((X, y))])  # fmt: skip
    assert seen == [("train", True)] * 2 + [("eval", False)] + [("train", True)] * 2 + [
        ("eval", False)
    ]
    assert not model.training and not model.dropout.training


def test_evaluate_is_the_same_for_both_engines():
    X, y = _blobs(30)
    scalar = MLP(4, [5, 3], activation="tanh", seed=2)
    tensor = TensorMLP(4, [5, 3], activation="tanh", seed=2, dtype=np.float64)
    a = evaluate(scalar, (X, y), F.cross_entropy, accuracy)
    loader = DataLoader(X, y, batch_size=7, normalize=False, dtype=np.float64)
    b = evaluate(tensor, loader, TF.cross_entropy, accuracy)
    assert a.loss == pytest.approx(b.loss, rel=1e-9) and a.metric == pytest.approx(b.metric)
    np.testing.assert_allclose(a.outputs, b.outputs, rtol=1e-9)
    np.testing.assert_array_equal(a.predictions, b.predictions)


def test_fit_trains_the_scalar_engine_from_a_loader_too():
    X, y = _blobs(24)
    model = MLP(4, [6, 3], activation="tanh", seed=0)
    history = fit(
        model,
        DataLoader(X, y, batch_size=8, shuffle=True, seed=0, normalize=False, dtype=np.float64),
        loss_fn=F.cross_entropy,
        optimizer=SGD(model.parameters(), lr=0.2),
        epochs=5,
        metric=accuracy,
    )
    assert history.steps == 15 and history.epoch_loss[-1] < history.epoch_loss[0]


def test_fit_refuses_data_without_batches_and_stray_arguments():
    model = TensorMLP(4, [3], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="yields no batches"):
        fit(model, [], loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=1)
    with pytest.raises(TypeError, match="missing required argument.*loss_fn.*epochs"):
        fit(model, [], optimizer=optimizer)
    X, y = _blobs(10)
    loader = DataLoader(X, y, batch_size=5, normalize=False)
    for stray in ({"batch_size": 2}, {"seed": 0}):
        with pytest.raises(ValueError, match="batch_size and seed are for"):
            fit(model, loader, loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=1, **stray)


# ------------------------------------------------------------------------------ dropout
def test_dropout_is_inverted_dropout_and_the_identity_in_eval_mode():
    layer = Dropout(0.25, seed=0)
    x = Tensor(np.ones((400, 250)), requires_grad=True)
    out = layer(x)
    kept = out.data != 0
    assert abs(1 - kept.mean() - 0.25) < 0.01  # each element dropped with probability p
    np.testing.assert_allclose(out.data[kept], 1 / 0.75)  # survivors scaled by 1/(1-p)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # d(x m/(1-p))/dx = m/(1-p), same mask
    assert layer(x).data.tolist() != out.data.tolist()  # a fresh mask every call
    layer.eval()
    assert layer(x) is x  # evaluation: the identity
    assert Dropout(1.0).__call__(x).data.max() == 0.0 and Dropout(0.0)(x) is x
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="p must be"):
            Dropout(bad)
    with pytest.raises(ValueError, match="dropout must be"):
        TensorMLP(4, [3], dropout=1.0)


def test_dropout_matches_torch_semantics():
    torch = pytest.importorskip("torch", reason="torch compares dropout's semantics")
    x = np.random.default_rng(0).normal(size=(300, 200))
    ours = Dropout(0.4, seed=1)(Tensor(x)).data
    theirs = torch.nn.functional.dropout(torch.from_numpy(x), p=0.4, training=True).numpy()
    for out in (ours, theirs):  # the same rule; the masks themselves come from other generators
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / 0.6, rtol=1e-12)
        assert abs(kept.mean() - 0.6) < 0.01
    ev = torch.nn.Dropout(0.4).eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(Dropout(0.4).eval()(Tensor(x)).data, ev)


def test_module_train_eval_reach_every_submodule():
    model = TensorMLP(4, [8, 8, 3], seed=0, dropout=0.1)
    assert model.training and all(m.training for _, m in model._named_modules())
    assert model.eval() is model and not any(m.training for _, m in model._named_modules())
    assert model.train() is model and model.dropout.training
    with pytest.raises(TypeError, match="True or False"):
        model.train("no")
    assert list(model.state_dict()) == [
        f"layers.{i}.{k}" for i in range(3) for k in ("weight", "bias")
    ]


# ----------------------------------------------------------------------------- progress
def test_progress_is_one_line_per_epoch_in_a_log_and_bars_on_a_terminal(capsys, monkeypatch):
    X, y = _blobs(40)
    model = TensorMLP(4, [8, 3], seed=0)

    def run() -> None:
        optimizer = SGD(model.parameters(), lr=0.1)
        fit(model, (X, y), loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=3, batch_size=10,
            seed=0, metric=accuracy, callbacks=[ProgressLog()])  # fmt: skip

    run()
    captured = capsys.readouterr()
    assert captured.err == ""  # stderr is not a terminal: no bars flooding the log
    lines = captured.out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "train loss" in lines[0] and "accuracy" in lines[0]
    monkeypatch.setattr(progress, "bars_visible", lambda stream=None: True)
    run()
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and "40.0/40.0" in err  # tqdm bars, counting samples


def test_tqdm_auto_only_with_ipywidgets(monkeypatch):
    import importlib.util

    from tqdm.std import tqdm as plain

    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real(name)
    )
    assert progress._tqdm_class() is plain  # no "IProgress not found" warning in Jupyter
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        progress.progress_bar(total=3, enabled=False).close()


def test_importing_the_library_loads_no_tqdm():
    code = "import sys, micrograd_mlp, micrograd_mlp.data; print('tqdm' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False" and result.stderr == ""


def test_scalar_dropout_follows_the_same_rule():
    from micrograd_mlp.nn import Dropout as ScalarDropout

    layer = ScalarDropout(0.5, seed=0)
    xs = [Value(2.0) for _ in range(2000)]
    out = layer(xs)
    kept = [o.data != 0 for o in out]
    assert abs(sum(kept) / len(kept) - 0.5) < 0.05
    assert all(o.data == 4.0 for o, k in zip(out, kept) if k)
    Value.sum(out).backward()
    assert all(x.grad == (2.0 if k else 0.0) for x, k in zip(xs, kept))
    assert layer.eval()(xs) == xs
    model = MLP(2, [8, 1], seed=0, dropout=0.5)
    assert len({model([1.0, 1.0]).data for _ in range(20)}) > 1  # new masks every call
    model.eval()
    assert len({model([1.0, 1.0]).data for _ in range(5)}) == 1
    assert list(model.state_dict()) == list(MLP(2, [8, 1], seed=0).state_dict())


def test_a_tuple_is_x_and_y_unless_it_holds_array_batches():
    neuron = Neuron(1, activation="linear", seed=0)
    optimizer = SGD(neuron.parameters(), lr=0.1)
    history = fit(neuron, (((1.0,), (2.0,)), (1.0, 2.0)), loss_fn=mse_loss, optimizer=optimizer,
                  epochs=2)  # fmt: skip
    assert history.steps == 2  # (X, y): one full batch per epoch
    batches = ((np.array([[1.0]]), np.array([1.0])), (np.array([[2.0]]), np.array([2.0])))
    assert fit(neuron, batches, loss_fn=mse_loss, optimizer=optimizer, epochs=2).steps == 4


def test_standardized_batches_are_the_loaders_with_inputs_centred_and_scaled():
    from micrograd_mlp.training.batches import Standardized, samples_per_epoch
    from micrograd_mlp.training.checkpoint import loader_state

    images = np.random.default_rng(0).integers(0, 256, size=(10, 28, 28)).astype(np.uint8)
    loader = DataLoader(images, np.arange(10) % 3, batch_size=4, shuffle=True, seed=1)
    batches = Standardized(loader, 0.25, 0.5)
    assert len(batches) == 3 and samples_per_epoch(batches) == 10
    assert loader_state(batches) == loader_state(loader)  # checkpoints record the loader
    batches.set_epoch(2)
    x, y = next(iter(batches))
    loader.set_epoch(2)
    raw, same = next(iter(loader))
    assert x.dtype == np.float32 and np.array_equal(y, same)
    np.testing.assert_allclose(x, (raw - 0.25) / 0.5, rtol=1e-6)
    with pytest.raises(ValueError, match="std > 0"):
        Standardized(loader, 0.0, 0.0)
