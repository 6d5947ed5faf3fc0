"""The exercises: the blank workbook fails every check clearly, the reference solutions (the
package's, ``exercises.render_solution``) pass every check, each typical mistake gets its hint,
and a learner's file that loops forever or raises is reported while the checker exits cleanly.
(What a learner's file cannot fake, and the answers that used to pass, are in
tests/test_grader.py; the hints' levels and the solutions, in tests/test_exercise_hints.py.)"""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest
from workbooks import edit_code, solution_workbook

from micrograd_mlp import exercises
from micrograd_mlp.cli import main
from micrograd_mlp.messages import catalogue, message

STEMS = {e.number: e.stem for e in exercises.EXERCISES}


def _check(folder: Path, number: int, lang: str = "en") -> exercises.CheckResult:
    """Exercise ``number``'s check, on inputs drawn from a fixed seed (the same every run)."""
    (result,) = exercises.check(folder, [number], lang=lang, seed=0)
    return result


def _load(folder: Path, stem: str):
    """Import a workbook file as the checker's subprocess does (its folder first on the path)."""
    for name in [m for m in sys.modules if m[:2] == "ex" and m[2:4].isdigit()]:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(stem)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m[:2] == "ex" and m[2:4].isdigit()]:
            del sys.modules[name]


def test_every_exercise_has_a_template_title_and_intro_in_both_languages():
    assert [e.number for e in exercises.EXERCISES] == list(range(1, 11))
    for e in exercises.EXERCISES:
        for lang in ("en", "ko"):
            text = exercises.render(e, lang)
            assert "@@" not in text and "TODO" in text and "NotImplementedError" in text
            compile(text, e.file, "exec")  # a valid Python file
        assert exercises.render(e, "en") != exercises.render(e, "ko")
        assert "수학" in exercises.render(e, "ko")
    # The stubs' docstrings and comments are Korean too, indented like the English ones.
    korean = exercises.render(exercises.EXERCISES[3], "ko")
    assert "    국소 미분 * node.grad 를 node._prev 각각의 grad에 더합니다." in korean
    assert "# TODO: 출력의 기울기를 정한 뒤" in korean


def test_blank_workbook_fails_every_check_with_a_clear_message(tmp_path: Path, capsys):
    folder = tmp_path / "wb"
    assert main(["exercises", "start", str(folder)]) == 0
    assert sorted(p.name for p in folder.glob("ex*.py")) == sorted(
        e.file for e in exercises.EXERCISES
    )
    with pytest.raises(SystemExit) as exit_:
        main(["exercises", "check", str(folder)])
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    for e in exercises.EXERCISES:
        assert f"[{e.number}] {e.title('en')}: not started" in out
    assert out.count("is not written yet (it raises NotImplementedError): fill in its TODO") == 10
    assert "Value._backward is not written yet" in out  # the stub that failed is named
    assert "0 of 10 checked exercises passed." in out


def test_reference_solutions_pass_every_check(tmp_path: Path, capsys):
    folder = solution_workbook(tmp_path)
    results = exercises.check(folder)
    failed = [exercises.format_result(r) for r in results if r.status != "passed"]
    assert not failed, "\n".join(failed)
    assert all(r.cases > 0 for r in results)
    assert results[0].cases >= 9 * 40  # many random cases per function
    assert main(["exercises", "check", str(folder), "1", "3"]) == 0
    assert "2 of 2 checked exercises passed." in capsys.readouterr().out


# A recursive topological order (with a visited set): right, until the graph is deep.
RECURSIVE = """def topological_order(root):
    return _visit(root, [], set())


def _visit(node, order, seen):
    for child in node._prev:
        if id(child) not in seen:
            _visit(child, order, seen)
    seen.add(id(node))
    order.append(node)
    return order


def _iterative(root):
"""

# (exercise, file edit that makes the typical mistake, hint key the checker must give)
MISTAKES = [
    (1, ("1.0 - math.tanh(x) ** 2", "math.tanh(x) ** 2"), "tanh_square"),
    (1, ("return s * (1.0 - s)", "return s"), "sigmoid_value"),
    (1, ("p * a ** (p - 1)", "p * a**p"), "pow_off_by_one"),
    (1, ("return b, a", "return a, b"), "mul_swapped"),
    (1, ("return 1.0 / b, -a / (b * b)", "return 1.0 / b, -a / b"), "div_square"),
    (2, ("    def __radd__(self, other):\n        return self + other\n", ""), "radd"),
    (3, ("elif id(node) not in visited:", "elif True:"), "visited"),
    (3, ("def topological_order(root):\n", RECURSIVE), "recursion"),
    (4, ("    root.grad = 1.0\n", ""), "seed"),
    (4, ("reversed(topological_order(root))", "topological_order(root)"), "reverse"),
    (5, ("2.0 / n * sum(e * x", "2.0 * sum(e * x"), "mean"),
    (5, ("/ len(preds)", ""), "mean"),
    (5, ("2.0 / n * sum(errors)", "1.0 / n * sum(errors)"), "factor_two"),
    (6, ("return w - lr * dw, b - lr * db", "return w + lr * dw, b + lr * db"), "descent_sign"),
    (7, ("    m = max(z)\n    e =", "    m = 0\n    e ="), "stable"),
    (7, ("pj - (1.0 if j == target else 0.0)", "pj"), "onehot"),
    (
        7,
        ("pj - (1.0 if j == target else 0.0)", "(1.0 if j == target else 0.0) - pj"),
        "onehot_sign",
    ),
    (
        8,
        (
            "1 - beta1**t), vi / (1 - beta2**t)",
            "1 - beta1 ** (t + 1)), vi / (1 - beta2 ** (t + 1))",
        ),
        "adam_power",
    ),
    (
        8,
        (
            "1 - beta1**t), vi / (1 - beta2**t)",
            "1 - beta1 ** (t - 1)), vi / (1 - beta2 ** (t - 1))",
        ),
        "adam_power",
    ),
    (8, ("(math.sqrt(v_hat) + eps)", "math.sqrt(v_hat + eps)"), "adam_eps"),
    (8, ("momentum * v + g for", "momentum * v + (1 - momentum) * g for"), "momentum_ema"),
    (9, ("return _train(X, y, seed, 8)", "return _train(X, y, seed, 0)"), "hidden"),
    (10, ("dY.sum(axis=0)", "dY.mean(axis=0)"), "db_mean"),
    (10, ("dY.T @ X", "X.T @ dY"), "dw_transpose"),
]


@pytest.mark.parametrize(
    "number, edit, hint",
    MISTAKES,
    ids=[f"ex{n:02d}-{h}-{i}" for i, (n, _, h) in enumerate(MISTAKES)],
)
def test_each_typical_mistake_gets_its_hint(tmp_path: Path, number, edit, hint):
    folder = solution_workbook(tmp_path)
    edit_code(folder / f"{STEMS[number]}.py", *edit)
    result = _check(folder, number)
    assert result.status == "failing"
    assert hint in result.mistakes, (result.message, result.mistakes)
    key, fields, text = result.key, result.fields, result.message
    # The exact failing case is named: the function and its input, and (for a wrong number)
    # what was expected and what came back.
    assert fields["func"] and fields["func"] in text
    if key in ("exercises.fail.mismatch", "exercises.fail.grad", "exercises.fail.array"):
        assert fields["expected"] != fields["got"]
        assert fields["expected"] in text and fields["got"] in text
    # The hint reads the same in Korean: the nudge and the rule have a Korean text (the
    # formula, level 3, may be the same formula in both).
    for level in (1, 2):
        key = f"exercises.hint.{hint}.{level}"
        assert message(key, "ko") != message(key, "en")


# Exercise 2: (edit of the reference Value, the failure the checker reports, the hint it gives).
# Its _backward is tried alone first, on nodes the checker makes with local derivatives of its own
# choosing; then each op's data and the local derivatives it stores.
BACKWARD = "child.grad += local * self.grad"
PAIRS = "zip(self._children, self._local_grads)"
VALUE_MISTAKES = [
    ((BACKWARD, "child.grad = local * self.grad"), "backward", "accumulate"),
    ((BACKWARD, "child.grad += local"), "backward", "chain_rule"),
    ((BACKWARD, "child.grad += self.grad"), "backward", "stored_locals"),
    ((BACKWARD, "child.grad += local * self.data"), "backward", "backward_data"),
    ((BACKWARD, "self.grad += local * child.grad"), "backward", "backward_nothing"),
    ((f"    {BACKWARD}\n", f"    {BACKWARD}\n        self.grad = 0.0\n"), "backward_self", None),
    (("self.grad = 0.0\n", "self.grad = 1.0\n"), "grad_start", None),
    (  # micrograd's __init__: no _local_grads
        [(', label="", _local_grads=()):', ', label=""):'), ("tuple(_local_grads)", "()")],
        "raised",
        "init_local_grads",
    ),
    (("(other.data, self.data)", "(self.data, other.data)"), "local", "mul_swapped"),
    (("(1.0, -1.0)", "(1.0, 1.0)"), "local", "local_sign"),
    (("-a / (b * b)", "a / (b * b)"), "local", "div_sign"),
    (("p * a ** (p - 1)", "a ** (p - 1)"), "local", "pow_factor"),
    (("1.0 - t * t", "1.0 - t"), "local", "tanh_no_square"),
    (("(1.0 - t * t,)", "(1.0 - self.data * self.data,)"), "local", "tanh_input"),
    (("(s * (1.0 - s),)", "(self.data * (1.0 - self.data),)"), "local", "sigmoid_input"),
    (("(other.data, self.data)", "(other, self)"), "local_not_number", "local_value"),
    ((', "*", _local_grads=(other.data, self.data)', ', "*"'), "local_grads_count", None),
    (  # b treated as a constant: a / b as a times the number 1/b
        ("        a, b = self.data, other.data\n", "        return self * (1.0 / other.data)\n"),
        "prev_missing",
        None,
    ),
]


@pytest.mark.parametrize(
    "edit, failure, hint",
    VALUE_MISTAKES,
    ids=[f"{f}-{h}-{i}" for i, (_, f, h) in enumerate(VALUE_MISTAKES)],
)
def test_each_value_mistake_is_named(tmp_path: Path, edit, failure, hint):
    folder = solution_workbook(tmp_path)
    for old, new in edit if isinstance(edit, list) else [edit]:
        edit_code(folder / "ex02_value.py", old, new)
    results = {lang: _check(folder, 2, lang) for lang in ("en", "ko")}
    result = results["en"]
    assert result.status == "failing"
    key, fields = result.key, result.fields
    assert key == f"exercises.fail.{failure}", result.message
    if hint is not None:
        assert hint in result.mistakes, (result.message, result.mistakes)
    for lang in ("en", "ko"):  # the failing case named in both languages, with its numbers
        text = results[lang].message
        assert fields["func"] in text and "{" not in text
        for name in ("expected", "got", "input"):
            assert name not in fields or fields[name] in text
    assert results["ko"].mistakes == result.mistakes
    assert all(ko != en for ko, en in zip(results["ko"].hints, result.hints))  # level 1
    if "expected" in fields:
        assert fields["expected"] != fields["got"]


def test_a_backward_that_ignores_the_stored_local_derivatives_does_not_pass(tmp_path: Path):
    # Right on every op the checker builds, but from the op's name, not from _local_grads: the
    # nodes the checker makes itself (op "f", made-up local derivatives) catch it.
    folder = solution_workbook(tmp_path)
    edit_code(
        folder / "ex02_value.py", "zip(self._children, self._local_grads)", "_derivatives(self)"
    )
    with (folder / "ex02_value.py").open("a", encoding="utf-8") as f:
        f.write(
            "\n\ndef _derivatives(node):\n"
            "    a = node._children\n"
            '    if node._op in ("+", "-"):\n'
            '        return zip(a, (1.0, 1.0 if node._op == "+" else -1.0))\n'
            '    if node._op == "*":\n'
            "        return zip(a, (a[1].data, a[0].data))\n"
            "    return ()  # the other ops: not written this way yet\n"
        )
    result = _check(folder, 2)
    assert result.status == "failing" and result.cases == 0
    assert result.key == "exercises.fail.backward"
    assert "backward_nothing" in result.mistakes


# micrograd's form: each op stores a closure on its result; _local_grads is accepted, not used.
CLOSURES = """class Value:
    def __init__(self, data, _children=(), _op="", label="", _local_grads=()):
        self.data, self.grad, self._prev, self._op = float(data), 0.0, tuple(_children), _op
        self._children, self._local_grads = self._prev, tuple(_local_grads)
        self._backward = lambda: None

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other), "+")

        def step():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = step
        return out
"""


def test_micrograds_closures_do_not_pass_and_make_a_cycle_per_node(tmp_path: Path):
    folder = tmp_path / "wb"
    folder.mkdir()
    (folder / "ex02_value.py").write_text(CLOSURES, encoding="utf-8")
    result = _check(folder, 2)
    assert result.key == "exercises.fail.backward"
    assert "backward_nothing" in result.mistakes
    closures = _load(folder, STEMS[2])
    # What the introduction says: a graph of closures waits for the cyclic garbage collector;
    # a graph of numbers is freed by reference counting as soon as it is dropped.
    numbers = _load(solution_workbook(tmp_path / "numbers"), STEMS[2])
    gc.disable()
    try:
        kept = []
        for module in (numbers, closures):
            a = module.Value(2.0)
            out = a + a
            kept.append(weakref.ref(out))
            del out
        assert kept[0]() is None and kept[1]() is not None
    finally:
        gc.enable()
        gc.collect()


def test_a_learner_who_wrote_backward_is_told_the_next_op(tmp_path: Path):
    folder = tmp_path / "wb"
    exercises.start(folder)
    edit_code(
        folder / "ex02_value.py",
        '        raise NotImplementedError("exercise 2: Value._backward")',
        f"        for child, local in {PAIRS}:\n            {BACKWARD}",
    )
    (result,) = exercises.check(folder, [2])
    assert result.status == "failing" and result.cases >= 40  # _backward passed, a + b too
    assert result.message.startswith("Value.__mul__ is not written yet")


def test_a_wrong_gradient_in_a_graph_is_drawn_in_red(tmp_path: Path):
    folder = solution_workbook(tmp_path)
    edit_code(folder / "ex02_value.py", "(other.data, self.data)", "(self.data, other.data)")
    (result,) = exercises.check(folder, [2])
    assert result.status == "failing" and result.graph is not None
    assert result.graph.parent == folder.resolve() / exercises.FEEDBACK_DIR
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is needed to render the picture")
    assert result.graph.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(result.graph) in exercises.format_result(result)
    # Fixed: the check passes and the stale picture is gone.
    edit_code(folder / "ex02_value.py", "(self.data, other.data)", "(other.data, self.data)")
    (result,) = exercises.check(folder, [2])
    assert result.status == "passed" and not list((folder / "feedback").glob("ex02_graph.*"))


def test_the_picture_marks_the_wrong_node_in_red(tmp_path: Path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is needed to render the picture")
    from PIL import Image

    folder = solution_workbook(tmp_path)
    edit_code(
        folder / "ex04_backward.py", "reversed(topological_order(root))", "topological_order(root)"
    )
    result = _check(folder, 4)
    assert "reverse" in result.mistakes
    rgb = np.asarray(Image.open(result.graph).convert("RGB")).astype(int)
    red = int(((rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)).sum())
    assert red > 100  # the border of the wrong node; nothing else in a picture is red
    edit_code(
        folder / "ex04_backward.py", "topological_order(root)", "reversed(topological_order(root))"
    )
    assert _check(folder, 4).status == "passed"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_feedback_picture_is_red_and_in_the_learners_language(
    tmp_path: Path, lang, monkeypatch
):
    # In Korean the picture used to say "expected grad" and lose its red border: draw_dot writes
    # a Korean label with no-break spaces, so the wrong node was not found.
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is needed to render the picture")
    from PIL import Image

    import micrograd_mlp.viz.graph as graph

    folder = solution_workbook(tmp_path)
    edit_code(folder / "ex02_value.py", "1.0 - t * t", "1.0 - t")
    drawn = []
    save_graph = graph.save_graph
    monkeypatch.setattr(
        graph, "save_graph", lambda dot, path: drawn.append(dot.source) or save_graph(dot, path)
    )
    result = _check(folder, 2, lang)  # the picture is drawn in the checker's process
    assert result.status == "failing"
    start = message("exercises.graph.expected", lang, name="a", grad="@").split("@")[0]
    (source,) = drawn
    assert start.replace(" ", "\u00a0" if lang == "ko" else " ") in source
    assert "color=red" in source
    rgb = np.asarray(Image.open(result.graph).convert("RGB")).astype(int)
    assert int(((rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)).sum()) > 100
    assert message("exercises.graph.expected", "ko", name="a", grad="1") != message(
        "exercises.graph.expected", "en", name="a", grad="1"
    )


def test_infinite_loop_and_crash_are_reported_and_the_checker_exits_cleanly(tmp_path: Path):
    folder = solution_workbook(tmp_path)
    edit_code(
        folder / "ex01_local_derivatives.py",
        "def d_add(a, b):\n",
        "def d_add(a, b):\n    while True:\n        pass\n",
    )
    (folder / "ex03_topological_order.py").write_text("raise RuntimeError('boom')\n")
    edit_code(
        folder / "ex05_neuron_mse.py",
        "def mse(preds, targets):\n",
        "def mse(preds, targets):\n    return 1 / 0\n",
    )
    (folder / "ex06_gradient_descent.py").write_text("import os\nos._exit(3)\n")
    env = {**os.environ, "MICROGRAD_MLP_LANG": "en"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "micrograd_mlp.cli",
            "exercises",
            "check",
            str(folder),
            "1",
            "3",
            "5",
            "6",
            "7",
            "--timeout",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert "ex01_local_derivatives.py did not finish within 3 s and was stopped." in out
    assert "ex03_topological_order.py cannot be imported (line 1): RuntimeError: boom" in out
    assert "mse(preds=" in out and "raised ZeroDivisionError: division by zero" in out
    assert "the check stopped without a result (exit status 3)" in out
    assert "[7] softmax and cross-entropy: passed" in out  # the others still ran
    table = out[out.index("#   exercise") :]
    assert table.count("failing") == 4 and table.count("not checked") == 5


def test_force_keeps_the_learners_version_of_the_file_it_resets(tmp_path: Path, capsys):
    # --force N used to overwrite the learner's file with the blank template: their work was
    # gone. Now each reset keeps a numbered copy, and a second reset never overwrites the first.
    folder = tmp_path / "wb"
    exercises.start(folder)
    edited = folder / "ex01_local_derivatives.py"
    blank = edited.read_text(encoding="utf-8")
    for k, note in ((1, "# first try\n"), (2, "# second try\n")):
        edited.write_text(blank + note, encoding="utf-8")
        assert main(["exercises", "start", str(folder), "--force", "1"]) == 0
        saved = folder / exercises.BACKUP_DIR / f"ex01_local_derivatives.{k}.py"
        assert saved.read_text(encoding="utf-8") == blank + note
        assert edited.read_text(encoding="utf-8") == blank
        assert f"{edited}: reset to its blank template; your version is kept as {saved}." in (
            capsys.readouterr().out
        )
    assert (
        (folder / exercises.BACKUP_DIR / "ex01_local_derivatives.1.py")
        .read_text(encoding="utf-8")
        .endswith("# first try\n")
    )
    report = exercises.start(folder, "ko", force=1)  # untouched now: nothing to keep
    assert report.saved == [] and len(list((folder / exercises.BACKUP_DIR).iterdir())) == 2
    edited.write_text(blank + "# third\n", encoding="utf-8")
    report = exercises.start(folder, "ko", force=1)
    assert "보관했습니다" in "\n".join(report.lines) and str(report.saved[0]) in "\n".join(
        report.lines
    )
    assert exercises.check(folder, [1])[0].status == "not_started"  # backups are not exercises


def test_start_refuses_to_overwrite_an_edited_file_and_force_resets_one(tmp_path: Path, capsys):
    folder = tmp_path / "wb"
    first = exercises.start(folder)
    assert len(first.written) == 10
    again = exercises.start(folder)
    assert len(again.kept) == 10 and not again.written and not again.refused
    edited = folder / "ex01_local_derivatives.py"
    edited.write_text(edited.read_text() + "\n# my work\n")
    mine = folder / "ex02_value.py"
    mine.write_text(mine.read_text() + "\n# mine too\n")
    assert main(["exercises", "start", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"{edited} has been edited: not overwritten" in out and "--force 1" in out
    assert edited.read_text().endswith("# my work\n")
    report = exercises.start(folder, force=1)
    assert report.reset == [edited] and report.refused == [mine]
    assert "# my work" not in edited.read_text() and mine.read_text().endswith("# mine too\n")
    # A file start did not write (no manifest entry) counts as the learner's.
    (folder / exercises.MANIFEST).unlink()
    assert len(exercises.start(folder).refused) == 10
    with pytest.raises(SystemExit) as usage:
        main(["exercises", "start", str(folder), "--force", "11"])
    assert usage.value.code == 2
    assert "--force" in capsys.readouterr().err


def test_korean_workbook_and_feedback(tmp_path: Path, capsys):
    folder = tmp_path / "wb"
    assert main(["exercises", "start", str(folder), "--lang", "ko"]) == 0
    assert "연습장을 만들었습니다" in capsys.readouterr().out
    text = (folder / "ex03_topological_order.py").read_text(encoding="utf-8")
    assert "위상 정렬" in text and "def topological_order(root):" in text
    manifest = json.loads((folder / exercises.MANIFEST).read_text())
    assert manifest["lang"] == "ko"
    (result,) = exercises.check(folder, [1], lang="ko")
    assert result.status == "not_started" and "TODO를 채우세요" in result.message
    assert "시작 전" in exercises.progress_table([result], "ko")
    # The feedback on a mistake, case description included, is Korean too.
    solved = solution_workbook(tmp_path / "solved")
    edit_code(
        solved / "ex04_backward.py", "reversed(topological_order(root))", "topological_order(root)"
    )
    (result,) = exercises.check(solved, [4], lang="ko", hint=2)  # the rule
    assert result.status == "failing" and "a의 grad: 기댓값 4, 실제 0." in result.message
    assert any("역순" in hint for hint in result.hints)
    assert "그림" in exercises.format_result(result, "ko")


def test_lang_defaults_to_the_environment(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    folder = tmp_path / "wb"
    assert main(["exercises", "start", str(folder)]) == 0
    assert "연습장" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["exercises", "check", str(folder), "4"])
    assert "검사한 연습 1개 중 0개 통과." in capsys.readouterr().out


def test_progress_table_shows_passed_failing_and_not_started(tmp_path: Path):
    folder = solution_workbook(tmp_path)
    edit_code(folder / "ex01_local_derivatives.py", "1.0 - math.tanh(x) ** 2", "math.tanh(x) ** 2")
    blank = tmp_path / "blank"
    exercises.start(blank)
    shutil.copy(blank / "ex03_topological_order.py", folder)
    results = exercises.check(folder, [1, 3, 10])
    assert [r.status for r in results] == ["failing", "not_started", "passed"]
    table = exercises.progress_table(results).splitlines()
    assert table[2].split()[-1] == "failing" and table[4].endswith("not started")
    assert table[11].endswith("passed") and table[3].endswith("not checked")
    assert table[-1] == "1 of 3 checked exercises passed."


def test_a_new_learner_gets_the_hint_then_passes(tmp_path: Path, capsys):
    """The issue's "done when": start, fill in exercise 1 wrongly, get the targeted hint, fill
    it in correctly, see it pass (exit status 1, then 0)."""
    folder = tmp_path / "wb"
    assert main(["exercises", "start", str(folder)]) == 0
    mine = folder / "ex01_local_derivatives.py"
    right = exercises.render_solution(exercises.EXERCISES[0], "en")
    mine.write_text(right.replace("1.0 - math.tanh(x) ** 2", "math.tanh(x) ** 2"), encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as failed:
        main(["exercises", "check", str(folder), "1"])
    assert failed.value.code == 1
    out = capsys.readouterr().out
    assert "[1] local derivatives: failing" in out and "d_tanh at x=" in out
    assert "hint: You returned tanh(x)**2: something is missing." in out
    assert "(a more specific hint: add --hint 2)" in out
    mine.write_text(right, encoding="utf-8")
    assert main(["exercises", "check", str(folder), "1"]) == 0
    assert "[1] local derivatives: passed" in capsys.readouterr().out


def test_an_exercise_under_way_is_failing_not_unstarted(tmp_path: Path):
    folder = tmp_path / "wb"
    exercises.start(folder)
    edit_code(
        folder / "ex01_local_derivatives.py",
        '    # TODO: return (..., ...)\n    raise NotImplementedError("exercise 1: d_add")',
        "    return 1.0, 1.0",
    )
    (result,) = exercises.check(folder, [1])
    assert result.status == "failing" and result.cases == 2 * 40
    assert result.message.startswith("d_mul is not written yet")


def test_check_errors_name_the_interface(tmp_path: Path, capsys):
    assert main(["exercises", "check", str(tmp_path / "nowhere")]) == 1
    assert "DIR" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no exercise 11"):
        exercises.check(tmp_path, [11])
    with pytest.raises(SystemExit):
        main(["exercises", "check", str(tmp_path), "0"])
    assert "argument N" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["start", "check"])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_dir_that_is_a_file_is_named_as_such(tmp_path: Path, capsys, action, lang):
    # start said only "File exists: '...'", check "no such folder" for an existing file.
    afile = tmp_path / "notes.txt"
    afile.write_text("mine", encoding="utf-8")
    assert main(["exercises", action, str(afile), "--lang", lang]) == 1
    error = message("exercises.fail.dir_is_file", lang, dir=afile)
    # The one-line error in the command's language: "micrograd-mlp exercises: error: ..."
    # ("오류" in Korean).
    assert capsys.readouterr().err == (
        message("cli.error", lang, command="exercises", error=error) + "\n"
    )
    assert message("cli.error", "en", command="exercises", error=error).startswith(
        "micrograd-mlp exercises: error: "
    )
    assert afile.read_text(encoding="utf-8") == "mine"


def test_every_exercise_key_exists_in_both_catalogues():
    en, ko = catalogue("en"), catalogue("ko")
    mine = {k for k in en if k.startswith("exercises.")}
    assert mine and mine == {k for k in ko if k.startswith("exercises.")}
    package = Path(exercises.__file__).parent
    source = "".join(p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py")))
    hints = {k.rsplit(".", 1)[0] for k in mine if k.startswith("exercises.hint.")}
    for key in hints:  # every hint is given somewhere, at each of the three levels
        assert f'"{key}"' in source, key
        assert {f"{key}.{level}" for level in exercises.HINT_LEVELS} <= mine, key
