"""Graph traversal: kept for compatibility; the one topological order lives in
:mod:`micrograd_mlp.autodiff`."""

from micrograd_mlp.autodiff import Node, topological_order

__all__ = ["Node", "topological_order"]
