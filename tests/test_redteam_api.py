"""Findings of a red-team pass over the Python API, each pinned by the test that caught it."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_mlp.metrics import accuracy
from micrograd_mlp.nn import MLP as ScalarMLP
from micrograd_mlp.nn import Layer as ScalarLayer
from micrograd_mlp.tensor import Tensor


# ------------------------------------------------------------------ accuracy shapes
def test_accuracy_refuses_a_column_of_targets_instead_of_broadcasting_it():
    # (B, 1) targets against (B,) predictions used to broadcast to (B, B): "accuracy" 5/3.
    scores = Tensor(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    assert accuracy(scores, np.array([0, 0, 1])) == 1.0
    assert accuracy(scores, [0, 1, 1]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"target must be labels of shape \(3,\).*\(3, 1\)"):
        accuracy(scores, np.array([[0], [0], [1]]))
    with pytest.raises(ValueError, match=r"shape \(3,\).*got shape \(2,\)"):
        accuracy(scores, np.array([0, 0]))


def test_accuracy_refuses_one_output_per_sample():
    # A scalar MLP with one output returns one Value per sample: (B,) scores, no classes.
    # argmax over them used to pick one index for the whole batch (an "accuracy" up to B);
    # read as predicted labels, 0.37 would never equal a label (an "accuracy" of 0).
    model = ScalarMLP(2, [3, 1], seed=0)
    outputs = [model(x) for x in [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]]
    with pytest.raises(ValueError, match=r"must hold predicted labels.*scores > 0"):
        accuracy(outputs, np.zeros(3, dtype=int))
    # One logit per sample as a (B, 1) column: argmax is always 0, "accuracy" the share of 0s.
    with pytest.raises(ValueError, match=r"C >= 2 or predicted labels \(B,\), got shape \(3, 1\)"):
        accuracy(Tensor(np.array([[2.0], [-1.0], [3.0]])), np.array([1, 0, 1]))
    two = ScalarMLP(2, [3, 2], seed=0)
    scores = [two(x) for x in [[0.0, 1.0], [1.0, 0.0]]]
    predicted = np.array([[v.data for v in s] for s in scores]).argmax(axis=1)
    assert accuracy(scores, predicted) == 1.0
    assert accuracy(predicted, predicted) == 1.0  # predicted labels first, as PyTorch's metrics
    assert accuracy([v.data > 0 for v in outputs], [True, True, True]) == pytest.approx(
        np.mean([v.data > 0 for v in outputs])
    )


# --------------------------------------------------------------- convert keeps the dropout
def test_conversions_keep_dropout_and_the_training_mode():
    # The converted copies used to be built without dropout: a network trained with
    # dropout=0.5 silently trained on without it in the other engine (or in PyTorch).
    torch = pytest.importorskip("torch", reason="the PyTorch conversion needs torch")
    from micrograd_mlp.convert import to_scalar_mlp, to_tensor_mlp, to_torch_sequential
    from micrograd_mlp.tensor import MLP as TensorMLP

    tensor = TensorMLP(3, [5, 4, 2], seed=0, dtype=np.float64, dropout=0.5)
    scalar = to_scalar_mlp(tensor)
    assert scalar.dropout is not None and scalar.dropout.p == 0.5 and scalar.training
    back = to_tensor_mlp(scalar.eval(), dtype=np.float64)
    assert back.dropout is not None and back.dropout.p == 0.5 and not back.training
    net = to_torch_sequential(tensor)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert all(m.p == 0.5 for m in net if isinstance(m, torch.nn.Dropout)) and net.training
    # In training mode PyTorch's copy drops units too: its outputs vary from call to call.
    x = np.random.default_rng(1).normal(size=(64, 3))
    xt = torch.tensor(x)
    assert not torch.equal(net(xt), net(xt))
    # In evaluation mode all four compute the same function.
    tensor.eval()
    expected = tensor(x).data
    np.testing.assert_allclose(back(x).data, expected, rtol=1e-12, atol=1e-12)
    rows = np.array([[v.data for v in scalar.eval()(r)] for r in x.tolist()])
    np.testing.assert_allclose(rows, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        to_torch_sequential(tensor)(xt).detach().numpy(), expected, rtol=1e-12, atol=1e-12
    )
    assert not to_torch_sequential(tensor).training


# ------------------------------------------------------- transpose(0, 1) and swapaxes
def test_transpose_of_two_axes_is_never_a_silent_no_op_and_swapaxes_is_torchs_transpose():
    # x.transpose(0, 1) of a matrix swaps its axes in PyTorch but, by NumPy's rule (the new
    # order of all the axes), used to return the matrix unchanged here.
    torch = pytest.importorskip("torch", reason="torch is the oracle for the swap")
    m = Tensor(np.arange(6.0).reshape(2, 3))
    for axes in [(0, 1), (-2, -1)]:
        with pytest.raises(ValueError, match=r"leave the Tensor unchanged.*swapaxes"):
            m.transpose(*axes)
    assert m.transpose(1, 0).shape == (3, 2) and m.transpose((0, 1)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"all 3 axes.*swapaxes\(0, 1\)"):
        Tensor(np.ones((2, 3, 4))).transpose(0, 1)
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    for a, b in [(0, 1), (-1, -2), (0, 2), (1, 1)]:
        ours = Tensor(x, requires_grad=True, dtype=np.float64)
        theirs = torch.tensor(x, requires_grad=True)
        out, expected = ours.swapaxes(a, b), theirs.transpose(a, b)
        g = np.random.default_rng(1).normal(size=out.shape)
        out.backward(g)
        expected.backward(torch.tensor(g))
        np.testing.assert_array_equal(out.data, expected.detach().numpy())
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
    with pytest.raises(ValueError, match=r"swapaxes\(0, 3\) of a Tensor of shape \(2, 3, 4\)"):
        Tensor(x).swapaxes(0, 3)


# ------------------------------------------------------------------ seeds, refused up front
def test_a_bad_seed_is_refused_where_it_is_given_naming_the_caller():
    # DataLoader(seed=-1, shuffle=True) used to be accepted, then fail inside NumPy at the
    # first iteration ("expected non-negative integer"), naming neither the loader nor seed.
    from micrograd_mlp.data import DataLoader, make_moons
    from micrograd_mlp.tensor import MLP as TensorMLP

    images, labels = np.zeros((4, 2)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match=r"^DataLoader: seed must be a non-negative integer"):
        DataLoader(images, labels, 2, shuffle=True, seed=-1, normalize=False)
    with pytest.raises(TypeError, match=r"^DataLoader: seed must be None.*float 1\.5"):
        DataLoader(images, labels, 2, shuffle=True, seed=1.5, normalize=False)
    with pytest.raises(ValueError, match=r"^MLP: seed must be a non-negative integer, got -3"):
        TensorMLP(2, [2], seed=-3)
    with pytest.raises(TypeError, match=r"^Layer: seed must be None.*got str 'x'"):
        ScalarLayer(2, 2, seed="x")
    with pytest.raises(TypeError, match=r"^make_moons: seed"):
        make_moons(10, seed=0.5)
    # Good seeds still work, and a seeded loader still replays its epochs.
    loader = DataLoader(images, np.arange(4), 2, shuffle=True, seed=7, normalize=False)
    first = [y.tolist() for _, y in loader]
    loader.set_epoch(0)
    assert [y.tolist() for _, y in loader] == first
    TensorMLP(2, [2], seed=np.random.default_rng(0))


# ------------------------------------------------------ gradcheck with an input given twice
def test_gradcheck_leaves_an_input_given_twice_exactly_as_it_was():
    # The docstring promises the inputs' data is the same object afterwards; with the same
    # Tensor twice it used to end up holding gradcheck's private copy of its array.
    from micrograd_mlp import gradcheck

    data = np.array([1.0, -2.0, 3.0])
    x = Tensor(data, requires_grad=True, dtype=np.float64)
    report = gradcheck(lambda a, b: (a * b).sum(), [x, x])
    assert report.passed
    np.testing.assert_allclose(report.inputs[0].analytic, 2 * data)
    assert x.data is data and x.grad is None


# ----------------------------------------------- a custom Module's parameters are found
def test_a_custom_modules_tensor_and_value_attributes_are_its_parameters():
    # A PyTorch user keeps parameters in attributes (nn.Parameter). Here they used to be
    # invisible: parameters() left them out, so the optimizer never trained them and
    # state_dict() never saved them, silently.
    torch = pytest.importorskip("torch", reason="torch is the oracle for the update")
    from micrograd_mlp.engine import Value
    from micrograd_mlp.module import Module
    from micrograd_mlp.optim import SGD
    from micrograd_mlp.tensor import MLP as TensorMLP

    class Scaled(Module):
        def __init__(self) -> None:
            self.scale = Tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)
            self.offset = Tensor(np.zeros(2), dtype=np.float64)  # a constant: not a parameter
            self.body = TensorMLP(3, [4, 2], seed=0, dtype=np.float64)

        def forward(self, x):  # model(x) calls it, as in PyTorch
            self.last = self.body(x) * self.scale + self.offset  # computed: not a parameter
            return self.last

    model = Scaled()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "body.layers.0.weight", "body.layers.0.bias",
                     "body.layers.1.weight", "body.layers.1.bias"]  # fmt: skip
    assert list(model.state_dict()) == names
    # PyTorch's twin: the same keys and the same SGD step.
    class TorchScaled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = torch.nn.Parameter(torch.tensor([1.0, 2.0], dtype=torch.float64))
            self.body = torch.nn.Module()
            self.body.layers = torch.nn.ModuleList(
                [torch.nn.Linear(3, 4).double(), torch.nn.Linear(4, 2).double()]
            )

        def forward(self, x):
            h = self.body.layers[1](torch.relu(self.body.layers[0](x)))
            return h * self.scale

    twin = TorchScaled()
    assert list(twin.state_dict()) == names
    twin.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(5, 3))
    opt, twin_opt = SGD(model.parameters(), lr=0.1), torch.optim.SGD(twin.parameters(), lr=0.1)
    model(x).sum().backward()
    twin(torch.tensor(x)).sum().backward()
    assert [name for name, _ in model.named_parameters()] == names  # not "last"
    opt.step()
    twin_opt.step()
    for key, value in twin.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-12)
    model.zero_grad()
    assert model.scale.grad is None
    # load_state_dict writes in place, so the optimizer keeps training the same arrays.
    state = {k: v * 0 for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert model.scale.data is opt.params[0].data and not model.scale.data.any()
    with pytest.raises(KeyError, match="missing keys: scale"):
        model.load_state_dict({k: v for k, v in state.items() if k != "scale"})

    class Line(Module):  # the scalar engine: Values and a list of Values
        def __init__(self) -> None:
            self.w = [Value(0.5), Value(-1.0)]
            self.b = Value(0.25)
            self.out = self.w[0] * 2.0  # computed: not a parameter

    line = Line()
    with pytest.raises(TypeError, match=r"Line is not callable: define forward\(self, x\)"):
        line([1.0, 2.0])
    assert [name for name, _ in line.named_parameters()] == ["w.0", "w.1", "b"]
    line.load_state_dict({"w.0": 1.0, "w.1": 2.0, "b": 3.0})
    assert [p.data for p in line.parameters()] == [1.0, 2.0, 3.0]


# ------------------------------------------------------------------------ bool(Tensor)
def test_the_truth_of_a_tensor_is_its_element_as_in_numpy_and_torch():
    # Without __bool__, Python used len(): bool(Tensor([0.0])) was True, bool of any
    # two-element Tensor True, where NumPy and PyTorch say False / refuse.
    torch = pytest.importorskip("torch", reason="torch is the oracle")
    for value in ([0.0], [2.5], 0.0, -1.0, [[0.0]]):
        assert bool(Tensor(value)) is bool(torch.tensor(value))
    for value in ([1.0, 2.0], np.zeros((0, 3))):
        with pytest.raises(ValueError, match=r"truth value of a Tensor of shape .* is ambiguous"):
            bool(Tensor(value))


# ------------------------------------------------------------------ @no_grad, bare or called
def test_no_grad_decorates_a_function_with_or_without_parentheses():
    # PyTorch accepts @torch.no_grad and @torch.no_grad(); the bare form used to fail at
    # definition time with "no_grad() takes 0 positional arguments but 1 was given".
    from micrograd_mlp.tensor import is_grad_enabled, no_grad

    x = Tensor([1.0, 2.0], requires_grad=True)

    @no_grad
    def bare(a):
        """Doubles a."""
        return a * 2, is_grad_enabled()

    @no_grad()
    def called(a):
        return a * 2, is_grad_enabled()

    for fn in (bare, called):
        out, enabled = fn(x)
        assert not out.requires_grad and not enabled and is_grad_enabled()
    assert bare.__name__ == "bare" and bare.__doc__ == "Doubles a."
    with no_grad():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with pytest.raises(TypeError, match="no_grad takes no argument .* got int 3"):
        no_grad(3)


# ------------------------------------------------------------ zero_grad(set_to_none=False)
@pytest.mark.parametrize("via", ["optimizer", "module"])
def test_zero_grad_set_to_none_false_zeroes_and_the_next_step_is_torchs(via):
    # PyTorch's zero_grad(set_to_none=False) used to be a TypeError here. With zeroed (not
    # None) gradients an optimizer still steps: momentum carries the parameters on.
    torch = pytest.importorskip("torch", reason="torch is the oracle for the step")
    from micrograd_mlp.engine import Value
    from micrograd_mlp.optim import SGD
    from micrograd_mlp.tensor import MLP as TensorMLP

    model = TensorMLP(2, [3], seed=0, dtype=np.float64)
    twin = [torch.tensor(p.data.copy(), requires_grad=True) for p in model.parameters()]
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    twin_opt = torch.optim.SGD(twin, lr=0.1, momentum=0.9)
    for p, q in zip(model.parameters(), twin):
        p.grad = np.ones(p.shape)
        q.grad = torch.ones(q.shape, dtype=torch.float64)
    opt.step()
    twin_opt.step()
    (opt if via == "optimizer" else model).zero_grad(set_to_none=False)
    twin_opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    opt.step()
    twin_opt.step()
    for p, q in zip(model.parameters(), twin):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12)
    (opt if via == "optimizer" else model).zero_grad()
    assert all(p.grad is None for p in model.parameters())
    v, fresh = Value(1.0), Value(2.0)
    v.grad = 3.0
    SGD([v, fresh], lr=0.1).zero_grad(set_to_none=False)
    assert v.grad == 0.0 and fresh.grad == 0.0  # a Value's grad is always a number


# -------------------------------------------------------- MNIST(root), the torchvision habit
def test_mnist_given_a_directory_for_its_split_says_to_pass_it_as_root(tmp_path):
    # torchvision's MNIST takes root first; ours takes split first, and MNIST("/data") only
    # said "unknown split '/data'".
    from micrograd_mlp.data import MNIST, load_mnist

    with pytest.raises(ValueError, match=r"looks like a directory: pass it as root="):
        MNIST(str(tmp_path))
    with pytest.raises(ValueError, match=r"looks like a directory: pass it as root='data/'"):
        load_mnist(split="data/")
    with pytest.raises(ValueError, match=r"^unknown split 'val'; expected one of train, test$"):
        MNIST("val")


# --------------------------------------------------------- load_state_dict(strict=False)
def test_load_state_dict_strict_false_loads_what_matches_as_torch_does():
    # PyTorch's load_state_dict(sd, strict=False) (e.g. a body pretrained without its head)
    # used to be a TypeError here; its result names what did not match.
    torch = pytest.importorskip("torch", reason="torch is the oracle for the key lists")
    from micrograd_mlp.convert import to_torch_sequential
    from micrograd_mlp.tensor import MLP as TensorMLP

    model = TensorMLP(3, [4, 2], seed=0, dtype=np.float64)
    source = TensorMLP(3, [4, 5], seed=1, dtype=np.float64)
    partial = {k: v for k, v in source.state_dict().items() if k.startswith("layers.0.")}
    partial["extra.weight"] = np.zeros(2)
    head = model.layers[1].weight.data.copy()
    result = model.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["layers.1.weight", "layers.1.bias"]
    assert result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(model.layers[0].weight.data, source.layers[0].weight.data)
    np.testing.assert_array_equal(model.layers[1].weight.data, head)
    net = to_torch_sequential(model)
    theirs = net.load_state_dict(
        {"0.weight": torch.zeros(4, 3, dtype=torch.float64), "9.bias": torch.zeros(1)},
        strict=False,
    )
    assert (len(theirs.missing_keys), theirs.unexpected_keys) == (3, ["9.bias"])
    # A present key of the wrong shape is still refused, and nothing is loaded.
    with pytest.raises(ValueError, match=r"layers.0.bias: shape \(3,\), expected \(4,\)"):
        model.load_state_dict({"layers.0.weight": np.ones((4, 3)),
                               "layers.0.bias": np.ones(3)}, strict=False)  # fmt: skip
    np.testing.assert_array_equal(model.layers[0].weight.data, source.layers[0].weight.data)
    assert model.load_state_dict(model.state_dict()) == ([], [])
    with pytest.raises(KeyError, match="missing keys: layers.1.weight, layers.1.bias"):
        model.load_state_dict(partial)


# ------------------------------------------------------------- in-place ops, PyTorch's rules
def test_the_pytorch_manual_update_changes_the_parameters_in_place():
    # `with no_grad(): for p in model.parameters(): p -= lr * p.grad` is PyTorch's manual SGD.
    # Python used to rebind p to a new Tensor: the model never changed, silently.
    torch = pytest.importorskip("torch", reason="torch is the oracle for the in-place rules")
    from micrograd_mlp.optim import SGD
    from micrograd_mlp.tensor import MLP as TensorMLP
    from micrograd_mlp.tensor import no_grad

    model = TensorMLP(2, [3], seed=0, dtype=np.float64)
    twin = [torch.tensor(p.data.copy(), requires_grad=True) for p in model.parameters()]
    x = np.random.default_rng(0).normal(size=(4, 2))
    model(x).sum().backward()
    (torch.tensor(x) @ twin[0].T + twin[1]).sum().backward()
    optimizer = SGD(model.parameters(), lr=0.1)  # holds views of the parameters' arrays
    params = model.parameters()
    with no_grad():
        for p in params:
            p -= 0.1 * p.grad
            p *= 2.0
    with torch.no_grad():
        for q in twin:
            q -= 0.1 * q.grad
            q *= 2.0
    assert [p for p in model.parameters()] == params  # the same objects
    for p, q in zip(params, twin):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12)
    assert all(p.data is optimizer.params[i].data for i, p in enumerate(params))
    # While recording: on a parameter it is refused (as torch), on a computed Tensor it is
    # x = x + y, with torch's gradient.
    w, tw = Tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\+= on a leaf Tensor that requires grad.*no_grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tw += 1
    y, ty = w * 3, tw * 3
    y += w
    ty += tw
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())
    # A constant shares its array, as torch.from_numpy: the update is seen there; the dtype
    # and shape stay; an operand that would grow the shape, or a zero divisor, is refused and
    # leaves the Tensor unchanged.
    a = np.zeros(3, dtype=np.float32)
    c = Tensor(a)
    c += np.float64(1.5)
    assert c.data is a and a.tolist() == [1.5, 1.5, 1.5] and c.dtype == np.float32
    with pytest.raises(ValueError, match=r"result has shape \(2, 3\).*keeps the Tensor's shape"):
        c += np.ones((2, 3))
    with pytest.raises(ZeroDivisionError):
        c /= np.array([1.0, 0.0, 1.0])
    assert a.tolist() == [1.5, 1.5, 1.5]


def test_float_of_a_one_element_tensor_is_its_item_as_in_torch():
    # float(loss) (common in PyTorch loops) used to be a TypeError.
    torch = pytest.importorskip("torch", reason="torch is the oracle")
    for value in (2.5, [-1.25], [[3.0]]):
        assert float(Tensor(value)) == float(torch.tensor(value))
    loss = (Tensor([1.0, 2.0], requires_grad=True) * 2).sum()
    assert float(loss) == 6.0 and isinstance(float(loss), float)
    with pytest.raises(ValueError, match=r"item\(\) needs a Tensor with one element"):
        float(Tensor([1.0, 2.0]))


def test_a_tied_parameter_is_one_parameter_as_in_torch():
    # The same Tensor in two places (tied weights) used to be listed twice: an optimizer then
    # refused the list ("appears more than once"); PyTorch lists it once.
    torch = pytest.importorskip("torch", reason="torch is the oracle for the count")
    from micrograd_mlp.module import Module
    from micrograd_mlp.optim import SGD
    from micrograd_mlp.tensor import Linear

    class Tied(Module):
        def __init__(self) -> None:
            self.encode = Linear(3, 3, seed=0)
            self.decode = Linear(3, 3, seed=1)
            self.decode.weight = self.encode.weight

    class TorchTied(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encode, self.decode = torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)
            self.decode.weight = self.encode.weight

    ours, theirs = Tied(), TorchTied()
    names = [name for name, _ in ours.named_parameters()]
    assert names == [name for name, _ in theirs.named_parameters()]
    assert names == ["encode.weight", "encode.bias", "decode.bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict())  # both keys, as torch
    SGD(ours.parameters(), lr=0.1)


# -------------------------------------------- a list of graph Tensors is not a silent constant
def test_a_list_of_tensors_that_require_grad_is_refused_not_made_a_constant():
    # NumPy reads each Tensor's numbers through __array__, so F.mse_loss([t1, t2], y) or a
    # per-sample model's list of outputs became a constant: backward() then failed far from
    # the cause ("does not require grad"), or, next to another term, the gradients of these
    # were silently lost. (fit used to call a plain function row by row: a list of Tensors.)
    from micrograd_mlp.optim import SGD
    from micrograd_mlp.tensor import MLP as TensorMLP
    from micrograd_mlp.tensor import functional as F
    from micrograd_mlp.training import fit

    a = Tensor([1.0, 2.0], requires_grad=True)
    message = r"list of Tensors that require grad would become a constant"
    with pytest.raises(TypeError, match=message):
        F.mse_loss([a, a * 2], np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"^Tensor: a tuple of Tensors"):
        Tensor(([a], [a]))
    with pytest.raises(TypeError, match=r"^Tensor \+: a list of Tensors"):
        a + [a, a * 2]  # an op's operand becomes an array by the same path
    model = TensorMLP(4, [3], seed=0)
    X, y = np.random.default_rng(0).normal(size=(8, 4)), np.arange(8) % 3
    opt = SGD(model.parameters(), lr=0.1)
    # A plain function trains on whole batches when the parameters it trains are Tensors.
    history = fit(lambda x: model(x), X, y, loss_fn=F.cross_entropy, optimizer=opt, epochs=1)
    assert len(history.loss) == 1
    # Constants in a list are still numbers.
    assert Tensor([Tensor([1.0]), Tensor([2.0])]).shape == (2, 1)
