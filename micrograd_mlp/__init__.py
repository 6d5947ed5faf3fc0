"""micrograd-mlp: backpropagation to learn from and to train with.

``Value`` is the scalar autograd engine, ``nn`` builds networks on it, ``functional`` has the
activations and losses, ``optim`` the optimizers (shared with the vectorized engine in
``micrograd_mlp.tensor``).
"""

from micrograd_mlp.engine import Value
from micrograd_mlp.module import Module
from micrograd_mlp.nn import MLP, Layer, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value"]
__version__ = "0.1.0"
