"""Watch backpropagation node by node: ``python demos/backprop.py ["tanh(x*y + 2)" --values x=1.5
y=-2] [--out DIR]``. The work is done by ``micrograd_mlp.demos.backprop``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import backprop

if __name__ == "__main__":
    run_demo(backprop, sys.argv[1:])
