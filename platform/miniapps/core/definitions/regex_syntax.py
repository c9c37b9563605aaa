"""Read a JSON Schema ``pattern`` as the browser does (ECMA-262 with the ``u`` flag).

The parse tree gives :mod:`miniapps.core.definitions.backtracking` the shape of the
pattern (sequences, alternatives, repetitions, anchors, lookaround, backreferences) and,
for each single character it may consume, the code points it accepts as sorted
``(low, high)`` ranges (a superset where a Unicode property such as ``\\p{L}`` is
involved). Each character also carries its exact set in the syntax of Rust's ``regex``
crate, which :mod:`miniapps.core.records.rust_patterns` uses to run the pattern in linear
time with the browser's meaning.

What ``new RegExp(pattern, "u")`` refuses is refused here too, with a plain message
(:class:`RegexSyntaxError`); so are inline flags and duplicate group names (not read
alike by every browser) and unpaired surrogates (the platform stores no such text).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from miniapps.core.definitions.regex_escapes import CharSet, EscapeReader
from miniapps.core.definitions.regex_escapes import RegexSyntaxError as RegexSyntaxError

MAX_CODE_POINT = 0x10FFFF
Ranges = tuple[tuple[int, int], ...]
ANY: Ranges = ((0, MAX_CODE_POINT),)
LINE_ENDS: Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
SURROGATES = (0xD800, 0xDFFF)


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


def rust_ranges(ranges: Ranges) -> str:
    """The inside of a Rust class for ``ranges``, surrogates left out (no text holds one)."""
    parts = []
    for low, high in normalise(ranges):
        pieces = [(low, high)]
        if low <= SURROGATES[1] and high >= SURROGATES[0]:
            pieces = [(low, SURROGATES[0] - 1), (SURROGATES[1] + 1, high)]
        for a, b in pieces:
            if a <= b:
                parts.append(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}")
    return "".join(parts)


def rust_class(ranges: Ranges, properties: tuple[str, ...] = (), negated: bool = False) -> str:
    """A Rust class matching ``ranges`` and ``properties`` (or everything else, ``negated``)."""
    inside = rust_ranges(ranges) + "".join(properties)
    if not inside:
        return "[\\x{0}-\\x{10FFFF}]" if negated else "[^\\x{0}-\\x{10FFFF}]"
    return f"[{'^' if negated else ''}{inside}]"


@dataclass(frozen=True)
class Char:
    """One character from ``ranges``; ``rust`` is its exact set in Rust regex syntax."""

    ranges: Ranges
    rust: str = field(default="", compare=False)


@dataclass(frozen=True)
class Anchor:
    """A zero-width assertion: ``^``, ``$``, ``\\b`` or ``\\B``."""

    kind: str


@dataclass(frozen=True)
class Look:
    """Lookahead or lookbehind: zero-width, but its body runs and may backtrack."""

    body: Node
    behind: bool = False
    negative: bool = False


@dataclass(frozen=True)
class Backref:
    """``\\1`` or ``\\k<name>``: the text a group matched, again."""

    group: str


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


Node = Char | Anchor | Look | Backref | Seq | Alt | Repeat
DOT = Char(complement(LINE_ENDS), rust_class(complement(LINE_ENDS)))  # ``.``: not a line end


def parse_pattern(pattern: str) -> Node:
    """The parse tree of ``pattern``; :class:`RegexSyntaxError` when it cannot be read."""
    parser = _Parser(pattern)
    node = parser.alternation()
    if parser.pos < len(pattern):
        raise RegexSyntaxError(
            f"“{pattern[parser.pos]}” at character {parser.pos + 1} is not opened"
        )
    return node


def _char(found: CharSet) -> Char:
    exact = normalise(found.ranges)
    if found.properties:
        return Char(ANY, rust_class(exact, found.properties, found.negated))
    ranges = complement(exact) if found.negated else exact
    return Char(ranges, rust_class(ranges))


class _Parser(EscapeReader):
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
        start = self.pos
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
            raise RegexSyntaxError(
                f"nothing to repeat before the quantifier at character {start + 1}"
            )
        if self.peek() == "?":  # lazy: the same strings, the same cost
            self.pos += 1
        return Repeat(atom, bounds[0], bounds[1])

    def braces(self) -> tuple[int, int | None]:
        end = self.text.find("}", self.pos)
        body = self.text[self.pos + 1 : end] if end > 0 else ""
        low, comma, high = body.partition(",")
        if (
            not low.isascii()
            or not low.isdigit()
            or (high and not (high.isascii() and high.isdigit()))
        ):
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
            return DOT
        if char == "[":
            return _char(self.char_class())
        if char == "(":
            return self.group()
        if char == "\\":
            return self.atom_escape()
        if char in ("*", "+", "?", "{"):
            raise RegexSyntaxError(f"“{char}” at character {self.pos} has nothing to repeat")
        if char in ("}", "]"):
            raise RegexSyntaxError(
                f"write “\\{char}” for a literal “{char}” (character {self.pos})"
            )
        code = self.literal(char)
        return Char(((code, code),), f"[\\x{{{code:X}}}]")

    def group(self) -> Node:
        if self.peek() != "?":
            return self.closed(self.alternation())
        ahead = self.text[self.pos + 1 : self.pos + 3]
        if ahead.startswith(":"):
            self.pos += 2
            return self.closed(self.alternation())
        for opener, behind, negative in (("=", 0, 0), ("!", 0, 1), ("<=", 1, 0), ("<!", 1, 1)):
            if ahead.startswith(opener):
                self.pos += 1 + len(opener)
                return Look(self.closed(self.alternation()), bool(behind), bool(negative))
        if ahead.startswith("<"):
            self.pos += 1
            name = self.group_name()
            if name in self.seen_names:
                raise RegexSyntaxError(f"two groups are named “{name}”")
            self.seen_names.add(name)
            return self.closed(self.alternation())
        raise RegexSyntaxError("inline flags like (?i) do not work in every browser")

    def closed(self, inner: Node) -> Node:
        if self.peek() != ")":
            raise RegexSyntaxError("a “(” is not closed")
        self.pos += 1
        return inner

    def atom_escape(self) -> Node:
        char = self.peek()
        if char in ("b", "B"):
            self.pos += 1
            return Anchor("\\" + char)
        if char.isascii() and char.isdigit() and char != "0":
            digits = ""
            while self.peek().isascii() and self.peek().isdigit():
                digits += self.take()
            if int(digits) > self.group_count:
                raise RegexSyntaxError(
                    f"“\\{digits}” refers to group {digits}, but the pattern has "
                    f"{self.group_count} group{'' if self.group_count == 1 else 's'}"
                )
            return Backref(digits)
        if char == "k":
            self.pos += 1
            if self.peek() != "<":
                raise RegexSyntaxError("“\\k” needs a group name, like \\k<year>")
            name = self.group_name()
            if name not in self.group_names:
                raise RegexSyntaxError(f"“\\k<{name}>” refers to no group of that name")
            return Backref(name)
        return _char(self.escape(in_class=False))
