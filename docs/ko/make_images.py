"""Re-create the Korean pictures under ``docs/ko/images/``: ``python docs/ko/make_images.py``.

* ``shopping.png`` -- the shopping computation graph (100 won x 2 apples x 1.1 tax) with Korean
  labels after ``backward()``: what ``draw_dot(shopping("ko").root)`` draws (README.ko.md, the
  Korean tutorial).
* ``shopping_gradients.png`` -- its leaves' gradients (2.2, 110, 200) as the bar chart that
  ``micrograd-mlp backprop --example shopping --lang ko`` writes as ``gradients.png``.

Needs Graphviz's ``dot`` and a Hangul font (``apt-get install graphviz fonts-nanum``).
"""

from __future__ import annotations

from pathlib import Path

from micrograd_mlp.demos.backprop import plot_leaf_gradients
from micrograd_mlp.examples import shopping
from micrograd_mlp.viz import draw_dot, save_graph
from micrograd_mlp.viz.fonts import hangul_font

IMAGES = Path(__file__).resolve().parent / "images"


def main() -> None:
    if hangul_font() is None:
        raise SystemExit("no Hangul font: install one first, e.g. apt-get install fonts-nanum")
    example = shopping("ko")
    example.root.backward()
    graph = save_graph(draw_dot(example.root), IMAGES / "shopping.png", on_missing_dot="raise")
    print(f"wrote {graph}")
    grads = {leaf.label: leaf.grad for leaf in example.leaves.values()}
    out = example.root.label
    print(f"wrote {plot_leaf_gradients(grads, out, IMAGES / 'shopping_gradients.png', 'ko')}")


if __name__ == "__main__":
    main()
