"""Too small, good and too large learning rates; SGD, momentum, RMSprop, Adagrad, Adam, AdamW
and the three learning-rate schedulers:
``python demos/learning_rate.py [--out DIR] [options]``. The work is done by
``micrograd_mlp.demos.learning_rate``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import learning_rate

if __name__ == "__main__":
    script_main(learning_rate)
