"""Exercise 2: a mini Value, built as engine.py's.

Each op stores its operands (``_children``) and its local derivatives as numbers
(``_local_grads``), and one ``_backward()`` method applies them (child.grad += local *
self.grad). The check comes in two parts:

1. ``_backward()`` alone, on nodes the checker has the learner's process make with local
   derivatives of its own choosing (unrelated to any op: only a ``_backward`` that reads
   ``_local_grads`` passes), with known wrong answers for its typical mistakes;
2. every op on expressions (single ops, chains, reused nodes, :data:`~.expressions.RECIPES`):
   each node's data, what each node stores, and the gradients of a backward pass, against the
   library engine on the same inputs.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.checkers.ex01_local_derivatives import BINARY, UNARY, pow_mistakes
from micrograd_mlp.exercises.expressions import RECIPES, Recipe
from micrograd_mlp.exercises.feedback import explain_wrong
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    Hint,
    as_number,
    away_from_zero,
    close,
    expect,
    fmt,
    grad_of,
    grad_scales,
    is_number,
    matching,
)

_INIT_HINT: dict[str, list[Hint]] = {"TypeError": [("exercises.hint.init_local_grads", {})]}


def check(ctx: Context) -> None:
    """Exercise 2: the learner's ``Value`` stores each op's operands and local derivatives and
    applies them in ``_backward()``; checked on nodes made by the checker, then on single ops,
    chains of ops and reused nodes against the library engine."""
    got = ctx.ask("value_new", "Value", "1.5", _INIT_HINT, data=1.5)
    if not is_number(got) or got != 0.0:
        raise Failure("exercises.fail.grad_start", func="Value", input="1.5", got=fmt(got))
    _check_backward_method(ctx)
    for index, recipe in enumerate(RECIPES):
        for _ in range(CASES // 4):
            a, b = _sample(recipe, ctx.rng)
            _check_recipe(ctx, index, recipe, a, b)


def _nice(rng: random.Random, high: float = 2.0) -> float:
    """A number to show in a case, two decimals, 0.2 <= |x| <= high and never 1 (so that each
    known mistake of ``_backward`` gives its own wrong answer)."""
    x = round(rng.uniform(0.2, high), 2)
    x = 1.5 if x == 1.0 else x
    return x if rng.random() < 0.5 else -x


def _tuple_text(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _check_backward_method(ctx: Context) -> None:
    """``out._backward()`` on ``out = Value(data, (c1, ...), "f", _local_grads=(...))`` with
    made-up local derivatives, operands whose grad is already non-zero (a gradient from another
    use) and an upstream ``out.grad`` other than 1; every fourth case uses c1 twice (as x * x)."""
    rng = ctx.rng
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
        stages = {"make": ("Value", _INIT_HINT), "backward": ("out._backward()", {})}
        answer = ctx.ask(
            "value_backward",
            "out._backward()",
            shown,
            stages=stages,
            datas=datas,
            uses=uses,
            locals_=locals_,
            starts=starts,
            data=data,
            upstream=upstream,
        )
        for k, name in enumerate(names):
            mine = [v for j, v in zip(uses, locals_) if j == k]  # operand k's local derivatives
            expected = starts[k] + sum(mine) * upstream
            got = as_number(f"{name}.grad", shown, answer["grads"][k])
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
                (["exercises.hint.sign"], starts[k] - sum(mine) * upstream),  # -= instead
            ]
            raise Failure(
                "exercises.fail.backward",
                func="out._backward()",
                input=shown,
                name=name,
                expected=expected,
                got=got,
                hints=[(h, {}) for keys, w in wrong if close(got, w, 1.0, 1e-9) for h in keys],
            )
        if not is_number(answer["out"]) or not close(answer["out"], upstream):
            raise Failure(
                "exercises.fail.backward_self",
                func="out._backward()",
                input=shown,
                expected=upstream,
                got=answer["out"],
            )


def _sample(recipe: Recipe, rng: random.Random) -> tuple[float, float]:
    """Inputs ``(a, b)`` for ``recipe`` over its op's whole domain (negative bases for integer
    powers, both sides of relu's kink)."""
    op = recipe.op
    if op in UNARY:
        return UNARY[op][0](rng), 0.0
    if op.startswith("pow"):
        p = float(op[3:])
        return (away_from_zero(rng, 0.3, 3.0) if p == int(p) else rng.uniform(0.3, 3.0)), 0.0
    if op == "div":
        return BINARY["div"][1](rng)
    if recipe.text.startswith("((a + b) * b).exp()"):
        return rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
    return rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)


def _recipe_mistakes(recipe: Recipe, a: float, b: float, name: str) -> list[tuple[str, float]]:
    """Known wrong values of d out/d ``name`` for a single-op recipe (upstream gradient 1)."""
    op = recipe.op
    if op in UNARY and name == "a":
        return UNARY[op][2](a)
    if op.startswith("pow") and name == "a":
        return pow_mistakes(a, float(op[3:]))
    if op in BINARY and name in "ab":
        i = "ab".index(name)
        return [(k, w[i]) for k, w in BINARY[op][2](a, b)]
    return []


def _structure_failure(text: str, problem: dict) -> Failure:
    """What is wrong with the learner's graph, as the runner found it."""
    if problem["problem"] == "count":
        return Failure(
            "exercises.fail.local_grads_count",
            func=text,
            op=problem["op"],
            children=problem["children"],
            locals=problem["locals"],
        )
    if problem["problem"] == "not_number":
        return Failure(
            "exercises.fail.local_not_number",
            func=text,
            op=problem["op"],
            got=problem["got"],
            hints=[("exercises.hint.local_value", {})] if problem.get("value") else [],
        )
    return Failure("exercises.fail.no_children", func=text)


def _stored_local(recipe: Recipe, graph: list[dict], leaf: int | None) -> float | None:
    """What a single op stored as d out/d ``leaf`` when ``leaf`` is one of its operands and all
    of them are leaves (then that number is the gradient); None otherwise (an op written from
    others, such as a / b as a * b**-1, has a gradient made of several steps)."""
    out = graph[-1]
    if recipe.kind != "single" or any(graph[c]["children"] for c in out["children"]):
        return None
    mine = [local for c, local in zip(out["children"], out["locals"]) if c == leaf]
    return float(sum(mine)) if mine else None


def _check_recipe(ctx: Context, index: int, recipe: Recipe, a: float, b: float) -> None:
    text = recipe.text
    shown = f"a={a:.6g}, b={b:.6g}" if recipe.uses_b else f"a={a:.6g}"
    lib_a, lib_b = Value(a, label="a"), Value(b, label="b")
    lib_nodes = recipe.build(lib_a, lib_b)
    lib_nodes[-1].backward()
    scales = grad_scales(lib_nodes[-1])
    radd = {"TypeError": [("exercises.hint.radd", {})]} if recipe.op in ("radd", "rmul") else {}
    stages = {
        "leaf": ("Value", {}),
        "build": (text, radd),
        "backward": (f"{text} (_backward)", {}),
    }
    answer = ctx.ask("value_recipe", text, shown, stages=stages, recipe=index, a=a, b=b)
    names = [f"n{i + 1}" for i in range(len(lib_nodes) - 1)] + ["out"]
    for name, got, lib in zip(names, answer["data"], lib_nodes):
        expect(ctx, f"{text}: {name}.data", shown, lib.data, as_number(text, shown, got), scale=1.0)
    if "structure" in answer:
        raise _structure_failure(text, answer["structure"])
    graph = answer["graph"]
    leaves = [("a", 0, lib_a)] + ([("b", 1, lib_b)] if recipe.uses_b else [])
    for name, k, _ in leaves:
        where = answer["leaves"][k]
        if where is None or not any(where in node["children"] for node in graph):
            raise Failure("exercises.fail.prev_missing", func=text, name=name)
    grads = answer["grads"]  # the returned nodes', then a's and b's
    n = len(lib_nodes)
    mine = {id(lib): (name, grads[i]) for i, (name, lib) in enumerate(zip(names, lib_nodes))}
    mine |= {id(lib): (name, grads[n + k]) for name, k, lib in leaves}
    # Compare from the output back: the first wrong gradient is where the error starts.
    checked = [(name, lib) for name, lib in zip(names, lib_nodes)][::-1][1:]
    for name, lib in [*checked, *[(name, lib) for name, _, lib in leaves]]:
        got = as_number(f"{text}: {name}.grad", shown, mine[id(lib)][1])
        expected, scale = grad_of(lib), scales.get(id(lib), 1.0)
        if close(got, expected, scale):
            ctx.cases += 1
            continue
        k = {"a": 0, "b": 1}.get(name)
        stored = None if k is None else _stored_local(recipe, graph, answer["leaves"][k])
        value = got if stored is None else stored
        hints = matching(value, _recipe_mistakes(recipe, a, b, name), scale)
        if not hints and close(value, -expected, scale, 1e-9):
            hints.append(("exercises.hint.local_sign", {}))
        learner = {key: (label, g if is_number(g) else 0.0) for key, (label, g) in mine.items()}
        picture, terms = explain_wrong(ctx, lib_nodes[-1], learner, lib)
        if stored is not None and not close(stored, expected, scale):  # a wrong number stored
            raise Failure(
                "exercises.fail.local",
                func=text,
                input=shown,
                name=name,
                expected=expected,
                got=stored,
                hints=hints,
                graph=picture,
            )
        raise Failure(
            "exercises.fail.grad",
            func=text,
            input=shown,
            name=name,
            expected=expected,
            got=got,
            hints=[*hints, terms],
            graph=picture,
        )
