"""PyTorch as an extra oracle for random MLPs, losses and optimizers (hypothesis).

The same random MLPs, batches and losses as ``test_prop_mlp.py`` (every loss, every reduction),
with the weights copied into a float64 ``torch.nn.Sequential`` (``convert.to_torch_sequential``)
and the loss computed by ``torch.nn.functional`` (hinge, which PyTorch lacks under that name, as
``relu(margin - y * x)``):

* one step: the loss and every gradient of both engines equal PyTorch's, and so do the weights
  after one ``SGD`` and one ``Adam`` step compared with ``torch.optim`` (rtol 1e-9, atol 1e-12);
* 20 ``Adam`` steps on the same batch: both engines follow PyTorch's loss curve and end at its
  weights (rtol 1e-7, atol 1e-10: twenty steps let ulp-level differences grow a little).

Adam's weights get ``mlp_cases.adam_atol`` (``steps * lr * 1e-16 / eps``) added to their atol:
a gradient that cancels to exactly 0 in PyTorch is ~1e-18 here (NumPy's BLAS uses fused
multiply-adds), and Adam scales such noise by up to ``lr / eps`` (found by hypothesis: inputs
all 0, a hinge loss whose two samples' gradients cancel).

Skipped when PyTorch is not installed (CI installs ``torch==2.13.0``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mlp_cases import (
    adam_atol,
    assert_same_arrays,
    scalar_grads,
    scalar_loss,
    scalar_rows,
    tensor_grads,
    tensor_loss,
    torch_grads,
    torch_loss,
    twin_models,
)
from strategies import (
    LOSS_REDUCTIONS,
    adam_settings,
    architectures,
    batches,
    loss_cases,
    sgd_settings,
)

from micrograd_mlp.convert import from_torch_state_dict, to_torch_sequential
from micrograd_mlp.optim import SGD, Adam

torch = pytest.importorskip(
    "torch", reason="PyTorch is the extra oracle here; install torch==2.13.0 (CI does)"
)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors: PyTorch's thread pool costs ~50x the arithmetic (0.75 ms vs 0.017 ms per
    cross-entropy forward and backward measured here with 2 threads vs 1)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


ONE_STEP = {"rtol": 1e-9, "atol": 1e-12}
MANY_STEPS = {"rtol": 1e-7, "atol": 1e-10}
ADAM_STEPS = 20
EXAMPLES_ONE_STEP = 60  # per (loss, reduction) pair (21 pairs)
EXAMPLES_ADAM = 40


def draw_problem(data, loss: str, reduction: str):
    arch = data.draw(architectures(), label="architecture")
    X = data.draw(batches(arch.nin), label="inputs")
    case = data.draw(loss_cases(loss, reduction, len(X), arch.nout), label="loss case")
    scalar, tensor = twin_models(arch, seed=data.draw(st.integers(0, 2**32 - 1), label="seed"))
    return X, case, scalar, tensor, to_torch_sequential(scalar)


def torch_step_loss(model, X: np.ndarray, case):
    logits = model(torch.tensor(X))
    if case.loss == "binary_cross_entropy":
        # Where p (1 - p) < 1e-12 PyTorch's hand-written gradient caps the denominator while
        # ours is the exact derivative of the clamped loss (documented in functional): there
        # the two differ by design, so such examples are not comparable.
        p = torch.sigmoid(logits).detach().numpy()
        assume(bool(np.all(p * (1 - p) >= 1e-12)))
    return torch_loss(torch, case, logits)


def torch_optimizer(name: str, params, hyper: dict):
    return (torch.optim.SGD if name == "SGD" else torch.optim.Adam)(params, **hyper)


@pytest.mark.parametrize(("loss", "reduction"), LOSS_REDUCTIONS)
@settings(max_examples=EXAMPLES_ONE_STEP)
@given(data=st.data())
def test_one_step_matches_pytorch(loss, reduction, data) -> None:
    X, case, scalar, tensor, reference = draw_problem(data, loss, reduction)
    expected = torch_step_loss(reference, X, case)
    expected.backward()
    scalar_value = scalar_loss(case, scalar_rows(scalar, X))
    tensor_value = tensor_loss(case, tensor(X))
    for value in (scalar_value.data, float(tensor_value.data)):
        assert value == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    scalar_value.backward()
    tensor_value.backward()
    want = torch_grads(reference)
    assert_same_arrays(scalar_grads(scalar), want, "scalar gradients vs torch", **ONE_STEP)
    assert_same_arrays(tensor_grads(tensor), want, "tensor gradients vs torch", **ONE_STEP)

    start = scalar.state_dict()
    start_torch = {k: v.clone() for k, v in reference.state_dict().items()}
    for optimizer, hyper in ((SGD, data.draw(sgd_settings())), (Adam, data.draw(adam_settings()))):
        name = optimizer.__name__
        reference.load_state_dict(start_torch)  # gradients stay: one step each from the start
        torch_optimizer(name, reference.parameters(), hyper).step()
        want = from_torch_state_dict(reference.state_dict())
        tol = dict(ONE_STEP, atol=ONE_STEP["atol"] + (adam_atol(hyper) if name == "Adam" else 0))
        for model in (scalar, tensor):
            model.load_state_dict(start)
            optimizer(model.parameters(), **hyper).step()
            assert_same_arrays(model.state_dict(), want, f"{model!r} after {name}", **tol)


@pytest.mark.parametrize(("loss", "reduction"), LOSS_REDUCTIONS)
@settings(max_examples=EXAMPLES_ADAM)
@given(data=st.data())
def test_twenty_adam_steps_match_pytorch(loss, reduction, data) -> None:
    X, case, scalar, tensor, reference = draw_problem(data, loss, reduction)
    hyper = data.draw(adam_settings(), label="Adam")
    ours = [
        (scalar, Adam(scalar.parameters(), **hyper)),
        (tensor, Adam(tensor.parameters(), **hyper)),
    ]
    theirs = torch.optim.Adam(reference.parameters(), **hyper)
    for step in range(ADAM_STEPS):
        theirs.zero_grad()
        expected = torch_step_loss(reference, X, case)
        expected.backward()
        theirs.step()
        for model, optimizer in ours:
            optimizer.zero_grad()
            if model is scalar:
                value = scalar_loss(case, scalar_rows(scalar, X))
            else:
                value = tensor_loss(case, tensor(X))
            value.backward()
            optimizer.step()
            got = float(value.data)
            assert got == pytest.approx(expected.item(), **_approx(MANY_STEPS)), (
                f"{model!r}: loss at step {step}"
            )
    want = from_torch_state_dict(reference.state_dict())
    tol = dict(MANY_STEPS, atol=MANY_STEPS["atol"] + adam_atol(hyper, ADAM_STEPS))
    assert_same_arrays(scalar.state_dict(), want, "scalar MLP after 20 Adam steps", **tol)
    assert_same_arrays(tensor.state_dict(), want, "tensor MLP after 20 Adam steps", **tol)


def _approx(tol: dict) -> dict:
    return {"rel": tol["rtol"], "abs": tol["atol"]}
