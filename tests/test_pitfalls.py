"""The pitfall lab prints, for each mistake, a wrong and a right number that come from real
computations: each is recomputed here independently (PyTorch where it has the same behaviour,
plain Python otherwise) and found in the printed text."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import numpy as np
import pytest

from micrograd_mlp.cli import demo_modules, run_demo
from micrograd_mlp.data.toy import linear_regression_data
from micrograd_mlp.demos import pitfalls
from micrograd_mlp.messages import catalogue

torch = pytest.importorskip("torch", reason="PyTorch gives the independent reference numbers")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(results, printed text) of one English run."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        results = run_demo(pitfalls, ["--lang", "en", "--out", str(tmp_path_factory.mktemp("p"))])
    return results, out.getvalue()


def _shown(x: float) -> str:
    return f"{x:.6g}"


def test_it_is_a_builtin_demo_listed_by_the_cli():
    assert demo_modules()["pitfalls"] is pitfalls and pitfalls.BUILTIN_DATA


def test_backward_twice_doubles_the_gradient_as_in_torch(lab):
    results, text = lab
    w, x = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0)
    loss = w * x
    loss.backward(retain_graph=True)
    once = w.grad.item()
    loss.backward()
    r = results["backward_twice"]
    assert (r["right"], r["wrong"]) == (once, w.grad.item()) == (3.0, 6.0)
    assert (
        f"= {_shown(r['wrong'])} (the second call" in text
        and f"= {_shown(r['right'])}   (call" in text
    )


def test_zero_grad_on_parameters_leaves_the_input_gradient_accumulating(lab):
    results, text = lab
    r = results["zero_grad_inputs"]
    neuron = pitfalls.Neuron(2, activation="tanh", seed=0)
    (w1, w2), b = [p.data for p in neuron.parameters()[:2]], neuron.parameters()[2].data
    t = math.tanh(w1 * 0.5 + w2 * -1.0 + b)
    assert r["right"] == pytest.approx((1 - t * t) * w1, rel=1e-12)
    assert r["wrong"] == pytest.approx(2 * r["right"], rel=1e-12)
    assert r["param_grad"] == pytest.approx((1 - t * t) * 0.5, rel=1e-12)
    assert _shown(r["wrong"]) in text and _shown(r["right"]) in text


def test_graph_drawn_before_backward_shows_no_gradient(lab):
    results, text = lab
    r = results["graph_before_backward"]
    assert len(r["wrong"]) == len(r["right"]) == 4  # a, b, a*b, out
    assert all(g in ("None", "0") for g in r["wrong"])
    a, b = torch.tensor(2.0, requires_grad=True), torch.tensor(-3.0, requires_grad=True)
    torch.tanh(a * b).backward()
    drawn = sorted(float(g) for g in r["right"])
    expected = sorted([a.grad.item(), b.grad.item(), 1 - math.tanh(-6.0) ** 2, 1.0])
    assert drawn == pytest.approx(expected, rel=1e-3)  # the picture rounds to 4 digits
    assert ", ".join(r["right"]) in text


def test_recursive_sort_fails_where_the_engine_does_not(lab):
    results, text = lab
    r = results["recursion_limit"]
    assert r["limit"] == sys.getrecursionlimit() and r["depth"] > r["limit"]
    assert r["wrong"].startswith("RecursionError")
    x0, top = pitfalls._chain(r["depth"])
    with pytest.raises(RecursionError):
        pitfalls._recursive_order(top, [], set())
    assert r["deep"] == 100_000 and r["right"] == 1.0  # d(x0 * 1 * 1 ...)/dx0
    assert "at depth 100,000: d out/d x0 = 1" in text


def test_double_counting_without_a_visited_set(lab):
    results, text = lab
    r = results["double_count"]
    a = torch.tensor(1.5, requires_grad=True)
    b = a + a
    (b + b).backward()
    assert r["right"] == a.grad.item() == 4.0
    # By hand: c.grad = 1 gives b 2; each of b's two listings passes 2 * 2 to a.
    assert r["wrong"] == 8.0
    assert "= 8\n" in text and "= 4\n" in text


def test_missing_radd(lab):
    results, text = lab
    r = results["missing_radd"]
    assert r["wrong"]["error"].startswith("TypeError: unsupported operand type(s) for +: 'int'")
    assert r["right"] == {"2 + v": 3.5, "sum": 4.0}
    with pytest.raises(TypeError):
        sum([pitfalls.ValueWithoutRadd(1.5), pitfalls.ValueWithoutRadd(2.5)])
    assert "2 + v = 3.5, sum([v, w]) = 4" in text


def test_exp_overflow_against_the_stable_sigmoid(lab):
    results, text = lab
    r = results["exp_overflow"]
    with pytest.raises(OverflowError):
        1 / (1 + math.exp(1000.0))
    assert "OverflowError" in r["wrong"]
    x = torch.tensor(-1000.0, dtype=torch.float64, requires_grad=True)
    s = torch.sigmoid(x)
    s.backward()
    assert r["right"] == s.item() and r["right_grad"] == x.grad.item()


def test_large_learning_rate_diverges_as_in_torch(lab):
    results, text = lab
    r = results["large_learning_rate"]
    x, y = linear_regression_data(20, seed=0)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def final_loss(lr: float) -> float:
        w = torch.zeros((), dtype=torch.float64, requires_grad=True)
        b = torch.zeros((), dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([w, b], lr=lr)
        for _ in range(pitfalls.STEPS):
            loss = torch.mean((w * xt + b - yt) ** 2)
            last = loss.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return last

    assert r["right"] == pytest.approx(final_loss(pitfalls.GOOD_LR), rel=1e-9)
    assert r["wrong"] == pytest.approx(final_loss(pitfalls.BAD_LR), rel=1e-9)
    assert r["wrong"] > 1e6 * r["start"] > 1e6 * r["right"]
    design = np.column_stack([x, np.ones(20)])
    limit = 2 / np.linalg.eigvalsh(2 / len(x) * design.T @ design).max()
    assert r["limit"] == pytest.approx(limit, rel=1e-12)
    assert pitfalls.GOOD_LR < r["limit"] < pitfalls.BAD_LR
    assert _shown(r["wrong"]) in text and _shown(r["right"]) in text


def test_korean_output_and_every_key_in_both_catalogues(capsys):
    run_demo(pitfalls, ["--lang", "ko"])
    out = capsys.readouterr().out
    assert "틀림:" in out and "맞음:" in out and "재귀" in out
    keys = {k for k in catalogue("en") if k.startswith("pitfalls.")}
    assert len(keys) == 18 and keys == {k for k in catalogue("ko") if k.startswith("pitfalls.")}


def test_the_cli_runs_it_fast():
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_mlp.cli", "pitfalls"], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("wrong:") == 8 and done.stdout.count("right:") == 8
    assert elapsed < 10  # ~1.5 s on an idle machine; generous for shared CI cores
