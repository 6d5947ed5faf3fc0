"""The worksheet's table on paper and on disk: Markdown or CSV, written and read back.

A table has four columns, in the language of ``--lang``: part (given, forward, backward), cell
(``u1[2]``, ``delta2``, ``dW1[2,1]``: the same in every language), value and rule. Reading
accepts the headers of either language, finds the cell and value columns by their headers, and
refuses anything it cannot read with a one-line :class:`~micrograd_mlp.demos.options.UserError`
naming the file and the line. The numbers a learner writes may be decimals (``-0.25``,
``1e-3``) or fractions (``1/4``).
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from micrograd_mlp.demos.options import UserError
from micrograd_mlp.messages import LANGUAGES, message

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "Row",
    "display_width",
    "parse_number",
    "read_table",
    "render_csv",
    "render_markdown",
    "table_format",
]

#: File suffixes and the format each means.
FORMATS = {".md": "markdown", ".markdown": "markdown", ".csv": "csv"}
#: A worksheet is a few kilobytes; anything much larger is not one.
MAX_BYTES = 1_000_000
#: The header keys, in column order.
COLUMNS = ("part", "cell", "value", "rule")

_FRACTION = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)$")
_SEPARATOR = re.compile(r"^:?-{3,}:?$")


@dataclass(frozen=True)
class Row:
    """One row of a table: ``part``, ``cell`` and ``rule`` are display text, ``value`` the text
    of the value column ("" when blank)."""

    part: str
    cell: str
    value: str
    rule: str


def table_format(path: Path, option: str, lang: str) -> str:
    """``"markdown"`` or ``"csv"``, from the suffix of ``path``.

    Raises:
        UserError: another suffix (the message names ``option``, e.g. ``--write``).
    """
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise UserError(message("worksheet.error.suffix", lang, option=option, file=path))
    return found


def headers(lang: str) -> list[str]:
    """The four column headers in ``lang``."""
    return [message(f"worksheet.header.{key}", lang) for key in COLUMNS]


def display_width(text: str) -> int:
    """Terminal columns: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_markdown(rows: Sequence[Row], lang: str) -> str:
    """A Markdown table of ``rows`` with the headers of ``lang``, padded so that the columns
    line up in a terminal (Hangul counts twice). Returns the text, ending in a newline."""
    table = [headers(lang), *([r.part, r.cell, r.value, r.rule] for r in rows)]
    widths = [max(display_width(line[k]) for line in table) for k in range(3)]

    def line(cells: list[str]) -> str:
        padded = [c + " " * (w - display_width(c)) for c, w in zip(cells, widths)]
        return "| " + " | ".join([*padded, cells[3]]) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|" + "-" * 6 + "|"
    return "\n".join([line(table[0]), rule, *(line(cells) for cells in table[1:])]) + "\n"


def render_csv(rows: Sequence[Row], lang: str) -> str:
    """A CSV table of ``rows`` with the headers of ``lang`` (the caller writes it as UTF-8 with
    a byte-order mark, so that spreadsheets show Hangul and σ)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers(lang))
    writer.writerows([r.part, r.cell, r.value, r.rule] for r in rows)
    return buffer.getvalue()


def parse_number(text: str) -> float:
    """A number as a learner writes it: ``0.25``, ``-1.5``, ``+2``, ``1e-3``, ``1/4``,
    ``-3/8``, with a typographic minus (U+2212) read as ``-``.

    Raises:
        ValueError: anything else, a zero denominator, NaN or infinity.
    """
    cleaned = text.strip().replace("\u2212", "-")
    match = _FRACTION.match(cleaned)
    if match:
        numerator, denominator = float(match.group(1)), float(match.group(2))
        if denominator == 0:
            raise ValueError(f"zero denominator in {text!r}")
        value = numerator / denominator
    else:
        value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not finite")
    return value


def _header_columns(cells: list[str]) -> tuple[int, int] | None:
    """The positions of the cell and value columns, if ``cells`` is a header row of any
    language."""
    names = [c.strip().lower() for c in cells]
    found = []
    for key in ("cell", "value"):
        spellings = {message(f"worksheet.header.{key}", lang).lower() for lang in LANGUAGES}
        position = next((k for k, name in enumerate(names) if name in spellings), None)
        if position is None:
            return None
        found.append(position)
    return found[0], found[1]


def _markdown_rows(text: str) -> tuple[list[tuple[int, list[str]]], int | None]:
    """The table lines of a Markdown text as (line number, cells), and the header's line."""
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line.startswith("|"):
            continue
        inner = line[1:-1] if line.endswith("|") and len(line) > 1 else line[1:]
        cells = [c.strip() for c in inner.split("|")]
        if all(_SEPARATOR.match(c.replace(" ", "")) for c in cells):
            continue
        rows.append((number, cells))
    return rows, (rows[0][0] if rows else None)


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((reader.line_num, [c.strip() for c in cells]))
    return rows


def read_table(path: Path, lang: str) -> list[tuple[int, str, str]]:
    """The (line number, cell, value text) of every row of the worksheet table in ``path``
    (Markdown or CSV, by its suffix; lines of a Markdown file outside the table are ignored).

    Raises:
        UserError: an unknown suffix, a file too large or not UTF-8 text, no header row with
            the cell and value columns, or a row with another number of columns than the
            header; each names the file (and the line).
        OSError: the file cannot be read (e.g. it does not exist).
    """
    kind = table_format(path, "--check", lang)
    if path.is_dir():
        raise UserError(message("worksheet.error.directory", lang, option="--check", file=path))
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise UserError(message("worksheet.error.too_large", lang, file=path, limit=MAX_BYTES))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(message("worksheet.error.not_text", lang, file=path)) from None
    rows = _markdown_rows(text)[0] if kind == "markdown" else _csv_rows(text)
    if not rows or (columns := _header_columns(rows[0][1])) is None:
        line = rows[0][0] if rows else 1
        expected = " | ".join(headers(lang))
        raise UserError(
            message("worksheet.error.no_header", lang, file=path, line=line, expected=expected)
        )
    width = len(rows[0][1])
    found = []
    for number, cells in rows[1:]:
        if len(cells) != width:
            raise UserError(
                message(
                    "worksheet.error.columns", lang, file=path, line=number, expected=width,
                    found=len(cells),
                )
            )  # fmt: skip
        found.append((number, cells[columns[0]], cells[columns[1]]))
    return found
