"""Arithmetic a model may ask for, parsed and computed here: never `eval`.

`ast.parse` only reads the expression; the walk below computes numbers, + - * / // % ** and
parentheses, and refuses anything else (names, calls, attributes), so a model or a student cannot
make it run code. Exponents and results are bounded, so `9**9**9` is refused instead of hanging.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

from chatbot.errors import InvalidInput

MAX_CHARS = 200
MAX_EXPONENT = 1000
MAX_MAGNITUDE = 1e100

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos, ast.USub: operator.neg,
}


def _refuse(key: str, **fields: object) -> InvalidInput:
    """What the calculator does not take (tools.calc_*), with the hint of what it does."""
    return InvalidInput.keyed(f"tools.calc_{key}", "tools.calc_hint", **fields)


def _value(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(
            node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise _refuse("exponent", limit=MAX_EXPONENT)
        try:
            result = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise InvalidInput.keyed("tools.calc_zero") from None
        except OverflowError:
            raise _refuse("too_large") from None
        if isinstance(result, complex) or abs(result) > MAX_MAGNITUDE:
            raise _refuse("too_large")
        return result
    raise _refuse("not_allowed", what=ast.unparse(node) if isinstance(node, ast.expr)
                  else type(node).__name__)


def calculate(expression: str) -> str:
    """The value of an arithmetic expression, as text; "," is read as a decimal point."""
    text = (expression or "").strip().replace("×", "*").replace("÷", "/").replace("^", "**")
    text = text.replace(",", ".")
    if not text:
        raise InvalidInput.keyed("tools.calc_empty")
    if len(text) > MAX_CHARS:
        raise _refuse("too_long", limit=MAX_CHARS)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise _refuse("not_arithmetic", what=expression) from None
    value = _value(tree.body)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise _refuse("too_large")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    return str(value)
