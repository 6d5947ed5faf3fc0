"""Activations and their derivatives from backward(): ``python demos/activations.py [--out DIR]``.
The work is done by ``micrograd_mlp.demos.activations``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import activations

if __name__ == "__main__":
    run_demo(activations, sys.argv[1:])
