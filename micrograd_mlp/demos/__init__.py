"""Runnable demos, one module each, all reachable as ``micrograd-mlp <command>``.

A demo module defines:

* ``COMMAND`` (str) -- its sub-command name, and ``HELP`` (str) -- one line for ``--help``;
* ``BUILTIN_DATA`` (bool) -- True if it needs no downloaded data (``micrograd-mlp demos`` runs
  every such demo);
* ``add_arguments(parser)`` -- its own options (``--out`` and ``--seed`` are added for it);
* ``run(args) -> dict`` -- does the work, prints progress, writes pictures under ``args.out``
  and returns its measured results (the tests check them).

The scripts in the repository's ``demos/`` folder are thin wrappers around these modules.
"""
