"""The ``micrograd-mlp`` command as a whole: one mechanism for user errors (one line on stderr,
a non-zero exit status, no traceback) in every command, validated common options, bounded size
options, help texts that keep their line breaks, and the formula parser's input rules."""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_mlp.cli import USER_ERRORS, build_parser, demo_modules, describe_error, main
from micrograd_mlp.demos import (
    activations,
    batch_size,
    dying_relu,
    linear_collapse,
    matrix_form,
    moons,
    regression,
    sigmoid_vs_tanh,
    softmax,
    vanishing_gradients,
    xor,
)
from micrograd_mlp.demos.options import (
    MAX_SEED,
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.expression import ExpressionError, parse_expression
from micrograd_mlp.training import NonFiniteLossError

ROOT = Path(__file__).resolve().parents[1]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


# --------------------------------------------------------- one line for every user error
def test_a_diverging_demo_reports_one_line_and_exit_status_1(tmp_path, capsys):
    # regression --linear-lr 100 overflows the loss: before, a NonFiniteLossError traceback.
    status = main(["regression", "--linear-lr", "100", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("micrograd-mlp regression: error: the training loss is inf")
    assert not (tmp_path / "regression_linear.png").exists()


@pytest.mark.parametrize(
    "error",
    [
        UserError("--batch-sizes must be at most --n"),
        NonFiniteLossError(float("nan"), step=3),
        ExpressionError("cannot parse"),
        FileNotFoundError(2, "No such file or directory", "/no/such/file"),
        FileExistsError(17, "File exists", "out"),
    ],
)
def test_every_kind_of_user_error_becomes_one_line(error, monkeypatch, tmp_path, capsys):
    assert isinstance(error, USER_ERRORS)

    def fail(args):
        raise error

    monkeypatch.setattr(matrix_form, "run", fail)
    assert main(["matrix-form", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == f"micrograd-mlp matrix-form: error: {describe_error(error)}\n"


def test_a_bug_keeps_its_traceback(monkeypatch, tmp_path):
    def bug(args):
        raise KeyError("not a user error")

    monkeypatch.setattr(matrix_form, "run", bug)
    with pytest.raises(KeyError):
        main(["matrix-form", "--out", str(tmp_path)])


def test_describe_error_names_the_file_and_fits_one_line():
    assert describe_error(FileNotFoundError(2, "No such file or directory", "x.npz")) == (
        "No such file or directory: 'x.npz'"
    )
    assert describe_error(UserError("two\n  lines")) == "two lines"
    assert describe_error(FileNotFoundError("--resume: no checkpoint")) == "--resume: no checkpoint"


def test_out_naming_an_existing_file_is_one_line(tmp_path, capsys):
    file = tmp_path / "a-file"
    file.write_text("not a directory")
    assert main(["matrix-form", "--out", str(file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("micrograd-mlp matrix-form: error: ") and str(file) in err
    assert err.count("\n") == 1
    assert file.read_text() == "not a directory"


def test_a_demo_user_error_is_one_line(tmp_path, capsys):
    assert main(["batch-size", "--n", "10", "--batch-sizes", "11", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "micrograd-mlp batch-size: error: --batch-sizes must be at most --n = 10; got 11\n"
    )


def test_the_demo_scripts_use_the_same_mechanism(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "regression.py"), "--linear-lr", "100",
         "--linear-epochs", "200", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("micrograd-mlp regression: error: the training loss is inf")
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


# -------------------------------------------------------------------- validated options
@pytest.mark.parametrize("seed", ["-1", "1.5", "abc", str(MAX_SEED + 1)])
def test_every_command_refuses_a_bad_seed_as_a_usage_error(seed, capsys):
    for command in ["demos", *demo_modules()]:
        parser = build_parser()
        argv = [command, "--seed", seed]
        if command == "exercises":
            argv = [command, "--seed", seed, "check", "dir"]  # options before its action
        try:
            with pytest.raises(SystemExit) as exit_info:
                parser.parse_args(argv)
        except pytest.fail.Exception:
            pytest.fail(f"micrograd-mlp {' '.join(argv)} was accepted")
        assert exit_info.value.code == 2, command
        err = capsys.readouterr().err
        assert "argument --seed:" in err and "Traceback" not in err, command


def test_the_largest_seed_is_accepted():
    assert build_parser().parse_args(["xor", "--seed", str(MAX_SEED)]).seed == MAX_SEED


@pytest.mark.parametrize(
    ("module", "option", "value"),
    [
        (activations, "--points", "100000000"),
        (xor, "--hidden", "100000000"),
        (xor, "--epochs", "100000000"),
        (regression, "--samples", "100000000"),
        (moons, "--samples", "100000000"),
        (linear_collapse, "--hidden", "100000000"),
        (batch_size, "--n", "100000000"),
        (sigmoid_vs_tanh, "--hidden", "100000000"),
        (dying_relu, "--hidden", "100000000"),
        (vanishing_gradients, "--depth", "100000000"),
        (vanishing_gradients, "--width", "100000000"),
        (softmax, "--samples", "100000000"),
        (matrix_form, "--batch", "100000000"),
    ],
)
def test_size_options_are_bounded(module, option, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([module.COMMAND, option, value])
    assert exit_info.value.code == 2
    assert f"argument {option}: must be between" in capsys.readouterr().err


def test_linear_collapse_refuses_too_many_layers(tmp_path):
    too_many = ["2"] * (linear_collapse.MAX_LAYERS + 1)
    with pytest.raises(UserError, match="--hidden: at most"):
        linear_collapse.run(build_parser().parse_args(
            ["linear-collapse", "--out", str(tmp_path), "--hidden", *too_many]
        ))  # fmt: skip


def test_option_types_refuse_what_they_name():
    positive = float_option(0, exclusive_minimum=True)
    for text in ("0", "-1", "nan", "inf", "-inf", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            positive(text)
    assert positive("1e-3") == 1e-3
    unit = float_option(0, 1, exclusive_maximum=True)
    assert unit("0") == 0.0
    with pytest.raises(argparse.ArgumentTypeError, match=">= 0 and < 1"):
        unit("1")
    count = int_option(2, 10)
    assert count("10") == 10
    for text in ("1", "11", "2.5", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            count(text)


# ----------------------------------------------------------------------------- --lang
def _every_command(parser: argparse.ArgumentParser, path: tuple = ()) -> list[tuple]:
    """Every runnable command of the CLI, as argv (``exercises`` has its actions)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [path]
    return [c for name, sub in subs[0].choices.items() for c in _every_command(sub, (*path, name))]


#: What an action of ``exercises`` needs before ``--lang``: a folder (and an exercise number).
_EXERCISE_ARGS = {"solution": ["wb", "1"]}

#: Every command, as argv before ``--lang``.
LANG_COMMANDS = [
    [*argv, *_EXERCISE_ARGS.get(argv[1], ["wb"])] if argv[0] == "exercises" else list(argv)
    for argv in _every_command(build_parser())
]


def _commands_with_lang(parser: argparse.ArgumentParser, path: tuple = ()) -> set[tuple]:
    found = {path} if any("--lang" in a.option_strings for a in parser._actions) else set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _commands_with_lang(sub, (*path, name))
    return found


def test_lang_option_reads_the_option_then_the_environment(monkeypatch, capsys):
    parser = argparse.ArgumentParser(prog="p")
    lang_option(parser, "the labels")
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)
    assert chosen_lang(parser.parse_args([])) == "en"
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "ko")
    assert chosen_lang(parser.parse_args([])) == "ko"
    assert chosen_lang(parser.parse_args(["--lang", "en"])) == "en"  # the option wins
    assert chosen_lang(argparse.Namespace()) == "ko"  # a command without --lang
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "xx")
    assert chosen_lang(parser.parse_args(["--lang", "ko"])) == "ko"
    with pytest.raises(UserError, match=r"^MICROGRAD_MLP_LANG: unknown language 'xx'; choose "):
        chosen_lang(parser.parse_args([]))
    help_text = " ".join(parser.format_help().split())
    assert "--lang {en,ko} language of the labels (default: $MICROGRAD_MLP_LANG, else en)" in (
        help_text
    )
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--lang", "fr"])
    assert exit_info.value.code == 2
    assert "argument --lang: invalid choice: 'fr'" in capsys.readouterr().err


def test_every_command_takes_lang():
    # issue 23: every command, present and future, speaks Korean with --lang ko
    commands = set(_every_command(build_parser()))
    assert _commands_with_lang(build_parser()) == commands
    assert len(commands) > 25 and ("demos",) in commands and ("exercises", "check") in commands
    for argv in commands:  # and says so in its help
        out = io.StringIO()
        with pytest.raises(SystemExit), contextlib.redirect_stdout(out):
            build_parser().parse_args([*argv, "--help"])
        assert "--lang" in out.getvalue() and "MICROGRAD_MLP_LANG" in out.getvalue(), argv


@pytest.mark.parametrize("argv", LANG_COMMANDS, ids=" ".join)
def test_every_lang_option_refuses_an_unknown_language_as_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*argv, "--lang", "fr"])
    assert exit_info.value.code == 2
    assert "argument --lang: invalid choice: 'fr'" in capsys.readouterr().err
    for lang in ("en", "ko"):
        assert build_parser().parse_args([*argv, "--lang", lang]).lang == lang


@pytest.mark.parametrize("argv", [["explore"], ["pitfalls"], ["exercises", "start"],
                                  ["exercises", "check"]], ids=" ".join)  # fmt: skip
def test_an_unknown_language_in_the_environment_is_one_line(argv, tmp_path, monkeypatch, capsys):
    # pitfalls and exercises used to end in a ValueError traceback here.
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "xx")
    where = [str(tmp_path / "wb")] if argv[0] == "exercises" else ["--out", str(tmp_path / "o")]
    assert main([*argv, *where]) == 1
    assert capsys.readouterr().err == (
        f"micrograd-mlp {argv[0]}: error: MICROGRAD_MLP_LANG: unknown language 'xx'; "
        "choose one of ['en', 'ko']\n"
    )
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_backprop_says_the_same_line_for_an_unknown_language(tmp_path, monkeypatch):
    # through SystemExit (Python prints it on stderr, exit status 1), as it always did
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "xx")
    with pytest.raises(SystemExit) as exit_info:
        main(["backprop", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == (
        "micrograd-mlp backprop: error: MICROGRAD_MLP_LANG: unknown language 'xx'; "
        "choose one of ['en', 'ko']"
    )


# ----------------------------------------------------------------------------- help texts
def test_every_option_of_every_command_has_help():
    parsers = {"micrograd-mlp": build_parser(), **_subparsers(build_parser())}
    for name, parser in parsers.items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue  # a sub-command list carries its help per choice
            assert action.help, f"{name}: {action.option_strings or action.dest} has no help"
        assert parser.description, f"{name} has no description"


def test_demos_help_has_a_description(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demos", "--help"])
    out = capsys.readouterr().out
    assert "every demo that needs no downloaded data" in out and "--seed" in out


def test_help_keeps_the_line_breaks_of_a_description(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["xor", "--help"])
    out = capsys.readouterr().out
    # A line of the module docstring, as written (reflowing would join it with its neighbours).
    line = next(line for line in xor.__doc__.splitlines() if "0 = w1 + w2 + b" in line)
    assert line in out.splitlines()


# --------------------------------------------------------------------- the formula parser
def test_parse_expression_refuses_bools_and_strings_as_values():
    for value in (True, False, "1.5"):
        with pytest.raises(ExpressionError, match="'x' must be a real number"):
            parse_expression("x + 1", {"x": value})


def test_parse_expression_accepts_abs_and_leaky_relu():
    assert parse_expression("abs(x)", {"x": -2.5}).data == 2.5
    assert parse_expression("leaky_relu(x)", {"x": -2.0}).data == pytest.approx(-0.02)
    out = parse_expression("leaky_relu(x, 0.1)", {"x": -2.0})
    out.backward()
    assert out.data == pytest.approx(-0.2)
    (x,) = (v for v in out.topological_order() if v.label == "x")
    assert x.grad == pytest.approx(0.1)
    for bad in ("leaky_relu(x, y)", "abs(x, 2)", "leaky_relu(x, 0.1, 2)"):
        with pytest.raises(ExpressionError):
            parse_expression(bad, {"x": 1.0, "y": 2.0} if "y" in bad else {"x": 1.0})


def test_caret_gets_a_hint_to_write_a_power():
    with pytest.raises(ExpressionError, match=r"write x\*\*2"):
        parse_expression("x^2", {"x": 3.0})


def test_numbers_in_a_formula_are_constants_labelled_by_their_value():
    out = parse_expression("2*x + 1.5", {"x": 3.0})
    nodes = out.topological_order()
    constants = [v for v in nodes if type(v) is Constant]
    assert sorted(c.label for c in constants) == ["1.5", "2"]
    assert sorted(c.data for c in constants) == [1.5, 2.0]
    out.backward()
    assert all(c.grad == 0.0 for c in constants)  # a constant keeps no gradient
    (x,) = (v for v in nodes if v.label == "x")
    assert x.grad == 2.0 and type(x) is Value
    # x**2: the exponent stays a number of the ** operation, not a node.
    square = parse_expression("x**2", {"x": 3.0})
    assert [type(v) for v in square.topological_order()] == [Value, Value]


def test_explain_calls_a_formula_constant_a_constant():
    from micrograd_mlp.viz.backprop import explain

    trace = explain(parse_expression("2*x + 1", {"x": 3.0}))
    lines = [line for line in trace.splitlines() if "d out/d 2 " in line or "d out/d 1 " in line]
    assert len(lines) == 2 and all("constant" in line for line in lines)
    assert "d out/d x = " in trace


def test_backprop_of_a_single_variable_prints_its_gradient(tmp_path, capsys):
    from micrograd_mlp.demos import backprop

    assert main(["backprop", "x", "--values", "x=2", "--out", str(tmp_path)]) == 0
    assert "gradients of the leaves: x = 1" in capsys.readouterr().out
    assert backprop.COMMAND == "backprop"


def test_a_reader_that_goes_away_stops_the_command_quietly(tmp_path):
    """``micrograd-mlp backprop | head -1``: the reader closes the pipe; no error, no traceback.

    The read end is closed before the command writes anything, so every write of its output
    meets the closed pipe (Python ignores SIGPIPE and raises BrokenPipeError instead).
    """
    command = [sys.executable, "-m", "micrograd_mlp", "backprop", "x*y + x",
               "--values", "x=2", "y=3", "--no-gif", "--out", str(tmp_path)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141, stderr
    assert stderr == ""


# ------------------------------------------------------------------- demos after a failure
def test_demos_runs_the_others_after_one_fails_and_says_which(tmp_path, monkeypatch, capsys):
    # Without Graphviz's dot, explore stops with an error; `micrograd-mlp demos` used to stop
    # there too (exit 1), so every demo after it in the list never ran.
    from micrograd_mlp import cli
    from micrograd_mlp.demos import explore

    chosen = {"explore": explore, "matrix-form": matrix_form}  # explore first: the others follow
    monkeypatch.setattr(cli, "demo_modules", lambda: chosen)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    assert main(["demos", "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert err[0].startswith("micrograd-mlp explore: error: graphviz 'dot' executable not found")
    assert err[1] == (
        "micrograd-mlp demos: 1 of 2 demos stopped with an error (above): explore; the others ran"
    )
    assert "=== micrograd-mlp matrix-form ===" in captured.out
    assert (tmp_path / "out" / "matrix-form" / "matrix_form.png").is_file()
    assert not (tmp_path / "out" / "explore").exists()  # explore wrote nothing
    # all of them fine: status 0 and no summary line
    monkeypatch.setattr(cli, "demo_modules", lambda: {"matrix-form": matrix_form})
    assert main(["demos", "--out", str(tmp_path / "again")]) == 0
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------- --out that is a file
@pytest.mark.parametrize("command", ["activations", "xor", "explore", "demos"])
def test_an_out_that_is_a_file_is_refused_before_anything_runs(command, tmp_path, capsys):
    # It used to say only "File exists: '...'" (not naming --out), after the demo had computed
    # and printed everything; for demos, once per demo.
    afile = tmp_path / "afile"
    afile.write_text("keep me", encoding="utf-8")
    assert main([command, "--out", str(afile)]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"micrograd-mlp {command}: error: --out '{afile}' is a file; give a directory (it is "
        "created if missing)\n"
    )
    assert captured.out == "" and afile.read_text(encoding="utf-8") == "keep me"
    inside = afile / "sub" / ("p.html" if command == "explore" else "d")
    assert main([command, "--out", str(inside)]) == 1
    assert capsys.readouterr().err == (
        f"micrograd-mlp {command}: error: --out '{inside}': '{afile}' is a file, so the "
        "directory cannot be made\n"
    )


def test_explore_may_write_its_page_over_an_html_file(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("old", encoding="utf-8")
    assert main(["explore", "--out", str(page)]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_demos_passes_lang_to_every_demo_and_errors_speak_it(monkeypatch, tmp_path, capsys):
    import micrograd_mlp.cli as cli

    seen = []

    def fake_run(module, argv):
        seen.append((module.COMMAND, argv))
        if module.COMMAND == "xor":
            raise UserError("--lr: too large")
        return {}

    monkeypatch.setattr(cli, "run_demo", fake_run)
    monkeypatch.delenv("MICROGRAD_MLP_LANG", raising=False)
    assert main(["demos", "--out", str(tmp_path), "--lang", "ko"]) == 1
    builtin = [c for c, m in demo_modules().items() if getattr(m, "BUILTIN_DATA", False)]
    assert [c for c, _ in seen] == builtin and "xor" in builtin
    assert all(argv[-2:] == ["--lang", "ko"] for _, argv in seen)
    err = capsys.readouterr().err
    assert "micrograd-mlp xor: 오류: --lr: too large" in err
    assert f"데모 {len(builtin)}개 가운데 1개가 오류로 멈췄습니다" in err
    monkeypatch.setenv("MICROGRAD_MLP_LANG", "en")
    seen.clear()
    assert main(["demos", "--out", str(tmp_path)]) == 1
    assert all(argv[-2:] == ["--lang", "en"] for _, argv in seen)
    assert "micrograd-mlp xor: error: --lr: too large" in capsys.readouterr().err
