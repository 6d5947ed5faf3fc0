"""AND, OR and XOR: a perceptron and an MLP: ``python demos/xor.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.xor``; the options are those of
``micrograd-mlp xor``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import xor

if __name__ == "__main__":
    script_main(xor)
