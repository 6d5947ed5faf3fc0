"""Dying ReLU units and leaky ReLU: ``python demos/dying_relu.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.dying_relu``; the options are those of
``micrograd-mlp dying-relu``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import dying_relu

if __name__ == "__main__":
    script_main(dying_relu)
