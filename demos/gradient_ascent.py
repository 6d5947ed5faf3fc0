"""Gradient ascent on a softmax policy's expected reward, and ascent = descent on -J:
``python demos/gradient_ascent.py [--out DIR] [options]``. The work is done by
``micrograd_mlp.demos.gradient_ascent``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import gradient_ascent

if __name__ == "__main__":
    script_main(gradient_ascent)
