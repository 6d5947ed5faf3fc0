"""The notebooks are lessons, in English (``notebooks/``) and Korean (``notebooks/ko/``): the idea
with code to run; a "your turn" cell the learner completes (exercise functions with blanks,
``...``) and a check cell that says right or not yet, with the exercise checker's hints
(``check_cell``, in the kernel); a question, and a hidden answer after it.

Every notebook runs in a fresh kernel twice: with its blanks filled from the reference solutions
(the your-turn cell's functions replaced by the solution's, found by the cell's metadata; the
check says right) and as committed (the check says not yet, and the notebook runs on to its
end). The MNIST notebook finds the data as the CLI does, and without it says how to get it.
Nothing is written into the repository or the notebook's folder (the workbook of notebook 7 goes
to the user cache). The setup cell installs from the learner's copy of the project, never from a
package index, and does nothing when the package is importable. Notebooks are committed without
outputs, and the Korean ones are the English lessons, cell for cell.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
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

from micrograd_mlp.exercises.workbook import by_number, render_solution  # noqa: E402
from micrograd_mlp.messages import message  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LESSONS = (
    "01_one_neuron_gradient_descent",
    "02_perceptron_logic_gates_xor",
    "03_activations_linear_collapse",
    "04_losses",
    "05_backprop_node_by_node",
    "06_minibatches_mnist",
    "07_exercises",
)
FOLDERS = {"en": ROOT / "notebooks", "ko": ROOT / "notebooks" / "ko"}
NOTEBOOKS = [(lang, FOLDERS[lang] / f"{stem}.ipynb") for lang in FOLDERS for stem in LESSONS]
IDS = [f"{lang}-{path.stem[:2]}" for lang, path in NOTEBOOKS]
KERNEL = "micrograd-mlp-tests"
HANGUL = re.compile("[\uac00-\ud7a3]")
#: The order of a lesson's parts, by cell tag.
PARTS = ("setup", "your-turn", "check", "question", "answer")
#: What each run must show, besides no error: pictures of these kinds.
PICTURES = {"01": "image/png", "02": "image/png", "03": "image/png", "04": "image/png"}
PICTURES |= {"05": "image/svg+xml"}
#: The seed the filled runs pass to check_cell: reproducible runs (the reference solution of
#: exercise 9 misses XOR for about one seed in a hundred).
SEED = 0


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _tagged(book, tag: str) -> list:
    return [cell for cell in book.cells if tag in cell.metadata.get("tags", [])]


def _start(key: str, lang: str) -> str:
    """The fixed start of a message: what comes before its first field."""
    fields = dict.fromkeys(["funcs", "cases", "n", "func", "message"], "\x00")
    return message(key, lang, **fields).split("\x00")[0]


# ----------------------------------------------------------------------------- the lessons
def test_the_lessons_exist_in_both_languages():
    for folder in FOLDERS.values():
        assert sorted(p.stem for p in folder.glob("*.ipynb")) == list(LESSONS)


def _defined(source: str) -> list[str]:
    return [
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    ]


def _blank(source: str, name: str) -> bool:
    """Whether the function ``name`` of ``source`` has a blank (``...``) in its body."""
    (node,) = [n for n in ast.parse(source).body if getattr(n, "name", None) == name]
    return any(
        isinstance(inner, ast.Constant) and inner.value is Ellipsis
        for statement in node.body
        for inner in ast.walk(statement)
    )


def _check_call(source: str) -> ast.Call:
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check_cell"
    ]
    assert len(calls) == 1, source
    return calls[0]


@pytest.mark.parametrize("lang, path", NOTEBOOKS, ids=IDS)
def test_every_notebook_is_a_lesson(lang, path):
    book = _read(path)
    cells = book.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(
        f"# {int(path.stem[:2])}."
    )
    assert cells[1].cell_type == "code" and cells[1].metadata.get("tags") == ["setup"]
    tags = [cell.metadata.get("tags", [None])[0] for cell in cells]
    assert [t for t in tags if t] == list(PARTS), "setup, your turn, check, question, answer"
    turn, check, question, answer = (tags.index(t) for t in PARTS[1:])
    assert check == turn + 1 and answer == question + 1 and check < question
    assert tags[2:turn].count(None) >= 2, "the idea comes with code to run before the turn"

    your_turn = cells[turn]
    meta = your_turn.metadata["micrograd_mlp"]
    assert your_turn.cell_type == "code" and _defined(your_turn.source) == meta["functions"]
    assert all(_blank(your_turn.source, name) for name in meta["functions"])
    call = _check_call(cells[check].source)
    assert [a.value for a in call.args] == [meta["exercise"]]
    keywords = {k.arg: k.value for k in call.keywords}
    assert [k for k in keywords if k != "lang"] == meta["functions"]
    assert all(getattr(keywords[name], "id", None) == name for name in meta["functions"])
    assert getattr(keywords.get("lang"), "value", "en") == lang

    assert cells[question].cell_type == cells[answer].cell_type == "markdown"
    assert cells[answer].source.startswith("<details>") and "</details>" in cells[answer].source
    if lang == "ko":
        assert all(HANGUL.search(c.source) for c in cells if c.cell_type == "markdown")


class _Shape(ast.NodeTransformer):
    """A code cell without what may differ between the languages: its strings and comments
    (gone with the parse), ``lang=`` arguments, and the Korean plots' font settings."""

    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node):
        return ast.Constant("")

    def visit_Call(self, node):
        node.keywords = [k for k in node.keywords if k.arg != "lang"]
        node.args = [a for a in node.args if not (isinstance(a, ast.Constant) and a.value == "ko")]
        return self.generic_visit(node)


def _shape(source: str) -> str:
    tree = ast.parse(source)
    fonts = ("plot_rc", "fix_log_ticks")
    tree.body = [
        node
        for node in tree.body
        if not any(name in ast.unparse(node) for name in fonts)
        or isinstance(node, ast.FunctionDef | ast.ClassDef | ast.If | ast.For)
    ]
    return ast.dump(_Shape().visit(tree))


@pytest.mark.parametrize("stem", LESSONS)
def test_the_korean_notebooks_are_the_english_lessons(stem):
    english, korean = (_read(FOLDERS[lang] / f"{stem}.ipynb") for lang in ("en", "ko"))
    assert [(c.cell_type, c.metadata) for c in korean.cells] == [
        (c.cell_type, c.metadata) for c in english.cells
    ]
    for en, ko in zip(english.cells, korean.cells):
        if en.cell_type == "code":
            assert _shape(ko.source) == _shape(en.source), f"cell {en.id} differs"


@pytest.mark.parametrize("lang, path", NOTEBOOKS, ids=IDS)
def test_committed_notebooks_have_no_outputs(lang, path):
    book = _read(path)
    nbformat.validate(book)
    for index, cell in enumerate(book.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name} cell {index} has outputs: clear them before committing (jupyter "
                "nbconvert --clear-output --inplace notebooks/*.ipynb notebooks/ko/*.ipynb)"
            )
    text = path.read_text(encoding="utf-8")
    assert str(ROOT) not in text and "/shared/data" not in text  # no path of this machine


# ------------------------------------------------------------------------------ the setup cell
def _setup(lang: str) -> str:
    sources = {_read(path).cells[1].source for language, path in NOTEBOOKS if language == lang}
    assert len(sources) == 1, f"the {lang} notebooks' setup cells differ"
    return sources.pop()


def test_the_setup_cell_is_one_cell_in_each_language():
    assert _shape(_setup("en")) == _shape(_setup("ko"))
    for lang in FOLDERS:
        pip = re.findall(r"pip.*install[^\n]*", _setup(lang))
        assert pip and not any("micrograd-mlp" in line or "micrograd_mlp" in line for line in pip)


def _project(folder: Path) -> Path:
    (folder / "micrograd_mlp").mkdir(parents=True)
    (folder / "micrograd_mlp" / "__init__.py").write_text("")
    (folder / "setup.cfg").write_text("[metadata]\nname = micrograd-mlp\n")
    return folder


def _layout(kind: str, tmp_path: Path) -> tuple[Path, list[str] | None]:
    """A folder the notebook runs in, and the pip arguments the setup cell should use there."""
    if kind == "checkout":  # notebooks/ko of a git checkout
        project = _project(tmp_path / "micrograd-mlp")
        (project / "notebooks" / "ko").mkdir(parents=True)
        return project / "notebooks" / "ko", ["-e", str(project)]
    if kind == "uploaded":  # a hosted Jupyter: the project uploaded beside the notebook
        project = _project(tmp_path / "content" / "micrograd-mlp-main")
        return tmp_path / "content", ["-e", str(project)]
    if kind == "wheel":
        (tmp_path / "dist").mkdir()
        wheel = tmp_path / "dist" / "micrograd_mlp-0.1.0-py3-none-any.whl"
        wheel.write_bytes(b"")
        return tmp_path, [str(wheel)]
    return tmp_path, None


@pytest.mark.parametrize("kind", ["checkout", "uploaded", "wheel", "nothing"])
@pytest.mark.parametrize("lang", list(FOLDERS))
def test_the_setup_cell_installs_from_the_learners_copy(kind, lang, tmp_path, monkeypatch):
    import importlib.util

    where, expected = _layout(kind, tmp_path)
    monkeypatch.chdir(where)
    monkeypatch.setattr(sys, "path", list(sys.path))
    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "micrograd_mlp" else found(name, *args),
    )
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda argv, **kw: calls.append(argv))
    cell = compile(_setup(lang), f"<setup cell {lang}>", "exec")
    if expected is None:
        with pytest.raises(ModuleNotFoundError, match="PROJECT"):
            exec(cell, {"__name__": "__main__"})
        assert calls == []
        return
    exec(cell, {"__name__": "__main__"})
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", *expected]]
    assert expected[0] != "-e" or sys.path[0] == expected[1]


def test_the_setup_cell_leaves_an_importable_package_alone(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda argv, **kw: calls.append(argv))
    for lang in FOLDERS:
        exec(compile(_setup(lang), "<setup cell>", "exec"), {"__name__": "__main__"})
    assert calls == [] and capsys.readouterr().out.startswith("micrograd-mlp ")


# ---------------------------------------------------------------------------- running them
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


def fill(book):
    """``book`` with each your-turn cell's functions replaced by the reference solution's (the
    cell's own imports and the solution's kept, and the solution's private helpers), and a
    fixed seed for each check."""
    for cell in _tagged(book, "your-turn"):
        meta = cell.metadata["micrograd_mlp"]
        solution = render_solution(by_number(meta["exercise"]), "en")
        tree = ast.parse(solution)
        imports = [
            ast.get_source_segment(cell.source, node)
            for node in ast.parse(cell.source).body
            if isinstance(node, ast.Import | ast.ImportFrom)
        ]
        imports += [
            ast.get_source_segment(solution, node)
            for node in tree.body
            if isinstance(node, ast.Import)
            or (isinstance(node, ast.ImportFrom) and not re.match(r"ex\d\d_", node.module or ""))
        ]
        functions = [
            ast.get_source_segment(solution, node)
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
            and (node.name in meta["functions"] or node.name.startswith("_"))
        ]
        assert [n for n in _defined("\n\n".join(functions)) if n[0] != "_"] == meta["functions"]
        cell.source = "\n".join(imports) + "\n\n\n" + "\n\n\n".join(functions) + "\n"
    for cell in _tagged(book, "check"):
        cell.source = re.sub(r"check_cell\((.*)\)$", rf"check_cell(\1, seed={SEED})", cell.source)
    return book


def execute(book, cwd: Path, specs: KernelSpecManager, env: dict[str, str]):
    """Run ``book`` in a fresh kernel with working directory ``cwd``."""
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


def _env(cache: Path, data: Path | None) -> dict[str, str]:
    """The kernel's environment: this package importable, data (or none) in
    ``MICROGRAD_MLP_DATA``, the user cache in ``cache`` (matplotlib keeps its own)."""
    import matplotlib

    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # ipykernel's inline one
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["MPLCONFIGDIR"] = matplotlib.get_cachedir()
    env["XDG_CACHE_HOME"] = str(cache)
    env["MICROGRAD_MLP_DATA"] = str(data if data is not None else cache / "no-data")
    (cache / "no-data").mkdir(parents=True, exist_ok=True)
    return env


def _outputs(cells) -> list[dict]:
    return [out for cell in cells if cell.cell_type == "code" for out in cell.outputs]


def _text(cells) -> str:
    return "".join(out.get("text", "") for out in _outputs(cells) if out.output_type == "stream")


def _run(lang, path, tmp_path, specs, *, filled: bool, data: Path | None):
    """Run the notebook (filled or as committed) in a copy of its folder; the book, its run
    time and the user cache it had."""
    cwd = tmp_path / "notebook"
    cwd.mkdir()
    cache = tmp_path / "cache"
    book = fill(_read(path)) if filled else _read(path)
    start = time.perf_counter()
    execute(book, cwd, specs, _env(cache, data))  # raises CellExecutionError on any error
    elapsed = time.perf_counter() - start
    assert not [out for out in _outputs(book.cells) if out.output_type == "error"]
    assert list(cwd.iterdir()) == [], "a notebook wrote into its own folder"
    text = _text(book.cells)
    assert "Warning" not in text and "warn" not in text.lower()  # nothing odd printed
    mimes = {m for out in _outputs(book.cells) for m in out.get("data", {})}
    if path.stem[:2] in PICTURES:
        assert PICTURES[path.stem[:2]] in mimes
    return book, elapsed, cache


@pytest.mark.parametrize("lang, path", NOTEBOOKS, ids=IDS)
def test_the_notebook_with_its_blanks_filled_says_right(lang, path, tmp_path, kernel_specs):
    data = shared_data_dir()
    book, elapsed, cache = _run(lang, path, tmp_path, kernel_specs, filled=True, data=data)
    for check in _tagged(book, "check"):
        assert _text([check]).startswith(_start("notebook.right", lang)), _text([check])
    text = _text(book.cells)
    if path.stem.startswith("06") and data is not None:
        assert ("test accuracy" if lang == "en" else "시험 정확도") in text
        assert "image/png" in {m for out in _outputs(book.cells) for m in out.get("data", {})}
    if path.stem.startswith("02"):  # the neuron on XOR: p stays at 1/2, so no line is drawn
        line = next(t for t in text.splitlines() if "p(class 1)" in t or "p(클래스 1)" in t)
        low, high = map(float, re.findall(r"\d\.\d{3}", line))
        assert 0.45 < low <= high < 0.55 and high - low < 0.1, line  # 0.1: draw_regions' rule
    if path.stem.startswith("07"):
        workbook = cache / "micrograd-mlp" / ("workbook" if lang == "en" else "workbook-ko")
        assert (workbook / "ex01_local_derivatives.py").is_file()
        not_started = message("exercises.status.not_started", lang)
        summary = message("exercises.table.summary", lang, passed=0, total=1)
        assert not_started in text and summary in text  # exercise 1, in a process of its own
    assert elapsed < 60


@pytest.mark.parametrize("lang, path", NOTEBOOKS, ids=IDS)
def test_the_notebook_as_committed_says_not_yet_and_runs_on(lang, path, tmp_path, kernel_specs):
    book, elapsed, _ = _run(lang, path, tmp_path, kernel_specs, filled=False, data=None)
    for check in _tagged(book, "check"):
        assert _text([check]).startswith(_start("notebook.not_yet", lang)), _text([check])
    after = book.cells[book.cells.index(_tagged(book, "answer")[0]) + 1 :]
    assert after == [] or _outputs(after), "the cells after the question ran"
    import micrograd_mlp.data.mnist as mnist

    if path.stem.startswith("06") and not (Path(mnist.SYSTEM_DATA_DIR) / "mnist").exists():
        text = _text(book.cells)
        assert "micrograd-mlp train --dataset mnist --download" in text
        assert "DATA_DIR" in text and "DOWNLOAD = True" in text
        assert ("test accuracy" if lang == "en" else "시험 정확도") not in text
    assert elapsed < 60
