"""The learner's side of a check: ``python -m micrograd_mlp.exercises.runner FILE FD MEMORY``.

Started by :class:`micrograd_mlp.exercises.session.Learner`, in a process of its own: it limits
its own address space to ``MEMORY`` bytes, moves its requests off standard input (the learner's
code reads an empty stdin), imports the learner's ``FILE`` (its folder first on ``sys.path``, so
one exercise can import an earlier one) and answers with one JSON line on file descriptor
``FD``: how the import went. Then it serves requests, one JSON line each, until its input ends.

A request names a *task* (call a function of the learner's file, build an expression with the
learner's ``Value``, run the learner's ``backward`` on a graph, train and predict, ...) and
carries its inputs; the answer carries what the learner's code returned, as plain data (numbers,
lists, strings), or the exception it raised. It never carries a verdict: the checker's process
computes the reference values itself and compares.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from micrograd_mlp.exercises.expressions import RECIPES, Node, build_graph, node_order

#: Longest list the answer carries (an answer longer than this is described, not sent).
MAX_ITEMS = 100_000


class Missing(Exception):
    """The learner's file has no such function, class or method."""


class AtStage(Exception):
    """The learner's code raised ``error`` during ``stage`` of a task (the checker names the
    stage: building an expression, or its backward pass)."""

    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(stage)
        self.stage, self.error = stage, error


def plain(x: Any, depth: int = 0) -> Any:
    """``x`` as JSON-ready plain data: a number stays a number (NaN and infinities included), a
    list or tuple becomes a list, an array ``{"array": nested lists}``; anything else (and a bool,
    which is no number here) becomes ``{"repr": ..., "type": ...}`` for the checker to show."""
    if isinstance(x, float | int | np.floating | np.integer) and not isinstance(x, bool | np.bool_):
        try:
            return float(x) if isinstance(x, float | np.floating) or abs(x) > 2**53 else int(x)
        except OverflowError:
            return float("inf") if x > 0 else float("-inf")
    if isinstance(x, list | tuple) and len(x) <= MAX_ITEMS and depth < 4:
        return [plain(v, depth + 1) for v in x]
    if isinstance(x, np.ndarray) and x.size <= MAX_ITEMS and x.dtype.kind in "biuf":
        return {"array": x.astype(np.float64).tolist()}
    text = repr(x) if not isinstance(x, list | tuple) else f"<{type(x).__name__} of {len(x)}>"
    return {"repr": text[:200], "type": type(x).__name__}


def _raised(error: BaseException, func: str) -> dict:
    """The answer for an exception of the learner's code."""
    todo = None
    if isinstance(error, NotImplementedError):
        # The stubs say which function is unwritten: "exercise 2: Value.__mul__".
        todo = str(error).split(": ", 1)[-1] if str(error) else func
    return {
        "raised": {
            "type": type(error).__name__,
            "types": [k.__name__ for k in type(error).__mro__],
            "message": str(error)[:300],
            "todo": todo,
        }
    }


def _attr(module: Any, name: str) -> Any:
    value = getattr(module, name, None)
    if value is None:
        raise Missing(name)
    return value


# ----------------------------------------------------------------------------- the tasks
def task_call(module: Any, func: str, args: list, arrays: list[int] = ()) -> Any:
    """``func(*args)``; the arguments at ``arrays`` become NumPy arrays first."""
    fn = _attr(module, func)
    if not callable(fn):
        raise Missing(func)
    args = [np.array(a, dtype=np.float64) if i in arrays else a for i, a in enumerate(args)]
    return plain(fn(*args))


def _value_class(module: Any) -> type:
    cls = getattr(module, "Value", None)
    if not isinstance(cls, type):
        raise Missing("Value")
    return cls


def task_value_new(module: Any, data: float) -> Any:
    """``Value(data).grad``."""
    return plain(getattr(_value_class(module)(data), "grad", None))


def task_value_backward(
    module: Any, datas: list, uses: list, locals_: list, starts: list, data: float, upstream: float
) -> dict:
    """``out._backward()`` alone: ``out = Value(data, operands, "f", _local_grads=locals_)``
    with ``operands = [kids[k] for k in uses]``, the kids' grads set to ``starts`` and
    ``out.grad`` to ``upstream``. Answers every kid's grad and ``out.grad`` after the call."""
    V = _value_class(module)
    try:
        kids = [V(d) for d in datas]
        out = V(data, tuple(kids[k] for k in uses), "f", _local_grads=tuple(locals_))
        for kid, start in zip(kids, starts):
            kid.grad = start
        out.grad = upstream
    except BaseException as error:  # the learner's __init__
        raise AtStage("make", error) from None
    step = getattr(out, "_backward", None)
    if not callable(step):
        raise Missing("Value._backward")
    try:
        step()
    except BaseException as error:
        raise AtStage("backward", error) from None
    return {"grads": [plain(getattr(k, "grad", None)) for k in kids], "out": plain(out.grad)}


def _structure(out: Any) -> dict | None:
    """What is wrong with the graph behind ``out`` as the checks read it (each node's
    ``_children`` and one number per operand in ``_local_grads``), or None."""
    seen, todo = set(), [out]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = getattr(node, "_children", None)
        local = getattr(node, "_local_grads", None)
        if not isinstance(children, tuple | list) or not isinstance(local, tuple | list):
            return {"problem": "no_children"}
        op = str(getattr(node, "_op", "") or "?")
        if len(children) != len(local):
            return {"problem": "count", "op": op, "children": len(children), "locals": len(local)}
        for x in local:
            if isinstance(x, bool) or not isinstance(x, float | int | np.floating | np.integer):
                return {"problem": "not_number", "op": op, "got": repr(x)[:80],
                        "value": hasattr(x, "data")}  # fmt: skip
        todo.extend(children)
    return None


def task_value_recipe(module: Any, recipe: int, a: float, b: float) -> dict:
    """Build expression ``RECIPES[recipe]`` with the learner's Value on inputs ``a`` and ``b``;
    answer each returned node's data, the graph (each node's op, operands and stored local
    derivatives, in :func:`node_order`; where ``a`` and ``b`` are in it), and the grads of the
    returned nodes, ``a`` and ``b`` after a backward pass over that order made of the learner's
    ``_backward()`` calls."""
    V = _value_class(module)
    stage = "leaf"
    try:
        la, lb = V(a), V(b)
        stage = "build"
        nodes = RECIPES[recipe].build(la, lb)
        answer: dict = {"data": [plain(getattr(n, "data", None)) for n in nodes]}
        problem = _structure(nodes[-1])
        if problem is not None:
            return {**answer, "structure": problem}
        order = node_order(nodes[-1])
        index = {id(n): i for i, n in enumerate(order)}
        answer["graph"] = [
            {
                "op": str(getattr(n, "_op", "") or ""),
                "children": [index[id(c)] for c in n._children],
                "locals": [float(x) for x in n._local_grads],
            }
            for n in order
        ]
        answer["leaves"] = [index.get(id(la)), index.get(id(lb))]
        stage = "backward"
        for n in order:
            n.grad = 0.0
        order[-1].grad = 1.0
        for n in reversed(order):
            n._backward()
        answer["grads"] = [plain(getattr(n, "grad", None)) for n in [*nodes, la, lb]]
        return answer
    except Missing:
        raise
    except BaseException as error:  # the learner's code, at this stage
        raise AtStage(stage, error) from None


def task_order(module: Any, graph: dict) -> dict:
    """``topological_order(root)`` on the graph ``graph`` describes, built of :class:`Node`:
    each listed item as its position in :func:`node_order` (None for anything else), and the
    recursion limit after the call."""
    fn = _attr(module, "topological_order")
    root = build_graph(graph, Node)[-1]
    index = {id(n): i for i, n in enumerate(node_order(root))}
    got = fn(root)
    if not isinstance(got, list | tuple):
        return {"not_list": plain(got), "limit": sys.getrecursionlimit()}
    return {
        "order": [index.get(id(n)) for n in got],
        "items": [repr(n)[:80] for n in got[:3] if id(n) not in index],
        "limit": sys.getrecursionlimit(),
    }


def task_backward(module: Any, graph: dict) -> dict:
    """``backward(root)`` on the graph ``graph`` describes, built of :class:`Node`: every
    node's grad after it, in :func:`node_order`, and the recursion limit."""
    fn = _attr(module, "backward")
    root = build_graph(graph, Node)[-1]
    order = node_order(root)
    fn(root)
    return {"grads": [plain(n.grad) for n in order], "limit": sys.getrecursionlimit()}


class _GradWatch:
    """Counts the backward passes that start while a parameter still holds the gradient of the
    pass before although a step has changed its value since: gradients not reset between steps.
    (Accumulating on purpose over several examples before one step changes no value: not
    counted.)"""

    def __init__(self) -> None:
        self.passes = self.stale = 0
        self._after: dict[int, tuple[Any, float, float]] = {}

    def wrap(self, backward: Any) -> Any:
        def watched(root: Any, *args: Any, **kwargs: Any) -> Any:
            leaves = self._leaves(root)
            for leaf in leaves:
                kept = self._after.get(id(leaf))
                if kept and kept[0] is leaf and leaf.data != kept[1] and leaf.grad == kept[2]:
                    self.stale += 1
                    break
            self.passes += 1
            result = backward(root, *args, **kwargs)
            self._after = {id(n): (n, n.data, n.grad) for n in leaves if n.grad != 0}
            return result

        return watched

    @staticmethod
    def _leaves(root: Any) -> list:
        """The leaves behind ``root``, through ``_children`` or else micrograd's ``_prev``."""
        seen, todo, leaves = set(), [root], []
        while todo:
            node = todo.pop()
            if id(node) not in seen:
                seen.add(id(node))
                kids = getattr(node, "_children", None)
                kids = tuple(getattr(node, "_prev", ()) if kids is None else kids)
                todo.extend(kids)
                if not kids:
                    leaves.append(node)
        return leaves


def task_train(module: Any, func: str, X: list, y: list, seed: int, points: list) -> dict:
    """``predict = func(X, y, seed)``, then ``predict(x)`` for each of ``points`` (a Value's
    ``.data`` is read), while watching whether the gradients are reset between steps: through
    the library's ``Value.backward`` and any ``backward`` function of the learner's files."""
    from micrograd_mlp.engine import Value

    fn = _attr(module, func)
    watch = _GradWatch()
    # The library's Value, and a backward function or Value.backward of the learner's files.
    targets = [Value]
    for mod in [m for m in list(sys.modules.values()) if getattr(m, "__file__", None)]:
        if Path(mod.__file__).parent == Path(module.__file__).parent:
            own_value = getattr(mod, "Value", None)
            targets += [mod] + ([own_value] if isinstance(own_value, type) else [])
    patched = []
    for target in targets:
        own = target.__dict__.get("backward")
        if callable(own):
            target.backward = watch.wrap(own)
            patched.append((target, own))
    try:
        predict = fn(X, y, seed)
    except Missing:
        raise
    except BaseException as error:
        raise AtStage("train", error) from None
    finally:
        for target, own in patched:
            target.backward = own
    scores = []
    try:
        for x in points:
            score = predict(list(x))
            scores.append(plain(getattr(score, "data", score)))
    except BaseException as error:
        raise AtStage("predict", error) from None
    return {"scores": scores, "passes": watch.passes, "stale": watch.stale}


TASKS = {
    "call": task_call,
    "value_new": task_value_new,
    "value_backward": task_value_backward,
    "value_recipe": task_value_recipe,
    "order": task_order,
    "backward": task_backward,
    "train": task_train,
}


# ------------------------------------------------------------------------------ the loop
def _import(file: Path) -> tuple[Any, dict]:
    sys.path.insert(0, str(file.parent))
    try:
        return importlib.import_module(file.stem), {"import": "ok"}
    except NotImplementedError as error:
        return None, {"import": "todo", "func": str(error).split(": ", 1)[-1] or file.stem}
    except BaseException as error:  # a syntax error, a failed import, sys.exit() at import...
        line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
        if line is None:
            frames = traceback.extract_tb(error.__traceback__)
            frames = [f for f in frames if Path(f.filename) == file]
            line = frames[-1].lineno if frames else "?"
        return None, {
            "import": "failed",
            "line": str(line),
            "error": f"{type(error).__name__}: {error}"[:300],
            "types": [k.__name__ for k in type(error).__mro__],
        }


def serve(file: Path, requests: Any, reply: Any) -> None:
    """Import ``file``, answer how it went, then answer every request line of ``requests``."""

    def send(answer: dict) -> None:
        reply.write(json.dumps(answer) + "\n")
        reply.flush()

    before = sys.getrecursionlimit()
    module, imported = _import(file)
    imported["limit_before"], imported["limit"] = before, sys.getrecursionlimit()
    send(imported)
    if module is None:
        return
    for line in requests:
        request = json.loads(line)
        task, fields = request.pop("task"), request
        try:
            answer = {"ok": TASKS[task](module, **fields)}
        except Missing as missing:
            answer = {"missing": str(missing)}
        except AtStage as failed:
            answer = {**_raised(failed.error, task), "stage": failed.stage}
        except BaseException as error:  # the learner's code may raise anything, SystemExit too
            answer = _raised(error, fields.get("func", task))
        send(answer)


def main(argv: list[str]) -> int:
    """Limit memory, move the requests off stdin, import the file and serve."""
    file, fd, memory = Path(argv[0]).resolve(), int(argv[1]), int(argv[2])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):  # no such limit on this system
        pass
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    with os.fdopen(fd, "w", encoding="utf-8") as reply:
        serve(file, requests, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
