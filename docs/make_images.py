"""Re-create the pictures under ``docs/images/``: ``python docs/make_images.py`` (from anywhere).

* ``graph.svg`` -- the computation graph of one tanh neuron with two inputs and its squared
  error, after ``backward()``: what ``micrograd_mlp.viz.draw_dot`` draws (used in the README).

Everything is seeded, so a re-run gives the same files (given the same Graphviz version).
"""

from __future__ import annotations

from pathlib import Path

from micrograd_mlp.engine import Value
from micrograd_mlp.nn import Neuron
from micrograd_mlp.viz import draw_dot, save_graph

IMAGES = Path(__file__).resolve().parent / "images"


def neuron_graph(path: Path) -> Path:
    """Draw ``loss = (tanh(w1*x1 + w2*x2 + b) - target)**2`` for a seeded neuron."""
    neuron = Neuron(2, activation="tanh", seed=0)
    for w, name in zip(neuron.weight, ("w1", "w2")):
        w.label = name
    neuron.bias.label = "b"
    out = neuron([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    loss = (out - Value(1.0, label="target")) ** 2
    loss.label = "loss"
    loss.backward()
    return save_graph(draw_dot(loss, params=neuron), path, on_missing_dot="raise")


if __name__ == "__main__":
    print(f"wrote {neuron_graph(IMAGES / 'graph.svg')}")
