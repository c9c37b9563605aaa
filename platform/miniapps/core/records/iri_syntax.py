"""``format: iri`` and ``iri-reference`` in linear time: RFC 3987's grammar as one RE2 regex.

jsonschema's own check (``rfc3987-syntax``, an Earley parser) costs about half a
millisecond per character: a 30,000-character answer took 14 seconds. The grammar of
RFC 3987 section 2.2 is regular, so RE2 checks it in time proportional to the answer.
``tests/core/records/test_iri_syntax.py`` compares both on generated strings.
"""

from __future__ import annotations

import re2

UCS = (
    r"\x{A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}"
    + "".join(rf"\x{{{p:X}0000}}-\x{{{p:X}FFFD}}" for p in range(1, 14))
    + r"\x{E1000}-\x{EFFFD}"
)
PRIVATE = r"\x{E000}-\x{F8FF}\x{F0000}-\x{FFFFD}\x{100000}-\x{10FFFD}"
UNRESERVED = rf"A-Za-z0-9\-._~{UCS}"
SUB_DELIMS = r"!$&'()*+,;="
PCT = r"%[0-9A-Fa-f]{2}"
IPCHAR = rf"(?:[{UNRESERVED}{SUB_DELIMS}:@]|{PCT})"
SEGMENT = rf"{IPCHAR}*"
SEGMENT_NZ = rf"{IPCHAR}+"
SEGMENT_NZ_NC = rf"(?:[{UNRESERVED}{SUB_DELIMS}@]|{PCT})+"

H16 = r"[0-9A-Fa-f]{1,4}"
OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4 = rf"{OCTET}(?:\.{OCTET}){{3}}"
LS32 = rf"(?:{H16}:{H16}|{IPV4})"
IPV6 = (
    "(?:"
    + "|".join(
        [
            rf"(?:{H16}:){{6}}{LS32}",
            rf"::(?:{H16}:){{5}}{LS32}",
            rf"(?:{H16})?::(?:{H16}:){{4}}{LS32}",
            rf"(?:(?:{H16}:){{0,1}}{H16})?::(?:{H16}:){{3}}{LS32}",
            rf"(?:(?:{H16}:){{0,2}}{H16})?::(?:{H16}:){{2}}{LS32}",
            rf"(?:(?:{H16}:){{0,3}}{H16})?::{H16}:{LS32}",
            rf"(?:(?:{H16}:){{0,4}}{H16})?::{LS32}",
            rf"(?:(?:{H16}:){{0,5}}{H16})?::{H16}",
            rf"(?:(?:{H16}:){{0,6}}{H16})?::",
        ]
    )
    + ")"
)
IP_FUTURE = rf"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~{SUB_DELIMS}:]+"
# IPv4address needs no branch of its own: every one is also an ireg-name.
HOST = rf"(?:\[(?:{IPV6}|{IP_FUTURE})\]|(?:[{UNRESERVED}{SUB_DELIMS}]|{PCT})*)"
AUTHORITY = rf"(?:(?:[{UNRESERVED}{SUB_DELIMS}:]|{PCT})*@)?{HOST}(?::[0-9]*)?"
PATH_ABEMPTY = rf"(?:/{SEGMENT})*"
PATH_ABSOLUTE = rf"/(?:{SEGMENT_NZ}(?:/{SEGMENT})*)?"
QUERY = rf"(?:\?(?:{IPCHAR}|[{PRIVATE}/?])*)?"
FRAGMENT = rf"(?:#(?:{IPCHAR}|[/?])*)?"
SCHEME = r"[A-Za-z][A-Za-z0-9+\-.]*"
HIER_PART = rf"(?://{AUTHORITY}{PATH_ABEMPTY}|{PATH_ABSOLUTE}|{SEGMENT_NZ}(?:/{SEGMENT})*|)"
RELATIVE_PART = rf"(?://{AUTHORITY}{PATH_ABEMPTY}|{PATH_ABSOLUTE}|{SEGMENT_NZ_NC}(?:/{SEGMENT})*|)"
IRI = rf"{SCHEME}:{HIER_PART}{QUERY}{FRAGMENT}"
IRELATIVE_REF = rf"{RELATIVE_PART}{QUERY}{FRAGMENT}"


def _compile(pattern: str) -> re2._Regexp[str]:
    options = re2.Options()
    options.max_mem = 64 << 20  # the IPv6 alternatives make a large automaton
    return re2.compile(pattern, options)


_IRI = _compile(IRI)
_IRI_REFERENCE = _compile(rf"(?:{IRI}|{IRELATIVE_REF})")


def _text(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def is_iri(value: object) -> bool:
    """RFC 3987 ``IRI`` (non-strings pass, as JSON Schema's formats do)."""
    return not isinstance(value, str) or _IRI.fullmatch(_text(value)) is not None


def is_iri_reference(value: object) -> bool:
    """RFC 3987 ``IRI-reference``: an IRI or a relative reference."""
    return not isinstance(value, str) or _IRI_REFERENCE.fullmatch(_text(value)) is not None
