"""Names of the files inside an inspection pack: safe, short and unique.

A name stored with an upload (or a summary table's name) comes from people, so it may hold
``../``, a drive letter, control characters or characters some systems refuse. Inside the
pack every such name is a single plain path segment: a ZIP member can then never point
outside the folder it is unpacked into (the "zip slip").
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

# Refused by Windows, or meaningful to a shell or a URL: replaced by "_".
_UNSAFE = re.compile(r'[<>:"/\\|?*#%&{}$!`\'=@+\[\];,\s]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
             *(f"lpt{n}" for n in range(10))}  # fmt: skip
MAX_LENGTH = 100


def safe_file_name(name: str | None, fallback: str = "file") -> str:
    """``name`` as one harmless path segment: the last part of any path it holds, control
    characters dropped, unsafe characters replaced by ``_``, no leading dots, at most
    :data:`MAX_LENGTH` characters (its extension kept), never empty or a device name.

    >>> safe_file_name("../../etc/passwd")
    'passwd'
    >>> safe_file_name("C:\\\\temp\\\\Fridge log (May).pdf")
    'Fridge_log_(May).pdf'
    """
    text = unicodedata.normalize("NFC", name or "")
    text = PureWindowsPath(PurePosixPath(text.replace("\\", "/")).name).name
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE.sub("_", text).strip("._ ")
    if not text or text.split(".")[0].lower() in _RESERVED:
        text = f"{fallback}_{text}" if text else fallback
    if len(text) > MAX_LENGTH:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 10 and stem:
            text = f"{stem[: MAX_LENGTH - len(extension) - 1]}.{extension}"
        else:
            text = text[:MAX_LENGTH]
    return text


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name-2.ext``, ``name-3.ext``... when taken (ignoring case, since
    Windows and macOS do); the answer is added to ``used``."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, dot, extension = name, "", ""
    candidate, number = name, 2
    while candidate.lower() in used:
        candidate = f"{stem}-{number}{dot}{extension}"
        number += 1
    used.add(candidate.lower())
    return candidate
