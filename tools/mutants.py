"""Mutation check of the derivative tables and the losses: does the test suite notice?

Each mutant is one small source edit. The *derivatives* group edits a derivative of the scalar
engine (``engine.py``: an op's ``_local_grads``), of the vectorized engine (``tensor/ops.py``:
an op's vector-Jacobian product; ``tensor/fused.py``): a flipped sign, a wrong factor, swapped
operands, a missing unbroadcast, a kink moved; and the backward loop of each engine
(``engine.py``'s ``Value._backward``/``backward`` and ``Constant.grad``; ``tensor/tensor.py``'s
``_backward``/``_accumulate``/``backward``): ``=`` instead of ``+=``, intermediate gradients not
reset, the seed assigned instead of added, the order not reversed, a number that keeps a
gradient, a gradient not cast to its operand's dtype or a view kept as a leaf's grad, an operand
skipped. The *losses* group edits the losses of both engines (``functional.py``,
``tensor/functional.py``) and their shared plumbing (``loss_common.py``): a
wrong mean denominator, a class weight ignored, label smoothing off by a factor, an ignored
sample still counted, a wrong sign or factor in a fused loss's hand-written backward, a clamp
moved or passing gradient, a margin's sign. For each mutant, the repository is copied to a
temporary directory, the edit applied there (the working tree is never touched) and the
mutant's test subset run (stopping at the first failure): the engine and catalogue tests for
the derivatives, the loss tests for the losses. A mutant is *caught* when the tests fail,
*survived* when they pass. An edit must match its file's text exactly once; one that matches
no longer (or more than once) is reported as an error, never run.

Usage::

    python tools/mutants.py                 # every mutant, each with its group's test subset
    python tools/mutants.py --list          # the mutants, numbered, with their group
    python tools/mutants.py --group losses  # one group
    python tools/mutants.py --only 3 17     # some of them
    python tools/mutants.py --check         # only check that every edit matches exactly once
    python tools/mutants.py --tests tests/test_rules.py   # one subset for every mutant run

Exit status 0 when every mutant was caught, 1 otherwise. The last run is quoted in
docs/architecture.md ("Mutation check").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "micrograd_mlp"

#: The tests a derivative mutant must fail: the engines' own tests, the edge-case catalogue
#: (torch), the gradient checker and the catalogue properties (finite differences, both engines).
DEFAULT_TESTS = (
    "tests/test_engine.py",
    "tests/test_tensor_engine.py",
    "tests/test_rules.py",
    "tests/test_gradcheck.py",
    "tests/test_nn.py",
    "tests/test_tensor_nn.py",
    "tests/test_prop_catalogue.py",
)

#: The tests a loss mutant must fail: both engines' losses against torch.nn.functional and
#: finite differences, identities between them, the loss modules, and the cross-engine
#: properties.
LOSS_TESTS = (
    "tests/test_functional.py",
    "tests/test_losses_torch.py",
    "tests/test_loss_modules.py",
)


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the package
    old: str  # must occur exactly once
    new: str
    what: str
    tests: tuple[str, ...] = DEFAULT_TESTS  # the subset it must fail


V, T, TT, FU = "engine.py", "tensor/ops.py", "tensor/tensor.py", "tensor/fused.py"
F, TF, LC = "functional.py", "tensor/functional.py", "loss_common.py"

DERIVATIVE_MUTANTS = [
    # ---------------------------------------- scalar engine (Value): each op's _local_grads
    Mutant(
        V, '"+", _local_grads=(1.0, 1.0))', '"+", _local_grads=(1.0, -1.0))', "Value +: d/db sign"
    ),
    Mutant(
        V, '"-", _local_grads=(1.0, -1.0))', '"-", _local_grads=(1.0, 1.0))', "Value -: d/db sign"
    ),
    Mutant(
        V,
        "_local_grads=(other.data, self.data)",
        "_local_grads=(self.data, other.data)",
        "Value *: swap",
    ),
    Mutant(V, "(1.0 / b, -q / b)", "(-1.0 / b, -q / b)", "Value /: d/da sign"),
    Mutant(V, "(1.0 / b, -q / b)", "(1.0 / b, q / b)", "Value /: d/db sign"),
    Mutant(V, "(1.0 / b, -q / b)", "(1.0 / b, -a / b)", "Value /: d/db factor"),
    Mutant(
        V,
        "if a > 0.0 else (0.0 if a == 0.0",
        "if a > 0.0 else (1.0 if a == 0.0",
        "Value ** Value: d/d exponent at base 0",
    ),
    Mutant(V, "d_b = out * math.log(a) if", "d_b = math.log(a) if", "Value **: d/db"),
    Mutant(V, "return p * a ** (p - 1.0)", "return a ** (p - 1.0)", "Value **: d/da factor"),
    Mutant(
        V,
        "    if p == 0.0:\n        return 0.0",
        "    if p == 0.0:\n        return 1.0",
        "Value ** 0: d/da",
    ),
    Mutant(V, "return math.inf  #", "return 0.0  #", "Value sqrt at 0: d/da"),
    Mutant(V, '"neg", _local_grads=(-1.0,))', '"neg", _local_grads=(1.0,))', "Value neg: sign"),
    Mutant(V, '"exp", _local_grads=(e,))', '"exp", _local_grads=(1.0,))', "Value exp"),
    Mutant(V, '"log", _local_grads=(1.0 / x,))', '"log", _local_grads=(x,))', "Value log"),
    Mutant(V, "(1.0 - t * t,)", "(1.0 - t,)", "Value tanh"),
    Mutant(V, "(s * (1.0 - s),)", "(s,)", "Value sigmoid"),
    Mutant(
        V,
        '        if x > 0.0:\n            return Value(x, (self,), "relu"',
        '        if x >= 0.0:\n            return Value(x, (self,), "relu"',
        "Value relu kink",
    ),
    Mutant(
        V,
        '"relu", _local_grads=(0.0,))',
        '"relu", _local_grads=(1.0,))',
        "Value relu: inactive passes gradient",
    ),
    Mutant(
        V,
        "local = 1.0 if self.data > 0.0 else",
        "local = 1.0 if self.data >= 0.0 else",
        "Value leaky_relu kink",
    ),
    Mutant(
        V,
        "(-1.0 if x < 0.0 else 0.0)",
        "(-1.0 if x < 0.0 else 1.0)",
        "Value abs kink",
    ),
    Mutant(V, "(-1.0 if x < 0.0", "(1.0 if x < 0.0", "Value abs: sign"),
    Mutant(V, "(1.0,) * len(children)", "(0.5,) * len(children)", "Value.sum factor"),
    Mutant(V, "(*x_data, *w_data, 1.0)", "(*w_data, *x_data, 1.0)", "Value.dot: swap"),
    Mutant(V, "(*x_data, *w_data, 1.0)", "(*x_data, *w_data, 0.0)", "Value.dot: bias"),
    # ------------------------------ scalar engine: the backward loop (_backward, backward)
    Mutant(
        V,
        "            child.grad += local * self.grad",
        "            child.grad = local * self.grad",
        "Value._backward: = instead of += (no accumulation)",
    ),
    Mutant(
        V,
        "            if node._children:  # intermediate nodes start fresh; leaves keep theirs\n"
        "                node.grad = 0.0",
        "            if node._children:  # intermediate nodes start fresh; leaves keep theirs\n"
        "                pass",
        "Value.backward: intermediate gradients not reset to 0.0",
    ),
    Mutant(
        V,
        "self.grad += gradient  #",
        "self.grad = gradient  #",
        "Value.backward: the seed assigned instead of added",
    ),
    Mutant(
        V,
        "for node in reversed(order):  # from the output back",
        "for node in order:  # from the output back",
        "Value.backward: reversed(order) dropped",
    ),
    Mutant(
        V,
        "    @property\n    def grad(self) -> float:\n        return 0.0\n\n"
        "    @grad.setter\n    def grad(self, value: float) -> None:\n"
        "        pass  # a number has no gradient of its own\n",
        "",
        "Constant.grad: the setter keeps the value (a number gets a gradient)",
    ),
    # ------------------------------------------- vectorized engine (Tensor): tensor/ops.py
    Mutant(
        T,
        "_unbroadcast(g, ctx.b_shape) if need_b else None,\n        )\n\n\nclass Sub",
        "g if need_b else None,\n        )\n\n\nclass Sub",
        "Tensor +: no unbroadcast",
    ),
    Mutant(T, "_unbroadcast(-g, ctx.b_shape)", "_unbroadcast(g, ctx.b_shape)", "Tensor -: sign"),
    Mutant(T, "_unbroadcast(g * b, a.shape)", "_unbroadcast(g * a, a.shape)", "Tensor *: swap"),
    Mutant(
        T, "_unbroadcast(g * a, b.shape) if need_b", "g * a if need_b", "Tensor *: no unbroadcast"
    ),
    Mutant(
        T, "_unbroadcast(g / b, ctx.a_shape)", "_unbroadcast(g * b, ctx.a_shape)", "Tensor /: d/da"
    ),
    Mutant(
        T,
        "_unbroadcast(-g * ctx.q / b, b.shape)",
        "_unbroadcast(g * ctx.q / b, b.shape)",
        "Tensor /: d/db sign",
    ),
    Mutant(
        T,
        "np.where(p == 0, 0, p * x ** (p - 1))",
        "np.where(p == 0, 0, x ** (p - 1))",
        "Tensor ** Tensor: d/da factor",
    ),
    Mutant(
        T,
        "np.where(x == 0, 0, ctx.out * np.log(x))",
        "np.where(x == 0, 1, ctx.out * np.log(x))",
        "Tensor ** Tensor: d/db at base 0",
    ),
    Mutant(
        T,
        "np.where(x == 0, 0, ctx.out * np.log(x)), p.shape)",
        "np.where(x == 0, 0, np.log(x)), p.shape)",
        "Tensor ** Tensor: d/db",
    ),
    Mutant(
        T,
        "        if p == 0:\n            return np.zeros_like(g)",
        "        if p == 0:\n            return g",
        "Tensor ** 0",
    ),
    Mutant(
        T,
        "return g * (p * ctx.a ** (p - 1))",
        "return g * (ctx.a ** (p - 1))",
        "Tensor ** p: factor",
    ),
    Mutant(
        T,
        "    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:\n        return -g",
        "    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:\n        return g",
        "Tensor neg",
    ),
    Mutant(
        T,
        "ga = _unbroadcast(np.matmul(g, np.swapaxes(B, -1, -2)), A.shape)",
        "ga = (np.matmul(g, np.swapaxes(B, -1, -2)).sum(axis=0) if g.ndim > A.ndim else "
        "np.matmul(g, np.swapaxes(B, -1, -2)))",
        "Tensor @: d/dA unbroadcast (lead axes only)",
    ),
    Mutant(
        T,
        "ga = _unbroadcast(np.matmul(g, np.swapaxes(B, -1, -2)), A.shape)",
        "ga = np.matmul(g, np.swapaxes(B, -1, -2))",
        "Tensor @: d/dA no unbroadcast",
    ),
    Mutant(
        T,
        "gb = _unbroadcast(np.matmul(np.swapaxes(A, -1, -2), g), B.shape)",
        "gb = np.matmul(np.swapaxes(A, -1, -2), g)",
        "Tensor @: d/dB no unbroadcast",
    ),
    Mutant(T, "np.matmul(g, np.swapaxes(B, -1, -2))", "np.matmul(g, B)", "Tensor @: no B^T"),
    Mutant(T, "        return g * ctx.out\n", "        return g\n", "Tensor exp"),
    Mutant(T, "return g / ctx.x", "return g * ctx.x", "Tensor log"),
    Mutant(T, "return g * (1 - t * t)", "return g * (1 - t)", "Tensor tanh"),
    Mutant(T, "return g * (s * (1 - s))", "return g * s", "Tensor sigmoid"),
    Mutant(T, "return g * (ctx.out > 0)", "return g * (ctx.out >= 0)", "Tensor relu kink"),
    Mutant(
        T,
        "np.where(ctx.x > 0, g, g * ctx.slope)",
        "np.where(ctx.x >= 0, g, g * ctx.slope)",
        "Tensor leaky_relu kink",
    ),
    Mutant(
        T,
        "np.where(ctx.x > 0, g, g * ctx.slope)",
        "np.where(ctx.x > 0, g, -g * ctx.slope)",
        "Tensor leaky_relu: sign",
    ),
    Mutant(T, "return g * np.sign(ctx.x)", "return g * np.abs(np.sign(ctx.x))", "Tensor abs"),
    Mutant(T, "return g.astype(ctx.x_dtype)", "return g", "Tensor astype: no cast back"),
    Mutant(
        T,
        "return _expand(g, ctx.shape, ctx.axis, ctx.keepdims)",
        "return _expand(g * 2, ctx.shape, ctx.axis, ctx.keepdims)",
        "Tensor sum: factor",
    ),
    Mutant(T, "_expand(g / ctx.n,", "_expand(g * ctx.n,", "Tensor mean: factor"),
    Mutant(T, "return is_max * (g / ties)", "return is_max * g", "Tensor max: ties"),
    Mutant(T, "return s * (g - (g * s).sum(", "return s * (g + (g * s).sum(", "Tensor softmax"),
    Mutant(
        T,
        "return g - np.exp(ctx.out) * g.sum(",
        "return g + np.exp(ctx.out) * g.sum(",
        "Tensor log_softmax",
    ),
    Mutant(
        T,
        "g.transpose(np.argsort(ctx.axes))",
        "g.transpose(ctx.axes)",
        "Tensor transpose: permutation instead of its inverse",
    ),
    Mutant(
        T,
        "np.add.at(grad, ctx.index, g)",
        "grad[ctx.index] = g",
        "Tensor index: repeated elements overwrite",
    ),
    Mutant(
        T,
        "        g = g.sum(axis=stretched, keepdims=True)",
        "        pass",
        "_unbroadcast: stretched axes not summed",
    ),
    # ----------------- vectorized engine: the backward loop (tensor/tensor.py: _backward,
    # _accumulate, backward)
    Mutant(TT, "child.grad = child.grad + g", "child.grad = g", "Tensor _accumulate: = not +="),
    Mutant(
        TT,
        "        g = g.astype(child.data.dtype)\n",
        "        pass\n",
        "Tensor _accumulate: gradient not cast to the operand's dtype",
    ),
    Mutant(
        TT,
        "            g = np.array(g)\n",
        "            pass\n",
        "Tensor _accumulate: a leaf's grad not copied (a view or a shared array kept)",
    ),
    Mutant(
        TT,
        "            or g.base is not None\n",
        "",
        "Tensor _accumulate: a view becomes a leaf's grad uncopied",
    ),
    Mutant(
        TT,
        "for child, g in zip(self._children, self._vjp()):",
        "for child, g in zip(self._children[1:], self._vjp()[1:]):",
        "Tensor _backward: the first operand skipped",
    ),
    Mutant(
        TT,
        "for child, g in zip(self._children, self._vjp()):",
        "for child, g in zip(self._children[:-1], self._vjp()):",
        "Tensor _backward: the last operand skipped",
    ),
    Mutant(
        TT,
        "                node.grad = None\n",
        "                pass\n",
        "Tensor.backward: intermediate gradients not reset",
    ),
    Mutant(
        TT,
        "_accumulate(self, seed, None)",
        "self.grad = seed",
        "Tensor.backward: the seed assigned instead of added",
    ),
    Mutant(
        TT,
        "for node in reversed(order):  # each node's grad",
        "for node in order:  # each node's grad",
        "Tensor.backward: reversed(order) dropped",
    ),
    # --------------------------------------------------- fused op (tensor/fused.py)
    Mutant(
        FU,
        "gx = np.matmul(g, w) if need_x",
        "gx = np.matmul(g, w) * 2 if need_x",
        "linear: d/dx factor",
    ),
    Mutant(
        FU,
        "(g2.sum(axis=0) if need_b[0]",
        "(g2.mean(axis=0) if need_b[0]",
        "linear: d/db mean instead of sum",
    ),
    Mutant(
        FU,
        "gw = np.matmul(g2.T, x.reshape(-1, x.shape[-1]))",
        "gw = np.matmul(g2.T, -x.reshape(-1, x.shape[-1]))",
        "linear: d/dW sign",
    ),
]


def _loss(path: str, old: str, new: str, what: str) -> Mutant:
    return Mutant(path, old, new, what, LOSS_TESTS)


LOSS_MUTANTS = [
    # ------------------------------------------------------- scalar losses (functional.py)
    _loss(
        F,
        "len(losses) if denominator is None",
        "len(losses) + 1 if denominator is None",
        "scalar mean: divides by N + 1",
    ),
    _loss(F, "denominator += w[t]", "denominator += 1.0", "scalar CE: weighted mean divides by N"),
    _loss(
        F,
        "coef[t] += (1.0 - smoothing) * w[t]",
        "coef[t] += 1.0 - smoothing",
        "scalar CE: target's class weight ignored",
    ),
    _loss(
        F,
        "coef = [smoothing / c * wk for wk in w]",
        "coef = [smoothing * wk for wk in w]",
        "scalar CE: label smoothing not divided by C",
    ),
    _loss(
        F,
        "losses.append(Value.dot([0.0] * c, row))",
        "losses.append(Value.dot([0.0] * c, row))\n            denominator += 1.0",
        "scalar CE: an ignored sample still counted in the mean",
    ),
    _loss(
        F,
        "- y * _clamped_log(p))",
        "+ y * _clamped_log(p))",
        "scalar BCE: sign of the y log p term",
    ),
    _loss(
        F,
        "return (x.exp() + 1.0).log() - x",
        "return (x.exp() + 1.0).log() + x",
        "scalar BCE with logits: softplus(-x) sign for x < 0",
    ),
    _loss(
        F,
        "(1.0 + (r - 1.0) * y) * _softplus_of_minus(x)",
        "r * _softplus_of_minus(x)",
        "scalar BCE with logits: pos_weight applied to negatives too",
    ),
    _loss(
        F,
        "(v - v.data) + eps for v in vs]",
        "Value(eps) for v in vs]",
        "scalar Gaussian NLL: the eps clamp stops var's gradient",
    ),
    _loss(
        F,
        "(margin - y * x).relu() for x, y",
        "(-margin - y * x).relu() for x, y",
        "scalar hinge: margin sign",
    ),
    # ------------------------------------------------ vectorized losses (tensor/functional.py)
    _loss(
        TF,
        "losses.size if denominator is None",
        "len(losses) if denominator is None",
        "Tensor mean: divides by the rows, not the elements",
    ),
    _loss(
        TF,
        "np.ones(n, z.dtype)) * valid",
        "np.ones(n, z.dtype))",
        "Tensor CE: ignore_index not ignored (counted as class 0)",
    ),
    _loss(
        TF,
        "smooth = (smoothing / c) * valid[:, None]",
        "smooth = smoothing * valid[:, None]",
        "Tensor CE: label smoothing not divided by C",
    ),
    _loss(
        TF,
        "scale = g / ctx.denominator if",
        "scale = g if",
        "Tensor CE backward: the mean's denominator forgotten",
    ),
    _loss(
        TF,
        "grad[np.arange(n), ctx.t] -= picked",
        "grad[np.arange(n), ctx.t] += picked",
        "Tensor CE backward: sign of the target term",
    ),
    _loss(
        TF,
        "row_total += 1.0 if ctx.coef is None else ctx.coef",
        "row_total += 1.0",
        "Tensor CE backward: class weight ignored in sum_c A_nc",
    ),
    _loss(
        TF,
        "ctx.target_grad = -(1 - smoothing) * (shifted",
        "ctx.target_grad = -(shifted",
        "Tensor CE backward: d/d probabilities without (1 - eps)",
    ),
    _loss(
        TF,
        "np.where(ctx.p_active, -y / p, 0)",
        "np.where(ctx.p_active, y / p, 0)",
        "Tensor BCE backward: sign of -y / p",
    ),
    _loss(
        TF,
        "ctx.p_active, ctx.q_active = log_p >= LOG_FLOOR, log_q >= LOG_FLOOR",
        "ctx.p_active, ctx.q_active = log_p >= -np.inf, log_q >= -np.inf",
        "Tensor BCE backward: a clamped log term passes gradient",
    ),
    _loss(
        TF,
        "(1 - y) / (1 - p), 0)\n        return g * d if ctx.w is None else g * d * ctx.w",
        "(1 - y) / (1 - p), 0)\n        return g * d",
        "Tensor BCE backward: weight ignored",
    ),
    _loss(
        TF,
        "d = sigmoid - y if lw is None",
        "d = y - sigmoid if lw is None",
        "Tensor BCE with logits backward: sign",
    ),
    _loss(
        TF,
        "np.where(x >= 0, 1, e) / (1 + e)",
        "np.where(x >= 0, e, 1) / (1 + e)",
        "Tensor BCE with logits backward: sigmoid(-x) instead of sigmoid(x)",
    ),
    _loss(
        TF,
        "v = (v - v.data) + np.maximum(v.data, eps)",
        "v = v * 0.0 + np.maximum(v.data, eps)",
        "Tensor Gaussian NLL: the eps clamp stops var's gradient",
    ),
    _loss(
        TF,
        "(margin - y * x).relu(), reduction)",
        "(-margin - y * x).relu(), reduction)",
        "Tensor hinge: margin sign",
    ),
    # ------------------------------------------------- shared plumbing (loss_common.py)
    _loss(
        LC,
        'if reduction == "sum" or',
        'if reduction == "mean" or',
        "reduce: mean and sum swapped",
    ),
    _loss(LC, "LOG_FLOOR = -100.0", "LOG_FLOOR = -50.0", "BCE log clamp at -50, not -100"),
]

MUTANTS = DERIVATIVE_MUTANTS + LOSS_MUTANTS
GROUPS = {"derivatives": DERIVATIVE_MUTANTS, "losses": LOSS_MUTANTS}


def matches(tree: Path, mutant: Mutant) -> int:
    """How many times ``mutant``'s edit occurs in its file under ``tree`` (it must be 1)."""
    path = tree / PACKAGE / mutant.path
    return path.read_text().count(mutant.old) if path.exists() else 0


def mismatch(count: int) -> str:
    """The error outcome of an edit that does not match exactly once."""
    where = "no longer matches the source" if count == 0 else f"matches {count} places"
    return f"error (the edit {where})"


def apply(tree: Path, mutant: Mutant) -> bool:
    """Apply ``mutant`` to the copy in ``tree``; False if its edit does not match exactly once."""
    path = tree / PACKAGE / mutant.path
    text = path.read_text()
    if text.count(mutant.old) != 1:
        return False
    path.write_text(text.replace(mutant.old, mutant.new))
    return True


def run_one(
    mutant: Mutant, tests: list[str] | tuple[str, ...], timeout: float
) -> tuple[str, float]:
    """Apply ``mutant`` in a fresh copy of the repository and run ``tests`` there."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        tree = Path(tmp)
        shutil.copytree(
            ROOT / PACKAGE, tree / PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(
            ROOT / "tests", tree / "tests", ignore=shutil.ignore_patterns("__pycache__")
        )
        for name in ("setup.cfg", "pyproject.toml"):
            if (ROOT / name).exists():
                shutil.copy(ROOT / name, tree / name)
        count = matches(tree, mutant)
        if count != 1 or not apply(tree, mutant):  # the source changed: update this list
            return mismatch(count), 0.0
        env = dict(os.environ, PYTHONPATH=str(tree), HYPOTHESIS_PROFILE="ci")
        command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command, cwd=tree, env=env, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return "caught (timeout)", time.perf_counter() - start
        seconds = time.perf_counter() - start
        if done.returncode == 0:
            return "SURVIVED", seconds
        if done.returncode in (1,):
            return "caught", seconds
        return f"error (pytest exit {done.returncode})", seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check that every chosen edit matches its source exactly once, run no tests",
    )
    parser.add_argument("--group", choices=sorted(GROUPS), help="only this group of mutants")
    parser.add_argument("--only", type=int, nargs="+", metavar="N", help="run these mutants")
    parser.add_argument(
        "--tests",
        nargs="+",
        help="test files for every mutant (default: each mutant's own subset: "
        f"{' '.join(DEFAULT_TESTS)} for derivatives, {' '.join(LOSS_TESTS)} for losses)",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant")
    args = parser.parse_args(argv)
    chosen = list(enumerate(MUTANTS, 1))
    if args.only:
        bad = [n for n in args.only if not 1 <= n <= len(MUTANTS)]
        if bad:
            parser.error(f"--only: no mutant {bad[0]} (there are {len(MUTANTS)})")
        chosen = [(n, MUTANTS[n - 1]) for n in args.only]
    if args.group:
        members = {id(m) for m in GROUPS[args.group]}
        chosen = [(n, m) for n, m in chosen if id(m) in members]
    group_of = {id(m): name for name, ms in GROUPS.items() for m in ms}
    if args.list:
        for n, m in chosen:
            print(f"{n:3d}  {group_of[id(m)]:11s} {m.path:20s} {m.what}")
        return 0
    if args.check:
        bad = [(n, m, matches(ROOT, m)) for n, m in chosen if matches(ROOT, m) != 1]
        for n, m, count in bad:
            print(f"{n:3d}  {mismatch(count)}  {m.path}: {m.what}")
        print(
            f"{len(chosen)} mutants: {len(chosen) - len(bad)} edits match once, {len(bad)} do not"
        )
        return 0 if not bad else 1
    results = []
    for n, mutant in chosen:
        outcome, seconds = run_one(mutant, args.tests or mutant.tests, args.timeout)
        results.append(outcome)
        print(f"{n:3d}  {outcome:10s} {seconds:6.1f}s  {mutant.path}: {mutant.what}", flush=True)
    caught = sum(r.startswith("caught") for r in results)
    survived = sum(r == "SURVIVED" for r in results)
    errors = len(results) - caught - survived
    print(f"{len(results)} mutants: {caught} caught, {survived} survived, {errors} errors")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
