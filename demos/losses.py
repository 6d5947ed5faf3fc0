"""MSE vs L1 with outliers, cross-entropy, and Gaussian NLL = MSE/2 + constant:
``python demos/losses.py [--out DIR]``. The work is done by ``micrograd_mlp.demos.losses``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import losses

if __name__ == "__main__":
    run_demo(losses, sys.argv[1:])
