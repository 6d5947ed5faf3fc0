"""The catalogue of bad input: each gets the documented exception, a message naming the problem,
and leaves the model and the files as they were.

One section per item of the "Bad input" list of the property-testing issue, both engines where
both apply. (Several of these are also tested next to their feature; this file is the place to
see them all.)
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

import micrograd_mlp.functional as F
import micrograd_mlp.tensor.functional as TF
from micrograd_mlp.data import DataLoader, load_mnist
from micrograd_mlp.data.idx import IDXError, read_idx, write_idx
from micrograd_mlp.engine import Value
from micrograd_mlp.nn import MLP, Layer, Neuron
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.nn import MLP as TensorMLP
from micrograd_mlp.training import (
    Checkpoint,
    CheckpointError,
    Checkpointing,
    NonFiniteLossError,
    fit,
    load_checkpoint,
)


@contextlib.contextmanager
def raises(error: type[BaseException], *phrases: str) -> Iterator[pytest.ExceptionInfo]:
    """``pytest.raises(error)``, then check that the message contains every phrase."""
    with pytest.raises(error) as info:
        yield info
    message = str(info.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in the message {message!r}"


def same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# --------------------------------------------------------------- a Value from a non-number
@pytest.mark.parametrize(
    ("data", "error", "phrases"),
    [
        ("1.5", TypeError, ["expected a real number", "str", "'1.5'"]),
        (None, TypeError, ["expected a real number", "NoneType"]),
        (math.nan, ValueError, ["NaN"]),
        (np.float64("nan"), ValueError, ["NaN"]),
        (np.array([1.0, 2.0]), TypeError, ["NumPy array of shape (2,)", "Tensor"]),
        (np.array(1.0), TypeError, ["NumPy array of shape ()"]),
        ([1.0], TypeError, ["list"]),
        (1 + 2j, TypeError, ["complex"]),
        (Value(1.0), TypeError, ["expected a real number", "v.data"]),
    ],
    ids=["str", "None", "nan", "numpy-nan", "array", "0-d-array", "list", "complex", "Value"],
)
def test_value_refuses_what_is_not_a_real_number(data, error, phrases):
    with raises(error, *phrases):
        Value(data)


def test_tensor_refuses_non_numeric_data():
    with raises(TypeError, "strings"):
        Tensor(["1.5", "2"])
    with raises(TypeError, "Python objects"):
        Tensor(None)
    with raises(TypeError, "inhomogeneous"):
        Tensor([[1.0], [1.0, 2.0]])


# ------------------------------------------------------------------------ math errors
@pytest.mark.parametrize(
    ("expr", "error", "phrases"),
    [
        (lambda: Value(0.0).log(), ValueError, ["log(0.0)", "> 0"]),
        (lambda: Value(-1.0).log(), ValueError, ["log(-1.0)"]),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, ["0.0 ** -1.0", "zero to a negative"]),
        (lambda: Value(0.0) ** Value(-1.0), ZeroDivisionError, ["0.0 ** -1.0"]),
        (lambda: Value(1.0) / 0, ZeroDivisionError, ["1.0 / 0.0"]),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, ["1.0 / 0.0"]),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, ["-8.0 **", "fractional"]),
        (lambda: Value(-8.0) ** Value(0.5), ValueError, ["-8.0", "base"]),
        (lambda: Tensor([1.0, 0.0]).log(), ValueError, ["log(0.0)", "index (1,)"]),
        (lambda: Tensor([-1.0]).log(), ValueError, ["log(-1.0)"]),
        (lambda: Tensor([0.0, 2.0]) ** -1, ZeroDivisionError, ["zero to a negative power"]),
        (lambda: Tensor([1.0]) / Tensor([2.0, 0.0]), ZeroDivisionError, ["index (1,)"]),
        (lambda: Tensor([1.0]) / 0, ZeroDivisionError, ["division by zero"]),
        (lambda: Tensor([-8.0]) ** (1 / 3), ValueError, ["fractional"]),
        (lambda: Tensor([-8.0]) ** Tensor([0.5]), ValueError, ["fractional"]),
    ],
    ids=[
        "log0",
        "log-1",
        "0**-1",
        "0**Value",
        "div0",
        "rdiv0",
        "neg**frac",
        "neg**Value",
        "T-log0",
        "T-log-1",
        "T-0**-1",
        "T-div0",
        "T-div-number0",
        "T-neg**frac",
        "T-neg**T",
    ],
)
def test_math_errors_name_the_op_and_the_value(expr, error, phrases):
    with raises(error, *phrases):
        expr()


# ------------------------------------------------------- an MLP given the wrong inputs
def test_scalar_mlp_with_the_wrong_inputs_is_refused_and_untouched():
    model = MLP(3, [4, 2], seed=0)
    before = model.state_dict()
    with raises(ValueError, "MLP expects 3 inputs, got 2"):
        model([1.0, 2.0])
    with raises(ValueError, "MLP expects 3 inputs, got 4"):
        model([1.0, 2.0, 3.0, 4.0])
    with raises(TypeError, "sequence of 3 inputs", "float 1.0"):
        model(1.0)
    with raises(ValueError, "one sample", "shape (2, 3)"):
        model(np.ones((2, 3)))
    with raises(TypeError, "MLP input 1", "str 'a'"):
        model([1.0, "a", 2.0])
    with raises(ValueError, "Layer expects 2 inputs, got 1"):
        Layer(2, 3)([1.0])
    with raises(ValueError, "Neuron expects 2 inputs, got 3"):
        Neuron(2)([1.0, 2.0, 3.0])
    assert same_state(before, model.state_dict())
    assert all(p.grad == 0.0 for p in model.parameters())


def test_tensor_mlp_with_the_wrong_width_names_both_shapes():
    model = TensorMLP(3, [4, 2], seed=0)
    before = model.state_dict()
    with raises(ValueError, "(N, 3)", "got shape (5, 2)"):
        model(np.ones((5, 2)))
    with raises(ValueError, "got shape ()"):
        model(1.0)
    assert same_state(before, model.state_dict())


# ------------------------------------------------ unknown activation, unknown reduction
@pytest.mark.parametrize(
    "make",
    [
        lambda name: MLP(2, [3, 1], activation=name),
        lambda name: Layer(2, 3, activation=name),
        lambda name: Neuron(2, activation=name),
        lambda name: TensorMLP(2, [3, 1], activation=name),
    ],
    ids=["MLP", "Layer", "Neuron", "tensor-MLP"],
)
def test_unknown_activation_lists_the_known_ones(make):
    with raises(ValueError, "unknown activation 'gelu'", "relu, leaky_relu, tanh, sigmoid, linear"):
        make("gelu")


def _loss_calls(reduction: str):
    """Every loss of both engines, called with valid data and ``reduction``."""
    x, t = [0.2, 0.7], [1.0, 0.0]
    xt, tt = Tensor(np.array(x)), np.array(t)
    return {
        "mse_loss": lambda: F.mse_loss(x, t, reduction=reduction),
        "l1_loss": lambda: F.l1_loss(x, t, reduction=reduction),
        "gaussian_nll_loss": lambda: F.gaussian_nll_loss(x, t, 1.0, reduction=reduction),
        "cross_entropy": lambda: F.cross_entropy(x, 1, reduction=reduction),
        "binary_cross_entropy": lambda: F.binary_cross_entropy(x, t, reduction=reduction),
        "bce_with_logits": lambda: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        "hinge_loss": lambda: F.hinge_loss(x, [1.0, -1.0], reduction=reduction),
        "T-mse_loss": lambda: TF.mse_loss(xt, tt, reduction=reduction),
        "T-l1_loss": lambda: TF.l1_loss(xt, tt, reduction=reduction),
        "T-gaussian_nll_loss": lambda: TF.gaussian_nll_loss(xt, tt, 1.0, reduction=reduction),
        "T-cross_entropy": lambda: TF.cross_entropy(xt, 1, reduction=reduction),
        "T-binary_cross_entropy": lambda: TF.binary_cross_entropy(xt, tt, reduction=reduction),
        "T-bce_with_logits": lambda: TF.binary_cross_entropy_with_logits(
            xt, tt, reduction=reduction
        ),
        "T-hinge_loss": lambda: TF.hinge_loss(xt, np.array([1.0, -1.0]), reduction=reduction),
    }


@pytest.mark.parametrize("loss", list(_loss_calls("mean")))
@pytest.mark.parametrize("reduction", ["avg", "Mean", None])
def test_unknown_reduction_names_it_and_the_valid_ones(loss, reduction):
    _loss_calls("mean")[loss]()  # the call itself is fine
    with raises(ValueError, f"unknown reduction {reduction!r}", "mean, sum, none"):
        _loss_calls(reduction)[loss]()


# ---------------------------------------------------------- tensor shape mismatches
@pytest.mark.parametrize(
    ("expr", "phrases"),
    [
        (lambda a, b: a @ b, ["@ (matmul)", "(2, 3)", "(2, 4)"]),
        (lambda a, b: a @ b.T.T.reshape(4, 2), ["(2, 3)", "(4, 2)"]),
        (lambda a, b: a + b, ["+", "(2, 3)", "(2, 4)", "cannot be broadcast"]),
        (lambda a, b: a - b, ["-", "(2, 3)", "(2, 4)"]),
        (lambda a, b: a * b, ["*", "(2, 3)", "(2, 4)"]),
        (lambda a, b: a / (b + 1), ["/", "(2, 3)", "(2, 4)"]),
        (lambda a, b: (a + 2) ** b, ["**", "(2, 3)", "(2, 4)"]),
    ],
    ids=["matmul", "matmul-2", "add", "sub", "mul", "div", "pow"],
)
def test_tensor_shape_mismatches_name_both_shapes(expr, phrases):
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 4)), requires_grad=True)
    with raises(ValueError, *phrases):
        expr(a, b)
    assert a.grad is None and b.grad is None


def test_loss_shape_mismatch_names_both_shapes():
    with raises(ValueError, "input shape (4, 1)", "target shape (4,)"):
        TF.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))
    with raises(ValueError, "input has 2 element(s) but target has 3"):
        F.mse_loss([1.0, 2.0], [1.0, 2.0, 3.0])


# ---------------------------------------------- cross-entropy targets out of range
@pytest.mark.parametrize("bad", [3, -1])
def test_cross_entropy_target_out_of_range_names_it_and_the_classes(bad):
    logits = [[0.1, 0.2, 0.3], [1.0, 0.0, -1.0]]
    with raises(ValueError, f"{bad}", "out of range", "C = 3"):
        F.cross_entropy(logits, [0, bad])
    z = Tensor(np.array(logits), requires_grad=True)
    with raises(ValueError, f"{bad}", "out of range", "C = 3"):
        TF.cross_entropy(z, np.array([0, bad]))
    assert z.grad is None


def test_cross_entropy_refuses_float_targets():
    with raises(TypeError, "integer class index"):
        F.cross_entropy([0.1, 0.2], 1.0)
    with raises(TypeError, "integer class indices", "float64"):
        TF.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.0, 1.0]))


# -------------------------------------------------- backward() on a non-scalar Tensor
def test_backward_on_a_non_scalar_tensor_needs_a_gradient():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x.exp()
    with raises(RuntimeError, "shape (2, 3)", "gradient="):
        y.backward()
    assert x.grad is None  # nothing was propagated
    with raises(ValueError, "gradient shape (3,)", "(2, 3)"):
        y.backward(np.ones(3))
    assert x.grad is None


# ------------------------------------------------------------ load_state_dict
@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_load_state_dict_reports_every_problem_and_loads_nothing(engine):
    model = MLP(3, [4, 2], seed=0) if engine == "scalar" else TensorMLP(3, [4, 2], seed=0)
    before = model.state_dict()
    other = MLP(3, [4, 2], seed=1).state_dict()

    bad = dict(other)
    del bad["layers.1.bias"]  # missing
    bad["layers.2.weight"] = np.ones((2, 2))  # extra
    bad["layers.0.weight"] = np.ones((3, 4))  # wrongly shaped (transposed)
    with raises(
        KeyError,
        "nothing loaded",
        "missing keys: layers.1.bias",
        "unexpected keys: layers.2.weight",
        "layers.0.weight: shape (3, 4), expected (4, 3)",
    ):
        model.load_state_dict(bad)
    assert same_state(before, model.state_dict())

    bad = dict(other)
    bad["layers.0.weight"] = np.ones((4, 2))
    bad["layers.0.bias"] = np.array([1.0, 2.0, math.nan, 3.0])
    bad["layers.1.bias"] = np.array([1.0 + 2.0j, 0.0])
    bad["layers.1.weight"] = "not an array"
    with raises(
        ValueError,
        "layers.0.weight: shape (4, 2), expected (4, 3)",
        "layers.0.bias: contains NaN",
        "layers.1.bias: not real numeric data (ndarray of complex128)",
        "layers.1.weight: not real numeric data (str",
    ):
        model.load_state_dict(bad)
    assert same_state(before, model.state_dict())

    with raises(TypeError, "mapping", "list"):
        model.load_state_dict(list(other.items()))
    assert same_state(before, model.state_dict())


# ------------------------------------------------------------------------ IDX files
@pytest.fixture
def idx_dir(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.int64).reshape(3, 28, 28) % 256
    write_idx(tmp_path / "good-idx3-ubyte", images.astype(np.uint8))
    return tmp_path


def _damaged(raw: bytes) -> dict[str, bytes]:
    header_count = int.from_bytes(raw[4:8], "big")
    return {
        "truncated": raw[:-100],
        "truncated-header": raw[:9],
        "wrong-magic": b"\x08\x03" + raw[2:],
        "count-too-large": raw[:4] + (header_count + 1).to_bytes(4, "big") + raw[8:],
        "count-too-small": raw[:4] + (header_count - 1).to_bytes(4, "big") + raw[8:],
    }


@pytest.mark.parametrize("compressed", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize(
    ("damage", "phrases"),
    [
        ("truncated", ["truncated"]),
        ("truncated-header", ["truncated"]),
        ("wrong-magic", ["bad magic number 0x0803"]),
        ("count-too-large", ["truncated", "shape (4, 28, 28)"]),
        ("count-too-small", ["trailing bytes", "shape (2, 28, 28)"]),
    ],
)
def test_damaged_idx_file_is_refused_naming_the_file(idx_dir, damage, phrases, compressed):
    raw = (idx_dir / "good-idx3-ubyte").read_bytes()
    data = _damaged(raw)[damage]
    if compressed:
        if damage == "truncated":  # a cut gzip stream, rather than a complete one of a cut file
            data = gzip.compress(raw, mtime=0)[:-40]
            phrases = ["corrupt or truncated gzip stream"]
        else:
            data = gzip.compress(data, mtime=0)
    path = idx_dir / f"{damage}-idx3-ubyte{'.gz' if compressed else ''}"
    path.write_bytes(data)
    with raises(IDXError, str(path), *phrases):
        read_idx(path)
    assert path.read_bytes() == data  # reading never changes the file


def test_images_and_labels_of_different_counts_name_both_files(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with raises(ValueError, "t10k-images-idx3-ubyte holds 3 images", "t10k-labels", "2 labels"):
        load_mnist("mnist", "test", root=tmp_path)


# -------------------------------------------------------------------------- checkpoints
def _checkpoint(epoch: int) -> Checkpoint:
    model = TensorMLP(4, [3], seed=epoch)
    return Checkpoint(model.state_dict(), {}, epoch, {"loss": [1.0] * epoch})


def test_checkpoint_in_a_missing_directory(tmp_path):
    missing = tmp_path / "no" / "such"
    with raises(FileNotFoundError, "checkpoint directory", str(missing)):
        _checkpoint(1).save(missing / "run.npz")
    assert not (tmp_path / "no").exists()  # nothing created on the way


def test_training_with_a_checkpoint_in_a_missing_directory_fails_before_any_step(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, size=20)
    model = TensorMLP(4, [3], seed=0)
    optimizer = Adam(model.parameters(), lr=0.1)
    before = model.state_dict()
    loader = DataLoader(X, y, batch_size=5, normalize=False, seed=0)
    with raises(FileNotFoundError, "checkpoint directory", str(tmp_path / "no")):
        fit(model, loader, loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=1,
            callbacks=[Checkpointing(tmp_path / "no" / "c.npz")])  # fmt: skip
    assert same_state(before, model.state_dict())
    assert not any(p.grad is not None for p in model.parameters())  # not one step was taken


def test_interrupted_checkpoint_write_keeps_the_previous_one(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    _checkpoint(1).save(path)
    saved = path.read_bytes()

    def die_half_way(file, **arrays):
        file.write(b"PK\x03\x04 the first bytes of a zip file")
        raise KeyboardInterrupt("the process was killed while writing")

    monkeypatch.setattr(np, "savez", die_half_way)
    with pytest.raises(KeyboardInterrupt):
        _checkpoint(2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # no temporary file left
    assert load_checkpoint(path).epoch == 1


def test_interrupted_idx_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "labels-idx1-ubyte.gz"
    write_idx(path, np.arange(10, dtype=np.uint8))
    saved = path.read_bytes()

    def die(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(gzip.GzipFile, "write", die)
    with raises(OSError, "No space left"):
        write_idx(path, np.zeros(10, dtype=np.uint8))
    monkeypatch.undo()
    assert path.read_bytes() == saved and [p.name for p in tmp_path.iterdir()] == [path.name]


# ------------------------------------------------------- a loss that stops being finite
def _regression(steps_before_nan: int | None):
    """A scalar regression run whose loss becomes NaN at step ``steps_before_nan``."""
    calls = {"n": 0}

    def loss_fn(outputs, targets):
        loss = F.mse_loss(outputs, targets.tolist())
        if calls["n"] == steps_before_nan:
            nan = Value(math.inf) - Value(math.inf)  # inf - inf
            loss = loss * nan  # a NaN loss whose gradient reaches every weight
        calls["n"] += 1
        return loss

    return loss_fn


def test_scalar_training_stops_at_the_non_finite_step_with_the_previous_weights():
    X = np.linspace(-1, 1, 8).reshape(4, 2)
    y = X.sum(axis=1)
    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with raises(NonFiniteLossError, "the training loss is nan at step 3 (epoch 1)"):
        fit(model, X, y, _regression(3), optimizer, epochs=5, batch_size=2, seed=0)
    # the weights are those after steps 0, 1 and 2: replay exactly those on a fresh model
    replay = MLP(2, [3, 1], seed=0)
    calls = {"n": 0}

    def stop_at_step_three(outputs, targets):
        if calls["n"] == 3:
            raise KeyboardInterrupt  # before step 3's update, like the NaN check
        calls["n"] += 1
        return F.mse_loss(outputs, targets.tolist())

    optimizer = SGD(replay.parameters(), lr=0.1)
    with pytest.raises(KeyboardInterrupt):
        fit(replay, X, y, stop_at_step_three, optimizer, epochs=5, batch_size=2, seed=0)
    assert same_state(replay.state_dict(), model.state_dict())
    assert all(math.isfinite(p.data) for p in model.parameters())


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the inf, on purpose
def test_vectorized_training_stops_at_the_non_finite_step():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4)).astype(np.float32)
    X[2 * 8 + 3, 1] = np.inf  # a sample of the third batch (step 2)
    y = rng.integers(0, 3, size=40)
    model = TensorMLP(4, [5, 3], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    loader = DataLoader(X, y, batch_size=8, normalize=False)
    with (
        raises(NonFiniteLossError, "at step 2 (epoch 0)"),
        pytest.warns(RuntimeWarning, match=r"input\[3\] holds a non-finite logit"),
    ):
        fit(model, loader, loss_fn=TF.cross_entropy, optimizer=optimizer, epochs=1)
    assert all(np.isfinite(p.data).all() for p in model.parameters())


@pytest.mark.parametrize("margin", [True, "1", None])
def test_hinge_loss_margin_must_be_a_number_in_both_engines(margin):
    import micrograd_mlp.functional as scalar_f
    import micrograd_mlp.tensor.functional as tensor_f
    from micrograd_mlp import Value
    from micrograd_mlp.tensor import Tensor

    with pytest.raises(TypeError, match="margin must be a number"):
        scalar_f.hinge_loss([Value(0.5)], [1], margin=margin)
    with pytest.raises(TypeError, match="margin must be a number"):
        tensor_f.hinge_loss(Tensor([0.5]), [1.0], margin=margin)


# ----------------------------------------- engine-level findings of issue 9 (helper H1)
def test_a_valid_division_by_a_tiny_number_is_computed_not_refused():
    x, y = Value(1.0), Value(1e-200)
    q = x / y  # the old local derivative -a/(b*b) underflowed b*b to 0: "division by zero"
    assert q.data == 1e200
    q.backward()
    assert x.grad == 1e200 and y.grad == -math.inf  # -(a/b)/b overflows: IEEE, as torch


def test_invalid_tensor_dtypes_are_refused_listing_the_allowed_ones():
    with raises(ValueError, "'garbage'", "float32 and float64"):
        Tensor([1.0], dtype="garbage")
    with raises(ValueError, "'xyz'", "float32 and float64"):
        Tensor([1.0]).astype("xyz")
    with raises(ValueError, "int64", "float32 and float64"):
        Tensor([1.0], dtype=np.int64)


def test_load_state_dict_checks_finiteness_after_the_cast_naming_the_key():
    model = TensorMLP(2, [1], seed=0)  # float32 parameters
    state = model.state_dict()
    before = {k: v.copy() for k, v in state.items()}
    state["layers.0.weight"] = np.full((1, 2), 1e300)  # finite in float64, inf in float32
    with raises(ValueError, "layers.0.weight", "float32 range", "infinity"):
        model.load_state_dict(state)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())
    scalar = MLP(2, [1], seed=0)  # float64 Values: 1e300 fits
    scalar.load_state_dict({k: np.full(v.shape, 1e300) for k, v in scalar.state_dict().items()})


def test_values_from_numpy_bools_and_huge_ints():
    assert Value(np.bool_(True)).data == 1.0  # a bool, like Python's True
    with raises(ValueError, "401 digits", "too large for a float64"):
        Value(10**400)
    with raises(TypeError, "NumPy array of shape ()", "item()"):
        Value(np.array(2.0))


def test_a_string_gradient_seed_is_refused_not_parsed():
    with raises(TypeError, "backward gradient", "str '2'"):
        (Value(1.0) * 2.0).backward(gradient="2")
    with raises(TypeError, "backward gradient", "strings"):
        (Tensor([1.0], requires_grad=True) * 2.0).sum().backward(gradient="2")


def test_scalar_leaky_relu_validates_its_slope_like_the_tensor_one():
    for x in (-1.0, 1.0):  # refused on both sides of the kink
        with raises(TypeError, "leaky_relu", "real number", "str 'a'"):
            Value(x).leaky_relu("a")
        with raises(TypeError, "leaky_relu", "real number", "str 'a'"):
            Tensor([x]).leaky_relu("a")


# ------------------------------- checkpoints and atomic writes (issue 9; the training side)
@pytest.mark.parametrize("epoch", [-1, 1.5, True, "2"])
def test_a_checkpoint_with_an_impossible_epoch_is_not_written(tmp_path, epoch):
    # epoch=-1 used to write a file that could not be loaded, and 1.5 was saved as 1.
    model = TensorMLP(4, [3], seed=0)
    with raises(ValueError, "epoch must be an integer >= 0", repr(epoch)):
        Checkpoint(model.state_dict(), {}, epoch).save(tmp_path / "run.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_random_bytes_checkpoint_is_refused_without_numpy_advice(tmp_path):
    path = tmp_path / "run.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with raises(CheckpointError, str(path), "not a checkpoint") as info:
        load_checkpoint(path)
    assert "allow_pickle" not in str(info.value)  # NumPy's advice does not apply to a user


def test_stale_temporaries_of_killed_writes_are_removed_on_the_next_save(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(finished.stdout)  # a process id that no longer runs
    stale = tmp_path / f".run.npz.{dead}-abcd1234.tmp"
    alive = tmp_path / f".run.npz.{os.getpid()}-efgh5678.tmp"  # a write in progress
    legacy_old, legacy_new = tmp_path / ".run.npz.k2j4h5g6.tmp", tmp_path / ".run.npz.z9y8x7w6.tmp"
    other = tmp_path / f".other.npz.{dead}-abcd1234.tmp"  # another file's: not ours to judge
    for p in (stale, alive, legacy_old, legacy_new, other):
        p.write_bytes(b"PK\x03\x04 half a checkpoint")
    two_hours_ago = time.time() - 7200
    os.utime(legacy_old, (two_hours_ago, two_hours_ago))
    _checkpoint(1).save(tmp_path / "run.npz")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([alive.name, legacy_new.name, other.name, "run.npz"])


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    _checkpoint(1).save(path)
    saved = path.read_bytes()

    def disk_full(file, **arrays):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with raises(OSError, "No space left on device", str(path)) as info:
        _checkpoint(2).save(path)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    monkeypatch.undo()
    assert path.read_bytes() == saved and [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_training_on_an_empty_data_set_is_refused_clearly():
    with raises(ValueError, "DataLoader: the data set is empty"):
        DataLoader(np.zeros((0, 4)), np.zeros(0, np.int64), normalize=False)
    model = TensorMLP(4, [3], seed=0)
    with raises(ValueError, "fit: the training data yields no batches"):
        fit(model, [], loss_fn=TF.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1)  # fmt: skip
