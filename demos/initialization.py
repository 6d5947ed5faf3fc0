"""Weight initialization in a deep MLP: ``python demos/initialization.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.initialization``; the options are those of
``micrograd-mlp initialization``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import initialization

if __name__ == "__main__":
    script_main(initialization)
