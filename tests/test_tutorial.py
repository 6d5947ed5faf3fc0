"""docs/tutorial.md works: its ```python blocks run in order in one namespace (their asserts check
the tutorial's claims), the ```text block under each is what it prints, and every command and
picture it mentions exists. The same for the Korean tutorial, docs/ko/tutorial.md, whose blocks
are run too and must be the English ones, comments aside (its comments are Korean), with the same
output."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import shared_data_dir
from markdown_code import Block, comments, without_comments
from markdown_code import python_blocks as code_blocks

from micrograd_mlp.cli import demo_modules, run_demo
from micrograd_mlp.data import find_mnist
from micrograd_mlp.messages import message

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
KOREAN_TUTORIAL = ROOT / "docs" / "ko" / "tutorial.md"
# The tutorial finds MNIST in ../shared/data relative to the repository's root (where it runs).
SHARED_DATA = ROOT.parent / "shared" / "data"
COMMAND = re.compile(r"micrograd-mlp ([a-z][a-z0-9-]*)")
PICTURE = re.compile(r"`out/([a-z0-9-]+)/([\w.-]+\.(?:png|gif|svg))`")


#: A block that imports torch needs PyTorch: run by its own test, skipped without torch. (Its
#: first line says so to the reader: "# needs PyTorch".)
IMPORTS_TORCH = re.compile(r"^(?:import|from) torch\b", re.MULTILINE)


def needs_torch(block: Block) -> bool:
    return bool(IMPORTS_TORCH.search("\n".join(without_comments(block.source))))


def torch_blocks(path: Path = TUTORIAL) -> list[Block]:
    """The blocks that need PyTorch."""
    return [b for b in code_blocks(path) if needs_torch(b)]


def split_blocks(path: Path = TUTORIAL) -> tuple[list[Block], list[Block]]:
    """The blocks before the first that loads MNIST, and that block with all after it
    (without the blocks that need PyTorch)."""
    blocks = [b for b in code_blocks(path) if not needs_torch(b)]
    first = next((i for i, b in enumerate(blocks) if "load_mnist(" in b.source), len(blocks))
    return blocks[:first], blocks[first:]


def run_blocks(blocks: list[Block], namespace: dict, path: Path = TUTORIAL) -> None:
    """Run the blocks in ``namespace``; what each prints goes to ``namespace["__printed__"]``,
    by its line."""
    printed = namespace.setdefault("__printed__", {})
    for block in blocks:
        # The file name and line in tracebacks point at the block in the tutorial.
        code = compile("\n" * (block.line - 1) + block.source, str(path), "exec")
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(code, namespace)
        except BaseException:
            sys.stdout.write(out.getvalue())  # what it printed before failing, for the report
            raise
        printed[block.line] = out.getvalue()


def normalised(text: str) -> str:
    """``text`` without trailing whitespace on its lines or at its end."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def assert_shows_what_it_prints(blocks: list[Block], namespace: dict) -> None:
    """Each block (already run in ``namespace``) printed something, and exactly what the
    tutorial shows under it (trailing whitespace aside)."""
    path = namespace["__tutorial__"]
    for block in blocks:
        printed = namespace["__printed__"][block.line]
        where = f"{path.relative_to(ROOT)}:{block.line}"
        assert printed.strip(), f"{where}: the block prints nothing"
        assert block.output is not None, f"{where}: the block shows no output under it"
        assert normalised(printed) == normalised(block.output), (
            f"{where}: the block printed\n{printed}\nbut the tutorial shows\n{block.output}"
        )


@pytest.fixture(scope="module", params=[TUTORIAL, KOREAN_TUTORIAL], ids=["en", "ko"])
def namespace(request):
    """The namespace after running every block that needs no downloaded data, from the root,
    of the English and of the Korean tutorial (``namespace["__tutorial__"]`` is its path)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("MPLBACKEND", "Agg")
        patch.delenv("MICROGRAD_MLP_LANG", raising=False)  # the output shown is English
        ns: dict = {"__name__": "__tutorial__", "__tutorial__": request.param}
        run_blocks(split_blocks(request.param)[0], ns, request.param)
        yield ns


def test_tutorial_has_code_blocks_and_an_mnist_part():
    general, mnist = split_blocks()
    assert len(general) >= 10
    assert mnist and "load_mnist(" in mnist[0].source


def test_tutorial_blocks_run_in_order(namespace):
    # The blocks assert their own claims; here, a few of the results they leave behind.
    assert namespace["final"][0.5] < namespace["final"][1.2]  # the learning-rate runs
    assert namespace["gate_accuracy"]["xor"] <= 0.75
    assert namespace["relu_accuracy"] == 1.0
    assert namespace["x0"].grad <= 0.25**10


@pytest.mark.parametrize("path", [TUTORIAL, KOREAN_TUTORIAL], ids=["en", "ko"])
def test_every_code_block_shows_its_output(path):
    blocks = code_blocks(path)
    missing = [b.line for b in blocks if b.output is None]
    assert not missing, f"{path.name}: the python blocks at lines {missing} show no output"


def test_each_shown_output_is_what_its_code_prints(namespace):
    # the blocks that need neither PyTorch nor MNIST (the others: in their own tests below)
    assert_shows_what_it_prints(split_blocks(namespace["__tutorial__"])[0], namespace)


def test_normalised_ignores_trailing_whitespace_only():
    assert normalised("a  \nb\n\n") == normalised("a\nb") == "a\nb"
    assert normalised(" a\n\nb") != normalised("a\nb")


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
    assert_shows_what_it_prints(blocks, namespace)


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
    assert_shows_what_it_prints(split_blocks(path)[1], namespace)


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
    """docs/ko/tutorial.md carries every block of docs/tutorial.md, in order, the same code
    character for character but for its comments (its own tests run them), with the same output
    under it: a block added or changed in English needs its Korean paragraph and block too."""
    english = [without_comments(b.source) for b in code_blocks(TUTORIAL)]
    korean = [without_comments(b.source) for b in code_blocks(KOREAN_TUTORIAL)]
    missing = [s[0] for s in english if s not in korean]
    extra = [s[0] for s in korean if s not in english]
    assert not missing and not extra, (
        f"docs/ko/tutorial.md lacks the English blocks starting {missing} and has blocks the "
        f"English tutorial does not, starting {extra} (comments aside)"
    )
    assert korean == english, "docs/ko/tutorial.md has the English blocks in another order"
    assert [b.output for b in code_blocks(KOREAN_TUTORIAL)] == [
        b.output for b in code_blocks(TUTORIAL)
    ], "the two tutorials show different outputs under the same code"


def test_without_comments_drops_only_comments():
    source = 'x = "# kept"  # dropped\n# dropped line\n\ny = 1\n'
    assert without_comments(source) == ['x = "# kept"', "y = 1"]
    assert comments(source) == ["# dropped", "# dropped line"]


#: Two English words in a row: a comment in English (a formula or a name alone is neither).
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{3,}\s+[A-Za-z]{3,}\b")
HANGUL = re.compile("[\uac00-\ud7a3]")


def test_the_korean_tutorials_comments_are_korean():
    korean = [c for b in code_blocks(KOREAN_TUTORIAL) for c in comments(b.source)]
    english = [c for b in code_blocks(TUTORIAL) for c in comments(b.source)]
    assert len(korean) == len(english)
    untranslated = [c for c in korean if not HANGUL.search(c) and ENGLISH_WORDS.search(c)]
    assert not untranslated, f"comments of docs/ko/tutorial.md still in English: {untranslated}"
    assert sum(bool(HANGUL.search(c)) for c in korean) > len(korean) / 2


def test_the_exercise_hint_quoted_is_the_checkers():
    """The tutorials quote the first hint for d_tanh written as tanh(x)**2, word for word, in
    their language, and name the commands that give the next hints and the solution."""
    for path, lang in ((TUTORIAL, "en"), (KOREAN_TUTORIAL, "ko")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert message("exercises.hint.tanh_square.1", lang) in text, path.name
        assert "micrograd-mlp exercises check wb 1 --hint 2" in text, path.name
        assert "micrograd-mlp exercises solution wb 1" in text, path.name


def test_the_korean_tutorial_names_existing_commands_and_the_english_pictures():
    english = TUTORIAL.read_text(encoding="utf-8")
    korean = KOREAN_TUTORIAL.read_text(encoding="utf-8")
    assert set(COMMAND.findall(korean)) <= set(demo_modules())
    assert set(PICTURE.findall(english)) <= set(PICTURE.findall(korean))
