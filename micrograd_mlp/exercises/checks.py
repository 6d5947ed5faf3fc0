"""The checks of the ten exercises, run on a learner's module (inside the checker's subprocess).

Every check compares the learner's functions with the library's own engine
(:class:`micrograd_mlp.Value`, :mod:`micrograd_mlp.functional`, :mod:`micrograd_mlp.optim`) on
many seeded random inputs, drawn from domains where the function is smooth (no kinks, no
division by numbers near 0). The first failing case raises :class:`Failure`, which names the
function, the input, the expected and the received value, and carries a hint for each known
mistake whose wrong answer the learner's value matches (for example ``tanh(x)**2`` instead of
``1 - tanh(x)**2``). Text is not written here: a failure holds message keys and fields of
:mod:`micrograd_mlp.messages`, rendered in the learner's language by the parent process.
"""

from __future__ import annotations

import math
import operator
import random
import re
from collections.abc import Callable, Sequence
from numbers import Real
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from micrograd_mlp import functional
from micrograd_mlp.autodiff import topological_order
from micrograd_mlp.engine import Value
from micrograd_mlp.messages import message
from micrograd_mlp.optim import SGD, Adam

__all__ = ["CHECKS", "Failure", "Outcome", "naive_and_correct_dc_da", "run_check"]

#: Random cases per checked function (each exercise checks several functions).
CASES = 40
REL_TOL, ABS_TOL = 1e-6, 1e-9

Hint = tuple[str, dict]


class Failure(Exception):
    """The first failing case of an exercise.

    Args:
        key: the message key of what failed (``exercises.fail.*``), formatted with ``fields``.
        status: ``"failing"``, or ``"not_started"`` when the learner has not written the
            function yet (it still raises ``NotImplementedError``).
        hints: ``(key, fields)`` of the hints that apply (``exercises.hint.*``).
        graph: the picture of the learner's graph written for this failure, if any.
    """

    def __init__(
        self,
        key: str,
        /,
        *,
        status: str = "failing",
        hints: Sequence[Hint] = (),
        graph: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(key)
        self.key, self.status, self.hints, self.graph = key, status, list(hints), graph
        self.fields = {k: str(v) for k, v in fields.items()}


class Outcome(dict):
    """What :func:`run_check` returns (JSON-ready): ``status``, ``message`` ``[key, fields]``,
    ``hints`` ``[[key, fields], ...]``, ``graph`` (a path or None) and ``cases`` (cases passed).
    """


class _Context:
    """Where a check may write its picture, and how many cases passed so far."""

    def __init__(self, number: int, graph_dir: Path | None) -> None:
        self.number, self.graph_dir, self.cases = number, graph_dir, 0


def run_check(number: int, module: ModuleType, graph_dir: Path | None = None) -> Outcome:
    """Run exercise ``number``'s check on the learner's ``module``.

    Returns:
        An :class:`Outcome`: ``status`` is ``"passed"``, ``"failing"`` or ``"not_started"``.
    """
    ctx = _Context(number, graph_dir)
    try:
        CHECKS[number](module, ctx)
    except Failure as failure:
        # An unwritten function after others passed: the exercise is under way, not unstarted.
        started = failure.status == "not_started" and ctx.cases > 0
        return Outcome(
            status="failing" if started else failure.status,
            message=[failure.key, failure.fields],
            hints=[[k, {a: str(b) for a, b in f.items()}] for k, f in _unique(failure.hints)],
            graph=failure.graph,
            cases=ctx.cases,
        )
    return Outcome(
        status="passed",
        message=["exercises.pass", {"cases": str(ctx.cases)}],
        hints=[],
        graph=None,
        cases=ctx.cases,
    )


def _unique(hints: list[Hint]) -> list[Hint]:
    seen, out = set(), []
    for key, fields in hints:
        if key not in seen:
            seen.add(key)
            out.append((key, fields))
    return out


# ------------------------------------------------------------------------------- helpers
def _say(key: str, **fields: object) -> str:
    """A case's description in the learner's language (``$MICROGRAD_MLP_LANG``, which the
    checker sets for this process): ``exercises.case.<key>`` of the catalogue."""
    return message(f"exercises.case.{key}", None, **fields)


def _fmt(x: object) -> str:
    if isinstance(x, float | int) and not isinstance(x, bool):
        return f"{x:.6g}"
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=5, suppress_small=True, max_line_width=80)
    if isinstance(x, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def _args(args: Sequence[object]) -> str:
    return ", ".join(_fmt(a) for a in args)


def _grad(v: Any) -> float:
    """A Value's gradient as a float; the library's "no gradient yet" (None) counts as 0."""
    g = v.grad
    return 0.0 if g is None else float(g)


def _close(got: object, expected: float, rel: float = REL_TOL, abs_: float = ABS_TOL) -> bool:
    try:
        return math.isclose(float(got), float(expected), rel_tol=rel, abs_tol=abs_)
    except (TypeError, ValueError, OverflowError):
        return False


def _call(
    module: ModuleType,
    name: str,
    *args: object,
    shown: str | None = None,
    on_error: dict[type, list[Hint]] | None = None,
) -> Any:
    """Call the learner's ``name(*args)``; its exceptions become a :class:`Failure`."""
    fn = getattr(module, name, None)
    if not callable(fn):
        raise Failure("exercises.fail.missing", func=name, file=Path(module.__file__).name)
    return _invoke(name, fn, args, _args(args) if shown is None else shown, on_error)


def _invoke(
    name: str,
    fn: Callable,
    args: Sequence[object],
    shown: str,
    on_error: dict[type, list[Hint]] | None = None,
) -> Any:
    """``fn(*args)``, the learner's code: NotImplementedError means "not written yet"; any
    other exception fails the case, naming ``name`` and the input ``shown``."""
    try:
        return fn(*args)
    except NotImplementedError as error:
        # The stubs say which function is unwritten: "exercise 2: Value.__mul__".
        where = str(error).split(": ", 1)[-1] if str(error) else name
        raise Failure("exercises.fail.todo", status="not_started", func=where) from None
    except Exception as error:  # the learner's code may raise anything
        hints = [("exercises.hint.recursion", {})] if isinstance(error, RecursionError) else []
        for kind, extra in (on_error or {}).items():
            if isinstance(error, kind):
                hints += extra
        raise Failure(
            "exercises.fail.raised",
            func=name,
            input=shown,
            error=f"{type(error).__name__}: {error}"[:200],
            hints=hints,
        ) from None


def _number(func: str, shown: str, got: object) -> float:
    if isinstance(got, bool) or not isinstance(got, Real | np.floating | np.integer):
        raise Failure("exercises.fail.not_number", func=func, input=shown, got=_fmt(got))
    return float(got)


def _numbers(func: str, shown: str, got: object, n: int) -> list[float]:
    if isinstance(got, np.ndarray):
        got = got.tolist()
    return [_number(func, shown, g) for g in _parts(func, shown, got, n)]


def _parts(func: str, shown: str, got: object, n: int) -> tuple | list:
    """``got`` if it is a tuple or list of ``n`` items (a function returning several results)."""
    if not isinstance(got, tuple | list) or len(got) != n:
        raise Failure("exercises.fail.not_sequence", func=func, input=shown, n=n, got=_fmt(got))
    return got


def _expect(
    ctx: _Context,
    func: str,
    shown: str,
    expected: float,
    got: float,
    mistakes: Sequence[tuple[str, float]] = (),
    hints: Sequence[Hint] = (),
    graph: str | None = None,
) -> None:
    """Pass if ``got`` is ``expected``; else fail naming the case, with the hint of each known
    mistake whose wrong value ``got`` matches (and ``hints`` in any case)."""
    if _close(got, expected):
        ctx.cases += 1
        return
    found = [(key, {}) for key, wrong in mistakes if _close(got, wrong)]
    raise Failure(
        "exercises.fail.mismatch",
        func=func,
        input=shown,
        expected=_fmt(expected),
        got=_fmt(got),
        hints=[*found, *hints],
        graph=graph,
    )


def _lib_grads(fn: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """``fn(*leaves)`` on the library engine: its value and d out/d leaf for each leaf."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [_grad(v) for v in leaves]


def _sigmoid(x: float) -> float:
    return Value(x).sigmoid().data


# ------------------------------------------------------- local derivatives (exercises 1, 2)
def _away_from_zero(rng: random.Random, low: float, high: float) -> float:
    x = rng.uniform(low, high)
    return x if rng.random() < 0.5 else -x


# op name -> (sample an input, the library op, known wrong local derivatives (hint key, f(x)))
_UNARY: dict[str, tuple[Callable, Callable, Callable]] = {
    "exp": (
        lambda r: r.uniform(-3.0, 3.0),
        lambda v: v.exp(),
        lambda x: [("exercises.hint.exp_x", x * math.exp(x - 1.0))],
    ),
    "log": (
        lambda r: r.uniform(0.2, 5.0),
        lambda v: v.log(),
        lambda x: [
            ("exercises.hint.log_not_derivative", math.log(x)),
            ("exercises.hint.log_sign", -1 / x),
        ],
    ),
    "tanh": (
        lambda r: r.uniform(-2.5, 2.5),
        lambda v: v.tanh(),
        lambda x: [
            ("exercises.hint.tanh_square", math.tanh(x) ** 2),
            ("exercises.hint.tanh_no_square", 1.0 - math.tanh(x)),
            ("exercises.hint.tanh_value", math.tanh(x)),
            ("exercises.hint.tanh_input", 1.0 - x * x),
        ],
    ),
    "sigmoid": (
        lambda r: r.uniform(-4.0, 4.0),
        lambda v: v.sigmoid(),
        lambda x: [
            ("exercises.hint.sigmoid_value", _sigmoid(x)),
            ("exercises.hint.sigmoid_value", 1.0 - _sigmoid(x)),
            ("exercises.hint.sigmoid_plus", _sigmoid(x) * (1.0 + _sigmoid(x))),
            ("exercises.hint.sigmoid_input", x * (1.0 - x)),
        ],
    ),
    "relu": (
        lambda r: _away_from_zero(r, 0.1, 3.0),
        lambda v: v.relu(),
        lambda x: [("exercises.hint.relu_value", max(x, 0.0))],
    ),
}

# (function, library op, sample (a, b), known wrong (d/da, d/db))
_BINARY: dict[str, tuple[Callable, Callable, Callable]] = {
    "add": (operator.add, lambda r: (r.uniform(-3, 3), r.uniform(-3, 3)), lambda a, b: []),
    "mul": (
        operator.mul,
        lambda r: (r.uniform(-3, 3), r.uniform(-3, 3)),
        lambda a, b: [("exercises.hint.mul_swapped", (a, b))],
    ),
    "div": (
        operator.truediv,
        lambda r: (r.uniform(-3, 3), _away_from_zero(r, 0.5, 3.0)),
        lambda a, b: [
            ("exercises.hint.div_square", (1 / b, -a / b)),
            ("exercises.hint.div_sign", (1 / b, a / b**2)),
            ("exercises.hint.div_sign", (-1 / b**2, 1 / b)),
        ],
    ),
}

_POWERS = (2.0, 3.0, 0.5, -1.0, 1.5, -2.0)


def _pow_mistakes(a: float, p: float) -> list[tuple[str, float]]:
    return [
        ("exercises.hint.pow_off_by_one", p * a**p),
        ("exercises.hint.pow_off_by_one", p * a ** (p - 2.0)),
        ("exercises.hint.pow_factor", a ** (p - 1.0)),
    ]


def check_01(module: ModuleType, ctx: _Context) -> None:
    """Exercise 1: ``d_add``, ``d_mul``, ``d_div`` return ``(d/da, d/db)``; ``d_pow(a, p)``,
    ``d_exp``, ``d_log``, ``d_tanh``, ``d_sigmoid``, ``d_relu`` return one number."""
    rng = random.Random(101)
    for name, (op, sample, mistakes) in _BINARY.items():
        func = f"d_{name}"
        for _ in range(CASES):
            a, b = sample(rng)
            _, expected = _lib_grads(op, a, b)
            shown = f"a={a:.6g}, b={b:.6g}"
            got = _numbers(func, shown, _call(module, func, a, b, shown=shown), 2)
            wrong = mistakes(a, b)
            for i, wrt in enumerate("ab"):
                _expect(
                    ctx,
                    f"{func} (d/d{wrt})",
                    shown,
                    expected[i],
                    got[i],
                    [(k, w[i]) for k, w in wrong],
                )
    for _ in range(CASES):
        a, p = rng.uniform(0.3, 3.0), rng.choice(_POWERS)
        _, (expected,) = _lib_grads(lambda v, p=p: v**p, a)
        shown = f"a={a:.6g}, p={p:g}"
        got = _number("d_pow", shown, _call(module, "d_pow", a, p, shown=shown))
        _expect(ctx, "d_pow", shown, expected, got, _pow_mistakes(a, p))
    for name, (sample, op, mistakes) in _UNARY.items():
        func = f"d_{name}"
        for _ in range(CASES):
            x = sample(rng)
            _, (expected,) = _lib_grads(op, x)
            shown = f"x={x:.6g}"
            got = _number(func, shown, _call(module, func, x, shown=shown))
            _expect(ctx, func, shown, expected, got, mistakes(x))


# ------------------------------------------------------------- graphs (exercises 2, 3, 4)
class _View:
    """A learner's node as the library's graph walk sees nodes (its ``_children``), told apart
    by identity whatever the learner's class defines; one view per node."""

    __slots__ = ("node", "_views")

    def __init__(self, node: Any, views: dict[int, _View]) -> None:
        self.node, self._views = node, views
        views[id(node)] = self

    @property
    def _children(self) -> tuple[_View, ...]:
        views = self._views
        return tuple(views.get(id(c)) or _View(c, views) for c in self.node._children)


def _node_order(root: Any) -> list[Any]:
    """The nodes behind ``root`` (through ``_children``), operands first: the package's one
    topological order (:func:`micrograd_mlp.autodiff.topological_order`)."""
    return [view.node for view in topological_order(_View(root, {}))]


def _explain_wrong(
    ctx: _Context, lib_root: Value, learner: dict, wrong: Value
) -> tuple[str | None, Hint]:
    """For the first wrong gradient: the chain-rule terms that make up the right one, as the
    engine's own backward pass computes them (observed through
    :func:`micrograd_mlp.viz.backprop.backward_steps`), and a picture of the learner's graph
    (the library's graph of the same expression showing the learner's gradients) with that
    gradient in red. ``learner`` maps ``id(library node)`` to (name, learner's node).

    Returns:
        (the picture's path or None, the hint naming the terms).
    """
    from micrograd_mlp.viz.backprop import backward_steps

    expected = _grad(wrong)
    nodes = lib_root.topological_order()
    for node in nodes:
        if id(node) in learner:
            node.label = learner[id(node)][0]
    terms = [
        f"{_fmt(update.product)} ({step.name} = {step.formula})"
        for step in backward_steps(lib_root)
        for update in step.children
        if update.child is wrong
    ]
    hint = (
        "exercises.hint.contributions",
        {"name": wrong.label, "expected": _fmt(expected), "terms": " + ".join(terms)},
    )
    if ctx.graph_dir is None:
        return None, hint
    from micrograd_mlp.viz.graph import draw_dot, escape_label, save_graph

    for node in nodes:
        if id(node) in learner:
            node.grad = float(getattr(learner[id(node)][1], "grad", 0.0) or 0.0)
    # in the learner's language, as every case description ($MICROGRAD_MLP_LANG, set by check)
    marker = message("exercises.graph.expected", None, name=wrong.label, grad=_fmt(expected))
    wrong.label = marker
    dot = draw_dot(lib_root)
    for line in dot.body:
        # the label as draw_dot writes it (escaped; no-break spaces in a Korean label)
        found = re.match(r"\s*(\S+) \[label=\"\{ " + re.escape(escape_label(marker)), line)
        if found:
            dot.node(found.group(1), color="red", penwidth="3", fillcolor="mistyrose")
            break
    path = ctx.graph_dir / f"ex{ctx.number:02d}_graph.png"
    return str(save_graph(dot, path)), hint


# --------------------------------------------------------------- the mini Value (exercise 2)
# The learner's Value is built as engine.py's: each op stores its operands (``_children``) and
# its local derivatives as numbers (``_local_grads``), and one ``_backward()`` method applies
# them (child.grad += local * self.grad). The check comes in two parts:
#   1. ``_backward()`` alone, on nodes the checker makes with local derivatives of its own choosing
#      (unrelated to any op: only a ``_backward`` that reads ``_local_grads`` passes), with known
#      wrong answers for its typical mistakes;
#   2. every op on expressions (single ops, chains, reused nodes): each node's data, what each
#      node stores, and the gradients of a backward pass, against the library engine.
_INIT_HINT: dict[type, list[Hint]] = {TypeError: [("exercises.hint.init_local_grads", {})]}


def check_02(module: ModuleType, ctx: _Context) -> None:
    """Exercise 2: the learner's ``Value`` stores each op's operands and local derivatives and
    applies them in ``_backward()``; checked on nodes made by the checker, then on single ops,
    chains of ops and reused nodes against the library engine."""
    V = getattr(module, "Value", None)
    if not isinstance(V, type):
        raise Failure("exercises.fail.missing", func="Value", file=Path(module.__file__).name)
    _check_fresh_grad(V)
    _check_backward_method(module, V, ctx)
    rng = random.Random(202)
    for recipe in _RECIPES:
        for _ in range(CASES // 4):
            a, b = recipe.sample(rng)
            _check_recipe(module, V, recipe, a, b, ctx)


def _check_fresh_grad(V: type) -> None:
    """A new Value's grad is 0.0: no backward pass has reached it (micrograd's convention)."""
    got = getattr(_invoke("Value", V, (1.5,), "1.5", _INIT_HINT), "grad", None)
    if not _close(got, 0.0, 0.0, 0.0):
        raise Failure("exercises.fail.grad_start", func="Value", input="1.5", got=_fmt(got))


def _nice(rng: random.Random, high: float = 2.0) -> float:
    """A number to show in a case, two decimals, 0.2 <= |x| <= high and never 1 (so that each
    known mistake of ``_backward`` gives its own wrong answer)."""
    x = round(rng.uniform(0.2, high), 2)
    x = 1.5 if x == 1.0 else x
    return x if rng.random() < 0.5 else -x


def _tuple_text(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _check_backward_method(module: ModuleType, V: type, ctx: _Context) -> None:
    """``out._backward()`` on ``out = Value(data, (c1, ...), "f", _local_grads=(...))`` with
    made-up local derivatives, operands whose grad is already non-zero (a gradient from another
    use) and an upstream ``out.grad`` other than 1; every fourth case uses c1 twice (as x * x)."""
    rng = random.Random(2002)
    for i in range(CASES):
        n = 1 + i % 3
        names = [f"c{k + 1}" for k in range(n)]
        uses = list(range(n)) + ([0] if i % 4 == 3 else [])  # operand k of each slot
        datas = [_nice(rng) for _ in range(n)]
        locals_ = [_nice(rng, 3.0) for _ in uses]
        starts = [_nice(rng) for _ in range(n)]
        data, upstream = _nice(rng), _nice(rng, 3.0)
        shown = (
            f"{', '.join(names)} = {', '.join(f'Value({_fmt(d)})' for d in datas)}; "
            f"out = Value({_fmt(data)}, {_tuple_text([names[k] for k in uses])}, 'f', "
            f"_local_grads={_tuple_text([_fmt(v) for v in locals_])}); "
            f"{', '.join(f'{m}.grad' for m in names)}, out.grad = "
            f"{', '.join(_fmt(g) for g in [*starts, upstream])}"
        )
        kids = [_invoke("Value", V, (d,), _fmt(d), _INIT_HINT) for d in datas]
        operands = tuple(kids[k] for k in uses)

        def make(data=data, operands=operands, locals_=tuple(locals_)) -> Any:
            return V(data, operands, "f", _local_grads=locals_)

        out = _invoke("Value", make, (), shown, _INIT_HINT)
        for kid, start in zip(kids, starts):
            kid.grad = start
        out.grad = upstream
        step = getattr(out, "_backward", None)
        if not callable(step):
            file = Path(module.__file__).name
            raise Failure("exercises.fail.missing", func="Value._backward", file=file)
        _invoke("out._backward()", step, (), shown)
        for k, (name, kid) in enumerate(zip(names, kids)):
            mine = [v for j, v in zip(uses, locals_) if j == k]  # operand k's local derivatives
            expected = starts[k] + sum(mine) * upstream
            got = _number(f"{name}.grad", shown, getattr(kid, "grad", None))
            if _close(got, expected):
                ctx.cases += 1
                continue
            assign, upstream_ignored = "exercises.hint.accumulate", "exercises.hint.chain_rule"
            local_ignored = "exercises.hint.stored_locals"
            wrong = [  # (hints, c_k.grad after that mistake)
                ([assign], mine[-1] * upstream),  # child.grad = local * self.grad
                ([upstream_ignored], starts[k] + sum(mine)),  # child.grad += local
                ([assign, upstream_ignored], mine[-1]),
                ([local_ignored], starts[k] + len(mine) * upstream),  # child.grad += self.grad
                ([assign, local_ignored], upstream),
                (["exercises.hint.backward_data"], starts[k] + sum(mine) * data),  # * self.data
                (["exercises.hint.backward_nothing"], starts[k]),  # the operand left alone
            ]
            raise Failure(
                "exercises.fail.backward",
                func="out._backward()",
                input=shown,
                name=name,
                expected=_fmt(expected),
                got=_fmt(got),
                hints=[(h, {}) for keys, w in wrong if _close(got, w) for h in keys],
            )
        if not _close(getattr(out, "grad", None), upstream):
            raise Failure(
                "exercises.fail.backward_self",
                func="out._backward()",
                input=shown,
                expected=_fmt(upstream),
                got=_fmt(getattr(out, "grad", None)),
            )


class _Recipe:
    """An expression built the same way on any engine: ``build(a, b)`` returns its nodes, the
    output last. ``kind`` is "single" (one op), "chain" (ops feeding ops) or "reuse" (a node
    used twice). ``op`` names the operation whose known mistakes apply."""

    def __init__(
        self,
        text: str,
        build: Callable,
        sample: Callable,
        kind: str = "single",
        op: str | None = None,
    ) -> None:
        self.text, self.build, self.sample, self.kind, self.op = text, build, sample, kind, op


def _pair_sampler(low: float = -2.0, high: float = 2.0) -> Callable:
    return lambda r: (r.uniform(low, high), r.uniform(low, high))


def _unary_sampler(op: str) -> Callable:
    return lambda r: (_UNARY[op][0](r), 0.0)


# Ops first, each on its own (an op a learner writes from others, a / b as a * b**-1, comes
# after the ops it uses), then chains of ops and reused nodes.
_RECIPES = [
    _Recipe("a + b", lambda a, b: [a + b], _pair_sampler(), op="add"),
    _Recipe("a * b", lambda a, b: [a * b], _pair_sampler(), op="mul"),
    *[
        _Recipe(
            f"a ** {p:g}",
            lambda a, b, p=p: [a**p],
            lambda r: (r.uniform(0.3, 3.0), 0.0),
            op=f"pow{p}",
        )
        for p in (2.0, 3.0, 0.5, -1.0)
    ],
    *[
        _Recipe(f"a.{op}()", lambda a, b, op=op: [getattr(a, op)()], _unary_sampler(op), op=op)
        for op in _UNARY
    ],
    _Recipe("-a", lambda a, b: [-a], _pair_sampler(), op="neg"),
    _Recipe("a - b", lambda a, b: [a - b], _pair_sampler(), op="sub"),
    _Recipe("a / b", lambda a, b: [a / b], _BINARY["div"][1], op="div"),
    _Recipe("2 + a", lambda a, b: [2.0 + a], _pair_sampler(), op="radd"),
    _Recipe("3 * a", lambda a, b: [3.0 * a], _pair_sampler(), op="rmul"),
    _Recipe(
        "(a * b).tanh()", lambda a, b: (lambda n: [n, n.tanh()])(a * b), _pair_sampler(), "chain"
    ),
    _Recipe(
        "((a + b) * b).exp() / 4",
        lambda a, b: (lambda n, m: [n, m, m.exp(), m.exp() / 4.0])(a + b, (a + b) * b),
        _pair_sampler(-1.0, 1.0),
        "chain",
    ),
    _Recipe(
        "(a * b).sigmoid() * 3",
        lambda a, b: (lambda n: [n, n.sigmoid(), n.sigmoid() * 3.0])(a * b),
        _pair_sampler(),
        "chain",
    ),
    _Recipe("a * a", lambda a, b: [a * a], _pair_sampler(), "reuse"),
    _Recipe("(a * b) * a", lambda a, b: (lambda n: [n, n * a])(a * b), _pair_sampler(), "reuse"),
    _Recipe(
        "a.tanh() * a", lambda a, b: (lambda n: [n, n * a])(a.tanh()), _pair_sampler(), "reuse"
    ),
    _Recipe(
        "n = a * b; n * n + n",
        lambda a, b: (lambda n: [n, n * n, n * n + n])(a * b),
        _pair_sampler(),
        "reuse",
    ),
]


def _recipe_mistakes(recipe: _Recipe, a: float, b: float, name: str) -> list[tuple[str, float]]:
    """Known wrong values of d out/d ``name`` for a single-op recipe (upstream gradient 1)."""
    op = recipe.op or ""
    if op in _UNARY and name == "a":
        return _UNARY[op][2](a)
    if op.startswith("pow") and name == "a":
        return _pow_mistakes(a, float(op[3:]))
    if op in _BINARY and name in "ab":
        i = "ab".index(name)
        return [(k, w[i]) for k, w in _BINARY[op][2](a, b)]
    return []


def _learner_graph(func: str, out: Any) -> list[Any]:
    """The learner's nodes behind ``out``, operands first, once each node is seen to store its
    operands (``_children``) and one local derivative, a number, per operand (``_local_grads``).
    """
    seen, todo = set(), [out]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = getattr(node, "_children", None)
        local = getattr(node, "_local_grads", None)
        if not isinstance(children, tuple | list) or not isinstance(local, tuple | list):
            raise Failure("exercises.fail.no_children", func=func)
        op = getattr(node, "_op", "") or "?"
        if len(children) != len(local):
            raise Failure(
                "exercises.fail.local_grads_count",
                func=func,
                op=op,
                children=len(children),
                locals=len(local),
            )
        for x in local:
            if not isinstance(x, Real | np.number):
                raise Failure(
                    "exercises.fail.local_not_number",
                    func=func,
                    op=op,
                    got=_fmt(x),
                    hints=[("exercises.hint.local_value", {})] if hasattr(x, "data") else [],
                )
        todo.extend(children)
    return _node_order(out)


def _stored_local(recipe: _Recipe, out: Any, leaf: Any) -> float | None:
    """What a single op stored as d out/d ``leaf`` when ``leaf`` is one of its operands and all
    of them are leaves (then that number is the gradient); None otherwise (an op written from
    others, such as a / b as a * b**-1, has a gradient made of several steps)."""
    children = out._children
    if recipe.kind != "single" or any(c._children for c in children):
        return None
    mine = [local for c, local in zip(children, out._local_grads) if c is leaf]
    return float(sum(mine)) if mine else None


def _check_recipe(module: ModuleType, V: type, recipe: _Recipe, a: float, b: float, ctx) -> None:
    shown = f"a={a:.6g}, b={b:.6g}" if "b" in recipe.text else f"a={a:.6g}"
    lib_a, lib_b = Value(a, label="a"), Value(b, label="b")
    lib_nodes = recipe.build(lib_a, lib_b)
    lib_nodes[-1].backward()
    on_error = {TypeError: [("exercises.hint.radd", {})]} if recipe.op in ("radd", "rmul") else {}
    la, lb = _invoke("Value", V, (a,), _fmt(a)), _invoke("Value", V, (b,), _fmt(b))
    nodes = _invoke(recipe.text, recipe.build, (la, lb), shown, on_error)
    names = [f"n{i + 1}" for i in range(len(nodes) - 1)] + ["out"]
    for name, node, lib in zip(names, nodes, lib_nodes):
        got = getattr(node, "data", None)
        _expect(
            ctx, f"{recipe.text}: {name}.data", shown, lib.data, _number(recipe.text, shown, got)
        )
    out = nodes[-1]
    order = _learner_graph(recipe.text, out)
    leaves = [("a", la, lib_a)] + ([("b", lb, lib_b)] if "b" in recipe.text else [])
    for name, leaf, _lib in leaves:
        if not any(leaf is c for node in order for c in node._children):
            raise Failure("exercises.fail.prev_missing", func=recipe.text, name=name)
    _invoke(f"{recipe.text} (_backward)", _run_backward, (order,), shown)
    # Compare from the output back: the first wrong gradient is where the error starts.
    checked = list(zip(names, nodes, lib_nodes))[::-1][1:] + [(n, v, lv) for n, v, lv in leaves]
    for name, node, lib in checked:
        got = _number(f"{recipe.text}: {name}.grad", shown, getattr(node, "grad", None))
        expected = _grad(lib)
        if _close(got, expected):
            ctx.cases += 1
            continue
        stored = _stored_local(recipe, out, node)
        value = got if stored is None else stored
        hints = [
            (k, {}) for k, wrong in _recipe_mistakes(recipe, a, b, name) if _close(value, wrong)
        ]
        if not hints and _close(value, -expected):
            hints.append(("exercises.hint.local_sign", {}))
        learner = {id(lib): (n, v) for n, v, lib in [*zip(names, nodes, lib_nodes), *leaves]}
        graph, terms = _explain_wrong(ctx, lib_nodes[-1], learner, lib)
        if stored is not None and not _close(stored, expected):  # a wrong number stored
            raise Failure(
                "exercises.fail.local",
                func=recipe.text,
                input=shown,
                name=name,
                expected=_fmt(expected),
                got=_fmt(stored),
                hints=hints,
                graph=graph,
            )
        raise Failure(
            "exercises.fail.grad",
            func=recipe.text,
            input=shown,
            name=name,
            expected=_fmt(expected),
            got=_fmt(got),
            hints=[*hints, terms],
            graph=graph,
        )


def _run_backward(order: list) -> None:
    """The backward pass over the learner's nodes: d out/d out = 1, then every ``_backward()``
    in reverse topological order (exercise 4 asks the learner to write this)."""
    for node in order:
        node.grad = 0.0
    order[-1].grad = 1.0
    for node in reversed(order):
        node._backward()


# ------------------------------------------------------- topological order (exercise 3)
class _Node:
    """A graph node for exercises 3 and 4, built as the learner's Value of exercise 2: ``data``,
    ``grad``, ``_children`` (its operands, in order; ``_prev`` too), ``_local_grads`` (d self/d
    operand, a number each) and the same ``_backward()``."""

    __slots__ = ("data", "grad", "_children", "_local_grads", "_op", "name")

    def __init__(
        self, data: float, prev: tuple = (), local: tuple = (), op: str = "", name: str = ""
    ):
        self.data, self.grad, self._children, self._local_grads = data, 0.0, prev, local
        self._op, self.name = op, name

    @property
    def _prev(self) -> tuple[_Node, ...]:
        return self._children

    def __repr__(self) -> str:
        return f"Node({self.name or self._op or 'leaf'}, data={self.data:.4g})"

    def _backward(self) -> None:
        for child, local in zip(self._children, self._local_grads):
            child.grad += local * self.grad

    def __add__(self, other: _Node) -> _Node:
        return _Node(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: _Node) -> _Node:
        return _Node(self.data * other.data, (self, other), (other.data, self.data), "*")

    def tanh(self) -> _Node:
        t = math.tanh(self.data)
        return _Node(t, (self,), (1.0 - t * t,), "tanh")


def _random_graph(node: Callable, leaves: list, rng: random.Random, size: int) -> list:
    """``size`` random ops (+, *, tanh) on earlier nodes (so nodes get reused), built with the
    same choices on any engine (``node`` makes a leaf)."""
    nodes = [node(x) for x in leaves]
    for _ in range(size):
        kind = rng.choice("+*t")
        a, b = rng.choice(nodes[-4:]), rng.choice(nodes)
        nodes.append(a.tanh() if kind == "t" else (a + b if kind == "+" else a * b))
    # Sum of the last few, so every recent node reaches the output.
    out = nodes[-1]
    for extra in nodes[-4:-1]:
        out = out + extra
    nodes.append(out)
    return nodes


def _naive_order(root: _Node) -> list[_Node]:
    """A post-order *without* a visited set: a node reached twice is listed twice."""
    order: list[_Node] = []

    def visit(n: _Node) -> None:
        for c in n._prev:
            visit(c)
        order.append(n)

    visit(root)
    return order


def _diamond() -> tuple[_Node, _Node, _Node]:
    a = _Node(1.5, name="a")
    b = a + a
    b.name = "b"
    c = b + b
    c.name = "c"
    return a, b, c


def _chain(depth: int) -> list[_Node]:
    nodes = [_Node(0.5, name="x0")]
    for i in range(depth):
        nodes.append(nodes[-1] * _Node(1.0))
        nodes[-1].name = f"x{i + 1}"
    return nodes


def _check_order(module: ModuleType, root: _Node, shown: str, ctx: _Context) -> list:
    got = _call(module, "topological_order", root, shown=shown)
    if not isinstance(got, list | tuple):
        raise Failure(
            "exercises.fail.not_list", func="topological_order", input=shown, got=_fmt(got)
        )
    expected = _node_order(root)
    ids = [id(n) for n in got]
    if len(set(ids)) != len(ids):
        twice = next(n for n in got if ids.count(id(n)) > 1)
        raise Failure(
            "exercises.fail.duplicate",
            func="topological_order",
            input=shown,
            node=repr(twice),
            hints=[("exercises.hint.visited", {})],
        )
    listed = set(ids)
    missing = [n for n in expected if id(n) not in listed]
    if missing:
        raise Failure(
            "exercises.fail.missing_node",
            func="topological_order",
            input=shown,
            node=repr(missing[0]),
        )
    if got[-1] is not root:
        raise Failure(
            "exercises.fail.root_last", func="topological_order", input=shown, last=repr(got[-1])
        )
    position = {id(n): i for i, n in enumerate(got)}
    for n in got:
        for c in n._prev:
            if position[id(c)] > position[id(n)]:
                raise Failure(
                    "exercises.fail.order",
                    func="topological_order",
                    input=shown,
                    node=repr(n),
                    child=repr(c),
                    hints=[("exercises.hint.postorder", {})],
                )
    ctx.cases += 1
    return got


def naive_and_correct_dc_da() -> tuple[float, float]:
    """d c/d a for ``b = a + a; c = b + b`` with a backward over the naive order (each reuse
    processed again) and over the library's (each node once)."""
    a, b, c = _diamond()
    c.grad = 1.0
    for node in reversed(_naive_order(c)):
        node._backward()
    _, (correct,) = _lib_grads(lambda v: (lambda w: w + w)(v + v), 1.5)
    return a.grad, correct


def check_03(module: ModuleType, ctx: _Context) -> None:
    """Exercise 3: ``topological_order(root)`` lists every node once, children before parents,
    root last, also for a reused node and a chain 5,000 deep; ``naive_dc_da()`` and
    ``correct_dc_da()`` answer the double-counting question."""
    a, b, c = _diamond()
    _check_order(module, c, "b = a + a; c = b + b", ctx)
    rng = random.Random(303)
    for i in range(CASES):
        leaves = [rng.uniform(-1, 1) for _ in range(3)]
        nodes = _random_graph(_Node, leaves, rng, rng.randint(3, 25))
        _check_order(module, nodes[-1], _say("random_graph", i=i + 1, n=len(nodes)), ctx)
    deep = _chain(5000)
    _check_order(module, deep[-1], _say("chain", depth="5,000"), ctx)
    naive, correct = naive_and_correct_dc_da()
    for func, expected in (("correct_dc_da", correct), ("naive_dc_da", naive)):
        got = _number(func, "", _call(module, func, shown=""))
        _expect(ctx, func, "b = a + a; c = b + b", expected, got)


# -------------------------------------------------------------- backward (exercise 4)
def check_04(module: ModuleType, ctx: _Context) -> None:
    """Exercise 4: ``backward(root)`` seeds ``root.grad = 1`` and calls every node's
    ``_backward()`` once, in reverse topological order; checked on random graphs with reused
    nodes and on a chain 5,000 deep, against the library engine."""
    rng = random.Random(404)
    cases = [("b = a + a; c = b + b", None)] + [
        (_say("random_graph_short", i=i + 1), i) for i in range(CASES // 2)
    ]
    for shown, index in cases:
        seed = rng.random()
        if index is None:
            leaves = None
            nodes = list(_diamond())
            lib_a = Value(1.5, label="a")
            lib_b = lib_a + lib_a
            lib_nodes = [lib_a, lib_b, lib_b + lib_b]
        else:
            leaves = [random.Random(seed).uniform(-1, 1) for _ in range(3)]
            leaves = [x + 0.1 * k for k, x in enumerate(leaves)]
            size = random.Random(seed).randint(3, 20)
            nodes = _random_graph(_Node, leaves, random.Random(seed + 1), size)
            lib_nodes = _random_graph(Value, leaves, random.Random(seed + 1), size)
        lib_nodes[-1].backward()
        _call(module, "backward", nodes[-1], shown=shown)
        for k, (node, lib) in enumerate(zip(nodes[::-1], lib_nodes[::-1])):
            expected = _grad(lib)
            if _close(node.grad, expected):
                ctx.cases += 1
                continue
            mistakes = _backward_mistakes(index, seed, leaves, k)
            if all(n.grad == 0.0 for n in nodes):
                mistakes.append(("exercises.hint.seed", node.grad))
            names = {}
            for j, (n, lv) in enumerate(zip(nodes, lib_nodes)):
                names[id(lv)] = (lv.label or n.name or f"v{j}", n)
            graph, terms = _explain_wrong(ctx, lib_nodes[-1], names, lib)
            _expect(
                ctx,
                "backward",
                _say("grad_of", case=shown, name=names[id(lib)][0]),
                expected,
                node.grad,
                mistakes,
                [terms],
                graph=graph,
            )
    deep = _chain(5000)
    _call(module, "backward", deep[-1], shown=_say("chain", depth="5,000"))
    _expect(
        ctx,
        "backward",
        _say("grad_of", case=_say("chain", depth="5,000"), name="x0"),
        1.0,
        deep[0].grad,
    )


def _backward_mistakes(index: int | None, seed: float, leaves, k: int) -> list[tuple[str, float]]:
    """d out/d (k-th node from the output) under two wrong backward passes: the topological
    order not reversed, and a naive order that lists reused nodes twice."""

    def rebuilt() -> list[_Node]:
        if index is None:
            return list(_diamond())
        return _random_graph(
            _Node, leaves, random.Random(seed + 1), random.Random(seed).randint(3, 20)
        )

    wrong = []
    forward = rebuilt()
    forward[-1].grad = 1.0
    for n in _node_order(forward[-1]):
        n._backward()
    wrong.append(("exercises.hint.reverse", forward[::-1][k].grad))
    naive = rebuilt()
    naive[-1].grad = 1.0
    for n in reversed(_naive_order(naive[-1])):
        n._backward()
    wrong.append(("exercises.hint.visited", naive[::-1][k].grad))
    return wrong


# ---------------------------------------------------------- neuron and MSE (exercise 5)
def _line_data(rng: random.Random, n: int) -> tuple[list[float], list[float]]:
    xs = [rng.uniform(-2, 2) for _ in range(n)]
    w, b = rng.uniform(-2, 2), rng.uniform(-1, 1)
    return xs, [w * x + b + rng.gauss(0, 0.3) for x in xs]


def _lib_mse_grads(
    w: float, b: float, xs: list[float], ys: list[float]
) -> tuple[float, float, float]:
    vw, vb = Value(w), Value(b)
    loss = functional.mse_loss([vw * x + vb for x in xs], ys)
    loss.backward()
    return loss.data, _grad(vw), _grad(vb)


def check_05(module: ModuleType, ctx: _Context) -> None:
    """Exercise 5: ``neuron(w, x, b)`` = sum w_i x_i + b; ``mse(preds, targets)``; and
    ``mse_grads(w, b, xs, ys)`` = (dL/dw, dL/db) of L = 1/N sum (w x_i + b - y_i)^2."""
    rng = random.Random(505)
    for _ in range(CASES):
        n = rng.randint(1, 5)
        w, x = [rng.uniform(-2, 2) for _ in range(n)], [rng.uniform(-2, 2) for _ in range(n)]
        b = rng.uniform(-2, 2)
        expected = Value.dot([Value(v) for v in w], x, b).data
        shown = f"w={_fmt(w)}, x={_fmt(x)}, b={b:.6g}"
        got = _number("neuron", shown, _call(module, "neuron", w, x, b, shown=shown))
        _expect(ctx, "neuron", shown, expected, got, [("exercises.hint.bias", expected - b)])
    for _ in range(CASES):
        n = rng.randint(2, 8)
        preds, targets = (
            [rng.uniform(-3, 3) for _ in range(n)],
            [rng.uniform(-3, 3) for _ in range(n)],
        )
        expected = functional.mse_loss([Value(p) for p in preds], targets).data
        shown = f"preds={_fmt(preds)}, targets={_fmt(targets)}"
        got = _number("mse", shown, _call(module, "mse", preds, targets, shown=shown))
        diffs = [p - t for p, t in zip(preds, targets)]
        _expect(
            ctx,
            "mse",
            shown,
            expected,
            got,
            [
                ("exercises.hint.mean", expected * n),
                ("exercises.hint.square", sum(diffs) / n),
                ("exercises.hint.square", sum(abs(d) for d in diffs) / n),
                ("exercises.hint.rmse", math.sqrt(expected)),
            ],
        )
    for _ in range(CASES):
        n = rng.randint(2, 8)
        xs, ys = _line_data(rng, n)
        w, b = rng.uniform(-2, 2), rng.uniform(-2, 2)
        _, dw, db = _lib_mse_grads(w, b, xs, ys)
        shown = f"w={w:.6g}, b={b:.6g}, xs={_fmt(xs)}, ys={_fmt(ys)}"
        got = _numbers("mse_grads", shown, _call(module, "mse_grads", w, b, xs, ys, shown=shown), 2)
        for i, (name, expected) in enumerate((("dL/dw", dw), ("dL/db", db))):
            _expect(
                ctx,
                f"mse_grads ({name})",
                shown,
                expected,
                got[i],
                [
                    ("exercises.hint.mean", expected * n),
                    ("exercises.hint.factor_two", expected / 2),
                    ("exercises.hint.sign", -expected),
                    *([("exercises.hint.dw_x", db)] if i == 0 else []),
                ],
            )


# ----------------------------------------------------- gradient descent (exercise 6)
def check_06(module: ModuleType, ctx: _Context) -> None:
    """Exercise 6: ``gd_step(w, b, dw, db, lr)`` moves against the gradient; ``fit_line(xs, ys,
    lr, steps)`` runs gradient descent on the MSE from w = b = 0 and ends at least squares."""
    rng = random.Random(606)
    for _ in range(CASES):
        w, b, dw, db = (rng.uniform(-2, 2) for _ in range(4))
        lr = rng.choice((0.01, 0.1, 0.5))
        shown = f"w={w:.6g}, b={b:.6g}, dw={dw:.6g}, db={db:.6g}, lr={lr:g}"
        got = _numbers("gd_step", shown, _call(module, "gd_step", w, b, dw, db, lr, shown=shown), 2)
        for i, (value, grad, name) in enumerate(((w, dw, "w"), (b, db, "b"))):
            _expect(
                ctx,
                f"gd_step ({name})",
                shown,
                value - lr * grad,
                got[i],
                [
                    ("exercises.hint.descent_sign", value + lr * grad),
                    ("exercises.hint.lr", value - grad),
                ],
            )
    for _ in range(4):
        xs, ys = _line_data(rng, 12)
        # One step from w = b = 0 is -lr times the gradient there.
        shown = _say("points", xs=_fmt(xs[:3]), n=len(xs), lr=0.1, steps=1)
        _, dw, db = _lib_mse_grads(0.0, 0.0, xs, ys)
        got = _numbers("fit_line", shown, _call(module, "fit_line", xs, ys, 0.1, 1, shown=shown), 2)
        for name, grad, value in (("w", dw, got[0]), ("b", db, got[1])):
            _expect(
                ctx,
                _say("after_steps", func="fit_line", name=name, steps=1),
                shown,
                -0.1 * grad,
                value,
                [("exercises.hint.descent_sign", 0.1 * grad)],
                [("exercises.hint.start_zero", {})],
            )
        design = np.column_stack([xs, np.ones(len(xs))])
        (w_ls, b_ls), *_ = np.linalg.lstsq(design, np.asarray(ys), rcond=None)
        shown = _say("points", xs=_fmt(xs[:3]), n=len(xs), lr=0.1, steps=2000)
        got = _numbers(
            "fit_line", shown, _call(module, "fit_line", xs, ys, 0.1, 2000, shown=shown), 2
        )
        diverged = [("exercises.hint.diverged", {})] if not all(map(math.isfinite, got)) else []
        for k, (name, expected) in enumerate((("w", w_ls), ("b", b_ls))):
            if abs(got[k] - expected) > 1e-4:
                raise Failure(
                    "exercises.fail.lstsq",
                    func="fit_line",
                    input=shown,
                    name=name,
                    expected=_fmt(float(expected)),
                    got=_fmt(got[k]),
                    hints=diverged,
                )
            ctx.cases += 1


# ---------------------------------------------------- softmax and cross-entropy (exercise 7)
def check_07(module: ModuleType, ctx: _Context) -> None:
    """Exercise 7: ``softmax(z)``, ``cross_entropy(z, target)`` = -log softmax(z)[target], and
    ``cross_entropy_grad(z, target)`` = softmax(z) - onehot(target); also for logits near 1000
    (where exp overflows unless the largest logit is subtracted first)."""
    rng = random.Random(707)
    stable = {
        OverflowError: [("exercises.hint.stable", {})],
        ValueError: [("exercises.hint.stable", {})],
    }
    for i in range(CASES):
        c = rng.randint(2, 6)
        shift = 1000.0 if i % 5 == 4 else 0.0
        z = [rng.uniform(-5, 5) + shift for _ in range(c)]
        t = rng.randrange(c)
        shown = f"z={_fmt(z)}, target={t}"
        logits = [Value(v) for v in z]
        p = [s.data for s in functional.softmax(logits)]
        loss = functional.cross_entropy(logits, t, reduction="none")
        loss.backward()
        grads = [_grad(v) for v in logits]
        got = _numbers(
            "softmax",
            shown,
            _call(module, "softmax", list(z), shown=f"z={_fmt(z)}", on_error=stable),
            c,
        )
        if not all(map(math.isfinite, got)):
            raise Failure(
                "exercises.fail.not_finite",
                func="softmax",
                input=shown,
                got=_fmt(got),
                hints=[("exercises.hint.stable", {})],
            )
        unnormalised = [math.exp(v - max(z)) for v in z]
        for j in range(c):
            _expect(
                ctx,
                _say("entry", func="softmax", j=j),
                f"z={_fmt(z)}",
                p[j],
                got[j],
                [("exercises.hint.normalise", unnormalised[j])],
            )
        got = _number(
            "cross_entropy",
            shown,
            _call(module, "cross_entropy", list(z), t, shown=shown, on_error=stable),
        )
        _expect(
            ctx,
            "cross_entropy",
            shown,
            loss.data,
            got,
            [("exercises.hint.ce_sign", -loss.data), ("exercises.hint.ce_log", -z[t])],
        )
        got = _numbers(
            "cross_entropy_grad",
            shown,
            _call(module, "cross_entropy_grad", list(z), t, shown=shown, on_error=stable),
            c,
        )
        for j in range(c):
            onehot = 1.0 if j == t else 0.0
            _expect(
                ctx,
                _say("entry", func="cross_entropy_grad", j=j),
                shown,
                grads[j],
                got[j],
                [("exercises.hint.onehot_sign", onehot - p[j])]
                + ([("exercises.hint.onehot", p[j])] if j == t else []),
            )


# -------------------------------------------------------- SGD momentum and Adam (exercise 8)
def _adam_variant(p, g, m, v, t, lr, b1, b2, eps, variant):
    """One Adam step in plain floats, correct or with one known mistake."""
    m = b1 * m + (1 - b1) * g if variant != "no_lerp" else b1 * m + g
    v = b2 * v + (1 - b2) * g * g
    power = {"t_plus": t + 1, "t_minus": t - 1}.get(variant, t)
    c1, c2 = (1 - b1**power, 1 - b2**power) if variant != "no_correction" else (1.0, 1.0)
    if c1 == 0.0:
        return math.nan, m, v
    if variant == "eps_inside":
        return p - lr * (m / c1) / math.sqrt(v / c2 + eps), m, v
    if variant == "no_sqrt":
        return p - lr * (m / c1) / (v / c2 + eps), m, v
    return p - lr * (m / c1) / (math.sqrt(v / c2) + eps), m, v


_ADAM_HINTS = {
    "t_plus": "exercises.hint.adam_power",
    "t_minus": "exercises.hint.adam_power",
    "no_correction": "exercises.hint.adam_correction",
    "eps_inside": "exercises.hint.adam_eps",
    "no_sqrt": "exercises.hint.adam_sqrt",
    "no_lerp": "exercises.hint.adam_lerp",
}


def check_08(module: ModuleType, ctx: _Context) -> None:
    """Exercise 8: ``sgd_momentum_step(params, grads, velocity, lr, momentum)`` and
    ``adam_step(params, grads, m, v, t, lr, beta1, beta2, eps)``, six steps each fed back their
    own state, against :class:`micrograd_mlp.optim.SGD` and :class:`~micrograd_mlp.optim.Adam`."""
    rng = random.Random(808)
    for case in range(CASES // 4):
        n, lr, mu = rng.randint(1, 4), rng.choice((0.01, 0.1)), rng.choice((0.5, 0.9))
        params = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        opt = SGD(params, lr=lr, momentum=mu)
        ours, velocity = [p.data for p in params], [0.0] * n
        ema = (list(ours), [0.0] * n)
        for step in range(1, 7):
            grads = [rng.uniform(-1, 1) for _ in range(n)]
            for p, g in zip(params, grads):
                p.grad = g
            opt.step()
            shown = _say(
                "step",
                case=case + 1,
                step=step,
                rest=f"params={_fmt(ours)}, grads={_fmt(grads)}, lr={lr:g}, momentum={mu:g}",
            )
            got = _call(
                module,
                "sgd_momentum_step",
                list(ours),
                list(grads),
                list(velocity),
                lr,
                mu,
                shown=shown,
            )
            got = _parts("sgd_momentum_step", shown, got, 2)
            ema_v = [mu * v + (1 - mu) * g for v, g in zip(ema[1], grads)]
            ema = ([p - lr * v for p, v in zip(ema[0], ema_v)], ema_v)
            new, velocity = (
                _numbers("sgd_momentum_step", shown, got[0], n),
                _numbers("sgd_momentum_step", shown, got[1], n),
            )
            for j in range(n):
                _expect(
                    ctx,
                    _say("param", func="sgd_momentum_step", j=j),
                    shown,
                    params[j].data,
                    new[j],
                    [
                        ("exercises.hint.momentum_ema", ema[0][j]),
                        ("exercises.hint.descent_sign", ours[j] + lr * (mu * 0 + grads[j])),
                    ],
                )
            ours = new
    for case in range(CASES // 4):
        n, lr = rng.randint(1, 4), rng.choice((0.01, 0.1))
        b1, b2, eps = rng.choice((0.9, 0.8)), rng.choice((0.999, 0.99)), rng.choice((1e-8, 1e-3))
        params = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        opt = Adam(params, lr=lr, betas=(b1, b2), eps=eps)
        ours, m, v = [p.data for p in params], [0.0] * n, [0.0] * n
        variants = {k: ([p.data for p in params], [0.0] * n, [0.0] * n) for k in _ADAM_HINTS}
        for t in range(1, 7):
            grads = [rng.uniform(-1, 1) for _ in range(n)]
            for p, g in zip(params, grads):
                p.grad = g
            opt.step()
            for k, (vp, vm, vv) in variants.items():
                stepped = [
                    _adam_variant(vp[j], grads[j], vm[j], vv[j], t, lr, b1, b2, eps, k)
                    for j in range(n)
                ]
                variants[k] = tuple(list(col) for col in zip(*stepped))
            shown = _say(
                "step",
                case=case + 1,
                step=t,
                rest=(
                    f"params={_fmt(ours)}, grads={_fmt(grads)}, lr={lr:g}, "
                    f"beta1={b1:g}, beta2={b2:g}, eps={eps:g}"
                ),
            )
            got = _call(
                module,
                "adam_step",
                list(ours),
                list(grads),
                list(m),
                list(v),
                t,
                lr,
                b1,
                b2,
                eps,
                shown=shown,
                on_error={ZeroDivisionError: [("exercises.hint.adam_power", {})]},
            )
            got = _parts("adam_step", shown, got, 3)
            new = _numbers("adam_step", shown, got[0], n)
            m, v = _numbers("adam_step", shown, got[1], n), _numbers("adam_step", shown, got[2], n)
            for j in range(n):
                _expect(
                    ctx,
                    _say("param", func="adam_step", j=j),
                    shown,
                    params[j].data,
                    new[j],
                    [(hint, variants[k][0][j]) for k, hint in _ADAM_HINTS.items()],
                )
            ours = new


# ------------------------------------------------------------------- XOR (exercise 9)
_GATES = {"and": [0, 0, 0, 1], "xor": [0, 1, 1, 0]}
_POINTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


def _correct(predict: Callable, targets: list[int], trainer: str) -> int:
    """How many of the four points ``predict`` (returned by ``trainer``) classifies right."""
    right, func = 0, _say("predict", trainer=trainer)
    for x, t in zip(_POINTS, targets):
        score = _invoke(func, predict, (list(x),), _fmt(x))
        score = _number(func, _fmt(x), getattr(score, "data", score))
        right += int((score > 0.5) == bool(t))
    return right


def check_09(module: ModuleType, ctx: _Context) -> None:
    """Exercise 9: ``train_perceptron(X, y, seed)`` learns AND but not XOR (one neuron draws
    one line); ``train_mlp(X, y, seed)`` learns XOR for seeds 0, 1 and 2."""
    X = [list(p) for p in _POINTS]
    predict = _call(module, "train_perceptron", X, _GATES["and"], 0, shown="AND, seed=0")
    right = _correct(predict, _GATES["and"], "train_perceptron")
    if right != 4:
        raise Failure(
            "exercises.fail.gate",
            func="train_perceptron",
            gate="AND",
            right=right,
            hints=[("exercises.hint.train", {})],
        )
    ctx.cases += 1
    predict = _call(module, "train_perceptron", X, _GATES["xor"], 0, shown="XOR, seed=0")
    right = _correct(predict, _GATES["xor"], "train_perceptron")
    if right == 4:
        raise Failure(
            "exercises.fail.perceptron_xor",
            func="train_perceptron",
            hints=[("exercises.hint.one_neuron", {})],
        )
    ctx.cases += 1
    for seed in (0, 1, 2):
        predict = _call(module, "train_mlp", X, _GATES["xor"], seed, shown=f"XOR, seed={seed}")
        right = _correct(predict, _GATES["xor"], "train_mlp")
        if right != 4:
            raise Failure(
                "exercises.fail.gate",
                func=f"train_mlp (seed={seed})",
                gate="XOR",
                right=right,
                hints=[
                    ("exercises.hint.hidden", {}),
                    ("exercises.hint.zero_grad", {}),
                    ("exercises.hint.train", {}),
                ],
            )
        ctx.cases += 1


# ------------------------------------------------------ one vectorized layer (exercise 10)
def _scalar_layer(X: np.ndarray, W: np.ndarray, b: np.ndarray, G: np.ndarray):
    """Y = X W^T + b and the gradients of sum(G * Y), element by element on the scalar engine."""
    xv = [[Value(float(v)) for v in row] for row in X]
    wv = [[Value(float(v)) for v in row] for row in W]
    bv = [Value(float(v)) for v in b]
    ys = [[Value.dot(wv[j], xv[i], bv[j]) for j in range(W.shape[0])] for i in range(X.shape[0])]
    loss = Value.sum([y * float(G[i, j]) for i, row in enumerate(ys) for j, y in enumerate(row)])
    loss.backward()
    arr = lambda rows: np.array([[_grad(v) for v in row] for row in rows])  # noqa: E731
    Y = np.array([[y.data for y in row] for row in ys])
    return Y, arr(xv), arr(wv), np.array([_grad(v) for v in bv])


def _array(func: str, shown: str, got: object, shape: tuple, hints: list[Hint]) -> np.ndarray:
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure("exercises.fail.not_array", func=func, input=shown, got=_fmt(got)) from None
    if arr.shape != shape:
        raise Failure(
            "exercises.fail.shape",
            func=func,
            input=shown,
            expected=shape,
            got=arr.shape,
            hints=hints,
        )
    return arr


def check_10(module: ModuleType, ctx: _Context) -> None:
    """Exercise 10: ``linear_forward(X, W, b)`` = X W^T + b and ``linear_backward(X, W, dY)`` =
    (dY W, dY^T X, dY summed over the batch), against the scalar engine element by element."""
    rng = np.random.default_rng(1010)
    for case in range(CASES // 2):
        n, nin, nout = (int(v) for v in rng.integers(1, 5, size=3))
        if case % 3 == 0:
            n = max(n, 2)
            nin = max(nin, 2)
            nout = nin + 1
        X, W = rng.normal(size=(n, nin)), rng.normal(size=(nout, nin))
        b, G = rng.normal(size=nout), rng.normal(size=(n, nout))
        Y, dX, dW, db = _scalar_layer(X, W, b, G)
        shown = _say("number", shapes=f"X {X.shape}, W {W.shape}, b {b.shape}", case=case + 1)
        got = _array(
            "linear_forward",
            shown,
            _call(module, "linear_forward", X.copy(), W.copy(), b.copy(), shown=shown),
            Y.shape,
            [("exercises.hint.transpose_w", {})],
        )
        _expect_array(
            ctx, "linear_forward", shown, Y, got, [("exercises.hint.transpose_w", X @ W.T)]
        )
        shown = _say("number", shapes=f"X {X.shape}, W {W.shape}, dY {G.shape}", case=case + 1)
        got = _call(module, "linear_backward", X.copy(), W.copy(), G.copy(), shown=shown)
        got = _parts("linear_backward", shown, got, 3)
        for name, expected, value, mistakes in (
            ("dX", dX, got[0], [("exercises.hint.dx", None)]),
            ("dW", dW, got[1], [("exercises.hint.dw_transpose", None)]),
            (
                "db",
                db,
                got[2],
                [("exercises.hint.db_mean", db / n), ("exercises.hint.db_axis", None)],
            ),
        ):
            shape_hints = [(k, {}) for k, _ in mistakes if k != "exercises.hint.db_mean"]
            arr = _array(f"linear_backward ({name})", shown, value, expected.shape, shape_hints)
            _expect_array(
                ctx,
                f"linear_backward ({name})",
                shown,
                expected,
                arr,
                [(k, w) for k, w in mistakes if w is not None],
            )


def _expect_array(
    ctx, func: str, shown: str, expected: np.ndarray, got: np.ndarray, mistakes
) -> None:
    if np.allclose(got, expected, rtol=REL_TOL, atol=ABS_TOL):
        ctx.cases += 1
        return
    hints = [
        (k, {})
        for k, wrong in mistakes
        if np.shape(wrong) == got.shape and np.allclose(got, wrong, rtol=REL_TOL, atol=ABS_TOL)
    ]
    where = tuple(
        int(i) for i in np.argwhere(~np.isclose(got, expected, rtol=REL_TOL, atol=ABS_TOL))[0]
    )
    raise Failure(
        "exercises.fail.array",
        func=func,
        input=shown,
        index=where,
        expected=_fmt(float(expected[where])),
        got=_fmt(float(got[where])),
        hints=hints,
    )


#: Exercise number -> its check.
CHECKS: dict[int, Callable[[ModuleType, _Context], None]] = {
    1: check_01,
    2: check_02,
    3: check_03,
    4: check_04,
    5: check_05,
    6: check_06,
    7: check_07,
    8: check_08,
    9: check_09,
    10: check_10,
}
