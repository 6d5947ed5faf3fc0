"""Sigmoid's one-signed updates vs tanh: ``python demos/sigmoid_vs_tanh.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.sigmoid_vs_tanh``; the options are those of
``micrograd-mlp sigmoid-vs-tanh``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import sigmoid_vs_tanh

if __name__ == "__main__":
    script_main(sigmoid_vs_tanh)
