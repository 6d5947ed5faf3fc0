"""Common backprop mistakes, each printed as the wrong number next to the right one:
``python demos/pitfalls.py [--lang ko]``. The work is done by ``micrograd_mlp.demos.pitfalls``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import pitfalls

if __name__ == "__main__":
    script_main(pitfalls)
