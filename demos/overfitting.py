"""Overfitting and three remedies: ``python demos/overfitting.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.overfitting``; the options are those of
``micrograd-mlp overfitting``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import overfitting

if __name__ == "__main__":
    script_main(overfitting)
