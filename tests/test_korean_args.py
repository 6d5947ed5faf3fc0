"""The command line's own errors in the run's language: argparse's usage errors (a bad option
value, an unknown option or command, a missing or ambiguous argument), the option types'
refusals, an ``--out`` that cannot be a folder and the operating system's errors. A Korean run
(``--lang ko`` or ``MICROGRAD_MLP_LANG=ko``) prints them from the Korean catalogue
(``messages/ko/args.json``) with no English words; an English run keeps argparse's and the
system's English text."""

from __future__ import annotations

import argparse
import errno
import os
import re

import pytest

from micrograd_mlp.cli import (
    _display_width,
    _Parser,
    build_parser,
    demo_modules,
    describe_error,
    main,
    translate_argparse_error,
)
from micrograd_mlp.demos.options import float_option, int_option, parsing_language
from micrograd_mlp.messages import message
from tests.korean_output import english_words

#: Upper-case placeholders of the usage line (metavars) an error line may name.
METAVARS = {"COMMAND", "ACTION", "DIR", "N"}


def _ko(key: str, **fields: object) -> str:
    return message(key, "ko", **fields)


def _option(argument: str, key: str, **fields: object) -> str:
    """An option type's refusal as the Korean line names it (``--seed 값: ...``)."""
    return _ko("args.argument", argument=argument, error=_ko(key, **fields))


def _commands() -> str:
    return ", ".join(repr(c) for c in ["demos", *demo_modules()])


#: (id, argv, prog, argparse's English message, the Korean message expected).
PARSE_CASES = [
    (
        "seed out of range",
        ["xor", "--seed", "-1"],
        "micrograd-mlp xor",
        "argument --seed: must be between 0 and 4,294,967,295, got -1",
        _option("--seed", "args.option.between", low="0", high="4,294,967,295", value="-1"),
    ),
    (
        "seed not an integer",
        ["xor", "--seed", "x"],
        "micrograd-mlp xor",
        "argument --seed: expected an integer, got 'x'",
        _option("--seed", "args.option.integer", value="'x'"),
    ),
    (
        "lr not finite",
        ["xor", "--lr", "nan"],
        "micrograd-mlp xor",
        "argument --lr: must be a finite number, got 'nan'",
        _option("--lr", "args.option.finite", value="'nan'"),
    ),
    (
        "lr not a number",
        ["softmax", "--lr", "fast"],
        "micrograd-mlp softmax",
        "argument --lr: expected a number, got 'fast'",
        _option("--lr", "args.option.number", value="'fast'"),
    ),
    (
        "lr out of an interval",
        ["softmax", "--lr", "5"],
        "micrograd-mlp softmax",
        "argument --lr: must be > 0 and <= 1, got 5",
        _option(
            "--lr",
            "args.option.range_both",
            low=_ko("args.option.above", bound="0"),
            high=_ko("args.option.at_or_below", bound="1"),
            value="5",
        ),
    ),
    (
        "lr below a bound",
        ["train", "--lr", "0"],
        "micrograd-mlp train",
        "argument --lr: must be > 0, got 0",
        _option(
            "--lr", "args.option.range", interval=_ko("args.option.above", bound="0"), value="0"
        ),
    ),
    (
        "epochs out of range",
        ["train", "--epochs", "0"],
        "micrograd-mlp train",
        "argument --epochs: must be between 1 and 100,000, got 0",
        _option("--epochs", "args.option.between", low="1", high="100,000", value="0"),
    ),
    (
        "hidden below its minimum",
        ["train", "--hidden", "0"],
        "micrograd-mlp train",
        "argument --hidden: must be >= 1, got 0",
        _option("--hidden", "args.option.at_least", low="1", value="0"),
    ),
    (
        "invalid choice",
        ["train", "--optimizer", "x"],
        "micrograd-mlp train",
        "argument --optimizer: invalid choice: 'x' (choose from 'adam', 'sgd')",
        _ko("args.invalid_choice", argument="--optimizer", value="'x'", choices="'adam', 'sgd'"),
    ),
    (
        "unknown command",
        ["nope"],
        "micrograd-mlp",
        f"argument COMMAND: invalid choice: 'nope' (choose from {_commands()})",
        _ko("args.invalid_choice", argument="COMMAND", value="'nope'", choices=_commands()),
    ),
    (
        "unknown option",
        ["explore", "--bogus"],
        "micrograd-mlp",
        "unrecognized arguments: --bogus",
        _ko("args.unrecognized", arguments="--bogus"),
    ),
    (
        "missing value",
        ["xor", "--seed"],
        "micrograd-mlp xor",
        "argument --seed: expected one argument",
        _ko("args.expected_one", argument="--seed"),
    ),
    (
        "two values expected",
        ["explore", "--mlp", "--inputs", "1"],
        "micrograd-mlp explore",
        "argument --inputs: expected 2 arguments",
        _ko("args.expected_count", argument="--inputs", count="2"),
    ),
    (
        "at least one value",
        ["explore", "x", "--values"],
        "micrograd-mlp explore",
        "argument --values: expected at least one argument",
        _ko("args.expected_at_least_one", argument="--values"),
    ),
    (
        "ambiguous option",
        ["softmax", "--s", "3"],
        "micrograd-mlp softmax",
        "ambiguous option: --s could match --seed, --samples, --steps",
        _ko("args.ambiguous", option="--s", matches="--seed, --samples, --steps"),
    ),
    (
        "missing argument",
        ["exercises", "solution", "d"],
        "micrograd-mlp exercises solution",
        "the following arguments are required: N",
        _ko("args.required", arguments="N"),
    ),
    (
        "positional not an integer",
        ["exercises", "solution", "d", "x"],
        "micrograd-mlp exercises solution",
        "argument N: expected an integer, got 'x'",
        _option("N", "args.option.integer", value="'x'"),
    ),
    (
        "unknown action",
        ["exercises", "begin", "d"],
        "micrograd-mlp exercises",
        "argument ACTION: invalid choice: 'begin' (choose from 'start', 'check', 'solution')",
        _ko(
            "args.invalid_choice",
            argument="ACTION",
            value="'begin'",
            choices="'start', 'check', 'solution'",
        ),
    ),
    (
        "value for a flag",
        ["worksheet", "--force=1"],
        "micrograd-mlp worksheet",
        "argument --force: ignored explicit argument '1'",
        _ko("args.ignored_value", argument="--force", value="'1'"),
    ),
]
PARSE_IDS = [case[0] for case in PARSE_CASES]


def _run(argv: list[str], mode: str, monkeypatch, capsys) -> tuple[int, list[str]]:
    """Exit status and stderr lines of ``micrograd-mlp ARGV`` in ``mode``: ``"flag"`` (``--lang
    ko`` at the end), ``"env"`` (``MICROGRAD_MLP_LANG=ko``) or ``"en"`` (neither)."""
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)
    if mode == "env":
        monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    args = [*argv, "--lang", "ko"] if mode == "flag" else list(argv)
    try:
        status = main(args)
    except SystemExit as stop:
        status = stop.code
    return status, capsys.readouterr().err.splitlines()


def _allowed(prog: str) -> set[str]:
    return set(prog.split()[1:]) | METAVARS


@pytest.mark.parametrize("mode", ["flag", "env"])
@pytest.mark.parametrize(("name", "argv", "prog", "english", "korean"), PARSE_CASES, ids=PARSE_IDS)
def test_usage_errors_speak_the_runs_language(
    name, argv, prog, english, korean, mode, monkeypatch, capsys
):
    status, lines = _run(argv, mode, monkeypatch, capsys)
    assert status == 2, lines
    assert lines[0].startswith(f"{_ko('args.usage')}{prog} "), lines
    assert lines[-1] == _ko("args.error", prog=prog, error=korean)
    assert lines[-1].startswith(f"{prog}: 오류: ")
    assert english_words(lines[-1], _allowed(prog)) == [], lines[-1]
    assert not any(line.startswith("usage:") for line in lines)


@pytest.mark.parametrize(("name", "argv", "prog", "english", "korean"), PARSE_CASES, ids=PARSE_IDS)
def test_usage_errors_stay_argparses_in_english(
    name, argv, prog, english, korean, monkeypatch, capsys
):
    status, lines = _run(argv, "en", monkeypatch, capsys)
    assert status == 2, lines
    assert lines[0].startswith(f"usage: {prog} ")
    assert lines[-1] == f"{prog}: error: {english}"


def test_a_missing_command_in_korean_via_the_environment(monkeypatch, capsys):
    status, lines = _run([], "env", monkeypatch, capsys)
    assert status == 2
    assert lines == [
        f"{_ko('args.usage')}micrograd-mlp [-h] COMMAND ...",
        _ko("args.error", prog="micrograd-mlp", error=_ko("args.required", arguments="COMMAND")),
    ]
    status, lines = _run([], "en", monkeypatch, capsys)
    assert lines[-1] == "micrograd-mlp: error: the following arguments are required: COMMAND"


def test_the_korean_usage_lines_line_up_under_the_wider_label(monkeypatch, capsys):
    # "사용법: " takes 8 columns but 5 characters: the continuation lines move right by 3.
    _, lines = _run(["xor", "--seed", "-1"], "flag", monkeypatch, capsys)
    usage = lines[:-1]
    assert len(usage) > 1
    indent = _display_width(_ko("args.usage")) + len("micrograd-mlp xor ")
    assert all(len(line) - len(line.lstrip(" ")) == indent for line in usage[1:]), usage


def test_help_stays_argparses_in_a_korean_run(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["xor", "--help", "--lang", "ko"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("usage: micrograd-mlp xor ")


# ------------------------------------------------- errors met while a command runs (status 1)
def _run_error(argv: list[str], mode: str, monkeypatch, capsys) -> str:
    status, lines = _run(argv, mode, monkeypatch, capsys)
    assert status == 1, lines
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("mode", ["flag", "env"])
@pytest.mark.parametrize("command", ["xor", "softmax", "explore"])
def test_an_out_that_is_a_file_in_korean(command, mode, tmp_path, monkeypatch, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    line = _run_error([command, "--out", str(afile)], mode, monkeypatch, capsys)
    assert line == _ko("cli.error", command=command, error=_ko("args.out_is_file", out=afile))
    assert english_words(line, {command}) == [], line
    inside = afile / "sub"
    line = _run_error([command, "--out", str(inside)], mode, monkeypatch, capsys)
    expected = _ko("args.out_blocked", out=inside, blocker=afile)
    assert line == _ko("cli.error", command=command, error=expected)
    assert english_words(line, {command}) == [], line
    line = _run_error([command, "--out", str(afile)], "en", monkeypatch, capsys)
    assert line == (
        f"micrograd-mlp {command}: error: --out '{afile}' is a file; give a directory (it is "
        "created if missing)"
    )


def _os_cases(tmp_path):
    """(command, argv, the path the error names, its errno, the English reason)."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    missing = tmp_path / "missing.md"
    return [
        ("worksheet", ["--check", str(missing)], missing, errno.ENOENT),
        ("worksheet", ["--write", str(afile / "x.md")], afile, errno.EEXIST),
        ("exercises", ["start", str(afile / "w")], afile / "w", errno.ENOTDIR),
        ("softmax", ["--steps", "1", "--samples", "1", "--out", "/proc/x"], "/proc/x", None),
    ]


@pytest.mark.parametrize("mode", ["flag", "env"])
@pytest.mark.parametrize("case", range(4))
def test_system_errors_in_korean(case, mode, tmp_path, monkeypatch, capsys):
    command, argv, path, number = _os_cases(tmp_path)[case]
    if command == "softmax" and not os.path.isdir("/proc/self"):
        pytest.skip("needs Linux's /proc")
    line = _run_error([command, *argv], mode, monkeypatch, capsys)
    assert line.startswith(f"micrograd-mlp {command}: 오류: "), line
    assert english_words(line, {command}) == [], line
    assert f"'{path}'" in line
    if number is not None:
        error = OSError(number, os.strerror(number), str(path))
        assert line == _ko("cli.error", command=command, error=describe_error(error, "ko"))
    english = _run_error([command, *argv], "en", monkeypatch, capsys)
    assert english.startswith(f"micrograd-mlp {command}: error: ")
    if number is not None:
        assert english.endswith(f"{os.strerror(number)}: '{path}'")


@pytest.mark.parametrize(
    ("number", "key"),
    [
        (errno.ENOENT, "args.os.not_found"),
        (errno.EACCES, "args.os.permission"),
        (errno.EPERM, "args.os.permission"),
        (errno.EISDIR, "args.os.is_directory"),
        (errno.ENOTDIR, "args.os.not_directory"),
        (errno.EROFS, "args.os.read_only"),
        (errno.ENOSPC, "args.os.no_space"),
        (errno.EEXIST, "args.os.exists"),
        (errno.ENOTEMPTY, "args.os.other"),
        (errno.ELOOP, "args.os.other"),
    ],
)
def test_describe_error_names_the_reason_by_errno(number, key):
    error = OSError(number, os.strerror(number), "out/x.png")
    korean = describe_error(error, "ko")
    assert korean == _ko("args.os.path", reason=_ko(key, errno=number), path="out/x.png")
    assert os.strerror(number) not in korean
    assert english_words(korean) == [], korean
    # an error that names no file (a full disk while writing) is a Korean sentence too
    bare = OSError(number, os.strerror(number))
    assert describe_error(bare, "ko") == _ko(key, errno=number)
    assert english_words(describe_error(bare, "ko")) == []
    assert describe_error(bare) == f"[Errno {number}] {os.strerror(number)}"
    assert (
        describe_error(error)
        == describe_error(error, "en")
        == (f"{os.strerror(number)}: 'out/x.png'")
    )


# ------------------------------------------------------ the parser itself, every pattern
def _parser(lang: str | None) -> _Parser:
    parser = _Parser(prog="micrograd-mlp demo")
    parser.lang = lang
    parser.add_argument("--n", type=int)
    parser.add_argument("--three", nargs=3, type=float_option())
    parser.add_argument("--maybe", nargs="?", type=int_option(1, 3))
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--a", action="store_true")
    group.add_argument("--b", action="store_true")
    return parser


@pytest.mark.parametrize(
    ("argv", "english", "korean"),
    [
        (
            ["--a", "--n", "x"],
            "argument --n: invalid int value: 'x'",
            _ko("args.invalid_value", argument="--n", type="int", value="'x'"),
        ),
        (
            ["--a", "--three", "1"],
            "argument --three: expected 3 arguments",
            _ko("args.expected_count", argument="--three", count="3"),
        ),
        (
            ["--a", "--b"],
            "argument --b: not allowed with argument --a",
            _ko("args.not_allowed_with", argument="--b", other="--a"),
        ),
        (
            [],
            "one of the arguments --a --b is required",
            _ko("args.one_required", arguments="--a --b"),
        ),
        (
            ["--a", "--maybe", "9"],
            "argument --maybe: must be between 1 and 3, got 9",
            _option("--maybe", "args.option.between", low="1", high="3", value="9"),
        ),
    ],
)
def test_every_argparse_pattern_in_both_languages(argv, english, korean, capsys):
    with pytest.raises(SystemExit) as stop:
        _parser("ko").parse_args(argv)
    assert stop.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("사용법: micrograd-mlp demo ")
    assert lines[-1] == f"micrograd-mlp demo: 오류: {korean}"
    assert english_words(lines[-1], {"demo"}) == [], lines[-1]
    with pytest.raises(SystemExit) as stop:
        _parser("en").parse_args(argv)
    assert stop.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("usage: micrograd-mlp demo ")
    assert lines[-1] == f"micrograd-mlp demo: error: {english}"


def test_an_unknown_argparse_message_falls_back_to_english(capsys):
    assert translate_argparse_error("something argparse says one day", "ko") is None
    # an option type's message left in English is not half-translated either
    assert translate_argparse_error("argument --n: too large", "ko") is None
    with pytest.raises(SystemExit) as stop:
        _parser("ko").error("something argparse says one day")
    assert stop.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "micrograd-mlp demo: 오류: something argparse says one day"


def test_the_option_types_speak_english_outside_a_korean_parse():
    with pytest.raises(argparse.ArgumentTypeError, match="must be between 1 and 3, got 9"):
        int_option(1, 3)("9")
    with parsing_language("ko"), pytest.raises(argparse.ArgumentTypeError) as refused:
        int_option(1, 3)("9")
    assert str(refused.value) == _ko("args.option.between", low="1", high="3", value="9")
    with pytest.raises(argparse.ArgumentTypeError, match="must be a finite number, got 'inf'"):
        float_option()("inf")


# ---------------------------------------- every typed option of every command, in Korean
def _typed_options() -> list[tuple[list[str], str]]:
    """(argv up to the option, the option) for every option of every command (and of
    exercises' actions) whose value goes through a ``type=`` function other than ``Path``."""

    def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    found = []
    for command, parser in subparsers(build_parser()).items():
        nested = subparsers(parser)
        targets = {(command, name, "d"): sub for name, sub in nested.items()} or {
            (command,): parser
        }
        for prefix, target in targets.items():
            for action in target._actions:
                typed = action.type is not None and getattr(action.type, "__name__", "") != "Path"
                if action.option_strings and typed and action.nargs != 0:
                    found.append(([*prefix], action.option_strings[-1]))
    return found


@pytest.mark.parametrize(("prefix", "option"), _typed_options())
def test_every_typed_option_refuses_a_word_in_korean(prefix, option, monkeypatch, capsys):
    status, lines = _run([*prefix, option, "x"], "flag", monkeypatch, capsys)
    assert status == 2, lines
    assert lines[0].startswith(_ko("args.usage"))
    prog = " ".join(["micrograd-mlp", *prefix[:2]])
    assert lines[-1].startswith(f"{prog}: 오류: {option} "), lines[-1]
    words = set(re.findall(r"[A-Za-z]+", prog)) | METAVARS
    assert english_words(lines[-1], words) == [], lines[-1]
