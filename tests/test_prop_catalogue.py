"""Every catalogue function, checked at every layer (hypothesis).

For each entry of ``tests/catalogue.py`` and random arguments in its domain (broadcasting shapes
for binary ops, one or several columns for reductions):

1. forward: the Value and the Tensor results equal the ``math`` reference element by element
   (rtol 1e-12, atol 1e-12: a few ulps of disagreement between ``math`` and NumPy's
   transcendental functions, and between algebraically equal forms);
2. engines: with a random cotangent ``w`` (the loss is ``sum(w * f(x))``), the gradients of
   every argument from ``Value.backward()`` equal those from ``Tensor.backward()`` (float64;
   rtol 1e-9, atol 1e-12), broadcast arguments included (a Value used by several output
   elements accumulates the gradient that ``Tensor`` sums over the broadcast axes);
3. finite differences: both equal central differences (``gradcheck``, eps 1e-6, atol 1e-5,
   rtol 1e-5). In these domains the truncation error (eps^2 / 6 * |f'''|) is below 1e-10 and
   the rounding error (~1e-16 |f| / eps) below 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from catalogue import CATALOGUE, Op
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import arrays, floats, op_arguments

from micrograd_mlp.engine import Value
from micrograd_mlp.gradcheck import gradcheck
from micrograd_mlp.tensor import Tensor

FORWARD = {"rtol": 1e-12, "atol": 1e-12}
ENGINES = {"rtol": 1e-9, "atol": 1e-12}
FINITE_DIFFERENCES = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-5}
EXAMPLES = 100  # per catalogue entry (32 entries)


def value_arrays(args: list[np.ndarray]) -> list[np.ndarray]:
    """One Value per element, in object arrays of the arguments' shapes."""
    out = []
    for a in args:
        values = np.empty(a.shape, dtype=object)
        for index in np.ndindex(a.shape):
            values[index] = Value(float(a[index]))
        out.append(values)
    return out


def apply_elementwise(fn, args: list[np.ndarray]) -> np.ndarray:
    """``fn`` on each element of the broadcast arguments (object or float arrays)."""
    args = np.broadcast_arrays(*args)
    out = np.empty(args[0].shape, dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = fn(*[a[index] for a in args])
    return out


def apply_reduction(fn, x: np.ndarray) -> np.ndarray:
    """``fn`` on the list of elements of each column of ``x`` (on the whole of a 1-D ``x``)."""
    if x.ndim == 1:
        out = np.empty((), dtype=object)
        out[()] = fn(list(x))
        return out
    out = np.empty(x.shape[1], dtype=object)
    for j in range(x.shape[1]):
        out[j] = fn(list(x[:, j]))
    return out


def apply(op: Op, version: str, args: list[np.ndarray]) -> np.ndarray:
    fn = getattr(op, version)
    if op.kind == "reduction":
        return apply_reduction(fn, args[0])
    return apply_elementwise(fn, args)


def value_total(op: Op, values: list[np.ndarray], w: np.ndarray) -> Value:
    """``sum(w * f(values))`` on the scalar engine (one dot node)."""
    outs = apply(op, "value", values)
    return Value.dot(w.reshape(-1).tolist(), list(outs.reshape(-1)))


@pytest.mark.parametrize("op", CATALOGUE, ids=lambda op: op.name)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_catalogue_entry_forward_engines_and_finite_differences(op: Op, data) -> None:
    args = data.draw(op_arguments(op), label="arguments")
    expected = apply(op, "math", [a.astype(object) for a in args]).astype(np.float64)
    w = data.draw(arrays(expected.shape, floats(-2.0, 2.0)), label="cotangent w")

    # 1. forward, scalar engine
    values = value_arrays(args)
    total = value_total(op, values, w)
    outs = apply(op, "value", values)
    got = np.array([v.data for v in outs.reshape(-1)]).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, **FORWARD, err_msg=f"{op.name}: Value forward")

    # 1. forward, vectorized engine
    tensors = [Tensor(a, requires_grad=True, dtype=np.float64) for a in args]
    out = op.tensor(*tensors)
    assert out.shape == expected.shape, f"{op.name}: Tensor result shape {out.shape}"
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, **FORWARD, err_msg=f"{op.name}: Tensor forward")

    # 2. Value gradients == Tensor gradients
    total.backward()
    (out * w).sum().backward()
    for i, (v, t) in enumerate(zip(values, tensors)):
        value_grad = np.array([0.0 if x.grad is None else x.grad for x in v.reshape(-1)])
        value_grad = value_grad.reshape(v.shape)
        tensor_grad = np.zeros(t.shape) if t.grad is None else t.grad
        assert tensor_grad.shape == t.shape, f"{op.name}: grad of argument {i} has a wrong shape"
        np.testing.assert_allclose(
            value_grad, tensor_grad, **ENGINES, err_msg=f"{op.name}: argument {i}"
        )

    # 3. both == central finite differences
    flat = [x for v in values for x in v.reshape(-1)]

    def value_fn(*leaves: Value) -> Value:
        it = iter(leaves)
        rebuilt = [np.array([next(it) for _ in range(v.size)], dtype=object) for v in values]
        return value_total(op, [r.reshape(v.shape) for r, v in zip(rebuilt, values)], w)

    gradcheck(value_fn, flat, **FINITE_DIFFERENCES)
    gradcheck(lambda *ts: (op.tensor(*ts) * w).sum(), tensors, **FINITE_DIFFERENCES)
