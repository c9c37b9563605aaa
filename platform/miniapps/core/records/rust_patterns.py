"""Write an ECMA-262 ``u`` pattern in the syntax of Rust's ``regex`` crate, same meaning.

jsonschema-rs runs ``pattern`` in the linear-time ``regex`` crate, translating the
ECMA pattern on a best-effort basis: there ``.`` matches a carriage return, ``\\s`` misses
most Unicode spaces and ``\\b`` is Unicode-aware, unlike in browsers. So the server never
hands it a pattern as written: it writes the parse tree of
:mod:`miniapps.core.definitions.regex_syntax` out again with every character as an
explicit class of code points (a Unicode property as written), every group
non-capturing and ``\\b`` as the ASCII word boundary. What has no such form
(lookaround, backreferences) gets None: it needs a backtracking engine.
"""

from __future__ import annotations

from miniapps.core.definitions.regex_syntax import (
    Alt,
    Anchor,
    Char,
    Node,
    Repeat,
    Seq,
)

ANCHORS = {"^": "^", "$": "$", "\\b": "(?-u:\\b)", "\\B": "(?-u:\\B)"}


def rust_pattern(tree: Node) -> str | None:
    """``tree`` in Rust regex syntax with the browser's meaning, or None."""
    if isinstance(tree, Char):
        return tree.rust
    if isinstance(tree, Anchor):
        return ANCHORS[tree.kind]
    if isinstance(tree, Seq):
        parts = [rust_pattern(item) for item in tree.items]
        return None if None in parts else "".join(p for p in parts if p is not None)
    if isinstance(tree, Alt):
        branches = [rust_pattern(branch) for branch in tree.branches]
        if None in branches:
            return None
        return "(?:" + "|".join(b for b in branches if b is not None) + ")"
    if isinstance(tree, Repeat):
        body = rust_pattern(tree.body)
        if body is None:
            return None
        high = "" if tree.high is None else str(tree.high)
        count = f"{{{tree.low}}}" if tree.low == tree.high else f"{{{tree.low},{high}}}"
        return f"(?:{body}){count}"
    return None  # lookaround, backreference
