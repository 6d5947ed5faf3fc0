"""The ``micrograd-mlp`` command: one sub-command per demo module in ``micrograd_mlp.demos``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import micrograd_mlp.demos as demos_package

__all__ = ["build_parser", "demo_modules", "main", "run_demo"]


def demo_modules() -> dict[str, ModuleType]:
    """Every demo module, keyed by its ``COMMAND``, in a stable (alphabetical) order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(demos_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{demos_package.__name__}.{info.name}")
        if hasattr(module, "run") and hasattr(module, "COMMAND"):
            found[module.COMMAND] = module
    return found


def _add_common_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("out") / command,
        help="directory for pictures and files (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: ``demos`` (all built-in-data demos) plus one sub-command per demo."""
    parser = argparse.ArgumentParser(
        prog="micrograd-mlp", description="Learn and do backpropagation: demos and training."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    all_demos = commands.add_parser("demos", help="run every demo that needs no downloaded data")
    _add_common_arguments(all_demos, "")
    for command, module in demo_modules().items():
        # argparse %-formats help strings: a literal "%" in a demo's HELP must be doubled.
        sub = commands.add_parser(
            command, help=module.HELP.replace("%", "%%"), description=module.__doc__
        )
        _add_common_arguments(sub, command)
        module.add_arguments(sub)
    return parser


def run_demo(module: ModuleType, argv: Sequence[str] | None = None) -> dict:
    """Parse ``argv`` with the demo's own options and run it (what ``demos/<name>.py`` calls)."""
    parser = argparse.ArgumentParser(prog=f"{module.COMMAND}", description=module.__doc__)
    _add_common_arguments(parser, module.COMMAND)
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script. Returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.command != "demos":
        demo_modules()[args.command].run(args)
        return 0
    for command, module in demo_modules().items():
        if getattr(module, "BUILTIN_DATA", False):
            print(f"\n=== micrograd-mlp {command} ===", flush=True)
            run_demo(module, ["--out", str(args.out / command), "--seed", str(args.seed)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
