"""Reference solution of exercise 4."""

from ex03_topological_order import topological_order


def backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        node._backward()
