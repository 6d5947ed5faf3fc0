"""Mutation check of the derivatives, the losses, dropout, state loading, the data loader, the
exercises' grader and the explorer's numbers: does the test suite notice?

Each mutant is one small source edit. The *derivatives* group edits a derivative of the scalar
engine (``engine.py``: an op's ``_local_grads``), of the vectorized engine (``tensor/ops.py``:
an op's vector-Jacobian product; ``tensor/fused.py``): a flipped sign, a wrong factor, swapped
operands, a missing unbroadcast, a kink moved; and the backward loop of each engine
(``engine.py``'s ``Value._backward``/``backward`` and ``Constant.grad``; ``tensor/tensor.py``'s
``_backward``/``_accumulate``/``backward``): ``=`` instead of ``+=``, intermediate gradients not
reset, the seed assigned instead of added, the order not reversed, a number that keeps a
gradient, a gradient not cast to its operand's dtype or a view kept as a leaf's grad, an operand
skipped. The *losses* group edits the losses of both engines (``functional.py``,
``tensor/functional.py``) and their shared plumbing (``loss_common.py``): a wrong mean
denominator, a class weight ignored, label smoothing off by a factor, an ignored sample still
counted, a wrong sign or factor in a fused loss's hand-written backward, a clamp moved or
passing gradient, a margin's sign. The *dropout* group edits both engines' ``Dropout``
(``nn.py``, ``tensor/nn.py``), their MLPs' placement of it and ``Module.train`` (``module.py``):
kept values scaled by ``1/p`` or ``1-p`` instead of ``1/(1-p)``, kept with probability ``p`` (a
comparison flipped), the mask reused across calls, evaluation mode still dropping, dropped
values scaled instead of zeroed, the forward masked but not the gradient, ``p = 1`` passing
everything, dropout after the output layer, ``eval()`` not reaching submodules. The *state*
group edits ``state_dict``/``load_state_dict`` of the optimizers (``optim/optimizer.py``,
``adam.py``, ``rmsprop.py``, ``adagrad.py``), the schedulers (``optim/lr_scheduler.py``) and
``Module`` (``module.py``; the Tensor ``Linear``'s loading in ``tensor/nn.py``): a check dropped
(finiteness, a dtype's range, sums of squares >= 0, integrality and range of ``step``,
``last_epoch``, ``_step_count``), an assignment moved before the checks (not all or nothing),
hyperparameters, ``base_lrs`` or ``_last_lr`` not restored, the state of a parameter without a
grad lost on save, a parameter absent from the checkpoint keeping a used optimizer's step count
or moments or starting at 0 instead of its initial value, ``step`` or ``last_epoch`` off by one
after a load, a buffer or parameter handed out or bound uncopied (aliased). The *loader* group
edits ``data/loader.py``: the per-epoch seed (``seed + epoch``, the same order every epoch, the
epoch advanced before its order is drawn, one fixed seed for every unseeded loader),
``set_epoch`` ignored, ``drop_last`` off by one, the last partial batch lost (batches or
``len``), the labels not shuffled with the images, ``normalize`` not dividing by 255 (or by 256,
or multiplying by ``1/255``), ``dtype`` ignored, labels as views of the data set. The *grader*
group edits the exercises' checker (``exercises/``: ``grading.py``, ``session.py``,
``runner.py``, ``__init__.py``, ``checkers/*.py``) where a wrong answer would pass or a right
one fail: the tolerance loosened (1e-12 to 1e-6), numbers or arrays compared by their absolute
values, an array passing on one right entry, a comparison without the size of the terms a sum is
made of, least squares to 1e-4; derivatives sampled on x > 0 only (relu, integer powers,
``away_from_zero``), inputs drawn once (the same every run, or for all of a function's cases),
``_backward`` tried on operands whose grad is 0, no logits near +-1000; a verdict read from the
learner's process (exit status 0), what it prints read as answers, the output bound not
enforced, the time bound per answer instead of per exercise, the process killed but not its
group; the deep chain 500 deep, a recursion limit raised inside the function unseen; a single
training seed, gradient resets checked only when no pass reset them, counted stale without a
step between, or not watched through the library's ``Value``; the hint level ignored. The
*explorer* group edits the numbers of the backward-pass explorer: its observer
(``viz/backprop.py``: ``backward_steps``, ``_updates``), the page's data (``viz/explorer.py``)
and its replay (``viz/assets/explorer.js``): each edge's product with the other operand's local
derivative or the upstream of the wrong node (the output's, the child's own), a running total
not carried over or not kept per use for a child used twice, a constant given a gradient, the
grads not restored after the replay or not reset before it, a product on the other operand's
edge or both uses of ``x * x`` on one edge, a leaf's gradient shown from another leaf, the last
contribution shown instead of the running total, a final gradient or chain-rule sum from the
first use, a complete gradient shown as partial, the SGD step with a stale ``.grad`` or up the
gradient, the parameters left updated. For each mutant, the repository is copied to a temporary
directory, the edit applied there (the working tree is never touched) and the mutant's test
subset run (stopping at the first failure): the engine and catalogue tests for the derivatives,
the loss tests for the losses, ``test_dropout``, ``test_nn`` and ``test_tensor_nn`` for dropout,
``test_state_loads``, ``test_resume`` and ``test_optim`` for state, ``test_data_loader`` and
``test_data_mnist`` for the loader, ``test_grader``, ``test_exercises`` and
``test_exercise_hints`` for the grader, ``test_explorer_oracle`` (the page against torch, in
headless Chromium), ``test_explorer`` and ``test_backprop_viz`` for the explorer (the constants
``DEFAULT_TESTS``, ``LOSS_TESTS``, ``DROPOUT_TESTS``, ``STATE_TESTS``, ``LOADER_TESTS``,
``GRADER_TESTS``, ``EXPLORER_TESTS``). The copy holds the package, ``tests/``, ``docs/``
(pictures a test reads) and the project's ``setup.cfg`` and ``pyproject.toml``. A mutant is
*caught* when the tests fail, *survived* when they pass. An edit must match its file's text
exactly once; one that matches no longer (or more than once) is reported as an error, never run.

Usage::

    python tools/mutants.py                 # every mutant, each with its group's test subset
    python tools/mutants.py --list          # the mutants, numbered, with their group
    python tools/mutants.py --group losses  # one group: derivatives, losses, dropout, state,
                                            # loader, grader, explorer
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

#: The tests a dropout mutant must fail: the dropout tests and both engines' networks.
DROPOUT_TESTS = ("tests/test_dropout.py", "tests/test_nn.py", "tests/test_tensor_nn.py")

#: The tests a state mutant must fail: every load_state_dict's checks, resuming, the optimizers.
STATE_TESTS = ("tests/test_state_loads.py", "tests/test_resume.py", "tests/test_optim.py")

#: The tests a loader mutant must fail: the DataLoader's and the MNIST data tests.
LOADER_TESTS = ("tests/test_data_loader.py", "tests/test_data_mnist.py")

#: The tests a grader mutant must fail: what a learner's file cannot fake and the answers that
#: used to pass (test_grader), the reference solutions and each typical mistake
#: (test_exercises), the hints' levels (test_exercise_hints).
GRADER_TESTS = (
    "tests/test_grader.py",
    "tests/test_exercises.py",
    "tests/test_exercise_hints.py",
)

#: The tests an explorer mutant must fail: the page's numbers against torch in headless
#: Chromium (test_explorer_oracle), the page's states and panels (test_explorer), the backward
#: observer and its text (test_backprop_viz).
EXPLORER_TESTS = (
    "tests/test_explorer_oracle.py",
    "tests/test_explorer.py",
    "tests/test_backprop_viz.py",
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

def _group(tests: tuple[str, ...]):
    """A maker of the mutants whose test subset is ``tests``."""

    def make(path: str, old: str, new: str, what: str) -> Mutant:
        return Mutant(path, old, new, what, tests)

    return make


_dropout, _state, _loader = _group(DROPOUT_TESTS), _group(STATE_TESTS), _group(LOADER_TESTS)
N, TN, M = "nn.py", "tensor/nn.py", "module.py"
OPT, ADAM, SGD_, ADAGRAD = "optim/optimizer.py", "optim/adam.py", "optim/sgd.py", "optim/adagrad.py"
RMS, SCHED, LOADER = "optim/rmsprop.py", "optim/lr_scheduler.py", "data/loader.py"

DROPOUT_MUTANTS = [
    # --------------------------------------------------------- scalar engine (nn.py)
    _dropout(
        N,
        "scale = 1.0 / (1.0 - self.p) if",
        "scale = 1.0 / self.p if",
        "scalar Dropout: kept values scaled by 1/p",
    ),
    _dropout(
        N,
        "scale = 1.0 / (1.0 - self.p) if",
        "scale = 1.0 - self.p if",
        "scalar Dropout: kept values scaled by 1-p",
    ),
    _dropout(
        N,
        "keep = self.rng.random(len(values)) >= self.p",
        "keep = self.rng.random(len(values)) < self.p",
        "scalar Dropout: keeps with probability p (comparison flipped)",
    ),
    _dropout(
        N,
        "        keep = self.rng.random(len(values)) >= self.p\n",
        '        if getattr(self, "_keep", None) is None or len(self._keep) != len(values):\n'
        "            self._keep = self.rng.random(len(values)) >= self.p\n"
        "        keep = self._keep\n",
        "scalar Dropout: the mask reused across calls",
    ),
    _dropout(
        N,
        "        if not self.training or self.p == 0.0:\n            return values",
        "        if self.p == 0.0:\n            return values",
        "scalar Dropout: evaluation mode still drops",
    ),
    _dropout(
        N,
        "else v * 0.0 for v, k in",
        "else v * self.p for v, k in",
        "scalar Dropout: dropped values scaled by p, not zeroed",
    ),
    _dropout(
        N,
        "else v * 0.0 for v, k in",
        "else (v * scale - v.data * scale if isinstance(v, Value) else 0.0) for v, k in",
        "scalar Dropout: a dropped value is 0 but its gradient not masked",
    ),
    _dropout(
        N,
        "            if i < last and self.dropout is not None:\n"
        "                out = self.dropout(out)",
        "            if self.dropout is not None:\n                out = self.dropout(out)",
        "scalar MLP: dropout after the output layer too",
    ),
    # ------------------------------------------------- vectorized engine (tensor/nn.py)
    _dropout(
        TN,
        "np.divide(keep, 1.0 - self.p, dtype=dtype)",
        "np.divide(keep, self.p, dtype=dtype)",
        "Tensor Dropout: kept values scaled by 1/p",
    ),
    _dropout(
        TN,
        "np.divide(keep, 1.0 - self.p, dtype=dtype)",
        "np.multiply(keep, 1.0 - self.p, dtype=dtype)",
        "Tensor Dropout: kept values scaled by 1-p",
    ),
    _dropout(
        TN,
        "keep = self.rng.random(x.shape, dtype=dtype) >= dtype.type(self.p)",
        "keep = self.rng.random(x.shape, dtype=dtype) < dtype.type(self.p)",
        "Tensor Dropout: keeps with probability p (comparison flipped)",
    ),
    _dropout(
        TN,
        "        keep = self.rng.random(x.shape, dtype=dtype) >= dtype.type(self.p)\n",
        '        keep = getattr(self, "_keep", None)\n'
        "        if keep is None or keep.shape != x.shape:\n"
        "            keep = self._keep = self.rng.random(x.shape, dtype=dtype) >= "
        "dtype.type(self.p)\n",
        "Tensor Dropout: the mask reused across calls",
    ),
    _dropout(
        TN,
        "        if not self.training or self.p == 0.0:\n            return x",
        "        if self.p == 0.0:\n            return x",
        "Tensor Dropout: evaluation mode still drops",
    ),
    _dropout(
        TN,
        "return x * np.divide(keep, 1.0 - self.p, dtype=dtype)",
        "return x * np.where(keep, dtype.type(1 / (1 - self.p)), dtype.type(self.p))",
        "Tensor Dropout: dropped values scaled by p, not zeroed",
    ),
    _dropout(
        TN,
        "        return x * np.divide(keep, 1.0 - self.p, dtype=dtype)\n",
        "        out = x * dtype.type(1.0 / (1.0 - self.p))\n"
        "        out.data *= keep  # the forward masked, the backward not\n"
        "        return out\n",
        "Tensor Dropout: the forward masked, the gradient not",
    ),
    _dropout(
        TN,
        "        if self.p == 1.0:\n            return x * 0.0",
        "        if self.p == 1.0:\n            return x",
        "Tensor Dropout: p = 1 passes everything",
    ),
    _dropout(
        TN,
        "            if i < last and self.dropout is not None:\n"
        "                x = self.dropout(x)",
        "            if self.dropout is not None:\n                x = self.dropout(x)",
        "Tensor MLP: dropout after the output layer too",
    ),
    # ------------------------------------------------------- both (module.py: train/eval)
    _dropout(
        M,
        "        for _, module in self._named_modules():\n            module.training = bool(mode)",
        "        self.training = bool(mode)",
        "Module.train/eval: the mode not passed to submodules (a child's dropout stays on)",
    ),
]

STATE_MUTANTS = [
    # ------------------------------------- optimizers: state_dict/load_state_dict (optimizer.py)
    _state(
        OPT,
        "            finite = bool(np.isfinite(value).all())\n",
        "            finite = True\n",
        "Optimizer load: the NaN/infinity check of a state array dropped",
    ),
    _state(
        OPT,
        "            elif not np.isfinite(value).all():\n",
        "            elif False:\n",
        "Optimizer load: the check against the parameter's dtype range dropped",
    ),
    _state(
        OPT,
        "            elif name in self._nonnegative and (value < 0).any():",
        "            elif False:",
        "Optimizer load: the check that sums of squares are >= 0 dropped",
    ),
    _state(
        OPT,
        "    if floats and isinstance(x, float) and x.is_integer():\n        x = int(x)",
        "    if floats and isinstance(x, float):\n        x = int(x)",
        "saved_count: a float step truncated (2.5 -> 2), integrality not checked",
    ),
    _state(
        OPT,
        'state["step"] = saved_count(key, entries[name], 1, floats=True)',
        'state["step"] = saved_count(key, entries[name], 0, floats=True)',
        "Optimizer load: step 0 accepted",
    ),
    _state(
        OPT,
        "        saved = self._saved(hyper)  # the entries each updated parameter must have\n",
        "        for name, value in hyper.items():\n"
        "            setattr(self, name, value)\n"
        "        saved = self._saved(hyper)  # the entries each updated parameter must have\n",
        "Optimizer load: hyperparameters assigned before the state is checked",
    ),
    _state(
        OPT,
        "        for name, value in hyper.items():\n            setattr(self, name, value)\n"
        "        moments = self._moments()\n",
        "        moments = self._moments()\n",
        "Optimizer load: hyperparameters (lr, ...) not restored",
    ),
    _state(
        OPT,
        "            if bucket.steps[k] == 0:\n                continue\n",
        '            if bucket.steps[k] == 0 or getattr(self.params[i], "grad", 0.0) is None:\n'
        "                continue\n",
        "Optimizer state_dict: the state of a parameter without a grad right now lost",
    ),
    _state(
        OPT,
        "            bucket.steps[:] = 0\n",
        "",
        "Optimizer load: step counts of parameters absent from the checkpoint not reset",
    ),
    _state(
        OPT,
        "                name: np.full(len(bucket.data), self._initial(name), bucket.dtype)\n"
        "                for name in moments\n            }\n        for i, state",
        "                name: bucket.state.get(\n"
        "                    name, np.full(len(bucket.data), self._initial(name), bucket.dtype))\n"
        "                for name in moments\n            }\n        for i, state",
        "Optimizer load: a used optimizer's moments kept for parameters absent from the checkpoint",
    ),
    _state(
        OPT,
        "                name: np.full(len(bucket.data), self._initial(name), bucket.dtype)\n"
        "                for name in moments\n            }\n        for i, state",
        "                name: np.zeros(len(bucket.data), bucket.dtype)\n"
        "                for name in moments\n            }\n        for i, state",
        "Optimizer load: a parameter that never stepped starts at 0, not at _initial",
    ),
    _state(
        OPT,
        'bucket.steps[k] = state.pop("step")',
        'bucket.steps[k] = state.pop("step") - 1',
        "Optimizer load: step off by one",
    ),
    _state(
        OPT,
        'state: dict[str, Any] = {"step": 1}',
        'state: dict[str, Any] = {"step": 0}',
        "Optimizer load: a state without a step (SGD) loaded as never stepped",
    ),
    _state(
        OPT,
        "value = bucket.state[name][part].reshape(self._shapes[i]).copy()",
        "value = bucket.state[name][part].reshape(self._shapes[i])",
        "Optimizer state_dict: a moment buffer handed out uncopied (aliased)",
    ),
    _state(
        ADAM,
        '_nonnegative = ("exp_avg_sq", "max_exp_avg_sq")',
        '_nonnegative = ("exp_avg_sq",)',
        "Adam load: a negative max_exp_avg_sq accepted",
    ),
    _state(ADAGRAD, '_nonnegative = ("sum",)', "_nonnegative = ()", "Adagrad load: negative sum"),
    _state(RMS, '_nonnegative = ("square_avg",)', "_nonnegative = ()", "RMSprop: negative avg"),
    # ----------------------------------------------------- schedulers (lr_scheduler.py)
    _state(
        SCHED,
        'last_epoch = saved_count("last_epoch", state_dict["last_epoch"], 0)',
        'last_epoch = int(state_dict["last_epoch"])',
        "Scheduler load: last_epoch's checks dropped (2.7 truncated, -1 accepted)",
    ),
    _state(
        SCHED,
        "            if step_count > last_epoch + 1:\n",
        "            if False:\n",
        "Scheduler load: _step_count <= last_epoch + 1 not checked",
    ),
    _state(
        SCHED,
        'return nonnegative_real(name, float(array[0]))',
        "return float(array[0])",
        "Scheduler load: a rate's finiteness and sign not checked",
    ),
    _state(
        SCHED,
        '            base_lrs = [_saved_rate("base_lrs", state_dict["base_lrs"])]\n',
        "            for name, value in hyper.items():\n"
        "                setattr(self, name, value)\n"
        '            base_lrs = [_saved_rate("base_lrs", state_dict["base_lrs"])]\n',
        "Scheduler load: arguments assigned before the rates and counts are checked",
    ),
    _state(
        SCHED,
        '            step_count = saved_count("_step_count", state_dict["_step_count"], 1)\n',
        "            self.last_epoch = last_epoch\n"
        '            step_count = saved_count("_step_count", state_dict["_step_count"], 1)\n',
        "Scheduler load: last_epoch assigned before _step_count is checked",
    ),
    _state(
        SCHED,
        "self.base_lrs, self._last_lr = base_lrs, last_lr",
        "self.base_lrs = base_lrs",
        "Scheduler load: _last_lr not restored",
    ),
    _state(
        SCHED,
        "self.base_lrs, self._last_lr = base_lrs, last_lr",
        "self._last_lr = last_lr",
        "Scheduler load: base_lrs not restored",
    ),
    _state(
        SCHED,
        "self.last_epoch, self._step_count = last_epoch, step_count",
        "self.last_epoch, self._step_count = last_epoch + 1, step_count",
        "Scheduler load: last_epoch off by one",
    ),
    # ----------------------------------------------------------------- Module (module.py)
    _state(
        M,
        "            elif not np.all(np.isfinite(array)):\n",
        "            elif False:\n",
        "Module load: the NaN/infinity check dropped",
    ),
    _state(
        M,
        "            elif not _fits(array, dtypes[key]):\n",
        "            elif False:\n",
        "Module load: the check against the parameter's dtype range dropped",
    ),
    _state(
        M,
        "        if problems:\n"
        "            error = KeyError if strict and (missing or unexpected) else ValueError\n"
        '            raise error("load_state_dict: nothing loaded; " + "; ".join(problems))\n'
        "        for prefix, module in self._named_modules():\n"
        "            for name in module._own_state():\n"
        "                if prefix + name in arrays:\n"
        "                    module._load_own_state(name, arrays[prefix + name])\n",
        "        for prefix, module in self._named_modules():\n"
        "            for name in module._own_state():\n"
        "                if prefix + name in arrays:\n"
        "                    module._load_own_state(name, arrays[prefix + name])\n"
        "        if problems:\n"
        "            error = KeyError if strict and (missing or unexpected) else ValueError\n"
        '            raise error("load_state_dict: nothing loaded; " + "; ".join(problems))\n',
        "Module load: the good entries loaded before the bad ones are refused",
    ),
    _state(
        M,
        "            prefix + name: np.array(array, dtype=np.float64)\n",
        "            prefix + name: np.asarray(array, dtype=np.float64)\n",
        "Module state_dict: float64 parameters handed out uncopied (aliased)",
    ),
    _state(
        M,
        "p.data[...] = array  # in place",
        "p.data = array.astype(p.data.dtype, copy=False)  # in place",
        "Module load: a parameter bound to the caller's array (aliased), not copied into",
    ),
    _state(
        TN,
        "        getattr(self, name).data[...] = array\n",
        "        getattr(self, name).data = array.astype(\n"
        "            getattr(self, name).data.dtype, copy=False)\n",
        "Tensor Linear load: the weight bound to the caller's array (aliased), not copied into",
    ),
]

LOADER_MUTANTS = [
    _loader(
        LOADER,
        "child = np.random.SeedSequence(self.seed, spawn_key=(self.epoch,))",
        "child = np.random.SeedSequence(self.seed + self.epoch)",
        "DataLoader: epoch k shuffled with seed + k",
    ),
    _loader(
        LOADER,
        "spawn_key=(self.epoch,))",
        "spawn_key=(0,))",
        "DataLoader: the same order every epoch",
    ),
    _loader(
        LOADER,
        "        self.epoch = int(epoch)\n",
        "        pass\n",
        "DataLoader: set_epoch ignored",
    ),
    _loader(
        LOADER,
        "        order = self._order()\n        self.epoch += 1\n",
        "        self.epoch += 1\n        order = self._order()\n",
        "DataLoader: the epoch advanced before its order is drawn (epoch k gets k + 1's)",
    ),
    _loader(
        LOADER,
        "return n // b if self.drop_last else",
        "return (n - 1) // b if self.drop_last else",
        "DataLoader.__len__: drop_last off by one",
    ),
    _loader(
        LOADER,
        "stop = n - n % b if self.drop_last else n",
        "stop = n - b if self.drop_last else n",
        "DataLoader: drop_last drops a full last batch too",
    ),
    _loader(
        LOADER,
        "stop = n - n % b if self.drop_last else n",
        "stop = n - n % b",
        "DataLoader: the last partial batch lost without drop_last",
    ),
    _loader(
        LOADER,
        "if self.drop_last else -(-n // b)",
        "if self.drop_last else n // b",
        "DataLoader.__len__: the last partial batch not counted",
    ),
    _loader(
        LOADER,
        "            yield self._batch(slice(start, end) if order is None else order[start:end])\n",
        "            x, _ = self._batch(slice(start, end) if order is None else order[start:end])\n"
        "            yield x, self.labels[start:end].copy()\n",
        "DataLoader: the images shuffled, the labels in the data's order",
    ),
    _loader(
        LOADER,
        "            np.divide(pixels, self.dtype.type(255), out=x, dtype=self.dtype)\n",
        "            x[...] = pixels\n",
        "DataLoader: normalize does not divide by 255",
    ),
    _loader(
        LOADER,
        "np.divide(pixels, self.dtype.type(255), out=x",
        "np.divide(pixels, self.dtype.type(256), out=x",
        "DataLoader: normalize divides by 256",
    ),
    _loader(
        LOADER,
        "np.divide(pixels, self.dtype.type(255), out=x",
        "np.multiply(pixels, self.dtype.type(1 / 255), out=x",
        "DataLoader: normalize multiplies by 1/255 (not correctly rounded)",
    ),
    _loader(
        LOADER,
        "x = np.empty(pixels.shape, dtype=self.dtype)",
        "x = np.empty(pixels.shape, dtype=np.float32)",
        "DataLoader: dtype ignored (always float32)",
    ),
    _loader(
        LOADER,
        "return x, self.labels[index].copy()",
        "return x, self.labels[index]",
        "DataLoader: a batch's labels a view of the data set",
    ),
    _loader(
        LOADER,
        "seed = int(np.random.SeedSequence().entropy)",
        "seed = 0",
        "DataLoader: every unseeded loader shuffles alike",
    ),
]

_grader, _explorer = _group(GRADER_TESTS), _group(EXPLORER_TESTS)
GR, EX = "exercises/grading.py", "exercises/__init__.py"
SE, RU = "exercises/session.py", "exercises/runner.py"
CH = "exercises/checkers/"
C01, C02 = CH + "ex01_local_derivatives.py", CH + "ex02_value.py"
C03, C06 = CH + "ex03_topological_order.py", CH + "ex06_gradient_descent.py"
C07, C09 = CH + "ex07_softmax_cross_entropy.py", CH + "ex09_xor.py"

GRADER_MUTANTS = [
    # ------------------------------------------------------- comparing (grading.py)
    _grader(GR, "REL_TOL = 1e-12", "REL_TOL = 1e-6", "grader: tolerance 1e-6, not 1e-12"),
    _grader(
        GR,
        "return abs(float(got) - float(expected)) <= tolerance",
        "return abs(abs(float(got)) - abs(float(expected))) <= tolerance",
        "grader: numbers compared by their absolute values (a wrong sign passes)",
    ),
    _grader(
        GR,
        "return np.abs(got - expected) <= rel",
        "return np.abs(np.abs(got) - np.abs(expected)) <= rel",
        "grader: arrays compared by their absolute values (a wrong sign passes)",
    ),
    _grader(
        GR,
        "    if good.all():\n        ctx.cases += 1",
        "    if good.any():\n        ctx.cases += 1",
        "grader: an array passes when one entry is right",
    ),
    _grader(
        C07,
        "            scale=1.0 + max(z) - min(z),\n",
        "",
        "ex07: cross_entropy compared without the size of its terms (a right log-sum-exp "
        "near 1000 fails)",
    ),
    _grader(C06, "CONVERGED = 1e-8", "CONVERGED = 1e-4", "ex06: least squares to 1e-4"),
    # ------------------------------------------------------------ drawing the inputs
    _grader(
        GR,
        "    return x if rng.random() < 0.5 else -x",
        "    return x",
        "grader: away_from_zero draws positive numbers only",
    ),
    _grader(
        C01,
        "return (away_from_zero(rng, 0.3, 3.0) if p == int(p) else rng.uniform(0.3, 3.0)), p",
        "return rng.uniform(0.3, 3.0), p",
        "ex01: d_pow sampled on bases > 0 only",
    ),
    _grader(
        C01,
        "lambda r: away_from_zero(r, 0.1, 3.0),",
        "lambda r: r.uniform(0.1, 3.0),",
        "ex01: d_relu sampled on x > 0 only",
    ),
    _grader(
        C02,
        "return (away_from_zero(rng, 0.3, 3.0) if p == int(p) else rng.uniform(0.3, 3.0)), 0.0",
        "return rng.uniform(0.3, 3.0), 0.0",
        "ex02: a ** p sampled on bases > 0 only",
    ),
    _grader(
        EX,
        'rng = random.Random(f"{seed}-{e.number}") if seed is not None else random.Random()',
        'rng = random.Random(f"{seed}-{e.number}")',
        "check: inputs drawn once (the same every run without a seed)",
    ),
    _grader(
        C01,
        "        for _ in range(CASES):\n            a, b = sample(rng)\n",
        "        a, b = sample(rng)\n        for _ in range(CASES):\n",
        "ex01: a binary derivative's inputs drawn once for all its cases",
    ),
    _grader(
        C02,
        "starts = [_nice(rng) for _ in range(n)]",
        "starts = [0.0 for _ in range(n)]",
        "ex02: _backward tried on operands whose grad is 0 (assigning passes)",
    ),
    _grader(
        C07,
        "shift = {3: -1000.0, 4: 1000.0}.get(i % 5, 0.0)",
        "shift = 0.0",
        "ex07: no logits near +-1000 (an unstable softmax passes)",
    ),
    # ------------------------------------------------------ the learner's process
    _grader(
        EX,
        '    if stopped.reason == "timeout":\n',
        '    if stopped.reason == "crashed" and stopped.code == 0:  # exited cleanly\n'
        '        return _result(number, "passed", "exercises.pass", {"cases": 0})\n'
        '    if stopped.reason == "timeout":\n',
        "check: a verdict read from the learner's process (exit status 0 passes)",
    ),
    _grader(
        SE,
        'self._selector.register(self._proc.stdout, selectors.EVENT_READ, "output")',
        'self._selector.register(self._proc.stdout, selectors.EVENT_READ, "answer")',
        "session: what the learner's file prints read as answers",
    ),
    _grader(
        SE,
        "        if self._printed > self.output_limit:\n            self._stop(\"output\")",
        "        if False:  # output not bounded\n            self._stop(\"output\")",
        "session: the output bound not enforced",
    ),
    _grader(
        SE,
        "self.used += time.monotonic() - started",
        "self.used = time.monotonic() - started",
        "session: the time bound per answer, not per exercise",
    ),
    _grader(
        SE,
        "            os.killpg(proc.pid, signal.SIGKILL)\n",
        "            proc.kill()  # the process, not its group\n",
        "session: the process killed, not its group (what it started lives on)",
    ),
    # -------------------------------------------------- recursion, seeds, gradients
    _grader(C03, "DEEP = (5_000, 8_000)", "DEEP = (500, 800)", "ex03: the deep chain 500 deep"),
    _grader(
        C03,
        'after = max(limit, ctx.learner.imported.get("limit", limit))',
        'after = ctx.learner.imported.get("limit", limit)',
        "ex03: a recursion limit raised inside the function not seen",
    ),
    _grader(
        C09,
        "        seed=seed,\n        points=_POINTS,",
        "        seed=0,\n        points=_POINTS,",
        "ex09: a single training seed (0)",
    ),
    _grader(
        C09,
        'if answer["stale"]:',
        'if answer["stale"] == answer["passes"]:',
        "ex09: gradient reset checked only when no pass reset them",
    ),
    _grader(
        RU,
        "kept[0] is leaf and leaf.data != kept[1] and leaf.grad == kept[2]",
        "kept[0] is leaf and leaf.grad == kept[2]",
        "runner: a kept gradient counted as not reset though no step came between",
    ),
    _grader(
        RU,
        "    targets = [Value]\n",
        "    targets = []\n",
        "runner: the library's Value.backward not watched for gradient resets",
    ),
    # ---------------------------------------------------------------------- hints
    _grader(
        EX,
        'message(f"exercises.hint.{name}.{level}", lang, **fields)',
        'message(f"exercises.hint.{name}.1", lang, **fields)',
        "check: the hint level ignored (always the nudge)",
    ),
]

BP, XP, JS = "viz/backprop.py", "viz/explorer.py", "viz/assets/explorer.js"

EXPLORER_MUTANTS = [
    # ------------------------------------------- the backward observer (backprop.py)
    _explorer(
        BP,
        "enumerate(zip(node._children, node._local_grads)):",
        "enumerate(zip(node._children, node._local_grads[::-1])):",
        "backward_steps: each edge's product with the other operand's local derivative",
    ),
    _explorer(
        BP,
        "upstream = node.grad  # complete",
        "upstream = root.grad  # complete",
        "backward_steps: the output's gradient as every node's upstream",
    ),
    _explorer(
        BP,
        "product = local * upstream",
        "product = local * before[i]",
        "backward_steps: the child's own gradient so far as the upstream",
    ),
    _explorer(
        BP,
        "running[key] = running.get(key, before[i]) + product",
        "running[key] = running.get(key, 0.0) + product",
        "backward_steps: a running total not carried over from the nodes before",
    ),
    _explorer(
        BP,
        "after = child.grad if last[key] == i and not constant else running[key]",
        "after = child.grad if not constant else running[key]",
        "backward_steps: a child used twice by one node shows the total at its first use",
    ),
    _explorer(
        BP,
        "constant = type(child) is Constant",
        "constant = False",
        "backward_steps: a constant treated as a variable (given a gradient)",
    ),
    _explorer(
        BP,
        "        for node, grad in zip(order, saved):\n            node.grad = grad\n",
        "        for node, grad in zip(order, saved):\n            pass\n",
        "backward_steps: the grads not restored after the replay",
    ),
    _explorer(
        BP,
        "            node.grad = 0.0  # a fresh pass",
        "            pass  # a fresh pass",
        "backward_steps: the replay adds to the grads already there",
    ),
    # -------------------------------------------------------------- the page's data
    _explorer(
        XP,
        "pos = next(p for p in free if step.node._children[p] is u.child)",
        "pos = step.node._children.index(u.child)",
        "explorer: a child used twice by one node labels its first edge twice",
    ),
    _explorer(
        XP,
        '"edge": f"e{i}_{pos}",',
        '"edge": f"e{i}_{len(step.children) - 1 - pos}",',
        "explorer: each product shown on the other operand's edge",
    ),
    _explorer(
        XP,
        '                        "child": j,\n',
        '                        "child": self.index[id(step.node._children[0])],\n',
        "explorer: a leaf's gradient shown from another leaf (every update on operand 0)",
    ),
    _explorer(
        XP,
        '"after": u.grad_after,',
        '"after": u.product,',
        "explorer: the last contribution shown, not the running total",
    ),
    _explorer(
        XP,
        "                    self.final[j] = u.grad_after\n",
        "                    self.final.setdefault(j, u.grad_after)\n",
        "explorer: a node's final gradient its first use's running total",
    ),
    _explorer(
        XP,
        '"constant": j in self.constants,',
        '"constant": False,',
        "explorer: a constant given a gradient on the page",
    ),
    _explorer(
        XP,
        'lines.append(f"= {self.num(uses[-1][2].grad_after)}")',
        'lines.append(f"= {self.num(uses[0][2].grad_after)}")',
        "explorer: the chain rule's sum ends at the first use's total",
    ),
    _explorer(
        XP,
        "self.names[i], self.final.get(i, 0.0)",
        "self.names[i], p.grad or 0.0",
        "explorer: the SGD step with the parameter's .grad, not the traced d out/d p",
    ),
    _explorer(
        XP,
        "after = p.data + grad * -lr",
        "after = p.data + grad * lr",
        "explorer: the SGD step up the gradient",
    ),
    _explorer(
        XP,
        "            for p, data in zip(params, saved):\n                p.data = data\n",
        "            for p, data in zip(params, saved):\n                pass\n",
        "explorer: the parameters left updated after the forward pass again",
    ),
    # ------------------------------------------------------- the page's replay (JS)
    _explorer(
        JS,
        "          if (u.constant) return; // a constant keeps no gradient\n",
        "",
        "explorer.js: a constant given a gradient",
    ),
    _explorer(
        JS,
        "st.grads[u.child] = u.after;",
        "st.grads[u.child] = u.product;",
        "explorer.js: the last contribution shown, not the running total",
    ),
    _explorer(
        JS,
        'st.partial[u.child] = u.k < u.n ? u.k + "/" + u.n : null;',
        'st.partial[u.child] = u.k <= u.n ? u.k + "/" + u.n : null;',
        "explorer.js: a complete gradient still shown as partial (k/n)",
    ),
]

MUTANTS = (
    DERIVATIVE_MUTANTS
    + LOSS_MUTANTS
    + DROPOUT_MUTANTS
    + STATE_MUTANTS
    + LOADER_MUTANTS
    + GRADER_MUTANTS
    + EXPLORER_MUTANTS
)
GROUPS = {
    "derivatives": DERIVATIVE_MUTANTS,
    "losses": LOSS_MUTANTS,
    "dropout": DROPOUT_MUTANTS,
    "state": STATE_MUTANTS,
    "loader": LOADER_MUTANTS,
    "grader": GRADER_MUTANTS,
    "explorer": EXPLORER_MUTANTS,
}


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
        for folder in ("tests", "docs"):  # docs: pictures the tests read (the explorer's)
            if (ROOT / folder).is_dir():
                shutil.copytree(
                    ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__")
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
        f"{' '.join(DEFAULT_TESTS)} for derivatives, {' '.join(LOSS_TESTS)} for losses, "
        f"{' '.join(DROPOUT_TESTS)} for dropout, {' '.join(STATE_TESTS)} for state, "
        f"{' '.join(LOADER_TESTS)} for loader, {' '.join(GRADER_TESTS)} for grader, "
        f"{' '.join(EXPLORER_TESTS)} for explorer)",
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
        width = max((len(m.path) for _, m in chosen), default=0)
        for n, m in chosen:
            print(f"{n:3d}  {group_of[id(m)]:11s} {m.path:{width}s} {m.what}")
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
