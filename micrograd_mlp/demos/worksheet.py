"""Backpropagation by hand: a worksheet for a 2-2-1 network in the course's notation.

One sample x, written as the course writes a batch, a column (``U = W X``, samples as columns):

    U1 = W1 X + b1     H = sigma(U1)     U2 = W2 H + b2     y_hat = U2     L = 1/2 (y_hat - y)^2

and backward, with the error signal ``delta = dL/du`` of each layer as textbooks write it:

    delta2 = y_hat - y                           dL/dW2 = delta2 H^T     dL/db2 = delta2
    delta1 = (W2^T delta2) * sigma'(U1)          dL/dW1 = delta1 X^T     dL/db1 = delta1

``W1[j,i]`` is hidden unit j's weight on input i (row j of W1). The numbers are small integers
and halves; the two sigmoids need only e (given on the sheet).

    micrograd-mlp worksheet                      print the blank table to fill in by hand
    micrograd-mlp worksheet --write sheet.md     ... or write it to a file (.md or .csv)
    micrograd-mlp worksheet --answers            print the filled table
    micrograd-mlp worksheet --check sheet.md     check your filled table

``--check`` compares every cell, in order, with the library's ``MLP`` and ``backward()`` (the
checker knows no derivative: the right numbers are the engine's), names the first wrong cell
and the rule it breaks, and recognises the usual mistakes by recomputing that cell under each of
them (a sign flipped, a factor 2 or 1/2, the activation instead of its derivative, the input x
instead of the hidden output h, a transposed W, a forgotten bias, ...). A value counts as right
within 5% (or 0.001): two significant digits, carried through a few steps of hand arithmetic;
the usual mistakes of this example are all at least 30% away, and no two cells are within 10%.
The exit status is 0 only when every cell is filled in and right.
``--write`` never replaces an existing file unless ``--force`` is given. ``--lang ko`` writes
the headers, the rules' words and the hints in Korean; the cell names are the same in both.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micrograd_mlp.demos._worksheet_table import (
    Row,
    display_width,
    parse_number,
    read_table,
    render_csv,
    render_markdown,
    table_format,
)
from micrograd_mlp.demos.options import UserError, chosen_lang, lang_option
from micrograd_mlp.engine import Value
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import message
from micrograd_mlp.nn import MLP

COMMAND = "worksheet"
HELP = "backprop by hand on a 2-2-1 network (U = W X): a blank table, the answers, a checker"
BUILTIN_DATA = True
#: Common options this command takes but does not use (the CLI's help says so).
UNUSED_OPTIONS = {
    "--out": "it prints the sheet, or writes it where --write says",
    "--seed": "the sheet's numbers are fixed, chosen for hand arithmetic",
}

#: The example: one input column x, its target y and the weights, 1-based as in the course.
#: Chosen so that u1 = (0, 1) (sigma needs only e), no two cells share a value and every usual
#: mistake changes the number it gives (see tests/test_worksheet.py).
GIVEN = {
    "x[1]": 2.0, "x[2]": 0.5, "y": 1.0,
    "W1[1,1]": 1.0, "W1[1,2]": -2.0, "W1[2,1]": -0.5, "W1[2,2]": 2.0, "b1[1]": -1.0, "b1[2]": 1.0,
    "W2[1,1]": -2.0, "W2[1,2]": 1.0, "b2": -1.0,
}  # fmt: skip
#: The cells to fill in, in the order of the computation: forward, then backward.
FORWARD = ("u1[1]", "u1[2]", "h[1]", "h[2]", "u2", "y_hat", "L")
BACKWARD = (
    "delta2", "dW2[1,1]", "dW2[1,2]", "db2", "delta1[1]", "delta1[2]",
    "dW1[1,1]", "dW1[1,2]", "dW1[2,1]", "dW1[2,2]", "db1[1]", "db1[2]",
)  # fmt: skip
#: A value counts as right (or as a given mistake) within this relative or absolute distance.
RELATIVE, ABSOLUTE = 0.05, 0.001
#: The exact value the given cells must keep in a learner's file.
GIVEN_TOLERANCE = 1e-9


def family(cell: str) -> str:
    """The name of a cell without its index: ``"dW1[2,1]"`` -> ``"dW1"``."""
    return cell.split("[", 1)[0]


def indices(cell: str) -> list[int]:
    """A cell's 1-based indices: ``"dW1[2,1]"`` -> ``[2, 1]``, ``"delta2"`` -> ``[]``."""
    return [int(k) for k in cell[len(family(cell)) + 1 : -1].split(",")] if "[" in cell else []


def rule(cell: str) -> str:
    """The formula that gives ``cell`` (the same in every language), with its indices in."""
    j, i = (indices(cell) + [0, 0])[:2]
    if family(cell) == "dW2":  # dW2[1,j]: the output is unit 1, the hidden unit is j
        j = i
    formulas = {
        "u1": f"u1[{j}] = W1[{j},1] x[1] + W1[{j},2] x[2] + b1[{j}]",
        "h": f"h[{j}] = σ(u1[{j}])",
        "u2": "u2 = W2[1,1] h[1] + W2[1,2] h[2] + b2",
        "y_hat": "y_hat = u2",
        "L": "L = 1/2 (y_hat - y)^2",
        "delta2": "delta2 = dL/du2 = y_hat - y",
        "dW2": f"dW2[1,{j}] = delta2 h[{j}]",
        "db2": "db2 = delta2",
        "delta1": f"delta1[{j}] = dL/du1[{j}] = W2[1,{j}] delta2 σ'(u1[{j}])",
        "dW1": f"dW1[{j},{i}] = delta1[{j}] x[{i}]",
        "db1": f"db1[{j}] = delta1[{j}]",
    }
    return formulas[family(cell)]


def describe(cell: str, lang: str) -> str:
    """What ``cell`` is, in words of ``lang`` (e.g. "the delta of hidden unit 2")."""
    j, i = (indices(cell) + [0, 0])[:2]
    if family(cell) in ("W2", "dW2"):
        j = i
    return message(f"worksheet.cell.{family(cell)}", lang, j=j, i=i)


# --------------------------------------------------------------------------- the engine
@dataclass
class Solution:
    """The worksheet computed by the engine.

    Attributes:
        values: every cell (the given ones and those to fill in), float.
        mistakes: for each cell to fill in, ``(hint key, value, fields)`` of each usual
            mistake that changes its value, in the order they are tried.
    """

    values: dict[str, float]
    mistakes: dict[str, list[tuple[str, float, dict]]] = field(default_factory=dict)


def _model(given: dict[str, float]) -> MLP:
    """``MLP(2, [2, 1], activation="sigmoid")`` (a linear output) with the given weights."""
    model = MLP(2, [2, 1], activation="sigmoid", seed=0)
    model.load_state_dict({
        "layers.0.weight": np.array([[given[f"W1[{j},{i}]"] for i in (1, 2)] for j in (1, 2)]),
        "layers.0.bias": np.array([given["b1[1]"], given["b1[2]"]]),
        "layers.1.weight": np.array([[given["W2[1,1]"], given["W2[1,2]"]]]),
        "layers.1.bias": np.array([given["b2"]]),
    })  # fmt: skip
    return model


def solve(given: dict[str, float] = GIVEN) -> Solution:
    """Forward and backward through the library's ``MLP`` and ``Value.backward()``.

    ``H = model.layers[0](x)`` (sigmoid units, each the node after its pre-activation ``u1``),
    ``u2 = model.layers[1](H)`` (linear), ``L = 0.5 * (u2 - y) ** 2``, ``L.backward()``. Then
    ``delta2 = u2.grad``, ``delta1[j] = u1[j].grad`` and every ``dW``, ``db`` is the ``.grad``
    of its weight. The mistakes are recomputed from the engine's numbers with one factor or
    term changed (see :func:`mistakes`).

    Returns:
        A :class:`Solution`.
    """
    model = _model(given)
    hidden_layer, output_layer = model.layers
    h = hidden_layer([given["x[1]"], given["x[2]"]])
    u1 = [node._children[0] for node in h]  # sigmoid has one operand: w . x + b
    (u2,) = output_layer(h)
    loss = 0.5 * (u2 - given["y"]) ** 2
    model.zero_grad()
    loss.backward()
    values = dict(given)
    for j in (1, 2):
        values[f"u1[{j}]"], values[f"h[{j}]"] = u1[j - 1].data, h[j - 1].data
    values.update({"u2": u2.data, "y_hat": u2.data, "L": loss.data, "delta2": u2.grad})
    out = output_layer.neurons[0]
    for j in (1, 2):
        values[f"dW2[1,{j}]"] = out.weight[j - 1].grad
    values["db2"] = out.bias.grad
    for j in (1, 2):
        values[f"delta1[{j}]"] = u1[j - 1].grad
        unit = hidden_layer.neurons[j - 1]
        for i in (1, 2):
            values[f"dW1[{j},{i}]"] = unit.weight[i - 1].grad
        values[f"db1[{j}]"] = unit.bias.grad
    # From the engine too: dL/dh[j] and the sigmoid's local derivative sigma'(u1[j]).
    upstream = {j: h[j - 1].grad for j in (1, 2)}
    local = {j: h[j - 1]._local_grads[0] for j in (1, 2)}
    return Solution(values, mistakes(values, upstream, local))


def close(value: float, target: float) -> bool:
    """``value`` agrees with ``target`` within :data:`RELATIVE` of ``|target|`` or
    :data:`ABSOLUTE` (hand arithmetic rounds to 2 or 3 significant digits along the way)."""
    return abs(value - target) <= max(RELATIVE * abs(target), ABSOLUTE)


def mistakes(
    v: dict[str, float], upstream: dict[int, float], local: dict[int, float]
) -> dict[str, list[tuple[str, float, dict]]]:
    """The value of every cell under each usual mistake, with everything before it right.

    Args:
        v: the engine's value of every cell.
        upstream: ``dL/dh[j]`` from the engine, j = 1, 2.
        local: ``sigma'(u1[j])`` from the engine (the sigmoid node's local derivative).

    Returns:
        cell -> ``[(hint key, value, fields), ...]``; a mistake that gives the right number (a
        transposition on the diagonal) or the number of an earlier mistake is left out.
    """
    x = {i: v[f"x[{i}]"] for i in (1, 2)}
    found: dict[str, list[tuple[str, float, dict]]] = {}
    for j in (1, 2):
        k = 3 - j
        found[f"u1[{j}]"] = [
            ("transposed_w", sum(v[f"W1[{i},{j}]"] * x[i] for i in (1, 2)) + v[f"b1[{j}]"],
             {"j": j}),
            ("forgot_bias", v[f"u1[{j}]"] - v[f"b1[{j}]"], {"bias": f"b1[{j}]"}),
        ]  # fmt: skip
        found[f"h[{j}]"] = [("no_activation", v[f"u1[{j}]"], {"j": j})]
        found[f"delta1[{j}]"] = [
            ("activation_not_derivative", upstream[j] * v[f"h[{j}]"], {"j": j}),
            ("no_derivative", upstream[j], {"j": j}),
            ("other_unit_weight", v[f"W2[1,{k}]"] * v["delta2"] * local[j], {"j": j, "k": k}),
            ("sign_delta", -v[f"delta1[{j}]"], {}),
        ]
        found[f"dW2[1,{j}]"] = [
            ("used_x", v["delta2"] * x[j], {"j": j}),
            ("used_u", v["delta2"] * v[f"u1[{j}]"], {"j": j}),
            ("sign_gradient", -v[f"dW2[1,{j}]"], {}),
        ]
        found[f"db1[{j}]"] = [("sign_gradient", -v[f"db1[{j}]"], {})]
        for i in (1, 2):
            found[f"dW1[{j},{i}]"] = [
                ("transposed_grad", v[f"delta1[{i}]"] * x[j], {"j": j, "i": i}),
                ("used_h", v[f"delta1[{j}]"] * v[f"h[{i}]"], {"i": i}),
                ("sign_gradient", -v[f"dW1[{j},{i}]"], {}),
            ]
    u2_with_u = sum(v[f"W2[1,{j}]"] * v[f"u1[{j}]"] for j in (1, 2)) + v["b2"]
    found["u2"] = [("used_u1", u2_with_u, {}), ("forgot_bias", v["u2"] - v["b2"], {"bias": "b2"})]
    found["y_hat"] = [("sigmoid_output", Value(v["u2"]).sigmoid().data, {})]
    found["L"] = [("no_half", 2 * v["L"], {})]
    found["delta2"] = [
        ("sign_delta2", -v["delta2"], {}),
        ("factor_two", 2 * v["delta2"], {}),
        ("half", v["delta2"] / 2, {}),
    ]
    found["db2"] = [("sign_gradient", -v["db2"], {})]
    for cell, candidates in found.items():
        kept: list[tuple[str, float, dict]] = []
        for key, value, fields in candidates:
            if not close(value, v[cell]) and not any(close(value, w) for _, w, _ in kept):
                kept.append((key, value, fields))
        found[cell] = kept
    return found


# ------------------------------------------------------------------------ the learner's file
def read_answers(path: Path, lang: str) -> dict[str, tuple[int, float | None]]:
    """The learner's values in the worksheet file ``path``: cell -> (line, value or None if
    blank), for every cell to fill in; the given cells are checked to be unchanged.

    Raises:
        UserError: the file is not a worksheet table (see
            :func:`~micrograd_mlp.demos._worksheet_table.read_table`), a row names an unknown
            cell or repeats one, a value is not a number, a given value was changed, or a row
            is missing; each names the file and, where there is one, the line.
        OSError: the file cannot be read.
    """
    order = (*GIVEN, *FORWARD, *BACKWARD)
    seen: dict[str, int] = {}
    entries: dict[str, tuple[int, float | None]] = {}
    for line, cell_text, text in read_table(path, lang):
        cell = "".join(cell_text.split())
        where = {"file": path, "line": line, "cell": cell or cell_text}
        if cell not in order:
            raise UserError(message("worksheet.error.unknown_cell", lang, **where))
        if cell in seen:
            raise UserError(message("worksheet.error.duplicate", lang, first=seen[cell], **where))
        seen[cell] = line
        try:
            value = parse_number(text) if text.strip() else None
        except ValueError:
            error = message("worksheet.error.not_number", lang, text=text, **where)
            raise UserError(error) from None
        if cell in GIVEN:
            if value is None or abs(value - GIVEN[cell]) > GIVEN_TOLERANCE:
                given = f"{GIVEN[cell]:g}"
                raise UserError(
                    message("worksheet.error.given_changed", lang, given=given, text=text, **where)
                )
            continue
        entries[cell] = (line, value)
    missing = next((cell for cell in order if cell not in seen), None)
    if missing is not None:
        raise UserError(message("worksheet.error.missing", lang, file=path, cell=missing))
    return entries


@dataclass
class CheckResult:
    """The outcome of :func:`check`.

    Attributes:
        right: the cells found right, in order (up to the first wrong one).
        empty: the cells left blank (up to the first wrong one).
        wrong: the first wrong cell, or None.
        line: its line in the file.
        value: what the learner wrote there.
        hint: the key of the mistake recognised (``"unknown"`` if none matched).
        fields: the hint's fields (cell indices, the other cell's name, ...).
    """

    right: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    wrong: str | None = None
    line: int | None = None
    value: float | None = None
    hint: str | None = None
    fields: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Every cell filled in and right."""
        return self.wrong is None and not self.empty


def diagnose(cell: str, value: float, solution: Solution) -> tuple[str, dict]:
    """Which usual mistake gives ``value`` in ``cell``: the first of ``solution.mistakes[cell]``
    whose value is :func:`close`, else ``("other_cell", {"other": name})`` if it is the right
    value of another cell of the same kind, else ``("unknown", {})``."""
    for key, wrong, fields in solution.mistakes.get(cell, []):
        if close(value, wrong):
            return key, fields
    for other in (*FORWARD, *BACKWARD):
        same_kind = other != cell and family(other) == family(cell)
        if same_kind and close(value, solution.values[other]):
            return "other_cell", {"other": other}
    return "unknown", {}


def check(entries: dict[str, tuple[int, float | None]], solution: Solution) -> CheckResult:
    """Compare the learner's cells with the engine's, in the order of the computation, up to
    the first wrong one (whose mistake :func:`diagnose` names). Blank cells are skipped.

    Returns:
        A :class:`CheckResult`.
    """
    result = CheckResult()
    for cell in (*FORWARD, *BACKWARD):
        line, value = entries[cell]
        if value is None:
            result.empty.append(cell)
        elif close(value, solution.values[cell]):
            result.right.append(cell)
        else:
            hint, fields = diagnose(cell, value, solution)
            result.wrong, result.line, result.value = cell, line, value
            result.hint, result.fields = hint, fields
            break
    return result


def check_file(path: Path, lang: str = "en", solution: Solution | None = None) -> CheckResult:
    """Read the worksheet ``path`` (Markdown or CSV) and :func:`check` it against the engine.

    Raises:
        UserError: the file is malformed (see :func:`read_answers`).
        OSError: the file cannot be read.
    """
    return check(read_answers(path, lang), solution or solve())


def feedback(result: CheckResult, path: Path, lang: str) -> str:
    """The check's report in ``lang``: the cells right so far, the first wrong cell with its
    rule and hint, or the blanks left."""
    total = len(FORWARD) + len(BACKWARD)
    tolerance = {"relative": f"{RELATIVE:.0%}", "absolute": f"{ABSOLUTE:g}"}
    lines = [message("worksheet.check.header", lang, file=path, **tolerance)]
    if result.wrong is not None:
        if result.right:
            right = {"cells": ", ".join(result.right), "count": len(result.right), "total": total}
            lines.append(message("worksheet.check.right", lang, **right))
        hint = message(f"worksheet.hint.{result.hint}", lang, **result.fields)
        lines.append(message(
            "worksheet.check.wrong", lang, cell=result.wrong, what=describe(result.wrong, lang),
            line=result.line, value=f"{result.value:g}", rule=rule(result.wrong), hint=hint,
        ))  # fmt: skip
        lines.append(message("worksheet.check.not_checked", lang))
    elif len(result.empty) == total:
        lines.append(message("worksheet.check.nothing", lang))
    elif result.empty:
        lines.append(message("worksheet.check.so_far", lang, count=len(result.right), total=total))
        lines.append(message("worksheet.check.empty", lang, cells=", ".join(result.empty)))
    else:
        lines.append(message("worksheet.check.all_right", lang, total=total))
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the sheet
#: The network and the rules, printed above the table: (part or None, columns).
FORMULAS = (
    ("forward", ("U1 = W1 X + b1   H = σ(U1)   U2 = W2 H + b2   y_hat = U2",
                 "L = 1/2 (y_hat - y)^2")),  # fmt: skip
    ("backward", ("delta2 = dL/dU2 = y_hat - y", "dL/dW2 = delta2 H^T", "dL/db2 = delta2")),
    (None, ("delta1 = dL/dU1 = (W2^T delta2) ⊙ σ'(U1)", "dL/dW1 = delta1 X^T", "dL/db1 = delta1")),
    (None, ("σ(u) = 1 / (1 + e^(-u)),   σ'(u) = σ(u) (1 - σ(u)),   e ≈ 2.718, 1/e ≈ 0.3679",)),
)


def formulas(lang: str) -> str:
    """The network's forward and backward rules, indented (a code block in Markdown), each
    line labelled by its part in ``lang``, the backward rules in aligned columns."""
    labels = {key: message(f"worksheet.part.{key}", lang) for key, _ in FORMULAS if key}
    width = max(display_width(label) for label in labels.values()) + 3
    lines = []
    for key, columns in FORMULAS:
        label = labels[key] if key else ""
        text = "   ".join(columns) if key == "forward" or len(columns) == 1 else (
            columns[0].ljust(43) + "   ".join(columns[1:])
        )  # the backward rules in aligned columns
        lines.append("    " + label + " " * (width - display_width(label)) + text)
    return "\n".join(lines)


def rows(lang: str, values: dict[str, float] | None = None) -> list[Row]:
    """The table's rows: the given cells with their numbers and what they are, then every cell
    to fill in with its rule, blank, or with ``values`` (4 significant digits)."""
    part = {key: message(f"worksheet.part.{key}", lang) for key in ("given", "forward", "backward")}
    table = [Row(part["given"], c, f"{v:g}", describe(c, lang)) for c, v in GIVEN.items()]
    for key, cells in (("forward", FORWARD), ("backward", BACKWARD)):
        for cell in cells:
            shown = "" if values is None else f"{values[cell]:.4g}"
            table.append(Row(part[key], cell, shown, rule(cell)))
    return table


def sheet_markdown(lang: str, values: dict[str, float] | None = None) -> str:
    """The whole sheet as Markdown: a title, the network and its rules, how to fill it in, and
    the table (blank, or filled with ``values``)."""
    return (
        message("worksheet.title", lang) + "\n\n" + message("worksheet.intro", lang) + "\n\n"
        + formulas(lang) + "\n\n" + message("worksheet.indices", lang) + "\n\n"
        + render_markdown(rows(lang, values), lang)
    )  # fmt: skip


def _write(path: Path, force: bool, lang: str, values: dict[str, float] | None) -> Path:
    """Write the sheet to ``path`` (Markdown, or CSV with a byte-order mark) atomically.

    Raises:
        UserError: an unknown suffix, a directory, or an existing file without ``--force``.
    """
    kind = table_format(path, "--write", lang)
    if path.is_dir():
        raise UserError(message("worksheet.error.directory", lang, option="--write", file=path))
    if path.exists() and not force:
        raise UserError(message("worksheet.error.exists", lang, file=path))
    if kind == "csv":
        data = render_csv(rows(lang, values), lang).encode("utf-8-sig")
    else:
        data = sheet_markdown(lang, values).encode("utf-8")
    return atomic_write_bytes(path, data)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--answers``, ``--write FILE [--force]``, ``--check FILE`` and ``--lang``."""
    parser.add_argument(
        "--answers", action="store_true", help="print (or --write) the sheet the engine filled in"
    )
    parser.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="write the sheet to FILE (.md or .csv) instead of printing it; an existing FILE is "
        "kept unless --force is given",
    )
    parser.add_argument("--force", action="store_true", help="let --write replace an existing FILE")
    parser.add_argument(
        "--check",
        type=Path,
        metavar="FILE",
        help="check your filled sheet (.md or .csv) against backward(): the first wrong cell, "
        "the rule it breaks and a hint; exit status 0 only when every cell is right",
    )
    lang_option(parser, "the sheet, the hints and the messages")


def run(args: argparse.Namespace) -> dict:
    """Print or write the blank sheet (default), the answers (``--answers``), or check a
    filled sheet (``--check FILE``).

    Returns:
        ``{"lang", "mode": "blank" | "answers" | "check", "values": every cell from the engine,
        "written": the path written or None, "check": CheckResult or None}``.

    Raises:
        UserError: ``--check`` with ``--answers``/``--write``, ``--force`` without ``--write``,
            a bad ``--write`` or ``--check`` file (one line naming the file and the line).
        SystemExit: status 1 after the report of a check that is not all right.
    """
    lang = chosen_lang(args)
    if args.check is not None and (args.answers or args.write is not None):
        raise UserError(message("worksheet.error.check_alone", lang))
    if args.force and args.write is None:
        raise UserError(message("worksheet.error.force_alone", lang))
    solution = solve()
    mode = "check" if args.check is not None else "answers" if args.answers else "blank"
    result = {"lang": lang, "mode": mode, "values": solution.values, "written": None, "check": None}
    if mode == "check":
        outcome = check_file(args.check, lang, solution)
        print(feedback(outcome, args.check, lang))
        result["check"] = outcome
        if not outcome.passed:
            raise SystemExit(1)
        return result
    values = solution.values if mode == "answers" else None
    if args.write is not None:
        result["written"] = _write(args.write, args.force, lang, values)
        print(message(f"worksheet.wrote_{mode}", lang, file=args.write))
    else:
        print(sheet_markdown(lang, values))
        print(message(f"worksheet.printed_{mode}", lang))
    return result
