"""PyTorch's loss modules (micrograd_mlp/loss_modules.py, bound to each engine's functions in
micrograd_mlp.nn and micrograd_mlp.tensor.nn): against torch.nn's modules (values and
gradients), each engine against the other, constructor checks, the deprecated
size_average/reduce mapping."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_mlp.nn as scalar_nn
import micrograd_mlp.tensor.nn as tensor_nn
from micrograd_mlp import loss_modules as L
from micrograd_mlp.engine import Value
from micrograd_mlp.tensor import Tensor


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch comparisons need torch installed")


RNG = np.random.default_rng(7)
N, C = 4, 3
LOGITS = RNG.normal(size=(N, C)) * 2
CLASSES = np.array([0, 2, 1, 2])
SOFT = RNG.dirichlet(np.ones(C), N)
X = RNG.normal(size=N)
Y = RNG.normal(size=N)
P = RNG.uniform(0.05, 0.95, N)
LABELS = np.array([1.0, 0.0, 1.0, 1.0])
VAR = RNG.uniform(0.2, 2.0, N)
W_CLASS = np.array([0.5, 2.0, 1.0])
W_ELEM = RNG.uniform(0.5, 1.5, N)

#: (name, our kwargs, input, extra call arguments): torch's module takes the same kwargs.
CASES = [
    ("MSELoss", {}, X, (Y,)),
    ("MSELoss", {"reduction": "sum"}, X, (Y,)),
    ("L1Loss", {"reduction": "none"}, X, (Y,)),
    ("CrossEntropyLoss", {}, LOGITS, (CLASSES,)),
    ("CrossEntropyLoss", {"weight": W_CLASS, "label_smoothing": 0.2}, LOGITS, (CLASSES,)),
    ("CrossEntropyLoss", {"ignore_index": 2, "reduction": "sum"}, LOGITS, (CLASSES,)),
    ("CrossEntropyLoss", {"weight": W_CLASS, "label_smoothing": 0.1}, LOGITS, (SOFT,)),
    ("BCELoss", {"weight": W_ELEM}, P, (LABELS,)),
    ("BCEWithLogitsLoss", {"pos_weight": np.array([3.0]), "weight": W_ELEM}, X, (LABELS,)),
    ("GaussianNLLLoss", {"full": True}, X, (Y, VAR)),
    ("GaussianNLLLoss", {"eps": 0.5, "reduction": "none"}, X, (Y, VAR)),
]
IDS = [f"{name}-{'-'.join(kw) or 'default'}-{i}" for i, (name, kw, _, _) in enumerate(CASES)]


def _torch_kwargs(torch, kwargs):
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def _torch_args(torch, args):
    return [torch.tensor(a) for a in args]


@pytest.mark.parametrize(("name", "kwargs", "x", "args"), CASES, ids=IDS)
def test_tensor_engine_matches_torch_module(torch, name, kwargs, x, args):
    ours = getattr(tensor_nn, name)(**kwargs)
    theirs = getattr(torch.nn, name)(**_torch_kwargs(torch, kwargs))
    xt = Tensor(x.copy(), requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    out, ref = ours(xt, *args), theirs(tx, *_torch_args(torch, args))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    up = RNG.uniform(0.5, 2.0, size=ref.shape)
    (out * up).sum().backward()
    (ref * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-13)


def _scalar(a):
    """An array as (nested) lists of Values."""
    return [_scalar(r) for r in a] if a.ndim > 1 else [Value(float(v)) for v in a]


@pytest.mark.parametrize(("name", "kwargs", "x", "args"), CASES, ids=IDS)
def test_scalar_engine_matches_the_tensor_engine(name, kwargs, x, args):
    xs = _scalar(x)
    xt = Tensor(x.copy(), requires_grad=True)
    plain = [a.tolist() for a in args]
    out = getattr(scalar_nn, name)(**kwargs)(xs, *plain)
    ref = getattr(tensor_nn, name)(**kwargs)(xt, *args)
    assert isinstance(ref, Tensor)
    got = np.array([o.data for o in out]) if isinstance(out, list) else np.array(out.data)
    np.testing.assert_allclose(got, ref.data, rtol=1e-12, atol=1e-14)
    up = RNG.uniform(0.5, 2.0, size=ref.shape)
    root = Value.dot(up.tolist(), out) if isinstance(out, list) else out * float(up)
    root.backward()
    (ref * up).sum().backward()
    grads = np.array([[v.grad for v in r] for r in xs] if x.ndim > 1 else [v.grad for v in xs])
    np.testing.assert_allclose(grads, xt.grad, rtol=1e-10, atol=1e-13)


def test_each_nn_module_calls_its_own_engine():
    loss = scalar_nn.MSELoss()
    assert isinstance(loss([Value(1.0), 2.0], [0.0, 0.0]), Value)
    assert isinstance(loss(Value(1.0), 0.0), Value)
    assert loss([1.0, 2.0], [0.0, 0.0]).data == pytest.approx(2.5)
    with pytest.raises(TypeError, match="got Tensor"):  # the scalar functions refuse a Tensor
        loss(Tensor([1.0, 2.0]), [0.0, 0.0])
    loss = tensor_nn.MSELoss()
    assert isinstance(loss(Tensor([1.0, 2.0]), [0.0, 0.0]), Tensor)
    assert isinstance(loss(np.array([1.0, 2.0]), np.zeros(2)), Tensor)
    assert loss(np.array([1.0, 2.0]), np.zeros(2)).item() == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: L.MSELoss(reduction="avg"), ValueError, "unknown reduction 'avg'"),
        (lambda: L.CrossEntropyLoss(label_smoothing=1.5), ValueError, "label_smoothing"),
        (lambda: L.CrossEntropyLoss(ignore_index=1.0), TypeError, "ignore_index must be an int"),
        (lambda: L.CrossEntropyLoss(weight=["a", "b"]), TypeError, "weight must be numbers"),
        (lambda: L.BCEWithLogitsLoss(pos_weight="x"), TypeError, "pos_weight must be numbers"),
        (lambda: L.GaussianNLLLoss(eps=-1.0), ValueError, "eps must be a number >= 0"),
    ],
)
def test_bad_constructor_arguments_are_refused(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_gaussian_nll_options_are_keyword_only():
    with pytest.raises(TypeError):
        L.GaussianNLLLoss(True)  # as in PyTorch


@pytest.mark.parametrize(
    ("size_average", "reduce"), [(None, False), (False, None), (True, True), (False, True)]
)
def test_deprecated_size_average_and_reduce_map_as_in_torch(torch, size_average, reduce):
    with pytest.warns(DeprecationWarning, match="size_average and reduce"):
        ours = L.L1Loss(size_average, reduce)
    with pytest.warns(UserWarning):
        theirs = torch.nn.L1Loss(size_average, reduce)
    assert ours.reduction == theirs.reduction


def test_repr_shows_the_options_that_differ_from_the_defaults():
    assert repr(L.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(L.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)) == (
        "CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)"
    )
    assert repr(L.GaussianNLLLoss(full=True, reduction="sum")) == (
        "GaussianNLLLoss(full=True, reduction='sum')"
    )


def test_no_parameters_and_each_nn_module_binds_its_functions():
    import micrograd_mlp.functional as scalar_functional
    import micrograd_mlp.tensor.functional as tensor_functional

    names = [n for n in L.__all__ if n != "bind_loss_modules"]
    for nn, functional in ((scalar_nn, scalar_functional), (tensor_nn, tensor_functional)):
        for name in names:
            cls = getattr(nn, name)
            assert issubclass(cls, getattr(L, name)) and cls.__name__ == name
            assert cls.functional is functional and cls.__module__ == nn.__name__
            assert name in nn.__all__
    assert tensor_nn.CrossEntropyLoss(weight=[1.0, 2.0]).parameters() == []


def test_a_loss_module_trains_a_tensor_mlp():
    from micrograd_mlp.optim import SGD

    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    model = tensor_nn.MLP(2, [8, 2], seed=0, dtype=np.float64)
    criterion = tensor_nn.CrossEntropyLoss(label_smoothing=0.05)
    opt = SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
