"""docs/tutorial.md works: its ```python blocks run in order in one namespace (their asserts check
the tutorial's claims), and every command and picture it mentions exists. The same for the Korean
tutorial, docs/ko/tutorial.md, whose blocks are run too and must be the English ones."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import shared_data_dir

from micrograd_mlp.cli import demo_modules, run_demo
from micrograd_mlp.data import find_mnist

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
KOREAN_TUTORIAL = ROOT / "docs" / "ko" / "tutorial.md"
# The tutorial finds MNIST in ../shared/data relative to the repository's root (where it runs).
SHARED_DATA = ROOT.parent / "shared" / "data"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
COMMAND = re.compile(r"micrograd-mlp ([a-z][a-z0-9-]*)")
PICTURE = re.compile(r"`out/([a-z0-9-]+)/([\w.-]+\.(?:png|gif|svg))`")


def code_blocks(path: Path = TUTORIAL) -> list[tuple[int, str]]:
    """(line number, source) of every ```python block, in order."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in BLOCK.finditer(text)]


#: The first line of a block that needs PyTorch: run by its own test, skipped without torch.
NEEDS_TORCH = "# needs PyTorch"


def torch_blocks(path: Path = TUTORIAL) -> list[tuple[int, str]]:
    """The blocks that need PyTorch (they start with :data:`NEEDS_TORCH`)."""
    return [b for b in code_blocks(path) if b[1].startswith(NEEDS_TORCH)]


def split_blocks(path: Path = TUTORIAL) -> tuple[list, list]:
    """The blocks before the first that loads MNIST, and that block with all after it
    (without the blocks that need PyTorch)."""
    blocks = [b for b in code_blocks(path) if not b[1].startswith(NEEDS_TORCH)]
    first = next((i for i, (_, src) in enumerate(blocks) if "load_mnist(" in src), len(blocks))
    return blocks[:first], blocks[first:]


def run_blocks(blocks: list[tuple[int, str]], namespace: dict, path: Path = TUTORIAL) -> None:
    for line, source in blocks:
        # The file name and line in tracebacks point at the block in the tutorial.
        code = compile("\n" * (line - 1) + source, str(path), "exec")
        exec(code, namespace)


@pytest.fixture(scope="module", params=[TUTORIAL, KOREAN_TUTORIAL], ids=["en", "ko"])
def namespace(request):
    """The namespace after running every block that needs no downloaded data, from the root,
    of the English and of the Korean tutorial (``namespace["__tutorial__"]`` is its path)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("MPLBACKEND", "Agg")
        ns: dict = {"__name__": "__tutorial__", "__tutorial__": request.param}
        run_blocks(split_blocks(request.param)[0], ns, request.param)
        yield ns


def test_tutorial_has_code_blocks_and_an_mnist_part():
    general, mnist = split_blocks()
    assert len(general) >= 10
    assert mnist and "load_mnist(" in mnist[0][1]


def test_tutorial_blocks_run_in_order(namespace):
    # The blocks assert their own claims; here, a few of the results they leave behind.
    assert namespace["final"][0.5] < namespace["final"][1.2]  # the learning-rate runs
    assert namespace["gate_accuracy"]["xor"] <= 0.75
    assert namespace["relu_accuracy"] == 1.0
    assert namespace["x0"].grad <= 0.25**10


def test_tutorial_pytorch_blocks_run(namespace):
    """The side-by-side PyTorch loop runs (and asserts ours matches it) when torch is there."""
    path = namespace["__tutorial__"]
    blocks = torch_blocks(path)
    if path == TUTORIAL:
        assert blocks, "the tutorial's PyTorch section lost its block"
    if not blocks:
        pytest.skip(f"{path.relative_to(ROOT)} has no block that needs PyTorch")
    pytest.importorskip("torch", reason="the tutorial's PyTorch blocks need torch installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        run_blocks(blocks, namespace, path)


def test_tutorial_mnist_blocks_run(namespace):
    # The tutorial finds MNIST by load_mnist's search order, as a reader's setup does: here
    # $MICROGRAD_MLP_DATA names the project's shared copy (if the cache holds none).
    found = shared_data_dir() or SHARED_DATA
    try:
        find_mnist("mnist", "test", root=found)
    except FileNotFoundError:
        pytest.skip(
            "MNIST's test split not found (../shared/data or $MICROGRAD_MLP_DATA): the "
            "tutorial's MNIST section was not run"
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("MICROGRAD_MLP_DATA", str(found))
        path = namespace["__tutorial__"]
        run_blocks(split_blocks(path)[1], namespace, path)
    assert namespace["correct"] / len(namespace["y_test"]) > 0.8


def test_every_command_the_tutorial_names_exists():
    text = TUTORIAL.read_text(encoding="utf-8")
    named = set(COMMAND.findall(text))
    assert {"activations", "linear-collapse", "losses", "learning-rate", "batch-size"} <= named
    assert named <= set(demo_modules())


def test_every_picture_the_tutorial_names_is_drawn_by_its_demo(tmp_path):
    """A demo that lists its files in ``PICTURES`` is trusted (tests/test_concept_demos.py
    checks that it writes exactly those); any other demo is run to see the file appear."""
    text = TUTORIAL.read_text(encoding="utf-8")
    pictures = PICTURE.findall(text)
    assert len(pictures) >= 8
    modules = demo_modules()
    to_run: dict[str, set[str]] = {}
    for command, name in pictures:
        assert command in modules, f"no demo {command!r} (named with {name})"
        declared = getattr(modules[command], "PICTURES", None)
        if declared is not None:
            assert name in declared, f"micrograd-mlp {command} does not draw {name}"
        else:
            to_run.setdefault(command, set()).add(name)
    if to_run and shutil.which("dot") is None:
        pytest.skip(f"Graphviz's dot is needed to draw the pictures of {sorted(to_run)}")
    for command, names in to_run.items():
        assert modules[command].BUILTIN_DATA
        run_demo(modules[command], ["--out", str(tmp_path / command)])
        for name in names:
            assert (tmp_path / command / name).is_file(), f"{command} did not write {name}"


def test_the_korean_tutorial_has_the_english_code_blocks():
    """docs/ko/tutorial.md carries every block of docs/tutorial.md, in order, character for
    character (its own tests run them): a block added or changed in English needs its Korean
    paragraph and block too."""
    english = [source for _, source in code_blocks(TUTORIAL)]
    korean = [source for _, source in code_blocks(KOREAN_TUTORIAL)]
    missing = [s.splitlines()[0] for s in english if s not in korean]
    extra = [s.splitlines()[0] for s in korean if s not in english]
    assert not missing and not extra, (
        f"docs/ko/tutorial.md lacks the English blocks starting {missing} and has blocks the "
        f"English tutorial does not, starting {extra}"
    )
    assert korean == english, "docs/ko/tutorial.md has the English blocks in another order"


def test_the_korean_tutorial_names_existing_commands_and_the_english_pictures():
    english = TUTORIAL.read_text(encoding="utf-8")
    korean = KOREAN_TUTORIAL.read_text(encoding="utf-8")
    assert set(COMMAND.findall(korean)) <= set(demo_modules())
    assert set(PICTURE.findall(english)) <= set(PICTURE.findall(korean))
