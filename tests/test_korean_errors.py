"""The errors of a formula (``explore`` and ``backprop``) in the run's language: a Korean run
prints them from the Korean catalogue (``messages/ko/formula.json``), an English run keeps the
English text, and the Python API's ``str(ExpressionError)`` is the English message."""

from __future__ import annotations

import pytest

from micrograd_mlp.cli import main
from micrograd_mlp.expression import ExpressionError, parse_assignments, parse_expression
from micrograd_mlp.messages import message
from tests.korean_output import english_words

#: One case per kind of formula error: (name, argv after the command, what the English line
#: says).
CASES = [
    ("unknown name", ["a*b+c"], "unknown name(s) a, b, c in 'a*b+c'"),
    ("bad syntax", ["x +", "--values", "x=1"], "cannot parse 'x +'"),
    ("unclosed", ["(x*2", "--values", "x=1"], "'(' was never closed"),
    ("not allowed", ["x.real", "--values", "x=1"], "not allowed in 'x.real'"),
    ("unknown call", ["sin(x)", "--values", "x=1"], "the call 'sin(x)'"),
    ("caret", ["x^2", "--values", "x=1"], "write x**2"),
    ("values item", ["x", "--values", "x"], "expected NAME=NUMBER"),
    ("values number", ["x", "--values", "x=abc"], "is not a number"),
    ("values name", ["x", "--values", "1x=2"], "not a valid variable name"),
    ("duplicate", ["x", "--values", "x=1", "x=2"], "'x' is given twice"),
    ("alike", ["x", "--values", "x=1", "ｘ=2"], "'x' is given twice"),
    ("non-finite", ["x", "--values", "x=nan"], "must be finite, got nan"),
    ("unused", ["x", "--values", "x=1", "y=2"], "does not use"),
    ("division", ["x/(x-1)", "--values", "x=1"], "division by zero"),
    ("log", ["log(x-1)", "--values", "x=1"], "non-positive"),
    ("overflow", ["exp(x)", "--values", "x=1000"], "overflows float64"),
    ("gradient", ["log(x)", "--values", "x=1e-320"], "cannot differentiate"),
    ("deep", ["x*" + "(" * 300 + "x" + ")" * 300, "--values", "x=1"], "nested"),
    ("superscript", ["x²", "--values", "x=1"], "is not read as a power"),
    ("arguments", ["tanh(x, x)", "--values", "x=1"], "exactly one argument"),
    ("function", ["tanh + x", "--values", "x=1"], "is a function"),
]
IDS = [case[0] for case in CASES]


def _error_line(command: str, argv: list[str], lang: str, tmp_path, capsys) -> str:
    """The one error line of ``micrograd-mlp COMMAND ARGV --lang LANG`` (exit status 1)."""
    args = [command, *argv, "--lang", lang, "--out", str(tmp_path / "out")]
    try:
        status = main(args)
    except SystemExit as stop:  # backprop stops with its line as the exit code
        assert isinstance(stop.code, str), stop.code
        return stop.code
    captured = capsys.readouterr()
    assert status == 1, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("command", ["explore", "backprop"])
@pytest.mark.parametrize(("name", "argv", "english"), CASES, ids=IDS)
def test_formula_errors_speak_the_runs_language(command, name, argv, english, tmp_path, capsys):
    korean = _error_line(command, argv, "ko", tmp_path, capsys)
    assert korean.startswith(f"micrograd-mlp {command}: 오류: "), korean
    assert english_words(korean, {command}) == [], korean
    assert english not in korean
    line = _error_line(command, argv, "en", tmp_path, capsys)
    assert line.startswith(f"micrograd-mlp {command}: error: "), line
    assert english in line
    assert english_words(line), line  # the English run is English
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_korean_line_comes_from_the_formula_catalogue(tmp_path, capsys):
    line = _error_line("explore", ["a*b+c"], "ko", tmp_path, capsys)
    expected = message(
        "formula.unknown_names",
        "ko",
        names="a, b, c",
        source="a*b+c",
        first="a",
        given=message("formula.none", "ko"),
        functions="exp, log, tanh, sigmoid, relu, leaky_relu, abs",
    )
    assert line == message("cli.error", "ko", command="explore", error=expected)
    assert "값을 준 변수: 없음" in line and "--values a=1.0" in line


def test_the_environment_variable_selects_korean_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    status = main(["explore", "x +", "--values", "x=1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1 and "오류" in err and english_words(err, {"explore"}) == [], err


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (
            lambda: parse_expression("a*b+c", {}),
            "unknown name(s) a, b, c in 'a*b+c': give a value for each variable "
            "(e.g. --values a=1.0); values given for: none. "
            "Functions: exp, log, tanh, sigmoid, relu, leaky_relu, abs",
        ),
        (
            lambda: parse_expression("x +", {"x": 1.0}),
            "cannot parse 'x +': invalid syntax (column 0)",
        ),
        (
            lambda: parse_expression("(x", {"x": 1.0}),
            "cannot parse '(x': '(' was never closed (column 1)",
        ),
        (lambda: parse_assignments(["x"]), "expected NAME=NUMBER (e.g. x=1.5), got 'x'"),
        (lambda: parse_assignments(["x=1", "x=2"]), "the variable 'x' is given twice"),
        (
            lambda: parse_expression("x", {"x": float("inf")}),
            "the value of 'x' must be finite, got inf",
        ),
        (
            lambda: parse_expression("x / (x - 1)", {"x": 1.0}),
            "cannot evaluate 'x / (x - 1)': division by zero: 1.0 / 0.0",
        ),
        (
            lambda: parse_expression("x // 2", {"x": 1.0}),
            "not allowed in 'x // 2': the operator 'x // 2'. Allowed: numbers (2, 1.5, 1e-3), "
            "variable names, + - * / ** , unary minus, parentheses, and the functions exp(...), "
            "log(...), tanh(...), sigmoid(...), relu(...), leaky_relu(...), abs(...) "
            "(leaky_relu(x, 0.1): a slope for x < 0)",
        ),
    ],
)
def test_the_python_api_message_is_english(call, text):
    with pytest.raises(ExpressionError) as raised:
        call()
    error = raised.value
    assert str(error) == text == error.text("en")
    assert error.key is not None and error.key.startswith("formula.")
    korean = error.text("ko")
    assert korean != text and english_words(korean) == [], korean


def test_an_expression_error_of_plain_text_keeps_it():
    error = ExpressionError("cannot parse")
    assert (str(error), error.key, error.text("ko")) == ("cannot parse", None, "cannot parse")


def test_an_expression_error_survives_pickling():
    import pickle

    with pytest.raises(ExpressionError) as raised:
        parse_expression("a*b", {})
    copy = pickle.loads(pickle.dumps(raised.value))
    assert (str(copy), copy.key, copy.text("ko")) == (
        str(raised.value),
        raised.value.key,
        raised.value.text("ko"),
    )


@pytest.mark.parametrize("how", [["--lang", "ko"], ["--lang=ko"], []])
def test_a_formula_read_as_an_option_gets_its_hint_in_korean(how, capsys, monkeypatch):
    # argparse refuses "-x*y" (an unknown option) before the command runs: the language is
    # read from the command line (or the environment) first.
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko" if not how else "en")
    with pytest.raises(SystemExit) as stop:
        main(["explore", "-x*y", "--values", "x=1", "y=2", *how])
    assert stop.value.code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("micrograd-mlp: 오류: 알 수 없는 옵션: -x*y. "), line
    assert english_words(line) == [] and "'(-x)*y'" in line, line


def test_a_formula_read_as_an_option_keeps_the_english_hint(capsys, monkeypatch):
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)
    with pytest.raises(SystemExit):
        main(["backprop", "-x*y", "--values", "x=1", "y=2", "--lang", "en"])
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "micrograd-mlp: error: unrecognized arguments: -x*y; a formula that starts with '-' is "
        "read as an option: put it in parentheses or after a space, e.g. '(-x)*y' or ' -x*y'"
    )


def test_every_formula_key_the_parser_names_is_in_the_catalogue():
    # A key missing from the catalogue would turn into a plain (English) text silently.
    import re
    from pathlib import Path

    import micrograd_mlp.expression as expression
    from micrograd_mlp.messages import catalogue

    source = Path(expression.__file__).read_text(encoding="utf-8")
    named = set(re.findall(r'"(formula\.[\w.]+)"', source))
    named |= {f"formula.construct.{what}" for what in expression._DESCRIBED}
    assert len(named) > 40
    assert named <= set(catalogue("en")) and named <= set(catalogue("ko"))
