"""Too small, good and too large learning rates; SGD, momentum, RMSprop, Adagrad, Adam, AdamW
and the three learning-rate schedulers:
``python demos/learning_rate.py [--out DIR]``. The work is done by
``micrograd_mlp.demos.learning_rate``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import learning_rate

if __name__ == "__main__":
    run_demo(learning_rate, sys.argv[1:])
