"""Cost of one ``pattern`` check on the server, per engine, and of a pattern's first use.

Pure core: times :func:`miniapps.core.records.patterns.searcher` on typical patterns of
the bundled apps' kind (an NHS number, a postcode, an email address, a word in a note;
one lookahead, which needs the backtracking engine, ``regress``) and, when ``google-re2``
is installed, RE2 run as the server ran patterns before (UTF-8 encoded answers). Also the
first use of a pattern (read, written out for jsonschema-rs, compiled), which is cached.

    .venv/bin/python benchmarks/pattern_bench.py --calls 100000
"""

from __future__ import annotations

import argparse
import time
import timeit
from collections.abc import Callable
from functools import partial

from miniapps.core.records import patterns

CASES = [
    ("^[0-9]{10}$", "9434765919"),
    ("^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", "SW1A 1AA"),
    (r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "someone.else@nhs.example.net"),
    ("urgent", "The patient reports a mild headache for three days; " * 4 + "urgent"),
    (r"^\p{L}[\p{L} '\-]*$", "Zoë O'Brien-Łukasik"),
    (r"^(?!x)\d+$", "123456"),
]


def per_call_ns(search: Callable[[str], bool], text: str, calls: int) -> float:
    return min(timeit.repeat(partial(search, text), number=calls, repeat=3)) / calls * 1e9


def re2_search(pattern: str) -> Callable[[str], bool] | None:
    try:
        import re2  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    options = re2.Options()
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error:
        return None
    return lambda text: compiled.search(text.encode("utf-8", "surrogatepass")) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    calls = parser.parse_args().calls
    print(f"{'pattern':44} {'engine':8} {'ns/check':>9} {'RE2 ns':>9} {'ratio':>6}")
    for pattern, text in CASES:
        started = time.perf_counter()
        search = patterns.searcher(pattern)
        first_ms = (time.perf_counter() - started) * 1e3
        ours = per_call_ns(search, text, calls)
        old = re2_search(pattern)
        engine = "rs" if patterns.rs_pattern(pattern) else "regress"
        if old is None:  # RE2 not installed, or it cannot run this pattern
            compared = f"{'-':>9} {'-':>6}"
        else:
            before = per_call_ns(old, text, calls)
            compared = f"{before:9.0f} {ours / before:6.2f}"
        print(
            f"{pattern[:44]:44} {engine:8} {ours:9.0f} {compared}   (first use {first_ms:.1f} ms)"
        )


if __name__ == "__main__":
    main()
