"""Shared hypothesis strategies: safe floats, small shapes, MLP architectures, batches, losses.

Every property test draws from these, so "a random MLP" or "a random loss" means the same thing
in every file. Sizes are kept small on purpose: the scalar engine is exact but slow, and
failures shrink to readable examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from micrograd_mlp.loss_common import REDUCTIONS
from micrograd_mlp.module import ACTIVATIONS

#: Every loss of ``micrograd_mlp.functional`` (and of ``micrograd_mlp.tensor.functional``).
LOSSES = (
    "mse_loss",
    "l1_loss",
    "gaussian_nll_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "hinge_loss",
)
#: Every (loss, reduction) pair, for ``pytest.mark.parametrize``: each one is then certain to run.
LOSS_REDUCTIONS = [(loss, reduction) for loss in LOSSES for reduction in REDUCTIONS]


# ------------------------------------------------------------------------------ floats
def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in ``[lo, hi]`` (no NaN, no infinity)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def floats_away_from(
    lo: float, hi: float, kinks: tuple[float, ...], margin: float
) -> st.SearchStrategy[float]:
    """Floats in ``[lo, hi]`` at least ``margin`` from every point of ``kinks``.

    For functions that are not differentiable at a point (ReLU and ``abs`` at 0): a central
    difference with step ``eps < margin`` never straddles the kink.
    """
    points = sorted(kinks)
    edges = [lo, *[p for k in points for p in (k - margin, k + margin)], hi]
    pieces = [(a, b) for a, b in zip(edges[::2], edges[1::2]) if a <= b]
    return st.one_of(*[floats(a, b) for a, b in pieces])


def separated_floats(
    n: int, lo: float = -4.0, hi: float = 4.0, gap: float = 0.01
) -> st.SearchStrategy[list[float]]:
    """``n`` floats in ``[lo, hi]``, any two at least ``gap`` apart, in random order (for max)."""

    @st.composite
    def build(draw):
        steps = draw(st.lists(floats(gap, (hi - lo) / n), min_size=n - 1, max_size=n - 1))
        start = draw(floats(lo, hi - sum(steps)))
        values = np.cumsum([start, *steps])
        return draw(st.permutations([float(v) for v in values]))

    return build()


# ---------------------------------------------------------------------- shapes, arrays
def small_shapes(max_dims: int = 2, max_side: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes with 0 to ``max_dims`` dimensions of 1 to ``max_side`` elements."""
    return hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcast_pairs(max_dims: int = 3, max_side: int = 3):
    """Two shapes that broadcast together (``.input_shapes``) and their result shape."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
    )


def arrays(shape: tuple[int, ...], elements: st.SearchStrategy[float]):
    """float64 arrays of ``shape`` whose elements come from ``elements``."""
    return hnp.arrays(np.float64, shape, elements=elements)


# ------------------------------------------------------------------------------- MLPs
@dataclass(frozen=True)
class Architecture:
    """``MLP(nin, nouts, activation)`` in either engine."""

    nin: int
    nouts: tuple[int, ...]
    activation: str

    @property
    def nout(self) -> int:
        return self.nouts[-1]


def architectures(
    max_layers: int = 4, max_width: int = 8, max_nin: int = 4
) -> st.SearchStrategy[Architecture]:
    """1 to ``max_layers`` layers of 1 to ``max_width`` units, any activation of ACTIVATIONS."""
    return st.builds(
        Architecture,
        nin=st.integers(1, max_nin),
        nouts=st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers).map(tuple),
        activation=st.sampled_from(ACTIVATIONS),
    )


def batches(nin: int, max_n: int = 4) -> st.SearchStrategy[np.ndarray]:
    """Inputs ``(N, nin)``, N in 1..``max_n``, values in [-3, 3]."""
    return st.integers(1, max_n).flatmap(lambda n: arrays((n, nin), floats(-3.0, 3.0)))


# ------------------------------------------------------------------------------ losses
@dataclass
class LossCase:
    """One loss applied to model outputs ``(N, C)``: everything but the outputs themselves.

    Attributes:
        loss: a name from :data:`LOSSES`.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        target: ``(N,)`` int64 class indices for ``cross_entropy``; ``(N, C)`` float64
            otherwise (probabilities in [0, 1] for the binary losses, -1/+1 for hinge).
        weights: with ``reduction="none"``, the per-element losses are combined as
            ``sum(weights * losses)`` (shaped like the losses) so there is one scalar to
            differentiate; None otherwise.
        options: further keyword arguments (``var``, ``full``, ``eps`` for the Gaussian NLL;
            ``margin`` for hinge).

    For ``binary_cross_entropy`` the outputs go through ``sigmoid`` first (it takes
    probabilities).
    """

    loss: str
    reduction: str
    target: np.ndarray
    weights: np.ndarray | None = None
    options: dict = field(default_factory=dict)


def loss_cases(loss: str, reduction: str, n: int, c: int) -> st.SearchStrategy[LossCase]:
    """A random target (and options) for ``loss`` on outputs of shape ``(n, c)``."""

    @st.composite
    def build(draw):
        options: dict = {}
        if loss == "cross_entropy":
            target = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
        elif loss in ("binary_cross_entropy", "binary_cross_entropy_with_logits"):
            hard = draw(st.booleans())
            probs = st.sampled_from([0.0, 1.0]) if hard else floats(0.0, 1.0)
            target = draw(arrays((n, c), probs))
        elif loss == "hinge_loss":
            target = draw(arrays((n, c), st.sampled_from([-1.0, 1.0])))
            options["margin"] = draw(st.sampled_from([1.0, 0.5, 2.0]))
        else:
            target = draw(arrays((n, c), floats(-3.0, 3.0)))
        if loss == "gaussian_nll_loss":
            shared = draw(st.booleans())
            variances = floats(1e-3, 4.0)
            options["var"] = draw(variances) if shared else draw(arrays((n, c), variances))
            options["full"] = draw(st.booleans())
        weights = None
        if reduction == "none":
            shape = (n,) if loss == "cross_entropy" else (n, c)
            weights = draw(arrays(shape, floats(-2.0, 2.0)))
        return LossCase(loss, reduction, target.astype(_target_dtype(loss)), weights, options)

    return build()


def _target_dtype(loss: str) -> type:
    return np.int64 if loss == "cross_entropy" else np.float64


# --------------------------------------------------------------------------- optimizers
def sgd_settings() -> st.SearchStrategy[dict]:
    """Keyword arguments of ``SGD``: lr, momentum (maybe Nesterov), weight decay."""

    @st.composite
    def build(draw):
        momentum = draw(st.sampled_from([0.0, 0.9]) | floats(0.0, 0.99))
        return {
            "lr": draw(floats(1e-3, 0.5)),
            "momentum": momentum,
            "nesterov": momentum > 0 and draw(st.booleans()),
            "weight_decay": draw(st.just(0.0) | floats(0.0, 0.1)),
        }

    return build()


def adam_settings() -> st.SearchStrategy[dict]:
    """Keyword arguments of ``Adam``: lr, betas, eps, weight decay."""
    return st.fixed_dictionaries(
        {
            "lr": floats(1e-4, 0.1),
            "betas": st.tuples(floats(0.0, 0.99), floats(0.9, 0.9999)),
            "eps": st.just(1e-8) | floats(1e-10, 1e-6),
            "weight_decay": st.just(0.0) | floats(0.0, 0.1),
        }
    )


# --------------------------------------------------------------------- catalogue inputs
#: Inputs of a function with a kink stay this far from it (finite-difference steps are smaller).
KINK_MARGIN = 1e-3


def elements(domain: tuple[float, float], kinks: tuple[float, ...] = ()):
    """Floats in ``domain``, ``KINK_MARGIN`` away from ``kinks``."""
    lo, hi = domain
    return floats_away_from(lo, hi, kinks, KINK_MARGIN) if kinks else floats(lo, hi)


def op_arguments(op) -> st.SearchStrategy[list[np.ndarray]]:
    """Arguments for a catalogue ``Op`` (see ``tests/catalogue.py``), as float64 arrays.

    unary: one array of a small shape; binary: two arrays of mutually broadcastable shapes;
    reduction: one array ``(n,)`` or ``(n, B)`` (n in 1..5), reduced over axis 0, its
    columns made of well-separated values when ties must be avoided (max).
    """

    def element(i: int):
        return elements(op.domain[i], op.kinks)

    if op.kind == "unary":
        return small_shapes().flatmap(lambda shape: arrays(shape, element(0)).map(lambda a: [a]))
    if op.kind == "binary":
        return broadcast_pairs().flatmap(
            lambda shapes: st.tuples(
                arrays(shapes.input_shapes[0], element(0)),
                arrays(shapes.input_shapes[1], element(1)),
            ).map(list)
        )

    @st.composite
    def reduction(draw):
        n = draw(st.integers(1, 5))
        columns = draw(st.sampled_from([None, 1, 2, 3]))
        lo, hi = op.domain[0]
        if op.distinct:
            column = separated_floats(n, lo, hi, gap=0.01)
            cols = [draw(column) for _ in range(columns or 1)]
            array = np.array(cols).T
        else:
            array = draw(arrays((n, columns or 1), element(0)))
        return [array[:, 0] if columns is None else array]

    return reduction()


# ------------------------------------------------------------------- expression graphs
@dataclass(frozen=True)
class Node:
    """One node of a random expression: catalogue op ``op`` applied to earlier nodes ``args``.

    Nodes are numbered after the inputs: with k inputs, input j is node j and the i-th Node
    is node k + i. An index may appear several times (``x * x``, ``max(a, a)``) and a node may
    feed many later ones: shared and reused subexpressions.
    """

    op: str
    args: tuple[int, ...]


@dataclass(frozen=True)
class Program:
    """A random expression graph over ``inputs`` (shape ``(k, B)``: k inputs, B samples)."""

    inputs: np.ndarray
    nodes: tuple[Node, ...]


def programs(ops, max_inputs: int = 3, max_batch: int = 3, max_nodes: int = 12):
    """Random expression graphs whose nodes are drawn from the catalogue ``ops``.

    Unary ops take one earlier node, binary ops two (possibly the same one), reductions 1 to 4
    (repeats allowed).
    """

    @st.composite
    def build(draw):
        k = draw(st.integers(1, max_inputs))
        batch = draw(st.integers(1, max_batch))
        inputs = draw(arrays((k, batch), floats(-3.0, 3.0)))
        nodes = []
        for i in range(draw(st.integers(1, max_nodes))):
            op = draw(st.sampled_from(ops))
            earlier = st.integers(0, k + i - 1)
            if op.kind == "reduction":
                args = draw(st.lists(earlier, min_size=1, max_size=4))
            else:
                args = [draw(earlier) for _ in range(op.arity)]
            nodes.append(Node(op.name, tuple(args)))
        return Program(inputs, tuple(nodes))

    return build()
