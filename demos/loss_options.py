"""PyTorch's loss function parameters, number by number: ``python demos/loss_options.py
[--lang ko] [options]``. The work is done by ``micrograd_mlp.demos.loss_options``; the options
are those of ``micrograd-mlp loss-options``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import loss_options

if __name__ == "__main__":
    script_main(loss_options)
