"""A perceptron learns AND and OR but not XOR; an MLP learns XOR: ``python demos/xor.py
[--out DIR]``.
The work is done by ``micrograd_mlp.demos.xor``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import xor

if __name__ == "__main__":
    run_demo(xor, sys.argv[1:])
