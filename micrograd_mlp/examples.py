"""Built-in computation graphs for learners, with their labels in the learner's language.

:func:`shopping` is the graph Korean courses start backpropagation with (the apple-shopping
example of Saito Koki's *Deep Learning from Scratch*, ch. 5, widely used in Korean lectures):
apples at 100 won each, 2 of them, 10% tax, so ``total = 100 * 2 * 1.1 = 220`` won, and the
backward pass answers "how much does the total change per won of price, per apple, per unit
of the tax factor" (2.2, 110 and 200). It is the built-in example of ``micrograd-mlp backprop
--example shopping`` and of the explorer.

Labels and descriptions come from the message catalogue (:mod:`micrograd_mlp.messages`), so
``lang="ko"`` (or ``MICROGRAD_MLP_LANG=ko``) gives Korean labels and ``"en"`` English ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from micrograd_mlp.engine import Value
from micrograd_mlp.messages import message, resolve_lang

__all__ = ["EXAMPLES", "Example", "example", "shopping"]


@dataclass(frozen=True, eq=False)
class Example:
    """A built-in graph: its output, its leaves, and the text that introduces it.

    Attributes:
        root: the output ``Value`` (forward pass done, ``.grad`` untouched).
        leaves: the leaf ``Value``s by their role (e.g. ``"price"``), in input order; the keys
            are the same in every language, the labels (``leaf.label``) are translated.
        expression: the formula in words, e.g. ``"total = price * count * tax"``.
        story: one or two sentences saying what the graph computes and what backward tells.
        lang: the language of the labels and texts (``"en"`` or ``"ko"``).
    """

    root: Value
    leaves: dict[str, Value]
    expression: str
    story: str
    lang: str


def shopping(lang: str | None = None) -> Example:
    """Apples at 100 won each, 2 of them, 10% tax: ``total = (price * count) * tax``.

    Nodes (labels in ``lang``; English / Korean): ``price`` 100 (사과 가격), ``count`` 2
    (사과 개수), ``tax`` 1.1 (소비세), the product ``subtotal`` = 200 (세전 금액) and the
    output ``total`` = 220 (총액). After ``example.root.backward()``: d total/d price =
    count * tax = 2.2, d total/d count = price * tax = 110, d total/d tax = price * count = 200
    (up to float rounding: 1.1 is not exact in binary).

    Args:
        lang: ``"en"`` or ``"ko"``; None reads ``$MICROGRAD_MLP_LANG`` (default English).

    Returns:
        An :class:`Example` whose ``leaves`` are ``{"price", "count", "tax"}``; a fresh graph
        on every call.

    Raises:
        ValueError: unknown language (see :func:`micrograd_mlp.messages.resolve_lang`).
    """
    lang = resolve_lang(lang)

    def label(role: str) -> str:
        return message(f"examples.shopping.{role}", lang)

    price = Value(100.0, label=label("price"))
    count = Value(2.0, label=label("count"))
    tax = Value(1.1, label=label("tax"))
    subtotal = price * count
    subtotal.label = label("subtotal")
    total = subtotal * tax
    total.label = label("total")
    return Example(
        root=total,
        leaves={"price": price, "count": count, "tax": tax},
        expression=message("examples.shopping.expression", lang),
        story=message("examples.shopping.story", lang),
        lang=lang,
    )


#: Every built-in example by its name (the values of ``--example``).
EXAMPLES: dict[str, Callable[[str | None], Example]] = {"shopping": shopping}


def example(name: str, lang: str | None = None) -> Example:
    """The built-in example ``name`` (a key of :data:`EXAMPLES`) in ``lang``.

    Raises:
        ValueError: no example of that name (the message lists them), or unknown language.
    """
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {sorted(EXAMPLES)}")
    return EXAMPLES[name](lang)
