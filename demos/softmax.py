"""Softmax probabilities and logit scaling: ``python demos/softmax.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.softmax``; the options are those of
``micrograd-mlp softmax``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import softmax

if __name__ == "__main__":
    script_main(softmax)
