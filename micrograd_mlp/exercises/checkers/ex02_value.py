"""Exercise 2: a mini Value."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from numbers import Real
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.checkers.ex01_local_derivatives import BINARY, UNARY, pow_mistakes
from micrograd_mlp.exercises.expressions import (
    node_order,
)
from micrograd_mlp.exercises.feedback import explain_wrong
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    Hint,
    as_number,
    close,
    expect,
    fmt,
    grad_of,
    invoke,
)

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


def check(module: ModuleType, ctx: Context) -> None:
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
    got = getattr(invoke("Value", V, (1.5,), "1.5", _INIT_HINT), "grad", None)
    if not close(got, 0.0, 0.0, 0.0):
        raise Failure("exercises.fail.grad_start", func="Value", input="1.5", got=fmt(got))


def _nice(rng: random.Random, high: float = 2.0) -> float:
    """A number to show in a case, two decimals, 0.2 <= |x| <= high and never 1 (so that each
    known mistake of ``_backward`` gives its own wrong answer)."""
    x = round(rng.uniform(0.2, high), 2)
    x = 1.5 if x == 1.0 else x
    return x if rng.random() < 0.5 else -x


def _tuple_text(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _check_backward_method(module: ModuleType, V: type, ctx: Context) -> None:
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
            f"{', '.join(names)} = {', '.join(f'Value({fmt(d)})' for d in datas)}; "
            f"out = Value({fmt(data)}, {_tuple_text([names[k] for k in uses])}, 'f', "
            f"_local_grads={_tuple_text([fmt(v) for v in locals_])}); "
            f"{', '.join(f'{m}.grad' for m in names)}, out.grad = "
            f"{', '.join(fmt(g) for g in [*starts, upstream])}"
        )
        kids = [invoke("Value", V, (d,), fmt(d), _INIT_HINT) for d in datas]
        operands = tuple(kids[k] for k in uses)

        def make(data=data, operands=operands, locals_=tuple(locals_)) -> Any:
            return V(data, operands, "f", _local_grads=locals_)

        out = invoke("Value", make, (), shown, _INIT_HINT)
        for kid, start in zip(kids, starts):
            kid.grad = start
        out.grad = upstream
        step = getattr(out, "_backward", None)
        if not callable(step):
            file = Path(module.__file__).name
            raise Failure("exercises.fail.missing", func="Value._backward", file=file)
        invoke("out._backward()", step, (), shown)
        for k, (name, kid) in enumerate(zip(names, kids)):
            mine = [v for j, v in zip(uses, locals_) if j == k]  # operand k's local derivatives
            expected = starts[k] + sum(mine) * upstream
            got = as_number(f"{name}.grad", shown, getattr(kid, "grad", None))
            if close(got, expected):
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
                expected=fmt(expected),
                got=fmt(got),
                hints=[(h, {}) for keys, w in wrong if close(got, w) for h in keys],
            )
        if not close(getattr(out, "grad", None), upstream):
            raise Failure(
                "exercises.fail.backward_self",
                func="out._backward()",
                input=shown,
                expected=fmt(upstream),
                got=fmt(getattr(out, "grad", None)),
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
    return lambda r: (UNARY[op][0](r), 0.0)


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
        for op in UNARY
    ],
    _Recipe("-a", lambda a, b: [-a], _pair_sampler(), op="neg"),
    _Recipe("a - b", lambda a, b: [a - b], _pair_sampler(), op="sub"),
    _Recipe("a / b", lambda a, b: [a / b], BINARY["div"][1], op="div"),
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
    if op in UNARY and name == "a":
        return UNARY[op][2](a)
    if op.startswith("pow") and name == "a":
        return pow_mistakes(a, float(op[3:]))
    if op in BINARY and name in "ab":
        i = "ab".index(name)
        return [(k, w[i]) for k, w in BINARY[op][2](a, b)]
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
                    got=fmt(x),
                    hints=[("exercises.hint.local_value", {})] if hasattr(x, "data") else [],
                )
        todo.extend(children)
    return node_order(out)


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
    la, lb = invoke("Value", V, (a,), fmt(a)), invoke("Value", V, (b,), fmt(b))
    nodes = invoke(recipe.text, recipe.build, (la, lb), shown, on_error)
    names = [f"n{i + 1}" for i in range(len(nodes) - 1)] + ["out"]
    for name, node, lib in zip(names, nodes, lib_nodes):
        got = getattr(node, "data", None)
        expect(
            ctx, f"{recipe.text}: {name}.data", shown, lib.data, as_number(recipe.text, shown, got)
        )
    out = nodes[-1]
    order = _learner_graph(recipe.text, out)
    leaves = [("a", la, lib_a)] + ([("b", lb, lib_b)] if "b" in recipe.text else [])
    for name, leaf, _lib in leaves:
        if not any(leaf is c for node in order for c in node._children):
            raise Failure("exercises.fail.prev_missing", func=recipe.text, name=name)
    invoke(f"{recipe.text} (_backward)", _run_backward, (order,), shown)
    # Compare from the output back: the first wrong gradient is where the error starts.
    checked = list(zip(names, nodes, lib_nodes))[::-1][1:] + [(n, v, lv) for n, v, lv in leaves]
    for name, node, lib in checked:
        got = as_number(f"{recipe.text}: {name}.grad", shown, getattr(node, "grad", None))
        expected = grad_of(lib)
        if close(got, expected):
            ctx.cases += 1
            continue
        stored = _stored_local(recipe, out, node)
        value = got if stored is None else stored
        hints = [
            (k, {}) for k, wrong in _recipe_mistakes(recipe, a, b, name) if close(value, wrong)
        ]
        if not hints and close(value, -expected):
            hints.append(("exercises.hint.local_sign", {}))
        learner = {id(lib): (n, v) for n, v, lib in [*zip(names, nodes, lib_nodes), *leaves]}
        graph, terms = explain_wrong(ctx, lib_nodes[-1], learner, lib)
        if stored is not None and not close(stored, expected):  # a wrong number stored
            raise Failure(
                "exercises.fail.local",
                func=recipe.text,
                input=shown,
                name=name,
                expected=fmt(expected),
                got=fmt(stored),
                hints=hints,
                graph=graph,
            )
        raise Failure(
            "exercises.fail.grad",
            func=recipe.text,
            input=shown,
            name=name,
            expected=fmt(expected),
            got=fmt(got),
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
