"""Feedback that names the mistake (issue 21): each typical mistake gets its own hint, in English
and in Korean; hints come in steps (a nudge, the rule, the formula: ``--hint 1/2/3``); a passed
exercise unlocks its reference solution with a short "why this way" (``exercises solution``),
refused until then."""

from __future__ import annotations

from pathlib import Path

import pytest
from workbooks import edit_code, solution_workbook

from micrograd_mlp import exercises
from micrograd_mlp.cli import main
from micrograd_mlp.messages import message

STEMS = {e.number: e.stem for e in exercises.EXERCISES}


SOFTMAX_GRAD = "return [pj - (1.0 if j == target else 0.0) for j, pj in enumerate(p)]"
PASS = """def backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        node._backward()
"""
REVISITING = """def backward(root):
    root.grad = 1.0
    _visit(root)


def _visit(node):
    node._backward()
    for child in node._prev:
        _visit(child)
"""

# (exercise, edits of the reference solution, the mistake the checker must name)
MISTAKES = [
    (1, [("return math.exp(x)", "return -math.exp(x)")], "sign"),
    (1, [("return 1.0 / x", "return -1.0 / x")], "log_sign"),
    (5, [("w * x + b - y for", "y - w * x - b for")], "error_sign"),
    (5, [("2.0 / n * sum(e * x for e, x in zip(errors, xs))", "2.0 / n * sum(errors)")], "dw_x"),
    (5, [("2.0 / n * sum(errors)", "1.0 / n * sum(errors)")], "factor_two"),
    (5, [("return 2.0 / n * sum(e * x", "return 2.0 * sum(e * x")], "mean"),
    (2, [("child.grad += local * self.grad", "child.grad = local * self.grad")], "accumulate"),
    (4, [("    root.grad = 1.0\n", "")], "seed"),
    (4, [("reversed(topological_order(root))", "topological_order(root)")], "reverse"),
    (4, [(PASS, REVISITING)], "visited"),
    (9, [("        for p in params:\n            p.grad = 0.0\n", "")], "zero_grad"),
    (7, [(SOFTMAX_GRAD, "return [pj * (1.0 - pj) for pj in p]")], "softmax_diagonal"),
    (7, [(SOFTMAX_GRAD, "return [pj - 1.0 for pj in p]")], "onehot_everywhere"),
    (
        7,
        [
            (
                SOFTMAX_GRAD,
                "return [p[target] * ((1.0 if j == target else 0.0) - pj) "
                "for j, pj in enumerate(p)]",
            )
        ],  # fmt: skip
        "jacobian_row",
    ),
    (10, [("X @ W.T + b", "X @ W + b")], "transpose_w"),
    (10, [("dY @ W,", "dY @ W.T,")], "dx_transpose"),
    (10, [("dY.T @ X", "X.T @ dY")], "dw_transpose"),
]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "number, edits, mistake", MISTAKES, ids=[f"ex{n:02d}-{m}" for n, _, m in MISTAKES]
)
def test_each_mistake_is_named_in_both_languages(tmp_path: Path, number, edits, mistake, lang):
    folder = solution_workbook(tmp_path)
    for old, new in edits:
        edit_code(folder / f"{STEMS[number]}.py", old, new)
    (result,) = exercises.check(folder, [number], lang=lang, seed=0)
    assert result.status == "failing"
    assert mistake in result.mistakes, (result.message, result.mistakes)
    nudge = result.hints[result.mistakes.index(mistake)]
    assert nudge == message(f"exercises.hint.{mistake}.1", lang)
    other = "ko" if lang == "en" else "en"
    assert nudge != message(f"exercises.hint.{mistake}.1", other)
    assert "{" not in result.message and "{" not in nudge
    # No misleading company: a mistake named as a whole is not explained as a wrong sum.
    if number in (4, 7):
        assert result.mistakes == [mistake]


def test_a_missing_seed_gets_a_whole_hint_not_an_empty_sum(tmp_path: Path):
    # It printed "... as the sum over its uses: ." (the output has no uses).
    folder = solution_workbook(tmp_path)
    edit_code(folder / "ex04_backward.py", "    root.grad = 1.0\n", "")
    for level in exercises.HINT_LEVELS:
        (result,) = exercises.check(folder, [4], seed=0, hint=level)
        assert result.mistakes == ["seed"] and "uses: ." not in " ".join(result.hints)
        assert result.fields["expected"] == "1" and result.fields["got"] == "0"
    assert "root.grad = 1.0" in result.hints[0]  # the formula, at level 3


def test_a_wrong_sum_that_is_no_known_mistake_gets_the_chain_rule_terms(tmp_path: Path):
    folder = solution_workbook(tmp_path)
    edit_code(  # every _backward() twice, in the right order: no typical mistake
        folder / "ex04_backward.py",
        "        node._backward()\n",
        "        node._backward()\n        node._backward()\n",
    )
    (result,) = exercises.check(folder, [4], seed=0, hint=3)
    assert result.mistakes == ["contributions"]
    assert result.hints[0].startswith("d out/d ") and " = " in result.hints[0]


def test_hints_come_in_three_steps(tmp_path: Path, capsys):
    folder = solution_workbook(tmp_path)
    edit_code(folder / "ex01_local_derivatives.py", "1.0 - math.tanh(x) ** 2", "math.tanh(x) ** 2")
    texts = []
    for level in exercises.HINT_LEVELS:
        (result,) = exercises.check(folder, [1], seed=0, hint=level)
        assert result.mistakes == ["tanh_square"] and result.hint_level == level
        texts.append(result.hints[0])
        shown = exercises.format_result(result)
        assert ("--hint" in shown) == (level < 3)
    nudge, rule, formula = texts
    assert len(set(texts)) == 3
    assert "1 - tanh" not in nudge and "1 - tanh" not in rule  # the formula only when asked
    assert formula == "d tanh(x)/dx = 1 - tanh(x)**2"
    capsys.readouterr()
    for level, text in zip(exercises.HINT_LEVELS, texts):
        with pytest.raises(SystemExit):
            main(["exercises", "check", str(folder), "1", "--hint", str(level), "--lang", "en"])
        assert f"hint: {text}" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["exercises", "check", str(folder), "1", "--hint", "3", "--lang", "ko"])
    out = capsys.readouterr().out
    assert "힌트: d tanh(x)/dx = 1 - tanh(x)**2" in out
    with pytest.raises(SystemExit) as usage:
        main(["exercises", "check", str(folder), "1", "--hint", "4"])
    assert usage.value.code == 2 and "--hint" in capsys.readouterr().err
    with pytest.raises(ValueError, match="hint must be one of"):
        exercises.check(folder, [1], hint=0)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_solution_opens_once_its_exercise_passes(tmp_path: Path, capsys, lang):
    folder = tmp_path / "wb"
    assert main(["exercises", "start", str(folder), "--lang", lang]) == 0
    capsys.readouterr()
    # Not passed yet: refused, in one line, saying how to check.
    assert main(["exercises", "solution", str(folder), "3", "--lang", lang]) == 1
    err = capsys.readouterr().err
    locked = message("exercises.solution.locked", lang, n=3, dir=folder)
    # One line in the command's language ("micrograd-mlp exercises: 오류: ..." in Korean).
    assert err == message("cli.error", lang, command="exercises", error=locked) + "\n"
    assert err.startswith("micrograd-mlp exercises: ") and err.count("\n") == 1
    assert f"micrograd-mlp exercises check {folder} 3" in err
    with pytest.raises(exercises.LockedError):
        exercises.solution(folder, 3, lang)
    # Solved: the check passes, says where the solution is, and the solution prints.
    (folder / "ex03_topological_order.py").write_text(
        exercises.render_solution(exercises.EXERCISES[2], lang), encoding="utf-8"
    )
    assert main(["exercises", "check", str(folder), "3", "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert f"micrograd-mlp exercises solution {folder} 3" in out
    assert main(["exercises", "solution", str(folder), "3", "--lang", lang]) == 0
    printed = capsys.readouterr().out
    assert printed == exercises.render_solution(exercises.EXERCISES[2], lang)
    assert message("exercises.why.3", lang).split("\n")[0] in printed
    assert "def topological_order(root):" in printed and "@@" not in printed
    # Other exercises stay locked; start (again) keeps what has passed.
    assert main(["exercises", "solution", str(folder), "4", "--lang", lang]) == 1
    exercises.start(folder, lang)
    assert exercises.solution(folder, 3, lang) == printed


def test_every_solution_is_a_valid_file_with_its_why_in_both_languages():
    for e in exercises.EXERCISES:
        texts = {lang: exercises.render_solution(e, lang) for lang in ("en", "ko")}
        for lang, text in texts.items():
            compile(text, e.file, "exec")
            assert "@@" not in text and "TODO" not in text and "NotImplementedError" not in text
            assert message(f"exercises.why.{e.number}", lang).strip() in text
        assert texts["en"] != texts["ko"]
        # The same code in both: only the docstring is in the learner's language.
        assert texts["en"].split('"""')[2:] == texts["ko"].split('"""')[2:]
    with pytest.raises(ValueError, match="no exercise 11"):
        exercises.solution(".", 11)
