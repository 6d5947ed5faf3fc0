"""Step through forward and backward passes in a browser page: ``python demos/explore.py
["tanh(x*y + 2)" --values x=1.5 y=-2 | --mlp] [--out page.html]``. The work is done by
``micrograd_mlp.demos.explore``."""

import sys

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import explore

if __name__ == "__main__":
    run_demo(explore, sys.argv[1:])
