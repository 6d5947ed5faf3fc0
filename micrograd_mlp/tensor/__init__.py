"""The vectorized engine: :class:`Tensor` autograd over NumPy arrays, and networks built on it.

``Tensor`` mirrors the scalar ``Value`` (same op names, the same backward pass:
:func:`micrograd_mlp.autodiff.backpropagate`) on whole arrays; ``Linear`` and ``MLP`` mirror the
scalar ``nn`` classes (same arguments, state-dict keys and seeded weights); ``functional`` has the
activations and losses under the scalar module's names. :mod:`micrograd_mlp.scalar` names the
scalar modules the same way (``scalar.engine``, ``scalar.nn``, ``scalar.functional``). The
optimizers in :mod:`micrograd_mlp.optim` work on these parameters unchanged.
"""

from micrograd_mlp.tensor import engine, functional, nn
from micrograd_mlp.tensor.engine import Tensor, is_grad_enabled, no_grad
from micrograd_mlp.tensor.nn import MLP, Linear

__all__ = [
    "MLP",
    "Linear",
    "Tensor",
    "engine",
    "functional",
    "is_grad_enabled",
    "nn",
    "no_grad",
]
