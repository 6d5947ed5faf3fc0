"""Build a ``Value`` graph from a formula typed by a person, e.g. ``"tanh(x*y + 2)"``, safely.

The text is parsed with Python's :mod:`ast` module and checked against a whitelist of node types
before anything is computed: numbers, variable names, ``+ - * / **``, unary minus and plus, and
calls of the functions in :data:`FUNCTIONS`. Nothing is ever passed to ``eval``: attribute
access, subscripts, strings, lambdas, keyword arguments, ``__import__(...)`` and every other
construct are refused with an :class:`ExpressionError` that lists what is allowed.

What a keyboard in full-width mode types (Korean and Japanese input methods: ``ｘ＊ｙ``, ``ｘ＝３``)
reads as its ASCII twin, in the formula and in the names of ``--values`` alike
(:func:`normalize`). Every computed node of the graph is labelled with its part of the formula
(``x*y``, ``x*y + 2``; shortened by :func:`formula_name` when long), so traces and pictures name
it so; the output stays unlabelled (``out``).
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from numbers import Real

from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.messages import CatalogueError, Phrase, message

__all__ = [
    "ALLOWED",
    "FUNCTIONS",
    "ExpressionError",
    "as_term",
    "formula_name",
    "normalize",
    "parse_assignments",
    "parse_expression",
]

#: The functions a formula may call, mapped to the ``Value`` method. Each takes one argument;
#: ``leaky_relu`` takes an optional second, a number: its slope for x < 0 (default 0.01).
FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "abs": Value.abs,
}
#: Functions that accept a second argument (a number), with that argument's name.
_SECOND_ARGUMENT = {"leaky_relu": "negative_slope"}

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
# Nodes that are part of the grammar but carry no meaning of their own (operator tokens and the
# load context of a name); they are checked through their parent node.
_PLAIN = (ast.Expression, ast.Load, *_BINARY, *_UNARY)
_MAX_LENGTH = 2000
#: The longest name :func:`formula_name` gives before it shortens operands to "…".
NAME_LENGTH = 18
# Superscript digits: NFKC reads x² as the name x2; refused with a hint to write x**2 instead.
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

_CALLS = ", ".join(f"{f}(...)" for f in FUNCTIONS)
ALLOWED = message("formula.allowed", "en", functions=_CALLS)


class ExpressionError(CatalogueError, ValueError):
    """A formula that cannot be read, uses something outside the whitelist, or cannot be
    evaluated (an unknown or missing variable, log of a negative number, ...).

    Raised as ``ExpressionError(key, **fields)`` (a :class:`~micrograd_mlp.messages.
    CatalogueError`): ``key`` names a message of the ``formula`` catalogue
    (``messages/<lang>/formula.json``), ``fields`` fill it in (a field may be a
    :class:`Phrase`, itself a message). ``str(error)`` is the English text, whatever the
    language of the run; :meth:`text` gives it in another language (``error.text("ko")``), as
    the CLI prints it. ``ExpressionError("some text")`` (not a key) keeps that text as it is.

    Attributes:
        key: the catalogue key (``"formula.unknown_names"``), or None for a plain text.
        fields: the message's fields.
    """


def parse_expression(source: str, values: Mapping[str, float]) -> Value:
    """The ``Value`` graph of the formula ``source``, with each variable taken from ``values``.

    Each variable becomes one leaf ``Value`` labelled with its name (a name used twice is the
    same node, so ``x*x`` has one leaf ``x`` with two uses); each number becomes a
    :class:`~micrograd_mlp.engine.Constant` leaf labelled with the number as typed (``2``,
    ``1.5``): graphs draw it as a constant and ``explain`` says so; it gets no gradient. A number
    directly used as an exponent (``x**2``) stays a plain number of the ``**`` operation, as in
    ``Value.__pow__``, and a function's second argument (``leaky_relu(x, 0.1)``) is passed as
    the slope. Every computed node but the output is labelled with its part of the formula
    (:func:`formula_name`: ``x*y``, ``x*y + 2``), so traces and pictures name it so; the output
    keeps no label (``out``). The formula and the names in ``values`` are read through
    :func:`normalize` (full-width ``ｘ＊ｙ`` is ``x*y``).

    Args:
        source: the formula, e.g. ``"tanh(w1*x1 + w2*x2 + b)"`` (at most 2000 characters).
        values: a real number (not a bool) for every variable in ``source`` and for nothing
            else.

    Returns:
        The root ``Value`` (no backward pass has run: every ``grad`` is unset).

    Raises:
        ExpressionError: a syntax error; a construct outside the whitelist (the message names it
            and lists what is allowed); a variable without a value, or a value for a name the
            formula does not use (likely a typo); a value named like a function; a value that is
            a bool, a string, complex or non-finite; ``^`` (with a hint to write ``**``); a
            result the engine refuses (division by zero, log of a non-positive number,
            overflow) or that overflows float64 (``1e200 * 1e200``, an infinite value), or a
            gradient that does (``log(x)`` at x = 1e-320); a superscript (``x²``, with a hint
            to write ``x**2``); two names in ``values`` that read the same (``x``, ``ｘ``).
    """
    if not isinstance(source, str):
        raise ExpressionError("formula.not_a_string", type=type(source).__name__)
    if len(source) > _MAX_LENGTH:
        raise ExpressionError("formula.too_long", length=len(source), limit=_MAX_LENGTH)
    power = re.search(f"[{_SUPERSCRIPTS}]+", source)
    if power:
        digits = unicodedata.normalize("NFKC", power.group())
        raise ExpressionError(
            "formula.superscript", power=power.group(), source=source, digits=digits
        )
    source = normalize(source)
    values = _normalized(values)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        # Python gives column 0 where the formula ended too soon ("x +", "")
        key = "formula.cannot_parse" if e.offset else "formula.cannot_parse_at_end"
        reason = _syntax_reason(e.msg)
        raise ExpressionError(key, source=source, reason=reason, column=e.offset) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("formula.too_deep", source=source) from None
    used = _check(tree, source)
    leaves = _leaves(values, used, source)
    try:
        result = _evaluate(tree.body, leaves)
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        reason = getattr(e, "phrase", None) or _engine_reason(str(e))
        raise ExpressionError("formula.cannot_evaluate", source=source, reason=reason) from None
    except RecursionError:
        raise ExpressionError("formula.too_deep", source=source) from None
    if not isinstance(result, Value):  # a formula that is just a number, e.g. "2" or "-1.5"
        result = Value(float(result))
    elif result._children:
        result.label = ""  # the output: "out" in traces and pictures
    _check_gradients(result, source)
    return result


#: Python's parse messages (``SyntaxError.msg``) the catalogue says in every language, each as a
#: pattern and the key of its message (the groups are its fields); any other is "invalid syntax"
#: in Korean and Python's own words in English.
_SYNTAX_REASONS = (
    (re.compile(r"'(?P<bracket>.)' was never closed"), "formula.syntax.unclosed"),
    (re.compile(r"unmatched '(?P<bracket>.)'"), "formula.syntax.unmatched"),
    (
        re.compile(
            r"closing parenthesis '(?P<closing>.)' does not match "
            r"opening parenthesis '(?P<opening>.)'"
        ),
        "formula.syntax.mismatched",
    ),
    (re.compile(r"invalid syntax"), "formula.syntax.invalid"),
    (re.compile(r"invalid syntax\. Perhaps you forgot a comma\?"), "formula.syntax.comma"),
)

#: The engine's refusals (:mod:`micrograd_mlp.validation`), each as a pattern of its English
#: message and the key that says it in every language (the groups are its fields).
_ENGINE_REASONS = (
    (re.compile(r"division by zero: (?P<a>.+) / (?P<b>.+)"), "formula.eval.division_by_zero"),
    (
        re.compile(r"log of a non-positive number: log\((?P<x>.+)\); the input must be > 0"),
        "formula.eval.log_non_positive",
    ),
    (
        re.compile(r"(?P<a>.+) \*\* (?P<b>.+): a negative base to a fractional power is not real"),
        "formula.eval.fractional_power",
    ),
    (
        re.compile(r"(?P<a>.+) \*\* (?P<b>.+): zero to a negative power is a division by zero"),
        "formula.eval.zero_negative_power",
    ),
    (
        re.compile(r"exp\((?P<x>.+)\) overflows float64 \(inputs above ~709\.78\)"),
        "formula.eval.exp_overflow",
    ),
    (re.compile(r"(?P<a>.+) \*\* (?P<b>.+) overflows float64"), "formula.eval.power_overflow"),
)


def _syntax_reason(text: str) -> Phrase:
    """Python's parse message ``text`` as a :class:`Phrase` (English: the same words)."""
    for pattern, key in _SYNTAX_REASONS:
        found = pattern.fullmatch(text)
        if found:
            return Phrase(key, **found.groupdict())
    return Phrase("formula.syntax.other", text=text)


def _engine_reason(text: str) -> Phrase:
    """The engine's refusal ``text`` as a :class:`Phrase` (English: the same words)."""
    for pattern, key in _ENGINE_REASONS:
        found = pattern.fullmatch(text)
        if found:
            return Phrase(key, **found.groupdict())
    return Phrase("formula.eval.other", text=text)


class _Refused(OverflowError):
    """A number of the formula that cannot be computed, with the :class:`Phrase` saying why."""

    def __init__(self, phrase: Phrase) -> None:
        super().__init__(str(phrase))
        self.phrase = phrase


def _normalized(values: Mapping[str, float]) -> dict[str, float]:
    """``values`` with its names read through :func:`normalize` (two that read alike refused)."""
    found: dict[str, float] = {}
    given: dict[str, str] = {}
    for name, value in values.items():
        key = normalize(name) if isinstance(name, str) else name
        if key in found:
            raise ExpressionError("formula.given_twice_as", name=key, first=given[key], second=name)
        found[key], given[key] = value, name
    return found


def normalize(text: str) -> str:
    """``text`` as the parser reads it: Unicode NFKC, so full-width letters, digits and signs
    (``ｘ＊ｙ``, ``ｘ＝３``, typed by Korean and Japanese keyboards in full-width mode) and the
    ideographic space read as ASCII, as Python itself reads identifiers. The one function for a
    formula and for the names of its values, so that both agree."""
    return unicodedata.normalize("NFKC", text)


def formula_name(op: str, operands: Sequence[str], limit: int = NAME_LENGTH) -> str:
    """A readable name for a node computed by ``op`` from operands named ``operands``, as a
    formula: ``x*y``, ``x*y + 2``, ``tanh(n)``, ``-x``, ``x**2``, ``dot(w1, x1, b)``.

    Operands are parenthesised where the precedence asks for it (``(x + y)*x``). A name longer
    than ``limit`` characters is shortened: compound operands become ``…`` (``… + x``,
    ``tanh(…)``), then long names are cut (``sum(…)``, ``abcde… + x``).
    """
    full = _compose(op, list(operands))
    if len(full) <= limit:
        return full
    # Compound operands shortened: a call keeps its function's name (tanh(…)), others are "…".
    hidden = [_hide(o) for o in operands]
    short = _compose(op, hidden)
    if len(short) <= limit:
        return short
    if op in _BINARY_PRECEDENCE and len(operands) == 2 or op == "neg" or op.startswith("**"):
        cut = [
            o if len(o) <= 6 else _Shown("…" if _precedence(o) < _ATOM else f"{o[:5]}…", 9)
            for o in hidden
        ]
        return _compose(op, cut)
    return f"{op}(…)"


def as_term(name: str) -> str:
    """``name`` as it reads inside ``d out/d name``: parenthesised when it is a compound
    formula or a negative number (``(x*y)``, ``(-2)``), else as it is (``x``, ``사과 가격``)."""
    return f"({name})" if _precedence(name) < _ATOM else name


_ATOM = 9
_BINARY_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}


class _Shown(str):
    """An operand's text standing for an operand of precedence ``precedence`` (``…``)."""

    precedence: int

    def __new__(cls, text: str, precedence: int) -> _Shown:
        shown = super().__new__(cls, text)
        shown.precedence = precedence
        return shown


def _hide(operand: str) -> str:
    """``operand`` shortened for a long name: ``…`` for a compound formula, ``tanh(…)`` for a
    call; an atom, or anything of at most 5 characters, as it is."""
    if len(operand) <= 5:
        return operand  # short enough as it is: -x, x*y, 2
    call = re.fullmatch(r"([^\W\d]\w*)\(.*\)", operand)
    if call:
        return _Shown(f"{call.group(1)}(…)", _ATOM)
    if _precedence(operand) < _ATOM:
        return _Shown("…", _precedence(operand))
    return operand


def _precedence(text: str) -> int:
    """How tightly the formula ``text`` binds at its top level: 1 a sum or difference, 2 a
    product or quotient, 3 a negation (or a negative number), 4 a power, else an atom."""
    if isinstance(text, _Shown):
        return text.precedence
    depth, found, i = 0, _ATOM, 0
    while i < len(text):
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0:
            if c in "+-" and i > 0 and text[i - 1] not in "eE(":  # not the sign of 1e-3
                return 1
            if text.startswith("**", i):
                found, i = min(found, 4), i + 2
                continue
            if c in "*/":
                found = min(found, 2)
        i += 1
    return 3 if text.startswith("-") and found > 3 else found


def _compose(op: str, operands: list[str]) -> str:
    if op in _BINARY_PRECEDENCE and len(operands) == 2:
        p = _BINARY_PRECEDENCE[op]
        left, right = operands
        # left: tighter or equal binds without parentheses (** is right-associative)
        left_ok = _precedence(left) > p or (_precedence(left) == p and op != "**")
        right_ok = _precedence(right) > p or (_precedence(right) == p and op in ("+", "*", "**"))
        if right_ok and op in ("+", "-") and _precedence(right) == 3:
            right_ok = False  # x - -2 reads badly: x - (-2)
        left = left if left_ok else f"({left})"
        right = right if right_ok else f"({right})"
        return f"{left} {op} {right}" if p == 1 else f"{left}{op}{right}"
    if op.startswith("**") and len(operands) == 1:
        (base,) = operands
        return f"{base if _precedence(base) > 4 else f'({base})'}{op}"
    if op == "neg" and len(operands) == 1:
        (x,) = operands
        return f"-{x if _precedence(x) > 3 else f'({x})'}"
    shown = operands if len(operands) <= 6 else [*operands[:5], "…", operands[-1]]
    return f"{op}({', '.join(shown)})"


def _check_gradients(root: Value, source: str) -> None:
    """Refuse a formula whose backward pass leaves a gradient that is not finite (``log(x)`` at
    x = 1e-320: d/dx = 1/x overflows); every ``grad`` is 0 again afterwards."""
    order = root.topological_order()
    try:
        root.backward()
        bad = [(v.label, v.grad) for v in order if not math.isfinite(v.grad)]
    finally:
        for node in order:
            node.grad = 0.0
    if bad:
        name, grad = bad[0]
        raise ExpressionError(
            "formula.gradient_overflow",
            source=source,
            name=name or Phrase("formula.a_node"),
            grad=grad,
        )


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, float]:
    """``["x=1.5", "y=-2"]`` (the CLI's ``--values``) as ``{"x": 1.5, "y": -2.0}``.

    Each item is read through :func:`normalize`, as the formula is: ``ｘ＝３`` (typed in
    full-width mode) is ``x=3``.

    Raises:
        ExpressionError: an item without ``=``, a name that is not an identifier or is a
            function name, a value that is not a finite number, or a name given twice.
    """
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = normalize(item).partition("=")  # ｘ＝３ is x=3
        name = name.strip()
        if not sep:
            raise ExpressionError("formula.not_assignment", item=item)
        if not name.isidentifier():
            raise ExpressionError("formula.bad_name", name=name, item=item)
        if name in values:
            raise ExpressionError("formula.given_twice", name=name)
        try:
            number = float(text)
        except ValueError:
            raise ExpressionError("formula.not_a_number", name=name, text=text) from None
        values[name] = number
    return values


def _check(tree: ast.Expression, source: str) -> set[str]:
    """Refuse any node outside the whitelist (before anything is evaluated); the variables."""
    variables: set[str] = set()
    # ast.walk is iterative, so a hostile input cannot recurse deeply here.
    for node in ast.walk(tree):
        if isinstance(node, _PLAIN):
            continue
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.BitXor):
                left, right = _snippet(node.left, source), _snippet(node.right, source)
                snippet = _snippet(node, source)
                raise ExpressionError("formula.caret", snippet=snippet, left=left, right=right)
            if type(node.op) not in _BINARY:
                snippet = _snippet(node, source)
                _refuse(Phrase("formula.construct.operator", snippet=snippet), source)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                snippet = _snippet(node, source)
                _refuse(Phrase("formula.construct.operator_in", snippet=snippet), source)
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                _refuse(Phrase("formula.construct.constant", value=value), source)
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS:
                _refuse(Phrase("formula.construct.call", snippet=_snippet(node, source)), source)
            most = 2 if name in _SECOND_ARGUMENT else 1
            if (
                node.keywords
                or not 1 <= len(node.args) <= most
                or any(isinstance(a, ast.Starred) for a in node.args)
            ):
                key = "formula.call_optional_number" if most == 2 else "formula.call_one_argument"
                raise ExpressionError(key, name=name, snippet=_snippet(node, source))
            if len(node.args) == 2 and _number_literal(node.args[1]) is None:
                raise ExpressionError(
                    "formula.second_argument",
                    name=name,
                    parameter=_SECOND_ARGUMENT[name],
                    snippet=_snippet(node, source),
                )
        elif isinstance(node, ast.Name):
            if node.id not in FUNCTIONS:
                variables.add(node.id)
        else:
            what, snippet = type(node).__name__, _snippet(node, source)
            key = f"formula.construct.{what}"
            if what in _DESCRIBED:
                _refuse(Phrase(key, snippet=snippet), source)
            _refuse(Phrase("formula.construct.other", node=what, snippet=snippet), source)
    # A function name used as a value ("tanh + 1") is a Name node that is not a call's func.
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and id(node) not in callees:
            raise ExpressionError("formula.function_as_value", name=node.id, source=source)
    return variables


# Constructs the catalogue names in words (key formula.construct.<node type>); any other is
# named by its node type.
_DESCRIBED = frozenset(
    {"Attribute", "Subscript", "Lambda", "Compare", "BoolOp"}
    | {"IfExp", "NamedExpr", "JoinedStr", "Tuple", "List"}
)


def _refuse(what: Phrase, source: str) -> None:
    allowed = Phrase("formula.allowed", functions=_CALLS)
    raise ExpressionError("formula.not_allowed", source=source, what=what, allowed=allowed)


def _snippet(node: ast.AST, source: str) -> str:
    return ast.get_source_segment(source.strip(), node) or type(node).__name__


def _leaves(values: Mapping[str, float], used: set[str], source: str) -> dict[str, Value]:
    """One labelled leaf per variable; every used variable needs a value and vice versa."""
    missing = sorted(used - set(values))
    if missing:
        given = ", ".join(sorted(values)) or Phrase("formula.none")
        raise ExpressionError(
            "formula.unknown_names",
            names=", ".join(missing),
            source=source,
            first=missing[0],
            given=given,
            functions=", ".join(FUNCTIONS),
        )
    unused = sorted(set(values) - used)
    if unused:
        raise ExpressionError("formula.unused_values", names=", ".join(unused), source=source)
    leaves = {}
    for name in sorted(used):
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, Real):
            what = Phrase("formula.a_bool") if isinstance(value, bool) else type(value).__name__
            raise ExpressionError("formula.not_real", name=name, what=what, value=value)
        try:
            number = float(value)
        except (OverflowError, ValueError):
            raise ExpressionError("formula.not_a_float", name=name, value=value) from None
        if not math.isfinite(number):
            raise ExpressionError("formula.not_finite", name=name, number=number)
        leaves[name] = Value(number, label=name)
    return leaves


def _number_literal(node: ast.expr) -> float | None:
    """The value of a number as typed (``2``, ``-0.1``), or None if ``node`` is not one."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign *= -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if (
        isinstance(node, ast.Constant)
        and not isinstance(node.value, bool)
        and isinstance(node.value, (int, float))
    ):
        return sign * float(node.value)
    return None


class _Number(float):
    """A number of the formula not yet in the graph, with the text it was typed as."""

    text: str

    def __new__(cls, value: float, text: str) -> _Number:
        number = super().__new__(cls, value)
        number.text = text
        return number


def _leaf(x: Value | float) -> Value:
    """``x`` as a node: a number becomes a :class:`Constant` labelled as typed (or by value)."""
    if isinstance(x, Value):
        return x
    return Constant(float(x), label=getattr(x, "text", None) or f"{float(x):g}")


def _evaluate(node: ast.expr, leaves: dict[str, Value]) -> Value | float:
    """The value of an already checked node: a ``Value`` if it involves a variable, else a
    number (which becomes a labelled constant leaf where it meets an operation)."""
    if isinstance(node, ast.Constant):
        try:
            number = float(node.value)
        except OverflowError:  # an int literal too large for a float
            raise _Refused(Phrase("formula.eval.int_too_large")) from None
        if not math.isfinite(number):
            raise _Refused(Phrase("formula.eval.not_finite", number=node.value))
        return _Number(number, f"{node.value!r}" if isinstance(node.value, int) else f"{number:g}")
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, leaves)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(operand, Value):
            return _labelled(-operand)
        return _Number(-operand, f"-{getattr(operand, 'text', f'{operand:g}')}")
    if isinstance(node, ast.Call):
        # exp(2): a constant leaf, so the call is still a node
        argument = _leaf(_evaluate(node.args[0], leaves))
        extra = {}
        if len(node.args) == 2:
            extra[_SECOND_ARGUMENT[node.func.id]] = _number_literal(node.args[1])
        return _finite(FUNCTIONS[node.func.id](argument, **extra), node)
    # A BinOp (the only node left after _check).
    left = _evaluate(node.left, leaves)
    right = _evaluate(node.right, leaves)
    op = type(node.op)
    if op is ast.Pow and not isinstance(right, Value):
        # x**2: the exponent stays a plain number of the ** operation (Value.__pow__).
        return _finite(_leaf(left) ** float(right), node)
    # Numbers become labelled constant leaves, so they show in the graph (and the engine does
    # the arithmetic of two numbers, with its checks: division by zero, overflow).
    left, right = _leaf(left), _leaf(right)
    if op is ast.Add:
        result = left + right
    elif op is ast.Sub:
        result = left - right
    elif op is ast.Mult:
        result = left * right
    elif op is ast.Div:
        result = left / right
    else:
        result = left**right
    return _finite(result, node)


def _finite(result: Value, node: ast.expr) -> Value:
    """``result``, labelled (:func:`_labelled`), unless the operation ``node`` overflowed
    (``1e200 * 1e200`` is inf in float64, and the engine does not refuse it): then an
    ``OverflowError`` naming it."""
    if not math.isfinite(result.data):
        phrase = Phrase("formula.eval.overflow", part=ast.unparse(node), value=result.data)
        raise _Refused(phrase)
    return _labelled(result)


def _labelled(result: Value) -> Value:
    """``result`` labelled with its part of the formula, from its operands' labels."""
    result.label = formula_name(result._op, [child.label for child in result._children])
    return result
