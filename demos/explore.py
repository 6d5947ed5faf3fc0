"""Step through forward and backward passes in a browser page: ``python demos/explore.py
["tanh(x*y + 2)" --values x=1.5 y=-2 | --example shopping [--lang ko] | --mlp]
[--out page.html]``. The work is done by ``micrograd_mlp.demos.explore``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import explore

if __name__ == "__main__":
    script_main(explore)
