"""Full-batch, mini-batch and single-sample gradient descent compared:
``python demos/batch_size.py [--out DIR]``. The work is done by
``micrograd_mlp.demos.batch_size``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import batch_size

if __name__ == "__main__":
    run_demo(batch_size, sys.argv[1:])
