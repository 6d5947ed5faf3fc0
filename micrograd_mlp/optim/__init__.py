"""Optimizers shared by both engines, with PyTorch's names, arguments and update rules.

:class:`SGD` (momentum, Nesterov), :class:`Adam` (AMSGrad), :class:`AdamW`, :class:`RMSprop`,
:class:`Adagrad`, every one with ``maximize=True`` for gradient ascent; learning-rate schedulers
in :mod:`micrograd_mlp.optim.lr_scheduler` (``StepLR``, ``ExponentialLR``,
``CosineAnnealingLR``).

A parameter is anything with ``.data`` and ``.grad``: a scalar ``Value`` or a ``Tensor``; one
code path serves both. The parameters are packed into flat arrays, so a step is a dozen NumPy
calls for all of them (see :mod:`micrograd_mlp.optim.optimizer`: a ``Tensor``'s ``data`` is
*copied* into the optimizer's buffer and rebound to a view of it). A parameter whose ``grad``
is ``None`` is skipped, as in PyTorch.
"""

from micrograd_mlp.optim import lr_scheduler
from micrograd_mlp.optim.adagrad import Adagrad
from micrograd_mlp.optim.adam import Adam, AdamW
from micrograd_mlp.optim.optimizer import Optimizer
from micrograd_mlp.optim.rmsprop import RMSprop
from micrograd_mlp.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
