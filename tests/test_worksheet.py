"""The hand-backprop worksheet: the engine's numbers are the textbook's, the blank sheet is
blank, a correct sheet passes (also rounded to 2 significant digits, as hand arithmetic does),
a sheet with one typical mistake gets that mistake's hint for that cell, and a malformed file is
refused with one line naming the file and the line. Learner files are made the way a learner
makes them: the sheet written by --write, with values typed into its value column."""

from __future__ import annotations

import csv
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd_mlp.cli import demo_modules, main, run_demo
from micrograd_mlp.demos import worksheet
from micrograd_mlp.demos._worksheet_table import parse_number
from micrograd_mlp.messages import message

ROOT = Path(__file__).resolve().parents[1]
G = worksheet.GIVEN
FILLED = (*worksheet.FORWARD, *worksheet.BACKWARD)
#: English words of the sheet's prose (``backward()``, code, is not prose).
ENGLISH_WORDS = re.compile(r"\b(the|hidden|weight|input|given|forward|backward|bias|wrote)\b(?!\()")


def textbook() -> dict[str, float]:
    """Every cell from the textbook formulas in NumPy, U = W X with x a column."""
    x = np.array([[G["x[1]"]], [G["x[2]"]]])
    W1 = np.array([[G["W1[1,1]"], G["W1[1,2]"]], [G["W1[2,1]"], G["W1[2,2]"]]])
    b1 = np.array([[G["b1[1]"]], [G["b1[2]"]]])
    W2 = np.array([[G["W2[1,1]"], G["W2[1,2]"]]])
    U1 = W1 @ x + b1
    H = 1.0 / (1.0 + np.exp(-U1))
    u2 = (W2 @ H).item() + G["b2"]
    delta2 = u2 - G["y"]
    delta1 = W2.T * delta2 * H * (1 - H)
    dW2, dW1 = delta2 * H.T, delta1 @ x.T
    cells = {"u2": u2, "y_hat": u2, "L": 0.5 * delta2**2, "delta2": delta2, "db2": delta2}
    for j in (1, 2):
        cells[f"u1[{j}]"], cells[f"h[{j}]"] = U1[j - 1, 0], H[j - 1, 0]
        cells[f"delta1[{j}]"] = cells[f"db1[{j}]"] = delta1[j - 1, 0]
        cells[f"dW2[1,{j}]"] = dW2[0, j - 1]
        for i in (1, 2):
            cells[f"dW1[{j},{i}]"] = dW1[j - 1, i - 1]
    return cells


TRUE = textbook()


def blank(tmp_path: Path, name: str = "sheet.md", lang: str = "en") -> Path:
    path = tmp_path / name
    assert main(["worksheet", "--write", str(path), "--lang", lang]) == 0
    return path


def fill(path: Path, values: dict[str, str]) -> Path:
    """Type ``values`` (cell -> text) into the value column of the sheet at ``path``."""
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        for row in rows[1:]:
            if row[1] in values:
                row[2] = values[row[1]]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
        return path
    lines = path.read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        cells = line.split("|")
        if len(cells) == 6 and cells[2].strip() in values:
            cells[3] = f" {values[cells[2].strip()]} "
            lines[k] = "|".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def status(argv: list[str]) -> int:
    """The exit status of ``micrograd-mlp worksheet ARGV`` (a check that is not all right ends
    with ``SystemExit(1)`` after its report, as ``exercises check`` does)."""
    try:
        return main(["worksheet", *argv])
    except SystemExit as e:
        return e.code


def shown(x: float) -> str:
    return f"{x:.6g}"


def line_of(path: Path, cell: str) -> int:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    row = re.compile(rf"[|,]\s*\"?{re.escape(cell)}\"?\s*[|,]")
    return next(k for k, line in enumerate(lines, 1) if row.search(line))


# ------------------------------------------------------------------------------ the numbers
def test_the_engine_gives_the_textbook_numbers():
    values = worksheet.solve().values
    for cell in FILLED:
        assert values[cell] == pytest.approx(TRUE[cell], rel=1e-12, abs=1e-15), cell


def test_the_example_has_easy_numbers_and_every_mistake_shows():
    assert all(2 * v == round(2 * v) for v in G.values())  # integers and halves
    assert (TRUE["u1[1]"], TRUE["u1[2]"]) == (0.0, 1.0)  # sigma needs only e
    solution = worksheet.solve()
    # No two cells share a value, except the identities of the sheet itself.
    same = {("u2", "y_hat"), ("delta2", "db2"), ("delta1[1]", "db1[1]"), ("delta1[2]", "db1[2]")}
    for a in FILLED:
        for b in FILLED:
            if a < b and (a, b) not in same and (b, a) not in same:
                assert not worksheet.close(TRUE[a], TRUE[b]), (a, b)
    # Every usual mistake changes its cell's number, and no two give the same one; only the
    # transposition on dW1's diagonal is no mistake.
    kept = {cell: [key for key, _, _ in found] for cell, found in solution.mistakes.items()}
    assert kept["dW1[1,1]"] == kept["dW1[2,2]"] == ["used_h", "sign_gradient"]
    assert kept["dW1[1,2]"] == kept["dW1[2,1]"] == ["transposed_grad", "used_h", "sign_gradient"]
    assert sum(map(len, kept.values())) == 40
    for cell, found in solution.mistakes.items():
        values = [value for _, value, _ in found]
        assert not any(worksheet.close(v, TRUE[cell]) for v in values), cell
        for k, v in enumerate(values):
            assert not any(worksheet.close(v, w) for w in values[:k]), cell


def test_numbers_as_a_learner_writes_them():
    assert parse_number("1/4") == 0.25 and parse_number(" -3/8 ") == -0.375
    assert parse_number("\u22120.5") == -0.5 and parse_number("+2") == 2.0
    assert parse_number("1e-3") == 0.001 and parse_number("0.5/2") == 0.25
    for bad in ("abc", "1/0", "nan", "inf", "", "1,5"):
        with pytest.raises(ValueError):
            parse_number(bad)


# -------------------------------------------------------------------------------- the sheet
@pytest.mark.parametrize("name", ["sheet.md", "sheet.csv"])
def test_the_blank_is_blank_and_the_given_numbers_are_there(name, tmp_path):
    path = blank(tmp_path, name)
    entries = worksheet.read_answers(path, "en")
    assert set(entries) == set(FILLED) and all(v is None for _, v in entries.values())
    text = path.read_text(encoding="utf-8-sig")
    for cell, value in G.items():
        assert re.search(rf"{re.escape(cell)}\"?\s*[|,]\s*{value:g}\s*[|,]", text), cell
    result = worksheet.check_file(path)
    assert result.wrong is None and result.empty == list(FILLED) and not result.passed


def test_the_printed_blank_has_every_cell_and_no_number_to_fill(capsys):
    result = run_demo(worksheet, ["--lang", "en"])
    text = capsys.readouterr().out
    assert result["mode"] == "blank" and result["written"] is None
    for cell in FILLED:
        pattern = re.compile(rf"\| \w+ +\| {re.escape(cell)} ")
        (row,) = [line for line in text.splitlines() if pattern.match(line)]
        assert row.split("|")[3].strip() == "", row
    assert "U1 = W1 X + b1" in text and "dL/dW1 = delta1 X^T" in text


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", ["sheet.md", "sheet.csv"])
def test_the_answers_pass_the_check(name, lang, tmp_path, capsys):
    path = tmp_path / name
    assert main(["worksheet", "--answers", "--write", str(path), "--lang", lang]) == 0
    assert main(["worksheet", "--check", str(path), "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert message("worksheet.check.all_right", lang, total=len(FILLED)) in out
    entries = worksheet.read_answers(path, lang)
    assert all(v == pytest.approx(TRUE[c], rel=1e-3) for c, (_, v) in entries.items())


def test_hand_rounded_values_and_fractions_pass(tmp_path):
    def two_digits(x: float) -> str:
        return "0" if x == 0 else f"{x:.{max(1 - math.floor(math.log10(abs(x))), 0)}f}"

    values = {cell: two_digits(TRUE[cell]) for cell in FILLED}
    values.update({"u1[2]": "1", "h[1]": "1/2"})
    assert values["h[2]"] == "0.73" and values["L"] == "2.6"
    result = worksheet.check_file(fill(blank(tmp_path), values))
    assert result.passed, result


def test_a_partly_filled_sheet_says_what_is_left(tmp_path, capsys):
    path = fill(blank(tmp_path), {c: shown(TRUE[c]) for c in worksheet.FORWARD})
    assert status(["--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"every filled cell is right ({len(worksheet.FORWARD)} of {len(FILLED)} cells)" in out
    assert "still blank: " + ", ".join(worksheet.BACKWARD) in out


# ------------------------------------------------------------------------------ mistakes
T = TRUE
MISTAKES = [
    ("u1[1]", "transposed_w", G["W1[1,1]"] * G["x[1]"] + G["W1[2,1]"] * G["x[2]"] + G["b1[1]"]),
    ("u1[2]", "forgot_bias", G["W1[2,1]"] * G["x[1]"] + G["W1[2,2]"] * G["x[2]"]),
    ("h[1]", "no_activation", T["u1[1]"]),
    ("u2", "used_u1", G["W2[1,1]"] * T["u1[1]"] + G["W2[1,2]"] * T["u1[2]"] + G["b2"]),
    ("u2", "forgot_bias", G["W2[1,1]"] * T["h[1]"] + G["W2[1,2]"] * T["h[2]"]),
    ("y_hat", "sigmoid_output", 1 / (1 + math.exp(-T["u2"]))),
    ("L", "no_half", (T["y_hat"] - G["y"]) ** 2),
    ("delta2", "sign_delta2", G["y"] - T["y_hat"]),
    ("delta2", "factor_two", 2 * (T["y_hat"] - G["y"])),
    ("delta2", "half", (T["y_hat"] - G["y"]) / 2),
    ("dW2[1,1]", "used_x", T["delta2"] * G["x[1]"]),
    ("dW2[1,2]", "used_u", T["delta2"] * T["u1[2]"]),
    ("dW2[1,2]", "sign_gradient", -T["delta2"] * T["h[2]"]),
    ("db2", "sign_gradient", -T["delta2"]),
    ("delta1[2]", "activation_not_derivative", G["W2[1,2]"] * T["delta2"] * T["h[2]"]),
    ("delta1[1]", "activation_not_derivative", G["W2[1,1]"] * T["delta2"] * T["h[1]"]),
    ("delta1[1]", "no_derivative", G["W2[1,1]"] * T["delta2"]),
    ("delta1[2]", "other_unit_weight", G["W2[1,1]"] * T["delta2"] * T["h[2]"] * (1 - T["h[2]"])),
    ("delta1[1]", "sign_delta", -T["delta1[1]"]),
    ("dW1[1,2]", "transposed_grad", T["delta1[2]"] * G["x[1]"]),
    ("dW1[2,1]", "transposed_grad", T["delta1[1]"] * G["x[2]"]),
    ("dW1[2,2]", "used_h", T["delta1[2]"] * T["h[2]"]),
    ("dW1[1,1]", "sign_gradient", -T["delta1[1]"] * G["x[1]"]),
    ("db1[2]", "sign_gradient", -T["delta1[2]"]),
    ("dW1[2,1]", "other_cell", T["dW1[1,1]"]),
    ("dW2[1,1]", "unknown", 123.0),
]


def _sheet_with_one_mistake(tmp_path: Path, name: str, cell: str, wrong: float, lang: str):
    before = FILLED[: FILLED.index(cell)]
    values = {c: shown(TRUE[c]) for c in before}
    values[cell] = shown(wrong)
    return fill(blank(tmp_path, name, lang), values)


MISTAKE_IDS = [f"{cell}-{hint}" for cell, hint, _ in MISTAKES]


@pytest.mark.parametrize(("cell", "hint", "wrong"), MISTAKES, ids=MISTAKE_IDS)
@pytest.mark.parametrize("name", ["sheet.md", "sheet.csv"])
def test_one_mistake_gets_its_hint_for_its_cell(cell, hint, wrong, name, tmp_path, capsys):
    path = _sheet_with_one_mistake(tmp_path, name, cell, wrong, "en")
    result = worksheet.check_file(path)
    assert (result.wrong, result.hint) == (cell, hint)
    assert result.right == list(FILLED[: FILLED.index(cell)]) and result.line == line_of(path, cell)
    assert status(["--check", str(path)]) == 1
    out = capsys.readouterr().out
    what = worksheet.describe(cell, "en")
    assert f"first wrong cell: {cell}, {what} (line {result.line}): you wrote {wrong:g}" in out
    assert f"rule: {worksheet.rule(cell)}" in out
    assert "hint: " + message(f"worksheet.hint.{hint}", "en", **result.fields) in out


def test_the_brief_s_examples_read_as_promised(tmp_path, capsys):
    cases = {
        "delta1[2]": (
            G["W2[1,2]"] * T["delta2"] * T["h[2]"],
            "delta1[2], the delta of hidden unit 2",
            "you multiplied by the activation h[2] = σ(u1[2]) instead of its derivative",
        ),
        "dW2[1,1]": (
            T["delta2"] * G["x[1]"],
            "dW2[1,1], the gradient of the output's weight on hidden unit 1",
            "you used the input x[1] instead of the hidden output h[1]",
        ),
        "delta2": (G["y"] - T["y_hat"], "delta2, the delta of the output unit",
                   "wrong sign: you used y - y_hat instead of y_hat - y"),
    }  # fmt: skip
    for k, (cell, (wrong, named, hint)) in enumerate(cases.items()):
        path = _sheet_with_one_mistake(tmp_path / str(k), "sheet.md", cell, wrong, "en")
        assert status(["--check", str(path)]) == 1
        out = capsys.readouterr().out
        assert named in out and hint in out


def test_a_mistake_carried_downstream_is_named_where_it_started(tmp_path):
    # The learner flips delta2's sign and then computes everything after it from that value.
    values = {c: shown(TRUE[c]) for c in worksheet.FORWARD}
    values.update({c: shown(-TRUE[c]) for c in worksheet.BACKWARD})
    result = worksheet.check_file(fill(blank(tmp_path), values))
    assert (result.wrong, result.hint) == ("delta2", "sign_delta2")


@pytest.mark.parametrize(("cell", "hint", "wrong"), [MISTAKES[14], MISTAKES[10], MISTAKES[19]])
def test_the_hints_are_korean_with_lang_ko(cell, hint, wrong, tmp_path, capsys):
    path = _sheet_with_one_mistake(tmp_path, "sheet.csv", cell, wrong, "ko")
    assert status(["--check", str(path), "--lang", "ko"]) == 1
    out = capsys.readouterr().out
    result = worksheet.check_file(path, "ko")
    assert f"처음 틀린 칸: {cell}, {worksheet.describe(cell, 'ko')}" in out
    assert "힌트: " + message(f"worksheet.hint.{hint}", "ko", **result.fields) in out
    assert not ENGLISH_WORDS.search(out), out


def test_korean_sheet_reads_korean(capsys):
    run_demo(worksheet, ["--lang", "ko"])
    text = capsys.readouterr().out
    assert "| 구분" in text and "| 칸" in text and "주어진 값" in text and "역전파" in text
    assert "은닉층(hidden layer)" in text and "오차 신호(error signal)" in text
    prose = re.sub(r"(?<=[\uac00-\ud7a3])\([^)]*\)", "", text)  # 한글(English) at a first use
    assert not ENGLISH_WORDS.search(prose), ENGLISH_WORDS.search(prose)


# ------------------------------------------------------------------------- malformed files
def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["sheet.md", "sheet.csv"])
@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("unknown", "unknown cell 'h[3]'"),
        ("duplicate", "cell 'h[1]' appears a second time (first on line {first})"),
        ("not_number", "the value of u1[2], 'abc', is not a number (write e.g. 0.25, -1.5 or 1/4)"),
        ("given", "x[1] is given as 2 but the file says '3'; keep the given numbers"),
        ("columns", "expected 4 columns like the header, found 3"),
    ],
)
def test_a_malformed_row_is_one_line_naming_file_and_line(damage, said, name, tmp_path, capsys):
    path = blank(tmp_path, name)
    md = name.endswith(".md")
    first = line_of(path, "h[1]")
    if damage == "unknown":
        _edit(path, "h[2]", "h[3]")
        line = line_of(path, "h[3]")
    elif damage == "duplicate":
        _edit(path, "h[2]", "h[1]")
        line = line_of(path, "h[1]") + 1
    elif damage == "not_number":
        fill(path, {"u1[2]": "abc"})
        line = line_of(path, "u1[2]")
    elif damage == "given":
        fill(path, {"x[1]": "3"})
        line = line_of(path, "x[1]")
    else:
        line = line_of(path, "u2")
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        lines[line - 1] = "| forward | u2 | |" if md else "forward,u2,"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert status(["--check", str(path)]) == 1
    err = capsys.readouterr().err
    expected = f"micrograd-mlp worksheet: error: {path}, line {line}: {said.format(first=first)}\n"
    assert err == expected


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"just some notes\n", "{path}, line 1: no worksheet table found; expected a header row "
                               "'part | cell | value | rule'"),
        (b"\xff\xfe\x00bad", "--check '{path}' is not UTF-8 text"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_worksheet_is_refused(content, said, tmp_path, capsys):
    path = tmp_path / "notes.md"
    path.write_bytes(content)
    assert status(["--check", str(path)]) == 1
    assert capsys.readouterr().err == f"micrograd-mlp worksheet: error: {said.format(path=path)}\n"


def test_a_missing_row_or_file_and_a_wrong_suffix_are_refused(tmp_path, capsys):
    path = blank(tmp_path)
    lines = [row for row in path.read_text(encoding="utf-8").splitlines() if "| h[2] " not in row]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert status(["--check", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"micrograd-mlp worksheet: error: {path}: no row for cell h[2]; keep every row of the "
        "worksheet\n"
    )
    assert main(["worksheet", "--check", str(tmp_path / "none.md")]) == 1
    assert "No such file or directory" in capsys.readouterr().err
    assert main(["worksheet", "--check", str(tmp_path / "sheet.txt")]) == 1
    assert capsys.readouterr().err == (
        f"micrograd-mlp worksheet: error: --check '{tmp_path / 'sheet.txt'}': give a file ending "
        "in .md (Markdown) or .csv\n"
    )


# --------------------------------------------------------------------------- --write, options
def test_write_never_replaces_a_file_without_force(tmp_path, capsys):
    path = tmp_path / "mine.md"
    path.write_text("my notes", encoding="utf-8")
    assert main(["worksheet", "--write", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"micrograd-mlp worksheet: error: --write '{path}' exists; add --force to replace it\n"
    )
    assert path.read_text(encoding="utf-8") == "my notes"
    assert main(["worksheet", "--write", str(path), "--force"]) == 0
    assert path.read_text(encoding="utf-8").startswith("# Backpropagation by hand")
    assert [p.name for p in tmp_path.iterdir()] == ["mine.md"]  # no temporary file left


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--force"], "--force only applies with --write"),
        (["--check", "a.md", "--answers"], "--check reads a filled worksheet; it does not go "
                                           "with --answers or --write"),
        (["--write", "sheet.txt"], "--write 'sheet.txt': give a file ending in .md (Markdown) "
                                   "or .csv"),
    ],
)  # fmt: skip
def test_options_that_do_not_fit_together_are_one_line(argv, said, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["worksheet", *argv]) == 1
    assert capsys.readouterr().err == f"micrograd-mlp worksheet: error: {said}\n"
    assert list(tmp_path.iterdir()) == []


def test_the_csv_opens_in_a_spreadsheet_with_hangul(tmp_path):
    path = blank(tmp_path, "sheet.csv", "ko")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads UTF-8
    assert data.decode("utf-8-sig").splitlines()[0] == "구분,칸,값,규칙"


def test_it_is_a_builtin_command_with_a_script_wrapper():
    assert demo_modules()["worksheet"] is worksheet and worksheet.BUILTIN_DATA
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "worksheet.py"), "--answers"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "| delta2 " in done.stdout
