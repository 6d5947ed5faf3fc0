"""Train an MLP on Fashion-MNIST or MNIST: ``python demos/mnist.py [--dataset mnist] [--epochs 20]
[--threads 2] [--checkpoint PATH --resume] [--out DIR]``. The work is done by
``micrograd_mlp.demos.mnist`` (the same as ``micrograd-mlp train``)."""

import os
import sys

if __name__ == "__main__" and "--threads" in sys.argv[1:-1]:
    # BLAS reads its thread count when NumPy is first imported: set it before that happens.
    threads = sys.argv[sys.argv.index("--threads") + 1]
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, threads)

from micrograd_mlp.cli import run_demo  # noqa: E402
from micrograd_mlp.demos import mnist  # noqa: E402

if __name__ == "__main__":
    run_demo(mnist, sys.argv[1:])
