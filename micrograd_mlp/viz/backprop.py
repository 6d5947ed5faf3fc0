"""Watch ``backward()`` work: the backward pass as data and as text.

``Value.backward`` applies the chain rule node by node in reverse topological order: a node's
gradient d out/d node (its *upstream* gradient) is complete once every node that uses it has
been processed, and the node then passes ``local * upstream`` to each child, where ``local`` is
the derivative d node/d child stored by the forward pass (``Value._local_grads``)::

    d out/d child += d out/d node * d node/d child

* :func:`backward_steps` replays ``backward()`` the way Karpathy's lecture does by hand: it
  calls the engine's own ``_backward()`` node by node in reverse topological order and reads
  the gradients between the calls;
* :func:`explain` prints one line per chain-rule application;
* the pictures of those steps (one Graphviz picture per step, PNG/SVG files, an animated GIF)
  are in :mod:`micrograd_mlp.viz.backprop_frames`.

None of them applies the chain rule itself: every number is the engine's (an edge's product is
``local * upstream`` read from the node's stored local derivative, for a child used twice by one
node, as in ``x * x``). They leave ``.grad`` as they found it: the replay starts with every
gradient at 0 (so the numbers are the fresh d out/d node, what ``root.backward()`` gives when no
leaf has a gradient yet; ``backward()`` *adds* to a leaf's existing one), and every node's
``.grad`` is restored afterwards, also when the replay raises.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.messages import message, resolve_lang
from micrograd_mlp.viz.graph import format_number

__all__ = ["BackwardStep", "ChildUpdate", "backward_steps", "explain", "traced_steps"]


@dataclass(frozen=True, eq=False)
class ChildUpdate:
    """One chain-rule application: the gradient a node passes to one of its children.

    Attributes:
        child: the child ``Value``.
        name: its name in traces and pictures (see :func:`backward_steps`).
        local_grad: d node/d child at the forward point (float, from ``node._local_grads``).
        product: ``upstream * local_grad``, the amount the engine added to d out/d child (float;
            PyTorch's rules: ``0 * inf`` is NaN, no shortcut behind a zero upstream).
        grad_after: d out/d child accumulated so far, including this product (float).
        contribution: which use of the child this is (1-based, in processing order).
        contributions: how many times the child is used as an operand in the whole graph;
            its gradient is complete when ``contribution == contributions``.
        constant: the child is a constant (a number mixed into the op, e.g. the 2 of
            ``2 * x``): ``product`` is what a variable there would receive, and ``backward()``
            keeps no gradient for it.
    """

    child: Value
    name: str
    local_grad: float
    product: float
    grad_after: float
    contribution: int
    contributions: int
    constant: bool = False


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node processed by the backward pass.

    Attributes:
        index: 0 for the output, then 1, 2, ... in processing (reverse topological) order.
        node: the ``Value`` being processed (always one with children: a leaf passes nothing on).
        name: its name in traces and pictures.
        upstream: d out/d node, complete at this point (float; 1.0 for the output itself).
        children: one :class:`ChildUpdate` per operand, in operand order (``x * x`` has two).
    """

    index: int
    node: Value
    name: str
    upstream: float
    children: tuple[ChildUpdate, ...]

    @property
    def formula(self) -> str:
        """How the node was computed, from the operand names, e.g. ``w1 * x1``, ``tanh(n)``,
        ``x**2`` (a function of more than six operands lists the first five, ``...``, the last).
        """
        op, operands = self.node._op, [_term(u.name) for u in self.children]
        if op in ("+", "-", "*", "/", "**") and len(operands) == 2:
            return f" {op} ".join(operands)
        if op.startswith("**") and len(operands) == 1:
            return f"{operands[0]}{op}"
        if len(operands) > 6:
            operands = [*operands[:5], "...", operands[-1]]
        return f"{op}({', '.join(operands)})"


def backward_steps(root: Value) -> list[BackwardStep]:
    """The backward pass of ``root`` as data: one step per non-leaf node, ``root`` first.

    It replays ``root.backward()`` as the lecture does by hand: ``root.grad = 1``, then the
    engine's own ``node._backward()`` for every node in ``reversed(root.topological_order())``,
    reading each node's gradient before its call and its children's after it. So the final
    ``grad_after`` of every node equals the ``.grad`` that ``root.backward()`` gives it when no
    grad is set yet, exactly. Every ``.grad`` is left as it was (saved, and restored after).

    Names: a constant is its number (``2``, however often it appears); a node's ``label`` when
    it has one (a label shared by several nodes gets ``#2``, ``#3``, ... on its later uses); an
    unlabelled ``root`` is ``out``; other unlabelled nodes are ``v1``, ``v2``, ... numbered in
    operand order (left to right, inputs first). Names of variables never clash, and the same
    graph always gets the same names.

    Args:
        root: the output whose gradient is propagated (d root/d root = 1).

    Returns:
        A list of :class:`BackwardStep`; empty when ``root`` is a leaf.

    Raises:
        TypeError: ``root`` is not a ``Value``, or the graph holds a node built with
            micrograd's ``Value(data, _children, _op)`` (its local derivatives are unknown).
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}")
    names = _names(root)
    order = root.topological_order()
    uses = Counter(id(child) for node in order for child in node._children)
    received: Counter[int] = Counter()
    steps: list[BackwardStep] = []
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0  # a fresh pass; every grad is restored below
        root.grad = 1.0  # the seed: d out/d out
        for node in reversed(order):
            if not node._children:
                continue  # a leaf passes nothing on
            upstream = node.grad  # complete: every node using it came before
            before = [child.grad for child in node._children]
            node._backward()  # the engine's chain rule at this node
            steps.append(
                BackwardStep(
                    len(steps),
                    node,
                    names[id(node)],
                    upstream,
                    _updates(node, upstream, before, names, uses, received),
                )
            )
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad
    return steps


def _updates(
    node: Value,
    upstream: float,
    before: list[float],
    names: dict[int, str],
    uses: Counter[int],
    received: Counter[int],
) -> tuple[ChildUpdate, ...]:
    """One :class:`ChildUpdate` per operand of ``node``, just after ``node._backward()``: the
    product of each edge from the stored local derivative, and each child's gradient as the
    engine left it (for a child used twice by ``node``, the first use's running total)."""
    updates = []
    running: dict[int, float] = {}
    last = {id(child): i for i, child in enumerate(node._children)}
    for i, (child, local) in enumerate(zip(node._children, node._local_grads)):
        key = id(child)
        product = local * upstream
        running[key] = running.get(key, before[i]) + product
        constant = type(child) is Constant
        # The engine's own number after the call, unless a later edge of this node adds to it
        # (or the child is a constant, which keeps none: then what a variable would have).
        after = child.grad if last[key] == i and not constant else running[key]
        received[key] += 1
        updates.append(
            ChildUpdate(
                child, names[key], local, product, after, received[key], uses[key], constant
            )
        )
    return tuple(updates)


def traced_steps(root: Value, steps: list[BackwardStep] | None, caller: str
                 ) -> list[BackwardStep]:
    """``steps`` if they are ``backward_steps(root)`` of this ``root``, or that pass traced now
    when ``steps`` is None: what lets the text and the pictures of one pass share one trace.

    Raises:
        TypeError: ``root`` is not a ``Value``.
        ValueError: ``steps`` that do not start at ``root`` (the trace of another graph), or
            are empty while ``root`` has children; the message names ``caller``.
    """
    if steps is None:
        return backward_steps(root)
    if not isinstance(root, Value):
        raise TypeError(f"{caller}: root must be a Value, got {type(root).__name__}")
    traced = steps[0].node if steps else None
    if traced is not (root if root._children else None):  # a leaf's pass has no step
        raise ValueError(f"{caller}: steps must be backward_steps(root) of this root")
    return steps


def explain(
    root: Value,
    file: TextIO | None = None,
    *,
    number_format: str = ".4g",
    lang: str | None = None,
    steps: list[BackwardStep] | None = None,
) -> str:
    """A text trace of ``root``'s backward pass: one line per chain-rule application.

    The first line is the seed ``d out/d out = 1``; then, for every step of
    :func:`backward_steps` and every child, e.g.::

        d o/d x1 = d o/d x1w1 * d x1w1/d x1 = 0.5 * -3 = -1.5

    A child used more than once gets ``+=`` and its running total; a constant operand is marked
    as such (it keeps no gradient). No ``.grad`` is changed.

    Args:
        root: the output (a ``Value``).
        file: if given, a text stream (e.g. ``sys.stdout``) the trace is also written to.
        number_format: format spec for the numbers (default ``".4g"``).
        lang: language of the remarks in parentheses, ``"en"`` or ``"ko"`` (the ``explain.*``
            messages of :mod:`micrograd_mlp.messages`); None reads ``$MICROGRAD_MLP_LANG``,
            default English. The formulas are the same in every language.
        steps: ``backward_steps(root)`` if the caller has it already (e.g. to draw the same
            pass), so that the pass is traced once; None (the default) traces it here. The text
            is the same either way.

    Returns:
        The trace, one line per application, each ending in a newline.

    Raises:
        TypeError: ``root`` is not a ``Value``.
        ValueError: unknown language; ``steps`` that do not start at ``root`` (the trace of
            another graph), or are empty while ``root`` has children.
    """
    lang = resolve_lang(lang)
    steps = traced_steps(root, steps, "explain")
    out = _term(steps[0].name if steps else _names(root)[id(root)])

    def num(x: float) -> str:
        return format_number(x, number_format)

    lines = [message("explain.seed", lang, out=out)]
    for step in steps:
        node = _term(step.name)
        for u in step.children:
            child = _term(u.name)
            sign = "=" if u.contributions == 1 else "+="
            line = message(
                "explain.step",
                lang,
                out=out,
                child=child,
                sign=sign,
                node=node,
                upstream=num(step.upstream),
                local=num(u.local_grad),
                product=num(u.product),
            )
            if u.constant:
                line += message("explain.constant", lang)
            elif u.contributions > 1:
                line += message(
                    "explain.use",
                    lang,
                    k=u.contribution,
                    n=u.contributions,
                    out=out,
                    child=child,
                    total=num(u.grad_after),
                )
            lines.append(line)
    text = "\n".join(lines) + "\n"
    if file is not None:
        file.write(text)
    return text


# ----------------------------------------------------------------------------- helpers
def _names(root: Value) -> dict[int, str]:
    """``id(node) -> name`` for every node behind ``root`` (rules in :func:`backward_steps`)."""
    order = root.topological_order()
    taken = {v.label for v in order if v.label}
    names: dict[int, str] = {}
    seen: Counter[str] = Counter()
    counter = 0
    for v in order:
        if type(v) is Constant:  # a number is its own name, however often it appears
            names[id(v)] = v.label or format_number(v.data, ".4g")
            continue
        if v.label:
            seen[v.label] += 1
            name, k = v.label, seen[v.label]
            if k > 1:  # a label shared by several nodes: number its later uses
                while f"{v.label}#{k}" in taken:
                    k += 1
                name = f"{v.label}#{k}"
        elif v is root and "out" not in taken:
            name = "out"
        else:
            counter += 1
            while f"v{counter}" in taken:
                counter += 1
            name = f"v{counter}"
        taken.add(name)
        names[id(v)] = name
    return names


def _term(name: str) -> str:
    """``name`` as it reads in ``d out/d name``: parenthesised if it contains an operator."""
    return f"({name})" if any(c in name for c in " +-*/()") else name
