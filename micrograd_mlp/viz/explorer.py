"""An interactive backward-pass explorer: one self-contained HTML page for any ``Value`` graph.

The page steps through

1. the **forward pass**: each node's ``data`` appears in evaluation order (the engine's
   topological order, inputs first), with the local derivatives the op stores for later;
2. the **backward pass**, in the engine's own order (:func:`~micrograd_mlp.viz.backprop.
   backward_steps`, the observer of the one backward routine): the node being processed is
   highlighted, every edge to one of its children shows ``upstream × local = contribution``, and
   a child used several times shows its running sum (``+=``, contribution k of n);
3. optionally (``params`` and ``lr`` given) the **SGD update** of every parameter,
   ``p ← p − lr × grad``, one step per parameter, and (``forward`` given) the output computed
   again with the updated parameters.

The view starts, and "fit" returns, to the whole graph when it fits at a readable size, else to
that size, panned to the step's node and operands and, as far as it fits, the output. An operand
used far from where it is drawn is drawn again, dashed, beside that use.

Clicking a node opens a panel with its op, data, final gradient and the chain-rule expansion
``d out/d node = Σ over its uses  d out/d parent × d parent/d node``, with the numbers.

The graph is laid out by Graphviz when the page is built and embedded as inline SVG; the
JavaScript and CSS (``viz/assets/explorer.js``, ``explorer.css``) are inlined too, so the page
loads nothing and opens from disk in any modern browser. All numbers on the page are computed in
Python from the engine's graph and the backward observer; the page only replays them. It also
exposes a small testing contract, ``window.explorer = {steps, go(i), current(), fit()}``, where
``current()`` returns ``{index, phase, node, grads, data}`` (``grads``: node name -> gradient
shown at that step; ``data``: node name -> value shown).

Names on the page: a node's label; a number mixed into an op (a constant) its number; the
unlabelled output ``out``; another unlabelled node its formula from its operands' names
(:func:`~micrograd_mlp.expression.formula_name`: ``x*y``, ``tanh(…)``). Every text reaches the
page as data, never as markup: labels, titles and formulas are shown as typed, whatever they
hold (``</script>``, ``<!--``, quotes, Hangul).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

import graphviz

from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.expression import as_term, formula_name
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import message, resolve_lang
from micrograd_mlp.validation import nonnegative_real, positive_int
from micrograd_mlp.viz.backprop import BackwardStep, backward_steps
from micrograd_mlp.viz.backprop_frames import STEP_COLORS
from micrograd_mlp.viz.fonts import graphviz_fontname
from micrograd_mlp.viz.graph import (
    NODE_COLORS,
    escape_label,
    escape_text,
    far_edges,
    format_number,
    printable,
    run_dot,
)

__all__ = ["Explorer", "explorer", "save_explorer"]

_RANKDIRS = ("LR", "RL", "TB", "BT")
# The page's own words (buttons, labels; the catalogue keys explorer.ui.<key>) and node kinds.
_UI_KEYS = (
    "first", "prev", "prev_title", "next", "next_title", "last", "play", "pause", "play_title",
    "slider", "speed", "slow", "normal", "fast", "very_fast", "counter", "phase_step", "forward",
    "backward", "update", "zoom_in", "zoom_out", "fit", "fit_title", "follow", "follow_title",
    "hint", "kind", "op", "data", "final_grad", "chain_rule", "close", "leaf", "no_grad",
    "legend_input", "legend_current", "legend_copy", "copy_title", "edge_local",
)  # fmt: skip
# The characters that could end or comment out the page's <script> (or a JavaScript string),
# written as JSON escapes: data is never markup, whatever a label holds.
_SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_KINDS = ("input", "parameter", "constant", "intermediate", "output")


class Explorer:
    """The explorer page of ``root``'s graph; shows inline in Jupyter (``_repr_html_``).

    Args:
        root: the output ``Value`` (a loss, a neuron's output, a formula).
        params: the parameters (e.g. ``model.parameters()`` or a ``Module``), drawn light blue;
            other leaves are inputs (or constants, when the engine marks them as such).
        lr: the learning rate (a real number >= 0) of the SGD update steps shown after the
            backward pass (``p ← p − lr × grad`` for every parameter); needs ``params``. None: no
            update steps.
        forward: with ``lr``: a function of no arguments that runs the forward pass again and
            returns the output (a ``Value`` or a number), e.g. ``lambda: loss_fn(model(x), y)``.
            The page then ends with the output after the update: ``forward`` is called with
            every parameter's ``data`` set to its updated value (restored afterwards).
        title: the page's heading (default: ``"Forward and backward pass of <root> = <formula>"``).
        rankdir: layout direction: ``"LR"`` (inputs left, output right), ``"RL"``, ``"TB"``,
            ``"BT"``.
        number_format: format spec for the numbers shown (default ``".4g"``); the numbers
            reported by ``window.explorer.current()`` are the exact floats.
        max_nodes: refuse graphs with more Values than this (a positive int; default 400: a
            page for a big MLP would be unreadable and slow to lay out).
        lang: the language of the page's text (``"en"``, ``"ko"``; None: ``$MICROGRAD_MLP_LANG``,
            else English), from the message catalogue; labels are shown as given.

    Attributes:
        html: the complete HTML document (str).
        steps: the number of steps the page steps through (int).
        phase_counts: the number of steps of each phase, ``{"forward": ..., "backward": ...,
            "update": ...}`` (the backward count includes the seed step).
        lang: the page's language (str).
        names: the name each node has on the page, in evaluation order (list of str; unique,
            except that constants of the same value share their number).

    Raises:
        TypeError: ``root`` or an element of ``params`` is not a ``Value``; ``lr`` is not a
            number; ``title`` is not a str; ``forward`` is not callable or returns no number.
        ValueError: ``lr`` without ``params`` or negative, ``forward`` without ``lr``, unknown
            ``rankdir`` or ``lang``, bad ``number_format``, a parameter not in the graph, or
            more than ``max_nodes`` Values.
        OverflowError: the update or ``forward`` gives a number beyond float64.
        DotNotFoundError: the Graphviz ``dot`` program is not installed (no page is made).
        DotFailedError: ``dot`` ran and failed (crashed, an error, or out of time; a
            ``RuntimeError`` whose message says which).
    """

    def __init__(
        self,
        root: Value,
        *,
        params: Iterable[Value] | None = None,
        lr: float | None = None,
        forward: Callable[[], Value | float] | None = None,
        title: str | None = None,
        rankdir: str = "LR",
        number_format: str = ".4g",
        max_nodes: int = 400,
        lang: str | None = None,
    ) -> None:
        lang = resolve_lang(lang)
        if not isinstance(root, Value):
            raise TypeError(f"explorer: root must be a Value, got {type(root).__name__}")
        if rankdir not in _RANKDIRS:
            raise ValueError(f"explorer: unknown rankdir {rankdir!r}; expected one of {_RANKDIRS}")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"explorer: title must be a str, got {type(title).__name__}")
        max_nodes = positive_int("max_nodes", max_nodes)
        format_number(1.0, number_format)  # a bad spec raises ValueError here, not mid-build
        order = root.topological_order()
        if len(order) > max_nodes:
            raise ValueError(
                f"explorer: the graph has {len(order)} Values, more than max_nodes={max_nodes}; "
                "explore a smaller graph (e.g. one sample through a small MLP) or raise max_nodes"
            )
        param_list = _params(params)
        if lr is not None:
            if not param_list:
                raise ValueError("explorer: lr needs params (the parameters to update)")
            lr = nonnegative_real("lr", lr)
        if forward is not None:
            if lr is None:
                raise ValueError("explorer: forward needs lr (the update it shows the effect of)")
            if not callable(forward):
                raise TypeError(f"explorer: forward must be callable, got {type(forward).__name__}")
        model = _Model(root, order, param_list, lr, number_format, lang, forward)
        self.lang = lang
        self.names = [node["name"] for node in model.nodes]
        self.steps = len(model.steps)
        self.phase_counts = {
            phase: sum(s["phase"] == phase for s in model.steps)
            for phase in ("forward", "backward", "update")
        }
        svg, colors = _svg(model, rankdir)
        data = {
            "title": printable(title) if title is not None else model.title(),
            "out": model.out,
            "nodes": model.nodes,
            "steps": model.steps,
            "lang": lang,
            "ui": {key: _template(f"explorer.ui.{key}", lang) for key in _UI_KEYS},
            "kinds": {kind: message(f"explorer.kind.{kind}", lang) for kind in _KINDS},
        }
        self.html = _page(data, svg, colors)

    def __repr__(self) -> str:
        return (
            f"Explorer(root={self.names[-1]!r}, nodes={len(self.names)}, steps={self.steps}, "
            f"lang={self.lang!r})"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` atomically (parent directories are made); returns it."""
        return atomic_write_bytes(path, self.html.encode("utf-8"))

    def _repr_html_(self) -> str:
        """The page in an ``<iframe srcdoc>``, so several explorers in a notebook do not mix."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #ccc" '
            'title="backward-pass explorer"></iframe>'
        )


def explorer(root: Value, **options) -> str:
    """The explorer page of ``root`` as a complete HTML document (str, UTF-8 text).

    ``options`` are those of :class:`Explorer` (``params``, ``lr``, ``forward``, ``title``,
    ``rankdir``, ``number_format``, ``max_nodes``, ``lang``); so are the errors raised.
    """
    return Explorer(root, **options).html


def save_explorer(root: Value, path: str | os.PathLike[str], **options) -> Path:
    """Write the explorer page of ``root`` to ``path`` (atomically; parent directories made).

    ``options`` are those of :class:`Explorer`. The page is complete before anything is
    written: without ``dot`` a :class:`~micrograd_mlp.viz.graph.DotNotFoundError` is raised and
    no file is made.

    Returns:
        The path written (a ``pathlib.Path``).
    """
    return Explorer(root, **options).save(path)


# ----------------------------------------------------------------------------- the model
class _Model:
    """Everything the page shows, as JSON-ready dicts: the nodes and the steps."""

    def __init__(
        self,
        root: Value,
        order: list[Value],
        params: list[Value],
        lr: float | None,
        number_format: str,
        lang: str,
        forward: Callable[[], Value | float] | None = None,
    ) -> None:
        self.spec = number_format
        self.lang = lang
        self.order = order
        self.index = {id(v): i for i, v in enumerate(order)}
        for p in params:
            if id(p) not in self.index:
                raise ValueError("explorer: a parameter in params is not part of root's graph")
        self.trace = trace = backward_steps(root)
        self.names = self._page_names(root)
        self.out = self.names[-1]
        param_ids = {id(p) for p in params}
        formulas = {  # from the operands' page names, whole: name = formula = value
            i: formula_name(v._op, [self.names[self.index[id(c)]] for c in v._children], 10**6)
            for i, v in enumerate(order)
            if v._children
        }
        self.final: dict[int, float] = {self.index[id(root)]: 1.0}
        self.uses: dict[int, list[tuple[BackwardStep, int, object]]] = {}
        # Constants (numbers mixed into an op) keep no gradient; the observer says which.
        self.constants = {i for i, v in enumerate(order) if type(v) is Constant and v is not root}
        for step in trace:
            for pos, u in zip(self._positions(step), step.children):
                j = self.index[id(u.child)]
                if j not in self.constants:
                    self.final[j] = u.grad_after
                    self.uses.setdefault(j, []).append((step, pos, u))
        self.nodes = [
            self._node(i, v, root, param_ids, formulas.get(i)) for i, v in enumerate(order)
        ]
        self.steps = (
            self._forward() + self._backward(root) + self._update(params, lr, root, forward)
        )

    def num(self, x: float) -> str:
        return format_number(x, self.spec)

    def t(self, key: str, **fields: object) -> str:
        """The learner-facing text ``key`` of the message catalogue, in the page's language."""
        return message(key, self.lang, **fields)

    def term(self, i: int) -> str:
        """Node ``i``'s name as it reads in ``d out/d name``: ``(x*y)``, ``x``."""
        return as_term(self.names[i])

    def title(self) -> str:
        return self.t("explorer.title", what=self._what(len(self.nodes) - 1))

    def _what(self, i: int) -> str:
        """``name = formula`` of node ``i`` (``out = (x + y)*x``), or its name when the two
        read the same (a node named by its formula, ``x*y``) or it is a leaf."""
        name, formula = self.names[i], self.nodes[i]["formula"]
        return f"{name} = {formula}" if formula and formula != name else name

    def _page_names(self, root: Value) -> list[str]:
        """The name of each node on the page (see the module's docstring)."""
        names: list[str] = []
        taken: set[str] = set()
        numbers = {self._constant_name(v) for v in self.order if type(v) is Constant}
        unnamed = 0
        for v in self.order:
            if type(v) is Constant and v is not root:
                names.append(self._constant_name(v))
                continue
            mark = "#"  # a label used twice: x, x#2 (as backward_steps names them)
            if v.label:
                base = printable(v.label)
            elif v is root:
                base = "out"
            elif v._children:
                base = formula_name(v._op, [names[self.index[id(c)]] for c in v._children])
                mark = " #"  # "… + x" twice: "… + x", "… + x #2"
            else:
                unnamed += 1
                base = f"v{unnamed}"
            name, k = base, 1
            while name in taken or name in numbers:
                k += 1
                name = f"{base}{mark}{k}"
            taken.add(name)
            names.append(name)
        return names

    def _constant_name(self, v: Value) -> str:
        return printable(v.label) if v.label else self.num(v.data)

    def _positions(self, step: BackwardStep) -> list[int]:
        """The operand position of each of ``step``'s child updates (``x * x``: 0 and 1)."""
        free = list(range(len(step.node._children)))
        positions = []
        for u in step.children:
            pos = next(p for p in free if step.node._children[p] is u.child)
            free.remove(pos)
            positions.append(pos)
        return positions

    def _node(
        self, i: int, v: Value, root: Value, param_ids: set[int], formula: str | None
    ) -> dict:
        if v is root:
            kind = "output"
        elif id(v) in param_ids:
            kind = "parameter"
        elif v._children:
            kind = "intermediate"
        else:
            kind = "constant" if i in self.constants else "input"
        final = self.final.get(i)
        return {
            "name": self.names[i],
            "kind": kind,
            "op": v._op,
            "formula": formula or "",
            "data": v.data,
            "dataText": self.num(v.data),
            "grad": final,
            "gradText": None if final is None else self.num(final),
            "children": [self.index[id(c)] for c in v._children],
            "locals": [self.num(x) for x in v._local_grads],
            "chain": self._chain(i, root),
            "copies": [],  # SVG ids of the copies drawn beside far uses (filled by _svg)
        }

    def _chain(self, i: int, root: Value) -> list[str]:
        """The chain-rule expansion of d out/d node, as lines of text."""
        out, name = as_term(self.out), self.term(i)
        if self.order[i] is root:
            return [self.t("explain.seed", out=out)]
        uses = self.uses.get(i, [])
        if not uses:
            return [self.t("explorer.chain.constant", name=self.names[i])]
        # The local derivative is a partial one (the op's own formula): written with ∂, so
        # d out/d out × ∂out/∂x (x used directly by out) does not read like the total d out/d x.
        parents = [self.term(self.index[id(s.node)]) for s, _, _ in uses]
        terms = [f"d {out}/d {parent} × ∂{parent}/∂{name}" for parent in parents]
        numbers = [f"{self.num(s.upstream)} × {self.num(u.local_grad)}" for s, _, u in uses]
        lines = [f"d {out}/d {name} = " + " + ".join(terms), "= " + " + ".join(numbers)]
        if len(uses) > 1:
            lines.append("= " + " + ".join(self.num(u.product) for _, _, u in uses))
        lines.append(f"= {self.num(uses[-1][2].grad_after)}")
        if len(uses) > 1:
            lines.append(self.t("explorer.chain.uses", name=self.names[i], n=len(uses)))
        lines.append(self.t("explorer.chain.local", parent=parents[0], name=name))
        return lines

    def _forward(self) -> list[dict]:
        steps = []
        for i, v in enumerate(self.order):
            node = self.nodes[i]
            name, kind = node["name"], node["kind"]
            if not v._children:
                key = kind if kind in ("parameter", "constant") else "input"
                lines = [self.t(f"explorer.leaf.{key}", name=name, data=node["dataText"])]
            else:
                operands = ", ".join(
                    f"{self.names[c]} = {self.nodes[c]['dataText']}" for c in node["children"]
                )
                locals_ = ", ".join(
                    f"∂{self.term(i)}/∂{self.term(c)} = {text}"
                    for c, text in zip(node["children"], node["locals"])
                )
                lines = [
                    f"{self._what(i)} = {node['dataText']}",
                    self.t("explorer.forward.with", operands=operands),
                    self.t("explorer.forward.locals", locals=locals_),
                ]
            steps.append({"phase": "forward", "node": i, "lines": lines})
        return steps

    def _backward(self, root: Value) -> list[dict]:
        out = as_term(self.out)
        r = self.index[id(root)]
        steps = [
            {
                "phase": "backward",
                "node": r,
                "seed": True,
                "lines": [
                    self.t("explorer.seed", out=out),
                    self.t("explorer.seed.order"),
                ],
            }
        ]
        for step in self.trace:
            i = self.index[id(step.node)]
            up = self.num(step.upstream)
            lines = [
                self.t(
                    "explorer.step.complete", what=self._what(i), out=out, name=self.term(i),
                    upstream=up,
                ),  # fmt: skip
                self.t("explorer.step.passes"),
            ]
            updates = []
            for pos, u in zip(self._positions(step), step.children):
                j = self.index[id(u.child)]
                sign = "=" if u.contributions == 1 else "+="
                line = (
                    f"d {out}/d {self.term(j)} {sign} {up} × {self.num(u.local_grad)} "
                    f"= {self.num(u.product)}"
                )
                if j in self.constants:
                    line += self.t("explain.constant")
                elif u.contributions > 1:
                    line += self.t(
                        "explorer.step.use",
                        k=u.contribution,
                        n=u.contributions,
                        total=self.num(u.grad_after),
                    )
                lines.append(line)
                updates.append(
                    {
                        "child": j,
                        "edge": f"e{i}_{pos}",
                        "product": u.product,
                        "after": u.grad_after,
                        "afterText": self.num(u.grad_after),
                        "label": f"{up} × {self.num(u.local_grad)} = {self.num(u.product)}",
                        "k": u.contribution,
                        "n": u.contributions,
                        "constant": j in self.constants,
                    }
                )
            steps.append({"phase": "backward", "node": i, "lines": lines, "updates": updates})
        return steps

    def _update(
        self,
        params: list[Value],
        lr: float | None,
        root: Value,
        forward: Callable[[], Value | float] | None,
    ) -> list[dict]:
        if lr is None:
            return []
        steps = []
        for p in params:
            i = self.index[id(p)]
            name, grad = self.names[i], self.final.get(i, 0.0)
            # The arithmetic of optim.SGD without momentum or weight decay: p + grad * -lr.
            after = p.data + grad * -lr
            if not math.isfinite(after):
                raise OverflowError(
                    f"explorer: the update of {name} gives {after!r}, beyond the range of "
                    "float64: choose a smaller lr"
                )
            text = self.num(after)
            rule = f"{name} ← {name} − lr × grad = {self.num(p.data)} − {self.num(lr)} × "
            lines = [f"{rule}{self.num(grad)} = {text}", self.t("explorer.update.why")]
            steps.append(
                {"phase": "update", "node": i, "after": after, "afterText": text, "lines": lines}
            )
        if forward is not None:
            steps.append(self._after(params, steps, root, forward))
        return steps

    def _after(
        self, params: list[Value], updates: list[dict], root: Value, forward: Callable
    ) -> dict:
        """The last step: the output computed again with the updated parameters."""
        saved = [p.data for p in params]
        try:
            for p, step in zip(params, updates):
                p.data = step["after"]
            result = forward()
        finally:
            for p, data in zip(params, saved):
                p.data = data
        value = result.data if isinstance(result, Value) else result
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(
                f"explorer: forward must return a Value or a number, got {type(result).__name__}"
            )
        value = float(value)
        if not math.isfinite(value):
            raise OverflowError(
                f"explorer: the output after the update is {value!r}, beyond the range of "
                "float64: choose a smaller lr"
            )
        before, text, change = self.num(root.data), self.num(value), value - root.data
        key = "lower" if change < 0 else ("higher" if change > 0 else "same")
        lines = [
            self.t("explorer.update.after", out=self.out, before=before, after=text),
            self.t(f"explorer.update.{key}", out=self.out, change=self.num(abs(change))),
        ]
        r = self.index[id(root)]
        return {"phase": "update", "node": r, "after": value, "afterText": text, "lines": lines}


def _template(key: str, lang: str) -> str:
    """The catalogue text ``key`` with its ``{fields}`` left in (the page's script fills them)."""
    names = {"k", "n", "name", "local"}  # the fields the page's templates use (see explorer.js)
    return message(key, lang, **{name: f"{{{name}}}" for name in names})


def _params(params: Iterable[Value] | None) -> list[Value]:
    if params is None:
        return []
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a Module
    found, seen = [], set()
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"explorer: params must be Values, got a {type(p).__name__}")
        if id(p) not in seen:
            seen.add(id(p))
            found.append(p)
    return found


def _is_constant(update: object) -> bool:
    """Whether the backward observer marks a child as a constant (``ChildUpdate.constant``)."""
    return bool(getattr(update, "constant", False))


# ----------------------------------------------------------------------------- drawing
def _svg(model: _Model, rankdir: str) -> tuple[str, dict[str, str]]:
    """The graph laid out by Graphviz, as an inline ``<svg>`` element (str).

    Each Value is a record ``name | data | grad`` with the SVG id ``n<i>`` (``i`` its position
    in evaluation order), its operation an ellipse ``n<i>op``, the edge from operand ``k`` to
    it ``e<i>_<k>``. An operand used far from where it is drawn (more than ``FAR_SPAN`` ranks
    away: x in x+x+...+x) is drawn again beside that use, as a dashed box ``n<c>c<i>_<k>`` with
    its name, and the edge starts there: Graphviz's time grows with the square of the ranks an
    edge crosses. The labels laid out are the longest texts the page will show, so the page's
    changing texts fit. Also returns the CSS colours of the roles and step highlights.
    """
    # Graphviz measures the labels with this font; a Hangul label needs a Hangul font.
    font = graphviz_fontname(node["name"] for node in model.nodes)
    # nslimit bounds the network-simplex passes that place nodes across ranks (at most 5 x the
    # node count). Small graphs settle long before it and come out the same.
    dot = graphviz.Digraph(
        "explorer",
        graph_attr={
            "rankdir": rankdir, "bgcolor": "transparent", "nodesep": "0.25", "ranksep": "0.3",
            "nslimit": "5",
        },
        node_attr={"fontname": font, "fontsize": "14"},
        edge_attr={"fontname": font, "fontsize": "12"},
    )
    labels: dict[str, str] = {}
    for s in model.steps:
        for u in s.get("updates", ()):
            labels[u["edge"]] = u["label"]
    fill = dict(NODE_COLORS, constant=NODE_COLORS["input"])
    far = far_edges(model.order)
    for i, node in enumerate(model.nodes):
        data = f"data {node['dataText']}"
        longest_after = max(
            (s["afterText"] for s in model.steps if s["phase"] == "update" and s["node"] == i),
            key=len,
            default=None,
        )
        if longest_after is not None:
            data += f" → {longest_after}"
        grads = [
            u["afterText"] for s in model.steps for u in s.get("updates", ()) if u["child"] == i
        ] or ["1"]
        grad = (
            "grad none (constant)" if i in model.constants else f"grad {max(grads, key=len)} (9/9)"
        )
        fields = [escape_label(node["name"]), escape_label(data), escape_label(grad)]
        sep = " | " if rankdir in ("LR", "RL") else None
        label = sep.join(fields) if sep else "{ " + " | ".join(fields) + " }"
        dot.node(
            f"n{i}",
            label,
            id=f"n{i}",
            shape="record",
            style="filled",
            fillcolor=fill[node["kind"]],
        )
        if node["children"]:
            op = f"n{i}op"
            dot.node(
                op,
                escape_text(node["op"]),
                id=op,
                shape="ellipse",
                style="filled",
                fillcolor=NODE_COLORS["op"],
                fontsize="13",
                height="0.35",
            )
            for k, c in enumerate(node["children"]):
                edge = f"e{i}_{k}"
                text = labels.get(edge, model.t("explorer.ui.edge_local", local=node["locals"][k]))
                start = f"n{c}"
                if (i, k) in far:
                    start = f"n{c}c{i}_{k}"
                    model.nodes[c]["copies"].append(start)
                    dot.node(
                        start,
                        escape_text(model.nodes[c]["name"]),
                        id=start,
                        shape="box",
                        style="filled,dashed",
                        fillcolor=fill[model.nodes[c]["kind"]],
                    )
                dot.edge(start, op, id=edge, label=escape_text(text))
            dot.edge(op, f"n{i}", id=f"e{i}o")
    what = f"laying out the explorer's graph of {len(model.nodes)} values"
    svg = run_dot(dot.source, "svg", what).decode("utf-8")
    svg = svg[svg.index("<svg") :]
    # The page sizes the picture itself (viewBox zoom and pan): drop the fixed size in pt.
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg id="graph"', svg, count=1)
    return svg, _css_colors()


def _css_colors() -> dict[str, str]:
    """NODE_COLORS and STEP_COLORS as CSS colours: Graphviz's X11 names (``grey60``,
    ``lightgoldenrod1``) are not CSS names, so Graphviz itself says what they are in SVG."""
    wanted = {**NODE_COLORS, **STEP_COLORS}
    probe = graphviz.Digraph()
    for key, color in wanted.items():
        probe.node(key, id=f"c_{key}", shape="box", style="filled", fillcolor=color)
    svg = run_dot(probe.source, "svg", "naming the page's colours").decode("utf-8")
    found = dict(
        re.findall(
            r'<g id="c_([\w]+)" class="node">\s*<title>[^<]*</title>\s*'
            r'<polygon fill="([^"]+)"',
            svg,
        )
    )
    return {key: found.get(key, color) for key, color in wanted.items()}


# ----------------------------------------------------------------------------- the page
def _asset(name: str) -> str:
    return resources.files("micrograd_mlp.viz").joinpath("assets", name).read_text("utf-8")


def _page(data: dict, svg: str, colors: dict[str, str]) -> str:
    """The HTML document: the template with the CSS, the SVG, the data and the JS inlined."""
    root_vars = ":root { " + " ".join(f"--{k}: {v};" for k, v in colors.items()) + " }\n"
    # The data is a JavaScript literal (NaN and Infinity allowed). < > & and the JavaScript line
    # separators occur only inside its strings, written as \u escapes there: no label can end
    # the script ("</script>") or turn it into an HTML comment ("<!--<script>").
    literal = json.dumps(data, ensure_ascii=False, allow_nan=True).translate(_SCRIPT_SAFE)
    parts = {
        "{{TITLE}}": html.escape(data["title"]),
        "{{LANG}}": data["lang"],
        **{f"{{{{ui:{key}}}}}": html.escape(text) for key, text in data["ui"].items()},
        **{f"{{{{kind:{key}}}}}": html.escape(text) for key, text in data["kinds"].items()},
        "{{CSS}}": root_vars + _asset("explorer.css"),
        "{{SVG}}": svg,
        "{{DATA}}": literal,
        "{{JS}}": _asset("explorer.js"),
    }
    page = _asset("explorer.html")
    # One pass, so a marker inside the inserted text (a label, the SVG) is never replaced.
    return re.sub("|".join(re.escape(k) for k in parts), lambda m: parts[m.group(0)], page)
