"""The character-level half of reading an ECMA-262 ``u`` pattern: escapes, classes, names.

:mod:`miniapps.core.definitions.regex_syntax` reads the structure (groups, alternatives,
quantifiers) on top of :class:`EscapeReader`, which reads what a single character can be
(``\\d``, ``\\u{1F600}``, ``\\cA``, ``\\p{Letter}``, ``[^a-z]``...) as a :class:`CharSet`,
and counts the groups first, since ``\\2`` and ``\\k<name>`` may refer to a later group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGIT = ((0x30, 0x39),)
WORD = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
SPACE = (
    (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
)  # fmt: skip
CLASS_ESCAPES = {"d": DIGIT, "w": WORD, "s": SPACE}
CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
SYNTAX_CHARACTERS = frozenset("^$\\.*+?()[]{}|/")
PROPERTY = re.compile(r"[A-Za-z_]+(?:=[A-Za-z0-9_]+)?")
GROUP_OPENER = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|\((?!\?)|\(\?<(?![=!])([^>]*)>", re.DOTALL)


class RegexSyntaxError(ValueError):
    """The pattern is not one this platform can run safely in both the server and browser."""


class UnpairedSurrogate(RegexSyntaxError):
    """Browsers read the pattern, but it names half a character, which no stored text holds
    and the server's engines cannot take."""


@dataclass(frozen=True)
class CharSet:
    """Code points (``ranges``, unsorted) and Unicode properties (``\\p{L}`` as written);
    ``negated``: every other character instead. ``single``: one character, fit for a range."""

    ranges: tuple[tuple[int, int], ...]
    properties: tuple[str, ...] = ()
    negated: bool = False
    single: bool = True


def _one(code: int) -> CharSet:
    return CharSet(((code, code),))


class EscapeReader:
    """A cursor over a pattern that reads escapes, classes and group names."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        found = [m.group(1) for m in GROUP_OPENER.finditer(text) if m.group(0)[0] == "("]
        self.group_count = len(found)
        self.group_names = {name for name in found if name}
        self.seen_names: set[str] = set()

    def peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.text[index] if index < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise RegexSyntaxError("the pattern ends too early")
        self.pos += 1
        return char

    def literal(self, char: str) -> int:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise UnpairedSurrogate(f"it holds an unpaired surrogate (U+{code:04X})")
        return code

    def group_name(self) -> str:
        """``<name>`` at the cursor, without the brackets."""
        end = self.text.find(">", self.pos)
        name = self.text[self.pos + 1 : end] if end > 0 else ""
        valid = bool(name) and (name[0] == "$" or name[0].isidentifier())
        if not valid or not all(c in "$\u200c\u200d" or ("a" + c).isidentifier() for c in name):
            raise RegexSyntaxError("a group name must be a word, like (?<year>...)")
        self.pos = end + 1
        return name

    def char_class(self) -> CharSet:
        """``[...]`` after its ``[``."""
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        properties: list[str] = []
        while self.peek() != "]":
            if not self.peek():
                raise RegexSyntaxError("a “[” is not closed")
            low = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.class_atom()
                if not (low.single and high.single) or low.ranges[0][0] > high.ranges[0][0]:
                    raise RegexSyntaxError(
                        "a range in [...] must go from one character up to another"
                    )
                ranges.append((low.ranges[0][0], high.ranges[0][0]))
                continue
            if low.negated:  # \P{...} inside a class
                properties.extend(p.replace("\\p", "\\P", 1) for p in low.properties)
            else:
                properties.extend(low.properties)
            ranges.extend(
                _complement_raw(low.ranges) if low.negated and not low.properties else low.ranges
            )
        self.pos += 1
        return CharSet(tuple(ranges), tuple(properties), negated, single=False)

    def class_atom(self) -> CharSet:
        char = self.take()
        if char != "\\":
            return _one(self.literal(char))
        if self.peek() == "b":
            self.pos += 1
            return _one(0x08)
        if self.peek() == "-":
            self.pos += 1
            return _one(ord("-"))
        return self.escape(in_class=True)

    def escape(self, in_class: bool) -> CharSet:
        """A character escape or class escape, after its backslash."""
        char = self.take()
        if char.lower() in CLASS_ESCAPES:
            return CharSet(CLASS_ESCAPES[char.lower()], negated=char.isupper(), single=False)
        if char in ("p", "P"):
            return self.property(char)
        if char in CONTROL_ESCAPES:
            return _one(CONTROL_ESCAPES[char])
        if char == "c":
            letter = self.peek()
            if not (letter.isascii() and letter.isalpha()):
                raise RegexSyntaxError("“\\c” needs a letter, like \\cA")
            self.pos += 1
            return _one(ord(letter) % 32)
        if char == "0":
            if self.peek().isascii() and self.peek().isdigit():
                raise RegexSyntaxError("“\\0” cannot be followed by a digit (no octal escapes)")
            return _one(0)
        if char == "x":
            return _one(self.hex_digits(2, "x"))
        if char == "u":
            return _one(self.unicode_escape())
        if char in SYNTAX_CHARACTERS:
            return _one(ord(char))
        if (char.isascii() and char.isdigit()) or char in ("k", "B"):
            raise RegexSyntaxError(f"“\\{char}” cannot be used inside [...]")
        raise RegexSyntaxError(f"“\\{char}” is not an escape browsers accept in patterns")

    def property(self, kind: str) -> CharSet:
        end = self.text.find("}", self.pos)
        name = self.text[self.pos + 1 : end] if self.peek() == "{" and end > 0 else ""
        if not PROPERTY.fullmatch(name):
            raise RegexSyntaxError(f"“\\{kind}” needs a Unicode property, like \\{kind}{{Letter}}")
        self.pos = end + 1
        return CharSet((), (f"\\p{{{name}}}",), negated=kind == "P", single=False)

    def hex_digits(self, width: int, kind: str) -> int:
        digits = self.text[self.pos : self.pos + width]
        if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise RegexSyntaxError(f"“\\{kind}” needs {width} hexadecimal digits")
        self.pos += width
        return int(digits, 16)

    def unicode_escape(self) -> int:
        if self.peek() == "{":
            end = self.text.find("}", self.pos)
            digits = self.text[self.pos + 1 : end] if end > 0 else ""
            if not digits or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise RegexSyntaxError("“\\u{” needs hexadecimal digits and a “}”")
            self.pos = end + 1
            if int(digits, 16) > 0x10FFFF:
                raise RegexSyntaxError(f"“\\u{{{digits}}}” is beyond Unicode")
            code = int(digits, 16)
        else:
            code = self.hex_digits(4, "u")
            if 0xD800 <= code <= 0xDBFF and self.text.startswith("\\u", self.pos):
                saved = self.pos
                self.pos += 2
                try:
                    trail = self.hex_digits(4, "u")
                except RegexSyntaxError:
                    trail = 0
                if 0xDC00 <= trail <= 0xDFFF:
                    return 0x10000 + ((code - 0xD800) << 10) + (trail - 0xDC00)
                self.pos = saved
        if 0xD800 <= code <= 0xDFFF:
            raise UnpairedSurrogate(f"it holds an unpaired surrogate (\\u{code:04X})")
        return code


def _complement_raw(ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    result: list[tuple[int, int]] = []
    start = 0
    for low, high in sorted(ranges):
        if low > start:
            result.append((start, low - 1))
        start = max(start, high + 1)
    if start <= 0x10FFFF:
        result.append((start, 0x10FFFF))
    return result
