"""README.md works: its ```python blocks run in order, and it names exactly two commands."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def test_readme_python_blocks_run(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    blocks = BLOCK.findall(README)
    assert len(blocks) >= 2
    namespace: dict = {"__name__": "__readme__"}
    for source in blocks:
        exec(compile(source, "README.md", "exec"), namespace)
    # The first block's comments state its numbers: they are what the code gives, and the
    # gradients are far from tanh's saturation (issue 21: ~0.0005 taught nothing).
    out, x, w = namespace["out"], namespace["x"], namespace["w"]
    stated = re.search(r"tanh\(([-\d.]+)\) = ([-\d.]+)", README)
    assert float(stated[1]) == pytest.approx(x.data * w.data + 1.0)
    assert float(stated[2]) == pytest.approx(out.data, abs=5e-5)
    dx, dw = re.search(r"d out/dx = .* = ([-\d.]+), d out/dw = ([-\d.]+)", README).groups()
    assert (float(dx), float(dw)) == pytest.approx((x.grad, w.grad), abs=5e-3)
    assert min(abs(x.grad), abs(w.grad)) > 0.1
    # The claim of the second block: the tensor net has the scalar model's weights, so the same
    # loss gives the same gradients.
    from micrograd_mlp.functional import cross_entropy

    model, net = namespace["model"], namespace["net"]
    model.zero_grad()
    cross_entropy([model([0.5, -1.0]), model([1.0, 2.0])], [0, 2]).backward()
    scalar = np.array([[w.grad for w in n.weight] for n in model.layers[0].neurons])
    assert np.abs(scalar).max() > 0
    np.testing.assert_allclose(net.layers[0].weight.grad, scalar, rtol=1e-9, atol=1e-15)


def test_readme_gives_the_two_commands_that_ci_runs():
    commands = re.findall(r"^```\n(python -m pip install .*)\n```$", README, re.MULTILINE)
    assert commands == [
        "python -m pip install -e . && micrograd-mlp demos",
        'python -m pip install -e ".[test]" && python -m pytest',
    ]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", re.findall(r"\]\(((?:docs|benchmarks)/[^)]+)\)", README))
def test_readme_links_exist(path):
    assert (ROOT / path).exists(), path
