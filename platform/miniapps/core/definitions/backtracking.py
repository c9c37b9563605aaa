"""Whether a pattern could make a backtracking regex engine (the browser's) take too long.

The server runs most patterns in a linear-time engine
(:mod:`miniapps.core.records.patterns`), but browsers run ``RegExp``, which backtracks,
and so does the server for the few patterns a linear engine cannot run (lookaround,
backreferences): ``^(a+)+$`` against thirty-odd ``a`` and a ``!`` takes
minutes. This is a small, conservative static check over the parse tree of
:mod:`miniapps.core.definitions.regex_syntax`; it may refuse a pattern that is in fact
harmless (the message says how to rewrite it), never the other way round for the three
shapes below. Two parts *trade* characters when the end of the first and the start of
the second can match the same text, and nothing between them must match a character
that the first part never matches.

1. **Nested repetition** (exponential): inside a repeated group, two parts of variable
   length that trade characters, counting the end of one round and the start of the
   next (``(a+)+``, ``(a*)*``, ``(\\w+\\s?)+``, ``(.*a){3}``);
2. **Ambiguous alternatives in a repetition** (exponential): alternatives that can start
   with the same character, or that both match nothing (``(a|a)*``, ``(\\w|\\d)+``);
3. **Polynomial chains**: unbounded parts that trade characters one after another
   (``.*a.*a.*``), counted with the extra factor of an unanchored search (a pattern not
   starting with ``^``); the chain may be at most 2 long (quadratic). The browser also
   tests at most :data:`~miniapps.core.records.patterns.PATTERN_INPUT_LIMIT` characters,
   so quadratic stays under about a million steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from miniapps.core.definitions.regex_syntax import (
    ANY,
    Alt,
    Anchor,
    Backref,
    Char,
    Look,
    Node,
    Ranges,
    Repeat,
    Seq,
    normalise,
)

MAX_CHAIN = 2  # unbounded parts that may trade characters in a row (search factor included)

NESTED = (
    "repeats a part that can match the same text in more than one way (like (a+)+ or "
    "(\\w+\\s?)+), which can take a browser minutes on a short answer; repeat a single "
    "part instead (a+), or separate the rounds with a character the part cannot match "
    "((\\d+,)+)"
)
AMBIGUOUS = (
    "repeats alternatives that can match the same text (like (a|ab)* or (\\w|\\d)+), "
    "which can take a browser minutes on a short answer; make the alternatives start "
    "with different characters, or use one character class ([\\w])"
)
CHAIN = (
    "has {count} repeated parts that can trade characters (like .*a.*a.*), which can take "
    "a browser seconds on a long answer; use fewer such parts, or anchor the pattern with ^"
)


@dataclass(frozen=True)
class Shape:
    """What a part can match: lengths (``high`` None: unbounded) and characters."""

    low: int
    high: int | None
    chars: Ranges
    first: Ranges
    last: Ranges

    @property
    def variable(self) -> bool:
        return self.low != self.high

    @property
    def unbounded(self) -> bool:
        return self.high is None


def backtracking_problem(tree: Node) -> str | None:
    """Why ``tree`` could backtrack too long in a browser (the end of a sentence starting
    "This pattern ..."), or None when it is safe by the rules above."""
    problem = _walk(tree, in_loop=False)
    if problem is not None:
        return problem
    extra = 0 if _anchored(tree) else 1
    longest = _longest_chain(tree) + extra
    if longest > MAX_CHAIN:
        return CHAIN.format(count=longest if extra == 0 else f"{longest - 1} (plus the search)")
    return None


@cache
def shape(node: Node) -> Shape:
    """The :class:`Shape` of a parse-tree node."""
    if isinstance(node, Char):
        return Shape(1, 1, node.ranges, node.ranges, node.ranges)
    if isinstance(node, Anchor | Look):
        return Shape(0, 0, (), (), ())
    if isinstance(node, Backref):  # any text a group matched: any length, any character
        return Shape(0, None, ANY, ANY, ANY)
    if isinstance(node, Alt):
        parts = [shape(b) for b in node.branches]
        highs = [p.high for p in parts]
        return Shape(
            min(p.low for p in parts),
            None if None in highs else max(h for h in highs if h is not None),
            _union(p.chars for p in parts),
            _union(p.first for p in parts),
            _union(p.last for p in parts),
        )
    if isinstance(node, Repeat):
        body = shape(node.body)
        if body.high == 0 or node.high == 0:
            return Shape(0, 0, (), (), ())
        high = None if body.high is None or node.high is None else body.high * node.high
        return Shape(body.low * node.low, high, body.chars, body.first, body.last)
    parts = [shape(item) for item in node.items]
    total: int | None = sum(p.high for p in parts if p.high is not None)
    if any(p.high is None for p in parts):
        total = None
    return Shape(
        sum(p.low for p in parts),
        total,
        _union(p.chars for p in parts),
        _edge(parts),
        _edge(parts[::-1], last=True),
    )


def _edge(parts: Sequence[Shape], last: bool = False) -> Ranges:
    found: list[Ranges] = []
    for part in parts:
        found.append(part.last if last else part.first)
        if part.low > 0:
            break
    return _union(found)


def _union(sets: object) -> Ranges:
    return normalise([r for ranges in sets for r in ranges])  # type: ignore[attr-defined]


def _overlap(a: Ranges, b: Ranges) -> bool:
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][1] < b[j][0]:
            i += 1
        elif b[j][1] < a[i][0]:
            j += 1
        else:
            return True
    return False


def _flatten(node: Node) -> list[Node]:
    """The items of a sequence, with plain (unrepeated) groups opened up."""
    if isinstance(node, Seq):
        return [part for item in node.items for part in _flatten(item)]
    return [node]


def _trades(items: Sequence[Node], i: int, wanted: Callable[[Shape], bool]) -> int | None:
    """The index of the first later item of the wanted kind that trades with item ``i``."""
    first = shape(items[i])
    for j in range(i + 1, len(items)):
        other = shape(items[j])
        if (
            wanted(other)
            and _overlap(other.first, first.chars)
            and _overlap(first.last, other.chars)
        ):
            return j
        if other.low > 0 and not _overlap(other.chars, first.chars):
            return None  # a character the first part cannot match keeps them apart
    return None


def _walk(node: Node, in_loop: bool) -> str | None:
    if isinstance(node, Seq):
        items = _flatten(node)
        if in_loop and _any_trade(items, lambda s: s.variable):
            return NESTED
        return next((p for item in items if (p := _walk_item(item, in_loop))), None)
    return _walk_item(node, in_loop)


def _walk_item(node: Node, in_loop: bool) -> str | None:
    if isinstance(node, Alt):
        if in_loop:
            parts = [shape(b) for b in node.branches]
            for i, a in enumerate(parts):
                for b in parts[i + 1 :]:
                    if _overlap(a.first, b.first) or (a.low == 0 and b.low == 0):
                        return AMBIGUOUS
        return next((p for b in node.branches if (p := _walk(b, in_loop))), None)
    if isinstance(node, Repeat):
        loop = node.high is None or node.high > 1
        if loop and shape(node.body).high != 0:
            rounds = _flatten(node.body) * 2  # the end of one round meets the next
            if _any_trade(rounds, lambda s: s.variable):
                return NESTED
        return _walk(node.body, in_loop or loop)
    if isinstance(node, Seq):
        return _walk(node, in_loop)
    if isinstance(node, Look):
        return _walk(node.body, in_loop)
    return None


def _any_trade(items: Sequence[Node], wanted: Callable[[Shape], bool]) -> bool:
    return any(
        wanted(shape(items[i])) and _trades(items, i, wanted) is not None for i in range(len(items))
    )


def _longest_chain(node: Node) -> int:
    """The longest run of unbounded parts trading characters, in any sequence of ``node``."""
    best = 0
    if isinstance(node, Seq | Alt | Repeat | Look):
        children = (
            node.items
            if isinstance(node, Seq)
            else (node.branches if isinstance(node, Alt) else (node.body,))
        )
        best = max((_longest_chain(c) for c in children), default=0)
    items = _flatten(node)
    unbounded = lambda s: s.unbounded  # noqa: E731
    chain: dict[int, int] = {}
    for i in range(len(items)):
        if not shape(items[i]).unbounded:
            continue
        chain[i] = max(chain.get(i, 1), 1)
        best = max(best, chain[i])
        j = _trades(items, i, unbounded)
        if j is not None:
            chain[j] = max(chain.get(j, 1), chain[i] + 1)
    return best


def _anchored(node: Node) -> bool:
    if isinstance(node, Alt):
        return all(_anchored(b) for b in node.branches)
    items = _flatten(node)
    return bool(items) and (
        (isinstance(items[0], Anchor) and items[0].kind == "^")
        or (isinstance(items[0], Alt) and _anchored(items[0]))
    )
