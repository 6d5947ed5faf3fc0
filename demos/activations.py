"""Activations and their derivatives from backward(): ``python demos/activations.py [--out DIR]``.
The work is done by ``micrograd_mlp.demos.activations``; the options are those of
``micrograd-mlp activations``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import activations

if __name__ == "__main__":
    script_main(activations)
