"""The simple XPath forms of XLSForm ``relevant`` and ``constraint`` cells, parsed to a tree.

Understood: ``${q}`` and ``.``, string and number literals, ``today()``, the comparisons
``= != < <= > >=``, ``and``, ``or``, ``not(...)``, parentheses, ``selected(${q}, 'x')``,
``regex(., '...')`` and ``string-length(.)``. Anything else raises :class:`Unsupported`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{\s*(?P<refname>[^}\s]+)\s*\})
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z][A-Za-z0-9_-]*(?:\(\s*\))?)
    | (?P<dot>\.(?![\w.]))
    )""",
    re.VERBOSE,
)
FUNCTIONS = {"not", "selected", "regex", "string-length"}


class Unsupported(ValueError):
    """The expression uses something the engine cannot express (the message says what)."""


@dataclass(frozen=True)
class Ref:
    name: str  # "" means "." (the question itself)


@dataclass(frozen=True)
class Length:
    of: Ref


@dataclass(frozen=True)
class Today:
    pass


Literal = str | int | float | Today
Subject = Ref | Length


@dataclass(frozen=True)
class Compare:
    subject: Subject
    op: str
    value: Literal


@dataclass(frozen=True)
class Selected:
    subject: Ref
    value: str


@dataclass(frozen=True)
class Regex:
    subject: Ref
    pattern: str


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class Junction:
    kind: str  # "and" | "or"
    parts: tuple[Node, ...]


Node = Compare | Selected | Regex | Not | Junction
_FLIP = {"=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    at = 0
    text = text.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            rest = text[at:].strip()
            raise Unsupported(f"cannot read '{rest[:40]}'")
        kind = match.lastgroup or ""
        if kind == "refname":
            kind = "ref"
        value = match.group("refname") if kind == "ref" else match.group(kind)
        if kind == "word":
            value = value.replace(" ", "")
        out.append((kind, value))
        at = match.end()
    return out


def parse(text: str) -> Node:
    """The tree of ``text``; raises :class:`Unsupported` naming what is not understood."""
    parser = _Parser(tokens(text))
    node = parser.expression()
    if parser.at < len(parser.items):
        raise Unsupported(f"unexpected '{parser.items[parser.at][1]}'")
    return node


class _Parser:
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.items[self.at] if self.at < len(self.items) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        got = self.peek()
        if got[0] != kind or (value is not None and got[1] != value):
            wanted = value or kind
            raise Unsupported(f"expected {wanted} but found '{got[1] or 'the end'}'")
        self.at += 1
        return got[1]

    def expression(self) -> Node:
        return self.junction("or", lambda: self.junction("and", self.unary))

    def junction(self, kind: str, part: Callable[[], Node]) -> Node:
        parts: list[Node] = [part()]
        while self.peek() == ("word", kind):
            self.at += 1
            parts.append(part())
        return parts[0] if len(parts) == 1 else Junction(kind, tuple(parts))

    def unary(self) -> Node:
        kind, value = self.peek()
        if (kind, value) == ("punct", "("):
            self.at += 1
            inner = self.expression()
            self.take("punct", ")")
            return inner
        if kind == "word" and value == "not":
            self.at += 1
            self.take("punct", "(")
            inner = self.expression()
            self.take("punct", ")")
            return Not(inner)
        if kind == "word" and value in ("selected", "regex"):
            self.at += 1
            self.take("punct", "(")
            subject = self.reference()
            self.take("punct", ",")
            text = self.string()
            self.take("punct", ")")
            return Selected(subject, text) if value == "selected" else Regex(subject, text)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        op = self.take("op")
        right = self.operand()
        if isinstance(left, Ref | Length) and not isinstance(right, Ref | Length):
            return Compare(left, op, right)
        if isinstance(right, Ref | Length) and not isinstance(left, Ref | Length):
            return Compare(right, _FLIP[op], left)
        raise Unsupported("a comparison needs one question and one value")

    def operand(self) -> Subject | Literal:
        kind, value = self.peek()
        if kind in ("ref", "dot"):
            return self.reference()
        if kind == "string":
            self.at += 1
            return value[1:-1]
        if kind == "number":
            self.at += 1
            number = float(value)
            return int(number) if "." not in value else number
        if kind == "word" and value == "today()":
            self.at += 1
            return Today()
        if kind == "word" and value == "string-length":
            self.at += 1
            self.take("punct", "(")
            of = self.reference()
            self.take("punct", ")")
            return Length(of)
        if kind == "word":
            raise Unsupported(f"the function or name '{value.rstrip('()')}' is not supported")
        raise Unsupported(f"unexpected '{value or 'end of expression'}'")

    def reference(self) -> Ref:
        kind, value = self.peek()
        if kind == "ref":
            self.at += 1
            return Ref(value)
        if kind == "dot":
            self.at += 1
            return Ref("")
        raise Unsupported(f"expected ${{question}} or . but found '{value or 'the end'}'")

    def string(self) -> str:
        return self.take("string")[1:-1]
