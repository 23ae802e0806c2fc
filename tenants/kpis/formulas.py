"""Calculated indicators: a formula over other indicators of the same workspace.

A small recursive-descent parser (never ``eval``): numbers, indicator codes, ``+ - * /``,
unary minus and parentheses. A code is written bare (``ICT1``, ``ICT1.2``, ``ICT_UP``) or
in square brackets when it has other characters (``[ICT-01]``). Values are Decimals; a
division by zero or a missing input leaves the result undetermined (None).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_LENGTH = 500
MAX_DEPTH = 50
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|\[(?P<bracketed>[^\[\]]+)\]|(?P<op>[-+*/()]))"
)


class FormulaError(ValueError):
    """A formula that cannot be used; the message says why (shown next to the field)."""


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Name:
    code: str


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class BinaryOp:
    op: str
    left: Node
    right: Node


Node = Number | Name | Negate | BinaryOp


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped_end = len(text.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FormulaError(
                f"unexpected character {text[position:].strip()[:1]!r} "
                f"at position {len(text[:position].rstrip()) + 1}"
            )
        kind = match.lastgroup
        assert kind is not None
        value = match.group(kind).strip()
        tokens.append(("name" if kind == "bracketed" else kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError("the formula ends too early")
        self.index += 1
        return token

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise FormulaError("the formula is nested too deeply")
        node = self.term(depth)
        while (token := self.peek()) is not None and token[1] in "+-" and token[0] == "op":
            self.take()
            node = BinaryOp(token[1], node, self.term(depth))
        return node

    def term(self, depth: int) -> Node:
        node = self.factor(depth)
        while (token := self.peek()) is not None and token[1] in "*/" and token[0] == "op":
            self.take()
            node = BinaryOp(token[1], node, self.factor(depth))
        return node

    def factor(self, depth: int) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Number(Decimal(value))
        if kind == "name":
            return Name(value)
        if value == "-":
            return Negate(self.factor(depth + 1))
        if value == "+":
            return self.factor(depth + 1)
        if value == "(":
            node = self.expression(depth + 1)
            closing = self.peek()
            if closing is None or closing != ("op", ")"):
                raise FormulaError("a '(' is not closed")
            self.take()
            return node
        raise FormulaError(f"expected a number, a code or '(' but found {value!r}")


def parse(text: str) -> Node:
    """The formula's syntax tree; :class:`FormulaError` says what is wrong."""
    if not text.strip():
        raise FormulaError("the formula is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokens(text))
    node = parser.expression(0)
    leftover = parser.peek()
    if leftover is not None:
        raise FormulaError(f"unexpected {leftover[1]!r} after the end of the expression")
    return node


def references(node: Node) -> set[str]:
    """The indicator codes a formula uses."""
    if isinstance(node, Name):
        return {node.code}
    if isinstance(node, Negate):
        return references(node.operand)
    if isinstance(node, BinaryOp):
        return references(node.left) | references(node.right)
    return set()


def evaluate(node: Node, values: Mapping[str, Decimal | None]) -> Decimal | None:
    """The formula's value; None when an input is missing or a division is by zero."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return values.get(node.code.lower(), values.get(node.code))
    if isinstance(node, Negate):
        operand = evaluate(node.operand, values)
        return None if operand is None else -operand
    left, right = evaluate(node.left, values), evaluate(node.right, values)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if right == 0:
        return None
    try:
        return left / right
    except InvalidOperation:
        return None


def check(code: str, formula: str, known: Mapping[str, Iterable[str]]) -> set[str]:
    """Validate the formula of indicator ``code`` against the workspace.

    ``known`` maps every other indicator's code (any case) to the codes its own formula
    uses (empty for manual indicators). Returns the codes used (lower case); raises
    :class:`FormulaError` on a syntax error, an unknown code, a self-reference or a cycle.
    """
    written = sorted(references(parse(formula)))
    used = {name.lower() for name in written}
    graph = {other.lower(): {d.lower() for d in deps} for other, deps in known.items()}
    graph[code.lower()] = used
    unknown = [name for name in written if name.lower() not in graph]
    if unknown:
        raise FormulaError(f"unknown indicator code {', '.join(unknown)}")
    if code.lower() in used:
        raise FormulaError(f"{code} cannot use itself")
    cycle = find_cycle(graph, code.lower())
    if cycle:
        raise FormulaError("the formulas form a cycle: " + " → ".join(cycle))
    return used


def find_cycle(graph: Mapping[str, set[str]], start: str) -> list[str] | None:
    """A path from ``start`` back to itself through ``graph``, or None."""
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in on_path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        on_path.add(node)
        for neighbour in sorted(graph.get(node, set())):
            found = visit(neighbour)
            if found:
                return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    return visit(start)
