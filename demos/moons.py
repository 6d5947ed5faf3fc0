"""MLP(2, [16, 16, 1]) on two moons with hinge loss + L2: ``python demos/moons.py [--out DIR]``.
The work is done by ``micrograd_mlp.demos.moons``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import moons

if __name__ == "__main__":
    run_demo(moons, sys.argv[1:])
