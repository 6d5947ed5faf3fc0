"""Random MLPs: the scalar and the vectorized engine compute the same training step (hypothesis).

For every loss and every reduction (one parametrized property each, so every pair runs), a
random architecture (1-4 layers, widths 1-8, any activation), the same weights in a scalar
``MLP`` and a float64 tensor ``MLP``, a random batch and random targets:

* the losses agree;
* every parameter's gradient agrees;
* the weights after one ``SGD`` step (random lr, momentum, Nesterov, weight decay) and, from the
  same start, after one ``Adam`` step (random lr, betas, eps, weight decay) agree.

Tolerances: rtol 1e-9 with atol 1e-12 (losses, gradients, weights): the engines sum the same
products in different orders (a scalar ``dot`` node against BLAS), which changes results by a
few ulps. After an Adam step the atol grows by ``mlp_cases.adam_atol`` (``lr * 1e-16 / eps``):
Adam amplifies the rounding noise of a gradient that cancels to zero by up to ``lr / eps``.
With ``reduction="none"`` the per-element losses are combined with random weights.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlp_cases import (
    adam_atol,
    assert_same_arrays,
    scalar_grads,
    scalar_loss,
    scalar_rows,
    tensor_grads,
    tensor_loss,
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

from micrograd_mlp.optim import SGD, Adam

TOL = {"rtol": 1e-9, "atol": 1e-12}
EXAMPLES = 80  # per (loss, reduction) pair (21 pairs)


@pytest.mark.parametrize(("loss", "reduction"), LOSS_REDUCTIONS)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_scalar_and_tensor_mlps_agree_on_loss_gradients_and_steps(loss, reduction, data) -> None:
    arch = data.draw(architectures(), label="architecture")
    X = data.draw(batches(arch.nin), label="inputs")
    case = data.draw(loss_cases(loss, reduction, len(X), arch.nout), label="loss case")
    scalar, tensor = twin_models(arch, seed=data.draw(st.integers(0, 2**32 - 1), label="seed"))

    scalar_value = scalar_loss(case, scalar_rows(scalar, X))
    tensor_value = tensor_loss(case, tensor(X))
    assert tensor_value.shape == ()
    assert scalar_value.data == pytest.approx(float(tensor_value.data), rel=1e-9, abs=1e-12)

    scalar_value.backward()
    tensor_value.backward()
    assert_same_arrays(scalar_grads(scalar), tensor_grads(tensor), "gradients", **TOL)

    start = scalar.state_dict()
    for optimizer, hyper in ((SGD, data.draw(sgd_settings())), (Adam, data.draw(adam_settings()))):
        scalar.load_state_dict(start)  # gradients stay: each optimizer takes one step from start
        tensor.load_state_dict(start)
        optimizer(scalar.parameters(), **hyper).step()
        optimizer(tensor.parameters(), **hyper).step()
        what = f"after one {optimizer.__name__} step"
        tol = dict(TOL, atol=TOL["atol"] + (adam_atol(hyper) if optimizer is Adam else 0.0))
        assert_same_arrays(scalar.state_dict(), tensor.state_dict(), what, **tol)
