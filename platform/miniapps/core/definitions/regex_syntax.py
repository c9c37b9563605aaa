"""Read a JSON Schema ``pattern`` as the browser does (ECMA-262 with the ``u`` flag).

Only what :mod:`miniapps.core.definitions.backtracking` needs: the shape of the pattern
(sequences, alternatives, repetitions, anchors) and, for each single character it may
consume, the set of code points it accepts as sorted ``(low, high)`` ranges. What this
parser does not read (lookaround, backreferences, inline flags, escapes the ``u`` flag
forbids) raises :class:`RegexSyntaxError` with a plain message: such a pattern is
refused when publishing, since the browser or the server could not run it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CODE_POINT = 0x10FFFF
Ranges = tuple[tuple[int, int], ...]
ANY: Ranges = ((0, MAX_CODE_POINT),)
DIGIT: Ranges = ((0x30, 0x39),)
WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
SPACE: Ranges = (
    (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
)  # fmt: skip
LINE_ENDS: Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
SYNTAX_CHARACTERS = frozenset("^$\\.*+?()[]{}|/")
CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}


class RegexSyntaxError(ValueError):
    """The pattern is not one this platform can run safely in both the server and browser."""


def normalise(ranges: list[tuple[int, int]] | Ranges) -> Ranges:
    """Sorted, merged ranges."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def complement(ranges: Ranges) -> Ranges:
    """Every code point not in ``ranges``."""
    result: list[tuple[int, int]] = []
    start = 0
    for low, high in normalise(ranges):
        if low > start:
            result.append((start, low - 1))
        start = high + 1
    if start <= MAX_CODE_POINT:
        result.append((start, MAX_CODE_POINT))
    return tuple(result)


@dataclass(frozen=True)
class Char:
    """One character from ``ranges``."""

    ranges: Ranges


@dataclass(frozen=True)
class Anchor:
    """A zero-width assertion: ``^``, ``$``, ``\\b`` or ``\\B``."""

    kind: str


@dataclass(frozen=True)
class Look:
    """Lookahead or lookbehind (read only for patterns stored before publishing refused
    them): zero-width, but its body runs and may backtrack."""

    body: Node


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    branches: tuple[Node, ...]


@dataclass(frozen=True)
class Repeat:
    body: Node
    low: int
    high: int | None  # None: no upper bound


Node = Char | Anchor | Look | Seq | Alt | Repeat


def parse_pattern(pattern: str, lookaround: bool = False) -> Node:
    """The parse tree of ``pattern``; :class:`RegexSyntaxError` when it cannot be read
    (lookaround too, unless ``lookaround``)."""
    parser = _Parser(pattern, lookaround)
    node = parser.alternation()
    if parser.pos < len(pattern):
        raise RegexSyntaxError(f"unexpected “{pattern[parser.pos]}” at character {parser.pos + 1}")
    return node


class _Parser:
    def __init__(self, text: str, lookaround: bool) -> None:
        self.text = text
        self.pos = 0
        self.lookaround = lookaround

    def peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.text[index] if index < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise RegexSyntaxError("the pattern ends too early")
        self.pos += 1
        return char

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else Alt(tuple(branches))

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.quantified(self.atom()))
        return Seq(tuple(items))

    def quantified(self, atom: Node) -> Node:
        char = self.peek()
        bounds: tuple[int, int | None] | None = None
        if char in ("*", "+", "?"):
            self.pos += 1
            bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{":
            bounds = self.braces()
        if bounds is None:
            return atom
        if isinstance(atom, Anchor | Look):
            raise RegexSyntaxError("nothing to repeat before a quantifier")
        if self.peek() == "?":  # lazy: the same strings, the same cost
            self.pos += 1
        if self.peek() in ("*", "+", "?", "{"):
            raise RegexSyntaxError(f"nothing to repeat at character {self.pos + 1}")
        return Repeat(atom, bounds[0], bounds[1])

    def braces(self) -> tuple[int, int | None]:
        end = self.text.find("}", self.pos)
        body = self.text[self.pos + 1 : end] if end > 0 else ""
        low, comma, high = body.partition(",")
        if not low.isdigit() or (high and not high.isdigit()):
            raise RegexSyntaxError(f"write “\\{{” for a literal brace (character {self.pos + 1})")
        self.pos = end + 1
        upper = int(high) if high else (None if comma else int(low))
        if upper is not None and upper < int(low):
            raise RegexSyntaxError(f"“{{{body}}}” counts down")
        return int(low), upper

    def atom(self) -> Node:
        char = self.take()
        if char in ("^", "$"):
            return Anchor(char)
        if char == ".":
            return Char(complement(LINE_ENDS))
        if char == "[":
            return Char(self.char_class())
        if char == "(":
            return self.group()
        if char == "\\":
            return self.escape(in_class=False)
        if char in ("*", "+", "?", "{", "}", "]", ")"):
            raise RegexSyntaxError(f"“{char}” at character {self.pos} has nothing to apply to")
        return Char(((ord(char), ord(char)),))

    def group(self) -> Node:
        if self.peek() == "?":
            if self.peek(1) == ":":
                self.pos += 2
            elif self.peek(1) == "<" and self.peek(2) not in ("=", "!"):
                end = self.text.find(">", self.pos)
                name = self.text[self.pos + 2 : end] if end > 0 else ""
                if not name.isidentifier():
                    raise RegexSyntaxError("a named group needs a name, like (?<year>...)")
                self.pos = end + 1
            elif self.peek(1) in ("=", "!") or self.text.startswith("<", self.pos + 1):
                if not self.lookaround:
                    raise RegexSyntaxError(
                        "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) cannot be used"
                    )
                self.pos += 3 if self.peek(1) == "<" else 2
                return Look(self.closed(self.alternation()))
            else:
                raise RegexSyntaxError("inline flags like (?i) do not work in browsers")
        return self.closed(self.alternation())

    def closed(self, inner: Node) -> Node:
        if self.peek() != ")":
            raise RegexSyntaxError("a “(” is not closed")
        self.pos += 1
        return inner

    def char_class(self) -> Ranges:
        negate = self.peek() == "^"
        if negate:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        while self.peek() != "]":
            low = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.class_atom()
                if not (_single(low) and _single(high)) or low[0][0] > high[0][0]:
                    raise RegexSyntaxError(
                        "a range in [...] must go from one character up to another"
                    )
                ranges.append((low[0][0], high[0][0]))
            else:
                ranges.extend(low)
        self.pos += 1
        result = normalise(ranges)
        return complement(result) if negate else result

    def class_atom(self) -> Ranges:
        char = self.take()
        if char == "\\":
            escaped = self.escape(in_class=True)
            assert isinstance(escaped, Char)
            return escaped.ranges
        return ((ord(char), ord(char)),)

    def escape(self, in_class: bool) -> Node:
        char = self.take()
        classes = {"d": DIGIT, "w": WORD, "s": SPACE}
        if char.lower() in classes:
            ranges = normalise(classes[char.lower()])
            return Char(complement(ranges) if char.isupper() else ranges)
        if char in ("b", "B") and not in_class:
            return Anchor("\\" + char)
        if char == "b":
            return _one(0x08)
        if char in CONTROL_ESCAPES:
            return _one(CONTROL_ESCAPES[char])
        if char == "0" and not self.peek().isdigit():
            return _one(0)
        if char in ("x", "u"):
            return _one(self.hex_escape(char))
        if char in ("p", "P") and self.peek() == "{":
            end = self.text.find("}", self.pos)
            if end < 0:
                raise RegexSyntaxError("“\\p{” is not closed")
            self.pos = end + 1
            return Char(ANY)  # a Unicode property: assume it may overlap anything
        if char in SYNTAX_CHARACTERS or (in_class and char == "-"):
            return _one(ord(char))
        if char.isdigit() or char == "k":
            raise RegexSyntaxError("backreferences (\\1, \\k<name>) cannot be used")
        raise RegexSyntaxError(f"“\\{char}” is not an escape browsers accept in patterns")

    def hex_escape(self, kind: str) -> int:
        if kind == "u" and self.peek() == "{":
            end = self.text.find("}", self.pos)
            digits = self.text[self.pos + 1 : end] if end > 0 else ""
            self.pos = end + 1
        else:
            width = 2 if kind == "x" else 4
            digits = self.text[self.pos : self.pos + width]
            if len(digits) != width:
                digits = ""
            self.pos += width
        try:
            value = int(digits, 16)
        except ValueError:
            raise RegexSyntaxError(f"“\\{kind}” needs hexadecimal digits") from None
        if value > MAX_CODE_POINT:
            raise RegexSyntaxError(f"“\\{kind}{{{digits}}}” is beyond Unicode")
        return value


def _one(code: int) -> Char:
    return Char(((code, code),))


def _single(ranges: Ranges) -> bool:
    return len(ranges) == 1 and ranges[0][0] == ranges[0][1]
