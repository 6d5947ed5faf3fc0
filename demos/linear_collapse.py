"""Linear layers without activations collapse into one matrix and cannot learn XOR:
``python demos/linear_collapse.py [--out DIR]``. The work is done by
``micrograd_mlp.demos.linear_collapse``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import linear_collapse

if __name__ == "__main__":
    run_demo(linear_collapse, sys.argv[1:])
