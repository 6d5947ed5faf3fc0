"""``python -m micrograd_mlp ...``: the same command line as the ``micrograd-mlp`` script."""

import sys

from micrograd_mlp.cli import main

sys.exit(main())
