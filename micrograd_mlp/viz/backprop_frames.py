"""Pictures of the backward pass: one Graphviz picture per step of
:func:`~micrograd_mlp.viz.backprop.backward_steps`, written as PNG/SVG frames and an animated GIF.

* :func:`backward_graphs` draws one picture per step (they display inline in Jupyter);
* :func:`backward_frames` writes those pictures as PNG/SVG files plus an animated GIF.

They draw what :func:`~micrograd_mlp.viz.backprop.backward_steps` recorded from the engine's
own backward pass (an observer: nothing here applies the chain rule) and leave ``.grad`` as it was.
"""

from __future__ import annotations

import html
import io
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import graphviz

from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.expression import as_term, formula_name
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import message, resolve_lang
from micrograd_mlp.viz.backprop import BackwardStep, traced_steps
from micrograd_mlp.viz.fonts import graphviz_fontname
from micrograd_mlp.viz.graph import (
    NODE_COLORS,
    DotNotFoundError,
    DotNotFoundWarning,
    escape_label,
    escape_text,
    format_number,
    node_role,
    printable,
    run_dot,
)

__all__ = [
    "STEP_COLORS",
    "BackwardFrames",
    "auto_rankdir",
    "backward_frames",
    "backward_graphs",
    "remove_stale_pictures",
]

#: Colours of the step pictures (Graphviz colour names): the node being processed is filled
#: ``current`` with a ``highlight`` border; the edges carrying its gradient to its children, and
#: those children's borders, are ``highlight``; edges whose gradient has not flowed yet are
#: ``pending``. Other nodes keep their role colour from ``graph.NODE_COLORS``.
STEP_COLORS = {"current": "orange", "highlight": "red", "pending": "grey60"}

_RANKDIRS = ("LR", "RL", "TB", "BT")
#: The width / height a frame should come close to (a screen, a slide, a GIF in a page).
_TARGET_ASPECT = 1.6
_FRAME_FILE = re.compile(r"frame_\d{3,}\.(png|svg|gv)")


@dataclass(frozen=True)
class BackwardFrames:
    """What :func:`backward_frames` wrote.

    Attributes:
        frames: one file per step, in order (``frame_000.png``, ...; ``.gv`` sources when the
            Graphviz ``dot`` program is missing).
        gif: the animated ``backward.gif``, or None (not asked for, or ``dot`` missing).
        rendered: False when ``dot`` was missing and only DOT sources were written.
    """

    frames: list[Path]
    gif: Path | None
    rendered: bool


def backward_graphs(
    root: Value,
    *,
    params: Iterable[Value] | None = None,
    format: str = "svg",
    rankdir: str = "auto",
    number_format: str = ".4g",
    lang: str | None = None,
    steps: list[BackwardStep] | None = None,
) -> list[graphviz.Digraph]:
    """One picture per backward step (see :func:`backward_steps`), as ``graphviz.Digraph``s.

    Each picture shows the whole graph (Values as records ``name | data | grad``, operations as
    small grey nodes). In picture ``k``:

    * the node being processed is orange with a red border, its grad field marked "upstream";
    * each edge from one of its children is red and labelled ``upstream × local = product``;
    * edges of nodes processed earlier keep their products (black); the others show
      ``? × local = ?`` (the local derivatives are known from the forward pass);
    * grads not reached yet are ``?``; a grad still waiting for more uses says "so far";
    * the caption says which step it is, with a legend of the colours under it; nodes have the
      names ``explain`` prints, a constant its number.

    In Jupyter, a Digraph displays inline (``backward_graphs(out)[0]`` in a cell).

    Args:
        root: the output (a ``Value`` with at least one operation behind it).
        params: Values to colour as parameters (e.g. ``model.parameters()``); other leaves are
            inputs/constants.
        format: the Digraphs' output format for ``.render()``/``.pipe()`` (e.g. ``"svg"``).
        rankdir: layout direction: ``"LR"``, ``"RL"``, ``"TB"`` or ``"BT"``; ``"auto"``
            (default): top to bottom when a left-to-right picture would be much wider than high
            (a deep chain of operations), else left to right (see :func:`auto_rankdir`).
        number_format: format spec for the numbers (default ``".4g"``).
        lang: the language of the captions (``"en"``, ``"ko"``; default
            ``$MICROGRAD_MLP_LANG`` or English), from :mod:`micrograd_mlp.messages`.
        steps: ``backward_steps(root)`` if the caller has it already (e.g. for
            :func:`~micrograd_mlp.viz.backprop.explain` too), so that the pass is traced once;
            None (the default) traces it here. The pictures are the same either way.

    Returns:
        A list of Digraphs, one per step, in processing order.

    Raises:
        TypeError: ``root`` or an element of ``params`` is not a ``Value``.
        ValueError: ``root`` is a leaf (no step to draw), an unknown ``format``/``rankdir``, or
            ``steps`` of another graph.
    """
    steps = traced_steps(root, steps, "backward_graphs")
    if not steps:
        raise ValueError("backward_graphs: root is a leaf Value: there is no backward step to draw")
    if format not in graphviz.FORMATS:
        raise ValueError(f"backward_graphs: unknown format {format!r}; e.g. 'svg', 'png'")
    if rankdir not in (*_RANKDIRS, "auto"):
        raise ValueError(
            f"backward_graphs: unknown rankdir {rankdir!r}; expected 'auto' or one of {_RANKDIRS}"
        )
    if rankdir == "auto":
        rankdir = auto_rankdir(root)
    param_ids = set()
    for p in params.parameters() if hasattr(params, "parameters") else params or ():
        if not isinstance(p, Value):
            raise TypeError(f"backward_graphs: params must be Values, got a {type(p).__name__}")
        param_ids.add(id(p))
    style = _Style(root, param_ids, format, rankdir, number_format, resolve_lang(lang))
    return [style.frame(steps, k) for k in range(len(steps))]


def backward_frames(
    root: Value,
    out_dir: str | os.PathLike[str],
    format: str = "png",
    gif: bool = True,
    *,
    params: Iterable[Value] | None = None,
    rankdir: str = "auto",
    number_format: str = ".4g",
    duration_ms: int = 1200,
    max_frames: int = 200,
    lang: str | None = None,
    steps: list[BackwardStep] | None = None,
) -> BackwardFrames:
    """Write the pictures of :func:`backward_graphs` as ``frame_000.<format>``, ... and an
    animated ``backward.gif`` (Pillow) into ``out_dir``.

    Files are written atomically; ``out_dir`` is created. Frame files of an earlier run in the
    same directory that this run did not rewrite (``frame_NNN.png|svg|gv``) are deleted, so the
    directory always holds one consistent sequence. Every frame of a run has the same size: each
    picture is centred at the top of a white canvas of the largest frame's width and height (a
    frame with longer texts no longer makes the animation jump). The GIF shows each frame for
    ``duration_ms`` and the last one three times as long, and loops forever.

    Without the Graphviz ``dot`` program, the DOT sources are written instead
    (``frame_000.gv``, ...), no GIF is made (a stale ``backward.gif`` is removed), and a
    :class:`~micrograd_mlp.viz.graph.DotNotFoundWarning` says how to render them later.

    Args:
        root: the output (a ``Value`` with at least one operation behind it).
        out_dir: directory for the files.
        format: ``"png"`` or ``"svg"`` for the frame files (the GIF is always made from PNGs).
        gif: also write ``backward.gif`` (False: a ``backward.gif`` of an earlier run in
            ``out_dir`` is removed, as its stale frames are).
        params, rankdir, number_format, lang, steps: as in :func:`backward_graphs`.
        duration_ms: how long each GIF frame shows, in milliseconds (a positive int).
        max_frames: refuse graphs with more steps than this (one picture per non-leaf node:
            an MLP has thousands; draw a small expression instead).

    Returns:
        A :class:`BackwardFrames` with the frame paths, the GIF path (or None) and whether the
        frames were rendered.

    Raises:
        TypeError, ValueError: as in :func:`backward_graphs`; ``format`` not png/svg;
            ``duration_ms`` or ``max_frames`` not a positive int; more steps than ``max_frames``.
        DotFailedError: ``dot`` ran and failed on a frame: crashed, an error, or out of time
            (a ``RuntimeError``; the message says which, with dot's own message if any).
        OSError: ``out_dir`` cannot be written.
    """
    if format not in ("png", "svg"):
        raise ValueError(f"backward_frames: format must be 'png' or 'svg', got {format!r}")
    for name, number in (("duration_ms", duration_ms), ("max_frames", max_frames)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"backward_frames: {name} must be a positive int, got {number!r}")
    if isinstance(root, Value):
        count = sum(1 for node in root.topological_order() if node._children)
        if count > max_frames:
            raise ValueError(
                f"backward_frames: the graph has {count} backward steps, more than "
                f"max_frames={max_frames}; draw a smaller expression or raise max_frames"
            )
    graphs = backward_graphs(
        root,
        params=params,
        format=format,
        rankdir=rankdir,
        number_format=number_format,
        lang=lang,
        steps=steps,
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(len(graphs) - 1)))
    targets = [out / f"frame_{k:0{width}d}.{format}" for k in range(len(graphs))]
    try:
        images = [
            run_dot(dot.source, format, f"drawing {target}")
            for dot, target in zip(graphs, targets)
        ]
    except DotNotFoundError:
        images = None
    if images is None:  # no dot: the DOT sources, to render later
        frames = [
            atomic_write_bytes(target.with_suffix(".gv"), dot.source.encode("utf-8"))
            for dot, target in zip(graphs, targets)
        ]
    else:  # every frame of the run the same size, so that the pictures do not jump
        images = _same_size(images, format)
        frames = [atomic_write_bytes(t, image) for t, image in zip(targets, images)]
    _remove_stale_frames(out, frames)

    gif_path = out / "backward.gif"
    if images is None:
        stale = gif and gif_path.exists()
        if stale:
            gif_path.unlink()
        warnings.warn(
            f"graphviz 'dot' executable not found: wrote {len(frames)} DOT sources "
            f"({frames[0].name} ...) to {out} instead of {format.upper()} frames"
            + (", and no backward.gif" if gif else "")
            + (" (removed the old one)" if stale else "")
            + f". Install Graphviz (e.g. 'apt-get install graphviz'), then run "
            f"'dot -T{format} -O {out}/frame_*.gv'",
            DotNotFoundWarning,
            stacklevel=2,
        )
        return BackwardFrames(frames, None, False)
    if not gif:
        gif_path.unlink(missing_ok=True)  # it would show another graph than the frames
        return BackwardFrames(frames, None, True)
    if format == "svg":
        images = _same_size(
            [run_dot(dot.source, "png", f"drawing {gif_path}") for dot in graphs], "png"
        )
    return BackwardFrames(frames, _write_gif(gif_path, images, duration_ms), True)


def _same_size(images: list[bytes], format: str) -> list[bytes]:
    """The pictures, each on a canvas of the largest width and height among them (white, the
    picture centred horizontally and at the top, where the caption is): a frame whose texts are
    longer than another's (a gradient found, "so far") no longer makes it wider."""
    if format == "png":
        from PIL import Image  # here, so importing this module stays cheap

        opened = [Image.open(io.BytesIO(data)) for data in images]
        w, h = max(im.width for im in opened), max(im.height for im in opened)
        padded = []
        for im in opened:
            if im.size == (w, h):
                canvas = im
            else:
                canvas = Image.new("RGB", (w, h), "white")
                canvas.paste(im.convert("RGB"), ((w - im.width) // 2, 0))
            buffer = io.BytesIO()
            canvas.save(buffer, format="PNG")
            padded.append(buffer.getvalue())
        return padded
    sizes = [_svg_size(data) for data in images]
    w, h = max(size[0] for size in sizes), max(size[1] for size in sizes)
    return [_svg_on_canvas(data, size, w, h) for data, size in zip(images, sizes)]


_SVG_SIZE = re.compile(
    rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="([-\d. ]+)"'
)


def _svg_size(data: bytes) -> tuple[float, float]:
    """The size of Graphviz's SVG ``data``, from its viewBox (its width and height attributes
    are rounded)."""
    found = _SVG_SIZE.search(data)
    if found is None:
        raise ValueError("backward_frames: Graphviz wrote an SVG without its size")
    _, _, w, h = (float(v) for v in found.group(3).split())
    return w, h


def _svg_on_canvas(data: bytes, size: tuple[float, float], w: float, h: float) -> bytes:
    """The SVG ``data`` of ``size`` (pt) on a white ``w`` x ``h`` canvas, centred at the top."""
    x0, y0, _, _ = (float(v) for v in _SVG_SIZE.search(data).group(3).split())
    dx = (w - size[0]) / 2
    head = (
        f'<svg width="{w:.2f}pt" height="{h:.2f}pt"\n viewBox="{x0 - dx:.2f} {y0:.2f} '
        f'{w:.2f} {h:.2f}"'
    ).encode()
    canvas = (
        f'<rect x="{x0 - dx:.2f}" y="{y0:.2f}" width="{w:.2f}" height="{h:.2f}" '
        'fill="white"/>'
    ).encode()
    data = _SVG_SIZE.sub(head, data, count=1)
    end = data.index(b">", data.index(b"<svg")) + 1
    return data[:end] + b"\n" + canvas + data[end:]


def auto_rankdir(root: Value) -> str:
    """``"TB"`` or ``"LR"``: the direction whose picture of ``root``'s graph is closer to a
    width / height of 1.6.

    A left-to-right picture has one column per rank (each operation adds two: its op node and
    its result) and about one row per leaf; a record is about three times as wide as it is high.
    So LR's width / height is about ``3 * ranks / leaves``, TB's (records kept as one row)
    ``3 * leaves / ranks``: a deep chain (a neuron, a formula) is drawn top to bottom, a wide
    shallow sum left to right.
    """
    order = root.topological_order()
    depth: dict[int, int] = {}
    for v in order:
        depth[id(v)] = 1 + max(depth[id(c)] for c in v._children) if v._children else 0
    ranks = 2 * depth[id(root)] + 1
    leaves = sum(1 for v in order if not v._children)
    lr, tb = 3 * ranks / leaves, 3 * leaves / ranks
    return "TB" if abs(math.log(tb / _TARGET_ASPECT)) < abs(math.log(lr / _TARGET_ASPECT)) else "LR"


# ----------------------------------------------------------------------------- helpers
class _Style:
    """Draws the picture of step ``k``: the graph with the gradients known after that step."""

    def __init__(
        self,
        root: Value,
        param_ids: set[int],
        format: str,
        rankdir: str,
        number_format: str,
        lang: str,
    ) -> None:
        self.root = root
        self.order = root.topological_order()
        self.ids = {id(v): f"n{i}" for i, v in enumerate(self.order)}
        self.param_ids = param_ids
        self.format = format
        self.rankdir = rankdir
        self.number_format = number_format
        self.lang = lang
        self.font: str | None = None  # chosen at the first frame: every frame has the same texts
        self._named: dict[int, str] | None = None  # the names, made at the first frame

    def num(self, x: float) -> str:
        return format_number(x, self.number_format)

    def _names(self, steps: list[BackwardStep]) -> dict[int, str]:
        """Each node's name in the frames: the trace's (as ``explain`` prints it), but a
        constant is its number (``1``, not ``1#2`` for the second 1 of a formula)."""
        if self._named is None:
            names = {id(s.node): s.name for s in steps}
            names.update({id(u.child): u.name for s in steps for u in s.children})
            for v in self.order:
                if type(v) is Constant and v is not self.root:
                    names[id(v)] = v.label or self.num(v.data)
            self._named = names
        return self._named

    @staticmethod
    def _what(step: BackwardStep, names: dict[int, str]) -> str:
        """``name = formula`` of the step's node, or its name when that is its formula."""
        formula = formula_name(step.node._op, [names[id(c)] for c in step.node._children], 10**6)
        return step.name if formula == step.name else f"{step.name} = {formula}"

    def frame(self, steps: list[BackwardStep], k: int) -> graphviz.Digraph:
        current = steps[k]
        grads = {id(self.root): 1.0}
        received: Counter[int] = Counter()
        total: dict[int, int] = {}
        products: dict[tuple[int, int], str] = {}  # (id(node), operand position) -> edge text
        for step in steps[: k + 1]:
            for pos, u in enumerate(step.children):
                grads[id(u.child)] = u.grad_after
                received[id(u.child)] = u.contribution
                products[id(step.node), pos] = (
                    f"{self.num(step.upstream)} × {self.num(u.local_grad)} = {self.num(u.product)}"
                )
        for step in steps:
            for u in step.children:
                total[id(u.child)] = u.contributions
        names = self._names(steps)
        title = message(
            "frames.title",
            self.lang,
            k=k + 1,
            n=len(steps),
            what=self._what(current, names),
            name=as_term(current.name),
            out=as_term(steps[0].name),
            upstream=self.num(current.upstream),
        )
        legend = message("frames.legend", self.lang)
        if self.font is None:  # the names are the same in every frame; so is the title's script
            self.font = graphviz_fontname([title, legend, *names.values()])
        font = self.font
        # The caption: the step, then the legend in smaller grey type (an HTML-like label,
        # whose text is escaped as HTML); Graphviz keeps the drawing below it.
        caption = (
            f"<{html.escape(printable(title))}<BR/>"
            f'<FONT POINT-SIZE="12" COLOR="grey30">{html.escape(legend)}</FONT>>'
        )
        dot = graphviz.Digraph(
            f"backward_step_{k}",
            format=self.format,
            graph_attr={
                "rankdir": self.rankdir,
                "label": caption,
                "labelloc": "t",
                "fontname": font,
                "fontsize": "18",
                # room between neighbouring edge labels (the labels are nodes of the layout)
                "nodesep": "0.35",
            },
            # Large enough to read when a frame is scaled down to a page's width.
            node_attr={"fontname": font, "fontsize": "14"},
            edge_attr={"fontname": font, "fontsize": "12"},
        )
        children_now = {id(u.child) for u in current.children}
        for v in self.order:
            key = id(v)
            if key not in grads:
                grad = "?"
            elif received[key] < total.get(key, 0):
                grad = message("frames.so_far", self.lang, grad=self.num(grads[key]))
            else:
                grad = self.num(grads[key])
            if v is current.node:
                grad += message("frames.upstream_mark", self.lang)
            role = node_role(v, self.root, self.param_ids)
            if role == "constant":
                grad = message("frames.constant", self.lang)
            fields = [
                escape_label(names[key]),
                f"data {self.num(v.data)}",
                f"grad {escape_label(grad)}",
            ]
            attrs = {"fillcolor": NODE_COLORS[role]}
            if v is current.node:
                attrs = {"fillcolor": STEP_COLORS["current"], "color": STEP_COLORS["highlight"]}
                attrs["penwidth"] = "3"
            elif key in children_now:
                attrs.update(color=STEP_COLORS["highlight"], penwidth="2")
            # A record's fields run across the rank direction: one row in either layout.
            record = " | ".join(fields)
            dot.node(
                self.ids[key],
                record if self.rankdir in ("TB", "BT") else "{ " + record + " }",
                shape="record",
                style="filled",
                **attrs,
            )
            if v._children:
                self._operation(dot, v, current, products)
        return dot

    def _operation(
        self, dot: graphviz.Digraph, v: Value, current: BackwardStep, products: dict
    ) -> None:
        """The op node of ``v``, an edge from each operand (labelled) and one to ``v``."""
        op = f"{self.ids[id(v)]}_op"
        active = v is current.node
        highlight = {"color": STEP_COLORS["highlight"], "penwidth": "2"} if active else {}
        dot.node(
            op,
            v._op.replace("\\", "\\\\"),
            shape="ellipse",
            style="filled",
            fillcolor=NODE_COLORS["op"],
            fontsize="13",
            height="0.3",
            **highlight,
        )
        for pos, (child, local) in enumerate(zip(v._children, v._local_grads)):
            text = products.get((id(v), pos))
            attrs = dict(highlight, fontcolor=STEP_COLORS["highlight"]) if active else {}
            if text is None:
                text = f"? × {self.num(local)} = ?"
                attrs = {"color": STEP_COLORS["pending"], "fontcolor": STEP_COLORS["pending"]}
            local_text = message("frames.local", self.lang, local=self.num(local))
            # a no-break space on each side keeps neighbouring labels apart
            label = "\\n".join(f"\u00a0{escape_text(t)}\u00a0" for t in (local_text, text))
            dot.edge(self.ids[id(child)], op, label=label, **attrs)
        dot.edge(op, self.ids[id(v)], **highlight)


def remove_stale_pictures(out_dir: str | os.PathLike[str]) -> None:
    """Delete what :func:`backward_frames` wrote into ``out_dir`` (its frame files and
    ``backward.gif``), e.g. before a run that has no backward step to draw; other files stay."""
    out = Path(out_dir)
    if out.is_dir():
        _remove_stale_frames(out, [])
        (out / "backward.gif").unlink(missing_ok=True)


def _remove_stale_frames(out: Path, keep: list[Path]) -> None:
    """Delete ``frame_NNN.(png|svg|gv)`` files in ``out`` that this run did not write."""
    kept = {path.name for path in keep}
    for path in out.iterdir():
        if _FRAME_FILE.fullmatch(path.name) and path.name not in kept:
            path.unlink()


def _write_gif(path: Path, pngs: list[bytes], duration_ms: int) -> Path:
    """An animated GIF of the PNG images (of one size), written atomically."""
    from PIL import Image  # here, so importing this module stays cheap (a re-export in viz)

    images = [Image.open(io.BytesIO(data)).convert("RGB") for data in pngs]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    frames = []
    for im in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, ((width - im.width) // 2, 0))
        frames.append(canvas)
    durations = [duration_ms] * (len(frames) - 1) + [3 * duration_ms]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
    )
    return atomic_write_bytes(path, buffer.getvalue())
