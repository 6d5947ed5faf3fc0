"""docs/reading-the-engine.md and its Korean twin, docs/ko/reading-the-engine.md, say what the code
does.

Each guide's ```python blocks run in order in one namespace per guide, and the ```text block right
under a code block must be exactly what that code printed. The two guides carry the same code (the
Korean one may translate the comments). Every name of the engine a guide mentions in inline code
exists, every op that stores a local derivative is mentioned, the sections follow engine.py's
order, and every relative link leads to a file of the repository.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import io
import os
import re
from pathlib import Path

import pytest
from markdown_code import FENCE, Block, python_blocks, without_comments

import micrograd_mlp
from micrograd_mlp import autodiff, engine
from micrograd_mlp.engine import Value

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "reading-the-engine.md"
KOREAN_GUIDE = ROOT / "docs" / "ko" / "reading-the-engine.md"
GUIDES = {"en": GUIDE, "ko": KOREAN_GUIDE}
INLINE_CODE = re.compile(r"`([^`\n]+)`")
# `name()`, `Value.name`, `Constant.name()` or a private `_name` / `__name__` in inline code.
ENGINE_NAME = re.compile(r"(?:(Value|Constant)\.)?(\w+)(\(\))?")
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^## (.*)$", re.MULTILINE)


def prose(path: Path) -> str:
    """The guide without its fenced blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def run_guide(path: Path) -> list[tuple[Block, str]]:
    """Run every python block of ``path`` in order in one namespace; return each block with what
    it printed."""
    namespace: dict = {"__name__": "__reading_guide__"}
    printed = []
    collecting = gc.isenabled()
    try:
        for block in python_blocks(path):
            # Tracebacks name the guide and the block's line in it.
            code = compile("\n" * (block.line - 1) + block.source, str(path), "exec")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(code, namespace)
            printed.append((block, out.getvalue()))
    finally:  # a block that fails between gc.disable() and gc.enable() leaves it as it was
        if collecting:
            gc.enable()
    return printed


@pytest.fixture(scope="module", params=list(GUIDES), ids=list(GUIDES))
def guide(request) -> Path:
    return GUIDES[request.param]


@pytest.fixture(scope="module")
def run(guide) -> list[tuple[Block, str]]:
    return run_guide(guide)


def test_every_code_block_shows_its_output(guide):
    blocks = python_blocks(guide)
    assert len(blocks) >= 7
    missing = [b.line for b in blocks if b.output is None]
    assert not missing, f"{guide.name}: the python blocks at lines {missing} show no output"


def test_each_shown_output_is_what_its_code_prints(run, guide):
    for block, printed in run:
        assert printed, f"{guide.name}:{block.line}: the block prints nothing"
        assert printed == block.output, (
            f"{guide.name}:{block.line}: the block printed\n{printed}\nbut the guide shows\n"
            f"{block.output}"
        )


def test_the_walk_ends_with_the_lectures_numbers(run):
    # What the blocks leave behind, independently of what they print.
    printed = "".join(out for _, out in run)
    assert "x1: -1.5  w1: 1  x2: 0.5  w2: 0  b: 0.5" in printed
    assert "['x1', 'w1', 'x1*w1', 'x2', 'w2', 'x2*w2', 'x1*w1 + x2*w2', 'b', 'n', 'o']" in printed


def test_without_comments_drops_only_comments():
    source = 'x = "# kept"  # dropped\n# dropped line\n\ny = 1\n'
    assert without_comments(source) == ['x = "# kept"', "y = 1"]


def test_the_two_guides_have_the_same_code():
    english = [without_comments(b.source) for b in python_blocks(GUIDE)]
    korean = [without_comments(b.source) for b in python_blocks(KOREAN_GUIDE)]
    assert len(korean) == len(english), "the guides have different numbers of code blocks"
    for i, (en, ko) in enumerate(zip(english, korean)):
        assert ko == en, f"code block {i + 1} differs between the guides (comments aside)"
    assert [b.output for b in python_blocks(KOREAN_GUIDE)] == [
        b.output for b in python_blocks(GUIDE)
    ]


def mentioned_engine_names(path: Path) -> set[str]:
    """Names the guide's prose gives as the engine's: ``name()``, ``Value.name``, ``_name``."""
    names = set()
    for span in INLINE_CODE.findall(prose(path)):
        match = ENGINE_NAME.fullmatch(span)
        if match and (match[1] or match[3] or match[2].startswith("_")):
            names.add(match[2])
    return names


def test_every_engine_name_the_guide_mentions_exists(guide):
    names = mentioned_engine_names(guide)
    assert {"_backward", "backward", "topological_order", "_local_grads", "_prev"} <= names
    for name in sorted(names):
        found = (
            hasattr(Value, name)
            or hasattr(engine, name)
            or hasattr(autodiff, name)
            or hasattr(micrograd_mlp, name)
        )
        assert found, f"{guide.name} mentions `{name}`, which the engine does not have"


def test_every_op_with_a_local_derivative_is_in_the_guide(guide):
    """An op added to Value (a method storing ``_local_grads``) needs its row in the table."""
    functions = [getattr(member, "__func__", member) for member in vars(Value).values()]
    ops = {  # by the function's own name: `__abs__ = abs` is the row of `abs`
        f.__name__
        for f in functions
        if inspect.isfunction(f) and "_local_grads=" in inspect.getsource(f)
    }
    assert {"__add__", "__mul__", "tanh", "exp", "dot"} <= ops and "__abs__" not in ops
    spans = set(INLINE_CODE.findall(prose(guide)))
    missing = sorted(ops - spans)
    assert not missing, f"{guide.name} does not name the ops {missing}"


def test_the_sections_follow_engine_py(guide):
    source = inspect.getsource(engine).splitlines()

    def line_of(name: str) -> int | None:
        pattern = re.compile(rf"^\s*(?:def|class) {re.escape(name)}\b")
        return next((i for i, text in enumerate(source) if pattern.match(text)), None)

    lines = []
    for heading in HEADING.findall(guide.read_text(encoding="utf-8")):
        found = [line_of(name.rstrip("()")) for name in INLINE_CODE.findall(heading)]
        found = [n for n in found if n is not None]
        if found:
            lines.append((found[0], heading))
    assert len(lines) >= 5
    order = [n for n, _ in lines]
    assert order == sorted(order), f"{guide.name}: sections out of engine.py's order: {lines}"


def test_every_relative_link_leads_to_a_file(guide):
    targets = [t for t in LINK.findall(guide.read_text(encoding="utf-8")) if "://" not in t]
    assert any(t.endswith("micrograd_mlp/engine.py") for t in targets)
    assert any(t.endswith("micrograd_mlp/autodiff.py") for t in targets)
    sections = guide.read_text(encoding="utf-8").split("\n## ")[1:]
    for section in sections:  # each section says which file it reads
        assert re.search(r"\]\([./]*micrograd_mlp/\w+\.py\)", section), section.splitlines()[0]
    for target in targets:
        path = Path(os.path.normpath(guide.parent / target.split("#")[0]))
        assert path.is_file(), f"{guide.name} links {target}, which is not a file"
        assert ROOT in path.parents, f"{guide.name} links {target}, outside the repository"
