"""The scalar engine under the names of the vectorized one: ``micrograd_mlp.scalar`` mirrors
:mod:`micrograd_mlp.tensor` module for module.

================================  =====================================
scalar (one float per node)       vectorized (one array per node)
================================  =====================================
``scalar.engine.Value``           ``tensor.tensor.Tensor``
``scalar.nn`` (Linear, MLP, ...)  ``tensor.nn`` (Linear, MLP, ...)
``scalar.functional``             ``tensor.functional``
================================  =====================================

The scalar files themselves stay at the top of the package (``micrograd_mlp/engine.py`` is the
engine a learner opens first; ``micrograd_mlp.nn``, ``micrograd_mlp.functional``): this package
only gives them their mirrored names, so ``import micrograd_mlp.scalar.nn`` *is*
``micrograd_mlp.nn``. What both engines share (the autodiff core, ``Module``, the optimizers,
the loss plumbing, training, checkpoints, data) is not here: see docs/architecture.md.
"""

import sys

from micrograd_mlp import engine, functional, nn
from micrograd_mlp.engine import Value
from micrograd_mlp.nn import MLP, Layer, Linear, Neuron

for _name, _module in (("engine", engine), ("functional", functional), ("nn", nn)):
    sys.modules[f"{__name__}.{_name}"] = _module  # import micrograd_mlp.scalar.nn works

__all__ = ["MLP", "Layer", "Linear", "Neuron", "Value", "engine", "functional", "nn"]
