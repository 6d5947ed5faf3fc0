"""Gradient ascent on a softmax policy's expected reward, and ascent = descent on -J:
``python demos/gradient_ascent.py [--out DIR]``. The work is done by
``micrograd_mlp.demos.gradient_ascent``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import gradient_ascent

if __name__ == "__main__":
    run_demo(gradient_ascent, sys.argv[1:])
