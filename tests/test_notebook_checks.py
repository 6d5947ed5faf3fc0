"""The notebooks' in-process check (``micrograd_mlp.exercises.notebook.check_cell``): the
workbook's checkers asked through a second implementation of their learner interface, in this
process. It gives the verdict, the named mistakes and the hints that the workbook's check gives
the same code on the same inputs, in English and Korean; a blank (``...``) or
NotImplementedError is "not yet", never an exception; only the functions given are the
learner's (the rest are the reference solution's); the learner's code is bounded in time (the
kernel goes on), its prints are kept out of the notebook, and the library is left as it was.
The CLI's grader stays the subprocess one."""

from __future__ import annotations

import importlib
import math
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workbooks import edit_code, solution_workbook

from micrograd_mlp import exercises
from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.notebook import (
    CellCheck,
    blank_in,
    check_cell,
    exercise_functions,
    reference,
)
from micrograd_mlp.messages import message

STEMS = {e.number: e.stem for e in exercises.EXERCISES}


def _prefix(key: str, lang: str = "en") -> str:
    """The fixed start of a message: what comes before its first colon."""
    fields = dict.fromkeys(["funcs", "cases", "n", "func", "message"], "")
    return message(key, lang, **fields).split(":")[0]


# ---------------------------------------------------------------------------- the verdicts
@pytest.mark.parametrize("number", range(1, 11))
def test_the_reference_solutions_pass_in_the_kernel(number):
    check = check_cell(number, **reference(number), seed=number)
    assert isinstance(check, CellCheck) and check.passed, check.text
    assert check.text.startswith(_prefix("notebook.right"))
    assert set(check.asked) == set(exercise_functions(number)) and all(check.asked.values())
    assert str(check) == check.text and repr(check) != ""


def _functions(folder: Path, number: int) -> dict:
    """The exercise's functions from the workbook file, imported as the runner imports it."""
    stems = [m for m in sys.modules if m[:2] == "ex" and m[2:4].isdigit()]
    for name in stems:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(STEMS[number])
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m[:2] == "ex" and m[2:4].isdigit()]:
            del sys.modules[name]
    return {name: getattr(module, name) for name in exercise_functions(number)}


# (exercise, an edit of the reference solution, the mistake both checks must name)
MISTAKES = [
    (1, ("return 1.0 - math.tanh(x) ** 2", "return math.tanh(x) ** 2"), "tanh_square"),
    (2, ("child.grad += local * self.grad", "child.grad = local * self.grad"), "accumulate"),
    (4, ("    root.grad = 1.0\n", ""), "seed"),
    (5, ("w * x + b - y for", "y - w * x - b for"), "error_sign"),
    (7, ("pj - (1.0 if j == target else 0.0)", "pj * (1.0 - pj)"), "softmax_diagonal"),
    (8, ("momentum * v + g for", "momentum * v + (1 - momentum) * g for"), "momentum_ema"),
    (10, ("X @ W.T + b", "X @ W + b"), "transpose_w"),
]


@pytest.mark.parametrize(
    "number, edit, mistake", MISTAKES, ids=[f"ex{n:02d}-{m}" for n, _, m in MISTAKES]
)
def test_the_same_verdict_as_the_workbooks_check(tmp_path, number, edit, mistake):
    folder = solution_workbook(tmp_path)
    edit_code(folder / f"{STEMS[number]}.py", *edit)
    (workbook,) = exercises.check(folder, [number], seed=3)
    kernel = check_cell(number, **_functions(folder, number), seed=3)
    assert workbook.status == kernel.status == "failing"
    assert kernel.result.key == workbook.key and mistake in kernel.mistakes
    assert kernel.mistakes == workbook.mistakes and kernel.result.hints == workbook.hints
    same = {k: v for k, v in workbook.fields.items() if k != "file"}
    assert {k: v for k, v in kernel.result.fields.items() if k != "file"} == same
    assert workbook.message in kernel.text


def test_hints_come_in_three_levels_in_both_languages():
    def d_tanh(x):
        return math.tanh(x) ** 2

    for lang in ("en", "ko"):
        for level in (1, 2, 3):
            check = check_cell(1, d_tanh=d_tanh, lang=lang, hint=level, seed=0)
            assert check.mistakes == ["tanh_square"] and check.result.hint_level == level
            assert message(f"exercises.hint.tanh_square.{level}", lang) in check.text
            assert check.text.startswith(_prefix("notebook.wrong", lang))
            more = message("notebook.more_hint", lang, n=1, next=level + 1)
            assert (more in check.text) == (level < 3)


def test_only_the_functions_given_are_the_learners():
    check = check_cell(1, d_tanh=reference(1)["d_tanh"], seed=0)
    assert check.passed and check.asked == {"d_tanh": 40}
    others = ", ".join(name for name in exercise_functions(1) if name != "d_tanh")
    assert message("notebook.reference", "en", n=1, others=others) in check.text
    assert "40" in check.text  # the cases asked of the learner's function, not of the others'


# --------------------------------------------------------------------------------- not yet
def d_tanh_blank(x):
    return 1.0 - ...  # the learner's blank


def d_tanh_todo(x):
    raise NotImplementedError("d_tanh")


class ValueWithABlank:
    def __init__(self, data, _children=(), _op="", label="", _local_grads=()):
        self.data, self.grad = data, 0.0

    def _backward(self): ...


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_blank_or_not_implemented_is_not_yet(lang):
    for function in (d_tanh_blank, d_tanh_todo):
        check = check_cell(1, d_tanh=function, lang=lang)
        assert check.status == "not_started", check.text
        assert check.text == message("notebook.not_yet", lang, func="d_tanh")
    check = check_cell(2, Value=ValueWithABlank, lang=lang)
    assert check.status == "not_started" and "Value" in check.text


def test_blanks_are_found_in_the_code_not_in_strings():
    def filled(x):
        """A docstring may say ... freely."""
        return "..."

    assert blank_in(d_tanh_blank) and blank_in(ValueWithABlank) and not blank_in(filled)
    namespace: dict = {}
    exec("def unreadable(x):\n    return ...\n", namespace)  # no source to read: not a blank
    assert not blank_in(namespace["unreadable"]) and not blank_in(lambda x: x)


# ------------------------------------------------------------------------- the kernel's bounds
def test_an_endless_loop_is_stopped_and_the_kernel_goes_on():
    def d_tanh(x):
        while True:
            pass

    before = signal.getsignal(signal.SIGALRM)
    start = time.perf_counter()
    check = check_cell(1, d_tanh=d_tanh, timeout=0.3)
    assert time.perf_counter() - start < 5
    assert check.status == "failing" and check.result.key == "notebook.timeout"
    assert check.text.startswith(message("notebook.wrong", "en", message="d_tanh"))
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_loop_that_swallows_the_timeout_once_is_stopped_too():
    def d_tanh(x):
        try:
            while True:
                pass
        except BaseException:  # a learner's bare except swallows the first stop
            pass
        while True:
            pass

    start = time.perf_counter()
    check = check_cell(1, d_tanh=d_tanh, timeout=0.3)
    assert check.result.key == "notebook.timeout" and time.perf_counter() - start < 5


def test_what_the_learner_prints_is_kept_out_of_the_notebook(capsys):
    def d_tanh(x):
        print("x is", x)
        print("debugging", file=sys.stderr)
        return 1.0 - math.tanh(x) ** 2

    check = check_cell(1, d_tanh=d_tanh, seed=0)
    captured = capsys.readouterr()
    assert check.passed and captured.out == captured.err == ""
    assert "80" in check.text and "x is" in check.text  # 40 cases, two lines each


def test_an_interrupted_check_stops_the_cell():
    def d_tanh(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_cell(1, d_tanh=d_tanh)


def test_training_in_the_kernel_leaves_the_library_as_it_was():
    from micrograd_mlp.functional import binary_cross_entropy_with_logits
    from micrograd_mlp.nn import MLP
    from micrograd_mlp.optim import Adam

    def train_mlp(X, y, seed):  # never clears the gradients
        model = MLP(2, [8, 1], activation="tanh", seed=seed)
        optimizer = Adam(model.parameters(), lr=0.1)
        for _ in range(20):
            binary_cross_entropy_with_logits([model(p) for p in X], y).backward()
            optimizer.step()
        return lambda point: model(point).sigmoid().data

    backward = Value.__dict__["backward"]
    check = check_cell(9, train_mlp=train_mlp, seed=0)
    assert check.status == "failing" and check.mistakes == ["zero_grad"]
    assert Value.__dict__["backward"] is backward


def test_a_raised_recursion_limit_is_named():
    def topological_order(root, _seen=None, _order=None):  # recursive, with the limit raised
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
        seen, order = (set(), []) if _seen is None else (_seen, _order)
        if id(root) not in seen:
            seen.add(id(root))
            for child in root._prev:
                topological_order(child, seen, order)
            order.append(root)
        return order

    limit = sys.getrecursionlimit()
    try:
        check = check_cell(3, topological_order=topological_order, seed=0)
    finally:
        sys.setrecursionlimit(limit)
    assert check.result.key == "exercises.fail.recursion_limit" and "recursion" in check.mistakes


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot draws the picture")
def test_a_wrong_gradient_comes_with_a_picture():
    namespace = dict(reference(4))
    from micrograd_mlp.autodiff import topological_order

    def backward(root):  # no seed
        for node in reversed(topological_order(root)):
            node._backward()

    namespace["backward"] = backward
    check = check_cell(4, backward=backward, seed=0, lang="ko")
    assert check.mistakes == ["seed"] and check.graph[:8] == b"\x89PNG\r\n\x1a\n"
    assert message("notebook.graph", "ko") in check.text


# --------------------------------------------------------------------------- wrong calls
def test_check_cell_refuses_calls_it_cannot_check():
    with pytest.raises(ValueError, match=r"check_cell\(5, neuron=neuron\)"):
        check_cell(5)
    with pytest.raises(ValueError, match="mse_grads"):
        check_cell(5, mse_grad=reference(5)["mse_grads"])
    with pytest.raises(TypeError, match="mse_grads=mse_grads"):
        check_cell(5, mse_grads=1.5)
    with pytest.raises(ValueError, match="hint"):
        check_cell(5, mse_grads=reference(5)["mse_grads"], hint=4)
    with pytest.raises(ValueError, match="timeout"):
        check_cell(5, mse_grads=reference(5)["mse_grads"], timeout=0)
    with pytest.raises(ValueError, match="no exercise 11"):
        check_cell(11, mse_grads=reference(5)["mse_grads"])
    with pytest.raises(ValueError, match="연습 5에는"):
        check_cell(5, mse_grad=reference(5)["mse_grads"], lang="ko")


def test_the_clis_grader_does_not_load_the_kernel_check():
    code = (
        "import sys, micrograd_mlp.cli, micrograd_mlp.exercises; "
        "print('micrograd_mlp.exercises.notebook' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
