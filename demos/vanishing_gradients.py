"""Per-layer gradient norms of a deep MLP: ``python demos/vanishing_gradients.py [--out DIR]``.
The work is done by ``micrograd_mlp.demos.vanishing_gradients``; the options are those of
``micrograd-mlp vanishing-gradients``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import vanishing_gradients

if __name__ == "__main__":
    script_main(vanishing_gradients)
