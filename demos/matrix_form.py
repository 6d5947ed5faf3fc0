"""The lecture's U = W X vs our Y = X W^T: ``python demos/matrix_form.py [--out DIR] [options]``.
The work is done by ``micrograd_mlp.demos.matrix_form``; the options are those of
``micrograd-mlp matrix-form``."""

from micrograd_mlp.cli import script_main
from micrograd_mlp.demos import matrix_form

if __name__ == "__main__":
    script_main(matrix_form)
