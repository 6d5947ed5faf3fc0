"""Pictures of scalar computation graphs with Graphviz: :func:`draw_dot` and :func:`save_graph`.

Every ``Value`` becomes a record ``{ label | data ... | grad ... }``; every operation becomes a
small separate node (``+``, ``*``, ``tanh``, ``dot``, ...) with an edge from each operand, in
operand order, and one edge to the Value it produced. Fill colours tell the roles apart, after
torchviz's convention (see :data:`NODE_COLORS`).

Nodes are drawn in the one topological order of the package
(:func:`micrograd_mlp.autodiff.topological_order`); a cap keeps the Values nearest the output (a
breadth-first distance). Node names come from positions in that order, never from ``id()``: the
same expression gives the same DOT source on every run. A number mixed into an op (a
:class:`~micrograd_mlp.engine.Constant`, e.g. the 2 of ``2 * x``) is drawn as a grey
``constant`` record with its value and no grad: it is not a variable. A grad that no backward pass
has set yet shows as ``None``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import warnings
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import graphviz

from micrograd_mlp.autodiff import topological_order
from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import CatalogueError, Phrase
from micrograd_mlp.viz.fonts import graphviz_fontname

__all__ = [
    "DOT_TIMEOUT",
    "NODE_COLORS",
    "DotFailedError",
    "DotNotFoundError",
    "DotNotFoundWarning",
    "draw_dot",
    "escape_label",
    "escape_text",
    "far_edges",
    "format_number",
    "node_role",
    "printable",
    "run_dot",
    "save_graph",
]

#: Fill colour of each kind of node (Graphviz colour names). Parameters light blue and the
#: output green as in torchviz; leaves that are not parameters (inputs, and the constants that
#: Python numbers in an expression become) yellow; values computed on the way white; operations
#: light grey; the "omitted" summary of a capped graph pink; constants (numbers mixed into an op)
#: grey.
NODE_COLORS = {
    "parameter": "lightblue",
    "input": "lightgoldenrod1",
    "constant": "gainsboro",
    "intermediate": "white",
    "output": "darkolivegreen1",
    "op": "lightgrey",
    "omitted": "mistyrose",
}

#: The longest Graphviz's ``dot`` may take for one picture, in seconds: beyond it, it is
#: stopped and :class:`DotFailedError` says so (the pictures the package draws take well under
#: a second; a graph whose layout would take minutes is refused, not waited for).
DOT_TIMEOUT = 60.0

#: The most ranks (columns, left to right) an edge may cross; a longer one, from a value used
#: again far down the graph (x in x+x+...+x), is drawn from a copy of the value beside its use
#: (a dashed box with its name). Graphviz's time grows with the square of the ranks its edges
#: cross: the 100-term x+x+...+x took it over a minute, now a fraction of a second.
FAR_SPAN = 8

_RANKDIRS = ("LR", "RL", "TB", "BT")
# Graphviz reads a backslash as an escape (\n, \N: the node's name) and &name; as an HTML
# entity in any label; doubled, or written &amp;, they are shown as typed.
_TEXT_SPECIALS = str.maketrans({"\\": "\\\\", "&": "&amp;"})
# Characters with a meaning inside a record label too; a backslash makes them literal.
_RECORD_SPECIALS = str.maketrans({c: "\\" + c for c in "{}|<>"})
# Control characters would end a line or vanish; lone surrogates cannot be written as UTF-8.
_UNPRINTABLE = dict.fromkeys(
    [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000)], "\ufffd"
)
_UNPRINTABLE.update({ord("\n"): " ", ord("\t"): " ", ord("\r"): " "})


class DotNotFoundWarning(UserWarning):
    """The Graphviz ``dot`` program is missing: only the DOT source was written."""


class DotNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is missing (``save_graph(..., on_missing_dot="raise")``)."""


class DotFailedError(CatalogueError, RuntimeError):
    """Graphviz's ``dot`` ran and failed: it crashed, exited with an error, or did not finish
    within :data:`DOT_TIMEOUT` seconds. The message is one line: what happened (the exit status
    or signal, and dot's own message if it wrote one) and what to try. Raised as
    ``DotFailedError(key, **fields)`` with a key of the ``errors`` catalogue."""


def run_dot(source: str, format: str, what: str, timeout: float | None = None) -> bytes:
    """Run Graphviz's ``dot`` on the DOT ``source`` and return its output in ``format``.

    Args:
        source: the graph in the DOT language (e.g. ``graphviz.Digraph.source``).
        format: the output format, e.g. ``"svg"``, ``"png"``.
        what: what dot is doing, for the error message (e.g. ``"rendering out/frame_000.png"``).
        timeout: seconds before dot is stopped (default: :data:`DOT_TIMEOUT`).

    Raises:
        DotNotFoundError: the ``dot`` program is not installed.
        DotFailedError: dot cannot be run, crashed, exited with an error or ran out of time.
    """
    timeout = DOT_TIMEOUT if timeout is None else timeout
    try:
        done = subprocess.run(
            ["dot", f"-T{format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise DotNotFoundError(
            "graphviz 'dot' executable not found (install Graphviz, e.g. 'apt-get install "
            "graphviz')"
        ) from None
    except subprocess.TimeoutExpired:
        raise DotFailedError("errors.dot.timeout", what=what, timeout=timeout) from None
    except OSError as e:
        raise DotFailedError("errors.dot.cannot_run", what=what, reason=e.strerror or e) from None
    if done.returncode != 0:
        raise _dot_failure(done.returncode, done.stderr, what)
    return done.stdout


def _dot_failure(status: int, stderr: bytes, what: str) -> DotFailedError:
    """One line: how dot ended (its exit status, or the signal that killed it), its message."""
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        how = Phrase("errors.dot.killed", name=name)
    else:
        how = Phrase("errors.dot.exit", status=status)
    lines = [" ".join(line.split()) for line in stderr.decode("utf-8", "replace").splitlines()]
    said = "; ".join(line for line in lines if line)
    if len(said) > 300:
        said = said[:299] + "…"
    told = Phrase("errors.dot.said", said=said) if said else Phrase("errors.dot.silent")
    return DotFailedError("errors.dot.failed", how=how, what=what, told=told)


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
    max_nodes: int | None = 250,
    params: Iterable[Value] | None = None,
    *,
    show_grad: bool = True,
    number_format: str = ".4g",
) -> graphviz.Digraph:
    """The computation graph behind ``root`` as a ``graphviz.Digraph``.

    Args:
        root: the Value to draw (usually a loss or a network output); drawn in the output colour.
        format: the Digraph's output format for ``.render()``/``.pipe()`` (``"svg"``, ``"png"``,
            ... any of ``graphviz.FORMATS``).
        rankdir: layout direction: ``"LR"`` (inputs left, output right), ``"RL"``, ``"TB"``,
            ``"BT"``.
        max_nodes: the most Value nodes to draw (a positive int), or None for no cap. When the
            graph has more, only the ``max_nodes`` Values nearest the output are drawn (fewest
            edges from ``root``, ties in operand order: a breadth-first search), plus one summary
            node saying how many Values were left out, with a dashed edge into every operation
            that lost an operand. Operation nodes do not count towards the cap.
        params: the parameters (e.g. ``model.parameters()``, or a ``Module`` itself), drawn light
            blue. Other leaves count as inputs/constants. With None, no node is a parameter.
        show_grad: include each Value's ``grad`` in its record.
        number_format: format spec for ``data`` and ``grad`` (default ``".4g"``: 4 significant
            digits, exponent notation when needed).

    Returns:
        A ``graphviz.Digraph``; in Jupyter it displays inline as SVG (``_repr_mimebundle_``).
        Save it with :func:`save_graph`.

    Raises:
        TypeError: ``root`` or an element of ``params`` is not a ``Value``.
        ValueError: unknown ``format`` or ``rankdir``, or ``max_nodes`` is not a positive int.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if format not in graphviz.FORMATS:
        raise ValueError(f"draw_dot: unknown format {format!r}; e.g. 'svg', 'png', 'pdf'")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_dot: unknown rankdir {rankdir!r}; expected one of {_RANKDIRS}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"draw_dot: max_nodes must be a positive int or None, got {max_nodes!r}")
    param_ids = _param_ids(params)

    order = topological_order(root)
    total = len(order)
    kept = _nearest(root, max_nodes) if max_nodes is not None and len(order) > max_nodes else None
    if kept is not None:
        order = [v for v in order if id(v) in kept]
    names = {id(v): f"v{i}" for i, v in enumerate(order)}
    # A Hangul label (e.g. the Korean shopping example) gets a Hangul font (viz/fonts.py).
    fontname = graphviz_fontname(v.label for v in order)

    dot = graphviz.Digraph(
        "computation_graph",
        format=format,
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": fontname, "fontsize": "11"},
    )
    lost_inputs: list[str] = []  # op nodes with at least one operand left out by the cap
    far = far_edges(order)
    for i, v in enumerate(order):
        name = names[id(v)]
        role = node_role(v, root, param_ids)
        if role == "constant":
            fields = ["constant", format_number(v.data, number_format)]
        else:
            fields = [escape_label(v.label)] if v.label else []
            fields.append(f"data {format_number(v.data, number_format)}")
            if show_grad:
                fields.append(f"grad {format_number(v.grad, number_format)}")
        dot.node(
            name,
            "{ " + " | ".join(fields) + " }",
            shape="record",
            style="filled",
            fillcolor=NODE_COLORS[role],
        )
        if v._children:
            op = f"{name}_op"
            dot.node(
                op,
                escape_text(v._op),  # not a record: only backslash and & are special
                shape="ellipse",
                style="filled",
                fillcolor=NODE_COLORS["op"],
                fontsize="10",
                height="0.3",
            )
            for k, child in enumerate(v._children):
                if (i, k) in far:  # a copy of the operand beside its use (FAR_SPAN)
                    copy = f"{name}_in{k}"
                    text = child.label or format_number(child.data, number_format)
                    dot.node(
                        copy,
                        escape_text(text),
                        shape="box",
                        style="filled,dashed",
                        fillcolor=NODE_COLORS[node_role(child, root, param_ids)],
                    )
                    dot.edge(copy, op)
                elif id(child) in names:
                    dot.edge(names[id(child)], op)
                elif not lost_inputs or lost_inputs[-1] != op:
                    lost_inputs.append(op)
            dot.edge(op, name)
    if lost_inputs:
        dot.node(
            "omitted",
            f"... {total - len(order):,} more values not shown\\n(max_nodes={max_nodes})",
            shape="box",
            style="filled,dashed",
            fillcolor=NODE_COLORS["omitted"],
        )
        for op in lost_inputs:
            dot.edge("omitted", op, style="dashed")
    return dot


def save_graph(
    dot: graphviz.Digraph,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    on_missing_dot: Literal["warn", "raise"] = "warn",
) -> Path:
    """Render ``dot`` to the image file ``path`` (written atomically; parent directories made).

    Args:
        dot: a graph from :func:`draw_dot` (any ``graphviz.Graph``/``Digraph`` works).
        path: where to write, e.g. ``"out/graph.svg"``. Without a suffix, ``.<format>`` is added.
        format: the image format; by default the suffix of ``path``, else ``dot.format``.
        on_missing_dot: when the Graphviz ``dot`` program is not installed, the DOT source is
            written to ``path`` with the suffix ``.gv`` instead (render it later with
            ``dot -Tsvg file.gv``), and then ``"warn"`` issues a :class:`DotNotFoundWarning`
            and returns the ``.gv`` path, ``"raise"`` raises :class:`DotNotFoundError`.

    Returns:
        The path written: the image, or the ``.gv`` source when ``dot`` is missing.

    Raises:
        ValueError: unknown format or ``on_missing_dot`` value.
        DotNotFoundError: ``dot`` is missing and ``on_missing_dot="raise"`` (the ``.gv`` is
            written first).
        DotFailedError: ``dot`` ran and failed: crashed, an error, or more than
            :data:`DOT_TIMEOUT` seconds (a ``RuntimeError``; the message says which, with dot's
            own message if any).
    """
    if on_missing_dot not in ("warn", "raise"):
        raise ValueError(f"on_missing_dot must be 'warn' or 'raise', got {on_missing_dot!r}")
    target = Path(path)
    if format is None:
        format = target.suffix[1:].lower() if target.suffix else dot.format
    if format not in graphviz.FORMATS:
        raise ValueError(f"save_graph: unknown format {format!r} for {target}")
    if not target.suffix:
        target = target.with_name(f"{target.name}.{format}")
    try:
        image = run_dot(dot.source, format, f"rendering {target}")
    except DotNotFoundError:
        source = atomic_write_bytes(target.with_suffix(".gv"), dot.source.encode("utf-8"))
        message = (
            f"graphviz 'dot' executable not found; wrote the DOT source to {source} "
            f"instead of {target} (install Graphviz, e.g. 'apt-get install graphviz', then run "
            f"'dot -T{format} {source} -o {target}')"
        )
        if on_missing_dot == "raise":
            raise DotNotFoundError(message) from None
        warnings.warn(message, DotNotFoundWarning, stacklevel=2)
        return source
    return atomic_write_bytes(target, image)


def _param_ids(params: Iterable[Value] | None) -> set[int]:
    """``id()`` of each parameter (Values compare by identity; ids avoid relying on that)."""
    if params is None:
        return set()
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a Module
    ids = set()
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"draw_dot: params must be Values, got a {type(p).__name__}")
        ids.add(id(p))
    return ids


def _nearest(root: Value, limit: int) -> set[int]:
    """``id()`` of the ``limit`` Values closest to ``root`` (breadth-first, operands in order)."""
    kept = {id(root)}
    queue = deque([root])
    while queue and len(kept) < limit:
        for child in queue.popleft()._children:
            if id(child) not in kept:
                kept.add(id(child))
                queue.append(child)
                if len(kept) == limit:
                    break
    return kept


def far_edges(order: list[Value]) -> set[tuple[int, int]]:
    """The edges of a picture of the graph ``order`` (a topological order, the output last)
    that would cross more than :data:`FAR_SPAN` ranks, as ``(i, k)``: operand ``k`` of
    ``order[i]``. Ranks are placed as late as the uses allow (each value just before its first
    use, its op one rank before it), as Graphviz's layout does for a value that one op uses;
    an operand that is not in ``order`` (left out by a cap) is no edge."""
    rank: dict[int, int] = {}
    for v in reversed(order):
        r = rank.setdefault(id(v), 0)
        for child in v._children:
            rank[id(child)] = min(rank.get(id(child), r - 2), r - 2)
    kept = {id(v) for v in order}
    return {
        (i, k)
        for i, v in enumerate(order)
        for k, child in enumerate(v._children)
        if id(child) in kept and rank[id(v)] - 1 - rank[id(child)] > FAR_SPAN
    }


def node_role(v: Value, root: Value, param_ids: set[int]) -> str:
    """The key of ``v`` in :data:`NODE_COLORS`: output, parameter, constant, intermediate, input."""
    if v is root:
        return "output"
    if id(v) in param_ids:
        return "parameter"
    if type(v) is Constant:
        return "constant"
    return "intermediate" if v._children else "input"


def format_number(x: float | None, spec: str) -> str:
    """``x`` (a float) formatted with the format spec ``spec`` (e.g. ``".4g"``) for a label or
    trace; ``-0.0`` (e.g. the grad of an unused input) is shown as ``0``, and ``None`` (a grad
    no backward pass has set yet) as ``None``.

    Raises:
        ValueError: ``spec`` is not a valid format spec for a float.
    """
    if x is None:
        return "None"
    return format(0.0 if x == 0.0 else x, spec)


def printable(text: str) -> str:
    """``text`` with what cannot be shown on one line replaced: line breaks and tabs by a space,
    other control characters and lone surrogates (which UTF-8 cannot encode) by U+FFFD."""
    return text.translate(_UNPRINTABLE)


def escape_text(text: str) -> str:
    """``text`` (a str) for a Graphviz label that is not a record (an op, an edge, a title):
    shown as typed. A backslash is doubled (Graphviz reads ``\\N`` as the node's name), ``&``
    is written ``&amp;`` (Graphviz reads ``&lt;`` as ``<``), and what :func:`printable` replaces
    is replaced."""
    return printable(text).translate(_TEXT_SPECIALS)


def escape_label(text: str) -> str:
    """``text`` (a str) for one field of a Graphviz record label, shown as typed: what
    :func:`escape_text` escapes, and the record's specials (``{ } | < >``) made literal by a
    backslash, so a user's label cannot split or restructure a record node.

    In a label with non-ASCII characters, spaces become no-break spaces: Graphviz (2.43) drops
    a space that follows a multi-byte character in a record label ("사과 가격" would read
    "사과가격"), escaped or not."""
    escaped = escape_text(text).translate(_RECORD_SPECIALS)
    return escaped if escaped.isascii() else escaped.replace(" ", "\u00a0")
