"""Re-create the pictures under ``docs/images/``: ``python docs/make_images.py`` (from anywhere).

* ``graph.svg`` -- the computation graph of one tanh neuron with two inputs and its squared
  error, after ``backward()``: what ``micrograd_mlp.viz.draw_dot`` draws (used in the README).
* the tutorial's pictures (:data:`DEMO_IMAGES`), each drawn by the demo command named beside it
  at its default settings (``--seed 0``) and copied here under its own name (PNGs reduced to
  256 colours to keep the repository small). The same command draws it into
  ``out/<command>/``.

(``explorer.png``, the README's screenshot of the explorer page, is made by its browser test.)
Everything is seeded, so a re-run gives the same pictures (given the same Matplotlib and
Graphviz versions).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from micrograd_mlp.cli import demo_modules, run_demo
from micrograd_mlp.engine import Value
from micrograd_mlp.nn import Neuron
from micrograd_mlp.viz import draw_dot, save_graph

IMAGES = Path(__file__).resolve().parent / "images"

#: docs/images/<name> -> (the demo command that draws it, the file it writes).
DEMO_IMAGES: dict[str, tuple[str, str]] = {
    "regression_linear.png": ("regression", "regression_linear.png"),
    "and_perceptron_boundary.png": ("xor", "and_perceptron_boundary.png"),
    "xor_perceptron_boundary.png": ("xor", "xor_perceptron_boundary.png"),
    "xor_mlp_boundary.png": ("xor", "xor_mlp_boundary.png"),
    "xor_graph.svg": ("xor", "xor_graph.svg"),
    "activations.png": ("activations", "activations.png"),
    "sigmoid_vs_tanh.png": ("sigmoid-vs-tanh", "sigmoid_vs_tanh.png"),
    "dying_relu.png": ("dying-relu", "dying_relu.png"),
    "vanishing_gradients.png": ("vanishing-gradients", "vanishing_gradients.png"),
    "softmax.png": ("softmax", "softmax.png"),
    "losses_regression.png": ("losses", "regression.png"),
    "learning_rates.png": ("learning-rate", "learning_rates.png"),
    "batch_size.png": ("batch-size", "batch_size.png"),
    "matrix_form.png": ("matrix-form", "matrix_form.png"),
}


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


def demo_images(images: Path = IMAGES, names: list[str] | None = None) -> list[Path]:
    """Run each demo of :data:`DEMO_IMAGES` once (into a temporary directory, its output
    silenced) and copy the pictures named (all by default) into ``images``.

    Returns:
        The files written.

    Raises:
        KeyError: a name that is not in :data:`DEMO_IMAGES`.
        FileNotFoundError: a demo did not write the file it is expected to.
    """
    wanted = {name: DEMO_IMAGES[name] for name in (names or DEMO_IMAGES)}
    modules = demo_modules()
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for command in dict.fromkeys(command for command, _ in wanted.values()):
            out = Path(tmp) / command
            with open(Path(tmp) / f"{command}.log", "w") as log, contextlib.redirect_stdout(log):
                run_demo(modules[command], ["--out", str(out), "--seed", "0"])
        images.mkdir(parents=True, exist_ok=True)
        for name, (command, file) in wanted.items():
            source, target = Path(tmp) / command / file, images / name
            if target.suffix == ".png":
                _small_png(source, target)
            else:
                shutil.copyfile(source, target)
            written.append(target)
    return written


def _small_png(source: Path, target: Path) -> None:
    """Copy a PNG as 256 colours (about a third of the size; plots use few colours)."""
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            target, optimize=True
        )


if __name__ == "__main__":
    print(f"wrote {neuron_graph(IMAGES / 'graph.svg')}")
    for path in demo_images():
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
