"""The vectorized engine: :class:`Tensor` autograd over NumPy arrays, and networks built on it.

``Tensor`` (:mod:`~micrograd_mlp.tensor.tensor`, its ops in :mod:`~micrograd_mlp.tensor.ops`)
mirrors the scalar ``Value`` on whole arrays (the same op names, the same backward loop);
``Linear`` and ``MLP`` mirror the scalar ``nn`` classes (same arguments, state-dict keys and
seeded weights); ``functional`` has the activations and losses under the scalar module's names.
The optimizers in :mod:`micrograd_mlp.optim` work on these parameters unchanged.
"""

from micrograd_mlp.tensor import functional, nn, ops, tensor
from micrograd_mlp.tensor.nn import MLP, Linear
from micrograd_mlp.tensor.tensor import Tensor, is_grad_enabled, no_grad

__all__ = [
    "MLP",
    "Linear",
    "Tensor",
    "functional",
    "is_grad_enabled",
    "nn",
    "no_grad",
    "ops",
    "tensor",
]
