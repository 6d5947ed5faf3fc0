"""Linear regression vs least squares, and an MLP fitting sin(x): ``python demos/regression.py
[--out DIR]``.
The work is done by ``micrograd_mlp.demos.regression``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import regression

if __name__ == "__main__":
    run_demo(regression, sys.argv[1:])
