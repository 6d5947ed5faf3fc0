"""The same MLP and loss in the scalar engine, the vectorized engine and PyTorch.

Helpers for the property tests that compare engines: build the twin models, apply a
:class:`strategies.LossCase` in each engine's own functional module, and read every parameter
gradient as arrays named like the state dict (``layers.{i}.weight`` ``(nout, nin)``, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from strategies import Architecture, LossCase

import micrograd_mlp.functional as F
import micrograd_mlp.tensor.functional as TF
from micrograd_mlp.convert import from_torch_state_dict, to_tensor_mlp
from micrograd_mlp.engine import Value
from micrograd_mlp.nn import MLP as ScalarMLP
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.nn import MLP as TensorMLP


def twin_models(arch: Architecture, seed: int) -> tuple[ScalarMLP, TensorMLP]:
    """A scalar MLP and a float64 tensor MLP holding the same weights."""
    scalar = ScalarMLP(arch.nin, list(arch.nouts), arch.activation, seed=seed)
    return scalar, to_tensor_mlp(scalar, np.float64)


# ------------------------------------------------------------------------ scalar engine
def scalar_rows(model: ScalarMLP, X: np.ndarray) -> list[list[Value]]:
    """The model's outputs for each row of ``X``, always as a list per sample."""
    rows = []
    for x in X.tolist():
        out = model(x)
        rows.append(out if isinstance(out, list) else [out])
    return rows


def scalar_loss(case: LossCase, rows: list[list[Value]]) -> Value:
    """``case``'s loss on the scalar engine (``reduction="none"``: weighted by ``weights``)."""
    flat = [v for row in rows for v in row]
    target = case.target.reshape(-1).tolist()
    opts, r = case.options, case.reduction
    if case.loss == "cross_entropy":
        out = F.cross_entropy(rows, case.target.tolist(), reduction=r)
    elif case.loss == "gaussian_nll_loss":
        var = opts["var"]
        var = var if isinstance(var, float) else var.reshape(-1).tolist()
        out = F.gaussian_nll_loss(flat, target, var, full=opts["full"], reduction=r)
    elif case.loss == "binary_cross_entropy":
        out = F.binary_cross_entropy([v.sigmoid() for v in flat], target, reduction=r)
    elif case.loss == "hinge_loss":
        out = F.hinge_loss(flat, target, margin=opts["margin"], reduction=r)
    else:
        out = getattr(F, case.loss)(flat, target, reduction=r)
    if r == "none":
        return Value.dot(case.weights.reshape(-1).tolist(), out)
    return out


def scalar_grads(model: ScalarMLP) -> dict[str, np.ndarray]:
    """Every parameter's gradient, keyed and shaped like ``model.state_dict()``."""
    grads = {}
    for i, layer in enumerate(model.layers):
        grads[f"layers.{i}.weight"] = np.array([[w.grad for w in n.weight] for n in layer.neurons])
        grads[f"layers.{i}.bias"] = np.array([n.bias.grad for n in layer.neurons])
    return grads


# -------------------------------------------------------------------- vectorized engine
def tensor_loss(case: LossCase, logits: Tensor) -> Tensor:
    """``case``'s loss on the vectorized engine."""
    opts, r = case.options, case.reduction
    if case.loss == "gaussian_nll_loss":
        out = TF.gaussian_nll_loss(logits, case.target, opts["var"], full=opts["full"], reduction=r)
    elif case.loss == "binary_cross_entropy":
        out = TF.binary_cross_entropy(logits.sigmoid(), case.target, reduction=r)
    elif case.loss == "hinge_loss":
        out = TF.hinge_loss(logits, case.target, margin=opts["margin"], reduction=r)
    else:
        out = getattr(TF, case.loss)(logits, case.target, reduction=r)
    return (out * case.weights).sum() if r == "none" else out


def tensor_grads(model: TensorMLP) -> dict[str, np.ndarray]:
    """Every parameter's gradient (zeros where backward never reached it)."""
    return {
        name: np.zeros(p.shape) if p.grad is None else np.array(p.grad)
        for name, p in model.named_parameters()
    }


# ---------------------------------------------------------------------------- PyTorch
def torch_loss(torch: Any, case: LossCase, logits: Any) -> Any:
    """``case``'s loss with ``torch.nn.functional`` (hinge: ``relu(margin - y x)``, reduced)."""
    tf = torch.nn.functional
    opts, r = case.options, case.reduction
    target = torch.tensor(case.target)
    if case.loss == "cross_entropy":
        out = tf.cross_entropy(logits, target, reduction=r)
    elif case.loss == "gaussian_nll_loss":
        var = torch.tensor(np.broadcast_to(opts["var"], logits.shape).copy())
        out = tf.gaussian_nll_loss(logits, target, var, full=opts["full"], reduction=r)
    elif case.loss == "binary_cross_entropy":
        out = tf.binary_cross_entropy(torch.sigmoid(logits), target, reduction=r)
    elif case.loss == "hinge_loss":
        per = torch.relu(opts["margin"] - target * logits)
        out = per if r == "none" else (per.mean() if r == "mean" else per.sum())
    else:
        out = getattr(tf, case.loss)(logits, target, reduction=r)
    return (out * torch.tensor(case.weights)).sum() if r == "none" else out


def torch_grads(model: Any) -> dict[str, np.ndarray]:
    """The parameter gradients of a PyTorch model of Linear layers, keyed ``layers.{i}.*``."""
    return from_torch_state_dict({name: p.grad for name, p in model.named_parameters()})


#: Bound on the rounding noise of a gradient that is 0 in exact arithmetic (terms that cancel):
#: a few ulps of the cancelling terms. The strategies keep inputs in [-3, 3] and loss weights
#: in [-2, 2], so a term of a first-layer gradient is at most ~10 in size, whose ulp is
#: 1.8e-15; a rounding of half an ulp of a term near 2.7 (2.2e-16) was seen between the engines.
GRADIENT_NOISE = 4e-15


def adam_atol(hyper: dict, steps: int = 1) -> float:
    """Absolute tolerance on weights after ``steps`` Adam steps with settings ``hyper``.

    Adam divides by ``sqrt(v) + eps``: where a gradient is (numerically) zero its noise is
    amplified by up to ``lr / eps`` (Kingma & Ba's update ``lr * m / (sqrt(v) + eps)`` with
    ``|m|, sqrt(v) ~ |g| << eps``), so two correct implementations may differ by
    ``lr * GRADIENT_NOISE / eps`` per step there.
    """
    return steps * hyper["lr"] * GRADIENT_NOISE / hyper["eps"]


def assert_same_arrays(got: dict, expected: dict, what: str, **tol: float) -> None:
    """Same keys, and every array close (``numpy.testing.assert_allclose`` tolerances)."""
    assert got.keys() == expected.keys(), f"{what}: keys {sorted(got)} vs {sorted(expected)}"
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], **tol, err_msg=f"{what}: {key}")
