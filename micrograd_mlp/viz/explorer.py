"""An interactive backward-pass explorer: one self-contained HTML page for any ``Value`` graph.

The page steps through

1. the **forward pass**: each node's ``data`` appears in evaluation order (the engine's
   topological order, inputs first), with the local derivatives the op stores for later;
2. the **backward pass**, in the engine's own order (:func:`~micrograd_mlp.viz.backprop.
   backward_steps`, the observer of the one backward routine): the node being processed is
   highlighted, every edge to one of its children shows ``upstream × local = contribution``, and
   a child used several times shows its running sum (``+=``, contribution k of n);
3. optionally (``params`` and ``lr`` given) the **SGD update** of every parameter,
   ``p ← p − lr × grad``, one step per parameter.

Clicking a node opens a panel with its op, data, final gradient and the chain-rule expansion
``d out/d node = Σ over its uses  d out/d parent × d parent/d node``, with the numbers.

The graph is laid out by Graphviz when the page is built and embedded as inline SVG; the
JavaScript and CSS (``viz/assets/explorer.js``, ``explorer.css``) are inlined too, so the page
loads nothing and opens from disk in any modern browser. All numbers on the page are computed in
Python from the engine's graph and the backward observer; the page only replays them. It also
exposes a small testing contract, ``window.explorer = {steps, go(i), current()}``, where
``current()`` returns ``{index, phase, node, grads, data}`` (``grads``: node name -> gradient
shown at that step; ``data``: node name -> value shown).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import graphviz

from micrograd_mlp.engine import Value
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import message, resolve_lang
from micrograd_mlp.validation import nonnegative_real, positive_int
from micrograd_mlp.viz.backprop import BackwardStep, backward_steps
from micrograd_mlp.viz.backprop_frames import STEP_COLORS
from micrograd_mlp.viz.fonts import graphviz_fontname
from micrograd_mlp.viz.graph import NODE_COLORS, DotNotFoundError, escape_label, format_number

__all__ = ["Explorer", "explorer", "save_explorer"]

_RANKDIRS = ("LR", "RL", "TB", "BT")
# The page's own words (buttons, labels; the catalogue keys explorer.ui.<key>) and node kinds.
_UI_KEYS = (
    "first", "prev", "prev_title", "next", "next_title", "last", "play", "pause", "play_title",
    "slider", "speed", "slow", "normal", "fast", "very_fast", "counter", "phase_step", "forward",
    "backward", "update", "zoom_in", "zoom_out", "fit", "fit_title", "follow", "follow_title",
    "hint", "kind", "op", "data", "final_grad", "chain_rule", "close", "leaf", "no_grad",
    "legend_input", "legend_current",
)  # fmt: skip
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
        names: the name each node has on the page, in evaluation order (list of str; the names
            of :func:`~micrograd_mlp.viz.backprop.backward_steps`).

    Raises:
        TypeError: ``root`` or an element of ``params`` is not a ``Value``; ``lr`` is not a
            number.
        ValueError: ``lr`` without ``params`` or negative, unknown ``rankdir`` or ``lang``, bad
            ``number_format``, a parameter not in the graph, or more than ``max_nodes`` Values.
        DotNotFoundError: the Graphviz ``dot`` program is not installed (no page is made).
        RuntimeError: ``dot`` ran and failed.
    """

    def __init__(
        self,
        root: Value,
        *,
        params: Iterable[Value] | None = None,
        lr: float | None = None,
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
        model = _Model(root, order, param_list, lr, number_format, lang)
        self.lang = lang
        self.names = [node["name"] for node in model.nodes]
        self.steps = len(model.steps)
        self.phase_counts = {
            phase: sum(s["phase"] == phase for s in model.steps)
            for phase in ("forward", "backward", "update")
        }
        svg, colors = _svg(model, rankdir)
        data = {
            "title": title if title is not None else model.title(),
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

    ``options`` are those of :class:`Explorer` (``params``, ``lr``, ``title``, ``rankdir``,
    ``number_format``, ``max_nodes``, ``lang``); so are the errors raised.
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
    ) -> None:
        self.spec = number_format
        self.lang = lang
        self.order = order
        self.index = {id(v): i for i, v in enumerate(order)}
        for p in params:
            if id(p) not in self.index:
                raise ValueError("explorer: a parameter in params is not part of root's graph")
        trace = backward_steps(root)
        self.trace = trace
        names = {id(s.node): s.name for s in trace}
        names.update({id(u.child): u.name for s in trace for u in s.children})
        self.names = [names.get(id(v), "") for v in order]
        self._name_the_rest(root)
        self.out = self.names[-1]
        param_ids = {id(p) for p in params}
        formulas = {id(s.node): s.formula for s in trace}
        self.final: dict[int, float] = {self.index[id(root)]: 1.0}
        self.uses: dict[int, list[tuple[BackwardStep, int, object]]] = {}
        # Constants (numbers mixed into an op) keep no gradient; the observer says which.
        self.constants = {
            self.index[id(u.child)] for s in trace for u in s.children if _is_constant(u)
        }
        for step in trace:
            for pos, u in zip(self._positions(step), step.children):
                j = self.index[id(u.child)]
                if j not in self.constants:
                    self.final[j] = u.grad_after
                    self.uses.setdefault(j, []).append((step, pos, u))
        self.nodes = [
            self._node(i, v, root, param_ids, formulas.get(id(v))) for i, v in enumerate(order)
        ]
        self.steps = self._forward() + self._backward(root) + self._update(params, lr)

    def num(self, x: float) -> str:
        return format_number(x, self.spec)

    def t(self, key: str, **fields: object) -> str:
        """The learner-facing text ``key`` of the message catalogue, in the page's language."""
        return message(key, self.lang, **fields)

    def title(self) -> str:
        root = self.nodes[-1]
        what = f"{self.out} = {root['formula']}" if root["formula"] else self.out
        return self.t("explorer.title", what=what)

    def _name_the_rest(self, root: Value) -> None:
        """Names for nodes the backward trace does not name (a leaf root, constants)."""
        taken = set(self.names)
        for i, v in enumerate(self.order):
            if self.names[i]:
                continue
            base = v.label or ("out" if v is root else self.num(v.data))
            name, k = base, 1
            while name in taken:
                k += 1
                name = f"{base}#{k}"
            taken.add(name)
            self.names[i] = name

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
        }

    def _chain(self, i: int, root: Value) -> list[str]:
        """The chain-rule expansion of d out/d node, as lines of text."""
        out, name = self.out, self.names[i]
        if self.order[i] is root:
            return [self.t("explain.seed", out=out)]
        uses = self.uses.get(i, [])
        if not uses:
            return [self.t("explorer.chain.constant", name=name)]
        # The local derivative is a partial one (the op's own formula): written with ∂, so
        # d out/d out × ∂out/∂x (x used directly by out) does not read like the total d out/d x.
        terms = [f"d {out}/d {s.name} × ∂{s.name}/∂{name}" for s, _, _ in uses]
        numbers = [f"{self.num(s.upstream)} × {self.num(u.local_grad)}" for s, _, u in uses]
        lines = [f"d {out}/d {name} = " + " + ".join(terms), "= " + " + ".join(numbers)]
        if len(uses) > 1:
            lines.append("= " + " + ".join(self.num(u.product) for _, _, u in uses))
        lines.append(f"= {self.num(uses[-1][2].grad_after)}")
        if len(uses) > 1:
            lines.append(self.t("explorer.chain.uses", name=name, n=len(uses)))
        lines.append(self.t("explorer.chain.local", parent=uses[0][0].name, name=name))
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
                    f"∂{name}/∂{self.names[c]} = {text}"
                    for c, text in zip(node["children"], node["locals"])
                )
                lines = [
                    f"{name} = {node['formula']} = {node['dataText']}",
                    self.t("explorer.forward.with", operands=operands),
                    self.t("explorer.forward.locals", locals=locals_),
                ]
            steps.append({"phase": "forward", "node": i, "lines": lines})
        return steps

    def _backward(self, root: Value) -> list[dict]:
        out = self.out
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
                    "explorer.step.complete",
                    name=step.name,
                    formula=step.formula,
                    out=out,
                    upstream=up,
                ),
                self.t("explorer.step.passes"),
            ]
            updates = []
            for pos, u in zip(self._positions(step), step.children):
                j = self.index[id(u.child)]
                sign = "=" if u.contributions == 1 else "+="
                line = (
                    f"d {out}/d {u.name} {sign} {up} × {self.num(u.local_grad)} "
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

    def _update(self, params: list[Value], lr: float | None) -> list[dict]:
        if lr is None:
            return []
        steps = []
        for p in params:
            i = self.index[id(p)]
            name, grad = self.names[i], self.final.get(i, 0.0)
            # The arithmetic of optim.SGD without momentum or weight decay: p + grad * -lr.
            after = p.data + grad * -lr
            text = self.num(after)
            steps.append(
                {
                    "phase": "update",
                    "node": i,
                    "after": after,
                    "afterText": text,
                    "lines": [
                        f"{name} ← {name} − lr × grad = {self.num(p.data)} − {self.num(lr)} × "
                        f"{self.num(grad)} = {text}",
                        self.t("explorer.update.why"),
                    ],
                }
            )
        return steps


def _template(key: str, lang: str) -> str:
    """The catalogue text ``key`` with its ``{fields}`` left in (the page's script fills them)."""
    names = {"k", "n", "name"}  # the fields the page's templates use (see explorer.js)
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
    it ``e<i>_<k>``. The labels laid out are the longest texts the page will show, so the
    page's changing texts fit. Also returns the CSS colours of the roles and step highlights.
    """
    # Graphviz measures the labels with this font; a Hangul label needs a Hangul font.
    font = graphviz_fontname(node["name"] for node in model.nodes)
    # nslimit bounds the network-simplex passes that place nodes across ranks (at most 5 x the
    # node count). Small graphs settle long before it and come out the same; a sum of 60 uses
    # of one x (one node with 60 labelled edges) took dot 43 s without it; with it, the whole
    # `micrograd-mlp explore` of that formula takes 2 s.
    dot = graphviz.Digraph(
        "explorer",
        graph_attr={
            "rankdir": rankdir, "bgcolor": "transparent", "nodesep": "0.25", "nslimit": "5"
        },
        node_attr={"fontname": font, "fontsize": "14"},
        edge_attr={"fontname": font, "fontsize": "12"},
    )
    labels: dict[str, str] = {}
    for s in model.steps:
        for u in s.get("updates", ()):
            labels[u["edge"]] = u["label"]
    fill = dict(NODE_COLORS, constant=NODE_COLORS["input"])
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
                node["op"].replace("\\", "\\\\"),
                id=op,
                shape="ellipse",
                style="filled",
                fillcolor=NODE_COLORS["op"],
                fontsize="13",
                height="0.35",
            )
            for k, c in enumerate(node["children"]):
                edge = f"e{i}_{k}"
                text = labels.get(edge, f"local {node['locals'][k]}")
                dot.edge(f"n{c}", op, id=edge, label=text.replace("\\", "\\\\"))
            dot.edge(op, f"n{i}", id=f"e{i}o")
    try:
        svg = dot.pipe(format="svg", quiet=True).decode("utf-8")
        svg = svg[svg.index("<svg") :]
        colors = _css_colors()
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(
            "graphviz 'dot' executable not found: the explorer page needs it to lay out the "
            "graph (install Graphviz, e.g. 'apt-get install graphviz')"
        ) from None
    except graphviz.CalledProcessError as e:
        stderr = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        raise RuntimeError(
            f"graphviz 'dot' failed to lay out the explorer graph: {stderr}"
        ) from None
    # The page sizes the picture itself (viewBox zoom and pan): drop the fixed size in pt.
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg id="graph"', svg, count=1)
    return svg, colors


def _css_colors() -> dict[str, str]:
    """NODE_COLORS and STEP_COLORS as CSS colours: Graphviz's X11 names (``grey60``,
    ``lightgoldenrod1``) are not CSS names, so Graphviz itself says what they are in SVG."""
    wanted = {**NODE_COLORS, **STEP_COLORS}
    probe = graphviz.Digraph()
    for key, color in wanted.items():
        probe.node(key, id=f"c_{key}", shape="box", style="filled", fillcolor=color)
    svg = probe.pipe(format="svg", quiet=True).decode("utf-8")
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
    # The data is a JavaScript literal (NaN and Infinity allowed); "</" never ends the script.
    literal = json.dumps(data, ensure_ascii=False, allow_nan=True).replace("</", "<\\/")
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
