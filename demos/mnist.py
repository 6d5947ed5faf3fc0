"""Train an MLP on Fashion-MNIST or MNIST: ``python demos/mnist.py [--dataset mnist] [--epochs 20]
[--threads 2] [--checkpoint PATH --resume] [--out DIR]``. The work is done by
``micrograd_mlp.demos.mnist`` (the same as ``micrograd-mlp train``)."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import mnist

if __name__ == "__main__":
    run_demo(mnist, sys.argv[1:])
