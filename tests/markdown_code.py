"""The code of a Markdown document, for the tests that run its examples (the tutorials, the
reading guides): its ```python blocks with the ```text block shown under each, and code compared
with its comments left out (a Korean twin translates only the comments)."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Block:
    line: int  # the line of the block's first code line in the document
    source: str
    output: str | None  # the ```text block right under it (blank lines between), if any


def python_blocks(path: Path) -> list[Block]:
    """The ```python blocks of ``path`` in order, each with the ```text block that follows it
    (nothing but blank lines between them) as its shown output."""
    text = path.read_text(encoding="utf-8")
    fences = list(FENCE.finditer(text))
    blocks = []
    for i, fence in enumerate(fences):
        if fence.group(1) != "python":
            continue
        following = fences[i + 1] if i + 1 < len(fences) else None
        output = None
        if (
            following is not None
            and following.group(1) == "text"
            and not text[fence.end() : following.start()].strip()
        ):
            output = following.group(2)
        blocks.append(Block(text.count("\n", 0, fence.start()) + 2, fence.group(2), output))
    return blocks


def comments(source: str) -> list[str]:
    """The comments (``# ...`` outside strings) of ``source``, in order."""
    return [
        token.string
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]


def without_comments(source: str) -> list[str]:
    """The code's lines with its comments removed; blank and comment-only lines dropped."""
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    return [line.rstrip() for line in lines if line.strip()]
