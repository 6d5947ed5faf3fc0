"""Every notebook in notebooks/ runs top to bottom in a fresh kernel without an error, shows its
graphs and plots inline, and is committed without outputs. The MNIST notebook runs with the
shared data and, without any data, skips its MNIST part with a clear message."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from conftest import shared_data_dir

nbformat = pytest.importorskip("nbformat", reason="nbformat (the test extra) runs the notebooks")
nbclient = pytest.importorskip("nbclient", reason="nbclient (the test extra) runs the notebooks")
pytest.importorskip("ipykernel", reason="ipykernel (the test extra) is the notebooks' kernel")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "micrograd-mlp-tests"


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory) -> KernelSpecManager:
    """A kernel spec that runs this interpreter (``sys.executable``), so the notebooks use the
    environment the tests run in, whatever kernels (if any) are installed on the machine."""
    folder = tmp_path_factory.mktemp("kernels") / KERNEL
    folder.mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "micrograd-mlp tests",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(folder.parent)], ensure_native_kernel=False)


def execute(path: Path, cwd: Path, specs: KernelSpecManager, env: dict[str, str]):
    """Run the notebook at ``path`` in a fresh kernel with working directory ``cwd``."""
    book = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel process inherits this environment
    try:
        manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)
        client = nbclient.NotebookClient(
            book,
            km=manager,
            timeout=120,
            kernel_name=KERNEL,
            resources={"metadata": {"path": str(cwd)}},
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return book


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # ipykernel's inline one
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _outputs(book) -> list[dict]:
    return [out for cell in book.cells if cell.cell_type == "code" for out in cell.outputs]


def _text(book) -> str:
    return "".join(
        out.get("text", "") if out.output_type == "stream" else "" for out in _outputs(book)
    )


def test_there_are_notebooks_along_the_tutorial_and_one_for_the_exercises():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) >= 7 and names[-1] == "07_exercises"
    for path in NOTEBOOKS:
        first = nbformat.read(path, as_version=4).cells[1]
        assert first.cell_type == "code" and 'find_spec("micrograd_mlp")' in first.source
        assert "pip" in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebooks_have_no_outputs(path: Path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for index, cell in enumerate(book.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name} cell {index} has outputs: clear them before committing "
                "(jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)"
            )
    text = path.read_text(encoding="utf-8")
    assert str(ROOT) not in text and "/shared/data" not in text  # no path of this machine


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_fresh_kernel(path: Path, tmp_path: Path, kernel_specs):
    data = shared_data_dir()
    env = _env(MICROGRAD_MLP_DATA=str(data) if data else None)
    start = time.perf_counter()
    book = execute(path, tmp_path, kernel_specs, env)  # raises CellExecutionError on any error
    elapsed = time.perf_counter() - start
    errors = [out for out in _outputs(book) if out.output_type == "error"]
    assert not errors
    mimes = {m for out in _outputs(book) for m in out.get("data", {})}
    text = _text(book)
    assert "Warning" not in text and "warn" not in text.lower()  # importing prints nothing odd
    if path.stem in (
        "01_one_neuron_gradient_descent",
        "02_perceptron_logic_gates_xor",
        "03_activations_linear_collapse",
        "04_losses",
    ):
        assert "image/png" in mimes  # matplotlib, inline
    if path.stem == "05_backprop_node_by_node":
        assert "image/svg+xml" in mimes  # graphviz, inline
    if path.stem == "06_minibatches_mnist" and data is not None:
        assert "test accuracy" in text and "image/png" in mimes
    if path.stem == "07_exercises":
        assert (tmp_path / "workbook" / "ex01_local_derivatives.py").is_file()
        assert "not started" in text and "0 of 1 checked exercises passed." in text
    assert elapsed < 60


def test_mnist_notebook_skips_clearly_without_data(tmp_path: Path, kernel_specs, monkeypatch):
    empty = tmp_path / "nodata"
    empty.mkdir()
    import micrograd_mlp.data.mnist as mnist

    if (Path(mnist.SYSTEM_DATA_DIR) / "mnist").exists():
        pytest.skip(f"MNIST is installed system-wide in {mnist.SYSTEM_DATA_DIR}")
    env = _env(MICROGRAD_MLP_DATA=str(empty), XDG_CACHE_HOME=str(empty), HOME=str(empty))
    path = ROOT / "notebooks" / "06_minibatches_mnist.ipynb"
    start = time.perf_counter()
    book = execute(path, tmp_path, kernel_specs, env)
    text = _text(book)
    assert "MNIST was not found, so the rest of this notebook is skipped." in text
    assert "MICROGRAD_MLP_DATA" in text and "test accuracy" not in text
    assert time.perf_counter() - start < 30
