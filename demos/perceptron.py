"""Rosenblatt's perceptron rule on AND, OR and XOR, beside gradient descent:
``python demos/perceptron.py [--out DIR] [options]``. The work is done by
``micrograd_mlp.demos.perceptron``; the options are those of ``micrograd-mlp perceptron``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import perceptron

if __name__ == "__main__":
    script_main(perceptron)
