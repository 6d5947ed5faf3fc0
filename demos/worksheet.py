"""Backpropagation by hand, a worksheet in the course's notation (U = W X):
``python demos/worksheet.py [--answers] [--write FILE [--force]] [--check FILE] [--lang ko]``.
The work is done by ``micrograd_mlp.demos.worksheet``; the options are those of
``micrograd-mlp worksheet``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import worksheet

if __name__ == "__main__":
    script_main(worksheet)
