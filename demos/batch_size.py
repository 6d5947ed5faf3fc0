"""Full-batch vs mini-batch gradient descent: ``python demos/batch_size.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.batch_size``; the options are those of
``micrograd-mlp batch-size``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import batch_size

if __name__ == "__main__":
    script_main(batch_size)
