"""A linear stack is one matrix: ``python demos/linear_collapse.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.linear_collapse``; the options are those of
``micrograd-mlp linear-collapse``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import linear_collapse

if __name__ == "__main__":
    script_main(linear_collapse)
