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


def _refuse(what: str) -> InvalidInput:
    return InvalidInput(f"La calculadora no acepta {what}. / The calculator does not take {what}.",
                        hint="Solo números, + - * / // % ** y paréntesis. / Only numbers, + - * / "
                             "// % ** and parentheses.")


def _value(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(
            node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise _refuse(f"exponentes mayores que {MAX_EXPONENT} / exponents over "
                          f"{MAX_EXPONENT}")
        try:
            result = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise InvalidInput("División por cero. / Division by zero.") from None
        except OverflowError:
            raise _refuse("resultados tan grandes / results that large") from None
        if isinstance(result, complex) or abs(result) > MAX_MAGNITUDE:
            raise _refuse("ese resultado / that result")
        return result
    raise _refuse(f"«{ast.unparse(node)}»" if isinstance(node, ast.expr) else "eso / that")


def calculate(expression: str) -> str:
    """The value of an arithmetic expression, as text; "," is read as a decimal point."""
    text = (expression or "").strip().replace("×", "*").replace("÷", "/").replace("^", "**")
    text = text.replace(",", ".")
    if not text:
        raise InvalidInput("La expresión está vacía. / The expression is empty.")
    if len(text) > MAX_CHARS:
        raise _refuse(f"expresiones de más de {MAX_CHARS} caracteres / expressions over "
                      f"{MAX_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise _refuse(f"«{expression}»: no es una operación / is not arithmetic") from None
    value = _value(tree.body)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise _refuse("ese resultado / that result")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    return str(value)
