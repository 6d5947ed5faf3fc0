"""A line and a curve by gradient descent: ``python demos/regression.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.regression``; the options are those of
``micrograd-mlp regression``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import regression

if __name__ == "__main__":
    script_main(regression)
