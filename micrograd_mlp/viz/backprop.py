"""Watch ``backward()`` work: the backward pass as data and as text.

``Value.backward`` applies the chain rule node by node in reverse topological order: a node's
gradient d out/d node (its *upstream* gradient) is complete once every node that uses it has
been processed, and the node then passes ``local * upstream`` to each child, where ``local`` is
the derivative d node/d child stored by the forward pass (``Value._local_grads``)::

    d out/d child += d out/d node * d node/d child

* :func:`backward_steps` replays those steps on the engine's own graph and records every number;
* :func:`explain` prints one line per chain-rule application;
* the pictures of those steps (one Graphviz picture per step, PNG/SVG files, an animated GIF)
  are in :mod:`micrograd_mlp.viz.backprop_frames`.

None of these read or write any ``.grad``: the replay keeps its own gradients, starting from
zero, so the numbers are what ``root.backward()`` puts in ``.grad`` when every grad starts at 0
(``backward()`` *adds* to a leaf's existing grad; the replay shows the fresh d out/d node). Call
``root.backward()`` yourself to fill ``.grad``; the replay uses the same order and the same
arithmetic, so the two agree exactly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from micrograd_mlp.engine import Value
from micrograd_mlp.viz.graph import format_number, operand_order

__all__ = ["BackwardStep", "ChildUpdate", "backward_steps", "explain"]


@dataclass(frozen=True, eq=False)
class ChildUpdate:
    """One chain-rule application: the gradient a node passes to one of its children.

    Attributes:
        child: the child ``Value``.
        name: its name in traces and pictures (see :func:`backward_steps`).
        local_grad: d node/d child at the forward point (float, from ``node._local_grads``).
        product: ``local_grad * upstream``, the amount added to d out/d child (float; 0.0 when
            the upstream gradient is 0, because ``backward()`` then skips the node).
        grad_after: d out/d child accumulated so far, including this product (float).
        contribution: which use of the child this is (1-based, in processing order).
        contributions: how many times the child is used as an operand in the whole graph;
            its gradient is complete when ``contribution == contributions``.
    """

    child: Value
    name: str
    local_grad: float
    product: float
    grad_after: float
    contribution: int
    contributions: int


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node processed by the backward pass.

    Attributes:
        index: 0 for the output, then 1, 2, ... in processing (reverse topological) order.
        node: the ``Value`` being processed (always one with children: a leaf passes nothing on).
        name: its name in traces and pictures.
        upstream: d out/d node, complete at this point (float; 1.0 for the output itself).
        children: one :class:`ChildUpdate` per operand, in operand order (``x * x`` has two).
        skipped: True when ``upstream`` is 0: ``backward()`` passes nothing on from such a node
            (which also avoids 0 * inf = nan behind e.g. ``sqrt`` at 0).
    """

    index: int
    node: Value
    name: str
    upstream: float
    children: tuple[ChildUpdate, ...]
    skipped: bool

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

    The order is the engine's own (``reversed(root.topological_order())``) and the numbers come
    from the graph (``_children``, ``_local_grads``, with the same arithmetic as
    ``Value.backward``), so the final ``grad_after`` of every node equals the ``.grad`` that
    ``root.backward()`` gives it when all grads start at 0 -- exactly, not just approximately.
    No ``.grad`` is read or written.

    Names: a node's ``label`` when it has one (a label shared by several nodes gets ``#2``,
    ``#3``, ... on its later uses); an unlabelled ``root`` is ``out``; other unlabelled nodes are
    ``v1``, ``v2``, ... numbered in operand order (left to right, inputs first). Names never
    clash, and the same graph always gets the same names.

    Args:
        root: the output whose gradient is propagated (d root/d root = 1).

    Returns:
        A list of :class:`BackwardStep`; empty when ``root`` is a leaf.

    Raises:
        TypeError: ``root`` is not a ``Value``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}")
    names = _names(root)
    order = root.topological_order()
    uses = Counter(id(child) for node in order for child in node._children)
    received: Counter[int] = Counter()
    grads = {id(node): 0.0 for node in order}
    grads[id(root)] = 1.0  # the seed: d root/d root
    steps = []
    for node in reversed(order):
        if not node._children:
            continue
        upstream = grads[id(node)]
        updates = []
        for child, local in zip(node._children, node._local_grads):
            key = id(child)
            received[key] += 1
            product = 0.0
            if upstream != 0.0:  # backward() skips a node whose gradient is 0
                product = local * upstream
                grads[key] += product
            updates.append(
                ChildUpdate(child, names[key], local, product, grads[key], received[key], uses[key])
            )
        steps.append(
            BackwardStep(
                len(steps), node, names[id(node)], upstream, tuple(updates), upstream == 0.0
            )
        )
    return steps


def explain(root: Value, file: TextIO | None = None, *, number_format: str = ".4g") -> str:
    """A text trace of ``root``'s backward pass: one line per chain-rule application.

    The first line is the seed ``d out/d out = 1``; then, for every step of
    :func:`backward_steps` and every child, e.g.::

        d o/d x1 = d o/d x1w1 * d x1w1/d x1 = 0.5 * -3 = -1.5

    A child used more than once gets ``+=`` and its running total; a node with upstream
    gradient 0 is marked as skipped (as in ``backward()``). No ``.grad`` is changed.

    Args:
        root: the output (a ``Value``).
        file: if given, a text stream (e.g. ``sys.stdout``) the trace is also written to.
        number_format: format spec for the numbers (default ``".4g"``).

    Returns:
        The trace, one line per application, each ending in a newline.

    Raises:
        TypeError: ``root`` is not a ``Value``.
    """
    steps = backward_steps(root)
    out = _term(steps[0].name if steps else _names(root)[id(root)])

    def num(x: float) -> str:
        return format_number(x, number_format)

    lines = [f"d {out}/d {out} = 1  (the seed: the output's gradient with respect to itself)"]
    for step in steps:
        node = _term(step.name)
        for u in step.children:
            child = _term(u.name)
            sign = "=" if u.contributions == 1 else "+="
            line = (
                f"d {out}/d {child} {sign} d {out}/d {node} * d {node}/d {child}"
                f" = {num(step.upstream)} * {num(u.local_grad)} = {num(u.product)}"
            )
            if step.skipped:
                line += f"  (d {out}/d {node} is 0: backward() passes nothing on)"
            elif u.contributions > 1:
                line += (
                    f"  (use {u.contribution} of {u.contributions}; "
                    f"d {out}/d {child} so far: {num(u.grad_after)})"
                )
            lines.append(line)
    text = "\n".join(lines) + "\n"
    if file is not None:
        file.write(text)
    return text


# ----------------------------------------------------------------------------- helpers
def _names(root: Value) -> dict[int, str]:
    """``id(node) -> name`` for every node behind ``root`` (rules in :func:`backward_steps`)."""
    order = operand_order(root)
    taken = {v.label for v in order if v.label}
    names: dict[int, str] = {}
    seen: Counter[str] = Counter()
    counter = 0
    for v in order:
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
