"""micrograd-mlp: backpropagation to learn from and to train with.

The scalar world: ``Value`` (the autograd engine, ``micrograd_mlp/engine.py``: read it first),
``nn`` (``Neuron``, ``Layer``, ``Linear``, ``MLP``), ``functional`` (activations and losses),
``draw_dot`` (the computation graph as a picture) and ``explain`` (backward, in words). The
vectorized world: ``micrograd_mlp.tensor`` (``Tensor``, ``tensor.nn``, ``tensor.functional``)
for MNIST-scale training, with the same file, function and argument names. Shared by both:
``fit`` (the training loop, ``micrograd_mlp.training``), ``Function`` (define an op once),
``no_grad``, ``detect_anomaly``, ``Module``, the optimizers (``optim``: ``SGD``, ``Adam``, ...),
the data tools (``micrograd_mlp.data``) and ``manual_seed``. See docs/architecture.md.
"""

from micrograd_mlp import data, functional, nn, optim, tensor
from micrograd_mlp.autodiff import detect_anomaly, is_grad_enabled, no_grad
from micrograd_mlp.engine import Value
from micrograd_mlp.function import Context, Function
from micrograd_mlp.gradcheck import GradcheckError, gradcheck
from micrograd_mlp.module import Module, manual_seed
from micrograd_mlp.nn import MLP, Layer, Neuron
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.training import NonFiniteLossError, fit
from micrograd_mlp.viz.backprop import explain
from micrograd_mlp.viz.graph import draw_dot

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Context",
    "Function",
    "GradcheckError",
    "Layer",
    "Module",
    "Neuron",
    "NonFiniteLossError",
    "Value",
    "data",
    "detect_anomaly",
    "draw_dot",
    "explain",
    "fit",
    "functional",
    "gradcheck",
    "is_grad_enabled",
    "manual_seed",
    "nn",
    "no_grad",
    "optim",
    "tensor",
]
__version__ = "0.1.0"
