"""Two moons with hinge loss: ``python demos/moons.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.moons``; the options are those of
``micrograd-mlp moons``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import moons

if __name__ == "__main__":
    script_main(moons)
