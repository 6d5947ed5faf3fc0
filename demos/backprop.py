"""Watch backpropagation node by node: ``python demos/backprop.py ["tanh(x*y + 2)" --values x=1.5
y=-2] [--example shopping] [--lang ko] [--out DIR]``. The work is done by
``micrograd_mlp.demos.backprop``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import backprop

if __name__ == "__main__":
    script_main(backprop)
