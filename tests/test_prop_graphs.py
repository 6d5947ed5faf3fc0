"""Random expression graphs from the catalogue, evaluated by both engines (hypothesis).

A program (``strategies.programs``) is a list of catalogue ops, each applied to earlier nodes,
with shared and reused subexpressions (``x * x``, a node feeding several others, a reduction
over the same node twice). It is evaluated three ways on a batch of B samples:

* ``math``: plain floats, one sample at a time (the reference for values);
* ``Value``: one scalar graph holding all B samples;
* ``Tensor``: every node a ``(B,)`` array; a reduction's arguments are stacked into ``(k, B)``
  with broadcasting products by one-hot constants (Tensor has no ``stack``: this also
  exercises broadcasting gradients) and reduced over axis 0.

The output is the sum of every node that no other node uses (over all samples). An op's argument
that falls outside its domain is first squashed into it by ``m + r tanh(z)`` (decided once, on
the ``math`` values, so all three evaluations build the same graph): values stay bounded, and
``log``, ``**`` and ``/`` are always defined.

Checked: every node's values agree with ``math`` (rtol 1e-9, atol 1e-9 * the graph's scale:
composed functions amplify ulp-level differences between ``math`` and NumPy), the two
engines' values and input gradients agree (rtol 1e-9, same atol; gradients are sums of products
computed in different orders), and, when no argument of a kinked op (ReLU, ``abs``, ``max``
ties) lies within 1e-4 of its kink, both equal central differences (``gradcheck``, eps 1e-6,
rtol 1e-4, atol 1e-8 * the scale: the rounding error of the output divided by eps).
"""

from __future__ import annotations

import math

import numpy as np
from catalogue import BY_NAME, CATALOGUE, Op
from hypothesis import given, settings
from strategies import Program, programs

from micrograd_mlp.engine import Value
from micrograd_mlp.gradcheck import gradcheck
from micrograd_mlp.tensor import Tensor

EXAMPLES = 3000
KINK_CLEARANCE = 1e-4


class Math:
    """Reference evaluation: each node is a float64 array of its B sample values."""

    @staticmethod
    def apply(op: Op, args: list, batch: int) -> np.ndarray:
        if op.kind == "reduction":
            return np.array([op.math([float(a[b]) for a in args]) for b in range(batch)])
        return np.array([op.math(*[float(a[b]) for a in args]) for b in range(batch)])

    @staticmethod
    def squash(z: np.ndarray, m: float, r: float) -> np.ndarray:
        return np.array([math.tanh(float(x)) * r + m for x in z])


class Scalar:
    """Scalar engine: each node is a list of B Values."""

    @staticmethod
    def apply(op: Op, args: list, batch: int) -> list:
        if op.kind == "reduction":
            return [op.value([a[b] for a in args]) for b in range(batch)]
        return [op.value(*[a[b] for a in args]) for b in range(batch)]

    @staticmethod
    def squash(z: list, m: float, r: float) -> list:
        return [v.tanh() * r + m for v in z]


class Vectorized:
    """Vectorized engine: each node is a Tensor of shape (B,)."""

    @staticmethod
    def apply(op: Op, args: list, batch: int) -> Tensor:
        if op.kind != "reduction":
            return op.tensor(*args)
        k = len(args)
        # (k, B) from k Tensors (B,): sum_i onehot_i (k, 1) * t_i (1, B)
        stacked = None
        for i, t in enumerate(args):
            onehot = np.zeros((k, 1))
            onehot[i] = 1.0
            term = t.reshape(1, batch) * onehot
            stacked = term if stacked is None else stacked + term
        return op.tensor(stacked)

    @staticmethod
    def squash(z: Tensor, m: float, r: float) -> Tensor:
        return z.tanh() * r + m


def run(program: Program, engine, leaves: list, plan: dict | None = None):
    """Evaluate ``program`` on ``leaves`` (one per input).

    Returns ``(nodes, plan, sinks, args)``: every node's value, the plan, the nodes no other
    node uses, and each op's arguments as it received them. With ``plan=None`` (the Math
    engine) the plan is made: for each (node, argument position), whether the argument must be
    squashed into the op's domain.
    """
    batch = program.inputs.shape[1]
    nodes, making, used, received = list(leaves), plan is None, set(), []
    plan = {} if making else plan
    for i, node in enumerate(program.nodes):
        op = BY_NAME[node.op]
        args = []
        for p, j in enumerate(node.args):
            used.add(j)
            lo, hi = op.domain[0 if op.kind == "reduction" else p]
            if making:
                plan[i, p] = bool(np.any((nodes[j] < lo) | (nodes[j] > hi)))
            arg = nodes[j]
            if plan[i, p]:
                arg = engine.squash(arg, (lo + hi) / 2, 0.45 * (hi - lo))
            args.append(arg)
        received.append(args)
        nodes.append(engine.apply(op, args, batch))
    sinks = [j for j in range(len(nodes)) if j not in used]
    return nodes, plan, sinks, received


def kink_distance(program: Program, received: list) -> float:
    """How close (in the math evaluation) any op comes to a point where it is not smooth.

    ReLU, leaky ReLU and ``abs``: the distance of an argument from 0. ``max``: the gap between
    the largest and the next largest of *distinct* argument nodes (a node passed twice is one
    variable, and ``max(a, a) = a`` is smooth; two different nodes tied are not).
    """
    closest = math.inf
    for node, args in zip(program.nodes, received):
        op = BY_NAME[node.op]
        for kink in op.kinks:
            closest = min(closest, *(float(np.abs(a - kink).min()) for a in args))
        if op.name == "max":
            distinct = np.array([args[node.args.index(j)] for j in dict.fromkeys(node.args)])
            if len(distinct) > 1:
                top2 = np.sort(distinct, axis=0)[-2:]
                closest = min(closest, float((top2[1] - top2[0]).min()))
    return closest


@settings(max_examples=EXAMPLES)
@given(programs(CATALOGUE))
def test_random_expression_graphs_agree_across_engines(program: Program) -> None:
    k, batch = program.inputs.shape
    reference, plan, sinks, received = run(program, Math, list(program.inputs))
    scale = max(1.0, max(float(np.abs(n).max()) for n in reference)) * len(reference)
    tol = {"rtol": 1e-9, "atol": 1e-9 * scale}

    leaves = [[Value(float(x)) for x in row] for row in program.inputs]
    v_nodes, *_ = run(program, Scalar, leaves, plan)
    Value.sum([v for j in sinks for v in v_nodes[j]]).backward()

    tensors = [Tensor(row, requires_grad=True, dtype=np.float64) for row in program.inputs]
    t_nodes, *_ = run(program, Vectorized, tensors, plan)
    total = t_nodes[sinks[0]].sum()
    for j in sinks[1:]:
        total = total + t_nodes[j].sum()
    total.backward()

    for j, (ref, vs, t) in enumerate(zip(reference, v_nodes, t_nodes)):
        assert t.shape == (batch,), f"node {j}: Tensor shape {t.shape}"
        np.testing.assert_allclose([v.data for v in vs], ref, **tol, err_msg=f"node {j}: Value")
        np.testing.assert_allclose(t.data, ref, **tol, err_msg=f"node {j}: Tensor")
    value_grads = np.array([[0.0 if v.grad is None else v.grad for v in row] for row in leaves])
    tensor_grads = np.array([np.zeros(batch) if t.grad is None else t.grad for t in tensors])
    np.testing.assert_allclose(value_grads, tensor_grads, **tol, err_msg="input gradients")

    if kink_distance(program, received) < KINK_CLEARANCE:
        return  # not differentiable there (or too close to a kink for a finite difference)
    fd = {"eps": 1e-6, "rtol": 1e-4, "atol": 1e-8 * scale}

    def tensor_fn(*ts: Tensor) -> Tensor:
        nodes, _, ends, _ = run(program, Vectorized, list(ts), plan)
        out = nodes[ends[0]].sum()
        for j in ends[1:]:
            out = out + nodes[j].sum()
        return out

    def value_fn(*vs: Value) -> Value:
        rows = [list(vs[i * batch : (i + 1) * batch]) for i in range(k)]
        nodes, _, ends, _ = run(program, Scalar, rows, plan)
        return Value.sum([v for j in ends for v in nodes[j]])

    gradcheck(tensor_fn, tensors, **fd)
    gradcheck(value_fn, [v for row in leaves for v in row], **fd)
